#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# synflood_client.py ADDR PORT READY_FILE DONE_FILE [OPTION]... -
# bench_synflood.sh's client, against a TCP echo service (scmlb-testapp's):
#  1. opens --established connections and checks one echo on each (exit 3
#     if one fails: the load balancer does not work before any flood);
#  2. writes READY_FILE, then for --window seconds: every connection sends
#     a line every 0.5-1.5 s and waits for its echo, and new connections
#     open at --rate per second, each sending one line;
#  3. once DONE_FILE exists (the flood is over; --settle seconds at most)
#     and half a second more, a last line on every connection still open.
# An echo must come back within --timeout seconds (a new connection's
# connect included). A connection that is reset or closed is dead: one
# failure, no more lines. Prints one JSON object; bounded by the options.
import argparse
import asyncio
import json
import os
import random
import sys
import time


async def echo(reader, writer, line, timeout):
    """Send @line, wait for it to come back; an older late echo is skipped."""
    writer.write(line)
    await asyncio.wait_for(writer.drain(), timeout)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise asyncio.TimeoutError()
        got = await asyncio.wait_for(reader.readline(), left)
        if not got:
            raise ConnectionResetError('closed by the peer')
        if got == line:
            return


class Established:
    def __init__(self, index, reader, writer):
        self.index, self.reader, self.writer = index, reader, writer
        self.sent = self.failed = 0
        self.dead = False

    async def probe(self, timeout):
        if self.dead:
            return False
        self.sent += 1
        line = b'conn %d line %d\n' % (self.index, self.sent)
        try:
            await echo(self.reader, self.writer, line, timeout)
            return True
        except asyncio.TimeoutError:
            self.failed += 1
        except OSError:
            self.failed += 1
            self.dead = True
            self.writer.close()
        return False

    async def keep_echoing(self, until, timeout):
        while True:
            pause = random.uniform(0.5, 1.5)
            if time.monotonic() + pause >= until:
                return
            await asyncio.sleep(pause)
            await self.probe(timeout)


async def new_connection(addr, port, timeout, results):
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(addr, port)
            await echo(reader, writer, b'new connection\n', timeout)
        results['ok'] += 1
    except TimeoutError:
        results['timeout'] += 1
    except OSError:
        results['error'] += 1
    finally:
        if writer:
            writer.close()


async def main(o):
    conns = []
    for i in range(o.established):
        try:
            async with asyncio.timeout(o.timeout):
                r, w = await asyncio.open_connection(o.addr, o.port)
        except (OSError, TimeoutError) as e:
            sys.exit(f'synflood_client.py: connection {i} failed: {e!r}')
        conns.append(Established(i, r, w))
    for c in conns:
        if not await c.probe(o.timeout):
            sys.exit(f'synflood_client.py: no echo on connection {c.index}')
    with open(o.ready_file, 'w') as f:
        f.write('ready\n')

    start = time.monotonic()
    until = start + o.window
    loops = [asyncio.create_task(c.keep_echoing(until, o.timeout))
             for c in conns]
    news = {'ok': 0, 'timeout': 0, 'error': 0}
    tasks = []
    for k in range(int(o.window * o.rate)):
        await asyncio.sleep(max(0.0, start + k / o.rate - time.monotonic()))
        tasks.append(asyncio.create_task(
            new_connection(o.addr, o.port, o.timeout, news)))
    await asyncio.gather(*loops, *tasks)
    while not os.path.exists(o.done_file) and time.monotonic() < until + o.settle:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    last = await asyncio.gather(*(c.probe(o.timeout) for c in conns))

    print(json.dumps({
        'established': len(conns),
        'echoing_at_end': sum(last),
        'reset': sum(c.dead for c in conns),
        'echo_lines': sum(c.sent for c in conns),
        'echo_failures': sum(c.failed for c in conns),
        'new_attempts': len(tasks),
        'new_ok': news['ok'],
        'new_timeouts': news['timeout'],
        'new_errors': news['error'],
        'seconds': round(time.monotonic() - start, 2),
    }))


def positive(kind):
    def parse(s):
        v = kind(s)
        if not v > 0:
            raise argparse.ArgumentTypeError(f'not positive: {s}')
        return v
    return parse


if __name__ == '__main__':
    p = argparse.ArgumentParser(description='the flood benchmark\'s client')
    p.add_argument('addr')
    p.add_argument('port', type=int)
    p.add_argument('ready_file')
    p.add_argument('done_file')
    p.add_argument('--established', type=positive(int), default=20)
    p.add_argument('--rate', type=positive(float), default=50)
    p.add_argument('--window', type=positive(float), default=10)
    p.add_argument('--settle', type=positive(float), default=30)
    p.add_argument('--timeout', type=positive(float), default=1)
    asyncio.run(main(p.parse_args()))
