#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cluster.sh [nat|dr|ipip] - two scmlb nodes behind a BGP router with ECMP
# (issue 15's demo): a router running BIRD spreads clients over both nodes,
# each node runs BIRD (examples/bird.conf) and scmlb restored from the same
# file, three backends share one L2 segment with the nodes. It shows flows
# on both nodes, then kills one node: the established connections go on
# through the other, and new ones are served; then the node comes back.
# Run as root on Debian 12; everything lives in namespaces named scmlbdemo-*.
set -eu
cd "$(dirname "$0")/.."

mode=${1:-nat}
case $mode in
nat | dr | ipip) ;;
*)
	echo "usage: demo/cluster.sh [nat|dr|ipip]" >&2
	exit 2
	;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "cluster.sh: run as root: it loads XDP programs and makes namespaces" >&2
	exit 1
fi
echo "== installing dependencies and building"
test/install-deps.sh >/dev/null
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null

TOPO_PREFIX=scmlbdemo-
TOPO_TMP=$(mktemp -d /tmp/scmlb-cluster.XXXXXX)
# shellcheck source=../test/lib/topology.sh
source test/lib/topology.sh
# shellcheck source=../test/lib/cluster.sh
source test/lib/cluster.sh
CLUSTER_TOOLS=$PWD/build/tools
conns=20

# node I's scmlb and BIRD, from the shared configuration
node_start() {
	echo "node$1# scmlb restore -f scmlb.conf; bird -c node$1.conf"
	cluster_node_start "$TOPO_TMP" "$1" examples/bird.conf
}

# flows each node tracks
flows() {
	local i
	for i in 1 2; do
		[ -e "/run/netns/$(topo_ns "node$i")" ] || continue
		echo "   node$i tracks $(cluster_flows "$i") flows"
	done
}

# new connections from the client: how many of N got an answer
new_conns() {
	echo "   $(cluster_new_conns "$1") of $1 new connections answered"
}

cleanup() {
	touch "$TOPO_TMP/stop"
	cluster_down "$TOPO_TMP"
	rm -rf "$TOPO_TMP"
}
trap cleanup EXIT

echo "== topology ($mode): client $CLUSTER_CLIENT -> router (BIRD, ECMP) -> node1, node2 -> backends ${CLUSTER_BACKENDS[*]}"
cluster_up
cluster_fast_neigh
# nat: the backends route back over both nodes; dr, ipip: they answer
# from the VIP on their lo, through the router (ipip: scmlb-decap on eth0)
cluster_backends_mode "$mode"
topo_start_apps "$PWD/build/test/scmlb-testapp"

# the same configuration on both nodes: two maglev services of the VIP
cluster_conf "$mode" >"$TOPO_TMP/scmlb.conf"
echo "== the configuration both nodes restore"
sed 's/^/   /' "$TOPO_TMP/scmlb.conf"
cluster_router_bird "$TOPO_TMP"
node_start 1
node_start 2
cluster_wait_paths 2 30 || { echo "the router did not learn the VIP from both nodes" >&2; exit 1; }
echo "== the router's route to the VIP, learnt by BGP from both nodes"
topo_exec router ip route show "$CLUSTER_VIP"

echo "== $conns echo connections from the client, one line a second each"
topo_exec client timeout 120 python3 test/lib/echo-conns.py "$CLUSTER_VIP" 7070 \
	"$conns" 1 "$TOPO_TMP/stop" 10 >"$TOPO_TMP/echo.out" 2>&1 &
echo_pid=$!
for n in $(seq 100); do
	grep -qx ready "$TOPO_TMP/echo.out" && break
	sleep 0.1
done
sleep 2
flows
new_conns 10

echo "== node1 dies (its namespace, links and pins gone)"
t0=$(date +%s%N)
cluster_node_die "$TOPO_TMP" 1
cluster_wait_paths 1 30
echo "   the router has one way left after $((($(date +%s%N) - t0) / 1000000)) ms:"
topo_exec router ip route show "$CLUSTER_VIP"
sleep 5
flows
new_conns 30

echo "== node1 comes back"
cluster_node_net 1
node_start 1
cluster_wait_paths 2 30
echo "   the router has both ways again"
sleep 5
flows
new_conns 10

echo "== the echo connections"
touch "$TOPO_TMP/stop"
rc=0
wait "$echo_pid" || rc=$?
echo "   $(grep -c ' 0 failures' "$TOPO_TMP/echo.out") of $conns echoed every line;" \
	"$(grep '^longest' "$TOPO_TMP/echo.out")"
grep 'failures round' "$TOPO_TMP/echo.out" | sed 's/^/   /' || true
exit "$rc"
