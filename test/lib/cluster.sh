# SPDX-License-Identifier: GPL-2.0
# cluster.sh - two scmlb nodes behind a BGP router with ECMP, in namespaces
# (sourced by demo/cluster.sh and the bats tests; every name starts with
# $TOPO_PREFIX). Needs topology.sh sourced first.
#
#   client 10.1.0.2 --- 10.1.0.1 router (BIRD, AS 65000, ECMP to the VIP)
#                          10.2.1.1 --- 10.2.1.2 node1 (scmlb, BIRD AS 65010)
#                          10.2.2.1 --- 10.2.2.2 node2 (scmlb, BIRD AS 65010)
#   node1 10.3.0.11, node2 10.3.0.12, router 10.3.0.1 and backends
#   10.3.0.2-4 on one bridge (namespace "lan"): the backends' L2 segment.
#
# The router's kernel spreads flows to the VIP over both nodes by L4 hash
# (fib_multipath_hash_policy=1). NAT backends route back over both nodes
# (an ECMP default route, fib_multipath_use_neigh=1: a dead node's
# neighbour fails and its half is skipped); dr and ipip backends answer
# the client through the router (10.3.0.1).

CLUSTER_VIP=203.0.113.11
CLUSTER_CLIENT=10.1.0.2
CLUSTER_BACKENDS=(10.3.0.2 10.3.0.3 10.3.0.4)
CLUSTER_NODE_LAN=(10.3.0.11 10.3.0.12)
CLUSTER_ROUTER_AS=65000
CLUSTER_NODE_AS=65010
# each node's scmlb instance pins under CLUSTER_PIN_BASE-nodeI
CLUSTER_PIN_BASE=${CLUSTER_PIN_BASE:-/sys/fs/bpf/${TOPO_PREFIX}cluster}

