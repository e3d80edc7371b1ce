#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send COUNT TCP SYNs to [VIP]:PORT from random IPv6 sources in PREFIX::/64.

Usage: syn6-flood.py VIP PORT COUNT PREFIX. A raw IPv6 socket (the header
is ours, so any source goes); the route to VIP picks the way. Prints how
many were sent.
"""
import os
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    vip, port, count, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    dst = socket.inet_pton(socket.AF_INET6, vip)
    net = socket.inet_pton(socket.AF_INET6, prefix + "::")[:8]
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    opts = bytes([2, 4, 0x05, 0xa0])        # MSS 1440
    sent = 0
    for _ in range(count):
        src = net + os.urandom(8)
        sport, seq = struct.unpack("!HI", os.urandom(6))
        sport |= 1024
        tcp = struct.pack("!HHIIBBHHH", sport, port, seq, 0, 6 << 4, 0x02,
                          64240, 0, 0) + opts
        pseudo = src + dst + struct.pack("!I3xB", len(tcp), socket.IPPROTO_TCP)
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip6 = struct.pack("!IHBB", 6 << 28, len(tcp), socket.IPPROTO_TCP, 64)
        try:
            sock.sendto(ip6 + src + dst + tcp, (vip, 0))
            sent += 1
        except OSError:
            pass                        # a full queue: the next one
    print(sent)


if __name__ == "__main__":
    main()
