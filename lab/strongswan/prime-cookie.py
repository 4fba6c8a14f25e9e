#!/usr/bin/env python3
"""Primes the `cookie` profile's charon so that the FIRST IKE_SA_INIT of any client gets N(COOKIE).

strongSwan asks for a cookie when the number of half-open responder IKE_SAs reaches cookie_threshold
(1 in that profile); the IKE_SA_INIT being looked at is not counted, so a fresh charon answers the very
first one normally. This script, run inside the server's network namespace (instance.sh does it), talks
to charon over the namespace's loopback only:
  1. sends an IKE_SA_INIT (AES-CBC-128, SHA-256, MODP-2048 with a random public value: charon only
     checks 1 < y < p-1) and completes it with the cookie if charon already wants one; the answer with
     SA/KE/Nonce leaves one half-open IKE_SA, which half_open_timeout keeps for years;
  2. sends a second, new IKE_SA_INIT and checks that it is answered with N(COOKIE) only.
Exit status 0 when step 2 saw the COOKIE. Nothing leaves the namespace (127.0.0.1).

usage: prime-cookie.py
"""
import os
import socket
import struct
import sys

IKE_SA_INIT = 34
PL_SA, PL_KE, PL_NONCE, PL_NOTIFY = 33, 34, 40, 41
COOKIE = 16390


def payload(next_pl: int, body: bytes) -> bytes:
    return struct.pack("!BBH", next_pl, 0, 4 + len(body)) + body


def transform(last: bool, ttype: int, tid: int, attrs: bytes = b"") -> bytes:
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def sa_init(spi_i: bytes, cookie: bytes | None) -> bytes:
    transforms = (transform(False, 1, 12, struct.pack("!HH", 0x800E, 128))   # ENCR_AES_CBC, 128-bit key
                  + transform(False, 2, 5)                                    # PRF_HMAC_SHA2_256
                  + transform(False, 3, 12)                                   # AUTH_HMAC_SHA2_256_128
                  + transform(True, 4, 14))                                   # DH group 14 (MODP-2048)
    proposal = struct.pack("!BBHBBBB", 0, 0, 8 + len(transforms), 1, 1, 0, 4) + transforms
    ke_value = bytes([0x7F]) + os.urandom(255)          # below the MODP-2048 prime (which starts 0xFF...)
    body = (payload(PL_KE, proposal)
            + payload(PL_NONCE, struct.pack("!HH", 14, 0) + ke_value)
            + payload(0, os.urandom(32)))
    first = PL_SA
    if cookie is not None:   # N(COOKIE) must come first (RFC 7296 2.6)
        body = payload(PL_SA, struct.pack("!BBH", 0, 0, COOKIE) + cookie) + body
        first = PL_NOTIFY
    hdr = spi_i + bytes(8) + struct.pack("!BBBBII", first, 0x20, IKE_SA_INIT, 0x08, 0, 28 + len(body))
    return hdr + body


def parse(msg: bytes):
    """Returns (payload types, cookie data or None)."""
    if len(msg) < 28 or msg[18] != IKE_SA_INIT:
        raise ValueError("not an IKE_SA_INIT response")
    nxt, off, types, cookie = msg[16], 28, [], None
    while nxt and off + 4 <= len(msg):
        plen = struct.unpack("!H", msg[off + 2:off + 4])[0]
        if plen < 4:
            raise ValueError("bad payload length")
        types.append(nxt)
        if nxt == PL_NOTIFY:
            spi_size, ntype = msg[off + 5], struct.unpack("!H", msg[off + 6:off + 8])[0]
            if ntype == COOKIE:
                cookie = msg[off + 8 + spi_size:off + plen]
            elif ntype < 16384:
                raise ValueError(f"error notify {ntype}")
        nxt, off = msg[off], off + plen
    return types, cookie


def exchange(sock: socket.socket, spi_i: bytes, cookie: bytes | None):
    pkt = sa_init(spi_i, cookie)
    for _ in range(5):              # charon may still be settling: a few tries
        sock.send(pkt)
        try:
            while True:
                resp = sock.recv(65535)
                if resp[:8] == spi_i:
                    return parse(resp)
        except socket.timeout:
            continue
    raise TimeoutError("no answer from charon on 127.0.0.1:500")


def main() -> int:
    # Only inside a named (lab) network namespace, never in the root one.
    me = os.stat("/proc/self/ns/net").st_ino
    named = [n for n in os.listdir("/var/run/netns") if os.stat(f"/var/run/netns/{n}").st_ino == me] \
        if os.path.isdir("/var/run/netns") else []
    if not named:
        print("prime-cookie: not inside a named network namespace: refusing", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1.0)
    sock.connect(("127.0.0.1", 500))
    # 1. one half-open IKE_SA (with the cookie, if charon already asks for one)
    spi = os.urandom(8)
    types, cookie = exchange(sock, spi, None)
    if cookie is not None:
        types, cookie = exchange(sock, spi, cookie)
    if PL_KE not in types:
        print(f"prime-cookie: no KE in the answer to the priming IKE_SA_INIT (payloads {types})", file=sys.stderr)
        return 1
    # 2. a new client now gets a COOKIE first
    types, cookie = exchange(sock, os.urandom(8), None)
    if cookie is None or PL_KE in types:
        print(f"prime-cookie: second IKE_SA_INIT was not answered with a COOKIE (payloads {types})", file=sys.stderr)
        return 1
    print(f"prime-cookie: one half-open IKE_SA; a new IKE_SA_INIT gets N(COOKIE) ({len(cookie)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
