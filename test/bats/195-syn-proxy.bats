#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A --syn-proxy service with real traffic: scmlb answers the handshake
# with SYN cookies, opens the backend's connection itself and translates
# sequence numbers and timestamps; a spoofed SYN flood never reaches the
# backends. IPv4's VIP, then IPv6's (service 2, the same backends).

load helpers

FLOOD_SYNS=25000
FLOOD6_SYNS=5000
DOWNLOAD_PORT=7171

setup_file() {
	local i
	topo_up
	topo_add_ipv6
	TOPO_APP_BIND=:: topo_start_apps "$TESTAPP"
	head -c 300000 /dev/urandom >"$BATS_FILE_TMPDIR/download"
	for i in 1 2 3; do
		topo_wait_port "backend$i" 8080 || return 1
		topo_wait_port "backend$i" 7070 || return 1
		# IPv6's socket takes IPv4's connections too
		topo_exec "backend$i" timeout 600 socat \
			"TCP6-LISTEN:$DOWNLOAD_PORT,fork,reuseaddr" \
			"OPEN:$BATS_FILE_TMPDIR/download" >/dev/null 2>&1 &
	done
	for i in 1 2 3; do
		topo_wait_port "backend$i" "$DOWNLOAD_PORT" || return 1
	done
	scmlb attach -u up0 -m native >/dev/null
	scmlb svc set -v "$TOPO_VIP" -t tcp --syn-proxy >/dev/null
	for i in 1 2 3; do
		scmlb lb set -n "web$i" -a "${TOPO_BACKENDS[$((i - 1))]}" >/dev/null
	done
	scmlb svc set -v "$TOPO_VIP6" -t tcp --syn-proxy >/dev/null
	for i in 1 2 3; do
		scmlb lb set -s 2 -n "web6-$i" -a "${TOPO_BACKENDS6[$((i - 1))]}" \
			>/dev/null
	done
}

teardown_file() {
	lb_down
}

# proxy KEY: the services' counter KEY (scmlb-stat's JSON)
proxy() {
	scmlb stat --json | jq ".syn_proxy_$1"
}

# proxy6 KEY: the IPv6 services' counter KEY (scmlb-stat's "ipv6")
proxy6() {
	scmlb stat --json | jq ".ipv6.syn_proxy_$1"
}

@test "syn-proxy: svc get shows it, save prints it" {
	run -0 scmlb save
	[[ $output == *"svc set -v $TOPO_VIP -t tcp -P 0 -S rr --syn-proxy"* ]]
	run scmlb svc get --json
	[ "$(jq -r '.[0].syn_proxy' <<<"$output")" = true ]
	run scmlb svc get
	[[ ${lines[0]} == *"FORWARD"*"SYNPROXY" ]]
	[[ ${lines[1]} == *"nat"*"true" ]]
}

@test "syn-proxy: 100 HTTP requests through the VIP all answered, each a cookie handshake" {
	local before after
	before=$(proxy cookies_valid)
	run who_counts 100
	[[ $output != *failed* ]]
	[ "$(awk '{n += $2} END {print n}' <<<"$output")" -eq 100 ]
	after=$(proxy cookies_valid)
	[ $((after - before)) -ge 100 ]
	[ "$(proxy backend_handshakes)" -ge 100 ]
	[ "$(proxy syn_acks)" -ge 100 ]
}

@test "syn-proxy: 200 KB TCP echo unchanged" {
	head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	topo_exec client timeout 20 socat -t 5 - "TCP:$TOPO_VIP:7070" \
		<"$BATS_TEST_TMPDIR/data" >"$BATS_TEST_TMPDIR/echo"
	cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/echo"
}

@test "syn-proxy: 300 KB download intact" {
	topo_exec client timeout 20 socat -u "TCP:$TOPO_VIP:$DOWNLOAD_PORT" - \
		>"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_FILE_TMPDIR/download" "$BATS_TEST_TMPDIR/got"
}

# options_check HOST PEER: a connection to HOST:7070 (a VIP, "[ADDR]" for
# IPv6); its backend's connection with PEER negotiated window scaling
# (ss -ti), and the SYN scmlb sent it carried SACK and timestamps
options_check() {
	local i info= out=$BATS_TEST_TMPDIR/syn n
	# scmlb picks the backend: watch them all for the SYN scmlb sends
	for i in 1 2 3; do
		topo_exec "backend$i" timeout 15 python3 \
			"$BATS_TEST_DIRNAME/../lib/syn-options.py" eth0 7070 10 \
			>"$out.$i" 2>&1 &
	done
	for n in $(seq 50); do
		[ "$(cat "$out".[123] | grep -c ready)" -eq 3 ] && break
		sleep 0.1
	done
	conn_open 7070 "$1"
	conn_echo "hello"
	for i in 1 2 3; do
		info+=$(topo_exec "backend$i" ss -tin state established \
			'( sport = :7070 )')
	done
	conn_close
	wait
	echo "$info"
	cat "$out".[123]
	[[ $info == *"$2"* ]]
	[[ $info == *"wscale:"* ]]
	# MSS, SACK-permitted, timestamps, window scale, in Linux's order
	[ "$(grep -hv ready "$out".[123])" = "2 4 8 1 3" ]
}

@test "syn-proxy: the backend gets the client's options: window scaling (ss -ti), SACK and timestamps in its SYN" {
	options_check "$TOPO_VIP" "$TOPO_CLIENT_ADDR"
}

