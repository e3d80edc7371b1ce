#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A full conntrack table evicts old flows and keeps taking new ones.

load helpers

setup_file() {
	topo_up
	topo_start_apps "$TESTAPP"
	scmlb attach -u up0 -v "$TOPO_VIP" -m skb --conntrack-size 16 >/dev/null
	scmlb lb set -n web1 -a 10.0.4.2 >/dev/null
	scmlb lb set -n web2 -a 10.0.5.2 >/dev/null
}

teardown_file() {
	lb_down
}

@test "60 connections through a 16-flow table all succeed" {
	run who_counts 60
	[ "$output" = $'10.0.4.2 30\n10.0.5.2 30' ]
	run -0 scmlb lb conntrack get --json
	[ "$(jq length <<<"$output")" -le 16 ]
	[ "$(jq length <<<"$output")" -ge 8 ]
}