# cluster_bridge_port NS IF ADDR: a veth from NS into the lan bridge
cluster_bridge_port() {
	local port=${1#"$TOPO_PREFIX"}
	ip link add "$2" netns "$(topo_ns "$1")" type veth \
		peer name "p-$port" netns "$(topo_ns lan)"
	topo_exec "$1" ip addr add "$3/24" dev "$2"
	topo_exec "$1" ip link set "$2" up
	topo_exec lan ip link set "p-$port" master br0 up
}

# cluster_node_net I: node I's namespace, its links to the router and to
# the lan, the VIP on its lo; a node that died (its namespace deleted,
# its links gone with it) comes back the same way
cluster_node_net() {
	ip netns add "$(topo_ns "node$1")"
	topo_exec "node$1" ip link set lo up
	topo_link router "n$1" "10.2.$1.1" "node$1" up0 "10.2.$1.2"
	cluster_bridge_port "node$1" be0 "${CLUSTER_NODE_LAN[$(($1 - 1))]}"
	topo_exec "node$1" ip addr add "$CLUSTER_VIP/32" dev lo
	topo_exec "node$1" ip route add default via "10.2.$1.1"
}

# cluster_up: the namespaces, links and routes; no BIRD, no scmlb yet
cluster_up() {
	local i ns
	topo_down
	for ns in client router lan backend1 backend2 backend3; do
		ip netns add "$(topo_ns "$ns")"
		topo_exec "$ns" ip link set lo up
	done
	topo_exec lan ip link add br0 type bridge
	topo_exec lan ip link set br0 up

	topo_link client eth0 "$CLUSTER_CLIENT" router c0 10.1.0.1
	topo_exec client ip route add default via 10.1.0.1
	for i in 1 2; do
		cluster_node_net "$i"
	done
	cluster_bridge_port router lan0 10.3.0.1
	topo_exec router sysctl -qw net.ipv4.ip_forward=1
	topo_exec router sysctl -qw net.ipv4.fib_multipath_hash_policy=1
	for i in 1 2 3; do
		cluster_bridge_port "backend$i" eth0 "${CLUSTER_BACKENDS[$((i - 1))]}"
		topo_exec "backend$i" sysctl -qw net.ipv4.fib_multipath_use_neigh=1
	done
	cluster_backends_route nat
	[ "${TOPO_OFFLOADS:-}" = default ] && return 0
	for ns in client backend1 backend2 backend3; do
		topo_exec "$ns" ethtool -K eth0 tx off gro on >/dev/null
	done
}

# cluster_backends_route nat|direct: the backends' way back to clients:
# over both nodes (NAT: the replies must be translated) or through the router
cluster_backends_route() {
	local i
	for i in 1 2 3; do
		if [ "$1" = nat ]; then
			topo_exec "backend$i" ip route replace default \
				nexthop via "${CLUSTER_NODE_LAN[0]}" \
				nexthop via "${CLUSTER_NODE_LAN[1]}"
		else
			topo_exec "backend$i" ip route replace default via 10.3.0.1
		fi
	done
}

# cluster_backends_vip: the VIP on every backend's lo, hidden from ARP
# (dr and ipip: the backend answers from the VIP itself)
cluster_backends_vip() {
	local i
	for i in 1 2 3; do
		topo_exec "backend$i" ip addr add "$CLUSTER_VIP/32" dev lo
		topo_exec "backend$i" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 \
			net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.rp_filter=2
	done
}

# cluster_router_bird DIR: BIRD on the router, a BGP session to each node,
# every path to the VIP into the kernel as one ECMP route
cluster_router_bird() {
	cat >"$1/router.conf" <<EOF
router id 10.1.0.1;
protocol device { }
protocol kernel {
	ipv4 { import none; export all; };
	merge paths yes;
}
template bgp node {
	local as $CLUSTER_ROUTER_AS;
	hold time 3;
	keepalive time 1;
	connect retry time 1;
	ipv4 { import all; export none; };
}
protocol bgp node1 from node { neighbor 10.2.1.2 as $CLUSTER_NODE_AS; }
protocol bgp node2 from node { neighbor 10.2.2.2 as $CLUSTER_NODE_AS; }
EOF
	topo_exec router bird -c "$1/router.conf" -s "$1/router.ctl" -P "$1/router.pid"
}

# cluster_vip_paths: the router's next hops to the VIP, one per line
cluster_vip_paths() {
	topo_exec router ip -j route show "$CLUSTER_VIP/32" |
		jq -r '.[0] | if .nexthops then .nexthops[].gateway else .gateway // empty end'
}

# cluster_node_bird DIR I EXAMPLE: BIRD on node I with the shipped example
# (examples/bird.conf), only its addresses changed
cluster_node_bird() {
	sed -e "s/192\\.0\\.2\\.10\\b/10.2.$2.2/g" \
		-e "s/192\\.0\\.2\\.1\\b/10.2.$2.1/g" \
		-e "s/as 65010;/as $CLUSTER_NODE_AS;/" "$3" >"$1/node$2.conf"
	topo_exec "node$2" bird -c "$1/node$2.conf" -s "$1/node$2.ctl" \
		-P "$1/node$2.pid"
}

# cluster_bird_stop DIR NAME: stop one BIRD (router, node1, node2)
cluster_bird_stop() {
	[ -f "$1/$2.pid" ] || return 0
	kill "$(cat "$1/$2.pid")" 2>/dev/null || true
	rm -f "$1/$2.pid"
}

# cluster_wait_paths N [SECONDS]: until the router has N ways to the VIP
cluster_wait_paths() {
	local n
	for n in $(seq $((${2:-20} * 10))); do
		[ "$(cluster_vip_paths | wc -l)" -eq "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# cluster_fast_neigh: backends notice a dead node's MAC within seconds,
# so that their ECMP default route (fib_multipath_use_neigh) skips it
cluster_fast_neigh() {
	local i
	for i in 1 2 3; do
		topo_exec "backend$i" sysctl -qw \
			net.ipv4.neigh.eth0.base_reachable_time_ms=1000 \
			net.ipv4.neigh.eth0.delay_first_probe_time=1 \
			net.ipv4.neigh.eth0.retrans_time_ms=250 \
			net.ipv4.neigh.eth0.ucast_solicit=2 \
			net.ipv4.neigh.eth0.mcast_solicit=2
	done
}

# cluster_node_die DIR I: node I dies: its BIRD and every process in its
# namespace stop, the namespace and its links go; its bpffs pins go too,
# as a reboot would take them (the pin directory is CLUSTER_PIN_BASE-nodeI)
cluster_node_die() {
	local ns pids
	ns=$(topo_ns "node$2")
	cluster_bird_stop "$1" "node$2"
	pids=$(ip netns pids "$ns" 2>/dev/null)
	[ -z "$pids" ] || kill $pids 2>/dev/null || true
	ip netns del "$ns"
	rm -rf "$CLUSTER_PIN_BASE-node$2"
}

# cluster_scmlb I ARGS...: scmlb ARGS on node I, its own instance; needs
# CLUSTER_TOOLS, the directory of the built tools
cluster_scmlb() {
	local i=$1
	shift
	topo_exec "node$i" env SCMLB_PIN_DIR="$CLUSTER_PIN_BASE-node$i" \
		"$CLUSTER_TOOLS/scmlb" "$@"
}

# cluster_conf MODE: the configuration both nodes restore: two maglev
# services of the VIP (echo on 7070, HTTP on 8080) forwarding in MODE
cluster_conf() {
	local i
	echo "attach -u up0"
	echo "svc set -v $CLUSTER_VIP -t tcp -P 7070 -S maglev --forward $1"
	echo "svc set -v $CLUSTER_VIP -t tcp -P 8080 -S maglev --forward $1"
	for i in 1 2 3; do
		echo "lb set -n echo$i -a ${CLUSTER_BACKENDS[$((i - 1))]} -s 1"
		echo "lb set -n web$i -a ${CLUSTER_BACKENDS[$((i - 1))]} -s 2"
	done
}

# cluster_node_start DIR I EXAMPLE: node I's scmlb restored from
# DIR/scmlb.conf, forwarding on, then its BIRD from EXAMPLE
# (examples/bird.conf)
cluster_node_start() {
	cluster_scmlb "$2" restore -f "$1/scmlb.conf" >/dev/null
	# forwarding only now: before scmlb, the kernel would send the
	# backends' replies on untranslated, and the clients reset them
	topo_exec "node$2" sysctl -qw net.ipv4.ip_forward=1
	cluster_node_bird "$1" "$2" "$3"
}

# cluster_backends_mode MODE: the backends as MODE needs them: for dr and
# ipip the VIP on lo and the way back through the router, for ipip
# scmlb-decap on eth0 too
cluster_backends_mode() {
	local i
	if [ "$1" = nat ]; then
		cluster_backends_route nat
		return 0
	fi
	cluster_backends_vip
	cluster_backends_route direct
	[ "$1" = ipip ] || return 0
	for i in 1 2 3; do
		topo_exec "backend$i" "$CLUSTER_TOOLS/scmlb" decap attach -i eth0 >/dev/null
	done
}

# cluster_flows I: the flows node I tracks
cluster_flows() {
	cluster_scmlb "$1" lb conntrack get --json | jq length
}

# cluster_new_conns N: N new connections from the client to the VIP's
# HTTP service, one after the other; prints how many got their answer
cluster_new_conns() {
	local n ok=0
	for n in $(seq "$1"); do
		topo_exec client curl -s -o /dev/null --max-time 3 \
			"http://$CLUSTER_VIP:8080/who" && ok=$((ok + 1))
	done
	echo "$ok"
}

# cluster_down DIR: scmlb detached on the nodes still there, their pins
# gone, every BIRD stopped, every namespace removed
cluster_down() {
	local i
	for i in 1 2; do
		[ ! -e "/run/netns/$(topo_ns "node$i")" ] ||
			cluster_scmlb "$i" detach >/dev/null 2>&1 || true
		rm -rf "$CLUSTER_PIN_BASE-node$i"
	done
	for i in router node1 node2; do
		cluster_bird_stop "$1" "$i"
	done
	topo_down
}
