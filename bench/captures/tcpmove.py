#!/usr/bin/python3
"""Move random bytes over a TCP connection (the payload a tunnel carries).

    tcpmove.py serve HOST PORT UP_BYTES DOWN_BYTES   accept one connection, read
                                               UP_BYTES (or to EOF), send DOWN_BYTES back, close
    tcpmove.py send HOST PORT UP_BYTES         connect, send UP_BYTES, read the
                                               reply to EOF

No half-close: dns2tcp ends its session on the first EOF it reads.

Prints one line with the byte counts moved, so the make-captures log says what
the capture carried. Random bytes: no compression along the path can shrink them.
"""
import os
import socket
import sys
import time


def serve(host, port, up, down):
    with socket.create_server((host, port)) as srv:
        conn, _ = srv.accept()
        with conn:
            got = 0
            while got < up:
                b = conn.recv(65536)
                if not b:
                    break
                got += len(b)
            conn.sendall(os.urandom(down))
    print(f"serve: received {got} bytes, sent {down}", flush=True)


def send(host, port, up):
    deadline = time.time() + 30
    while True:  # the tunnel's listener may come up a little after the tunnel
        try:
            conn = socket.create_connection((host, port), timeout=300)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(1)
    t0 = time.time()
    with conn:
        conn.sendall(os.urandom(up))
        got = 0
        while True:
            b = conn.recv(65536)
            if not b:
                break
            got += len(b)
    print(f"send: sent {up} bytes, received {got} in {time.time() - t0:.1f} s", flush=True)


def main():
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == 'serve':
        serve(host, port, n, int(sys.argv[5]))
    elif mode == 'send':
        send(host, port, n)
    else:
        sys.exit(f"unknown mode {mode}")


main()
