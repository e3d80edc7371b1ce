#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb-save and scmlb-restore with real traffic: a saved configuration
# comes back after a detach, bad files change nothing, a failure part-way
# is undone, --flush keeps the connections of the backends that remain,
# and mutated files never leave a half-applied instance.

load helpers

VIP2=203.0.113.12
CLIENT2=10.0.1.3

setup_file() {
	topo_up
	topo_start_apps "$TESTAPP"
	topo_exec lb ip addr add "$VIP2/32" dev lo
	topo_exec client ip route add "$VIP2/32" via "$TOPO_LB_ADDR"
	topo_exec client ip addr add "$CLIENT2/24" dev eth0
}

teardown_file() {
	lb_down
}

teardown() {
	conn_close 2>/dev/null || true
	scmlb detach >/dev/null 2>&1 || true
}

# who_at VIP PORT: the backend answering an HTTP request to VIP:PORT
who_at() {
	topo_exec client curl -sS --max-time 3 "http://$1:$2/who"
}

# answers VIP PORT N: "ADDR COUNT" lines of N requests, by address
answers() {
	local i
	for i in $(seq "$3"); do
		who_at "$1" "$2" || echo failed
	done | sort | uniq -c | awk '{print $2, $1}'
}

# The configuration as the get commands show it, without ids and counters:
# services with their backends' names, backends in id order, the rules
# DoS policies did not add, the policies.
view() {
	local bes dos
	bes=$(scmlb lb get --json)
	dos=$(scmlb dos get --json)
	scmlb svc get --json | jq -c --argjson bes "$bes" '[.[] | . as $s |
		{vip, protocol, port, scheduler, forward,
		 backends: [$bes[] | select(.service == $s.id) | .name]}]'
	jq -c '[.[] | {name, address, mac, device, healthcheck, status,
		       health, weight, port}]' <<<"$bes"
	scmlb fw get --json | jq -c --argjson dos "$dos" '[.[] |
		select(.id as $id | [$dos[].rules[]] | index($id) | not) |
		{network, protocol, src_from_port, src_to_port, dst_from_port,
		 dst_to_port}]'
	jq -c '[.[] | {protocol, type, limit, scope, block_time}]' <<<"$dos"
}

# What a failed restore must leave as it was: every get, the programs, the save.
visible() {
	scmlb svc get --json
	scmlb lb get --json | jq -c '[.[] | del(.conns, .pkts_in, .pkts_out,
		.bytes_in, .bytes_out)]'
	scmlb fw get --json
	scmlb dos get --json
	scmlb lb conntrack get --json | jq -c '[.[] | del(.timestamp, .packets)]'
	xdp_progs
	scmlb save
}

# A configuration with gaps in its ids: two services (the second maglev),
# weights, a health-check URL, a backend of its own port, a drained
# backend, firewall rules and DoS policies.
rich_config() {
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb svc set -v "$VIP2" -t tcp -P 8080 -S maglev >/dev/null
	scmlb svc set -v "$VIP2" -t udp -P 9090 >/dev/null
	scmlb svc delete -i 3
	scmlb lb set -s 1 -n web1 -a 10.0.4.2 -c http://10.0.4.2:8080/health >/dev/null
	scmlb lb set -s 1 -n gone -a 10.0.6.2 >/dev/null
	scmlb lb drain -i 2 && scmlb lb delete -i 2
	scmlb lb set -s 1 -n web2 -a 10.0.5.2 -w 3 >/dev/null
	scmlb lb set -s 1 -n web3 -a 10.0.6.2 >/dev/null
	scmlb lb drain -i 4
	scmlb lb set -s 2 -n m1 -a 10.0.4.2 -w 2 >/dev/null
	scmlb lb set -s 2 -n m2 -a 10.0.5.2 -p 8080 >/dev/null
	scmlb fw set -n 198.51.100.0/24 -t tcp -d 22 >/dev/null
	scmlb fw set -t udp -s 1000-2000 >/dev/null
	scmlb dos set -p tcp -t syn -l 5000 >/dev/null
	scmlb dos set -p icmp -l 50 -b 3m >/dev/null
	scmlb dos set -p tcp -t syn --global -l 20000 >/dev/null
}

