#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Services with real traffic: several VIPs and ports with their own pools,
# weights, Maglev across detach and attach, conntrack flush, bad input.

load helpers

VIP2=203.0.113.12

setup_file() {
	topo_up
	topo_start_apps "$TESTAPP"
	# a second VIP, on the load balancer's lo like the first
	topo_exec lb ip addr add "$VIP2/32" dev lo
	topo_exec client ip route add "$VIP2/32" via "$TOPO_LB_ADDR"
}

teardown_file() {
	lb_down
}

setup() {
	scmlb attach -u up0 -m native >/dev/null
}

teardown() {
	conn_close 2>/dev/null || true
	rm -f "${TOPO_TMP}/${TOPO_PREFIX}health-1"
	scmlb detach >/dev/null 2>&1 || true
}

# who_at VIP PORT: the backend answering an HTTP request to VIP:PORT
who_at() {
	topo_exec client curl -sS --max-time 3 "http://$1:$2/who"
}

# who_from SRCPORT: the backend answering a request to VIP:8080 sent from
# the client's port SRCPORT, so that a test can send the same flow again
# (above the ephemeral range: no other test's connection can hold it)
who_from() {
	printf 'GET /who HTTP/1.0\r\n\r\n' |
		topo_exec client timeout 5 socat -t 3 - \
			"TCP:$TOPO_VIP:8080,sourceport=$1,reuseaddr" | tail -n 1
}

# svc ARGS...: scmlb svc set ARGS, printing the new id
svc() {
	scmlb svc set "$@"
}

# be SERVICE NAME ADDR [ARGS...]: a backend of SERVICE
be() {
	local svc=$1 name=$2 addr=$3
	shift 3
	scmlb lb set -s "$svc" -n "$name" -a "$addr" "$@" >/dev/null
}

@test "svc: two VIPs with their own pools" {
	run -0 svc -v "$TOPO_VIP"
	[ "$output" = 1 ]
	run -0 svc -v "$VIP2"
	[ "$output" = 2 ]
	be 1 one 10.0.4.2
	be 2 two 10.0.5.2
	be 2 three 10.0.6.2
	for i in 1 2 3 4; do
		[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.4.2 ]
	done
	for i in 1 2 3 4; do
		who_at "$VIP2" 8080 || echo failed
	done >"$BATS_TEST_TMPDIR/answers"
	[ "$(sort "$BATS_TEST_TMPDIR/answers" | uniq -c | awk '{print $2, $1}')" = \
	  $'10.0.5.2 2\n10.0.6.2 2' ]
	run -0 scmlb svc get --json
	jq -e '[.[] | {id, vip, protocol, port, scheduler, backends, forward}] == [
		{"id": 1, "vip": "203.0.113.11", "protocol": "any", "port": 0,
		 "scheduler": "rr", "backends": [1], "forward": "nat"},
		{"id": 2, "vip": "203.0.113.12", "protocol": "any", "port": 0,
		 "scheduler": "rr", "backends": [2, 3], "forward": "nat"}]' <<<"$output"
	run -0 scmlb svc get
	[[ ${lines[0]} =~ ^ID\ +VIP\ +PROTOCOL\ +PORT\ +SCHEDULER\ +BACKENDS ]]
	run -0 scmlb lb get --json
	jq -e '[.[] | .service] == [1, 2, 2] and all(.[]; .weight == 1 and .port == 0)' \
		<<<"$output"
	# with two services, a backend needs -s
	run -2 --separate-stderr scmlb lb set -n four -a 10.0.4.2
	[[ $stderr == "scmlb-lb: missing service: there are 2, choose one with -s" ]]
}