@test "syn-proxy: 25,000 spoofed SYNs: no backend holds a half-open connection, a client's connections succeed" {
	local flood syn_recv=0 ok=0 i n before
	before=$(proxy syn_acks)
	topo_exec client timeout 120 hping3 -q -S --rand-source -p 8080 \
		-i u40 -c "$FLOOD_SYNS" "$TOPO_VIP" >/dev/null 2>&1 &
	flood=$!
	sleep 0.5
	for n in $(seq 40); do
		who >/dev/null 2>&1 && ok=$((ok + 1))
		for i in 1 2 3; do
			syn_recv=$((syn_recv + $(topo_exec "backend$i" \
				ss -Htan state syn-recv | wc -l)))
		done
	done
	wait "$flood" || true
	echo "ok $ok of 40, syn-recv seen $syn_recv"
	[ "$ok" -ge 36 ]
	[ "$syn_recv" -eq 0 ]
	[ $(($(proxy syn_acks) - before)) -ge $FLOOD_SYNS ]
}

# ifaces_skb: how many of the instance's interfaces hand flows off (skb mode)
ifaces_skb() {
	bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_ifaces" |
		jq '[.[] | .formatted.value // .value | tostring |
			select((tonumber? // 0) % 4 >= 2)] | length'
}

# containers_check ADDR: through ADDR (socat's TCP:VIP or TCP6:[VIP6]),
# every flow handed off to scmlb_tc (veths: generic XDP), backends
# sending as containers do (partial checksums, TSO) and up0 completing
# checksums after scmlb: download and echo intact
containers_check() {
	local i
	[ "$(ifaces_skb)" -eq 4 ]
	for i in 1 2 3; do
		topo_exec "backend$i" ethtool -K eth0 tx on tso on >/dev/null
	done
	# the kernel completes each partial checksum as it leaves up0, and
	# the client verifies it: a checksum shifted by scmlb would be wrong
	topo_exec lb ethtool -K up0 tx off >/dev/null
	topo_exec client timeout 20 socat -u "$1:$DOWNLOAD_PORT" - \
		>"$BATS_TEST_TMPDIR/got"
	head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	topo_exec client timeout 20 socat -t 5 - "$1:7070" \
		<"$BATS_TEST_TMPDIR/data" >"$BATS_TEST_TMPDIR/echo"
	topo_exec lb ethtool -K up0 tx on >/dev/null
	for i in 1 2 3; do
		topo_exec "backend$i" ethtool -K eth0 tx off >/dev/null
	done
	cmp "$BATS_FILE_TMPDIR/download" "$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/echo"
}

@test "syn-proxy: handed off to scmlb_tc, backends sending as containers do (partial checksums, TSO), checksums completed after scmlb: download and echo intact" {
	containers_check "TCP:$TOPO_VIP"
}

@test "syn-proxy ipv6: 50 HTTP requests through the IPv6 VIP all answered, each a cookie handshake, counted for IPv6" {
	local before i
	before=$(proxy6 cookies_valid)
	for i in $(seq 50); do
		topo_exec client curl -sS --max-time 3 "http://[$TOPO_VIP6]:8080/who" ||
			echo failed
	done >"$BATS_TEST_TMPDIR/who"
	sort "$BATS_TEST_TMPDIR/who" | uniq -c
	! grep -q failed "$BATS_TEST_TMPDIR/who"
	[ "$(grep -c '^fd00:' "$BATS_TEST_TMPDIR/who")" -eq 50 ]
	[ $(($(proxy6 cookies_valid) - before)) -ge 50 ]
	[ "$(proxy6 backend_handshakes)" -ge 50 ]
	[ "$(proxy6 syn_acks)" -ge 50 ]
}

@test "syn-proxy ipv6: 300 KB download and 200 KB echo intact through the IPv6 VIP" {
	topo_exec client timeout 20 socat -u "TCP6:[$TOPO_VIP6]:$DOWNLOAD_PORT" - \
		>"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_FILE_TMPDIR/download" "$BATS_TEST_TMPDIR/got"
	head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	topo_exec client timeout 20 socat -t 5 - "TCP6:[$TOPO_VIP6]:7070" \
		<"$BATS_TEST_TMPDIR/data" >"$BATS_TEST_TMPDIR/echo"
	cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/echo"
}

@test "syn-proxy ipv6: the backend gets the client's options: window scaling (ss -ti), SACK and timestamps in its SYN" {
	options_check "[$TOPO_VIP6]" "[$TOPO_CLIENT_ADDR6]"
}

@test "syn-proxy ipv6: 5,000 spoofed IPv6 SYNs: no backend holds a half-open connection" {
	local flood syn_recv=0 ok=0 i n before sent
	before=$(proxy6 syn_acks)
	topo_exec client timeout 60 python3 "$BATS_TEST_DIRNAME/../lib/syn6-flood.py" \
		"$TOPO_VIP6" 8080 "$FLOOD6_SYNS" fd00:3 >"$BATS_TEST_TMPDIR/sent" &
	flood=$!
	for n in $(seq 20); do
		topo_exec client curl -sS --max-time 3 -o /dev/null \
			"http://[$TOPO_VIP6]:8080/who" && ok=$((ok + 1))
		for i in 1 2 3; do
			syn_recv=$((syn_recv + $(topo_exec "backend$i" \
				ss -Htan state syn-recv | wc -l)))
		done
	done
	wait "$flood"
	sent=$(cat "$BATS_TEST_TMPDIR/sent")
	echo "sent $sent, ok $ok of 20, syn-recv seen $syn_recv"
	[ "$sent" -ge $((FLOOD6_SYNS * 9 / 10)) ]
	[ "$ok" -ge 18 ]
	[ "$syn_recv" -eq 0 ]
	[ $(($(proxy6 syn_acks) - before)) -ge $((sent * 9 / 10)) ]
}

@test "syn-proxy ipv6: handed off to scmlb_tc, backends sending as containers do (partial checksums, TSO), checksums completed after scmlb: download and echo intact" {
	containers_check "TCP6:[$TOPO_VIP6]"
}
