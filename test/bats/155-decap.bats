#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb-decap on a backend: IPIP datagrams for its VIP reach its UDP server
# while it is attached, not before or after; other traffic is untouched.
#
#   sender (10.0.9.1) --- (10.0.9.2) backend, VIP 192.0.2.10 on lo
#
# The sender plays an ipip load balancer with a raw socket: the kernel here
# has no ipip module, on either side.

load helpers

DECAP=$SCMLB_BUILD/tools/scmlb-decap
PASS_COUNT=$SCMLB_BUILD/test/pass_count.bpf.o
SENDER=10.0.9.1
BACKEND=10.0.9.2
VIP=192.0.2.10
CLIENT=198.51.100.7
PORT=5000

setup_file() {
	topo_down
	ip netns add "$(topo_ns dsend)"
	ip netns add "$(topo_ns dback)"
	topo_exec dsend ip link set lo up
	topo_exec dback ip link set lo up
	topo_link dsend dsend0 "$SENDER" dback dback0 "$BACKEND"
	topo_exec dback ip addr add "$VIP/32" dev lo
	# the outer source differs per flow: loose reverse-path filtering
	topo_exec dback sysctl -qw net.ipv4.conf.all.rp_filter=2 \
		net.ipv4.conf.dback0.rp_filter=2
	topo_exec dback ip route add default via "$SENDER"
	topo_exec dsend ip route add "$VIP/32" via "$BACKEND"
}

teardown_file() {
	topo_down
}

setup() {
	RECV=$BATS_TEST_TMPDIR/received
	: >"$RECV"
	# not through topo_exec, a function: $! must be the server's own pid
	nsenter --net="/run/netns/$(topo_ns dback)" timeout 60 \
		socat -u "UDP4-RECV:$PORT,bind=$VIP" - >"$RECV" 2>/dev/null &
	RECV_PID=$!
	wait_receiver
}

teardown() {
	kill "$RECV_PID" 2>/dev/null || true
	wait "$RECV_PID" 2>/dev/null || true
	topo_exec dback "$DECAP" detach -i dback0 >/dev/null 2>&1 || true
	topo_exec dback ip link set dback0 xdpgeneric off 2>/dev/null || true
	topo_exec dback sysctl -qw net.ipv4.conf.dback0.forwarding=0
}

wait_receiver() {
	local n
	for n in $(seq 50); do
		topo_exec dback ss -Hlun "sport = :$PORT" | grep -q . && return 0
		sleep 0.1
	done
	echo "the UDP server on $VIP:$PORT did not start" >&2
	return 1
}

decap() {
	topo_exec dback "$DECAP" "$@"
}

# ipip TEXT...: a datagram per TEXT from the client to the VIP, in IPIP
ipip() {
	topo_exec dsend python3 "$BATS_TEST_DIRNAME/../lib/ipip-send.py" \
		"$SENDER" "$BACKEND" "$CLIENT" "$VIP" "$PORT" "$@"
}

# plain TEXT...: the same datagrams without the outer header
plain() {
	topo_exec dsend python3 "$BATS_TEST_DIRNAME/../lib/ipip-send.py" \
		- "$BACKEND" "$CLIENT" "$VIP" "$PORT" "$@"
}

# received TEXT: whether the UDP server got TEXT within 3 s
received() {
	local n
	for n in $(seq 30); do
		grep -qxF "$1" "$RECV" && return 0
		sleep 0.1
	done
	return 1
}

# The decap_stats map of the program on dback0, summed over the CPUs: one
# number per outcome (decapsulated, not local, invalid, passed).
decap_counts() {
	local prog map
	prog=$(topo_exec dback ip -j link show dev dback0 | jq -r '.[0].xdp.prog.id')
	map=$(bpftool prog show id "$prog" -j | jq -r '.map_ids[0]')
	bpftool map dump id "$map" -j |
		jq -r '[.[] | [.formatted.values[].value] | add] | join(" ")'
}

@test "decap: IPIP to the VIP reaches the UDP server only while scmlb-decap is attached" {
	ipip before-1
	plain plain-1
	received plain-1
	! received before-1

	run -0 decap attach -i dback0
	[ "$output" = "attached to 'dback0' (skb mode)"$'\n'"note: XDP runs in skb mode on 'dback0': native XDP on a veth would turn off GSO on its peer, and gains nothing where packets are socket buffers already" ]
	ipip with-1 with-2 with-3 with-4 with-5
	for n in 1 2 3 4 5; do
		received "with-$n"
	done
	# plain datagrams still arrive, untouched
	plain plain-2
	received plain-2
	read -r decapsulated not_local invalid passed <<<"$(decap_counts)"
	[ "$decapsulated" -eq 5 ]
	[ "$not_local" -eq 0 ]
	[ "$invalid" -eq 0 ]
	[ "$passed" -ge 1 ]

	run -0 decap detach -i dback0
	[ "$output" = "detached from 'dback0'" ]
	[ -z "$(topo_exec dback ip -j link show dev dback0 | jq -r '.[0].xdp // empty')" ]
	ipip after-1
	plain plain-3
	received plain-3
	! received after-1
	[ "$(grep -c '^with-' "$RECV")" -eq 5 ]
}

