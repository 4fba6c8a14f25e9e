// The pieces of the SSTP login composed, with the authenticator's side computed independently from the
// server's point of view (RFC 2759/3079 with IsServer = TRUE): an EAP-MSCHAPv2 exchange in PPP frames from
// the Identity to the Success, the authenticator checking our NT-Response, us checking its S=, both ends'
// HLAK (MS-SSTP: the client's MasterSendKey | MasterReceiveKey, the server's MasterReceiveKey | MasterSendKey)
// and the server accepting our Crypto Binding. A wrong password fails at the first check that can see it.
#include <gtest/gtest.h>

#include <string>

#include "protocol/auth/eap.hpp"
#include "protocol/auth/eap_mschapv2.hpp"
#include "protocol/auth/mschapv2.hpp"
#include "protocol/sstp/ppp_describe.hpp"
#include "protocol/sstp/sstp.hpp"
#include "protocol/sstp/sstp_crypto_binding.hpp"

using namespace vpnprobe::protocol;

namespace {

struct Authenticator {
    std::string user;
    std::string password;
    mschapv2::Challenge challenge{};

    // What the server sees in our Response, judged with the password it knows.
    bool nt_response_valid(const EapMschapv2Packet& response) const {
        const auto expected = mschapv2::generate_nt_response(challenge, response.response.peer_challenge, response.name,
                                                             mschapv2::nt_password_hash(password));
        return expected == response.response.nt_response;
    }
    std::string success_message(const EapMschapv2Packet& response) const {
        const auto hash = mschapv2::nt_password_hash(password);
        return mschapv2::authenticator_response_text(mschapv2::generate_authenticator_response(
                   hash, response.response.nt_response, response.response.peer_challenge, challenge, response.name)) +
               " M=Welcome";
    }
    // The server's own keys (IsServer = TRUE) and its HLAK: MasterReceiveKey | MasterSendKey.
    SstpHlak hlak(const EapMschapv2Packet& response) const {
        const auto hash = mschapv2::nt_password_hash(password);
        const auto master = mschapv2::master_key(mschapv2::hash_nt_password_hash(hash), response.response.nt_response);
        const auto server_send = mschapv2::asymmetric_start_key(master, true, true);
        const auto server_receive = mschapv2::asymmetric_start_key(master, false, true);
        SstpHlak h{};
        std::copy(server_receive.begin(), server_receive.end(), h.begin());
        std::copy(server_send.begin(), server_send.end(), h.begin() + 16);
        return h;
    }
};

// Runs the exchange with `client_password`; returns what failed first, or "" when the binding was accepted.
std::string login(const Authenticator& server, const std::string& client_password) {
    const mschapv2::Challenge peer = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                                      0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    // Identity: the server asks, we answer, the server reads the name back out of the frame.
    const Bytes identity = encode_eap_frame(encode_eap_identity_response(1, "LAB\\" + server.user));
    const auto identity_back = decode_eap_frame(identity);
    if (!identity_back) return "identity undecodable";

    // Challenge, as the server sends it in a PPP frame.
    EapMschapv2Packet challenge;
    challenge.opcode = EapMschapv2OpCode::challenge;
    challenge.ms_id = 7;
    challenge.challenge = server.challenge;
    challenge.name = "vpx";
    const auto challenge_eap = decode_eap_frame(encode_eap_frame(encode_eap_mschapv2(EapCode::request, 2, challenge)));
    const auto challenge_in = decode_eap_mschapv2(challenge_eap.value());
    if (!challenge_in) return "challenge undecodable";

    // Our Response.
    const std::string user = eap_text(identity_back.value());
    const auto ours = mschapv2::respond(challenge_in->challenge, peer, user, client_password);
    const Bytes response_frame =
        encode_eap_frame(encode_eap_mschapv2_response(2, challenge_in->ms_id, ours.value, user));
    const auto response_in = decode_eap_mschapv2(decode_eap_frame(response_frame).value());
    if (!response_in || response_in->ms_id != 7) return "response undecodable";
    if (!server.nt_response_valid(*response_in)) return "server: E=691";

    // The server's Success, and our check of it.
    if (mschapv2::check_success(server.success_message(*response_in), ours.expected_authenticator_response) !=
        mschapv2::SuccessCheck::proven)
        return "client: server did not prove the password";

    // CALL_CONNECTED with the binding; the server checks it with its own HLAK.
    std::array<std::uint8_t, 32> nonce{};
    nonce.fill(0x5a);
    const Bytes cert_hash = sstp_cert_hash(sstp_cert_hash_sha256, from_hex("3082"));
    const Bytes call_connected = encode_call_connected(
        sstp_crypto_binding(sstp_cert_hash_sha256, nonce, cert_hash, sstp_hlak_mschapv2(ours.keys)));
    const auto packet = decode_sstp_packet(call_connected);
    if (!packet) return "CALL_CONNECTED undecodable";
    const auto* binding = packet->control()->find<SstpCryptoBinding>();
    if (binding == nullptr || !sstp_compound_mac_valid(*binding, server.hlak(*response_in)))
        return "server: crypto binding refused";
    if (sstp_hlak_from_key_material(mschapv2::eap_msk(ours.keys)) != server.hlak(*response_in))
        return "the MSK's first 32 bytes are not the HLAK";
    return "";
}

TEST(PppLoginFlow, EapMsChapV2ToCallConnected) {
    Authenticator server{"alice", "correct horse", {}};
    for (std::size_t i = 0; i < server.challenge.size(); ++i) server.challenge[i] = static_cast<std::uint8_t>(3 * i);
    EXPECT_EQ(login(server, "correct horse"), "");
    EXPECT_EQ(login(server, "correct horsE"), "server: E=691");
}

// A server that does not know the password (or a man in the middle) cannot produce our S=.
TEST(PppLoginFlow, AServerWithoutThePasswordIsCaught) {
    Authenticator impostor{"alice", "guess", {}};
    const auto ours = mschapv2::respond(impostor.challenge, impostor.challenge, "alice", "correct horse");
    EapMschapv2Packet response;
    response.name = "alice";
    response.response = ours.value;
    EXPECT_EQ(mschapv2::check_success(impostor.success_message(response), ours.expected_authenticator_response),
              mschapv2::SuccessCheck::wrong_authenticator);
}

}  // namespace
