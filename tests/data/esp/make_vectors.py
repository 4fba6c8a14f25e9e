#!/usr/bin/env python3
"""Independent test vectors for CHILD_SA keys (RFC 7296 section 2.17) and ESP packets in tunnel mode (RFC 4303,
RFC 4106 AES-GCM, RFC 7634 ChaCha20-Poly1305, RFC 3602 AES-CBC with RFC 2404 / RFC 4868 HMACs), computed without the code under test: prf+
from hashlib/hmac, AES from python3-cryptography (Debian package), and the ESP framing, the padding, the
key split and the inner IPv4/ICMP and IPv6/ICMPv6 echoes written out below from the RFCs.

Before it prints anything the script checks its own HMAC-SHA-256 against RFC 4231 test case 2, and AES-GCM and
AES-CBC against the first test cases of the GCM specification (McGrew and Viega, test case 3) and RFC 3602
(case 2).

    python3 tests/data/esp/make_vectors.py > tests/data/esp/vectors.txt

tests/unit/test_esp.cpp and test_ipv6_icmpv6.cpp read vectors.txt (the tests do not need Python or the module at run time).
"""
import hashlib
import hmac
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305


def h(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.replace(" ", ""))


def counting(start: int, n: int) -> bytes:
    return bytes((start + i) & 0xFF for i in range(n))


# ---- self checks against published answers ---------------------------------------------------------

def self_check():
    # RFC 4231 test case 2
    assert hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    # GCM spec test case 3: K = feffe9..., IV = cafebabefacedbaddecaf888, no AAD
    k = h("feffe9928665731c6d6a8f9467308308")
    iv = h("cafebabefacedbaddecaf888")
    p = h("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
          "b16aedf5aa0de657ba637b391aafd255")
    c = h("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
          "1ba30b396a0aac973d58e091473f5985" "4d5c2af327cd64a62cf35abd2ba6fab4")
    assert AESGCM(k).encrypt(iv, p, None) == c
    # RFC 3602 case 2: AES-128-CBC, 32 bytes
    k = h("c286696d887c9aa0611bbb3e2025a45a")
    iv = h("562e17996d093d28ddb3ba695a2e6f58")
    p = h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    enc = Cipher(algorithms.AES(k), modes.CBC(iv)).encryptor()
    assert enc.update(p) + enc.finalize() == h(
        "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1")


# ---- RFC 7296 section 2.13 and 2.17 -------------------------------------------------------------------

PRFS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def prf_plus(digest, key: bytes, seed: bytes, length: int) -> bytes:
    out, t, n = b"", b"", 1
    while len(out) < length:
        t = hmac.new(key, t + seed + bytes([n]), digest).digest()
        out += t
        n += 1
    return out[:length]


def child_keys(prf, sk_d, ni, nr, encr_len, integ_len, g_ir=b""):
    keymat = prf_plus(PRFS[prf], sk_d, g_ir + ni + nr, 2 * (encr_len + integ_len))
    parts, pos = [], 0
    for n in (encr_len, integ_len, encr_len, integ_len):  # encr_i, integ_i, encr_r, integ_r
        parts.append(keymat[pos:pos + n])
        pos += n
    return parts


# ---- RFC 791/792: the inner packet -------------------------------------------------------------------

