#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# ipip-send.py OUTER_SRC OUTER_DST INNER_SRC INNER_DST PORT TEXT... - send one
# UDP datagram per TEXT from INNER_SRC:40000 to INNER_DST:PORT inside IPIP
# from OUTER_SRC to OUTER_DST, as a load balancer's ipip mode does, through
# a raw socket (IP_HDRINCL): no ipip device is needed on either side.
# With OUTER_SRC "-" the datagrams go out plain, without the outer header.
import socket
import struct
import sys

SPORT = 40000
TTL = 64


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident,
                      0x4000, TTL, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    return hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:] + payload


def udp(src, dst, dport, data):
    length = 8 + len(data)
    pseudo = struct.pack('!4s4sBBH', socket.inet_aton(src),
                         socket.inet_aton(dst), 0, socket.IPPROTO_UDP, length)
    hdr = struct.pack('!HHHH', SPORT, dport, length, 0)
    check = csum(pseudo + hdr + data) or 0xffff
    return struct.pack('!HHHH', SPORT, dport, length, check) + data


def main():
    if len(sys.argv) < 7:
        sys.exit('usage: ipip-send.py OUTER_SRC OUTER_DST INNER_SRC '
                 'INNER_DST PORT TEXT...')
    osrc, odst, isrc, idst, port = sys.argv[1:6]
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for n, text in enumerate(sys.argv[6:], 1):
        inner = ipv4(isrc, idst, socket.IPPROTO_UDP,
                     udp(isrc, idst, int(port), (text + '\n').encode()), n)
        if osrc == '-':
            sock.sendto(inner, (idst, 0))
        else:
            sock.sendto(ipv4(osrc, odst, socket.IPPROTO_IPIP, inner, n),
                        (odst, 0))


if __name__ == '__main__':
    main()
