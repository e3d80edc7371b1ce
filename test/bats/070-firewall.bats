#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The firewall with real traffic, its drop counters, scmlb-stat, bad input.

load helpers

CLIENT2=10.0.1.3

setup_file() {
	lb_up native
	# a second client: another address on the client host
	topo_exec client ip addr add "$CLIENT2/24" dev eth0
}

teardown_file() {
	lb_down
}

# rule_dropped ID: the DROPPED count of rule ID
rule_dropped() {
	scmlb fw get --json | jq ".[] | select(.id == $1) | .dropped"
}

udp_echo() {
	topo_exec client timeout 5 socat -t 2 - "UDP:$TOPO_VIP:9090" <<<"$1"
}

@test "fw: a tcp rule on dst ports 8000-9000 blocks HTTP to the VIP, not UDP echo" {
	run -0 scmlb fw set -t tcp -d 8000-9000
	id=$output
	[[ $id =~ ^[0-9]+$ ]]
	run who
	[ "$status" -ne 0 ]
	run who
	[ "$status" -ne 0 ]
	run udp_echo "through the firewall"
	[ "$output" = "through the firewall" ]
	# TCP echo on 7070 is outside the range
	run topo_exec client timeout 5 socat -t 2 - "TCP:$TOPO_VIP:7070" <<<"tcp 7070"
	[ "$output" = "tcp 7070" ]
	[ "$(rule_dropped "$id")" -ge 2 ]
	run -0 scmlb fw get
	[[ ${lines[0]} == "ID  NETWORK    SRCFROMPORT  SRCTOPORT  DSTFROMPORT  DSTTOPORT  PROTOCOL  DROPPED  POLICY" ]]
	# a rule added by hand has no policy
	[[ ${lines[1]} =~ ^$id\ +0\.0\.0\.0/0\ +0\ +0\ +8000\ +9000\ +tcp\ +[0-9]+\ +-$ ]]
	run -0 scmlb fw get --json
	jq -e --argjson id "$id" '.[] | select(.id == $id) | has("policy") and .policy == null' \
		<<<"$output"
	run -0 scmlb fw delete -i "$id"
	run -0 who
	[[ $output == 10.0.* ]]
	[ "$(scmlb fw get --json)" = "[]" ]
}

@test "fw: set -p is -t, as in scmlb-dos: a udp rule made with -p drops UDP echo, not HTTP" {
	run -0 scmlb fw set -p udp -d 9090
	id=$output
	run -0 scmlb fw get --json
	jq -e --argjson id "$id" '.[] | select(.id == $id) |
		.protocol == "udp" and .dst_from_port == 9090 and .dst_to_port == 9090' \
		<<<"$output"
	run udp_echo "dropped"
	[ -z "$output" ]
	[ "$(rule_dropped "$id")" -ge 1 ]
	run -0 who
	[[ $output == 10.0.* ]]
	run -0 scmlb fw delete -i "$id"
	run -0 udp_echo "through again"
	[ "$output" = "through again" ]
	# the long form and -t give the same rule
	run -0 scmlb fw set --protocol udp -d 9090
	a=$output
	run -0 scmlb fw set -t udp -d 9090
	b=$output
	run -0 scmlb fw get --json
	[ "$(jq -c ".[] | select(.id == $a) | del(.id)" <<<"$output")" = \
	  "$(jq -c ".[] | select(.id == $b) | del(.id)" <<<"$output")" ]
	scmlb fw delete -i "$a"
	scmlb fw delete -i "$b"
}

@test "fw: a rule on one client's /32 leaves a second client working" {
	run -0 scmlb fw set -n "$TOPO_CLIENT_ADDR/32"
	id=$output
	run topo_exec client curl -sS --max-time 2 "http://$TOPO_VIP:8080/who"
	[ "$status" -ne 0 ]
	run -0 topo_exec client curl -sS --max-time 3 --interface "$CLIENT2" "http://$TOPO_VIP:8080/who"
	[[ $output == 10.0.* ]]
	# the rule covers every protocol: ping from the first client fails too
	run topo_exec client ping -c 1 -W 1 -I "$TOPO_CLIENT_ADDR" "$TOPO_LB_ADDR"
	[ "$status" -ne 0 ]
	[ "$(rule_dropped "$id")" -ge 2 ]
	run -0 scmlb fw delete -i "$id"
	run -0 who
}

