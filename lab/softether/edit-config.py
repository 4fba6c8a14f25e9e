#!/usr/bin/env python3
"""Edit a SoftEther vpn_server.config (as written by vpncmd ConfigGet) for the lab.

What vpncmd cannot do, or does slowly, is done here, and the result goes back with ConfigSet:
  * TCP listeners: only 443 is kept (ListenerDelete takes 0.4 s per listener; ConfigSet's restart
    replaces all of them at once). vpncmd administers the server through 443 too: SoftEther serves its
    admin protocol on every listener.
  * no UDP ports (PortsUDP, the OpenVPN/UDP listeners), no NAT traversal, no dynamic DNS client, no
    JSON-RPC web API, no reverse DNS lookup of every client: nothing in a lab server tries to reach
    the internet or a resolver (its namespace has no default route anyway).
  * --cert/--key: the server certificate and key as base64 DER in 'byte ServerCert' / 'byte ServerKey'.
    ServerCertSet accepts only RSA 1024/2048; this way any key type SoftEther can load (ECDSA) works.

The file is edited line by line inside the right 'declare' block, keeping its BOM, CRLF line ends and
everything else as it was.

usage: edit-config.py IN OUT [--cert CERT.pem --key KEY.pem]
"""
import argparse
import base64
import subprocess
import sys


def der(args):
    return base64.b64encode(subprocess.run(args, capture_output=True, check=True).stdout).decode()


class Config:
    def __init__(self, text):
        self.lines = text.split('\n')   # '\r' stays at each line end: CRLF is preserved

    def walk(self):
        """Yields (index, path, stripped line) for every line; path is the list of enclosing blocks."""
        stack, pending = [], None
        for i, raw in enumerate(self.lines):
            s = raw.strip()
            if s.startswith('declare '):
                pending = s[len('declare '):]
                yield i, stack + [pending], s
            elif s == '{':
                stack.append(pending)
            elif s == '}':
                yield i, list(stack), s
                stack.pop()
            else:
                yield i, list(stack), s

    def set(self, path, typ, name, value):
        """Sets 'typ name value' directly inside block path (e.g. ['root', 'DDnsClient'])."""
        for i, p, s in self.walk():
            parts = s.split(' ', 2)
            if p == path and len(parts) >= 2 and parts[0] == typ and parts[1] == name:
                raw = self.lines[i]
                indent = raw[:len(raw) - len(raw.lstrip())]
                cr = '\r' if raw.endswith('\r') else ''
                self.lines[i] = f'{indent}{typ} {name} {value}{cr}'
                return
        sys.exit(f'edit-config: no "{typ} {name}" in {"/".join(path)}')

    def keep_listeners(self, ports):
        """Removes every Listener block of root/ListenerList whose Port is not in ports."""
        blocks, start, port = [], None, None
        for i, p, s in self.walk():
            if len(p) == 3 and p[:2] == ['root', 'ListenerList']:
                if s.startswith('declare '):
                    start, port = i, None
                elif s.startswith('uint Port '):
                    port = int(s.split()[2])
                elif s == '}':
                    blocks.append((start, i, port))
        if not any(port in ports for _, _, port in blocks):
            sys.exit(f'edit-config: no listener on {sorted(ports)} to keep')
        for start, end, port in reversed(blocks):
            if port not in ports:
                del self.lines[start:end + 1]
        # Renumber what is left (SoftEther enumerates the blocks; consecutive names keep it tidy).
        n = 0
        for i, p, s in list(self.walk()):
            if len(p) == 3 and p[:2] == ['root', 'ListenerList'] and s.startswith('declare '):
                raw = self.lines[i]
                indent = raw[:len(raw) - len(raw.lstrip())]
                self.lines[i] = f'{indent}declare Listener{n}' + ('\r' if raw.endswith('\r') else '')
                n += 1

    def text(self):
        return '\n'.join(self.lines)


def main():
    ap = argparse.ArgumentParser(description='Edit a SoftEther server config for the vpnprobe lab.')
    ap.add_argument('infile')
    ap.add_argument('outfile')
    ap.add_argument('--cert')
    ap.add_argument('--key')
    a = ap.parse_args()
    if bool(a.cert) != bool(a.key):
        ap.error('--cert and --key go together')

    with open(a.infile, 'rb') as f:
        raw = f.read()
    bom = b'\xef\xbb\xbf' if raw.startswith(b'\xef\xbb\xbf') else b''
    c = Config(raw[len(bom):].decode('utf-8'))

    c.keep_listeners({443})
    c.set(['root', 'DDnsClient'], 'bool', 'Disabled', 'true')
    sc = ['root', 'ServerConfiguration']
    c.set(sc, 'bool', 'DisableNatTraversal', 'true')
    c.set(sc, 'bool', 'DisableJsonRpcWebApi', 'true')
    c.set(sc, 'bool', 'DisableGetHostNameWhenAcceptTcp', 'true')
    c.set(sc, 'string', 'PortsUDP', '$')             # '$' is SoftEther's empty string
    c.set(sc, 'bool', 'UseKeepConnect', 'false')
    c.set(sc, 'bool', 'EnableVpnAzure', 'false')
    if a.cert:
        c.set(sc, 'byte', 'ServerCert', der(['openssl', 'x509', '-in', a.cert, '-outform', 'DER']))
        c.set(sc, 'byte', 'ServerKey', der(['openssl', 'pkey', '-in', a.key, '-outform', 'DER', '-traditional']))

    with open(a.outfile, 'wb') as f:
        f.write(bom + c.text().encode('utf-8'))


if __name__ == '__main__':
    main()
