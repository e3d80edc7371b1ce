#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# echo-conns.py ADDR PORT N PERIOD STOPFILE [WAIT] - N TCP connections to
# an echo server, each sending a line every PERIOD seconds and waiting for
# its echo, until STOPFILE exists (or 120 s pass). Prints "ready" once all
# are open, then one line per connection: "conn I: R rounds, F failures";
# any failure (no echo within WAIT seconds, default 3, a reset) counts and
# ends that connection; last, "longest wait S s": the longest an echo took.
# Exits 0 when every connection echoed every round, 1 otherwise.
import os
import socket
import sys
import time

LIMIT_S = 120


def echo(sock, line, wait):
    sock.sendall(line)
    got = b''
    deadline = time.monotonic() + wait
    while not got.endswith(b'\n'):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError('no echo')
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError('closed by the peer')
        got += chunk
    if got != line:
        raise ValueError(f'echo {got!r} is not {line!r}')


def main():
    addr, port, n, period, stop = sys.argv[1:6]
    n, period = int(n), float(period)
    wait = float(sys.argv[6]) if len(sys.argv) > 6 else 3.0
    longest = 0.0
    socks = [socket.create_connection((addr, int(port)), timeout=5)
             for _ in range(n)]
    rounds = [0] * n
    failed = [None] * n
    print('ready', flush=True)
    start = time.monotonic()
    while not os.path.exists(stop) and time.monotonic() - start < LIMIT_S:
        for i, s in enumerate(socks):
            if failed[i]:
                continue
            try:
                sent = time.monotonic()
                echo(s, f'conn {i} round {rounds[i]}\n'.encode(), wait)
                longest = max(longest, time.monotonic() - sent)
                rounds[i] += 1
            except (OSError, ValueError) as e:
                failed[i] = f'round {rounds[i]}: {e}'
        time.sleep(period)
    for i, s in enumerate(socks):
        print(f'conn {i}: {rounds[i]} rounds, '
              f'{1 if failed[i] else 0} failures {failed[i] or ""}'.rstrip())
        s.close()
    print(f'longest wait {longest:.2f} s')
    return 1 if any(failed) else 0


if __name__ == '__main__':
    sys.exit(main())
