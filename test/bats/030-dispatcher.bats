#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb shares an interface with another XDP program through libxdp's
# multiprog dispatcher, where the kernel supports it (freplace programs).

load helpers

PASS_COUNT=$SCMLB_BUILD/test/pass_count.bpf.o

setup_file() {
	topo_up
	topo_start_apps "$TESTAPP"
	topo_exec lb xdp-loader load -m native up0 "$PASS_COUNT" >/dev/null 2>&1 || true
	if ! topo_exec lb xdp-loader status up0 2>/dev/null | grep -q xdp_dispatcher; then
		export SKIP_REASON="no multiprog dispatcher here: the kernel refuses BPF_PROG_TYPE_EXT (freplace), so libxdp attaches single programs"
		topo_exec lb xdp-loader unload --all up0 >/dev/null 2>&1 || true
		return 0
	fi
	scmlb attach -u up0 -v "$TOPO_VIP" >/dev/null
	scmlb lb set -n web1 -a 10.0.4.2 >/dev/null
	scmlb lb set -n web2 -a 10.0.5.2 >/dev/null
}

teardown_file() {
	lb_down
}

setup() {
	[ -z "${SKIP_REASON:-}" ] || skip "$SKIP_REASON"
}

frames_counted() {
	bpftool map dump name pass_count_map -j | jq '[.[0].values[].value] | add'
}

@test "dispatcher: scmlb runs first, beside another program on the upstream" {
	run topo_exec lb xdp-loader status up0
	[[ $output == *scmlb_entry* ]]
	[[ $output == *pass_count* ]]
	run who_counts 4
	[ "$output" = $'10.0.4.2 2\n10.0.5.2 2' ]
}

@test "dispatcher: what scmlb passes reaches the next program" {
	before=$(frames_counted)
	topo_exec client ping -c 3 -W 2 "$TOPO_LB_ADDR"
	[ "$(frames_counted)" -ge $((before + 3)) ]
}

@test "dispatcher: re-attaching upgrades without touching the other program" {
	conn_open 7070
	conn_echo before
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	conn_echo after
	conn_close
	run topo_exec lb xdp-loader status up0
	[[ $output == *pass_count* ]]
}

@test "dispatcher: scmlb-detach leaves the other program attached" {
	run -0 scmlb detach
	run topo_exec lb xdp-loader status up0
	[[ $output != *scmlb_entry* ]]
	[[ $output == *pass_count* ]]
}