@test "svc: a port service beside the VIP's catch-all; the same backend in both" {
	run -0 svc -v "$TOPO_VIP"
	run -0 svc -v "$TOPO_VIP" -t tcp -P 8080
	[ "$output" = 2 ]
	be 1 a 10.0.4.2
	be 1 b 10.0.5.2
	be 2 c 10.0.6.2
	for i in 1 2 3 4; do
		[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.6.2 ]
	done
	# TCP echo on 7070 and UDP echo on 9090 take the catch-all
	for port in 7070 7071; do
		run topo_exec client timeout 5 socat -t 2 - "TCP:$TOPO_VIP:7070" <<<"echo $port"
		[ "$output" = "echo $port" ]
	done
	run -0 topo_exec client timeout 5 socat -t 2 - "UDP:$TOPO_VIP:9090" <<<"udp"
	[ "$output" = udp ]
	run -0 scmlb lb conntrack get --json
	jq -e '[.[] | select(.dst_port == 8080) | .service] | unique == [2]' <<<"$output"
	jq -e '[.[] | select(.dst_port != 8080) | .service] | unique == [1]' <<<"$output"
	jq -e '[.[] | select(.dst_port != 8080) | .backend_id] | unique - [1, 2] == []' \
		<<<"$output"
	# the port service goes: its port falls back to the catch-all
	scmlb lb drain -i 3 && scmlb lb delete -i 3
	run -0 scmlb svc delete -i 2
	run -0 who_at "$TOPO_VIP" 8080
	[[ $output == 10.0.4.2 || $output == 10.0.5.2 ]]
}

@test "svc: a backend port of its own (-p) is reached through the service's" {
	run -0 svc -v "$VIP2" -t tcp -P 80
	be 1 web 10.0.5.2 -p 8080
	run -0 scmlb lb get --json
	jq -e '.[0].port == 8080' <<<"$output"
	for i in 1 2 3; do
		[ "$(who_at "$VIP2" 80)" = 10.0.5.2 ]
	done
	# no service takes port 8080 of VIP2: the kernel answers nothing there
	run topo_exec client curl -sS --max-time 2 "http://$VIP2:8080/who"
	[ "$status" -ne 0 ]
}

@test "svc: wrr with weights 3:1 over 40 connections, never 3:1 in a block" {
	run -0 svc -v "$VIP2" -t tcp -P 8080 -S wrr
	be 1 heavy 10.0.4.2 -w 3
	be 1 light 10.0.5.2 -w 1
	for i in $(seq 40); do
		who_at "$VIP2" 8080 || echo failed
	done >"$BATS_TEST_TMPDIR/order"
	[ "$(sort "$BATS_TEST_TMPDIR/order" | uniq -c | awk '{print $2, $1}')" = \
	  $'10.0.4.2 30\n10.0.5.2 10' ]
	# smooth: the light backend's turn comes inside each round, not after
	# three heavy ones in a row
	run -0 head -n 4 "$BATS_TEST_TMPDIR/order"
	[ "$output" = $'10.0.4.2\n10.0.4.2\n10.0.5.2\n10.0.4.2' ]
	run -0 scmlb svc get --json
	jq -e '.[0].scheduler == "wrr"' <<<"$output"
}

