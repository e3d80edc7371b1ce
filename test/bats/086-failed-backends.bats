#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Flows of failed backends: UDP moves on, TCP of a deleted backend is
# dropped and counted; a vanished interface counts as a tx error.

load helpers

UDP_SPORT=40000

setup_file() {
	lb_up native
}

teardown_file() {
	lb_down
}

teardown() {
	rm -f "${TOPO_TMP}"/"${TOPO_PREFIX}"health-*
}

# udp_backend: send one datagram from the fixed client port; print the
# backend id its flow is on once the echo is back
udp_backend() {
	local got
	got=$(topo_exec client timeout 3 socat -T 2 - \
		"UDP:$TOPO_VIP:9090,sourceport=$UDP_SPORT,reuseaddr" <<<"ping $1")
	[ "$got" = "ping $1" ] || { echo "no echo: '$got'" >&2; return 1; }
	scmlb lb conntrack get --json |
		jq -r ".[] | select(.src_port == $UDP_SPORT) | .backend_id"
}

stat_of() {
	scmlb stat --json | jq ".$1"
}

@test "failed: a UDP flow leaves a backend that turned unhealthy with its next datagram, and one that was deleted" {
	local first second third addr
	first=$(udp_backend 1)
	[ "$(udp_backend 2)" = "$first" ]
	# the backend fails its health checks: out of the table
	touch "${TOPO_TMP}/${TOPO_PREFIX}health-$first"
	run -0 scmlb health
	run -0 scmlb health
	[[ $output == *"backend $first "*"unhealthy"* ]]
	second=$(udp_backend 3)
	[ -n "$second" ] && [ "$second" != "$first" ]
	# deleted (drained first): the flow moves on again
	run -0 scmlb lb drain -i "$second"
	run -0 scmlb lb delete -i "$second"
	third=$(udp_backend 4)
	[ -n "$third" ] && [ "$third" != "$second" ] && [ "$third" != "$first" ]
	# put the deleted one back, as setup made it
	addr=${TOPO_BACKENDS[$((second - 1))]}
	run -0 scmlb lb set -n "web$second" -a "$addr" -c "http://$addr:8080/health"
}

@test "failed: a drained backend keeps its UDP flow" {
	local be
	be=$(udp_backend 5)
	run -0 scmlb lb drain -i "$be"
	[ "$(udp_backend 6)" = "$be" ]
	run -0 scmlb lb undrain -i "$be"
}

@test "failed: a TCP connection whose backend was deleted is dropped and counted, then reset" {
	local be before
	conn_open 7070
	conn_echo "before the delete"
	be=$(backend_of_port 7070)
	before=$(stat_of nodest_dropped)
	run -0 scmlb lb drain -i "$be"
	conn_echo "drained: still served"
	run -0 scmlb lb delete -i "$be"
	echo "after the delete" >&7
	# the first packet is dropped, its retransmission reset by the kernel
	for n in $(seq 50); do
		kill -0 "$CONN_PID" 2>/dev/null || break
		sleep 0.2
	done
	! kill -0 "$CONN_PID" 2>/dev/null
	[ "$(stat_of nodest_dropped)" -gt "$before" ]
	conn_close
}

@test "failed: frames for a backend whose interface vanished are tx errors, not forwarded" {
	local be ifname forwarded errors
	be=$(udp_backend 7)
	ifname=be$be
	forwarded=$(stat_of forwarded)
	errors=$(stat_of tx_errors)
	topo_exec lb ip link del "$ifname"
	topo_exec client timeout 2 socat -T 1 - \
		"UDP:$TOPO_VIP:9090,sourceport=$UDP_SPORT,reuseaddr" <<<"lost" || true
	[ "$(stat_of tx_errors)" -eq $((errors + 1)) ]
	[ "$(stat_of forwarded)" -eq "$forwarded" ]
	run -0 scmlb stat
	[[ ${lines[0]} == *"NO BACKEND"*"TX ERRORS"* ]]
}
