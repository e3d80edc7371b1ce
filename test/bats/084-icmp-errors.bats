#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# ICMP errors about balanced flows reach the other end: path MTU discovery
# through a smaller hop, and a closed UDP port refusing a connected socket.
#
#   far (10.0.9.2, MTU 1500) --- (10.0.9.1, MTU 1400) client ns as a
#   router (10.0.1.2) --- lb --- backends

load helpers

FAR=10.0.9.2
HOP=10.0.9.1
FILE_PORT=8000

setup_file() {
	lb_up native
	local i
	ip netns add "$(topo_ns far)"
	topo_exec far ip link set lo up
	topo_link far eth0 "$FAR" client hop0 "$HOP"
	topo_exec client ip link set hop0 mtu 1400
	topo_exec client sysctl -qw net.ipv4.ip_forward=1
	topo_exec far ip route add default via "$HOP"
	topo_exec far ethtool -K eth0 tx off gro on >/dev/null
	topo_exec client ethtool -K hop0 tx off gro on >/dev/null
	topo_exec lb ip route add "$FAR/32" via "$TOPO_CLIENT_ADDR"
	# 300 KB on every backend, served over HTTP
	head -c 300000 /dev/urandom >"$BATS_FILE_TMPDIR/blob"
	for i in 1 2 3; do
		topo_exec "backend$i" python3 -m http.server "$FILE_PORT" \
			--directory "$BATS_FILE_TMPDIR" >/dev/null 2>&1 &
	done
	for i in 1 2 3; do
		topo_wait_port "backend$i" "$FILE_PORT"
	done
}

teardown_file() {
	lb_down
}

@test "icmp: a 300 KB download through a 1400-byte hop completes (fragmentation needed reaches the backend)" {
	local n
	# 1500-byte replies cannot pass the hop: only PMTU discovery helps
	for n in 1 2 3; do
		run -0 topo_exec far curl -sS --max-time 10 -o "$BATS_TEST_TMPDIR/got" \
			"http://$TOPO_VIP:$FILE_PORT/blob"
		cmp "$BATS_TEST_TMPDIR/got" "$BATS_FILE_TMPDIR/blob"
	done
	# the backends learnt the hop's MTU from the errors scmlb passed on
	for n in 1 2 3; do
		topo_exec "backend$n" ip route get "$FAR"
	done >"$BATS_TEST_TMPDIR/routes"
	grep -q "mtu 1400" "$BATS_TEST_TMPDIR/routes"
}

@test "icmp: a UDP socket connected to the VIP gets ECONNREFUSED from a port no backend listens on" {
	run -0 topo_exec client python3 - "$TOPO_VIP" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(3)
	s.connect((sys.argv[1], 9999))
	s.send(b"anyone?")
	try:
	    s.recv(100)
	    print("answered")
	except ConnectionRefusedError:
	    print("refused")
	except socket.timeout:
	    print("timeout")
	EOF
	[ "$output" = refused ]
}

@test "icmp: ping to the VIP is still the host's to answer" {
	run -0 topo_exec client ping -c 1 -W 2 "$TOPO_VIP"
}
