#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# ipip over IPv6 (ip6ip6) with real traffic: backends on the load
# balancer's segment hold the VIP as a local route and answer the client
# themselves; scmlb-decap takes the outer IPv6 header off on their
# interfaces. A client packet too big once encapsulated gets a Packet Too
# Big from the VIP.
#
#   client eth0 (2001:db8:1::2) --- up0 (2001:db8:1::1) lb seg0 (2001:db8:9::1) --+
#   client eth1 (2001:db8:9::fe) ---------------- bridge (ns sw) ------------------+
#                               backend1 eth0 (2001:db8:9::2) ---------------------+
#                               backend2 eth0 (2001:db8:9::3) ---------------------+

load helpers

VIP6=2001:db8:100::12
SEG6=(2001:db8:9::2 2001:db8:9::3)
DECAP=$SCMLB_BUILD/tools/scmlb-decap

# ip6_on NS: IPv6 on, duplicate address detection off (addresses at once)
ip6_on() {
	topo_exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# seg_port6 NS IF ADDR: NS's interface IF on the bridge, with ADDR/64
seg_port6() {
	local port="p-$1"
	ip link add "$2" netns "$(topo_ns "$1")" type veth peer name "$port" \
		netns "$(topo_ns sw)"
	topo_exec "$1" ip -6 addr add "$3/64" dev "$2" nodad
	topo_exec "$1" ip link set "$2" up
	topo_exec sw ip link set "$port" master br0 up
}

setup_file() {
	local i ns
	topo_down
	for ns in client lb sw backend1 backend2; do
		ip netns add "$(topo_ns "$ns")"
		topo_exec "$ns" ip link set lo up
		ip6_on "$ns"
	done
	topo_exec sw ip link add br0 type bridge
	topo_exec sw ip link set br0 up
	topo_link client eth0 "$TOPO_CLIENT_ADDR" lb up0 "$TOPO_LB_ADDR"
	topo_exec client ip -6 addr add 2001:db8:1::2/64 dev eth0 nodad
	topo_exec lb ip -6 addr add 2001:db8:1::1/64 dev up0 nodad
	topo_exec lb ip -6 addr add "$VIP6/128" dev lo
	topo_exec lb sysctl -qw net.ipv6.conf.all.forwarding=1
	topo_exec client ip -6 route add "$VIP6/128" via 2001:db8:1::1
	seg_port6 lb seg0 2001:db8:9::1
	seg_port6 client eth1 2001:db8:9::fe
	topo_exec client sysctl -qw net.ipv6.conf.all.forwarding=1
	for i in 1 2; do
		ns=backend$i
		seg_port6 "$ns" eth0 "${SEG6[$((i - 1))]}"
		# the VIP as a local route, not an address: no neighbour
		# advertisement for it
		topo_exec "$ns" ip -6 route add local "$VIP6/128" dev lo
		topo_exec "$ns" ip -6 route add default via 2001:db8:9::fe
		topo_exec "$ns" ethtool -K eth0 tx off gro on >/dev/null
		topo_exec "$ns" "$TESTAPP" --name "$ns" --bind :: \
			--health-file "${TOPO_TMP}/${TOPO_PREFIX}health-$i" \
			>/dev/null 2>&1 &
	done
	topo_exec client ethtool -K eth0 tx off gro on >/dev/null
	topo_exec client ethtool -K eth1 tx off gro on >/dev/null
	for i in 1 2; do
		topo_wait_port "backend$i" 8080 ::1
	done
}

teardown_file() {
	topo_exec backend1 "$DECAP" detach -i eth0 >/dev/null 2>&1 || true
	topo_exec backend2 "$DECAP" detach -i eth0 >/dev/null 2>&1 || true
	lb_down
}

@test "ip6ip6: backends behind scmlb-decap answer from the VIP; an upload past the MTU gets through by Packet Too Big" {
	local i id data got
	scmlb attach -u up0 -m skb >/dev/null
	run -0 scmlb svc set -v "$VIP6" -t tcp --forward ipip
	id=$output
	scmlb lb set -s "$id" -n ip1 -a "${SEG6[0]}" >/dev/null
	scmlb lb set -s "$id" -n ip2 -a "${SEG6[1]}" >/dev/null
	for i in 1 2; do
		topo_exec "backend$i" "$DECAP" attach -i eth0 >/dev/null
	done
	run -0 bash -c "for i in 1 2 3 4; do
		nsenter --net=/run/netns/$(topo_ns client) curl -sS -g \
			--max-time 3 'http://[$VIP6]:8080/who'; done |
		sort | uniq -c | awk '{print \$2, \$1}'"
	[ "$output" = "$(printf 'backend1 2\nbackend2 2')" ]
	# full-sized segments do not fit seg0 (MTU 1500) once encapsulated:
	# the client learns 1460 from the VIP's Packet Too Big and sends again
	data=$BATS_TEST_TMPDIR/upload
	head -c 300000 /dev/urandom | base64 -w 100 >"$data"
	got=$(topo_exec client timeout 15 socat -t 5 - \
		"TCP6:[$VIP6]:7070" <"$data" | md5sum)
	[ "$got" = "$(md5sum <"$data")" ]
	run -0 scmlb stat --json
	[ "$(jq '.too_big' <<<"$output")" -ge 1 ]
	[ "$(jq '.returned' <<<"$output")" -eq 0 ]
	run -0 topo_exec client ip -6 route get "$VIP6"
	[[ $output == *"mtu 1460"* ]]
}
