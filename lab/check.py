#!/usr/bin/env python3
"""One lab check, run INSIDE a lab vantage namespace (ip netns exec VANTAGE check.py ...).

It refuses to run anywhere but in a namespace named with the lab prefix (LAB_PREFIX, default vp-):
in the root network namespace the lab's addresses route to the real uplink.

  check.py tls ADDR SHA256 [--sstp 200|silent]   TLS on ADDR:443 serves the certificate with that
                                                 fingerprint; --sstp: an SSTP_DUPLEX_POST gets
                                                 HTTP/1.1 200, or no answer at all within 2 s
  check.py login ADDR USER ok|refused            SSTP + PPP: LCP, then PAP with USER and the password
                                                 in $SSTP_PASSWORD (not on the command line) gets
                                                 Authenticate-Ack, or the server ends the call
  check.py tcp ADDR PORT refused                 a TCP connection is refused (RST)
  check.py udp ADDR PORT refused|silent          a datagram gets ICMP port unreachable, or nothing
  check.py ping ADDR SIZE reply|silent           an ICMP echo of SIZE payload bytes (fragmented if
                                                 larger than the path MTU) gets a reply, or nothing
Prints one line, 'ok: ...' or 'FAIL: ...'; exit status 0 or 1.
"""
import hashlib
import os
import socket
import ssl
import struct
import sys
import time

SSTP_POST = (b'SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n'
             b'Host: vpn.test\r\nSSTPCORRELATIONID: {12345678-1234-1234-1234-123456789012}\r\n'
             b'Content-Length: 18446744073709551615\r\n\r\n')


