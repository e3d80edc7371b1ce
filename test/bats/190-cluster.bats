#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Scale-out (issue 15): two scmlb nodes behind a router running BIRD with
# ECMP (test/lib/cluster.sh), each node running BIRD with
# examples/bird.conf and scmlb restored from the same file (two maglev
# services), three backends on a bridge shared by both nodes. In nat, dr
# and ipip mode: 50 echo connections spread over both nodes keep echoing
# while one node dies and comes back, and new connections are served.

load helpers

# shellcheck source=../lib/cluster.sh
source "$BATS_TEST_DIRNAME/../lib/cluster.sh"
CLUSTER_TOOLS=$SCMLB_BUILD/tools
EXAMPLE=$BATS_TEST_DIRNAME/../../examples/bird.conf
CONNS=50

teardown() {
	touch "$TOPO_TMP/cluster-stop"
	[ -z "${ECHO_PID:-}" ] || wait "$ECHO_PID" 2>/dev/null || true
	cluster_down "$TOPO_TMP"
	rm -f "$TOPO_TMP/cluster-stop" "$TOPO_TMP"/router.* "$TOPO_TMP"/node?.*
}

# cluster_case MODE: the whole story in one forwarding mode
cluster_case() {
	local mode=$1 out=$TOPO_TMP/cluster-echo.out rc=0 n t0

	cluster_up
	cluster_fast_neigh
	cluster_backends_mode "$mode"
	topo_start_apps "$TESTAPP"
	cluster_conf "$mode" >"$TOPO_TMP/scmlb.conf"
	cluster_router_bird "$TOPO_TMP"
	cluster_node_start "$TOPO_TMP" 1 "$EXAMPLE"
	cluster_node_start "$TOPO_TMP" 2 "$EXAMPLE"
	cluster_wait_paths 2 30

	# long-lived connections, an echo a second each, 10 s allowed for one
	topo_exec client timeout 150 python3 "$BATS_TEST_DIRNAME/../lib/echo-conns.py" \
		"$CLUSTER_VIP" 7070 "$CONNS" 1 "$TOPO_TMP/cluster-stop" 10 >"$out" 2>&1 &
	ECHO_PID=$!
	for n in $(seq 100); do
		grep -qx ready "$out" && break
		sleep 0.1
	done
	grep -qx ready "$out"
	# the router spread them over both nodes
	[ "$(cluster_flows 1)" -gt 0 ]
	[ "$(cluster_flows 2)" -gt 0 ]

	# node 1 dies: its links go down, the router drops its way at once
	t0=$(date +%s)
	cluster_node_die "$TOPO_TMP" 1
	cluster_wait_paths 1 10
	sleep 4
	[ "$(cluster_new_conns 30)" -eq 30 ]
	# node 2 took node 1's connections over (maglev, conntrack miss)
	[ "$(cluster_flows 2)" -ge "$CONNS" ]

	# node 1 comes back: ECMP moves some flows back to it, where they
	# are unknown: its maglev table sends them to the same backends
	cluster_node_net 1
	cluster_node_start "$TOPO_TMP" 1 "$EXAMPLE"
	cluster_wait_paths 2 30
	sleep 4
	[ "$(cluster_flows 1)" -gt 0 ]
	[ "$(cluster_new_conns 10)" -eq 10 ]

	touch "$TOPO_TMP/cluster-stop"
	wait "$ECHO_PID" || rc=$?
	ECHO_PID=
	cat "$out"
	echo "node 1 died $(($(date +%s) - t0)) s before the end"
	# every connection echoed every line: no reset, no echo over 10 s late
	[ "$rc" -eq 0 ]
	[ "$(grep -c ' 0 failures$' "$out")" -eq "$CONNS" ]
}

@test "cluster, nat: 50 connections keep echoing while a node dies and comes back; new ones are served" {
	cluster_case nat
}

@test "cluster, dr: 50 connections keep echoing while a node dies and comes back; new ones are served" {
	cluster_case dr
}

@test "cluster, ipip: 50 connections keep echoing while a node dies and comes back; new ones are served" {
	cluster_case ipip
}
