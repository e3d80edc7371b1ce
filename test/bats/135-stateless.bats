#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Replies without conntrack: after a flush, a backend that speaks first
# reaches its client through lb_reply_index and the kernel's FIB, as a
# node that never saw the flow open would return it.

load helpers

TPORT=7171
UPORT=9191

setup_file() {
	topo_up
	# answers a line only after 3 s: time for the test to flush conntrack
	topo_exec backend1 socat "TCP-LISTEN:$TPORT,reuseaddr,fork" \
		SYSTEM:'read l; sleep 3; echo late-$l; sleep 5' \
		</dev/null >/dev/null 2>&1 &
	topo_exec backend1 socat "UDP-LISTEN:$UPORT,reuseaddr,fork" \
		SYSTEM:'read l; sleep 3; echo late-$l' \
		</dev/null >/dev/null 2>&1 &
	topo_wait_port backend1 "$TPORT" || return 1
	# bpf_fib_lookup() answers only where the kernel would forward
	topo_exec lb sysctl -qw net.ipv4.conf.all.forwarding=1
	scmlb attach -u up0 -m native >/dev/null
	scmlb svc set -v "$TOPO_VIP" -t tcp -P "$TPORT" -S maglev >/dev/null
	scmlb svc set -v "$TOPO_VIP" -t udp -P "$UPORT" -S maglev >/dev/null
	scmlb lb set -s 1 -n slow -a "${TOPO_BACKENDS[0]}" >/dev/null
	scmlb lb set -s 2 -n slow-udp -a "${TOPO_BACKENDS[0]}" >/dev/null
}

teardown_file() {
	lb_down
}

# stat_of KEY: a counter of scmlb stat
stat_of() {
	scmlb stat --json | jq ".$1"
}

# wait_line FILE LINE: up to 10 s for LINE in FILE
wait_line() {
	local n
	for n in $(seq 100); do
		grep -qxF "$2" "$1" && return 0
		sleep 0.1
	done
	echo "no '$2' in $1: $(cat "$1")" >&2
	return 1
}

@test "stateless: the reply index names the backend's TCP and UDP ports" {
	run -0 bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_reply_index"
	jq -e 'length == 2 and ([.[] | .formatted.value.service_id] | sort) == [1, 2]' <<<"$output"
}

# after_flush PROTO PORT LINE: send LINE over a PROTO socket connected to
# VIP:PORT, forget every flow while the backend holds its answer (3 s), and
# wait for "late-LINE": only the backend's reply can bring it, the client
# sending nothing more. The reply must be counted as returned without
# conntrack.
after_flush() {
	local out=$BATS_TEST_TMPDIR/$1.out before
	mkfifo "$BATS_TEST_TMPDIR/$1.in"
	topo_exec client timeout 20 socat -T 20 - "$1:$TOPO_VIP:$2" \
		<"$BATS_TEST_TMPDIR/$1.in" >"$out" 2>&1 &
	exec 7>"$BATS_TEST_TMPDIR/$1.in"
	echo "$3" >&7
	sleep 0.5
	before=$(stat_of returned_stateless)
	run -0 scmlb lb conntrack flush
	[[ $output =~ ^[1-9][0-9]*\ flows?\ flushed$ ]]
	run -0 scmlb lb conntrack get --json
	[ "$output" = "[]" ]
	wait_line "$out" "late-$3"
	[ "$(stat_of returned_stateless)" -gt "$before" ]
}

@test "stateless: a backend's TCP reply after conntrack flush reaches the client from the VIP; the client's ACK tracks the flow again" {
	after_flush TCP "$TPORT" x
	# the client's ACK of it went through the Maglev miss: tracked again
	run -0 scmlb lb conntrack get --json
	jq -e --argjson p "$TPORT" '[.[] | select(.dst_port == $p)] |
		length == 1 and .[0].backend_id == 1 and
		.[0].status == "established"' <<<"$output"
	exec 7>&-
}

@test "stateless: a UDP reply after conntrack flush reaches the client's connected socket from the VIP" {
	after_flush UDP "$UPORT" y
	# nothing of the client's since: still no flow
	run -0 scmlb lb conntrack get --json
	[ "$output" = "[]" ]
	exec 7>&-
}

@test "stateless: forwarding off, the reply is the kernel's and counted unrouted" {
	local out=$BATS_TEST_TMPDIR/off.out before
	topo_exec lb sysctl -qw net.ipv4.conf.all.forwarding=0
	topo_exec client timeout 10 socat -T 10 - "UDP:$TOPO_VIP:$UPORT" \
		<<<z >"$out" 2>&1 &
	sleep 0.5
	before=$(stat_of stateless_unrouted)
	scmlb lb conntrack flush >/dev/null
	# the reply 3 s later: no way from the FIB, the kernel drops it
	for n in $(seq 60); do
		[ "$(stat_of stateless_unrouted)" -gt "$before" ] && break
		sleep 0.1
	done
	topo_exec lb sysctl -qw net.ipv4.conf.all.forwarding=1
	[ "$(stat_of stateless_unrouted)" -gt "$before" ]
	sleep 0.5
	run grep -c late-z "$out"
	[ "$output" = 0 ]
}

@test "stateless: metrics count the replies returned without conntrack" {
	run -0 scmlb stat --prometheus
	[[ $output =~ scmlb_stateless_replies_total\{protocol=\"tcp\",result=\"returned\"\}\ [1-9] ]]
	[[ $output =~ scmlb_stateless_replies_total\{protocol=\"udp\",result=\"returned\"\}\ [1-9] ]]
}

@test "stateless: a deleted backend leaves the reply index" {
	scmlb lb drain -i 2 >/dev/null
	scmlb lb delete -i 2 >/dev/null
	run -0 bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_reply_index"
	jq -e 'length == 1 and .[0].formatted.value.service_id == 1' <<<"$output"
}
