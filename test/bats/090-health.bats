#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb-health takes failing backends out of rotation and puts them back.

load helpers

setup_file() {
	lb_up native
	# a fourth backend without a health-check URL, on backend3's host
	topo_exec backend3 ip addr add 10.0.6.3/24 dev eth0
	scmlb lb set -n nocheck -a 10.0.6.3 >/dev/null
}

teardown_file() {
	lb_down
}

health_of() {
	scmlb lb get --json | jq -r ".[] | select(.id == $1) | .health"
}

@test "health: all backends with a URL become healthy; one without stays unknown" {
	run -0 scmlb health
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == "backend 1 (web1, 10.0.4.2): healthy, was unknown" ]]
	for id in 1 2 3; do
		[ "$(health_of "$id")" = healthy ]
	done
	[ "$(health_of 4)" = unknown ]
	run -0 scmlb lb get
	[[ ${lines[0]} =~ STATUS\ +HEALTH\ +CONNS\ +PKTS-IN\ +PKTS-OUT\ +BYTES-IN\ +BYTES-OUT\ +SERVICE\ +WEIGHT$ ]]
	# unknown health is eligible: four backends in rotation
	run who_counts 8
	[ "$output" = $'10.0.4.2 2\n10.0.5.2 2\n10.0.6.2 2\n10.0.6.3 2' ]
}

@test "health: a failing backend gets no new requests; its open connection goes on" {
	conn_open 7070
	conn_echo before
	id=$(backend_of_port 7070)
	[ "$id" -le 3 ]
	addr=${TOPO_BACKENDS[$((id - 1))]}
	touch "${TOPO_TMP}/${TOPO_PREFIX}health-$id"
	run -0 scmlb health
	[ "$(health_of "$id")" = healthy ]	# one failure is not enough
	run -0 scmlb health
	[[ $output == "backend $id (web$id, $addr): unhealthy after 2 failed checks: HTTP status 503" ]]
	[ "$(health_of "$id")" = unhealthy ]
	run who_counts 30
	[[ $output != *"$addr"* ]]
	[[ $output != *failed* ]]
	conn_echo "after unhealthy"
	conn_close
	# recovery: one good answer puts it back
	rm "${TOPO_TMP}/${TOPO_PREFIX}health-$id"
	run -0 scmlb health
	[[ $output == "backend $id (web$id, $addr): healthy, was unhealthy" ]]
	run who_counts 8
	[[ $output == *"$addr 2"* ]]
}

# A test that failed half-way must not leave backend 1 blocked or
# backend 2's server stopped for the next ones.
teardown() {
	topo_exec backend1 nft delete table inet scmlbt 2>/dev/null || true
	if ! topo_exec backend2 ss -Htln 'sport = :8080' | grep -q .; then
		topo_exec backend2 "$TESTAPP" --health-file "${TOPO_TMP}/${TOPO_PREFIX}health-2" >/dev/null 2>&1 3>&- &
		topo_wait_port backend2 8080
	fi
}

@test "health: a stopped server is unhealthy after --fall checks, each within the timeout" {
	pids=$(ip netns pids "$(topo_ns backend2)")
	kill $pids
	SECONDS=0
	run -0 scmlb health --fall 1 --timeout 500ms
	[[ $output == *"backend 2 (web2, 10.0.5.2): unhealthy after 1 failed check"* ]]
	# a server that does not answer at all: the check gives up at the timeout
	topo_exec backend1 nft add table inet scmlbt
	topo_exec backend1 nft add chain inet scmlbt in '{ type filter hook input priority 0; }'
	topo_exec backend1 nft add rule inet scmlbt in tcp dport 8080 drop
	start=$(date +%s%N)
	run -0 scmlb health --fall 1 --timeout 500ms
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	[[ $output == *"backend 1 (web1, 10.0.4.2): unhealthy after 1 failed check: "* ]]
	# libcurl words it "timed out", "Timeout was reached" or "timeout
	# after N ms", by the phase that met the deadline (curl's own CLI
	# against a dropped SYN: 4 of 60 said "timeout after")
	printf '%s\n' "$output"	# shown if it says something else
	[[ $output =~ (timed\ out|[Tt]imeout\ was\ reached|[Tt]imeout\ after) ]]
	[ "$elapsed_ms" -ge 450 ]
	[ "$elapsed_ms" -lt 1500 ]
	run who_counts 4
	[ "$output" = $'10.0.6.2 2\n10.0.6.3 2' ]
	topo_exec backend1 nft delete table inet scmlbt
	topo_exec backend2 "$TESTAPP" --health-file "${TOPO_TMP}/${TOPO_PREFIX}health-2" >/dev/null 2>&1 3>&- &
	topo_wait_port backend2 8080
	run -0 scmlb health
	[ "$(health_of 1)" = healthy ]
	[ "$(health_of 2)" = healthy ]
}

