#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_netlink.sh - run test_netlink in a throw-away two-namespace topology
#
# Usage: test_netlink.sh PATH_TO_TEST_BINARY   (needs root)
set -eu

bin=${1:?usage: $0 TEST_BINARY}
bin=$(readlink -f "$bin")
ns_a=scmlbt-nl-a
ns_b=scmlbt-nl-b
dev_a=scmlbt-veth-a
dev_b=scmlbt-veth-b

cleanup() {
	# Deleting a namespace also destroys the veth end that lives in it.
	ip netns del "$ns_a" 2>/dev/null || true
	ip netns del "$ns_b" 2>/dev/null || true
}

# Leftovers from a run that was killed before its trap could fire.
cleanup
trap cleanup EXIT

ip netns add "$ns_a"
ip netns add "$ns_b"
# before the links exist: their link-local addresses skip DAD too (a
# tentative one cannot source the neighbour solicitations the tests trigger)
for ns in "$ns_a" "$ns_b"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
ip -n "$ns_a" link add "$dev_a" type veth peer name "$dev_b" netns "$ns_b"
ip -n "$ns_a" addr add 10.99.0.1/24 dev "$dev_a"
ip -n "$ns_b" addr add 10.99.0.2/24 dev "$dev_b"
ip -n "$ns_a" link set lo up
ip -n "$ns_b" link set lo up
ip -n "$ns_a" link set "$dev_a" up
ip -n "$ns_b" link set "$dev_b" up
# Routes the kernel itself refuses; no default route, on purpose.
ip -n "$ns_a" route add unreachable 10.98.1.0/24
ip -n "$ns_a" route add blackhole 10.98.2.0/24
ip -n "$ns_a" route add prohibit 10.98.3.0/24
# Routes that scmlb's VIP routes (metric 5 in the test) must leave alone:
# another protocol's, another instance's, another table's.
ip -n "$ns_a" route add blackhole 10.97.0.1/32 table 248 proto static metric 5
ip -n "$ns_a" route add blackhole 10.97.0.2/32 table 248 proto 248 metric 6
ip -n "$ns_a" route add blackhole 10.97.0.3/32 proto 248 metric 5
# IPv6 (issue 16): a global peer on-link, a network behind its link-local
# address, and an IPv4 network through an IPv6 gateway (refused).
ip -n "$ns_a" addr add 2001:db8:99::1/64 dev "$dev_a" nodad
ip -n "$ns_b" addr add 2001:db8:99::2/64 dev "$dev_b" nodad
ip -n "$ns_b" addr add fe80::b/64 dev "$dev_b" nodad
ip -n "$ns_a" -6 route add 2001:db8:98::/64 via fe80::b dev "$dev_a"
ip -n "$ns_a" route add 10.96.0.0/24 via inet6 fe80::b dev "$dev_a"
# A link that stays down, and a static entry that must be left alone.
ip -n "$ns_a" link add scmlbt-down-a type veth peer name scmlbt-down-b
ip -n "$ns_a" neigh add 10.99.0.50 lladdr 02:00:00:00:00:50 nud permanent \
	dev "$dev_a"

field() {
	ip -n "$1" -j link show dev "$2" |
		python3 -c "import json,sys; print(json.load(sys.stdin)[0]['$3'])"
}

ifindex_a=$(field "$ns_a" "$dev_a" ifindex)
mac_a=$(field "$ns_a" "$dev_a" address)
mac_b=$(field "$ns_b" "$dev_b" address)

# Wait for the carrier so the first ARP request is not dropped.
for _ in $(seq 50); do
	if ip -n "$ns_a" link show dev "$dev_a" | grep -q LOWER_UP; then
		break
	fi
	sleep 0.1
done

# The resolution test must start from nothing the kernel already knows;
# flush leaves permanent entries alone.
ip -n "$ns_a" neigh flush dev "$dev_a"

ip netns exec "$ns_a" "$bin" "$dev_a" "$ifindex_a" "$mac_a" \
	10.99.0.1 10.99.0.2 "$mac_b" 10.99.0.77 10.99.0.78