def lab_netns_name():
    """Name of the named network namespace (ip netns) this process is in, if it has one whose name has
    the lab prefix; None otherwise (the root namespace is never one of them)."""
    me = os.stat('/proc/thread-self/ns/net')
    prefix = os.environ.get('LAB_PREFIX', 'vp-')
    for d in ('/run/netns', '/var/run/netns'):
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            try:
                st = os.stat(os.path.join(d, name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == (me.st_dev, me.st_ino) and name.startswith(prefix):
                return name
    return None


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def check_tls(addr, want, sstp):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the fingerprint is the check: what matters is what is served
    with socket.create_connection((addr, 443), timeout=5) as raw, ctx.wrap_socket(raw, server_hostname='vpn.test') as s:
        fp = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
        if fp != want:
            return False, f'{addr}:443 serves {fp[:16]}..., want {want[:16]}...'
        what = f'{addr}:443 serves the expected certificate ({s.version()})'
        if not sstp:
            return True, what
        s.sendall(SSTP_POST)
        s.settimeout(2)
        try:
            data = s.recv(4096)
        except socket.timeout:
            data = None
        line = data.split(b'\r\n', 1)[0].decode(errors='replace') if data else None
        if sstp == '200':
            return (line or '').startswith('HTTP/1.1 200'), f'{what}; SSTP request -> {line!r}'
        return data is None, f'{what}; SSTP request -> ' + ('no answer in 2 s' if data is None else repr(line))


def check_login(addr, user, password, expect):
    """Just enough SSTP and PPP for a PAP login: SSTP_DUPLEX_POST, CALL_CONNECT_REQUEST, LCP (asking the
    server for PAP instead of EAP), PAP Authenticate-Request."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((addr, 443), timeout=5)
    with ctx.wrap_socket(raw, server_hostname='vpn.test') as s:
        s.sendall(SSTP_POST)
        buf = b''
        while b'\r\n\r\n' not in buf:
            chunk = s.recv(4096)
            if not chunk:
                return False, f'{addr}: connection closed before the HTTP answer'
            buf += chunk
        status, buf = buf.split(b'\r\n\r\n', 1)
        if not status.startswith(b'HTTP/1.1 200'):
            return False, f'{addr}: HTTP answer {status.splitlines()[0]!r}'

        def sstp(control, body):
            s.sendall(struct.pack('!BBH', 0x10, 1 if control else 0, 4 + len(body)) + body)

        def ppp(proto, code, ident, data=b''):
            sstp(False, b'\xff\x03' + struct.pack('!HBBH', proto, code, ident, 4 + len(data)) + data)

        def packet():
            nonlocal buf
            while len(buf) < 4 or len(buf) < (struct.unpack('!H', buf[2:4])[0] & 0xfff):
                chunk = s.recv(4096)
                if not chunk:
                    return None
                buf += chunk
            n = struct.unpack('!H', buf[2:4])[0] & 0xfff
            p, buf = buf[:n], buf[n:]
            return p

        # CALL_CONNECT_REQUEST with ENCAPSULATED_PROTOCOL_ID = PPP
        sstp(True, struct.pack('!HH', 1, 1) + struct.pack('!BBHH', 0, 1, 6, 1))
        ppp(0xc021, 1, 1)                                  # LCP Configure-Request, no options
        got = 'no answer'
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                p = packet()
            except socket.timeout:
                break
            if p is None:
                got = 'closed'
                break
            if p[1] & 1:
                continue                                   # control: CALL_CONNECT_ACK, ECHO_REQUEST...
            f = p[4:]
            if f[:2] == b'\xff\x03':
                f = f[2:]
            proto, code, ident, ln = struct.unpack('!HBBH', f[:6])
            data = f[6:2 + ln]
            if proto == 0xc021 and code == 1:              # server's Configure-Request
                auth = b''
                i = 0
                while i + 1 < len(data) and data[i + 1] >= 2:
                    if data[i] == 3:
                        auth = data[i + 2:i + data[i + 1]]
                    i += data[i + 1]
                if auth and auth[:2] != b'\xc0\x23':
                    ppp(0xc021, 3, ident, b'\x03\x04\xc0\x23')  # Configure-Nak: PAP, please
                else:
                    ppp(0xc021, 2, ident, data)            # Configure-Ack
                    if auth:
                        u, pw = user.encode(), password.encode()
                        ppp(0xc023, 1, 1, bytes([len(u)]) + u + bytes([len(pw)]) + pw)
            elif proto == 0xc021 and code == 9:            # Echo-Request
                ppp(0xc021, 10, ident, b'\0\0\0\0')
            elif proto == 0xc021 and code == 5:            # Terminate-Request
                got = 'refused'
                break
            elif proto == 0xc023 and code in (2, 3):
                got = 'ok' if code == 2 else 'refused'
                break
    what = {'ok': 'PAP Authenticate-Ack', 'refused': 'refused (PAP Nak or LCP Terminate)'}.get(got, got)
    return got == expect, f'{addr}: PPP login as {user} -> {what}'


def check_tcp_refused(addr, port):
    try:
        socket.create_connection((addr, port), timeout=3).close()
        return False, f'{addr}:{port} accepted a connection'
    except ConnectionRefusedError:
        return True, f'{addr}:{port} refused'
    except OSError as e:
        return False, f'{addr}:{port}: {e}'


def check_udp(addr, port, expect):
    with socket.socket(family(addr), socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.connect((addr, port))
        s.send(b'vpnprobe lab check')
        try:
            s.recv(2048)
            got = 'an answer'
        except ConnectionRefusedError:
            got = 'refused'
        except socket.timeout:
            got = 'silent'
    return got == expect, f'udp {addr}:{port} -> {got}'


def checksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack(f'!{len(b) // 2}H', b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def check_ping(addr, size, expect):
    v6 = family(addr) == socket.AF_INET6
    ident = os.getpid() & 0xffff
    payload = bytes(i & 0xff for i in range(size))
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        s.setsockopt(socket.IPPROTO_IPV6, 23, 0)      # IPV6_MTU_DISCOVER = DONT: fragment if needed
        pkt = struct.pack('!BBHHH', 128, 0, 0, ident, 1) + payload  # the kernel fills the checksum
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        s.setsockopt(socket.IPPROTO_IP, 10, 0)        # IP_MTU_DISCOVER = DONT: fragment if needed
        hdr = struct.pack('!BBHHH', 8, 0, 0, ident, 1)
        pkt = struct.pack('!BBHHH', 8, 0, checksum(hdr + payload), ident, 1) + payload
    got = 'silent'
    with s:
        # Two echoes, 1 s apart: over IPv6 the first big reply may die in the router (IPv6 routers never
        # fragment; the server learns the smaller path MTU from the Packet Too Big and the second passes).
        s.sendto(pkt, (addr, 0))
        deadline = time.monotonic() + 2
        resend = time.monotonic() + 1
        while got == 'silent' and time.monotonic() < deadline:
            if resend and time.monotonic() >= resend:
                s.sendto(pkt, (addr, 0))
                resend = None
            s.settimeout(max(0.01, (resend or deadline) - time.monotonic()))
            try:
                data = s.recv(65535)
            except socket.timeout:
                continue
            icmp = data if v6 else data[(data[0] & 0x0f) * 4:]
            typ, _, _, rid = struct.unpack('!BBHH', icmp[:6])
            if typ == (129 if v6 else 0) and rid == ident:
                got = 'reply'
    return got == expect, f'ping {addr} with {size} bytes -> {got}'


def main(argv):
    if lab_netns_name() is None:
        print('FAIL: check.py is not running in a lab namespace (LAB_PREFIX '
              f'{os.environ.get("LAB_PREFIX", "vp-")!r}); from the root namespace lab addresses route to the '
              'real uplink. Run it with: ip netns exec <lab vantage namespace> ...')
        return 1
    try:
        what = argv[0]
        if what == 'tls':
            sstp = argv[argv.index('--sstp') + 1] if '--sstp' in argv else None
            ok, msg = check_tls(argv[1], argv[2].replace(':', '').lower(), sstp)
        elif what == 'login':
            ok, msg = check_login(argv[1], argv[2], os.environ.get('SSTP_PASSWORD', ''), argv[3])
        elif what == 'tcp' and argv[3] == 'refused':
            ok, msg = check_tcp_refused(argv[1], int(argv[2]))
        elif what == 'udp':
            ok, msg = check_udp(argv[1], int(argv[2]), argv[3])
        elif what == 'ping':
            ok, msg = check_ping(argv[1], int(argv[2]), argv[3])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (IndexError, ValueError):
        print(__doc__, file=sys.stderr)
        return 2
    except (OSError, ssl.SSLError) as e:
        ok, msg = False, f'{" ".join(argv)}: {type(e).__name__}: {e}'
    print(('ok: ' if ok else 'FAIL: ') + msg)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