@test "health: a drained backend stays drained when healthy" {
	scmlb lb drain -i 3
	run -0 scmlb health
	[ "$(health_of 3)" = healthy ]
	run -0 scmlb lb get --json
	[ "$(jq -r '.[] | select(.id == 3) | .status' <<<"$output")" = Unavailable ]
	run who_counts 6
	[[ $output != *10.0.6.2* ]]
	scmlb lb undrain -i 3
}

@test "health: --json reports every check and each change of health" {
	run -0 scmlb health --json
	jq -e . <<<"$output" >/dev/null
	# three backends with a URL; the fourth has none and is not checked
	[ "$(jq -c '[.checked, .changed, [.backends[].id]]' <<<"$output")" = '[3,0,[1,2,3]]' ]
	[ "$(jq -c '.backends[0] | [.name, .address, .healthcheck]' <<<"$output")" = \
		'["web1","10.0.4.2","http://10.0.4.2:8080/health"]' ]
	[ "$(jq -c '[.backends[] | [.passed, .error, .failed_checks, .health, .previous_health, .changed]] | unique' <<<"$output")" = \
		'[[true,null,0,"healthy","healthy",false]]' ]
	touch "${TOPO_TMP}/${TOPO_PREFIX}health-2"
	run -0 scmlb health --json
	[ "$(jq -c '[.checked, .changed]' <<<"$output")" = '[3,0]' ]
	[ "$(jq -c '.backends[1] | [.id, .passed, .error, .failed_checks, .health, .changed]' <<<"$output")" = \
		'[2,false,"HTTP status 503",1,"healthy",false]' ]
	run -0 scmlb health --json
	[ "$(jq -c '[.checked, .changed]' <<<"$output")" = '[3,1]' ]
	[ "$(jq -c '.backends[1] | [.id, .passed, .error, .failed_checks, .health, .previous_health, .changed]' <<<"$output")" = \
		'[2,false,"HTTP status 503",2,"unhealthy","healthy",true]' ]
	[ "$(jq -c '[.backends[0,2].changed]' <<<"$output")" = '[false,false]' ]
	[ "$(health_of 2)" = unhealthy ]
	run who_counts 6
	[[ $output != *10.0.5.2* ]]
	rm "${TOPO_TMP}/${TOPO_PREFIX}health-2"
	run -0 scmlb health --json
	[ "$(jq -c '.backends[1] | [.passed, .error, .failed_checks, .health, .previous_health, .changed]' <<<"$output")" = \
		'[true,null,0,"healthy","unhealthy",true]' ]
	[ "$(health_of 2)" = healthy ]
}

@test "health: --if-attached runs as usual when attached, and is a quiet no-op when not" {
	touch "${TOPO_TMP}/${TOPO_PREFIX}health-1"
	run -0 scmlb health --if-attached --fall 1
	[ "$output" = "backend 1 (web1, 10.0.4.2): unhealthy after 1 failed check: HTTP status 503" ]
	rm "${TOPO_TMP}/${TOPO_PREFIX}health-1"
	run -0 scmlb health --if-attached
	[ "$(health_of 1)" = healthy ]
	none=/sys/fs/bpf/scmlbt-health-none
	run -0 --separate-stderr scmlb health --if-attached --json --pin-dir "$none"
	[ -z "$output" ] && [ -z "$stderr" ]
	[ ! -e "$none" ]
	run -1 --separate-stderr scmlb health --pin-dir "$none"
	[ "$stderr" = "scmlb-health: not attached (no maps in '$none'): run scmlb-attach first" ]
}

@test "scmlb-health: bad usage and values exit 2 and change nothing" {
	expect_fail 2 scmlb-health --timeout 0
	expect_fail 2 scmlb-health --timeout 2x
	expect_fail 2 scmlb-health --timeout 61s
	expect_fail 2 scmlb-health --fall 0
	expect_fail 2 scmlb-health --fall 101
	expect_fail 2 scmlb-health --fall x
	expect_fail 2 scmlb-health --json now
	expect_fail 2 scmlb-health --if-attached=yes
	expect_fail 2 scmlb-health now
	expect_fail 2 scmlb-lb set -n bad -a 10.0.4.9 -c https://10.0.4.9/health
}
