#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Real traffic through the VIP: balancing, echo, drain, delete, upgrade, detach.
# 011-traffic-skb.bats links here: the same tests in skb (generic) mode.

load helpers

case $BATS_TEST_FILENAME in
*-skb.bats) MODE=skb ;;
*) MODE=native ;;
esac

setup_file() {
	lb_up "$MODE"
}

teardown_file() {
	lb_down
}

@test "$MODE: 30 requests to the VIP go to the three backends in turn" {
	run who
	[ "$status" -eq 0 ]
	run who_counts 30
	[ "$output" = $'10.0.4.2 10\n10.0.5.2 10\n10.0.6.2 10' ]
	# in turn: three consecutive requests hit three different backends
	a=$(who) b=$(who) c=$(who)
	[ "$a" != "$b" ] && [ "$b" != "$c" ] && [ "$a" != "$c" ]
}

@test "$MODE: TCP echo through the VIP returns 200 KB unchanged" {
	head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	topo_exec client timeout 10 socat -t 5 - "TCP:$TOPO_VIP:7070" \
		<"$BATS_TEST_TMPDIR/data" >"$BATS_TEST_TMPDIR/echo"
	cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/echo"
}

@test "$MODE: UDP echo through the VIP" {
	run topo_exec client timeout 5 socat -t 2 - "UDP:$TOPO_VIP:9090" <<<"hello udp"
	[ "$status" -eq 0 ]
	[ "$output" = "hello udp" ]
	run scmlb lb conntrack get --json
	[ "$(jq '[.[] | select(.protocol == "udp" and .dst_port == 9090 and .status == "udp")] | length' <<<"$output")" -ge 1 ]
}

@test "$MODE: conntrack get shows an open flow with its backend" {
	conn_open 7070
	conn_echo "hello"
	id=$(backend_of_port 7070)
	[[ $id =~ ^[123]$ ]]
	run scmlb lb conntrack get --json
	flow=$(jq -c ".[] | select(.dst_port == 7070 and .status == \"established\")" <<<"$output")
	[ "$(jq -r .src_addr <<<"$flow")" = "$TOPO_CLIENT_ADDR" ]
	[ "$(jq -r .dst_addr <<<"$flow")" = "$TOPO_VIP" ]
	[ "$(jq -r .backend_id <<<"$flow")" = "$id" ]
	[ "$(jq -r .packets <<<"$flow")" -ge 4 ]
	[[ $(jq -r .timestamp <<<"$flow") =~ ^20[0-9-]{8}T[0-9:]{8}Z$ ]]
	sport=$(jq -r .src_port <<<"$flow")
	run scmlb lb conntrack get
	[[ ${lines[0]} == "SRC ADDR"*"TIMESTAMP" ]]
	echo "$output" | grep -E "^$TOPO_CLIENT_ADDR +$TOPO_VIP +$sport +7070 +tcp +$id +established "
	conn_close
}

@test "$MODE: a connection opened before drain keeps working, new ones avoid the drained backend" {
	conn_open 7070
	conn_echo "before drain"
	id=$(backend_of_port 7070)
	drained=${TOPO_BACKENDS[$((id - 1))]}
	scmlb lb drain -i "$id"
	run scmlb lb get --json
	[ "$(jq -r ".[] | select(.id == $id) | .status" <<<"$output")" = Unavailable ]
	run who_counts 12
	[[ $output != *"$drained"* ]]
	[[ $output != *failed* ]]
	[ "${#lines[@]}" -eq 2 ]
	conn_echo "after drain"
	conn_close
	scmlb lb undrain -i "$id"
	run who_counts 6
	[[ $output == *"$drained 2"* ]]
}

@test "$MODE: delete is refused for a backend that is not drained" {
	before=$(scmlb lb get --json)
	run -1 --separate-stderr scmlb lb delete -i 1
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "scmlb-lb: cannot delete backend 1: it is not drained"* ]]
	[ "$(scmlb lb get --json)" = "$before" ]
}

@test "$MODE: traffic to the load balancer's own addresses still works" {
	topo_exec lb "$TESTAPP" --bind "$TOPO_LB_ADDR" --http-port 8081 \
		--echo-port 7071 --udp-port 9091 --name lb-host 3>&- &
	topo_wait_port lb 8081 "$TOPO_LB_ADDR"
	run topo_exec client curl -sS --max-time 3 "http://$TOPO_LB_ADDR:8081/who"
	kill %1
	[ "$output" = lb-host ]
	topo_exec client ping -c 1 -W 2 "$TOPO_LB_ADDR"
	topo_exec backend1 ping -c 1 -W 2 10.0.4.1
	# ICMP to the VIP is the kernel's too
	topo_exec client ping -c 1 -W 2 "$TOPO_VIP"
}

@test "$MODE: delete of a drained backend detaches from its interface; a new backend gets a new id" {
	scmlb lb drain -i 3
	scmlb lb delete -i 3
	run scmlb lb get --json
	[ "$(jq length <<<"$output")" -eq 2 ]
	[[ $(xdp_progs | wc -l) -eq 3 ]]
	run topo_exec lb ip -d link show be3
	[[ $output != *prog/xdp* ]]
	run who_counts 6
	[ "$output" = $'10.0.4.2 3\n10.0.5.2 3' ]
	run scmlb lb set -n web3 -a 10.0.6.2
	[ "$output" = 4 ]
	run who_counts 6
	[ "$output" = $'10.0.4.2 2\n10.0.5.2 2\n10.0.6.2 2' ]
}

@test "$MODE: re-running scmlb-attach upgrades in place and keeps an open connection" {
	conn_open 7070
	conn_echo "before upgrade"
	old=$(bpftool map dump pinned "$SCMLB_PIN_DIR/lb_progs" -j | jq '.[0].value')
	run scmlb attach -u up0 -v "$TOPO_VIP"
	[ "$status" -eq 0 ]
	[[ $output == "upgraded on 'up0'"* ]]
	new=$(bpftool map dump pinned "$SCMLB_PIN_DIR/lb_progs" -j | jq '.[0].value')
	[ "$old" != "$new" ]
	conn_echo "after upgrade"
	conn_close
	run who_counts 3
	[ "${#lines[@]}" -eq 3 ]
	run -1 scmlb attach -u up0 -v 203.0.113.12
	[[ $output == *"already attached to 'up0' with VIP $TOPO_VIP"* ]]
}

@test "$MODE: scmlb-detach leaves no XDP program and no pins" {
	[ "$(xdp_progs | wc -l)" -eq 4 ]
	run scmlb detach
	[ "$status" -eq 0 ]
	[ -z "$(xdp_progs)" ]
	[ ! -e "$SCMLB_PIN_DIR" ]
	run ls /sys/fs/bpf
	[[ $output != *scmlbt-*traffic* ]]
	run scmlb detach
	[ "$status" -eq 0 ]
	[[ $output == "nothing attached"* ]]
	# without scmlb the VIP is the kernel's: nothing listens there
	run topo_exec client curl -sS --max-time 3 "http://$TOPO_VIP:8080/who"
	[ "$status" -ne 0 ]
}
