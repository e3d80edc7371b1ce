#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A SYN flood from spoofed sources, several times conntrack's size, while
# established connections keep talking: they keep their flows.

load helpers

CT_SIZE=4096
FLOOD_SYNS=25000
ECHO_CONNS=20

setup_file() {
	topo_up
	topo_start_apps "$TESTAPP"
	for i in 1 2 3; do
		topo_wait_port "backend$i" 7070 || return 1
	done
	scmlb attach -u up0 -v "$TOPO_VIP" -m native --conntrack-size "$CT_SIZE" >/dev/null
	for i in 1 2 3; do
		scmlb lb set -n "web$i" -a "${TOPO_BACKENDS[$((i - 1))]}" >/dev/null
	done
}

teardown_file() {
	lb_down
}

# flows STATUS: how many flows conntrack get lists in STATUS
flows() {
	scmlb lb conntrack get --json | jq "[.[] | select(.status == \"$1\")] | length"
}

@test "SYN flood: 20 echo connections keep echoing through 25,000 spoofed SYNs to a 4,096-flow conntrack; new connections are answered after it" {
	local out=$BATS_TEST_TMPDIR/echo.out stop=$BATS_TEST_TMPDIR/stop pid n rc=0

	topo_exec client timeout 150 python3 "$BATS_TEST_DIRNAME/../lib/echo-conns.py" \
		"$TOPO_VIP" 7070 "$ECHO_CONNS" 1.5 "$stop" >"$out" 2>&1 &
	pid=$!
	for n in $(seq 100); do
		grep -qx ready "$out" && break
		sleep 0.1
	done
	grep -qx ready "$out"
	sleep 2
	[ "$(flows established)" -eq "$ECHO_CONNS" ]

	# random sources: nobody ACKs the backends' SYN-ACKs. hping3 exits 1
	# when it caught no reply of its own, as a spoofer usually does
	run topo_exec client timeout 90 hping3 -q -S --rand-source -p 7070 \
		-i u20 -c "$FLOOD_SYNS" "$TOPO_VIP"
	[ "$status" -le 1 ]
	[[ $output == *"$FLOOD_SYNS packets transmitted"* ]]
	# the flood filled the half-open flows' table, and only that one
	[ "$(flows opening)" -gt 500 ]
	[ "$(flows established)" -eq "$ECHO_CONNS" ]
	# two more rounds of echoes after the flood, then stop
	sleep 3.5
	touch "$stop"
	wait "$pid" || rc=$?
	cat "$out"
	[ "$rc" -eq 0 ]
	[ "$(grep -c ', 0 failures$' "$out")" -eq "$ECHO_CONNS" ]

	run who_counts 6
	[ "$output" = $'10.0.4.2 2\n10.0.5.2 2\n10.0.6.2 2' ]
}
