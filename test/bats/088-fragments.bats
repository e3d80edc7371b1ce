#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# IP fragments of balanced datagrams follow their first fragment, both ways.

load helpers

setup_file() {
	lb_up native
}

teardown_file() {
	lb_down
}

# udp_echo SIZE: send one datagram of SIZE bytes to the VIP's UDP echo;
# prints "whole" when the same bytes come back
udp_echo() {
	topo_exec client python3 - "$TOPO_VIP" "$1" <<-'EOF'
	import os, socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(3)
	data = os.urandom(int(sys.argv[2]))
	s.sendto(data, (sys.argv[1], 9090))
	try:
	    got = s.recv(65536)
	    print("whole" if got == data else "different: %d bytes" % len(got))
	except socket.timeout:
	    print("timeout")
	EOF
}

@test "fragments: a 4000-byte UDP datagram to the VIP is echoed back whole" {
	local before
	before=$(scmlb stat --json | jq .forwarded)
	run -0 udp_echo 4000
	[ "$output" = whole ]
	# three fragments each way, all through scmlb
	[ "$(scmlb stat --json | jq .forwarded)" -ge $((before + 3)) ]
	run -0 udp_echo 9000
	[ "$output" = whole ]
}

@test "fragments: a datagram that fits one packet still goes as before" {
	run -0 udp_echo 1000
	[ "$output" = whole ]
}