@test "save, detach, restore: the same configuration, traffic as before, the drained backend still drained" {
	rich_config
	# round robin over web1 and web2 only: web3 is drained
	[ "$(answers "$TOPO_VIP" 8080 6)" = $'10.0.4.2 3\n10.0.5.2 3' ]
	run -0 who_at "$VIP2" 8080
	[[ $output == 10.0.4.2 || $output == 10.0.5.2 ]]
	view >"$BATS_TEST_TMPDIR/before"
	run -0 scmlb save
	echo "$output" >"$BATS_TEST_TMPDIR/saved"
	[[ ${lines[0]} =~ ^"# scmlb-save "[0-9.]+", layout "[0-9]+\.[0-9]+ ]]
	grep -qx "lb drain -i 3" "$BATS_TEST_TMPDIR/saved"

	scmlb detach >/dev/null
	[ -z "$(xdp_progs)" ]
	run -0 scmlb restore -f "$BATS_TEST_TMPDIR/saved"
	[[ $output == "restored '$BATS_TEST_TMPDIR/saved': 12 added, 0 changed, 0 removed, 0 unchanged" ]]
	grep -qx "dos set -p icmp -l 50 -b 3m" "$BATS_TEST_TMPDIR/saved"
	grep -qx "dos set -p tcp -t syn --global -l 20000" "$BATS_TEST_TMPDIR/saved"

	view >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# ids aside: the gaps are gone
	run -0 scmlb lb get --json
	jq -e '[.[].id] == [1, 2, 3, 4, 5]' <<<"$output"
	jq -e '.[2] | .name == "web3" and .status == "Unavailable"' <<<"$output"
	# and saving again gives the same file
	run -0 scmlb save
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/saved")" ]
	# traffic as before
	[ "$(answers "$TOPO_VIP" 8080 6)" = $'10.0.4.2 3\n10.0.5.2 3' ]
	run -0 who_at "$VIP2" 8080
	[[ $output == 10.0.4.2 || $output == 10.0.5.2 ]]
	run -0 topo_exec client timeout 5 socat -t 2 - "TCP:$TOPO_VIP:7070" <<<"echo"
	[ "$output" = echo ]
	# the firewall is back too: UDP from source port 1500 is dropped
	run topo_exec client timeout 3 socat -t 1 - "UDP:$TOPO_VIP:9090,sourceport=1500" <<<"x"
	[ -z "$output" ]
	run -0 topo_exec client timeout 3 socat -t 1 - "UDP:$TOPO_VIP:9090,sourceport=2500" <<<"x"
	[ "$output" = x ]
}

@test "save: two saves of one state are byte-identical; rules DoS policies added are left out" {
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb lb set -n web1 -a 10.0.4.2 >/dev/null
	scmlb fw set -n 198.51.100.0/24 >/dev/null
	scmlb dos set -p tcp -t syn -l 50 >/dev/null
	# a SYN flood from the second client becomes a DoS rule
	topo_exec client timeout 2 hping3 -S -p 8080 -i u1000 -q -a "$CLIENT2" \
		"$TOPO_VIP" >/dev/null 2>&1 || true
	run -0 scmlb gc
	run -0 scmlb fw get --json
	jq -e 'length == 2 and any(.[]; .network == "'"$CLIENT2"'/32")' <<<"$output"
	scmlb save >"$BATS_TEST_TMPDIR/one"
	scmlb save >"$BATS_TEST_TMPDIR/two"
	cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two"
	run -0 grep -c '^fw set' "$BATS_TEST_TMPDIR/one"
	[ "$output" = 1 ]
	! grep -q "$CLIENT2" "$BATS_TEST_TMPDIR/one"
	scmlb detach >/dev/null
	run -0 scmlb restore <"$BATS_TEST_TMPDIR/one"
	run -0 scmlb fw get --json
	jq -e 'length == 1 and .[0].network == "198.51.100.0/24"' <<<"$output"
	run -0 scmlb dos get --json
	jq -e '.[0] | .protocol == "tcp" and .type == "syn" and .limit == 50 and
		.status == "not triggered"' <<<"$output"
}