@test "svc: maglev keeps every flow on its backend across detach, attach and re-adding in reverse" {
	run -0 svc -v "$TOPO_VIP" -t tcp -P 8080 -S maglev
	be 1 a 10.0.4.2
	be 1 b 10.0.5.2
	be 1 c 10.0.6.2
	for port in $(seq 61001 61020); do
		echo "$port $(who_from "$port")"
	done >"$BATS_TEST_TMPDIR/before"
	# every backend gets some of the 20 flows
	[ "$(awk '{print $2}' "$BATS_TEST_TMPDIR/before" | sort -u | wc -l)" -eq 3 ]
	scmlb detach >/dev/null
	scmlb attach -u up0 -m native >/dev/null
	run -0 svc -v "$TOPO_VIP" -t tcp -P 8080 -S maglev
	be 1 c 10.0.6.2
	be 1 b 10.0.5.2
	be 1 a 10.0.4.2
	for port in $(seq 61001 61020); do
		echo "$port $(who_from "$port")"
	done >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "svc: an open connection of a maglev service keeps echoing after conntrack flush; rr's is cut" {
	run -0 svc -v "$TOPO_VIP" -t tcp -P 7070 -S maglev
	run -0 svc -v "$VIP2" -t tcp -P 7070
	be 1 a 10.0.4.2
	be 1 b 10.0.5.2
	be 2 c 10.0.6.2
	conn_open 7070
	conn_echo before
	id=$(backend_of_port 7070)
	run -0 scmlb lb conntrack flush
	[[ $output =~ ^[1-9][0-9]*\ flows?\ flushed$ ]]
	run -0 scmlb lb conntrack get --json
	[ "$output" = "[]" ]
	conn_echo after
	# tracked again, on the same backend, as established
	run -0 scmlb lb conntrack get --json
	jq -e --argjson id "$id" '[.[] | select(.dst_port == 7070)] |
		length == 1 and .[0].backend_id == $id and
		.[0].status == "established" and .[0].service == 1' <<<"$output"
	conn_close

	# rr: the kernel conntrack way, the flow is gone and its packets pass
	mkfifo "$BATS_TEST_TMPDIR/rr-in"
	topo_exec client timeout 20 socat -T 20 - "TCP:$VIP2:7070" \
		<"$BATS_TEST_TMPDIR/rr-in" >"$BATS_TEST_TMPDIR/rr-out" 2>/dev/null &
	exec 8>"$BATS_TEST_TMPDIR/rr-in"
	echo one >&8
	for n in $(seq 50); do
		grep -qx one "$BATS_TEST_TMPDIR/rr-out" && break
		sleep 0.1
	done
	grep -qx one "$BATS_TEST_TMPDIR/rr-out"
	scmlb lb conntrack flush >/dev/null
	echo two >&8
	sleep 1
	run grep -cx two "$BATS_TEST_TMPDIR/rr-out"
	exec 8>&-
	[ "$output" = 0 ]
}

@test "svc: a deleted maglev backend leaves the table; its flows follow the new table" {
	run -0 svc -v "$TOPO_VIP" -t tcp -P 8080 -S maglev
	be 1 a 10.0.4.2
	be 1 b 10.0.5.2
	be 1 c 10.0.6.2
	for port in $(seq 41101 41115); do
		echo "$port $(who_from "$port")"
	done >"$BATS_TEST_TMPDIR/before"
	scmlb lb drain -i 2
	scmlb lb delete -i 2
	for port in $(seq 41101 41115); do
		echo "$port $(who_from "$port")"
	done >"$BATS_TEST_TMPDIR/after"
	# flows of the others stay; those of b move to the others
	run ! grep -q 10.0.5.2 "$BATS_TEST_TMPDIR/after"
	while read -r port addr; do
		[ "$addr" = 10.0.5.2 ] || grep -qx "$port $addr" "$BATS_TEST_TMPDIR/after"
	done <"$BATS_TEST_TMPDIR/before"
}

@test "svc: 128 VIPs, each set by its own tool run, though VIPs share lb_vips buckets" {
	local i
	run -0 svc -v "$TOPO_VIP"
	be 1 one 10.0.4.2
	# 128 VIPs in lb_vips' 1,024 buckets: some share one (8 pairs, about)
	for i in $(seq 1 127); do
		if ! topo_exec lb timeout 20 "$SCMLB_BUILD/tools/scmlb" svc set \
			-v "198.51.100.$i" >/dev/null; then
			echo "svc set of VIP $((i + 1)) failed or did not return in 20 s"
			return 1
		fi
	done
	run -0 scmlb svc get --json
	jq -e 'length == 128' <<<"$output"
	run -0 bpftool map dump pinned "$SCMLB_PIN_DIR/lb_vips" -j
	jq -e 'length == 128' <<<"$output"
	[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.4.2 ]
}

@test "svc: delete refuses a service with backends; removes one without" {
	run -0 svc -v "$TOPO_VIP" -t udp -P 9090
	be 1 a 10.0.4.2
	run -1 --separate-stderr scmlb svc delete -i 1
	[ "$stderr" = "scmlb-svc: cannot delete service 1: it has backends (drain and delete them first)" ]
	scmlb lb drain -i 1 && scmlb lb delete -i 1
	run -0 scmlb svc delete -i 1
	run -0 scmlb svc get --json
	[ "$output" = "[]" ]
	run -0 bpftool map dump pinned "$SCMLB_PIN_DIR/lb_vips"
	[[ $output == "[]" ]]
	# the VIP carries no service now: UDP to it is the kernel's
	run --separate-stderr topo_exec client timeout 3 socat -t 1 - \
		"UDP:$TOPO_VIP:9090" <<<"x"
	[ -z "$output" ]
}

@test "svc: bad input exits 2 or 1 with one line and changes nothing" {
	run -0 svc -v "$TOPO_VIP" -t tcp -P 80
	be 1 a 10.0.4.2
	expect_fail 2 scmlb-svc set -v "$VIP2" -S fifo
	[[ $stderr == "scmlb-svc: invalid scheduler 'fifo': expected rr, wrr or maglev" ]]
	expect_fail 2 scmlb-svc set -v "$VIP2" -t tcp -P 70000
	[[ $stderr == *"'70000'"* ]]
	expect_fail 2 scmlb-lb set -n b -a 10.0.5.2 -w 0
	[[ $stderr == *"'0'"* ]]
	expect_fail 1 scmlb-svc set -v "$TOPO_VIP" -t tcp -P 80
	[[ $stderr == "scmlb-svc: cannot add service '203.0.113.11 tcp 80': it exists already" ]]
	expect_fail 1 scmlb-lb set -n b -a 10.0.5.2 -s 7
	[[ $stderr == *"'7'"* ]]
	expect_fail 1 scmlb-svc delete -i 1
	expect_fail 1 scmlb-lb set -n a2 -a 10.0.4.2
	[[ $stderr == *"exists already"* ]]
}

# counter_of ID KEY: backend ID's KEY in lb get --json
counter_of() {
	scmlb lb get --json | jq ".[] | select(.id == $1) | .$2"
}

@test "lb edit: a weight edit on a wrr service moves new connections at once; an open one keeps flowing" {
	run -0 svc -v "$TOPO_VIP" -t tcp -S wrr
	be 1 a 10.0.4.2
	be 1 b 10.0.5.2
	for i in $(seq 20); do
		who_at "$TOPO_VIP" 8080 || echo failed
	done >"$BATS_TEST_TMPDIR/before"
	[ "$(sort "$BATS_TEST_TMPDIR/before" | uniq -c | awk '{print $2, $1}')" = \
	  $'10.0.4.2 10\n10.0.5.2 10' ]
	# a connection held open across the edit, on the backend that gets weight 3
	conn_open 7070
	conn_echo before
	id=$(backend_of_port 7070)
	other=$((3 - id))
	addr=$(scmlb lb get --json | jq -r ".[] | select(.id == $id) | .address")
	conns=$(counter_of "$id" conns)
	table=$(bpftool map dump pinned "$SCMLB_PIN_DIR/lb_pair_tables")

	run -0 --separate-stderr scmlb lb edit -i "$id" -w 3
	[ -z "$output" ] && [ -z "$stderr" ]
	# the service got a new table; the backend kept its id and counters
	[ "$(bpftool map dump pinned "$SCMLB_PIN_DIR/lb_pair_tables")" != "$table" ]
	run -0 scmlb lb get --json
	jq -e --argjson id "$id" --argjson other "$other" '
		[.[] | {id, weight}] | sort_by(.id) ==
		([{id: $id, weight: 3}, {id: $other, weight: 1}] | sort_by(.id))' \
		<<<"$output"
	[ "$(counter_of "$id" conns)" -eq "$conns" ]
	# 40 new connections: ten rounds of 3:1
	for i in $(seq 40); do
		who_at "$TOPO_VIP" 8080 || echo failed
	done >"$BATS_TEST_TMPDIR/after"
	run -0 bash -c "grep -c '^$addr\$' '$BATS_TEST_TMPDIR/after'"
	[ "$output" -eq 30 ]
	run -0 bash -c "grep -vc '^$addr\$' '$BATS_TEST_TMPDIR/after'"
	[ "$output" -eq 10 ]
	# the open connection still echoes, on the same backend, still tracked
	conn_echo after
	[ "$(backend_of_port 7070)" = "$id" ]
	conn_close
}

@test "lb edit: name and health check in place; --no-healthcheck puts an unhealthy backend back" {
	run -0 svc -v "$TOPO_VIP"
	be 1 a 10.0.4.2 -c http://10.0.4.2:8080/health
	be 1 b 10.0.5.2 -c http://10.0.5.2:8080/health
	touch "${TOPO_TMP}/${TOPO_PREFIX}health-1"
	scmlb health >/dev/null
	scmlb health >/dev/null
	run -0 scmlb lb get --json
	jq -e '[.[] | .health] == ["unhealthy", "healthy"]' <<<"$output"
	conns=$(counter_of 1 conns)

	# a new name only: the health and the counters stay
	run -0 scmlb lb edit --id 1 --name alpha
	run -0 scmlb lb get --json
	jq -e '.[0] | .id == 1 and .name == "alpha" and .health == "unhealthy" and
		.healthcheck == "http://10.0.4.2:8080/health"' <<<"$output"
	for i in 1 2 3 4; do
		[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.5.2 ]
	done

	# no health check: its health is unknown, so it takes connections again
	run -0 scmlb lb edit -i 1 --no-healthcheck
	run -0 scmlb lb get --json
	jq -e '.[0] | .name == "alpha" and .healthcheck == "" and
		.health == "unknown"' <<<"$output"
	[ "$(counter_of 1 conns)" -eq "$conns" ]
	for i in 1 2 3 4; do
		who_at "$TOPO_VIP" 8080 || echo failed
	done >"$BATS_TEST_TMPDIR/answers"
	[ "$(sort "$BATS_TEST_TMPDIR/answers" | uniq -c | awk '{print $2, $1}')" = \
	  $'10.0.4.2 2\n10.0.5.2 2' ]
	# and scmlb-health leaves it alone
	run -0 scmlb health
	[[ $output != *"backend 1 "* ]]

	# a URL that answers: checked from scratch, healthy
	run -0 scmlb lb edit -i 1 -c http://10.0.4.2:8080/who
	run -0 scmlb health
	[ "$output" = "backend 1 (alpha, 10.0.4.2): healthy, was unknown" ]
	rm "${TOPO_TMP}/${TOPO_PREFIX}health-1"
}

@test "lb edit: bad input and conflicts exit 2 or 1 with one line and change nothing" {
	run -0 svc -v "$TOPO_VIP" -S wrr
	be 1 a 10.0.4.2 -w 2
	be 1 b 10.0.5.2
	expect_fail 1 scmlb-lb edit -i 2 -n a
	[ "$stderr" = "scmlb-lb: cannot rename backend 2 to 'a': backend 1 has that name" ]
	expect_fail 1 scmlb-lb edit -i 9 -w 3
	[ "$stderr" = "scmlb-lb: cannot edit backend 9: no such id" ]
	expect_fail 2 scmlb-lb edit -i 1 -w 0
	[ "$stderr" = "scmlb-lb: invalid weight '0': a weight is a number from 1 to 65535" ]
	expect_fail 2 scmlb-lb edit -i 1 -w 65536
	[[ $stderr == "scmlb-lb: invalid weight '65536': "* ]]
	expect_fail 2 scmlb-lb edit -i 1
	[ "$stderr" = "scmlb-lb: missing option for 'edit': give -n, -c, --no-healthcheck or -w" ]
	expect_fail 2 scmlb-lb edit -i 1 -c http://10.0.4.2:8080/health --no-healthcheck
	[ "$stderr" = "scmlb-lb: invalid option '--no-healthcheck': it contradicts '--healthcheck'" ]
	expect_fail 2 scmlb-lb edit -w 3
	[ "$stderr" = "scmlb-lb: missing option '--id' for 'edit'" ]
	expect_fail 2 scmlb-lb edit -i 1 -a 10.0.6.2
	expect_fail 2 scmlb-lb edit -i 1 -w 3 -s 1
	# its own name is no clash
	run -0 scmlb lb edit -i 1 -n a -w 2
}
