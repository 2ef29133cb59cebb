#!/usr/bin/python3
"""A stand-in load balancer, for OpenSSH's ProxyCommand: connects to holdgate, sends a PROXY
protocol header naming a claimed client (HAProxy's send-proxy / send-proxy-v2), then relays
stdin and stdout.

    proxy_header_sender.py v1|v2|v2-local|none CLIENT HOST PORT [BIND_ADDRESS]

CLIENT is "203.0.113.7:4242" or "[2001:db8::7]:4242"; BIND_ADDRESS makes the balancer connect
from that address (e.g. 127.0.0.2, one that is not listed in `proxy_protocol.from`).
`proxy_header()` builds the same bytes for tests that speak raw TCP.
"""
from __future__ import annotations

import ipaddress
import os
import selectors
import socket
import struct
import sys

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def split_endpoint(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def proxy_header(version: str, client: str, server: str = "127.0.0.1:22") -> bytes:
    """The header a balancer sends for `client` reaching it at `server` ("ip:port" each)."""
    if version == "none":
        return b""
    (src, sport), (dst, dport) = split_endpoint(client), split_endpoint(server)
    src_ip, dst_ip = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if src_ip.version != dst_ip.version:  # a v6 client reached the balancer over IPv6
        dst_ip = ipaddress.ip_address("::1" if src_ip.version == 6 else "127.0.0.1")
    if version == "v1":
        return f"PROXY TCP{src_ip.version} {src_ip} {dst_ip} {sport} {dport}\r\n".encode()
    block = src_ip.packed + dst_ip.packed + struct.pack(">HH", sport, dport)
    family = 0x11 if src_ip.version == 4 else 0x21  # TCP over IPv4 / IPv6
    command = 0x20 if version == "v2-local" else 0x21  # version 2, LOCAL / PROXY
    return V2_SIGNATURE + bytes([command, family]) + struct.pack(">H", len(block)) + block


def relay(sock: socket.socket) -> None:
    """stdin to the socket, the socket to stdout, until the server hangs up."""
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    selector.register(0, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is sock:
                data = sock.recv(65536)
                if not data:
                    return
                view = memoryview(data)
                while view:
                    view = view[os.write(1, view):]
            else:
                data = os.read(0, 65536)
                if data:
                    sock.sendall(data)
                else:
                    selector.unregister(0)
                    sock.shutdown(socket.SHUT_WR)


def main(argv: list[str]) -> int:
    version, client, host, port = argv[:4]
    bind = (argv[4], 0) if len(argv) > 4 else None
    sock = socket.create_connection((host, int(port)), timeout=10, source_address=bind)
    sock.settimeout(None)
    sock.sendall(proxy_header(version, client, f"{host}:{port}"))
    try:
        relay(sock)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