# The backend's count of datagrams it forwarded.
forwarded() {
	topo_exec dback nstat -az IpForwDatagrams | awk '$1 == "IpForwDatagrams" {print $2}'
}

@test "decap: where the interface forwards, IPIP for another host stays IPIP and is never relayed" {
	local before
	topo_exec dback sysctl -qw net.ipv4.conf.dback0.forwarding=1
	decap attach -i dback0 >/dev/null
	before=$(forwarded)
	topo_exec dsend python3 "$BATS_TEST_DIRNAME/../lib/ipip-send.py" \
		"$SENDER" "$BACKEND" "$CLIENT" 198.51.100.50 "$PORT" away-1 away-2
	ipip here-1
	received here-1
	read -r decapsulated not_local invalid passed <<<"$(decap_counts)"
	[ "$decapsulated" -eq 1 ]
	[ "$not_local" -eq 2 ]
	[ "$invalid" -eq 0 ]
	[ "$(forwarded)" -eq "$before" ]
}

@test "decap: the front-end runs it as 'scmlb decap'" {
	run -0 topo_exec dback "$SCMLB_BUILD/tools/scmlb" decap attach -i dback0 -m skb
	[ "$output" = "attached to 'dback0' (skb mode)" ]
	ipip front-1
	received front-1
	run -0 topo_exec dback "$SCMLB_BUILD/tools/scmlb" decap detach -i dback0
	[ "$output" = "detached from 'dback0'" ]
}

@test "decap: a second attach fails and changes nothing; detach twice is harmless" {
	local id
	decap attach -i dback0 >/dev/null
	id=$(topo_exec dback ip -j link show dev dback0 | jq -r '.[0].xdp.prog.id')
	run -1 --separate-stderr decap attach -i dback0
	[ -z "$output" ]
	[ "$stderr" = "scmlb-decap: already attached to 'dback0': run scmlb-decap detach first" ]
	[ "$(topo_exec dback ip -j link show dev dback0 | jq -r '.[0].xdp.prog.id')" = "$id" ]
	ipip still-1
	received still-1
	run -0 decap detach -i dback0
	run -0 decap detach -i dback0
	[ "$output" = "nothing attached to 'dback0'" ]
}

@test "decap: another program on the interface stays, attach refuses it, detach leaves it" {
	local id
	topo_exec dback ip link set dback0 xdpgeneric obj "$PASS_COUNT" sec xdp
	id=$(topo_exec dback ip -j link show dev dback0 | jq -r '.[0].xdp.prog.id')
	run -1 --separate-stderr decap attach -i dback0
	[ -z "$output" ]
	[ "$stderr" = "scmlb-decap: cannot attach to 'dback0': it runs XDP program $id 'pass_count' without libxdp's dispatcher: one program per interface, unload it first" ]
	run -0 decap detach -i dback0
	[ "$output" = "nothing attached to 'dback0'" ]
	[ "$(topo_exec dback ip -j link show dev dback0 | jq -r '.[0].xdp.prog.id')" = "$id" ]
	ipip refused-1
	plain plain-4
	received plain-4
	! received refused-1
}

@test "decap: bad input exits 2, a missing interface 1, one stderr line each" {
	run -2 --separate-stderr decap attach
	[ "$stderr" = "scmlb-decap: missing option '--interface' for 'attach'" ]
	run -2 --separate-stderr decap attach -i dback0 -m turbo
	[ "$stderr" = "scmlb-decap: invalid mode 'turbo': expected native or skb" ]
	run -2 --separate-stderr decap attach -i dback0 --pin-dir /sys/fs/bpf/x
	[ "$stderr" = "scmlb-decap: unknown option '--pin-dir' for 'attach'" ]
	run -1 --separate-stderr decap attach -i nosuch0
	[ "$stderr" = "scmlb-decap: cannot use interface 'nosuch0': no such interface" ]
	run -1 --separate-stderr decap detach -i lo
	[ "$stderr" = "scmlb-decap: cannot use interface 'lo': not an Ethernet interface" ]
	[ -z "$(topo_exec dback ip -j link show dev dback0 | jq -r '.[0].xdp // empty')" ]
}