@test "restore: a bad line 3 exits 2 naming line 3 and leaves the instance detached" {
	printf '%s\n' "attach -u up0 -v $TOPO_VIP -m native" \
		"lb set -n web1 -a 10.0.4.2" "lb set -n web2 -a 10.0.5.2 -w 0" \
		"lb set -n web3 -a 10.0.6.2" >"$BATS_TEST_TMPDIR/bad"
	run -2 --separate-stderr scmlb restore -f "$BATS_TEST_TMPDIR/bad"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-restore: line 3: invalid weight '0': a weight is a number from 1 to 65535" ]
	[ -z "$output" ]
	[ ! -e "$SCMLB_PIN_DIR" ]
	[ -z "$(xdp_progs)" ]
	# the same from standard input
	run -2 --separate-stderr scmlb restore <"$BATS_TEST_TMPDIR/bad"
	[[ $stderr == "scmlb-restore: line 3: "* ]]
	[ ! -e "$SCMLB_PIN_DIR" ]
	# --check reads the lines and changes nothing either way
	run -2 --separate-stderr scmlb restore --check -f "$BATS_TEST_TMPDIR/bad"
	[[ $stderr == "scmlb-restore: line 3: "* ]]
	sed -i 3d "$BATS_TEST_TMPDIR/bad"
	run -0 scmlb restore --check -f "$BATS_TEST_TMPDIR/bad"
	[ -z "$output" ]
	[ ! -e "$SCMLB_PIN_DIR" ]
}

@test "restore: a backend that cannot be reached part-way is undone, attached or not" {
	printf '%s\n' "attach -u up0 -v $TOPO_VIP -m native" "fw set -t udp -d 53" \
		"lb set -n web1 -a 10.0.4.2" "lb set -n nobody -a 10.0.5.77" \
		"lb set -n web3 -a 10.0.6.2" >"$BATS_TEST_TMPDIR/unreachable"
	run -1 --separate-stderr scmlb restore -f "$BATS_TEST_TMPDIR/unreachable"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-restore: line 4: scmlb-lb: cannot reach backend '10.0.5.77': no neighbour answers for it; nothing changed" ]
	[ ! -e "$SCMLB_PIN_DIR" ]
	[ -z "$(xdp_progs)" ]

	# attached, with --flush: everything as it was, traffic too
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb lb set -n web2 -a 10.0.5.2 >/dev/null
	scmlb dos set -p udp -l 100 >/dev/null
	visible >"$BATS_TEST_TMPDIR/before"
	run -1 --separate-stderr scmlb restore --flush -f "$BATS_TEST_TMPDIR/unreachable"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "scmlb-restore: line 4: "*"; nothing changed" ]]
	visible >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.5.2 ]
}

@test "restore: an attached instance with backends is refused without --flush; another upstream even with it" {
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb lb set -n web1 -a 10.0.4.2 >/dev/null
	scmlb save >"$BATS_TEST_TMPDIR/saved"
	visible >"$BATS_TEST_TMPDIR/before"
	run -1 --separate-stderr scmlb restore -f "$BATS_TEST_TMPDIR/saved"
	[ "$stderr" = "scmlb-restore: '$SCMLB_PIN_DIR' has 1 backend, 0 rules and 0 policies: replace them with --flush, or run scmlb-detach first" ]
	sed 's/^attach -u up0/attach -u be1/' "$BATS_TEST_TMPDIR/saved" >"$BATS_TEST_TMPDIR/other"
	run -1 --separate-stderr scmlb restore --flush -f "$BATS_TEST_TMPDIR/other"
	[[ $stderr == "scmlb-restore: line 3: attached to 'up0', not 'be1': run scmlb-detach first" ]]
	visible >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# an attached instance without backends, rules or policies takes it
	scmlb lb drain -i 1 && scmlb lb delete -i 1
	run -0 scmlb restore -f "$BATS_TEST_TMPDIR/saved"
	[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.4.2 ]
}

