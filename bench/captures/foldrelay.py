#!/usr/bin/python3
"""A DNS relay that lower-cases the question name, as some resolvers do.

    foldrelay.py LISTEN_IP UPSTREAM_IP

UDP only. Each query's question name has its ASCII letters lower-cased before
it goes upstream; answers come back as they are. Through it iodine's codec
test finds that case is not kept and falls back to Base32 upstream, which is
what a capture behind such a resolver looks like. Queries are matched to
their client by DNS id (enough for one tunnel client).
"""
import select
import socket
import sys


def fold_question(msg):
    """The message with the first question name's ASCII letters lower-cased."""
    out, i = bytearray(msg), 12
    while i < len(out) and out[i] and out[i] < 64:
        n = out[i]
        for j in range(i + 1, min(i + 1 + n, len(out))):
            if 65 <= out[j] <= 90:
                out[j] += 32
        i += 1 + n
    return bytes(out)


def main():
    listen, upstream = sys.argv[1], sys.argv[2]
    down = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    down.bind((listen, 53))
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    clients = {}
    while True:
        ready, _, _ = select.select([down, up], [], [])
        if down in ready:
            msg, addr = down.recvfrom(65535)
            if len(msg) >= 12:
                clients[msg[:2]] = addr
                up.sendto(fold_question(msg), (upstream, 53))
        if up in ready:
            msg, _ = up.recvfrom(65535)
            addr = clients.pop(msg[:2], None)
            if addr:
                down.sendto(msg, addr)


main()
