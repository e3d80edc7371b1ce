#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Direct return with real traffic: backends on the load balancer's L2
# segment hold the VIPs on lo and answer the client themselves, their
# replies never crossing the load balancer; dr (svc set --forward dr) to
# their MACs, ipip to scmlb-decap on their interfaces (this kernel has no
# ipip module).
#
#   client eth0 (10.0.1.2) --- up0 (10.0.1.1) lb seg0 (10.0.9.1) --+
#   client eth1 (10.0.9.254) ---------------- bridge (ns sw) -------+
#                               backend1 eth0 (10.0.9.2) -----------+
#                               backend2 eth0 (10.0.9.3) -----------+
#
# The client reaches the VIP through the load balancer; the backends'
# default route is the client's eth1 (a router toward the clients).

load helpers

SEG_BACKENDS=(10.0.9.2 10.0.9.3)
VIP2=203.0.113.12
DECAP=$SCMLB_BUILD/tools/scmlb-decap

# seg_port NS IF ADDR: NS's interface IF on the bridge, with ADDR/24
seg_port() {
	local port="p-$1"
	ip link add "$2" netns "$(topo_ns "$1")" type veth peer name "$port" \
		netns "$(topo_ns sw)"
	topo_exec "$1" ip addr add "$3/24" dev "$2"
	topo_exec "$1" ip link set "$2" up
	topo_exec sw ip link set "$port" master br0 up
}

setup_file() {
	local i ns
	topo_down
	for ns in client lb sw backend1 backend2; do
		ip netns add "$(topo_ns "$ns")"
		topo_exec "$ns" ip link set lo up
	done
	topo_exec sw ip link add br0 type bridge
	topo_exec sw ip link set br0 up
	topo_link client eth0 "$TOPO_CLIENT_ADDR" lb up0 "$TOPO_LB_ADDR"
	topo_exec lb ip addr add "$TOPO_VIP/32" dev lo
	topo_exec lb ip addr add "$VIP2/32" dev lo
	topo_exec client ip route add "$TOPO_VIP/32" via "$TOPO_LB_ADDR"
	topo_exec client ip route add "$VIP2/32" via "$TOPO_LB_ADDR"
	seg_port lb seg0 10.0.9.1
	seg_port client eth1 10.0.9.254
	# replies come in on eth1 from a VIP routed through eth0: loose
	topo_exec client sysctl -qw net.ipv4.conf.all.rp_filter=2 \
		net.ipv4.conf.eth1.rp_filter=2 net.ipv4.ip_forward=1
	for i in 1 2; do
		ns=backend$i
		seg_port "$ns" eth0 "${SEG_BACKENDS[$((i - 1))]}"
		# the README's set-up: the VIP on lo, never announced by ARP
		topo_exec "$ns" ip addr add "$TOPO_VIP/32" dev lo
		topo_exec "$ns" ip addr add "$VIP2/32" dev lo
		topo_exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 \
			net.ipv4.conf.eth0.rp_filter=2
		topo_exec "$ns" ip route add default via 10.0.9.254
		topo_exec "$ns" ethtool -K eth0 tx off gro on >/dev/null
		topo_exec "$ns" "$TESTAPP" --name "$ns" \
			--health-file "${TOPO_TMP}/${TOPO_PREFIX}health-$i" \
			>/dev/null 2>&1 &
	done
	topo_exec client ethtool -K eth0 tx off gro on >/dev/null
	topo_exec client ethtool -K eth1 tx off gro on >/dev/null
	for i in 1 2; do
		topo_wait_port "backend$i" 8080
	done
}

teardown_file() {
	lb_down
}

setup() {
	scmlb attach -u up0 -m skb >/dev/null
	scmlb svc set -v "$TOPO_VIP" -t tcp -P 8080 --forward dr >/dev/null
	scmlb lb set -n web1 -a "${SEG_BACKENDS[0]}" >/dev/null
	scmlb lb set -n web2 -a "${SEG_BACKENDS[1]}" >/dev/null
}

teardown() {
	scmlb detach >/dev/null 2>&1 || true
	topo_exec backend1 "$DECAP" detach -i eth0 >/dev/null 2>&1 || true
	topo_exec backend2 "$DECAP" detach -i eth0 >/dev/null 2>&1 || true
}

