#!/usr/bin/python3
"""Ordinary stub-resolver lookups: the benign background of the captures.

    lookups.py RESOLVER NAMES_FILE COUNT SRC_IP [SRC_IP ...]

Each of COUNT lookups picks a source address (a "host") and a name (weighted
to the top of the list, as real popularity is), and asks A, then AAAA, and
now and then HTTPS (65) or MX, one UDP socket per lookup like glibc does,
with a short random pause between lookups. Seeded: the same arguments give
the same sequence of names.
"""
import random
import socket
import struct
import sys
import time


def query(name, qtype, qid):
    q = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0'
    return struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0) + q + struct.pack('!HH', qtype, 1)


def lookup(resolver, src, name, rng):
    types = [1, 28]
    if rng.random() < 0.2:
        types.append(65)
    if rng.random() < 0.05:
        types.append(15)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.settimeout(2)
        for t in types:
            s.sendto(query(name, t, rng.randrange(65536)), (resolver, 53))
            try:
                s.recv(4096)
            except socket.timeout:
                pass


def main():
    resolver, names_file, count, srcs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    names = [l.strip() for l in open(names_file) if l.strip() and not l.startswith('#')]
    rng = random.Random(11)
    weights = [1 / (i + 1) for i in range(len(names))]
    for _ in range(count):
        name = rng.choices(names, weights)[0]
        if rng.random() < 0.5:
            name = 'www.' + name
        lookup(resolver, rng.choice(srcs), name, rng)
        time.sleep(rng.uniform(0, 0.2))
    print(f"lookups: {count} lookups from {len(srcs)} hosts", flush=True)


main()
