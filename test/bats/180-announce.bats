#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The VIPs' routes for BIRD: the load balancer's namespace runs BIRD with
# examples/bird.conf (its addresses changed), the client's namespace is a
# router that peers with it over BGP; the router has a route to the VIP
# exactly while the load balancer can serve it.

load helpers

TABLE=248
ROUTER_ADDR=$TOPO_CLIENT_ADDR
VIP2=203.0.113.12

# bird_start NS NAME CONF: a BIRD in NS with its own control socket
bird_start() {
	topo_exec "$1" bird -c "$3" -s "$TOPO_TMP/bird-$2.ctl" \
		-P "$TOPO_TMP/bird-$2.pid"
}

# node_routes: scmlb's routes in the load balancer's namespace
node_routes() {
	topo_exec lb ip -4 route show table "$TABLE" proto "$TABLE"
}

# router_has ADDR: the router has a route to ADDR/32 that BIRD put there
router_has() {
	topo_exec client ip -4 route show exact "$1/32" proto bird | grep -q .
}

# wait_router present|absent [ADDR]: until the router's route is so, 30 s at most
wait_router() {
	local n addr=${2:-$TOPO_VIP}
	for n in $(seq 150); do
		if router_has "$addr"; then
			[ "$1" = present ] && return 0
		else
			[ "$1" = absent ] && return 0
		fi
		sleep 0.2
	done
	echo "router: route to $addr not $1 after 30 s; node's routes:" >&2
	node_routes >&2
	topo_exec lb birdc -s "$TOPO_TMP/bird-node.ctl" show route table scmlb_vips all >&2 || true
	topo_exec client birdc -s "$TOPO_TMP/bird-router.ctl" show protocols all >&2 || true
	return 1
}

# since T0: seconds since T0 (from now_s), to the millisecond
now_s() {
	date +%s.%N
}

since() {
	awk -v now="$(now_s)" -v t0="$1" 'BEGIN { printf "%.3f", now - t0 }'
}

# This instance's metric: its pin directory's inode number.
tag() {
	stat -c %i "$SCMLB_PIN_DIR"
}

setup_file() {
	lb_up native
	# the router learns the VIP from BGP, not from a static route
	topo_exec client ip route del "$TOPO_VIP/32"
	sed -e 's/192\.0\.2\.10\b/'"$TOPO_LB_ADDR"'/g' \
		-e 's/192\.0\.2\.1\b/'"$ROUTER_ADDR"'/g' \
		"$BATS_TEST_DIRNAME/../../examples/bird.conf" >"$TOPO_TMP/bird-node.conf"
	cat >"$TOPO_TMP/bird-router.conf" <<-EOF
		router id $ROUTER_ADDR;
		protocol device {
		}
		protocol kernel {
			ipv4 { import none; export all; };
		}
		protocol bgp node {
			local $ROUTER_ADDR as 65000;
			neighbor $TOPO_LB_ADDR as 65010;
			hold time 9;
			connect retry time 1;
			ipv4 { import all; export none; };
		}
	EOF
	bird_start lb node "$TOPO_TMP/bird-node.conf"
	bird_start client router "$TOPO_TMP/bird-router.conf"
	# iproute2 names the protocol from the file scmlb installs (in this
	# run's own mount namespace)
	mount -t tmpfs tmpfs /etc/iproute2/rt_protos.d
	cp "$BATS_TEST_DIRNAME/../../examples/scmlb.conf" /etc/iproute2/rt_protos.d/
}

teardown_file() {
	umount /etc/iproute2/rt_protos.d 2>/dev/null || true
	lb_down
}

@test "announce: a servable VIP has a route in table 248, proto scmlb, which the router learns over BGP" {
	run -0 node_routes
	[ "$(echo "$output" | sed 's/ *$//')" = "blackhole $TOPO_VIP metric $(tag)" ]
	run -0 topo_exec lb ip -4 route show table "$TABLE"
	[[ $output == *"blackhole $TOPO_VIP proto scmlb metric $(tag)"* ]]
	run -0 scmlb status --json
	[ "$(jq -c '[.announced, [.warnings[] | select(test("table 248"))]]' <<<"$output")" = "[[\"$TOPO_VIP\"],[]]" ]
	run -0 scmlb status
	[[ $output == *"Announced:       $TOPO_VIP (routes in table $TABLE, metric $(tag))"* ]]
	# the host's own forwarding does not see it
	run -0 topo_exec lb ip -4 route show table main
	[[ $output != *"$TOPO_VIP"* ]]
	wait_router present
	run -0 topo_exec client ip -4 route show exact "$TOPO_VIP/32"
	[[ $output == "$TOPO_VIP via $TOPO_LB_ADDR dev eth0 proto bird "* ]]
	# and clients reach the VIP through it
	run -0 who
	[[ " ${TOPO_BACKENDS[*]} " == *" $output "* ]]
}

