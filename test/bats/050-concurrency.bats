#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Tools run at the same time take the lock: no id given twice, nothing lost.

load helpers

setup_file() {
	local i
	lb_up skb
	# more backend addresses on backend1, so many backends can be added
	for i in $(seq 10 29); do
		topo_exec backend1 ip addr add "10.0.4.$i/24" dev eth0
	done
}

teardown_file() {
	lb_down
}

@test "20 concurrent lb set: 20 distinct ids, every backend listed once" {
	local i
	for i in $(seq 10 29); do
		scmlb lb set -n "extra$i" -a "10.0.4.$i" >"$BATS_TEST_TMPDIR/id-$i" &
	done
	wait
	run -0 bash -c "cat '$BATS_TEST_TMPDIR'/id-* | sort -n | uniq | wc -l"
	[ "$output" -eq 20 ]
	run -0 scmlb lb get --json
	[ "$(jq length <<<"$output")" -eq 23 ]
	[ "$(jq '[.[].id] | unique | length' <<<"$output")" -eq 23 ]
	[ "$(jq '[.[].address] | unique | length' <<<"$output")" -eq 23 ]
}

@test "concurrent drain and undrain leave the rotation matching the table" {
	local i
	for i in $(seq 4 23); do
		scmlb lb drain -i "$i" &
	done
	for i in 1 2 3; do
		scmlb lb drain -i "$i" &
		scmlb lb undrain -i "$i" &
	done
	wait
	for i in 1 2 3; do
		scmlb lb undrain -i "$i"
	done
	run -0 scmlb lb get --json
	[ "$(jq '[.[] | select(.status == "Available")] | length' <<<"$output")" -eq 3 ]
	# the data plane follows: only the three available backends answer
	run who_counts 9
	[ "$output" = $'10.0.4.2 3\n10.0.5.2 3\n10.0.6.2 3' ]
}
