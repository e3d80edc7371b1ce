#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Bulk transfers through the VIP with default offloads everywhere (every
# sender offloads its checksums and segments with TSO/GSO, no veth has
# GRO), as with backends in containers: a 5 MB download and a 2 MB upload
# in native and in skb mode, each complete, intact, and within 3x the time
# of the same transfer straight to the backend without scmlb.

load helpers

PORT=8000
BACKEND=${TOPO_BACKENDS[0]}
RUNS=3			# each time is the best of RUNS transfers
MAX_RATIO=3

setup_file() {
	TOPO_OFFLOADS=default topo_up
	# the transfers without scmlb: the load balancer routes them
	topo_exec lb sysctl -qw net.ipv4.ip_forward=1
	topo_exec client ip route add 10.0.0.0/16 via "$TOPO_LB_ADDR"
	head -c 5000000 /dev/urandom >"$BATS_FILE_TMPDIR/5M"
	head -c 2000000 /dev/urandom >"$BATS_FILE_TMPDIR/2M"
	sha256sum <"$BATS_FILE_TMPDIR/2M" | cut -d' ' -f1 >"$BATS_FILE_TMPDIR/2M.sum"
	topo_exec backend1 python3 "$BATS_TEST_DIRNAME/../lib/bulk-http.py" \
		"$PORT" "$BATS_FILE_TMPDIR" >/dev/null 2>&1 &
	topo_wait_port backend1 "$PORT"
}

teardown_file() {
	lb_down
}

# download ADDR: fetch the 5 MB file from ADDR; checks every byte, prints
# curl's time from connect to the last byte, in seconds
download() {
	local t
	rm -f "$BATS_FILE_TMPDIR/got"
	t=$(topo_exec client curl -sS --max-time 20 -o "$BATS_FILE_TMPDIR/got" \
		-w '%{time_total}' "http://$1:$PORT/5M") || return 1
	cmp "$BATS_FILE_TMPDIR/5M" "$BATS_FILE_TMPDIR/got" >&2 || return 1
	echo "$t"
}

# upload ADDR: send the 2 MB file to ADDR; the server's SHA-256 of what it
# got must be the file's; prints the time as download does
upload() {
	local r
	r=$(topo_exec client curl -sS --max-time 20 -H 'Expect:' \
		-T "$BATS_FILE_TMPDIR/2M" -w ' %{time_total}' \
		"http://$1:$PORT/up") || return 1
	# the server's line, then curl's time
	if [ "${r%%$'\n'*}" != "$(cat "$BATS_FILE_TMPDIR/2M.sum")" ]; then
		echo "the server got other bytes: '${r%%$'\n'*}'" >&2
		return 1
	fi
	echo "${r##* }"
}

# best KIND ADDR: the best of RUNS transfers
best() {
	local i t all=
	for i in $(seq "$RUNS"); do
		t=$("$1" "$2") || return 1
		all="$all $t"
	done
	echo "$1 to $2:$all" >&2
	tr ' ' '\n' <<<"$all" | sed '/^$/d' | sort -g | head -n 1
}

# within_ratio KIND MODE: through the VIP against the baseline
within_ratio() {
	local base vip
	base=$(cat "$BATS_FILE_TMPDIR/$1.direct")
	vip=$(best "$1" "$TOPO_VIP")
	echo "$2 $1: ${vip}s through the VIP, ${base}s without scmlb" >&2
	awk -v v="$vip" -v b="$base" -v r="$MAX_RATIO" 'BEGIN { exit !(v <= r * b) }'
}

# rx_packets NS: packets the namespace's eth0 received
rx_packets() {
	topo_exec "$1" ip -j -s link show dev eth0 | jq '.[0].stats64.rx.packets'
}

stat_of() {
	scmlb stat --json | jq -r ".$1"
}

@test "the topology keeps default offloads: tx checksum and TSO on, GRO off" {
	for ns in client backend1; do
		run topo_exec "$ns" ethtool -k eth0
		[[ $output == *"tx-checksumming: on"* ]]
		[[ $output == *"tcp-segmentation-offload: on"* ]]
		[[ $output == *"generic-receive-offload: off"* ]]
	done
}

# Each mode: the baselines, taken just before it attaches, then the VIP.
attach_mode() {
	local mode=$1
	scmlb detach >/dev/null 2>&1 || true
	best download "$BACKEND" >"$BATS_FILE_TMPDIR/download.direct"
	best upload "$BACKEND" >"$BATS_FILE_TMPDIR/upload.direct"
	run scmlb attach -u up0 -v "$TOPO_VIP" -m "$mode"
	[ "$status" -eq 0 ]
	scmlb lb set -n web1 -a "$BACKEND" >/dev/null
}

@test "native: on a veth, attach says XDP runs in skb mode there, and why" {
	attach_mode native
	[ "${lines[0]}" = "attached to 'up0' (native mode), VIP $TOPO_VIP (service 1)" ]
	[[ ${lines[1]} == "note: XDP runs in skb mode on 'up0': native XDP on a veth would turn off GSO on its peer"* ]]
	topo_exec lb ip -d link show up0 | grep -q xdpgeneric
	topo_exec lb ip -d link show be1 | grep -q xdpgeneric
	# the peers keep their segmentation offload
	topo_exec client ethtool -k eth0 | grep -q "tcp-segmentation-offload: on"
	topo_exec backend1 ethtool -k eth0 | grep -q "tcp-segmentation-offload: on"
	topo_exec lb tc filter show dev up0 ingress | grep -q scmlb_tc
	topo_exec lb tc filter show dev be1 ingress | grep -q scmlb_tc
}

@test "native: a 5 MB download through the VIP, intact, within 3x without scmlb" {
	within_ratio download native
}

@test "native: a 2 MB upload through the VIP, intact, within 3x without scmlb" {
	within_ratio upload native
}

# Every frame counted forwarded (returned) reached the backend (client).
counts_are_deliveries() {
	local fwd ret be cl
	fwd=$(stat_of forwarded) ret=$(stat_of returned)
	be=$(rx_packets backend1) cl=$(rx_packets client)
	download "$TOPO_VIP" >/dev/null
	upload "$TOPO_VIP" >/dev/null
	fwd=$(($(stat_of forwarded) - fwd)) ret=$(($(stat_of returned) - ret))
	be=$(($(rx_packets backend1) - be)) cl=$(($(rx_packets client) - cl))
	echo "forwarded $fwd, backend received $be; returned $ret, client received $cl" >&2
	[ "$fwd" -gt 0 ] && [ "$ret" -gt 0 ]
	[ "$be" -ge "$fwd" ] && [ "$cl" -ge "$ret" ]
}

@test "native: what scmlb stat counts forwarded and returned arrives" {
	counts_are_deliveries
}

@test "skb: attach, no note" {
	attach_mode skb
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "attached to 'up0' (skb mode), VIP $TOPO_VIP (service 1)" ]
}

@test "skb: a 5 MB download through the VIP, intact, within 3x without scmlb" {
	within_ratio download skb
}

@test "skb: a 2 MB upload through the VIP, intact, within 3x without scmlb" {
	within_ratio upload skb
}

@test "skb: what scmlb stat counts forwarded and returned arrives" {
	counts_are_deliveries
}

@test "detach takes scmlb_tc and the clsact qdisc it made off every interface" {
	scmlb detach >/dev/null
	for dev in up0 be1; do
		run topo_exec lb tc qdisc show dev "$dev"
		[[ $output != *clsact* ]]
		run topo_exec lb ip -d link show "$dev"
		[[ $output != *prog/xdp* ]]
	done
}