@test "restore --flush: the configuration is replaced while an open connection to a kept backend keeps echoing" {
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb lb set -n web1 -a 10.0.4.2 >/dev/null
	scmlb lb set -n web2 -a 10.0.5.2 >/dev/null
	scmlb lb set -n web3 -a 10.0.6.2 >/dev/null
	scmlb fw set -n 198.51.100.0/24 >/dev/null
	scmlb dos set -p udp -l 100 >/dev/null
	conn_open 7070
	conn_echo "before the flush"
	id=$(backend_of_port 7070)
	[ -n "$id" ]
	run -0 scmlb lb get --json
	addr=$(jq -r ".[] | select(.id == $id) | .address" <<<"$output")
	name=$(jq -r ".[] | select(.id == $id) | .name" <<<"$output")
	others=$(jq -r ".[] | select(.id != $id) | .address" <<<"$output")
	# service 1 keeps only the connection's backend; the other two move
	# to a new service; another rule, no policy
	{
		echo "attach -u up0 -v $TOPO_VIP -m native"
		echo "fw set -n 192.0.2.0/24 -t tcp -d 22"
		echo "svc set -v $VIP2 -t tcp -P 8080 -S maglev"
		echo "lb set -s 1 -n $name -a $addr"
		for a in $others; do
			echo "lb set -s 2 -n moved-$a -a $a"
		done
	} >"$BATS_TEST_TMPDIR/new"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/new"
	[ "$output" = "restored '$BATS_TEST_TMPDIR/new': 4 added, 0 changed, 4 removed, 2 unchanged" ]
	conn_echo "after the flush"
	[ "$(backend_of_port 7070)" = "$id" ]
	run -0 scmlb lb get --json
	jq -e "[.[] | select(.service == 1) | .id] == [$id]" <<<"$output"
	jq -e '[.[] | select(.service != 1)] | length == 2 and all(.[]; .id > 3)' <<<"$output"
	for i in 1 2 3; do
		[ "$(who_at "$TOPO_VIP" 8080)" = "$addr" ]
	done
	run -0 who_at "$VIP2" 8080
	[[ $output != "$addr" && $output == 10.0.* ]]
	run -0 scmlb fw get --json
	jq -e 'length == 1 and .[0].network == "192.0.2.0/24"' <<<"$output"
	run -0 scmlb dos get --json
	[ "$output" = "[]" ]
	# the same file again changes nothing
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/new"
	[[ $output == *": 0 added, 0 changed, 0 removed, 6 unchanged" ]]
	conn_echo "still there"
}

@test "restore --flush: a kept policy changes its block time, the global budget its limit, in place" {
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb dos set -p udp -l 100 -b 1m >/dev/null
	scmlb dos set -p tcp -t syn --global -l 50 >/dev/null
	ids=$(scmlb dos get --json | jq -c '[.[].id]')
	scmlb save | sed -e 's/ -b 1m$/ -b 0/' -e 's/--global -l 50$/--global -l 70/' \
		>"$BATS_TEST_TMPDIR/new"
	grep -qx "dos set -p udp -l 100 -b 0" "$BATS_TEST_TMPDIR/new"
	grep -qx "dos set -p tcp -t syn --global -l 70" "$BATS_TEST_TMPDIR/new"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/new"
	[[ $output == *": 0 added, 2 changed, 0 removed, "* ]]
	run -0 scmlb dos get --json
	jq -e --argjson ids "$ids" '[.[].id] == $ids and
		(.[0] | .block_time == 0 and .limit == 100 and .scope == "source") and
		(.[1] | .limit == 70 and .scope == "global")' <<<"$output"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/new"
	[[ $output == *": 0 added, 0 changed, 0 removed, "* ]]
}

@test "restore --flush: a kept service changes its scheduler, a kept backend its drain state, in place" {
	scmlb attach -u up0 -m native >/dev/null
	scmlb svc set -v "$TOPO_VIP" -t tcp -P 7070 >/dev/null
	scmlb lb set -n a -a 10.0.4.2 >/dev/null
	scmlb lb set -n b -a 10.0.5.2 >/dev/null
	conn_open 7070
	conn_echo one
	id=$(backend_of_port 7070)
	# the connection's backend is drained, the scheduler becomes maglev
	scmlb save | sed -e 's/-S rr/-S maglev/' >"$BATS_TEST_TMPDIR/new"
	echo "lb drain -i $id" >>"$BATS_TEST_TMPDIR/new"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/new"
	[ "$output" = "restored '$BATS_TEST_TMPDIR/new': 0 added, 2 changed, 0 removed, 1 unchanged" ]
	conn_echo two
	[ "$(backend_of_port 7070)" = "$id" ]
	run -0 scmlb lb get --json
	jq -e "[.[] | {id, status}] == [{\"id\": 1, \"status\": \"$([ "$id" = 1 ] &&
		echo Unavailable || echo Available)\"}, {\"id\": 2, \"status\": \"$([ "$id" = 2 ] &&
		echo Unavailable || echo Available)\"}]" <<<"$output"
	run -0 scmlb svc get --json
	jq -e '.[0].scheduler == "maglev"' <<<"$output"
	# new connections go to the other one
	run -0 topo_exec client timeout 5 socat -t 2 - "TCP:$TOPO_VIP:7070" <<<"new"
	[ "$output" = new ]
	[ "$(scmlb lb conntrack get --json | jq "[.[] | .backend_id] | unique | length")" = 2 ]
	conn_echo three
}

