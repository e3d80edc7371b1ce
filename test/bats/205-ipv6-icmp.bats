#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# ICMPv6 errors about balanced IPv6 flows reach the other end: path MTU
# discovery through a smaller hop (Packet Too Big, all IPv6 has: routers
# never fragment), and a closed UDP port refusing a connected socket.
#
#   far (2001:db8:9::2, MTU 1500) --- (2001:db8:9::1, MTU 1400) client ns
#   as a router (2001:db8:1::2) --- lb (2001:db8:1::1) --- backends
#   (2001:db8:4::2, 2001:db8:5::2, 2001:db8:6::2)

load helpers

VIP6=2001:db8:100::11
FAR6=2001:db8:9::2
HOP6=2001:db8:9::1
FILE_PORT=8000
UDP_PORT=9999

# ip6_on NS: IPv6 on, duplicate address detection off (addresses at once)
ip6_on() {
	topo_exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# addr6 NS DEV ADDR/LEN
addr6() {
	topo_exec "$1" ip -6 addr add "$3" dev "$2" nodad
}

setup_file() {
	lb_up native
	local i ns id
	ip netns add "$(topo_ns far)"
	topo_exec far ip link set lo up
	for ns in client lb backend1 backend2 backend3 far; do
		ip6_on "$ns"
	done
	topo_link far eth0 10.0.9.2 client hop0 10.0.9.1
	addr6 far eth0 "$FAR6/64"
	addr6 client hop0 "$HOP6/64"
	topo_exec client ip link set hop0 mtu 1400
	topo_exec client sysctl -qw net.ipv6.conf.all.forwarding=1
	topo_exec far ip -6 route add default via "$HOP6"
	topo_exec far ethtool -K eth0 tx off gro on >/dev/null
	topo_exec client ethtool -K hop0 tx off gro on >/dev/null
	addr6 client eth0 2001:db8:1::2/64
	addr6 lb up0 2001:db8:1::1/64
	# the VIP is the load balancer host's too: it answers its pings
	topo_exec lb ip -6 addr add "$VIP6/128" dev lo
	topo_exec lb sysctl -qw net.ipv6.conf.all.forwarding=1
	topo_exec lb ip -6 route add 2001:db8:9::/64 via 2001:db8:1::2
	topo_exec client ip -6 route add "$VIP6/128" via 2001:db8:1::1
	for i in 1 2 3; do
		addr6 "backend$i" eth0 "2001:db8:$((i + 3))::2/64"
		addr6 lb "be$i" "2001:db8:$((i + 3))::1/64"
		topo_exec "backend$i" ip -6 route add default \
			via "2001:db8:$((i + 3))::1"
	done
	scmlb svc set -v "$VIP6" -t tcp -P "$FILE_PORT" >/dev/null
	scmlb svc set -v "$VIP6" -t udp -P "$UDP_PORT" >/dev/null
	for id in $(scmlb svc get --json | jq -r --arg v "$VIP6" \
			'.[] | select(.vip == $v) | .id'); do
		for i in 1 2 3; do
			scmlb lb set -s "$id" -n "v6-$id-$i" \
				-a "2001:db8:$((i + 3))::2" >/dev/null
		done
	done
	# 300 KB on every backend, served over HTTP on IPv6
	head -c 300000 /dev/urandom >"$BATS_FILE_TMPDIR/blob"
	for i in 1 2 3; do
		topo_exec "backend$i" python3 -m http.server "$FILE_PORT" \
			--bind :: --directory "$BATS_FILE_TMPDIR" \
			>/dev/null 2>&1 &
	done
	for i in 1 2 3; do
		topo_wait_port "backend$i" "$FILE_PORT" ::1
	done
}

teardown_file() {
	lb_down
}

@test "icmp6: a 300 KB download through a 1400-byte hop completes (Packet Too Big reaches the backend)" {
	local n
	# 1500-byte replies cannot pass the hop: only PMTU discovery helps
	for n in 1 2 3; do
		run -0 topo_exec far curl -sS --max-time 10 -g \
			-o "$BATS_TEST_TMPDIR/got" "http://[$VIP6]:$FILE_PORT/blob"
		cmp "$BATS_TEST_TMPDIR/got" "$BATS_FILE_TMPDIR/blob"
	done
	# the backends learnt the hop's MTU from the errors scmlb passed on
	for n in 1 2 3; do
		topo_exec "backend$n" ip -6 route get "$FAR6"
	done >"$BATS_TEST_TMPDIR/routes"
	grep -q "mtu 1400" "$BATS_TEST_TMPDIR/routes"
}

@test "icmp6: a UDP socket connected to the VIP gets ECONNREFUSED from a port no backend listens on" {
	run -0 topo_exec client python3 - "$VIP6" "$UDP_PORT" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
	s.settimeout(3)
	s.connect((sys.argv[1], int(sys.argv[2])))
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

@test "icmp6: ping to the VIP is still the host's to answer" {
	run -0 topo_exec client ping -6 -c 1 -W 2 "$VIP6"
}
