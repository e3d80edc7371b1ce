# SPDX-License-Identifier: GPL-2.0
# helpers.bash - shared by the end-to-end tests: topology, tools, connections.

bats_require_minimum_version 1.5.0

# shellcheck source=../lib/topology.sh
source "$BATS_TEST_DIRNAME/../lib/topology.sh"

: "${SCMLB_BUILD:?run the tests through test/bats/run.sh}"
TESTAPP=$SCMLB_BUILD/test/scmlb-testapp

# Every file its own pin directory, so files never share an instance.
export SCMLB_PIN_DIR=/sys/fs/bpf/scmlbt-$(basename "$BATS_TEST_FILENAME" .bats)

# scmlb ARGS...: the built front-end, inside the load balancer's namespace
scmlb() {
	topo_exec lb "$SCMLB_BUILD/tools/scmlb" "$@"
}

# The tools find their siblings beside the front-end.
scmlb_tool() {
	local tool=$1
	shift
	topo_exec lb "$SCMLB_BUILD/tools/$tool" "$@"
}

# Topology, test apps on the backends, scmlb attached in MODE with the
# three backends added (ids 1, 2, 3).
lb_up() {
	local mode=$1 i
	topo_up
	topo_start_apps "$TESTAPP"
	scmlb attach -u up0 -v "$TOPO_VIP" -m "$mode" >/dev/null
	for i in 1 2 3; do
		scmlb lb set -n "web$i" -a "${TOPO_BACKENDS[$((i - 1))]}" \
			-c "http://${TOPO_BACKENDS[$((i - 1))]}:8080/health" >/dev/null
	done
}

lb_down() {
	scmlb detach >/dev/null 2>&1 || true
	topo_down
}

# who: one HTTP request to the VIP; prints the answering backend's address
who() {
	topo_exec client curl -sS --max-time 3 "http://$TOPO_VIP:8080/who"
}

# who_counts N: N requests; prints "ADDR COUNT" lines, sorted by address
who_counts() {
	local i
	for i in $(seq "$1"); do
		who || echo failed
	done | sort | uniq -c | awk '{print $2, $1}'
}

# A TCP connection to the VIP held open across commands: conn_open PORT
# [HOST] (HOST: another VIP, "[ADDR]" for IPv6), conn_echo LINE (send it
# and wait for the echo), conn_close.
conn_open() {
	CONN_DIR=$BATS_TEST_TMPDIR/conn
	mkdir -p "$CONN_DIR"
	mkfifo "$CONN_DIR/in"
	topo_exec client timeout 60 socat -T 60 - "TCP:${2:-$TOPO_VIP}:$1" \
		<"$CONN_DIR/in" >"$CONN_DIR/out" 2>"$CONN_DIR/err" &
	CONN_PID=$!
	exec 7>"$CONN_DIR/in"
}

conn_echo() {
	local n
	echo "$1" >&7
	for n in $(seq 50); do
		grep -qxF "$1" "$CONN_DIR/out" && return 0
		sleep 0.1
	done
	echo "no echo of '$1'; got: $(cat "$CONN_DIR/out" "$CONN_DIR/err")" >&2
	return 1
}

conn_close() {
	exec 7>&-
	wait "$CONN_PID" 2>/dev/null || true
}

# backend_of_port PORT: backend id of the open TCP flow to VIP:PORT
backend_of_port() {
	scmlb lb conntrack get --json |
		jq -r ".[] | select(.dst_port == $1 and .protocol == \"tcp\" and
			(.status == \"established\" or .status == \"opening\")) |
			.backend_id" | head -n 1
}

# The XDP programs attached in the load balancer's namespace.
xdp_progs() {
	topo_exec lb ip -d link show | grep -o 'prog/xdp id [0-9]* name [^ ]*' || true
}

# xdp_id IFACE: the id of the XDP program on IFACE in the load balancer's
# namespace, as ip shows it; empty when none runs there
xdp_id() {
	topo_exec lb ip -j link show dev "$1" | jq -r '.[0].xdp.prog.id // empty'
}

# The state every invocation must leave byte-identical.
state() {
	scmlb svc get --json
	scmlb lb get --json
	scmlb lb conntrack get --json
	scmlb fw get --json
	scmlb dos get --json
	bpftool map dump pinned "$SCMLB_PIN_DIR/lb_config"
	bpftool map dump pinned "$SCMLB_PIN_DIR/lb_vips"
	bpftool map dump pinned "$SCMLB_PIN_DIR/lb_svc_ids"
	bpftool map dump pinned "$SCMLB_PIN_DIR/lb_pair_tables"
	xdp_progs
}

# expect_fail STATUS TOOL ARGS...: the invocation exits STATUS with exactly
# one stderr line "TOOL: ..." and changes nothing.
expect_fail() {
	local want=$1 tool=$2 before after
	shift 2
	before=$(state)
	run --separate-stderr topo_exec lb "$SCMLB_BUILD/tools/$tool" "$@"
	after=$(state)
	if [ "$status" -ne "$want" ] || [ "${#stderr_lines[@]}" -ne 1 ] ||
	   [[ $stderr != "$tool: "* ]] || [ -n "$output" ] ||
	   [ "$before" != "$after" ]; then
		echo "$tool $*: status $status (want $want), stdout '$output', stderr:" >&2
		printf '  %s\n' "${stderr_lines[@]}" >&2
		[ "$before" = "$after" ] || echo "  state changed" >&2
		return 1
	fi
	echo "$tool $*: $stderr"
}