@test "dr: each backend answers in turn from the VIP, its replies bypassing the load balancer" {
	run -0 who_counts 6
	[ "$output" = "$(printf 'backend1 3\nbackend2 3')" ]
	run -0 scmlb stat --json
	# every client packet forwarded, no reply came back through us
	[ "$(jq '.returned' <<<"$output")" -eq 0 ]
	[ "$(jq '.forwarded' <<<"$output")" -ge 24 ]
	run -0 scmlb lb get --json
	jq -e 'all(.[]; .pkts_in >= 12 and .pkts_out == 0 and .conns == 3)' <<<"$output"
	# the flows are tracked, established or closing: the client's ACK
	# promoted them though no SYN-ACK came by
	run -0 scmlb lb conntrack get --json
	jq -e 'length == 6 and all(.[]; .state != "opening")' <<<"$output"
}

@test "dr: a long-lived connection keeps its backend" {
	local i first
	first=$(topo_exec client timeout 5 socat -t 3 - \
		"TCP:$TOPO_VIP:8080,sourceport=45000,reuseaddr" \
		<<<$'GET /who HTTP/1.0\r\n\r\n' | tail -n 1)
	[[ $first == backend[12] ]]
	for i in 1 2 3; do
		run -0 bash -c "printf 'GET /who HTTP/1.0\r\n\r\n' |
			nsenter --net=/run/netns/$(topo_ns client) timeout 5 socat -t 3 - \
			TCP:$TOPO_VIP:8080,sourceport=45000,reuseaddr | tail -n 1"
		[ "$output" = "$first" ]
		sleep 0.2
	done
}

@test "dr: svc get, save and restore carry the mode" {
	run -0 scmlb svc get --json
	jq -e '.[0].forward == "dr" and .[0].port == 8080' <<<"$output"
	run -0 scmlb save
	[[ $output == *"svc set -v $TOPO_VIP -t tcp -P 8080 -S rr --forward dr"* ]]
	conf=$output
	run -0 scmlb restore --check <<<"$conf"
	run -0 scmlb restore --flush <<<"$conf"
	run -0 scmlb svc get --json
	jq -e '.[0].forward == "dr"' <<<"$output"
	run -0 who_counts 2
	[ "$output" = "$(printf 'backend1 1\nbackend2 1')" ]
}

@test "dr: a backend with a port of its own is bad input and changes nothing" {
	before=$(state)
	run -2 --separate-stderr scmlb lb set -n web3 -a 10.0.9.254 -p 9090
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-lb: invalid port '9090': service 1 forwards by dr, which keeps the client's port 8080" ]
	[ "$(state)" = "$before" ]
	# its own port, the service's, is fine
	run -0 scmlb lb set -n web3 -a 10.0.9.254 -p 8080
}

@test "ipip: backends behind scmlb-decap answer from the VIP; an upload past the MTU gets through by fragmentation needed" {
	local i data got
	run -0 scmlb svc set -v "$VIP2" -t tcp --forward ipip
	[ "$output" = 2 ]
	scmlb lb set -s 2 -n ip1 -a "${SEG_BACKENDS[0]}" >/dev/null
	scmlb lb set -s 2 -n ip2 -a "${SEG_BACKENDS[1]}" >/dev/null
	for i in 1 2; do
		topo_exec "backend$i" "$DECAP" attach -i eth0 >/dev/null
	done
	run -0 bash -c "for i in 1 2 3 4; do
		nsenter --net=/run/netns/$(topo_ns client) curl -sS --max-time 3 \
			http://$VIP2:8080/who; done | sort | uniq -c | awk '{print \$2, \$1}'"
	[ "$output" = "$(printf 'backend1 2\nbackend2 2')" ]
	# full-sized segments do not fit seg0 (MTU 1500) once encapsulated:
	# the client learns 1480 from the VIP's ICMP error and sends again
	data=$BATS_TEST_TMPDIR/upload
	head -c 300000 /dev/urandom | base64 -w 100 >"$data"
	got=$(topo_exec client timeout 15 socat -t 5 - "TCP:$VIP2:7070" <"$data" | md5sum)
	[ "$got" = "$(md5sum <"$data")" ]
	run -0 scmlb stat --json
	[ "$(jq '.too_big' <<<"$output")" -ge 1 ]
	[ "$(jq '.returned' <<<"$output")" -eq 0 ]
	run -0 topo_exec client ip route get "$VIP2"
	[[ $output == *"mtu 1480"* ]]
	run -0 scmlb lb conntrack get --json
	jq -e '[.[] | select(.service == 2)] | length == 5 and all(.[]; .state != "opening")' <<<"$output"
}
