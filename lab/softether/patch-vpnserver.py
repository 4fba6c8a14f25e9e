#!/usr/bin/env python3
"""Make a fixed copy of Debian bookworm's SoftEther vpnserver, so that SSTP answers.

Debian's softether-vpnserver 5.01.9674+git20200806+8181039+dfsg2-2+b2 carries an upstream bug in
Cedar/Proto.c ProtoHandleConnection() ('impl = container->Impl' instead of 'container = tmp', fixed
upstream by commit 5611156c, Dec 2020). GCC compiled the match path into 'return false', so every
SSTP_DUPLEX_POST is accepted and never answered. This rewrites the protocol-lookup loop (57 bytes at
file offset 0x3a00f; fix.S is the source of the replacement) in a copy; the original is not touched.

The patch fits that one build only: the sha256 of the source binary is checked first, and a different
binary is refused with a clear message (the lab can still run it as the 'unfixed' server).

usage: patch-vpnserver.py SRC DST
"""
import hashlib
import os
import sys

PACKAGE = 'softether-vpnserver 5.01.9674+git20200806+8181039+dfsg2-2+b2 (amd64)'
SRC_SHA256 = '487e51a73f152c9042837975044edd6d11cef4f29eaff2162512f2b897054212'
DST_SHA256 = '97545070de4a037038227dd7e4e9e1ef17d7cbe329c9994684bd0d3407a4a936'
OFF = 0x3a00f
END = 0x3a050
# The first 17 original bytes at OFF (checked as a second guard).
ORIG = bytes.fromhex('488b4708' '31db' '4889c2' '4885c0' '7528' 'eb31' '90')
FIX = bytes.fromhex(
    '498b47084885c074384531ed498b5708443b6a08732b488b52104e8b24ea498b3c24'
    '4889eee8971b130085c074064183c501ebd84c89e0eb69')
FIX += b'\x90' * (END - OFF - len(FIX))


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    src, dst = sys.argv[1], sys.argv[2]
    try:
        data = bytearray(open(src, 'rb').read())
    except OSError as e:
        print(f'patch-vpnserver: cannot read {src}: {e.strerror} (is softether-vpnserver installed?)',
              file=sys.stderr)
        return 1
    h = hashlib.sha256(data).hexdigest()
    if h != SRC_SHA256:
        print(f'patch-vpnserver: {src} has sha256 {h},\n'
              f'  but the patch fits only {PACKAGE} (sha256 {SRC_SHA256}).\n'
              f'  Another build needs its own patch (see fix.S); until then only the unfixed server can run.',
              file=sys.stderr)
        return 1
    if bytes(data[OFF:OFF + len(ORIG)]) != ORIG:
        print('patch-vpnserver: unexpected bytes at the patch site', file=sys.stderr)
        return 1
    data[OFF:END] = FIX
    if hashlib.sha256(data).hexdigest() != DST_SHA256:
        print('patch-vpnserver: patched copy has an unexpected sha256', file=sys.stderr)
        return 1
    # Write beside the destination and rename: parallel starts never see a half-written binary.
    tmp = f'{dst}.tmp.{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.chmod(tmp, 0o755)
    os.replace(tmp, dst)
    print(f'patch-vpnserver: wrote {dst} (sha256 {DST_SHA256})', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
