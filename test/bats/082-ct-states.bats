#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# TCP states by direction and per-state timeouts, with real connections.

load helpers

STREAM_PORT=7100
STREAM_LINES=30

setup_file() {
	lb_up native
	local i
	# a backend that, once the client is done sending, streams 30 lines
	# over 3 s: a half-closed connection
	for i in 1 2 3; do
		topo_exec "backend$i" socat "TCP-LISTEN:$STREAM_PORT,reuseaddr,fork" \
			SYSTEM:"cat >/dev/null; for n in \$(seq $STREAM_LINES); do echo line \$n; sleep 0.1; done" \
			>/dev/null 2>&1 &
	done
	for i in 1 2 3; do
		topo_wait_port "backend$i" "$STREAM_PORT"
	done
}

teardown_file() {
	lb_down
}

teardown() {
	topo_exec client nft delete table ip scmlbt 2>/dev/null || true
}

# flow_status PORT: the conntrack status of the flow from client port PORT
flow_status() {
	scmlb lb conntrack get --json |
		jq -r ".[] | select(.src_port == $1) | .status"
}

@test "conntrack: a flow is opening until the client ACKs the SYN-ACK, and goes after the opening timeout" {
	# the client's kernel never sees the SYN-ACK, so it neither ACKs nor
	# resets; the backends send it once (a retransmission is activity)
	local i
	for i in 1 2 3; do
		topo_exec "backend$i" sysctl -qw net.ipv4.tcp_synack_retries=0
	done
	topo_exec client nft -f - <<-EOF
	table ip scmlbt {
		chain in {
			type filter hook input priority 0;
			ip saddr $TOPO_VIP tcp sport 8080 tcp dport 45001 drop
		}
	}
	EOF
	topo_exec client hping3 -S -c 1 -s 45001 -k -p 8080 "$TOPO_VIP" >/dev/null 2>&1 || true
	conn_open 7070
	conn_echo "handshake done"
	sleep 0.3
	[ "$(flow_status 45001)" = opening ]
	run -0 scmlb lb conntrack get --json
	[ "$(jq -r '.[] | select(.dst_port == 7070) | .status' <<<"$output")" = established ]
	sleep 1.5
	run -0 scmlb gc --timeout opening=1s
	[ -z "$(flow_status 45001)" ]
	conn_echo "still open after the gc pass"
	conn_close
	for i in 1 2 3; do
		topo_exec "backend$i" sysctl -qw net.ipv4.tcp_synack_retries=5
	done
}

@test "conntrack: a half-closed connection streams through gc passes, its client's FIN sent twice" {
	# every FIN the client sends reaches the load balancer twice
	topo_exec client nft -f - <<-EOF
	table ip scmlbt {
		chain out {
			type filter hook output priority 0;
			ip daddr $TOPO_VIP tcp flags & fin == fin dup to $TOPO_LB_ADDR device "eth0"
		}
	}
	EOF
	topo_exec client timeout 15 socat -t 10 - "TCP:$TOPO_VIP:$STREAM_PORT" \
		<<<"done sending" >"$BATS_TEST_TMPDIR/stream" &
	local client=$! n
	sleep 0.5
	# gc passes while the backend streams; closed flows go after 1 s
	for n in $(seq 10); do
		scmlb gc --timeout closed=1s >/dev/null
		sleep 0.3
	done
	wait "$client"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/stream")" -eq "$STREAM_LINES" ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/stream")" = "line $STREAM_LINES" ]
	# both sides closed: gone after the closed timeout
	sleep 1.2
	run -0 scmlb gc --timeout closed=1s
	run -0 scmlb lb conntrack get --json
	[ "$(jq "[.[] | select(.dst_port == $STREAM_PORT)] | length" <<<"$output")" -eq 0 ]
}

@test "gc: --timeout of a state, with --gc-time for established, and bad values" {
	expect_fail 2 scmlb-gc --timeout fin=1s
	expect_fail 2 scmlb-gc --timeout closed
	expect_fail 2 scmlb-gc --timeout closed=0s
	expect_fail 2 scmlb-gc --gc-time 1h --timeout established=2h
	run -0 scmlb gc --timeout closed=5s --timeout udp=1m --gc-time 2h
}
