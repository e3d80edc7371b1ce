#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# IPv6 in the tools (issue 16): services and backends of IPv6, resolved by
# neighbour discovery (also through a link-local gateway), the family rule,
# RFC 5952 output in get, status, save and metrics, IPv6 conntrack entries.
# Traffic through the data plane is 200-ipv6.bats's.

load helpers

VIP6=2001:db8:11::11
BE6=2001:db8:4::2
BE6_GW=2001:db8:44::2

# ipv6_on NS: IPv6 on, no duplicate address detection to wait for
ipv6_on() {
	topo_exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

setup_file() {
	lb_up native
	ipv6_on lb
	ipv6_on backend1
	topo_exec lb ip addr add fe80::1/64 dev be1 nodad
	topo_exec lb ip addr add 2001:db8:4::1/64 dev be1 nodad
	topo_exec backend1 ip addr add "$BE6/64" dev eth0 nodad
	# a backend behind a gateway known only by its link-local address
	topo_exec backend1 ip addr add fe80::b1/64 dev eth0 nodad
	topo_exec backend1 ip addr add "$BE6_GW/128" dev lo
	topo_exec lb ip -6 route add 2001:db8:44::/64 via fe80::b1 dev be1
	topo_exec lb sysctl -qw net.ipv6.conf.all.forwarding=1
}

teardown_file() {
	lb_down
}

# be_field ID FIELD: a backend's FIELD in the lb get --json of $output
be_field() {
	jq -r --argjson id "$1" ".[] | select(.id == \$id) | .$2" <<<"$output"
}

# the MAC of backend1's eth0, where both IPv6 backends' frames go
backend1_mac() {
	topo_exec backend1 ip -j link show dev eth0 | jq -r '.[0].address'
}

@test "ipv6: a service and backends of IPv6, in RFC 5952 form, resolved by neighbour discovery" {
	run -0 scmlb svc set -v 2001:DB8:11:0:0:0:0:11 -t tcp -P 80 -S maglev
	svc=$output
	run -0 scmlb svc get --json
	[ "$(jq -r --argjson id "$svc" '.[] | select(.id == $id) | .vip' <<<"$output")" = "$VIP6" ]
	run -0 scmlb lb set -n web6 -a "$BE6" -s "$svc"
	be=$output
	run -0 scmlb lb set -n gw6 -a "$BE6_GW" -s "$svc" -p 8080
	gw=$output
	run -0 scmlb lb get --json
	mac=$(backend1_mac)
	for id in "$be" "$gw"; do
		[ "$(be_field "$id" device)" = be1 ]
		[ "$(be_field "$id" mac)" = "$mac" ]
	done
	[ "$(be_field "$be" address)" = "$BE6" ]
	[ "$(be_field "$gw" address)" = "$BE6_GW" ]
	# status shows an IPv6 VIP and backend with its port in brackets
	run -0 scmlb status
	[[ $output == *"TCP  [$VIP6]:80"*"  -> [$BE6]:80 "*"  -> [$BE6_GW]:8080 "* ]]
	# announced for a routing daemon, as IPv4 VIPs are (a /128 in table 248)
	tag=$(stat -c %i "$SCMLB_PIN_DIR")
	run -0 topo_exec lb ip -6 route show table 248
	[[ $output =~ "blackhole $VIP6 dev lo proto "(248|scmlb)" metric $tag " ]]
	run -0 scmlb status --json
	[ "$(jq -c .announced <<<"$output")" = "[\"$TOPO_VIP\",\"$VIP6\"]" ]
	# the reply index has the IPv6 backend (a nat port service)
	run -0 bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_reply_index"
	[ "$(jq '[.[] | select(.formatted.key.family == 10)] | length' <<<"$output")" -eq 2 ]
}

@test "ipv6: a service's VIP and backends are one family; VIPs and backends do not overlap" {
	svc=$(scmlb svc get --json | jq -r --arg v "$VIP6" '.[] | select(.vip == $v) | .id')
	before=$(state)
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.9 -s "$svc"
	[ "$stderr" = "scmlb-lb: service $svc is IPv6: backend 10.0.4.9 is IPv4" ]
	expect_fail 2 scmlb-lb set -n web9 -a 2001:db8:4::9 -s 1
	[ "$stderr" = "scmlb-lb: service 1 is IPv4: backend 2001:db8:4::9 is IPv6" ]
	expect_fail 2 scmlb-lb set -n web9 -a "$VIP6" -s "$svc"
	[[ $stderr == *"'$VIP6': it is a VIP" ]]
	expect_fail 2 scmlb-svc set -v 2001:db8:4:0::2
	[[ $stderr == *"'$BE6': it is a backend's address" ]]
	[ "$(state)" = "$before" ]
	# dr is the same for both families: only MACs change
	run -0 scmlb svc set -v 2001:db8:11::12 -t udp -P 53 --forward dr
	run -0 scmlb svc delete -i "$output"
	# ipip over IPv6 is ip6ip6
	run -0 scmlb svc set -v 2001:db8:11::13 -t tcp -P 80 --forward ipip
	id=$output
	run -0 scmlb svc get --json
	jq -e --arg v 2001:db8:11::13 \
		'.[] | select(.vip == $v) | .forward == "ipip"' <<<"$output"
	run -0 scmlb svc delete -i "$id"
}

# ct6_put MAP KEY-WORDS VALUE-WORDS: one entry, as bytes for bpftool
ct6_put() {
	bpftool map update pinned "$SCMLB_PIN_DIR/$1" key hex $2 value hex $3
}

@test "ipv6: conntrack get lists IPv6 flows with their replies' packets; status counts, flush removes them" {
	svc=$(scmlb svc get --json | jq -r --arg v "$VIP6" '.[] | select(.vip == $v) | .id')
	be=$(scmlb lb get --json | jq -r '.[] | select(.name == "web6") | .id')
	beid=$(printf '%02x 00 00 00' "$be")
	svcid=$(printf '%02x 00 00 00' "$svc")
	client="20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 02"
	vip="20 01 0d b8 00 11 00 00 00 00 00 00 00 00 00 11"
	backend="20 01 0d b8 00 04 00 00 00 00 00 00 00 00 00 02"
	# client:40000 -> VIP:80, tcp, family 10; established, 5 packets
	ct6_put ct6_flows "$client $vip 9c 40 00 50 06 0a 00 00" \
		"00 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00 $beid $svcid
		 $backend 00 50 02 00 00 00 00 01 02 00 00 00 00 00 00 00"
	# its reply, backend:80 -> client:40000, 3 packets
	ct6_put ct6_replies "$backend $client 00 50 9c 40 06 0a 00 00" \
		"00 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00 $beid $svcid
		 $vip 00 50 02 00 00 00 00 01 02 01 00 00 00 00 00 00"
	run -0 scmlb lb conntrack get --json
	flow=$(jq -c '.[] | select(.dst_addr == "2001:db8:11::11")' <<<"$output")
	[ "$(jq -r .src_addr <<<"$flow")" = 2001:db8:1::2 ]
	fields='[.src_port, .dst_port, .protocol, .backend_id, .status, .packets]'
	[ "$(jq -r "$fields | join(\" \")" <<<"$flow")" = "40000 80 tcp $be established 8" ]
	run -0 scmlb lb conntrack get
	[[ $output == *"2001:db8:1::2 "*"2001:db8:11::11 "*"40000"* ]]
	run -0 scmlb status --json
	[ "$(jq .conntrack_entries <<<"$output")" -eq 1 ]
	run -0 scmlb lb conntrack flush
	[ "$output" = "1 flow flushed" ]
	for map in ct6_flows ct6_replies; do
		run -0 bpftool -j map dump pinned "$SCMLB_PIN_DIR/$map"
		[ "$(jq length <<<"$output")" -eq 0 ]
	done
}

@test "ipv6: save writes IPv6 lines as typed; restore reads them back to the same configuration" {
	run -0 scmlb save
	saved=$output
	[[ $saved == *"svc set -v $VIP6 -t tcp -P 80 -S maglev"* ]]
	[[ $saved == *"lb set -n web6 -a $BE6 -s 2"* ]]
	[[ $saved == *"lb set -n gw6 -a $BE6_GW -s 2 "*"-p 8080"* ]]
	printf '%s\n' "$saved" >"$BATS_TEST_TMPDIR/conf"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/conf"
	run -0 scmlb save
	[ "$output" = "$saved" ]
}

@test "ipv6: metrics label IPv6 VIPs and backends in RFC 5952 form" {
	run -0 scmlb stat --prometheus
	[[ $output == *"vip=\"$VIP6\""* ]]
	[[ $output == *"address=\"$BE6\""* ]]
}