@test "announce: withdrawn when every backend fails its health check, back when one answers" {
	local i
	wait_router present
	for i in 1 2 3; do
		touch "${TOPO_TMP}/${TOPO_PREFIX}health-$i"
	done
	run -0 scmlb health
	run -0 node_routes
	[ -n "$output" ]	# one failed check is not enough
	run -0 scmlb health
	[ "$(scmlb lb get --json | jq -r '[.[].health] | unique | join(",")')" = unhealthy ]
	run -0 node_routes
	[ -z "$output" ]
	wait_router absent
	rm "${TOPO_TMP}/${TOPO_PREFIX}health-2"
	run -0 scmlb health
	[[ $output == "backend 2 (web2, 10.0.5.2): healthy, was unhealthy" ]]
	wait_router present
	run -0 who
	[ "$output" = 10.0.5.2 ]
	rm "${TOPO_TMP}/${TOPO_PREFIX}health-1" "${TOPO_TMP}/${TOPO_PREFIX}health-3"
	run -0 scmlb health
	[ "$(scmlb lb get --json | jq -r '[.[].health] | unique | join(",")')" = healthy ]
}

@test "announce: withdrawn when the last backend is drained, and while none is left; a new one brings it back" {
	wait_router present
	scmlb lb drain -i 1
	scmlb lb drain -i 2
	run -0 node_routes
	[[ $output == "blackhole $TOPO_VIP metric $(tag)"* ]]
	t0=$(now_s)
	scmlb lb drain -i 3
	run -0 node_routes
	[ -z "$output" ]
	wait_router absent
	# BIRD hears of the route at once, not at its next scan (10 s)
	dt=$(since "$t0")
	echo "# drain to withdrawn at the router: $dt s" >&3
	awk -v dt="$dt" 'BEGIN { exit !(dt < 5) }'
	t0=$(now_s)
	scmlb lb undrain -i 3
	wait_router present
	dt=$(since "$t0")
	echo "# undrain to announced at the router: $dt s" >&3
	awk -v dt="$dt" 'BEGIN { exit !(dt < 5) }'
	scmlb lb drain -i 3
	wait_router absent
	scmlb lb delete -i 1
	scmlb lb delete -i 2
	scmlb lb delete -i 3
	run -0 node_routes
	[ -z "$output" ]
	run -0 scmlb lb set -n web1 -a "${TOPO_BACKENDS[0]}"
	[ "$output" = 4 ]
	wait_router present
	run -0 who
	[ "$output" = "${TOPO_BACKENDS[0]}" ]
}

@test "announce: scmlb-gc puts back a missing route and removes a stale one, and leaves other routes alone" {
	local other=$(($(tag) + 1))
	wait_router present
	# another program's route in the table: BIRD does not export it
	topo_exec lb ip route add blackhole 198.51.100.9/32 table "$TABLE" \
		proto static metric "$(tag)"
	# what a tool killed half-way, or a person, could leave
	topo_exec lb ip route del blackhole "$TOPO_VIP/32" table "$TABLE" \
		proto "$TABLE" metric "$(tag)"
	topo_exec lb ip route add blackhole 198.51.100.7/32 table "$TABLE" \
		proto "$TABLE" metric "$(tag)"
	# another instance's
	topo_exec lb ip route add blackhole 198.51.100.8/32 table "$TABLE" \
		proto "$TABLE" metric "$other"
	wait_router absent
	wait_router present 198.51.100.7
	wait_router present 198.51.100.8
	run -0 scmlb status --json
	[ "$(jq -c '[.announced, [.warnings[] | select(test("table 248"))]]' <<<"$output")" = \
		"[[\"198.51.100.7\"],[\"VIP 198.51.100.7 has a route in table $TABLE but cannot be served: scmlb-gc deletes it\",\"VIP $TOPO_VIP can be served but has no route in table $TABLE: scmlb-gc adds it\"]]" ]
	run -0 scmlb gc
	run -0 node_routes
	[ "$(echo "$output" | sed 's/ *$//')" = "$(printf 'blackhole 198.51.100.8 metric %s\nblackhole %s metric %s' \
		"$other" "$TOPO_VIP" "$(tag)")" ]
	run -0 topo_exec lb ip -4 route show table "$TABLE" proto static
	[ "$(echo "$output" | sed 's/ *$//')" = "blackhole 198.51.100.9 metric $(tag)" ]
	wait_router present
	wait_router absent 198.51.100.7
	run -1 router_has 198.51.100.9
	topo_exec lb ip route del blackhole 198.51.100.8/32 table "$TABLE" metric "$other"
	topo_exec lb ip route del blackhole 198.51.100.9/32 table "$TABLE" proto static
	wait_router absent 198.51.100.8
}

