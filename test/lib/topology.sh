# SPDX-License-Identifier: GPL-2.0
# topology.sh - the quick-start network in namespaces: a client, the load
# balancer and three backends, each backend on its own link (sourced by the
# demo and the bats tests; every name starts with $TOPO_PREFIX).
#
#   client (10.0.1.2) --- (10.0.1.1) lb (10.0.4.1) --- backend1 (10.0.4.2)
#                                       (10.0.5.1) --- backend2 (10.0.5.2)
#                                       (10.0.6.1) --- backend3 (10.0.6.2)
#   VIP 203.0.113.11 on the load balancer's lo; backends route back via lb.
#
# topo_add_ipv6, after topo_up, gives every link IPv6 as well: fd00:N::/64
# on the link whose IPv4 is 10.0.N.0/24 (.1 is ::1, .2 is ::2), VIP
# 2001:db8::11 on lb's lo, a second client address in another /64.

TOPO_PREFIX=${TOPO_PREFIX:-scmlbt-}
# where the backends' health files go (test/bats/run.sh gives each run its own)
TOPO_TMP=${TOPO_TMP:-/tmp}
TOPO_VIP=203.0.113.11
TOPO_LB_ADDR=10.0.1.1
TOPO_CLIENT_ADDR=10.0.1.2
TOPO_BACKENDS=(10.0.4.2 10.0.5.2 10.0.6.2)
TOPO_VIP6=2001:db8::11
TOPO_LB_ADDR6=fd00:1::1
TOPO_CLIENT_ADDR6=fd00:1::2
# the client's second address, in a /64 of its own (firewall tests)
TOPO_CLIENT_ADDR6_B=fd00:2::2
TOPO_BACKENDS6=(fd00:4::2 fd00:5::2 fd00:6::2)

topo_ns() { echo "${TOPO_PREFIX}$1"; }

# Run a command in a namespace; nsenter keeps this mount namespace's bpffs.
topo_exec() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$(topo_ns "$ns")" "$@"
}

# Remove every namespace of ours, and the processes still running in them.
topo_down() {
	local ns pids
	for ns in $(ip netns list | awk '{print $1}'); do
		case $ns in
		"$TOPO_PREFIX"*)
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -z "$pids" ] || kill $pids 2>/dev/null || true
			ip netns del "$ns" 2>/dev/null || true
			;;
		esac
	done
	rm -f "${TOPO_TMP}"/"${TOPO_PREFIX}"health-*
}

# topo_link NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a veth pair between namespaces,
# with TOPO_QUEUES queues on either end when set (as a NIC's RSS, for the
# benchmarks: a queue per CPU keeps a CPU's packets on it)
topo_link() {
	local q=${TOPO_QUEUES:+numtxqueues $TOPO_QUEUES numrxqueues $TOPO_QUEUES}
	# shellcheck disable=SC2086 # $q is words or nothing
	ip link add "$2" netns "$(topo_ns "$1")" $q type veth \
		peer name "$5" netns "$(topo_ns "$4")" $q
	topo_exec "$1" ip addr add "$3/24" dev "$2"
	topo_exec "$4" ip addr add "$6/24" dev "$5"
	topo_exec "$1" ip link set "$2" up
	topo_exec "$4" ip link set "$5" up
}

topo_up() {
	local i ns
	topo_down
	for ns in client lb backend1 backend2 backend3; do
		ip netns add "$(topo_ns "$ns")"
		topo_exec "$ns" ip link set lo up
	done
	topo_link client eth0 "$TOPO_CLIENT_ADDR" lb up0 "$TOPO_LB_ADDR"
	topo_exec lb ip addr add "$TOPO_VIP/32" dev lo
	topo_exec client ip route add "$TOPO_VIP/32" via "$TOPO_LB_ADDR"
	for i in 1 2 3; do
		topo_link "backend$i" eth0 "10.0.$((i + 3)).2" lb "be$i" "10.0.$((i + 3)).1"
		topo_exec "backend$i" ip route add default via "10.0.$((i + 3)).1"
	done
	# As off a real wire: senders fill in their checksums (no partial
	# checksum offload), and veths that XDP redirects into have GRO on.
	# TOPO_OFFLOADS=default keeps what a new veth has (tx checksum and
	# TSO on, GRO off), as containers do.
	[ "${TOPO_OFFLOADS:-}" = default ] && return 0
	for ns in client backend1 backend2 backend3; do
		topo_exec "$ns" ethtool -K eth0 tx off gro on >/dev/null
	done
}

# The IPv6 half of the topology (see the top). DAD is off, so addresses are
# usable at once; lb forwards, which bpf_fib_lookup() needs for IPv6.
topo_add_ipv6() {
	local i ns
	for ns in client lb backend1 backend2 backend3; do
		topo_exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
	done
	topo_exec lb sysctl -qw net.ipv6.conf.all.forwarding=1
	topo_exec client ip -6 addr add "$TOPO_CLIENT_ADDR6/64" dev eth0 nodad
	topo_exec client ip -6 addr add "$TOPO_CLIENT_ADDR6_B/64" dev eth0 nodad
	topo_exec lb ip -6 addr add "$TOPO_LB_ADDR6/64" dev up0 nodad
	topo_exec lb ip -6 route add fd00:2::/64 via "$TOPO_CLIENT_ADDR6"
	topo_exec lb ip -6 addr add "$TOPO_VIP6/128" dev lo nodad
	# the first address is the default source; the second is chosen by binding
	topo_exec client ip -6 route add "$TOPO_VIP6/128" via "$TOPO_LB_ADDR6" \
		src "$TOPO_CLIENT_ADDR6"
	for i in 1 2 3; do
		topo_exec "backend$i" ip -6 addr add "${TOPO_BACKENDS6[$((i - 1))]}/64" \
			dev eth0 nodad
		topo_exec lb ip -6 addr add "fd00:$((i + 3))::1/64" dev "be$i" nodad
		topo_exec "backend$i" ip -6 route add default via "fd00:$((i + 3))::1"
	done
}

# topo_start_apps APP: the test app on every backend, answering /who with its address
topo_start_apps() {
	local i
	for i in 1 2 3; do
		# "::" serves IPv4 as well (a dual-stack socket)
		topo_exec "backend$i" "$1" --bind "${TOPO_APP_BIND:-0.0.0.0}" \
			--health-file "${TOPO_TMP}/${TOPO_PREFIX}health-$i" \
			>/dev/null 2>&1 &
	done
	for i in 1 2 3; do
		topo_wait_port "backend$i" 8080 || return 1
	done
}

# topo_wait_port NS PORT [ADDR]: wait until something listens there
topo_wait_port() {
	local n
	for n in $(seq 50); do
		topo_exec "$1" bash -c "exec 3<>/dev/tcp/${3:-127.0.0.1}/$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
