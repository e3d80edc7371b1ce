#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the TCP option kinds of the first SYN to PORT seen on IFACE (IPv4 or IPv6).

Usage: syn-options.py IFACE PORT SECONDS. Prints "ready" once listening,
then the kinds of the SYN's options in order (2 MSS, 3 window scale,
4 SACK-permitted, 8 timestamps), e.g. "2 4 8 1 3"; exits 1 on timeout.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 3


def option_kinds(opts):
    kinds, i = [], 0
    while i < len(opts) and opts[i] != 0:
        kinds.append(opts[i])
        if opts[i] == 1:
            i += 1
        elif i + 1 < len(opts) and opts[i + 1] >= 2:
            i += opts[i + 1]
        else:
            break
    return kinds


def main():
    iface, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.2)
    print("ready", flush=True)
    end = time.time() + seconds
    while time.time() < end:
        try:
            b = s.recv(2048)
        except socket.timeout:
            continue
        if len(b) >= 74 and b[12:14] == b"\x86\xdd" and b[20] == 6:
            t = b[54:]              # IPv6 without extension headers
        elif len(b) >= 54 and b[12:14] == b"\x08\x00" and b[23] == 6:
            t = b[14 + (b[14] & 15) * 4:]
        else:
            continue
        dport = struct.unpack("!H", t[2:4])[0]
        if dport != port or (t[13] & 0x12) != 0x02:
            continue
        print(" ".join(str(k) for k in option_kinds(t[20:(t[12] >> 4) * 4])))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