@test "restore --flush: a kept backend changes its weight and name in place, names passing between backends" {
	scmlb attach -u up0 -m native >/dev/null
	scmlb svc set -v "$TOPO_VIP" -t tcp -P 7070 -S wrr >/dev/null
	scmlb lb set -n a -a 10.0.4.2 >/dev/null
	scmlb lb set -n b -a 10.0.5.2 >/dev/null
	scmlb lb set -n c -a 10.0.6.2 >/dev/null
	conn_open 7070
	conn_echo one
	id=$(backend_of_port 7070)
	# a takes c's name and weight 3, c goes, b keeps its own
	scmlb save | sed -e '/-n c /d' -e 's/-n a -a 10.0.4.2 -s 1 -w 1/-n c -a 10.0.4.2 -s 1 -w 3/' \
		>"$BATS_TEST_TMPDIR/new"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/new"
	[ "$output" = "restored '$BATS_TEST_TMPDIR/new': 0 added, 1 changed, 1 removed, 2 unchanged" ]
	run -0 scmlb lb get --json
	jq -e '[.[] | {id, name, weight}] == [{"id": 1, "name": "c", "weight": 3},
		{"id": 2, "name": "b", "weight": 1}]' <<<"$output"
	[ "$id" = 3 ] || { conn_echo two && [ "$(backend_of_port 7070)" = "$id" ]; }
}

@test "restore: maps kept by detach --keep-maps are attached again and replaced with --flush" {
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb lb set -n web1 -a 10.0.4.2 >/dev/null
	scmlb save >"$BATS_TEST_TMPDIR/saved"
	scmlb lb set -n web2 -a 10.0.5.2 >/dev/null
	scmlb detach --keep-maps >/dev/null
	[ -z "$(xdp_progs)" ]
	run -1 scmlb restore -f "$BATS_TEST_TMPDIR/saved"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/saved"
	[[ $output == *": 0 added, 0 changed, 1 removed, 2 unchanged" ]]
	[ -n "$(xdp_progs)" ]
	for i in 1 2 3; do
		[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.4.2 ]
	done
}

# tables: each service's table as check_maps --tables prints it (id, length,
# hash of the backend ids in table order)
tables() {
	topo_exec lb "$SCMLB_BUILD/test/check_maps" --tables
}

# ids_names: services and backends with their ids, names and weights
ids_names() {
	scmlb svc get --json
	scmlb lb get --json | jq -c '[.[] | {id, name, service, address, port,
		weight, status}]'
}

# table_services: attached, a maglev service (2) and a wrr one (3) beside
# the VIP's, with weights, a backend port and a drained backend
table_services() {
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb svc set -v "$VIP2" -t tcp -P 8080 -S maglev >/dev/null
	scmlb svc set -v "$VIP2" -t tcp -P 9090 -S wrr >/dev/null
	scmlb lb set -s 1 -n web1 -a 10.0.4.2 >/dev/null
	scmlb lb set -s 2 -n m1 -a 10.0.4.2 -w 3 >/dev/null
	scmlb lb set -s 2 -n m2 -a 10.0.5.2 >/dev/null
	scmlb lb set -s 2 -n m3 -a 10.0.6.2 -w 2 -p 7070 >/dev/null
	scmlb lb set -s 3 -n w1 -a 10.0.4.2 -w 5 >/dev/null
	scmlb lb set -s 3 -n w2 -a 10.0.5.2 -w 2 >/dev/null
	scmlb lb set -s 3 -n w3 -a 10.0.6.2 >/dev/null
	scmlb lb drain -i 6
}

@test "restore: maglev and wrr tables, ids and names are those the tools built; each table made once, after its last backend" {
	table_services
	run -0 tables
	before=$output
	# a whole Maglev table, and a wrr one
	grep -q '^2 65537 ' <<<"$before"
	grep -q '^3 [1-9][0-9]* ' <<<"$before"
	ids_names >"$BATS_TEST_TMPDIR/tools"
	scmlb save >"$BATS_TEST_TMPDIR/saved"
	scmlb detach >/dev/null
	run -0 scmlb restore -f "$BATS_TEST_TMPDIR/saved"
	run -0 tables
	[ "$output" = "$before" ]
	ids_names >"$BATS_TEST_TMPDIR/restored"
	diff "$BATS_TEST_TMPDIR/tools" "$BATS_TEST_TMPDIR/restored"
	# every table current, the reply index complete
	run -0 topo_exec lb "$SCMLB_BUILD/test/check_maps"
}

