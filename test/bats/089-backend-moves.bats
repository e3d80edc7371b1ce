#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A backend whose MAC or interface changes keeps its connections and gets
# new ones within a scmlb-gc pass.

load helpers

setup_file() {
	lb_up native
}

teardown_file() {
	lb_down
}

# Who answers a new connection from 12 tries: the backends' addresses.
answering() {
	who_counts 12 | awk '{print $1}' | tr '\n' ' '
}

@test "moves: a backend's new MAC (a re-created container) is followed in one gc pass; its connection keeps echoing" {
	local be addr
	conn_open 7070
	conn_echo "before"
	be=$(backend_of_port 7070)
	addr=${TOPO_BACKENDS[$((be - 1))]}
	topo_exec "backend$be" ip link set eth0 address "02:00:00:00:be:0$be"
	# the backend's next ARP request tells the load balancer's kernel
	topo_exec "backend$be" ip neigh flush dev eth0
	topo_exec "backend$be" ping -c 1 -W 1 "10.0.$((be + 3)).1" >/dev/null
	run -0 scmlb gc
	[[ $output == *"backend $be: now through be$be to 02:00:00:00:be:0$be"* ]]
	run -0 scmlb lb get --json
	[ "$(jq -r ".[] | select(.id == $be) | .mac" <<<"$output")" = "02:00:00:00:be:0$be" ]
	conn_echo "after the MAC change"
	[[ $(answering) == *"$addr "* ]]
	# nothing changed since: the next pass moves nothing
	run -0 scmlb gc --json
	[ "$(jq '.backends_moved | length' <<<"$output")" -eq 0 ]
	conn_close
}

@test "moves: a backend reached through another interface now (a new NIC) is followed: attached there, connections kept" {
	local addr=${TOPO_BACKENDS[0]}
	# backend 1 alone takes new connections
	scmlb lb drain -i 2 >/dev/null
	scmlb lb drain -i 3 >/dev/null
	conn_open 7070
	conn_echo "before"
	[ "$(backend_of_port 7070)" = 1 ]
	# backend 1's address moves to a new link, be1b <-> eth1
	ip link add be1b netns "$(topo_ns lb)" type veth peer name eth1 \
		netns "$(topo_ns backend1)"
	topo_exec backend1 ethtool -K eth1 tx off gro on >/dev/null
	topo_exec lb ethtool -K be1b tx off >/dev/null
	topo_exec lb ip link set be1 down
	topo_exec lb ip addr add 10.0.4.1/24 dev be1b
	topo_exec lb ip link set be1b up
	topo_exec backend1 ip link set eth0 down
	topo_exec backend1 ip addr add "$addr/24" dev eth1
	topo_exec backend1 ip link set eth1 up
	topo_exec backend1 ip route add default via 10.0.4.1
	topo_exec backend1 ping -c 1 -W 2 10.0.4.1 >/dev/null
	run -0 scmlb gc
	[[ $output == *"backend 1: now through be1b to "* ]]
	[ -n "$(topo_exec lb ip -d link show be1b | grep -o 'prog/xdp id [0-9]*')" ]
	[ "$(answering)" = "$addr " ]
	conn_echo "after the move"
	conn_close
}
