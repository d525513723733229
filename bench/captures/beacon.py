#!/usr/bin/python3
"""A Cobalt-Strike-style DNS beacon: check in by an A query, sleep, repeat.

    beacon.py RESOLVER ZONE SRC_IP PERIOD JITTER COUNT [SEED]

Each of COUNT check-ins asks the resolver for the A record of a short random
hex label under ZONE (`3fa9c21e.ZONE`: a fresh name each time, so no cache
answers it, as the heartbeat of a DNS beacon), from SRC_IP through a new UDP
socket (a stub resolver's), then sleeps PERIOD * (1 + U(-JITTER, JITTER))
seconds. The team server's idle answer is A 0.0.0.0 (Cobalt Strike's
dns_idle). Seeded: the same arguments give the same names and sleeps.
Prints one summary line ("beacon: ...") at the end.
"""
import random
import socket
import struct
import sys
import time


def query(name, qid):
    q = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0'
    return struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0) + q + struct.pack('!HH', 1, 1)


def checkin(resolver, src, name, rng):
    """One A query; whether an answer came within 2 s."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.settimeout(2)
        s.sendto(query(name, rng.randrange(65536)), (resolver, 53))
        try:
            s.recv(4096)
            return True
        except socket.timeout:
            return False


def main():
    if len(sys.argv) < 7:
        raise SystemExit(__doc__)
    resolver, zone, src = sys.argv[1:4]
    period, jitter, count = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    rng = random.Random(int(sys.argv[7]) if len(sys.argv) > 7 else 60)
    answered, sleeps = 0, []
    for i in range(count):
        answered += checkin(resolver, src, f"{rng.getrandbits(32):08x}.{zone}", rng)
        if i + 1 < count:
            sleeps.append(period * (1 + rng.uniform(-jitter, jitter)))
            time.sleep(sleeps[-1])
    lo, hi = (min(sleeps), max(sleeps)) if sleeps else (0, 0)
    print(f"beacon: {count} check-ins from {src}, {answered} answered, sleeps {lo:.2f}..{hi:.2f} s "
          f"(period {period} s +- {100 * jitter:.0f} %)", flush=True)


main()
