#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Load: thousands of concurrent connections through the VIP, none failing.

load helpers

setup_file() {
	lb_up native
}

teardown_file() {
	lb_down
}

@test "load: 2,000 concurrent connections, over 20,000 requests, none failed" {
	local report=$BATS_TEST_TMPDIR/wrk
	# bounded: 12 s of load, 5 s timeout per request
	topo_exec client bash -c "ulimit -n 65536; exec wrk -t2 -c2000 -d12s \
		--timeout 5s http://$TOPO_VIP:8080/who" >"$report" 2>&1 &
	local wrk=$!
	sleep 6
	run -0 scmlb lb conntrack get --json
	flows=$(jq '[.[] | select(.dst_port == 8080 and .status == "established")] | length' <<<"$output")
	echo "established flows mid-run: $flows"
	[ "$flows" -ge 2000 ]
	wait "$wrk"
	cat "$report"
	requests=$(awk '/requests in/ {print $1}' "$report")
	echo "requests: $requests"
	[ "$requests" -ge 20000 ]
	! grep -q "Socket errors" "$report"
	! grep -q "Non-2xx" "$report"
	# every backend took its share
	run -0 scmlb lb get --json
	[ "$(jq '[.[] | select(.conns >= 600)] | length' <<<"$output")" -eq 3 ]
}
