#!/usr/bin/env python3
"""Readiness check of one SoftEther instance, run INSIDE its network namespace (ip netns exec / nsenter):
it only talks to the loopback addresses of that namespace.

  ready.py listen [--timeout S]
      waits until something listens on TCP port 443 (IPv4)
  ready.py inodes
      prints the inodes of the TCP sockets listening on port 443 (before a ConfigSet restart)
  ready.py wait --fingerprint SHA256HEX [--old-inodes N,N] [--sstp] [--timeout S]
      waits until: TCP listeners are exactly port 443 on IPv4 and IPv6 (and, with --old-inodes, are new
      sockets, i.e. the ConfigSet restart has happened); TLS on 127.0.0.1:443 and [::1]:443 serves the
      certificate with that SHA-256 fingerprint; with --sstp, an SSTP_DUPLEX_POST gets 'HTTP/1.1 200'
      (the fixed binary; Debian's original never answers, so it is not asked).
"""
import argparse
import hashlib
import socket
import ssl
import sys
import time

SSTP_POST = (b'SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n'
             b'Host: vpn.test\r\nSSTPCORRELATIONID: {12345678-1234-1234-1234-123456789012}\r\n'
             b'Content-Length: 18446744073709551615\r\n\r\n')


def listeners():
    """{(family, port): inode} of listening TCP sockets in this network namespace."""
    out = {}
    for fam, path in (('4', '/proc/net/tcp'), ('6', '/proc/net/tcp6')):
        with open(path) as f:
            next(f)
            for line in f:
                x = line.split()
                if x[3] == '0A':  # TCP_LISTEN
                    out[(fam, int(x[1].rsplit(':', 1)[1], 16))] = x[9]
    return out


def tls(addr, family, sstp):
    """(sha256 of the served leaf certificate, first response line or None)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # we compare the fingerprint ourselves: the point is what is served
    with socket.socket(family, socket.SOCK_STREAM) as raw:
        raw.settimeout(2)
        raw.connect((addr, 443))
        with ctx.wrap_socket(raw, server_hostname='vpn.test') as s:
            fp = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
            line = None
            if sstp:
                s.sendall(SSTP_POST)
                buf = b''
                while b'\r\n' not in buf:
                    chunk = s.recv(256)
                    if not chunk:
                        break
                    buf += chunk
                line = buf.split(b'\r\n', 1)[0].decode(errors='replace')
            return fp, line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['listen', 'inodes', 'wait'])
    ap.add_argument('--fingerprint')
    ap.add_argument('--old-inodes', default='')
    ap.add_argument('--sstp', action='store_true')
    ap.add_argument('--timeout', type=float, default=20)
    a = ap.parse_args()
    if a.mode == 'inodes':
        print(','.join(v for (fam, port), v in listeners().items() if port == 443))
        return 0

    if a.mode == 'listen':
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            if ('4', 443) in listeners():
                return 0
            time.sleep(0.02)
        print(f'ready: nothing listens on 443 after {a.timeout:g}s', file=sys.stderr)
        return 1

    want = a.fingerprint.replace(':', '').lower()
    old = set(filter(None, a.old_inodes.split(',')))
    deadline = time.monotonic() + a.timeout
    why = 'not checked yet'
    while time.monotonic() < deadline:
        try:
            ls = listeners()
            if set(ls) != {('4', 443), ('6', 443)}:
                why = f'listeners are {sorted(ls)}, want only 443 on IPv4 and IPv6'
            elif old & set(ls.values()):
                why = 'listeners not restarted yet'
            else:
                for addr, fam in (('127.0.0.1', socket.AF_INET), ('::1', socket.AF_INET6)):
                    fp, line = tls(addr, fam, a.sstp)
                    if fp != want:
                        why = f'{addr}:443 serves certificate {fp}, want {want}'
                        break
                    if a.sstp and not (line or '').startswith('HTTP/1.1 200'):
                        why = f'{addr}:443 answered the SSTP request with {line!r}'
                        break
                else:
                    return 0
        except (OSError, ssl.SSLError) as e:
            why = f'{type(e).__name__}: {e}'
        time.sleep(0.05)
    print(f'ready: not ready after {a.timeout:g}s: {why}', file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