@test "fw: every rule covering the source counts, not only the most specific" {
	run -0 scmlb fw set -n 10.0.0.0/8 -t tcp -d 8080
	wide=$output
	run -0 scmlb fw set -n "$CLIENT2/32" -t udp
	narrow=$output
	# from CLIENT2 only the /8 rule matches HTTP, and it drops
	run topo_exec client curl -sS --max-time 2 --interface "$CLIENT2" "http://$TOPO_VIP:8080/who"
	[ "$status" -ne 0 ]
	[ "$(rule_dropped "$wide")" -ge 1 ]
	[ "$(rule_dropped "$narrow")" -eq 0 ]
	scmlb fw delete -i "$wide"
	run -0 topo_exec client curl -sS --max-time 3 --interface "$CLIENT2" "http://$TOPO_VIP:8080/who"
	scmlb fw delete -i "$narrow"
}

@test "fw: host bits are cleared; ids grow and are never reused" {
	run -0 scmlb fw set -n 10.1.2.3/16 -t udp -s 53
	first=$output
	run -0 scmlb fw get --json
	[ "$(jq -r ".[] | select(.id == $first) | .network" <<<"$output")" = 10.1.0.0/16 ]
	[ "$(jq ".[] | select(.id == $first) | .src_from_port" <<<"$output")" -eq 53 ]
	[ "$(jq ".[] | select(.id == $first) | .src_to_port" <<<"$output")" -eq 53 ]
	[ "$(jq -r ".[] | select(.id == $first) | .protocol" <<<"$output")" = udp ]
	scmlb fw delete -i "$first"
	run -0 scmlb fw set -n 10.1.2.3
	[ "$output" -gt "$first" ]
	run -0 scmlb fw get --json
	[ "$(jq -r '.[0].network' <<<"$output")" = 10.1.2.3/32 ]
	scmlb fw delete -i "$(jq '.[0].id' <<<"$output")"
}

@test "fw: IPv6 rules are set, listed in RFC 5952 form, nested, deleted; IPv4 traffic does not meet them" {
	run -0 scmlb fw set -n 2001:DB8:0:1:0::5/64 -t tcp -d 80-443
	net64=$output
	run -0 scmlb fw set -n 2001:db8:0:0:1:0:0:1/128
	host=$output
	run -0 scmlb fw set -n 2001:db8::/32 -t icmp
	wide=$output
	# every source of either family: the /0 of each
	run -0 scmlb fw set -n ::/0 -t udp -s 53
	all6=$output
	# one id space with IPv4's rules: ids keep growing
	[ "$host" -gt "$net64" ] && [ "$wide" -gt "$host" ] && [ "$all6" -gt "$wide" ]
	run -0 scmlb fw get --json
	net_of() { jq -r ".[] | select(.id == $1) | .network" <<<"$output"; }
	[ "$(net_of "$net64")" = 2001:db8:0:1::/64 ]
	[ "$(net_of "$host")" = 2001:db8::1:0:0:1/128 ]
	[ "$(net_of "$wide")" = 2001:db8::/32 ]
	[ "$(net_of "$all6")" = ::/0 ]
	jq -e --argjson id "$net64" '.[] | select(.id == $id) | .protocol == "tcp" and
		.dst_from_port == 80 and .dst_to_port == 443 and .src_to_port == 0 and
		.dropped == 0 and .policy == null' <<<"$output"
	run -0 scmlb fw get
	[[ ${lines[*]} =~ $host\ +2001:db8::1:0:0:1/128\ +0\ +0\ +0\ +0\ +any ]]
	# IPv6 rules match no IPv4 source: HTTP and UDP from the client still work
	run -0 who
	[[ $output == 10.0.* ]]
	run -0 udp_echo "v4 through v6 rules"
	[ "$output" = "v4 through v6 rules" ]
	for id in "$net64" "$host" "$wide" "$all6"; do
		[ "$(rule_dropped "$id")" -eq 0 ]
	done
	# the enclosing /32 goes first: the /64 and /128 inside it stay
	run -0 scmlb fw delete -i "$wide"
	run -0 scmlb fw get --json
	[ "$(jq -c '[.[].id]' <<<"$output")" = "[$net64,$host,$all6]" ]
	# the same network twice is two rules on one network
	run -0 scmlb fw set -n 2001:db8:0:1::/64 -t udp
	again=$output
	run -0 scmlb fw get --json
	[ "$(net_of "$again")" = 2001:db8:0:1::/64 ]
	for id in "$net64" "$host" "$all6" "$again"; do
		run -0 scmlb fw delete -i "$id"
	done
	[ "$(scmlb fw get --json)" = "[]" ]
	run -0 who
}

