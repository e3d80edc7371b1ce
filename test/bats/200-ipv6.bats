#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# IPv6 with real traffic: a VIP of 2001:db8::11 over three IPv6 backends,
# beside the IPv4 VIP; balancing, echo, the firewall, drain, Maglev.

load helpers

VIP6_URL="http://[$TOPO_VIP6]:8080"

setup_file() {
	topo_up
	topo_add_ipv6
	TOPO_APP_BIND=:: topo_start_apps "$TESTAPP"
}

teardown_file() {
	lb_down
}

# up MODE SCHEDULER: scmlb attached, the IPv6 VIP's service (id 1) with
# the three IPv6 backends (ids 1, 2, 3)
up() {
	local i
	scmlb attach -u up0 -m "$1" >/dev/null
	scmlb svc set -v "$TOPO_VIP6" -S "$2" >/dev/null
	for i in 1 2 3; do
		scmlb lb set -s 1 -n "web$i" -a "${TOPO_BACKENDS6[$((i - 1))]}" >/dev/null
	done
}

teardown() {
	conn_close 2>/dev/null || true
	scmlb detach >/dev/null 2>&1 || true
}

# who6 [CURL ARGS...]: the backend answering one request to the IPv6 VIP
who6() {
	topo_exec client curl -sS --max-time 3 "$@" "$VIP6_URL/who"
}

@test "ipv6: 30 requests spread over three IPv6 backends" {
	up native rr
	for i in $(seq 30); do
		who6 || echo failed
	done | sort | uniq -c | awk '{print $2, $1}' >"$BATS_TEST_TMPDIR/counts"
	cat "$BATS_TEST_TMPDIR/counts"
	[ "$(awk '{print $1}' "$BATS_TEST_TMPDIR/counts" | tr '\n' ' ')" = \
	  "fd00:4::2 fd00:5::2 fd00:6::2 " ]
	awk '$2 < 5 { exit 1 }' "$BATS_TEST_TMPDIR/counts"
	# balanced by XDP, not by the kernel: every request counted forwarded
	run -0 scmlb stat --json
	jq -e '.ipv6.tcp >= 30 and .ipv6.forwarded >= 30' <<<"$output"
}

@test "ipv6: TCP echo and UDP echo through the VIP" {
	up native rr
	conn_open 7070 "[$TOPO_VIP6]"
	conn_echo "hello over ipv6"
	conn_echo "and again"
	conn_close
	run -0 topo_exec client timeout 5 socat -t 2 - "UDP:[$TOPO_VIP6]:9090" \
		<<<"hello udp6"
	[ "$output" = "hello udp6" ]
	run -0 scmlb lb conntrack get --json
	jq -e '[.[] | select(.protocol == "udp" and .dst_port == 9090)] |
		length == 1 and (.[0].src_addr == "fd00:1::2")' <<<"$output"
}

@test "ipv6: skb mode with the senders' default offloads (partial checksums)" {
	# as containers send: tx checksum offload on, GRO off
	for ns in client backend1 backend2 backend3; do
		topo_exec "$ns" ethtool -K eth0 tx on gro off >/dev/null
	done
	up skb rr
	for i in 1 2 3 4 5 6; do
		who6 || echo failed
	done >"$BATS_TEST_TMPDIR/answers"
	for ns in client backend1 backend2 backend3; do
		topo_exec "$ns" ethtool -K eth0 tx off gro on >/dev/null
	done
	[ "$(sort -u "$BATS_TEST_TMPDIR/answers" | tr '\n' ' ')" = \
	  "fd00:4::2 fd00:5::2 fd00:6::2 " ]
}

@test "ipv6: a firewall rule for a /64 drops one client and not the other" {
	up native rr
	[ -n "$(who6 --interface "$TOPO_CLIENT_ADDR6_B")" ]
	run -0 scmlb fw set -n fd00:2::/64 -t tcp -d 8080
	run -0 scmlb fw get --json
	jq -e '.[0].network == "fd00:2::/64"' <<<"$output"
	run who6 --interface "$TOPO_CLIENT_ADDR6_B"
	[ "$status" -ne 0 ]
	[ -n "$(who6 --interface "$TOPO_CLIENT_ADDR6")" ]
	run -0 scmlb fw get --json
	jq -e '.[0].dropped >= 1' <<<"$output"
}

@test "ipv6: a connection opened before drain keeps working, new ones avoid the drained backend" {
	up native rr
	conn_open 7070 "[$TOPO_VIP6]"
	conn_echo "before drain"
	id=$(backend_of_port 7070)
	drained=${TOPO_BACKENDS6[$((id - 1))]}
	scmlb lb drain -i "$id"
	for i in $(seq 9); do
		who6 || echo failed
	done >"$BATS_TEST_TMPDIR/answers"
	run ! grep -qxF "$drained" "$BATS_TEST_TMPDIR/answers"
	run ! grep -qx failed "$BATS_TEST_TMPDIR/answers"
	conn_echo "after drain"
}

@test "ipv6: maglev keeps an open connection through a conntrack flush" {
	up native maglev
	conn_open 7070 "[$TOPO_VIP6]"
	conn_echo "before flush"
	run -0 scmlb lb conntrack flush
	run -0 scmlb lb conntrack get --json
	jq -e 'length == 0' <<<"$output"
	conn_echo "after flush"
	# the flow is tracked again, from the table's choice
	run -0 scmlb lb conntrack get --json
	jq -e '[.[] | select(.dst_port == 7070)] | length == 1' <<<"$output"
}

@test "ipv6: IPv4 and IPv6 services side by side on one instance" {
	up native rr
	scmlb svc set -v "$TOPO_VIP" >/dev/null
	scmlb lb set -s 2 -n v4web -a "${TOPO_BACKENDS[0]}" >/dev/null
	[ "$(topo_exec client curl -sS --max-time 3 "http://$TOPO_VIP:8080/who")" = \
	  "${TOPO_BACKENDS[0]}" ]
	[[ "$(who6)" == fd00:* ]]
	run -0 scmlb svc get --json
	jq -e '[.[].vip] == ["2001:db8::11", "203.0.113.11"]' <<<"$output"
}