@test "restore on a kernel whose maps of maps have no batch updates: the tables go in one by one, the same" {
	local shim=$SCMLB_BUILD/test/libscmlb_shim_no_table_batch.so
	local log=$BATS_TEST_TMPDIR/shim.log
	table_services
	run -0 tables
	before=$output
	grep -q '^2 65537 ' <<<"$before"
	scmlb save >"$BATS_TEST_TMPDIR/saved"
	scmlb detach >/dev/null
	# an ASan build's tools want its runtime first of what is loaded
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		SCMLB_SHIM_LOG=$log LD_PRELOAD=$shim \
		run -0 scmlb restore -f "$BATS_TEST_TMPDIR/saved"
	# the batch was refused, so the tables took the fallback
	grep -q '^refused a batch of [1-9]' "$log"
	run -0 tables
	[ "$output" = "$before" ]
	run -0 topo_exec lb "$SCMLB_BUILD/test/check_maps"
}

@test "restore: a service's 1025th backend fails after 1,024 went in; the kept maglev service, its table and the rest as they were; lb set refuses it too" {
	local i
	topo_exec lb ip route replace 10.77.0.0/16 via 10.0.4.2
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb svc set -v "$VIP2" -t tcp -P 8080 -S maglev >/dev/null
	scmlb lb set -s 1 -n web1 -a 10.0.4.2 >/dev/null
	scmlb lb set -s 2 -n m1 -a 10.0.4.2 -w 2 >/dev/null
	scmlb lb set -s 2 -n m2 -a 10.0.5.2 >/dev/null
	scmlb fw set -n 198.51.100.0/24 >/dev/null
	run -0 tables
	tables_before=$output
	visible >"$BATS_TEST_TMPDIR/before"
	# the file keeps all of it and gives service 2 1,023 more: one too many
	{
		scmlb save
		for i in $(seq 1 1023); do
			echo "lb set -s 2 -n n$i -a 10.77.$((i / 200)).$((i % 200 + 1)) -p 8080"
		done
		echo "svc set -v 203.0.113.13 -t udp -P 53 -S maglev"
		echo "lb set -s 3 -n d1 -a 10.0.5.2 -p 53"
	} >"$BATS_TEST_TMPDIR/full"
	last=$(grep -n 'n1023 ' "$BATS_TEST_TMPDIR/full" | cut -d: -f1)
	run -1 --separate-stderr scmlb restore --flush -f "$BATS_TEST_TMPDIR/full"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-restore: line $last: scmlb-lb: cannot add backend '10.77.5.24': its service has 1024 backends, the most it takes; nothing changed" ]
	visible >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run -0 tables
	[ "$output" = "$tables_before" ]
	run -0 topo_exec lb "$SCMLB_BUILD/test/check_maps"
	# one backend fewer fits: all of it goes in, each table made once
	sed -i '/ -n n1023 /d' "$BATS_TEST_TMPDIR/full"
	run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/full"
	[[ $output == *": 1024 added, 0 changed, 0 removed, 6 unchanged" ]]
	run -0 tables
	grep -q '^2 65537 ' <<<"$output"
	grep -q '^4 65537 ' <<<"$output"
	[ "$output" != "$tables_before" ]
	run -0 topo_exec lb "$SCMLB_BUILD/test/check_maps"
	# the tool, outside a batch, counts the service's backends the same
	tables_before=$(tables)
	run -1 --separate-stderr scmlb lb set -s 2 -n extra -a 10.77.9.9 -p 8080
	[ "$stderr" = "scmlb-lb: cannot add backend '10.77.9.9': its service has 1024 backends, the most it takes" ]
	[ "$(tables)" = "$tables_before" ]
	run -0 scmlb lb get --json
	[ "$(jq '[.[] | select(.service == 2)] | length' <<<"$output")" = 1024 ]
	[ "$(jq '[.[] | select(.address == "10.77.9.9")] | length' <<<"$output")" = 0 ]
	# another service (the file's third, id 4) takes it
	run -0 scmlb lb set -s 4 -n d2 -a 10.77.9.9 -p 53
	run -0 scmlb lb get --json
	[ "$(jq -r '.[] | select(.name == "d2") | "\(.service) \(.address) \(.port)"' <<<"$output")" = "4 10.77.9.9 53" ]
	run -0 topo_exec lb "$SCMLB_BUILD/test/check_maps"
	topo_exec lb ip route del 10.77.0.0/16
}

