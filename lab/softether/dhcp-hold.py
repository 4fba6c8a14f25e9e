#!/usr/bin/env python3
"""Takes one DHCP lease from a hub's SecureNAT DHCP server, and keeps nothing running.

The lab's NOPOOL hub has a pool of exactly one address (SoftEther's smallest pool: an end before the
start is raised to the start). This script, run once from a namespace whose interface is Local-Bridged
into that hub, takes that address with DISCOVER/OFFER/REQUEST/ACK, so every later client finds the pool
exhausted. The lease lives in the server's memory for its lease time (the lab sets the longest SoftEther
allows); nothing has to stay running, and nothing releases it.

Raw Ethernet frames (AF_PACKET), because the interface has no IPv4 address to send from; the broadcast
flag asks the server to broadcast its answers.

usage: dhcp-hold.py IFACE [--timeout SECONDS]   (prints the leased address; exit 1 when none)
"""
import argparse
import os
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(mac, xid, msg_type, options=b''):
    bootp = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, xid, 0, 0x8000, b'\0' * 4, b'\0' * 4,
                        b'\0' * 4, b'\0' * 4, mac + b'\0' * 10, b'', b'')
    opts = b'\x63\x82\x53\x63' + bytes([53, 1, msg_type]) + options + b'\xff'
    payload = bootp + opts
    udp = struct.pack('!HHHH', 68, 67, 8 + len(payload), 0) + payload   # UDP checksum 0: none (RFC 768)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, b'\0' * 4, b'\xff' * 4)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return b'\xff' * 6 + mac + struct.pack('!H', ETH_P_IP) + ip + udp


def parse(data, xid):
    """(message type, yiaddr) of a DHCP answer with our xid, else None."""
    if len(data) < 14 + 20 + 8 + 240 or struct.unpack('!H', data[12:14])[0] != ETH_P_IP:
        return None
    ihl = (data[14] & 0x0f) * 4
    if data[14 + 9] != 17:
        return None
    udp = 14 + ihl
    if struct.unpack('!H', data[udp + 2:udp + 4])[0] != 68:
        return None
    b = data[udp + 8:]
    if len(b) < 240 or b[0] != 2 or struct.unpack('!I', b[4:8])[0] != xid or b[236:240] != b'\x63\x82\x53\x63':
        return None
    yiaddr = b[16:20]
    i, msg_type = 240, None
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        if i + 1 >= len(b):
            break
        code, length = b[i], b[i + 1]
        if code == 53 and length == 1:
            msg_type = b[i + 2]
        i += 2 + length
    return (msg_type, yiaddr) if msg_type else None


def exchange(s, out, xid, want, deadline):
    """Sends `out` (again every second) until an answer of a type in `want` comes; returns it."""
    next_send = 0
    while time.monotonic() < deadline:
        if time.monotonic() >= next_send:
            s.send(out)
            next_send = time.monotonic() + 1
        s.settimeout(max(0.05, min(next_send, deadline) - time.monotonic()))
        try:
            got = parse(s.recv(2048), xid)
        except socket.timeout:
            continue
        if got and got[0] in want:
            return got
    return None


def main():
    ap = argparse.ArgumentParser(description='Take one DHCP lease and exit.')
    ap.add_argument('iface')
    ap.add_argument('--timeout', type=float, default=10)
    a = ap.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((a.iface, 0))
    mac = s.getsockname()[4][:6]
    xid = struct.unpack('!I', os.urandom(4))[0]
    deadline = time.monotonic() + a.timeout
    offer = exchange(s, frame(mac, xid, 1), xid, {2, 6}, deadline)   # DISCOVER -> OFFER (or NAK)
    if not offer or offer[0] != 2:
        sys.exit(f'dhcp-hold: no DHCP offer on {a.iface}' + (' (NAK)' if offer else ''))
    request = frame(mac, xid, 3, bytes([50, 4]) + offer[1])            # REQUEST the offered address
    ack = exchange(s, request, xid, {5, 6}, deadline)
    if not ack or ack[0] != 5:
        sys.exit(f'dhcp-hold: the server did not acknowledge {socket.inet_ntoa(offer[1])}' + (' (NAK)' if ack else ''))
    print(socket.inet_ntoa(ack[1]))


if __name__ == '__main__':
    main()