def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_echo_request(src, dst, ident, seq, data, ip_id=0, ttl=64):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), ip_id, 0, ttl, 1, 0, bytes(src), bytes(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + icmp


def ipv6_echo_request(src, dst, ident, seq, data, hop_limit=64):
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + data
    pseudo = bytes(src) + bytes(dst) + struct.pack("!I", len(icmp)) + b"\0\0\0" + bytes([58])
    icmp = icmp[:2] + struct.pack("!H", checksum(pseudo + icmp)) + icmp[4:]
    return struct.pack("!IHBB", 6 << 28, len(icmp), 58, hop_limit) + bytes(src) + bytes(dst) + icmp


# ---- RFC 4303 ------------------------------------------------------------------------------------------

def esp_body(payload, next_header, block):
    pad = (block - (len(payload) + 2) % block) % block
    return payload + bytes(range(1, pad + 1)) + bytes([pad, next_header])


def esp_gcm(key_and_salt, icv_len, spi, seq, iv, payload, next_header):
    key, salt = key_and_salt[:-4], key_and_salt[-4:]
    header = struct.pack("!II", spi, seq)
    sealed = AESGCM(key).encrypt(salt + iv, esp_body(payload, next_header, 4), header)
    assert icv_len == 16
    return header + iv + sealed


def esp_chacha(key_and_salt, spi, seq, iv, payload, next_header):
    # RFC 7634: nonce = salt | IV, AAD = SPI | Sequence Number, 16-byte tag, padding to 4 bytes.
    key, salt = key_and_salt[:-4], key_and_salt[-4:]
    header = struct.pack("!II", spi, seq)
    return header + iv + ChaCha20Poly1305(key).encrypt(salt + iv, esp_body(payload, next_header, 4), header)


def esp_cbc(key, integ_key, digest, icv_len, spi, seq, iv, payload, next_header):
    header = struct.pack("!II", spi, seq)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = enc.update(esp_body(payload, next_header, 16)) + enc.finalize()
    icv = hmac.new(integ_key, header + iv + ciphertext, digest).digest()[:icv_len]
    return header + iv + ciphertext + icv


def main():
    self_check()
    out = []

    def put(name, value):
        out.append("%s = %s" % (name, value.hex() if isinstance(value, bytes) else value))

    sk_d = counting(0x10, 32)
    ni = counting(0x40, 32)
    nr = counting(0x80, 32)
    g_ir = counting(0xc0, 64)
    put("ni", ni)
    put("nr", nr)
    put("g_ir", g_ir)
    # name, prf, encryption key material (with salt), integrity key size
    suites = [
        ("aes256gcm16", "sha256", 36, 0),
        ("aes128gcm16", "sha256", 20, 0),
        ("chacha20poly1305", "sha256", 36, 0),
        ("aes128-sha256", "sha256", 16, 32),
        ("aes256-sha1", "sha1", 32, 20),
        ("aes256-sha384", "sha384", 32, 48),
        ("aes256-sha512", "sha512", 32, 64),
    ]
    keys = {}
    for name, prf, encr_len, integ_len in suites:
        # SK_d has the PRF's key length (RFC 7296 2.14: its output length for HMAC).
        suite_sk_d = counting(0x10, PRFS[prf]().digest_size)
        ks = child_keys(prf, suite_sk_d, ni, nr, encr_len, integ_len)
        keys[name] = ks
        put("%s.sk_d" % name, suite_sk_d)
        for part, value in zip(("encr_i", "integ_i", "encr_r", "integ_r"), ks):
            put("%s.%s" % (name, part), value)
    # A CREATE_CHILD_SA with a new key exchange: g^ir (new) in front of the nonces.
    for part, value in zip(("encr_i", "integ_i", "encr_r", "integ_r"),
                           child_keys("sha256", sk_d, ni, nr, 16, 32, g_ir)):
        put("aes128-sha256.pfs.%s" % part, value)  # SK_d as aes128-sha256.sk_d

    inner = ipv4_echo_request([10, 10, 10, 2], [10, 200, 0, 1], 0x4242, 1, b"vpnprobe-esp-0123", 0x1234)
    put("inner", inner)
    fd00_2 = [0xfd] + [0] * 14 + [2]
    fd00_1 = [0xfd] + [0] * 14 + [1]
    inner6 = ipv6_echo_request(fd00_2, fd00_1, 0x4242, 1, b"vpnprobe-esp-0123")
    put("inner6", inner6)
    spi = 0xC0010203
    put("spi", "%08x" % spi)
    iv8 = h("0000000000000001")
    iv16 = counting(0xa0, 16)
    put("iv16", iv16)
    put("aes256gcm16.packet1", esp_gcm(keys["aes256gcm16"][0], 16, spi, 1, iv8, inner, 4))
    put("aes128gcm16.packet1", esp_gcm(keys["aes128gcm16"][0], 16, spi, 1, iv8, inner, 4))
    put("chacha20poly1305.packet1", esp_chacha(keys["chacha20poly1305"][0], spi, 1, iv8, inner, 4))
    put("aes128-sha256.packet1",
        esp_cbc(keys["aes128-sha256"][0], keys["aes128-sha256"][1], hashlib.sha256, 16, spi, 1, iv16, inner, 4))
    put("aes256-sha1.packet1",
        esp_cbc(keys["aes256-sha1"][0], keys["aes256-sha1"][1], hashlib.sha1, 12, spi, 1, iv16, inner, 4))
    put("aes256-sha384.packet1",
        esp_cbc(keys["aes256-sha384"][0], keys["aes256-sha384"][1], hashlib.sha384, 24, spi, 1, iv16, inner, 4))
    put("aes256-sha512.packet1",
        esp_cbc(keys["aes256-sha512"][0], keys["aes256-sha512"][1], hashlib.sha512, 32, spi, 1, iv16, inner, 4))
    # The responder's direction: encr_r/integ_r, our SPI.
    put("aes256gcm16.packet6", esp_gcm(keys["aes256gcm16"][0], 16, spi, 1, iv8, inner6, 41))
    put("aes256gcm16.reply1", esp_gcm(keys["aes256gcm16"][2], 16, 0x0000C001, 1, iv8, inner, 4))
    print("# generated by tests/data/esp/make_vectors.py; do not edit")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