@test "restore: killed after its backends, before its tables: consistent, and the next restore builds every table" {
	local s k i check=$SCMLB_BUILD/test/check_maps conf=$BATS_TEST_TMPDIR/conf
	topo_exec lb ip route replace 10.77.0.0/16 via 10.0.4.2
	{
		echo "attach -u up0 -v $TOPO_VIP -m native"
		for s in $(seq 1 60); do
			echo "svc set -v $VIP2 -t tcp -P $((9000 + s)) -S maglev"
		done
		for s in $(seq 1 60); do
			for k in 1 2; do
				echo "lb set -s $((s + 1)) -n b$s-$k -a 10.77.$s.$k -p 80"
			done
		done
	} >"$conf"
	# --verbose says when the backends are in: the tables come after;
	# nsenter execs the tool, so $! is the tool
	nsenter --net="/run/netns/$(topo_ns lb)" \
		"$SCMLB_BUILD/tools/scmlb-restore" --verbose -f "$conf" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	for i in $(seq 1 1000); do
		grep -q '^scmlb-restore: backends: ' "$BATS_TEST_TMPDIR/err" && break
		sleep 0.01
	done
	kill -9 "$pid"
	wait "$pid" || true
	run -0 topo_exec lb "$check" --killed
	# some table is not built yet
	run -1 topo_exec lb "$check"
	run -0 scmlb restore --flush -f "$conf"
	[[ $output == *": 0 added, 0 changed, 0 removed, 181 unchanged" ]]
	run topo_exec lb "$check"
	echo "$output"
	[ "$status" -eq 0 ]
	topo_exec lb ip route del 10.77.0.0/16
}

# Words a mutation puts into a line.
JUNK=("" "-x" "--bogus" "0" "-1" "65536" "99999999999" "abc" "10.0.0.256"
      "10.0.4" "tcp" "sctp" "-s" "-i" "7" "--flush" "--pin-dir" "#" "-" "1-"
      "9-8" "http://" "$(printf 'n%.0s' {1..40})" "lb" "set" "drain" "'x'"
      '"y"' "--help" "-w" "4294967296" "0.0.0.0/33" "be1" "10.0.4.2" "skb"
      "$VIP2")

