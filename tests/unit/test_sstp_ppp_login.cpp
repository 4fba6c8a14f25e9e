// The SSTP login's pure steps (probes/sstp/ppp_login): PppAuthStep against an authenticator computed here from
// RFC 2759 (its S= from the password, its Failure messages), and IpcpStep against Naks, Rejects and loops.
#include <gtest/gtest.h>

#include "probes/sstp/ppp_login.hpp"
#include "protocol/auth/eap.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/sstp/ppp_auth.hpp"
#include "protocol/sstp/ppp_describe.hpp"

namespace {

using namespace vpnprobe;
using probes::FailureReason;
using probes::StepStatus;
namespace proto = vpnprobe::protocol;
namespace ms = vpnprobe::protocol::mschapv2;

const char* kUser = "vpnprobe@SSTPHUB";
const char* kPassword = "clientPass";
const ms::Challenge kAuthChallenge{0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
                                   0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
const ms::Challenge kPeerChallenge{0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
                                   0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};

probes::SstpCredentials creds(bool weak = false) { return {kUser, kPassword, weak}; }

proto::Bytes chap_frame(proto::ChapCode code, std::uint8_t id, proto::Bytes value, std::string text) {
    proto::ChapPacket p;
    p.code = code;
    p.identifier = id;
    p.value = std::move(value);
    if (code == proto::ChapCode::challenge) p.name = text;
    else p.message = text;
    return proto::encode_chap_frame(p);
}

// The authenticator's S= for the Response our step sent, computed from the password as a server does.
std::string server_success(const proto::Bytes& response_frame) {
    auto chap = proto::decode_chap_frame(response_frame);
    EXPECT_TRUE(static_cast<bool>(chap));
    auto value = ms::decode_response_value(chap->value);
    auto s = ms::generate_authenticator_response(ms::nt_password_hash(kPassword), value.nt_response,
                                                 value.peer_challenge, kAuthChallenge, kUser);
    return ms::authenticator_response_text(s);
}

struct MschapLogin {
    probes::PppAuthStep step{proto::lcp_auth_chap(), creds(), kPeerChallenge};
    proto::Bytes response;
    MschapLogin() {
        auto out = step.take(chap_frame(proto::ChapCode::challenge, 7,
                                        proto::Bytes(kAuthChallenge.begin(), kAuthChallenge.end()), "vm"));
        EXPECT_EQ(out.status, StepStatus::need_more);
        EXPECT_EQ(out.send.size(), 1u);
        response = out.send.at(0);
    }
};

TEST(SstpPppLogin, MschapV2OverChapSucceedsWhenTheServerProvesThePassword) {
    MschapLogin l;
    auto out = l.step.take(chap_frame(proto::ChapCode::success, 7, {}, server_success(l.response)));
    EXPECT_EQ(out.status, StepStatus::done) << out.error;
    EXPECT_TRUE(l.step.facts().server_proven);
    EXPECT_EQ(l.step.facts().server_name, "vm");
    EXPECT_NE(l.step.hlak(), proto::SstpHlak{});  // keys from MS-CHAPv2, not the zeros of PAP
}

TEST(SstpPppLogin, WrongAuthenticatorResponseIsNotProven) {
    MschapLogin l;
    auto out = l.step.take(chap_frame(proto::ChapCode::success, 7, {}, "S=" + std::string(40, '0')));
    EXPECT_EQ(out.status, StepStatus::failed);
    EXPECT_EQ(out.reason, FailureReason::sstp_auth_not_proven);
    out = MschapLogin().step.take(chap_frame(proto::ChapCode::success, 7, {}, "Welcome"));
    EXPECT_EQ(out.reason, FailureReason::sstp_auth_not_proven);
}

TEST(SstpPppLogin, Failure691IsRejectedAnd649IsPolicy) {
    MschapLogin a;
    auto out =
        a.step.take(chap_frame(proto::ChapCode::failure, 7, {}, "E=691 R=0 C=00000000000000000000000000000000 V=3"));
    EXPECT_EQ(out.reason, FailureReason::sstp_auth_rejected);
    EXPECT_EQ(a.step.facts().mschap_error, 691u);
    MschapLogin b;
    out = b.step.take(chap_frame(proto::ChapCode::failure, 7, {}, "E=649 R=0 M=no dial-in"));
    EXPECT_EQ(out.reason, FailureReason::sstp_auth_policy);
    EXPECT_EQ(b.step.facts().server_message, "no dial-in");
    // 646-648 are the account's restrictions (RFC 2759 section 6), 812 a server's own policy code: all policy; any
    // other code is a refused login.
    for (std::uint32_t e : {646u, 647u, 648u, 812u, 709u, 999u}) {
        MschapLogin c;
        out = c.step.take(chap_frame(proto::ChapCode::failure, 7, {}, "E=" + std::to_string(e) + " R=0"));
        EXPECT_EQ(out.reason,
                  e == 709 || e == 999 ? FailureReason::sstp_auth_rejected : FailureReason::sstp_auth_policy)
            << e;
        EXPECT_EQ(c.step.facts().mschap_error, e);
    }
}

TEST(SstpPppLogin, EapIdentityLoopIsCutOff) {
    probes::PppAuthStep step(proto::LcpAuthProtocol{proto::ppp_protocol_eap, {}}, creds(), kPeerChallenge);
    proto::EapPacket req;
    req.code = proto::EapCode::request;
    req.type = proto::eap_type::identity;
    std::string welcome = "Welcome";
    req.type_data.assign(welcome.begin(), welcome.end());
    req.type_data.push_back(0);  // SoftEther NUL-terminates it
    probes::StepOutput out;
    int frames = 0;
    for (; frames < 100 && out.status == StepStatus::need_more; ++frames) {
        req.identifier = static_cast<std::uint8_t>(frames);
        out = step.take(proto::encode_eap_frame(proto::encode_eap_packet(req)));
    }
    EXPECT_EQ(out.status, StepStatus::failed);
    EXPECT_EQ(out.reason, FailureReason::sstp_auth_loop);
    EXPECT_EQ(frames, probes::PppAuthStep::max_frames + 1);
    EXPECT_EQ(step.facts().eap_identity_prompt, "Welcome");
}

TEST(SstpPppLogin, EapSuccessWithoutMschapProofIsNotProven) {
    probes::PppAuthStep step(proto::LcpAuthProtocol{proto::ppp_protocol_eap, {}}, creds(), kPeerChallenge);
    proto::EapPacket ok;
    ok.code = proto::EapCode::success;
    auto out = step.take(proto::encode_eap_frame(proto::encode_eap_packet(ok)));
    EXPECT_EQ(out.reason, FailureReason::sstp_auth_not_proven);
}

TEST(SstpPppLogin, PapOnlyWhenAllowedAndNeverInTheLog) {
    proto::LcpAuthProtocol pap{proto::ppp_protocol_pap, {}};
    EXPECT_THROW(probes::PppAuthStep(pap, creds(false), kPeerChallenge), std::invalid_argument);
    probes::PppAuthStep step(pap, creds(true), kPeerChallenge);
    EXPECT_TRUE(step.facts().weakness.has_value());
    auto frames = step.start();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(proto::describe_ppp_login_frame(frames[0]).find(kPassword), std::string::npos);
}

// ---- IPCP -------------------------------------------------------------------------------------------

proto::Bytes ipcp(proto::LcpCode code, std::uint8_t id, std::vector<proto::CpOption> options) {
    proto::CpPacket p;
    p.code = code;
    p.identifier = id;
    p.options = std::move(options);
    return proto::encode_cp_frame(proto::ppp_protocol_ipcp, p);
}
proto::CpOption addr(std::uint8_t type, proto::Ipv4Address a) { return proto::ipcp_address_option(type, a); }

TEST(SstpIpcp, NakThenAckAssignsTheAddress) {
    probes::IpcpStep step;
    ASSERT_EQ(step.start().size(), 1u);
    auto out = step.take(ipcp(proto::LcpCode::configure_reject, 1,
                              {addr(proto::ipcp_option::primary_nbns, {}), addr(proto::ipcp_option::secondary_dns, {}),
                               addr(proto::ipcp_option::secondary_nbns, {})}));
    ASSERT_EQ(out.send.size(), 1u);
    out = step.take(
        ipcp(proto::LcpCode::configure_request, 3, {addr(proto::ipcp_option::ip_address, {192, 168, 30, 1})}));
    EXPECT_EQ(out.status, StepStatus::need_more);
    out = step.take(ipcp(proto::LcpCode::configure_nak, 2,
                         {addr(proto::ipcp_option::ip_address, {192, 168, 30, 10}),
                          addr(proto::ipcp_option::primary_dns, {192, 168, 30, 1})}));
    ASSERT_EQ(out.send.size(), 1u);
    out = step.take(ipcp(proto::LcpCode::configure_ack, 3,
                         {addr(proto::ipcp_option::ip_address, {192, 168, 30, 10}),
                          addr(proto::ipcp_option::primary_dns, {192, 168, 30, 1})}));
    EXPECT_EQ(out.status, StepStatus::done) << out.error;
    EXPECT_EQ(step.facts().address, (proto::Ipv4Address{192, 168, 30, 10}));
    EXPECT_EQ(step.facts().dns.size(), 1u);
}

TEST(SstpIpcp, NakLoopEndsAsLoop) {
    probes::IpcpStep step;
    step.start();
    // A Nak that suggests what we already ask for: nothing new, another round would loop.
    auto out = step.take(ipcp(proto::LcpCode::configure_nak, 1, {addr(proto::ipcp_option::primary_dns, {})}));
    EXPECT_EQ(out.status, StepStatus::failed);
    EXPECT_EQ(out.reason, FailureReason::sstp_ipcp_loop);
}

TEST(SstpIpcp, NakAlternatingValuesIsCutOffAfterMaxRounds) {
    probes::IpcpStep step;
    step.start();
    probes::StepOutput out;
    int rounds = 0;
    for (; rounds < 100 && out.status == StepStatus::need_more; ++rounds)
        out = step.take(
            ipcp(proto::LcpCode::configure_nak, static_cast<std::uint8_t>(rounds + 1),
                 {addr(proto::ipcp_option::ip_address, {10, 0, 0, static_cast<std::uint8_t>(1 + rounds % 2)})}));
    EXPECT_EQ(out.reason, FailureReason::sstp_ipcp_loop);
    EXPECT_EQ(rounds, probes::IpcpStep::max_rounds + 1);
}

TEST(SstpIpcp, AddressRejectedOrTerminatedIsRefused) {
    probes::IpcpStep a;
    a.start();
    EXPECT_EQ(a.take(ipcp(proto::LcpCode::configure_reject, 1, {addr(proto::ipcp_option::ip_address, {})})).reason,
              FailureReason::sstp_ipcp_refused);
    probes::IpcpStep b;
    b.start();
    auto out = b.take(ipcp(proto::LcpCode::terminate_request, 9, {}));
    EXPECT_EQ(out.reason, FailureReason::sstp_ipcp_refused);
    EXPECT_EQ(out.send.size(), 1u);  // the Terminate-Ack
}

}  // namespace