@test "announce: a second instance's routes are its own; neither withdraws the other's" {
	OTHER=/sys/fs/bpf/scmlbt-180-other
	ip netns add "$(topo_ns backend4)"
	topo_link backend4 eth0 10.0.7.2 lb be4 10.0.7.1
	topo_exec lb ip link add fx0 type veth peer name fx1
	topo_exec lb ip link set fx0 up
	topo_exec lb ip link set fx1 up
	run -0 scmlb attach -u fx0 -v "$VIP2" --pin-dir "$OTHER"
	run -0 scmlb lb set -n w4 -a 10.0.7.2 --pin-dir "$OTHER"
	wait_router present "$VIP2"
	run -0 node_routes
	[[ $output == *"blackhole $VIP2 metric $(stat -c %i "$OTHER")"* ]]
	[[ $output == *"blackhole $TOPO_VIP metric $(tag)"* ]]
	[ "$(stat -c %i "$OTHER")" != "$(tag)" ]
	# each instance's changes leave the other's route alone
	run -0 scmlb gc
	run -0 scmlb gc --pin-dir "$OTHER"
	run -0 scmlb lb drain -i 4
	wait_router absent
	router_has "$VIP2"
	run -0 scmlb lb undrain -i 4
	wait_router present
	# both serve the VIP: BIRD keeps it while either has its route
	run -0 scmlb svc set -v "$TOPO_VIP" -t tcp -P 80 --pin-dir "$OTHER"
	run -0 scmlb lb set -n w4b -a 10.0.7.2 -s 2 --pin-dir "$OTHER"
	run -0 node_routes
	[[ $output == *"blackhole $TOPO_VIP metric $(stat -c %i "$OTHER")"* ]]
	run -0 scmlb lb drain -i 4
	run -0 node_routes
	[[ $output != *"blackhole $TOPO_VIP metric $(tag)"* ]]
	for n in $(seq 10); do
		router_has "$TOPO_VIP"
		sleep 0.1
	done
	run -0 scmlb lb undrain -i 4
	run -0 scmlb detach --pin-dir "$OTHER"
	wait_router absent "$VIP2"
	router_has "$TOPO_VIP"
	run -0 node_routes
	[ "$(echo "$output" | sed 's/ *$//')" = "blackhole $TOPO_VIP metric $(tag)" ]
}

@test "announce: scmlb-detach withdraws the VIP, attach announces it again" {
	wait_router present
	run -0 scmlb detach --keep-maps
	run -0 node_routes
	[ -z "$output" ]
	wait_router absent
	# kept maps: the backend is back with the programs
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	wait_router present
	run -0 who
	[ "$output" = "${TOPO_BACKENDS[0]}" ]
	run -0 scmlb detach
	wait_router absent
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	run -0 node_routes
	[ -z "$output" ]	# no backend yet
	run -0 scmlb lb set -n web1 -a "${TOPO_BACKENDS[0]}"
	wait_router present
	run -0 who
	[ "$output" = "${TOPO_BACKENDS[0]}" ]
}

@test "announce: a route that cannot be written is one warning and fails nothing; the next scmlb-gc pass writes it" {
	wait_router present
	# without CAP_NET_ADMIN the maps can be written, the routes not
	run -0 --separate-stderr setpriv --bounding-set -net_admin \
		nsenter --net="/run/netns/$(topo_ns lb)" "$SCMLB_BUILD/tools/scmlb" lb drain -i 1
	[ "$stderr" = "scmlb-lb: warning: cannot update the routes of the VIPs in table $TABLE: Operation not permitted" ]
	[ "$(scmlb lb get --json | jq -r '.[0].status')" = Unavailable ]
	run -0 node_routes
	[ -n "$output" ]
	run -0 --separate-stderr scmlb gc
	[ -z "$stderr" ]
	run -0 node_routes
	[ -z "$output" ]
	wait_router absent
	scmlb lb undrain -i 1
	wait_router present
}
