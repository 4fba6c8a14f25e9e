// RFC 7383 reassembly bookkeeping: order, duplicates, restarts, and the limits a hostile server meets.
#include <gtest/gtest.h>

#include "protocol/ikev2/ikev2_fragments.hpp"

namespace {

using namespace vpnprobe::protocol;
using namespace vpnprobe::protocol::ikev2;
using Admission = FragmentReassembler::Admission;

Bytes part(std::uint8_t fill, std::size_t n) { return Bytes(n, fill); }

TEST(IkeFragments, OutOfOrderFragmentsAssembleInFragmentOrder) {
    FragmentReassembler r;
    ASSERT_EQ(r.admit(3, 3), Admission::take);
    ASSERT_TRUE(r.add(3, PayloadType::none, part(3, 2)));
    ASSERT_EQ(r.admit(1, 3), Admission::take);
    ASSERT_TRUE(r.add(1, PayloadType::idr, part(1, 2)));
    EXPECT_FALSE(r.complete());
    ASSERT_EQ(r.admit(2, 3), Admission::take);
    ASSERT_TRUE(r.add(2, PayloadType::none, part(2, 1)));
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.assemble(), (Bytes{1, 1, 2, 3, 3}));
    EXPECT_EQ(r.first_inner(), PayloadType::idr) << "taken from fragment 1, whatever the order";
}

TEST(IkeFragments, DuplicatesAreNotDecryptedTwice) {
    FragmentReassembler r;
    ASSERT_EQ(r.admit(1, 2), Admission::take);
    ASSERT_TRUE(r.add(1, PayloadType::idr, part(1, 4)));
    EXPECT_EQ(r.admit(1, 2), Admission::duplicate);
    EXPECT_TRUE(r.add(1, PayloadType::idr, part(9, 4))) << "a second copy is ignored";
    ASSERT_EQ(r.admit(2, 2), Admission::take);
    ASSERT_TRUE(r.add(2, PayloadType::none, part(2, 1)));
    EXPECT_EQ(r.assemble(), (Bytes{1, 1, 1, 1, 2}));
}

TEST(IkeFragments, ADifferentTotalRestartsTheMessage) {
    FragmentReassembler r;
    ASSERT_EQ(r.admit(1, 3), Admission::take);
    ASSERT_TRUE(r.add(1, PayloadType::idr, part(1, 4)));
    ASSERT_EQ(r.admit(1, 2), Admission::take) << "RFC 7383 2.6.1: retransmitted with other fragmentation";
    EXPECT_EQ(r.restarts(), 1);
    EXPECT_EQ(r.received(), 0u);
    ASSERT_TRUE(r.add(1, PayloadType::idr, part(5, 1)));
    ASSERT_EQ(r.admit(2, 2), Admission::take);
    ASSERT_TRUE(r.add(2, PayloadType::none, part(6, 1)));
    EXPECT_EQ(r.assemble(), (Bytes{5, 6}));
}

TEST(IkeFragments, ImpossibleNumbersAreRefused) {
    FragmentReassembler r;
    EXPECT_EQ(r.admit(0, 2), Admission::refuse);
    EXPECT_NE(r.error().find("0/2"), std::string::npos) << r.error();
    EXPECT_EQ(r.admit(3, 2), Admission::refuse);
    EXPECT_EQ(r.admit(1, 0), Admission::refuse);
    EXPECT_EQ(r.total(), 0) << "a refused fragment changes nothing";
}

TEST(IkeFragments, TooManyFragmentsAreRefused) {
    FragmentReassembler r(FragmentReassembler::Limits{8, 1024});
    EXPECT_EQ(r.admit(1, 9), Admission::refuse);
    EXPECT_NE(r.error().find("limit of 8 fragments"), std::string::npos) << r.error();
    EXPECT_EQ(r.admit(8, 8), Admission::take);
    FragmentReassembler unlimited_total;
    EXPECT_EQ(unlimited_total.admit(1, 65535), Admission::refuse) << "default limit 64";
}

TEST(IkeFragments, TooManyBytesEndTheReassembly) {
    FragmentReassembler r(FragmentReassembler::Limits{8, 10});
    ASSERT_EQ(r.admit(1, 3), Admission::take);
    ASSERT_TRUE(r.add(1, PayloadType::idr, part(1, 6)));
    ASSERT_EQ(r.admit(2, 3), Admission::take);
    EXPECT_FALSE(r.add(2, PayloadType::none, part(2, 5)));
    EXPECT_NE(r.error().find("more than 10 bytes"), std::string::npos) << r.error();
}

TEST(IkeFragments, AddWithoutAdmitIsIgnored) {
    FragmentReassembler r;
    EXPECT_TRUE(r.add(1, PayloadType::idr, part(1, 3)));
    EXPECT_EQ(r.received(), 0u);
    EXPECT_FALSE(r.complete());
}

}  // namespace