@test "fw: IPv6 networks: host bits cleared, /129 and bad text are bad input" {
	run -0 scmlb fw set -n 2001:db8::ffff/112
	id=$output
	run -0 scmlb fw get --json
	[ "$(jq -r ".[] | select(.id == $id) | .network" <<<"$output")" = 2001:db8::/112 ]
	scmlb fw delete -i "$id"
	expect_fail 2 scmlb-fw set -n 2001:db8::/129
	expect_fail 2 scmlb-fw set -n 2001:db8:::1/64
	expect_fail 2 scmlb-fw set -n fe80::1%eth0/64
	expect_fail 2 scmlb-fw set -n 2001:db8::/64 -t icmp -d 80
	run --separate-stderr scmlb_tool scmlb-fw set -n 2001:db8::/129
	[ "$stderr" = "scmlb-fw: invalid network '2001:db8::/129': the prefix length must be 0 to 128" ]
}

@test "stat: counters grow by at least what was sent" {
	before=$(scmlb stat --json)
	run -0 who_counts 10
	for i in 1 2 3; do udp_echo "u$i" >/dev/null; done
	topo_exec client ping -c 3 -W 2 "$TOPO_LB_ADDR" >/dev/null
	run -0 scmlb fw set -t icmp
	id=$output
	run topo_exec client ping -c 2 -W 1 "$TOPO_LB_ADDR"
	scmlb fw delete -i "$id"
	after=$(scmlb stat --json)
	grew() { echo $(($(jq ".$1" <<<"$after") - $(jq ".$1" <<<"$before"))); }
	# 10 connections: at least SYN, ACK, request, FIN, ACK each
	[ "$(grew tcp)" -ge 50 ]
	[ "$(grew udp)" -ge 3 ]
	[ "$(grew icmp)" -ge 5 ]
	[ "$(grew forwarded)" -ge 53 ]
	[ "$(grew returned)" -ge 33 ]
	[ "$(grew fw_dropped)" -ge 2 ]
	[ "$(grew passed)" -ge 3 ]
	run -0 scmlb stat
	[[ ${lines[0]} =~ ^ICMP\ +TCP\ +UDP\ +OTHER\ +PASSED\ +FW\ DROPPED\ +DOS\ DROPPED\ +FORWARDED\ +RETURNED\ +NO\ BACKEND\ +TX\ ERRORS\ +SYN\ BUDGET\ +STATELESS\ +UNROUTED\ +TOO\ BIG\ +SYN-ACKS\ +COOKIES\ OK\ +COOKIES\ BAD\ +BE\ HANDSHAKES$ ]]
	[ "$(grew syn_budget_dropped)" -eq 0 ]
}

@test "scmlb-fw: bad usage and values exit 2 and change nothing" {
	scmlb fw set -t udp -d 53 >/dev/null
	expect_fail 2 scmlb-fw set -n 10.0.0.0/33
	expect_fail 2 scmlb-fw set -n 10.0.0/8
	expect_fail 2 scmlb-fw set -n 10.0.0.0/
	expect_fail 2 scmlb-fw set -n 10.0.0.0/-1
	expect_fail 2 scmlb-fw set -n nonsense
	expect_fail 2 scmlb-fw set -s 65536
	expect_fail 2 scmlb-fw set -d 9000-8000
	expect_fail 2 scmlb-fw set -d 80-
	expect_fail 2 scmlb-fw set -d -80
	expect_fail 2 scmlb-fw set -d 1-2-3
	expect_fail 2 scmlb-fw set -s http
	expect_fail 2 scmlb-fw set -t sctp
	expect_fail 2 scmlb-fw set -t TCP
	expect_fail 2 scmlb-fw set -t icmp -d 80
	expect_fail 2 scmlb-fw set -t icmp -s 1-10
	expect_fail 2 scmlb-fw set --json
	expect_fail 2 scmlb-fw delete
	expect_fail 2 scmlb-fw delete -i x
	expect_fail 2 scmlb-fw delete -i 0
	expect_fail 2 scmlb-fw get -i 1
	expect_fail 2 scmlb-fw frob
	run --separate-stderr scmlb_tool scmlb-fw set -d 9000-8000
	[ "$stderr" = "scmlb-fw: invalid port range '9000-8000': start is greater than end" ]
}

@test "scmlb-fw: unknown ids exit 1 and change nothing" {
	expect_fail 1 scmlb-fw delete -i 999999
	expect_fail 1 scmlb-fw delete -i 4294967295
	run --separate-stderr scmlb_tool scmlb-fw delete -i 7777
	[ "$stderr" = "scmlb-fw: cannot delete firewall rule 7777: no such id" ]
}