# mutate FILE: one random change to one random line of FILE, in place: a
# word replaced, dropped, added or cut short, a control character, the
# first and last words swapped, or the line twice
mutate() {
	local file=$1 lines words n k w c op
	mapfile -t lines <"$file"
	n=$((RANDOM % ${#lines[@]}))
	read -ra words <<<"${lines[n]}"
	w=${#words[@]}
	k=$((RANDOM % w))
	op=$((RANDOM % 7))
	case $op in
	0) words[k]=${JUNK[RANDOM % ${#JUNK[@]}]} ;;
	1) words=("${words[@]:0:k}" "${words[@]:k+1}") ;;
	2) words+=("${JUNK[RANDOM % ${#JUNK[@]}]}") ;;
	3) c=${words[0]}; words[0]=${words[w - 1]}; words[w - 1]=$c ;;
	4) words[k]=${words[k]:0:RANDOM % (${#words[k]} + 1)} ;;
	5) printf -v c "\\x$(printf %02x $((RANDOM % 31 + 1)))"; words[k]+=$c ;;
	6) lines=("${lines[@]:0:n+1}" "${lines[@]:n}") ;;
	esac
	[ "$op" = 6 ] || lines[n]="${words[*]}"
	printf '%s\n' "${lines[@]}" >"$file"
}

@test "restore: mutated files exit 2 or 1 changing nothing, or apply (60 of them, at most 90 s)" {
	local n=0 st start=$SECONDS counts=(0 0 0)
	rich_config
	scmlb save | grep -v '^#' >"$BATS_TEST_TMPDIR/base"
	visible >"$BATS_TEST_TMPDIR/before"
	RANDOM=1414
	while [ "$n" -lt 60 ] && [ $((SECONDS - start)) -lt 90 ]; do
		n=$((n + 1))
		cp "$BATS_TEST_TMPDIR/base" "$BATS_TEST_TMPDIR/m"
		mutate "$BATS_TEST_TMPDIR/m"
		run --separate-stderr scmlb restore --flush -f "$BATS_TEST_TMPDIR/m"
		st=$status
		if [ "$st" -gt 2 ] || { [ "$st" -ne 0 ] && [ "${#stderr_lines[@]}" -ne 1 ]; }; then
			echo "mutation $n: status $st, stderr:"
			printf '  %s\n' "${stderr_lines[@]}"
			cat "$BATS_TEST_TMPDIR/m"
			return 1
		fi
		counts[st]=$((counts[st] + 1))
		if [ "$st" -ne 0 ] && [[ $stderr != *"is applied, except"* ]]; then
			visible >"$BATS_TEST_TMPDIR/after"
			if ! diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"; then
				echo "mutation $n changed the instance, status $st: $stderr"
				cat "$BATS_TEST_TMPDIR/m"
				return 1
			fi
			continue
		fi
		if [ "$st" -eq 0 ]; then
			# applied: the same file again changes nothing
			run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/m"
			[[ $output == *": 0 added, 0 changed, 0 removed, "* ]]
		fi
		run -0 scmlb restore --flush -f "$BATS_TEST_TMPDIR/base"
		visible >"$BATS_TEST_TMPDIR/before"
	done
	echo "$n mutations: ${counts[2]} exit 2, ${counts[1]} exit 1, ${counts[0]} applied"
	[ "$n" -ge 20 ]
	[ "${counts[2]}" -ge 10 ]
	# the instance still balances as the base file says
	[ "$(answers "$TOPO_VIP" 8080 4)" = $'10.0.4.2 2\n10.0.5.2 2' ]
}

# unit_cmd UNIT KEY CONF: the command line of KEY (ExecStart, ...) in UNIT,
# run with the built tool, CONF as SCMLB_CONF
unit_cmd() {
	local cmd args
	read -r cmd args < <(sed -n "s/^$2=//p" "$1")
	args=${args//\$\{SCMLB_CONF\}/$3}
	# shellcheck disable=SC2086 # the unit's words, as systemd splits them
	topo_exec lb env SCMLB_PIN_DIR="$SCMLB_PIN_DIR" \
		"$SCMLB_BUILD/tools/${cmd##*/}" $args
}

@test "scmlb.service: ExecStart restores SCMLB_CONF, ExecReload replaces it, ExecStop detaches" {
	local unit=$SCMLB_BUILD/systemd/scmlb.service conf=$BATS_TEST_TMPDIR/scmlb.conf
	[ -f "$unit" ]
	grep -qx 'Type=oneshot' "$unit"
	grep -qx 'RemainAfterExit=yes' "$unit"
	grep -qx 'After=network-online.target' "$unit"
	grep -qx 'Wants=network-online.target' "$unit"
	grep -qx 'EnvironmentFile=-/etc/default/scmlb' "$unit"
	grep -qx 'Environment=SCMLB_CONF=/etc/scmlb/scmlb.conf' "$unit"
	grep -q '^ExecStart=/.*/scmlb-restore -f ${SCMLB_CONF}$' "$unit"
	grep -q '^ExecReload=/.*/scmlb-restore --flush -f ${SCMLB_CONF}$' "$unit"
	grep -q '^ExecStop=/.*/scmlb-detach$' "$unit"
	scmlb attach -u up0 -v "$TOPO_VIP" -m native >/dev/null
	scmlb lb set -n web1 -a 10.0.4.2 >/dev/null
	scmlb save >"$conf"
	scmlb detach >/dev/null
	run -0 unit_cmd "$unit" ExecStart "$conf"
	[ "$(who_at "$TOPO_VIP" 8080)" = 10.0.4.2 ]
	conn_open 7070
	conn_echo one
	echo "lb set -n web2 -a 10.0.5.2 -s 1 -w 1" >>"$conf"
	run -0 unit_cmd "$unit" ExecReload "$conf"
	conn_echo two
	[ "$(answers "$TOPO_VIP" 8080 2)" = $'10.0.4.2 1\n10.0.5.2 1' ]
	conn_close
	run -0 unit_cmd "$unit" ExecStop "$conf"
	[ -z "$(xdp_progs)" ]
	[ ! -e "$SCMLB_PIN_DIR" ]
}

@test "scmlb save and scmlb restore run through the front-end" {
	run -0 scmlb restore --help
	[[ $output == *"--flush"* && $output == *"--file FILE"* ]]
	run -0 scmlb save --help
	[[ $output == *Usage:* ]]
	run -1 --separate-stderr scmlb save
	[[ $stderr == "scmlb-save: not attached (no maps in '$SCMLB_PIN_DIR'): run scmlb-attach first" ]]
}
