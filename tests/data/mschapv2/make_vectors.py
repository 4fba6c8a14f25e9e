#!/usr/bin/env python3
"""Independent test vectors for MS-CHAPv2 (RFC 2759), its MPPE keys (RFC 3079) and the SSTP crypto
binding (MS-SSTP 3.2.5.2), computed without the code under test and without OpenSSL: MD4 and DES are
written out below in plain Python (RFC 1320, FIPS 46-3), SHA-1/SHA-256/HMAC come from hashlib/hmac.

Before it prints anything the script checks its own MD4 and DES against their published known answers
and the whole chain against RFC 2759 section 9.2 and RFC 3079 section 3.5.3, and the crypto binding
against the worked example of MS-SSTP section 4.7. Only then does it compute the vectors for the inputs
below (a non-ASCII password, a Windows "DOMAIN\\user" name) and print them as `name = hex` lines.

    python3 tests/data/mschapv2/make_vectors.py > tests/data/mschapv2/vectors.txt

tests/unit/test_mschapv2.cpp and test_sstp_crypto_binding.cpp read vectors.txt.
"""
import hashlib
import hmac
import struct
import sys

# ---- MD4 (RFC 1320) ---------------------------------------------------------------------------------

def _rotl(x, n):
    x &= 0xFFFFFFFF
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def md4(message: bytes) -> bytes:
    bit_length = (8 * len(message)) & 0xFFFFFFFFFFFFFFFF
    message += b"\x80" + b"\x00" * ((55 - len(message)) % 64) + struct.pack("<Q", bit_length)
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    F = lambda x, y, z: (x & y) | (~x & z)
    G = lambda x, y, z: (x & y) | (x & z) | (y & z)
    H = lambda x, y, z: x ^ y ^ z
    for block in range(0, len(message), 64):
        X = struct.unpack("<16I", message[block:block + 64])
        a, b, c, d = h
        for i in range(16):  # round 1
            k, s = i, (3, 7, 11, 19)[i % 4]
            a, b, c, d = d, _rotl(a + F(b, c, d) + X[k], s), b, c
        for i in range(16):  # round 2
            k, s = (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)[i], (3, 5, 9, 13)[i % 4]
            a, b, c, d = d, _rotl(a + G(b, c, d) + X[k] + 0x5A827999, s), b, c
        for i in range(16):  # round 3
            k, s = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i], (3, 9, 11, 15)[i % 4]
            a, b, c, d = d, _rotl(a + H(b, c, d) + X[k] + 0x6ED9EBA1, s), b, c
        h = [(v + w) & 0xFFFFFFFF for v, w in zip(h, (a, b, c, d))]
    return struct.pack("<4I", *h)

# ---- DES (FIPS 46-3), encryption of one block ---------------------------------------------------------

IP = [58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6,
      64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
      61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7]
FP = [IP.index(i) + 1 for i in range(1, 65)]  # the inverse permutation
E = [32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
     16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1]
P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
     2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25]
PC1 = [57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3,
       60, 52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37,
       29, 21, 13, 5, 28, 20, 12, 4]
PC2 = [14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
       41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32]
SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1]
SBOX = [
    [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
     4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
    [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
     0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
    [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
     13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
    [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
     10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
    [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
     4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
    [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
     9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
    [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
     1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
    [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
     7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
]


def _bits(data: bytes):
    return [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]


def _bytes(bits):
    return bytes(sum(bit << (7 - i) for i, bit in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))


def des_encrypt_block(key8: bytes, block: bytes) -> bytes:
    key = _bits(key8)
    cd = [key[i - 1] for i in PC1]  # parity bits dropped here
    c, d = cd[:28], cd[28:]
    subkeys = []
    for shift in SHIFTS:
        c, d = c[shift:] + c[:shift], d[shift:] + d[:shift]
        subkeys.append([(c + d)[i - 1] for i in PC2])
    bits = _bits(block)
    bits = [bits[i - 1] for i in IP]
    left, right = bits[:32], bits[32:]
    for k in subkeys:
        x = [right[i - 1] ^ kb for i, kb in zip(E, k)]
        out = []
        for s in range(8):
            six = x[6 * s:6 * s + 6]
            row, col = six[0] * 2 + six[5], six[1] * 8 + six[2] * 4 + six[3] * 2 + six[4]
            v = SBOX[s][16 * row + col]
            out += [(v >> (3 - i)) & 1 for i in range(4)]
        f = [out[i - 1] for i in P]
        left, right = right, [lb ^ fb for lb, fb in zip(left, f)]
    return _bytes([(right + left)[i - 1] for i in FP])


def des_key_from_7(key7: bytes) -> bytes:
    """RFC 2759 8.6: 56 key bits spread over 8 bytes, the low bit of each left for parity (DES ignores it)."""
    bits = _bits(key7)
    return _bytes(sum((bits[7 * i:7 * i + 7] + [0] for i in range(8)), []))

# ---- MS-CHAPv2 (RFC 2759 section 8) and its keys (RFC 3079 section 3) -----------------------------

def utf16le(password: str) -> bytes:
    return password.encode("utf-16-le")


def nt_password_hash(password: str) -> bytes:
    return md4(utf16le(password))


def challenge_hash(peer: bytes, auth: bytes, user: str) -> bytes:
    # RFC 2759 8.2: the user name without any "DOMAIN\" the peer put in front of it.
    user = user.split("\\")[-1]
    return hashlib.sha1(peer + auth + user.encode("utf-8")).digest()[:8]


def challenge_response(challenge: bytes, password_hash: bytes) -> bytes:
    z = password_hash + bytes(5)
    return b"".join(des_encrypt_block(des_key_from_7(z[i:i + 7]), challenge) for i in (0, 7, 14))


MAGIC1 = b"Magic server to client signing constant"
MAGIC2 = b"Pad to make it do more than one iteration"


def authenticator_response(password_hash, nt_response, peer, auth, user) -> str:
    digest = hashlib.sha1(md4(password_hash) + nt_response + MAGIC1).digest()
    digest = hashlib.sha1(digest + challenge_hash(peer, auth, user) + MAGIC2).digest()
    return "S=" + digest.hex().upper()


KEY_MAGIC1 = b"This is the MPPE Master Key"
KEY_MAGIC2 = b"On the client side, this is the send key; on the server side, it is the receive key."
KEY_MAGIC3 = b"On the client side, this is the receive key; on the server side, it is the send key."


def master_key(password_hash_hash, nt_response):
    return hashlib.sha1(password_hash_hash + nt_response + KEY_MAGIC1).digest()[:16]


def asymmetric_start_key(master, is_send, is_server):
    s = KEY_MAGIC3 if is_send == is_server else KEY_MAGIC2
    return hashlib.sha1(master + bytes(40) + s + b"\xf2" * 40).digest()[:16]

# ---- SSTP crypto binding (MS-SSTP 3.2.5.2) ------------------------------------------------------------

SEED = b"SSTP inner method derived CMK"


def sstp_cmk(hlak: bytes, digest) -> bytes:
    # PRF T1 = HMAC(HLAK, seed | LEN | 0x01); LEN is the output length as a 16-bit little-endian number
    # (the MS-SSTP 4.7 example only reproduces that way). One block is the whole key: 20 or 32 bytes.
    n = digest().digest_size
    return hmac.new(hlak, SEED + struct.pack("<H", n) + b"\x01", digest).digest()


def call_connected(bitmask: int, nonce: bytes, cert_hash: bytes, mac: bytes) -> bytes:
    pad = lambda b: b + bytes(32 - len(b))
    return (bytes.fromhex("10010070" "00040001" "00030068" "000000") + bytes([bitmask]) + nonce
            + pad(cert_hash) + pad(mac))


def compound_mac(hlak: bytes, bitmask: int, nonce: bytes, cert_hash: bytes) -> bytes:
    digest = hashlib.sha256 if bitmask == 2 else hashlib.sha1
    zeroed = call_connected(bitmask, nonce, cert_hash, b"")
    return hmac.new(sstp_cmk(hlak, digest), zeroed, digest).digest()

# ---- self-checks against published values ------------------------------------------------------------

def expect(name, got, want):
    if got != want:
        sys.exit(f"self-check {name} failed: got {got!r}, want {want!r}")


def self_check():
    expect("MD4('')", md4(b"").hex(), "31d6cfe0d16ae931b73c59d7e0c089c0")  # RFC 1320 A.5
    expect("MD4('abc')", md4(b"abc").hex(), "a448017aaf21d8525fc10ae87aa6729d")
    expect("MD4(80 digits)", md4(b"1234567890" * 8).hex(), "e33b4ddc9c38f2199c3e7b164fcc0536")
    # The classic worked DES example (key 133457799BBCDFF1).
    expect("DES", des_encrypt_block(bytes.fromhex("133457799BBCDFF1"), bytes.fromhex("0123456789ABCDEF")).hex(),
           "85e813540f0ab405")
    # RFC 2759 9.2
    auth = bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628")
    peer = bytes.fromhex("21402324255E262A28295F2B3A337C7E")
    ph = nt_password_hash("clientPass")
    expect("RFC2759 Challenge", challenge_hash(peer, auth, "User").hex().upper(), "D02E4386BCE91226")
    expect("RFC2759 PasswordHash", ph.hex().upper(), "44EBBA8D5312B8D611474411F56989AE")
    nt = challenge_response(challenge_hash(peer, auth, "User"), ph)
    expect("RFC2759 NT-Response", nt.hex().upper(), "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
    expect("RFC2759 PasswordHashHash", md4(ph).hex().upper(), "41C00C584BD2D91C4017A2A12FA59F3F")
    expect("RFC2759 AuthenticatorResponse", authenticator_response(ph, nt, peer, auth, "User"),
           "S=407A5589115FD0D6209F510FE9C04566932CDA56")
    # RFC 3079 3.5.3 (the RFC derives the server's keys: its SendStartKey128 is the server's send key)
    mk = master_key(md4(ph), nt)
    expect("RFC3079 MasterKey", mk.hex().upper(), "FDECE3717A8C838CB388E527AE3CDD31")
    expect("RFC3079 SendStartKey128", asymmetric_start_key(mk, True, True).hex().upper(),
           "8B7CDC149B993A1BA118CB153F56DCCB")
    # MS-SSTP 4.7: nonce and certificate hash from the example's CALL_CONNECT_ACK and CALL_CONNECTED,
    # the 32-byte HLAK as sstp-client's unit test (src/sstp-cmac.c) takes it from the same example.
    hlak = bytes.fromhex("2A1BB40D55AB0F5EF32F06F2B3CC73C4" "8FD3FAC41D7A1315A19228D9024CA164")
    nonce = bytes.fromhex("412B489AEBD7ECC7D08966F26BE7CD72B231A0E9210D7C91B308862B0344C435")
    cert = bytes.fromhex("7993EF314C493DACE9F02D60E7E61C84B6690AAFE9D7AEEA92CBBE8AD599422D")
    expect("MS-SSTP 4.7 Compound MAC", compound_mac(hlak, 2, nonce, cert).hex().upper(),
           "52A68EFD8CFFBF52770B8F0FE8EC73716583AF6D611EB6D179B3B20840985449")


def main():
    self_check()
    out = []
    put = lambda name, value: out.append(f"{name} = {value.hex() if isinstance(value, bytes) else value}")
    # Inputs of our own: a Windows-style DOMAIN\user, a password outside ASCII and outside the BMP
    # (U+1D11E becomes a UTF-16 surrogate pair), fixed challenges.
    user = "LAB\\vpnprobe-user"
    password = "p\u00e4ssw\u00f6rd-\u20ac-\U0001D11E"
    auth = bytes(range(0x10, 0x20))
    peer = bytes(range(0xa0, 0xb0))
    put("user_utf8", user.encode("utf-8"))
    put("password_utf8", password.encode("utf-8"))
    put("password_utf16le", utf16le(password))
    put("authenticator_challenge", auth)
    put("peer_challenge", peer)
    ph = nt_password_hash(password)
    put("password_hash", ph)
    put("password_hash_hash", md4(ph))
    ch = challenge_hash(peer, auth, user)
    put("challenge", ch)
    nt = challenge_response(ch, ph)
    put("nt_response", nt)
    put("authenticator_response", authenticator_response(ph, nt, peer, auth, user))
    mk = master_key(md4(ph), nt)
    put("master_key", mk)
    client_send = asymmetric_start_key(mk, True, False)
    client_recv = asymmetric_start_key(mk, False, False)
    put("client_master_send_key", client_send)
    put("client_master_receive_key", client_recv)
    # MS-SSTP 3.2.5.2.2/3.2.5.2.4: SSTP client HLAK = MasterSendKey | MasterReceiveKey.
    hlak = client_send + client_recv
    put("sstp_hlak", hlak)
    nonce = bytes(range(0x40, 0x60))
    cert_der = b"not a real certificate, only bytes to hash"
    put("sstp_nonce", nonce)
    put("sstp_cert_der", cert_der)
    for name, bitmask, digest in (("sha1", 1, hashlib.sha1), ("sha256", 2, hashlib.sha256)):
        cert_hash = digest(cert_der).digest()
        mac = compound_mac(hlak, bitmask, nonce, cert_hash)
        put(f"sstp_{name}_cert_hash", cert_hash)
        put(f"sstp_{name}_cmk", sstp_cmk(hlak, digest))
        put(f"sstp_{name}_compound_mac", mac)
        put(f"sstp_{name}_call_connected", call_connected(bitmask, nonce, cert_hash, mac))
    # EAP-MSCHAPv2 in IKEv2: the MSK ([MS-CHAP] 3.1.5.1: in the authenticator's naming MasterReceiveKey |
    # MasterSendKey | 32 zero bytes, i.e. the client's send key first) and the AUTH value both sides compute
    # from it (RFC 7296 2.16: prf(prf(MSK, "Key Pad for IKEv2"), signed octets)), here with PRF_HMAC_SHA2_256.
    msk = client_send + client_recv + bytes(32)
    put("eap_msk", msk)
    signed_octets = bytes(range(0x00, 0x60))
    put("ikev2_signed_octets", signed_octets)
    key = hmac.new(msk, b"Key Pad for IKEv2", hashlib.sha256).digest()
    put("ikev2_eap_auth_hmac_sha256", hmac.new(key, signed_octets, hashlib.sha256).digest())
    print("# Generated by make_vectors.py (see its docstring); every value is hex except authenticator_response.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
