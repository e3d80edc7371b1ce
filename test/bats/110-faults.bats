#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Faults lose no state: killed tools, concurrent tools, a vanished backend
# interface, maps of another layout, users who are not root.

load helpers

CHECK=$SCMLB_BUILD/test/check_maps

setup_file() {
	local i
	lb_up skb
	for i in $(seq 10 69); do
		topo_exec backend1 ip addr add "10.0.4.$i/24" dev eth0
	done
}

teardown_file() {
	lb_down
}

# kill_during N CMD...: start CMD in the lb namespace, SIGKILL it after a
# random 0-N ms; what it finished is kept, what it did not is never half seen
kill_during() {
	local max_ms=$1 pid
	shift
	# nsenter execs the tool: $! is the tool itself, not a shell around it
	nsenter --net="/run/netns/$(topo_ns lb)" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % max_ms)))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

@test "faults: tools killed at random points leave the maps consistent; the next tool runs" {
	local i tools=$SCMLB_BUILD/tools
	for i in $(seq 1 40); do
		kill_during 25 "$tools/scmlb-fw" set -n "10.$i.0.0/16" -t tcp -d 80
		kill_during 25 "$tools/scmlb-fw" set -n "2001:db8:$i::/48" -t udp
		kill_during 25 "$tools/scmlb-lb" set -n "k$i" -a "10.0.4.$((i + 9))"
		kill_during 10 "$tools/scmlb-lb" drain -i 1
		kill_during 10 "$tools/scmlb-lb" undrain -i 1
		kill_during 10 "$tools/scmlb-lb" edit -i 1 -n "e$i" -w "$((i % 5 + 1))"
		kill_during 10 "$tools/scmlb-fw" delete -i "$i"
		kill_during 25 "$tools/scmlb-svc" set -v "203.0.113.$((100 + i))" -t tcp -P 80
		kill_during 10 "$tools/scmlb-svc" delete -i "$i"
		# right after a kill: nothing the data plane or a listing meets is half done
		run -0 topo_exec lb "$CHECK" --killed
		# and the lock died with its holder
		run -0 timeout 5 nsenter --net="/run/netns/$(topo_ns lb)" \
			"$SCMLB_BUILD/tools/scmlb" fw get --json
	done
	# the next write finishes or undoes what the killed ones left
	run -0 scmlb fw set -n 192.0.2.0/24
	run -0 scmlb fw set -n 2001:db8:ffff::/48
	run -0 scmlb lb undrain -i 1
	run -0 scmlb lb edit -i 1 -n web1 -w 1
	run -0 topo_exec lb "$CHECK"
	echo "$output"
	run -0 scmlb fw get --json
	echo "$(jq length <<<"$output") rules survived the kills"
	run -0 scmlb lb get --json
	echo "$(jq length <<<"$output") backends survived the kills"
	run -0 scmlb svc get --json
	echo "$(jq length <<<"$output") services survived the kills"
	# service 1 has backends: no killed delete took it
	[ "$(jq '.[0].id' <<<"$output")" = 1 ]
	# the services the kills left go: one service, as the next tests expect
	for id in $(jq '.[1:] | .[].id' <<<"$output"); do
		run -0 scmlb svc delete -i "$id"
	done
	# the backends listed are whole and the data plane still balances
	run who_counts 6
	[[ $output != *failed* ]]
}

@test "faults: lb edit killed at random points on a wrr service; the next edit rebuilds the table" {
	local i tools=$SCMLB_BUILD/tools id1 id2
	run -0 scmlb svc set -v 203.0.113.60 -t tcp -P 80 -S wrr
	svc=$output
	id1=$(scmlb lb set -s "$svc" -n wa -a 10.0.4.10)
	id2=$(scmlb lb set -s "$svc" -n wb -a 10.0.4.11)
	for i in $(seq 1 30); do
		kill_during 15 "$tools/scmlb-lb" edit -i "$id1" -w "$((i % 9 + 1))"
		run -0 topo_exec lb "$CHECK" --killed
	done
	# check_maps: the service's table is the one weights 3 and 1 make
	run -0 scmlb lb edit -i "$id1" -w 3
	run -0 topo_exec lb "$CHECK"
	run -0 scmlb svc get --json
	jq -e --argjson s "$svc" --argjson a "$id1" --argjson b "$id2" \
		'.[] | select(.id == $s) | .backends == [$a, $b]' <<<"$output"
	run -0 scmlb lb get --json
	jq -e --argjson a "$id1" '.[] | select(.id == $a) | .weight == 3' <<<"$output"
	for id in "$id1" "$id2"; do
		scmlb lb drain -i "$id" && scmlb lb delete -i "$id"
	done
	run -0 scmlb svc delete -i "$svc"
}

@test "faults: 50 concurrent fw set and lb set/delete give distinct ids, nothing lost" {
	local i before_rules before_backends
	before_rules=$(scmlb fw get --json | jq length)
	for i in $(seq 1 50); do
		scmlb fw set -n "172.16.$i.0/24" -t udp -s "$i" >"$BATS_TEST_TMPDIR/fw-$i" &
	done
	for i in $(seq 50 69); do
		scmlb lb set -n "c$i" -a "10.0.4.$i" >"$BATS_TEST_TMPDIR/lb-$i" 2>/dev/null &
	done
	wait
	run -0 bash -c "cat '$BATS_TEST_TMPDIR'/fw-* | sort -u | wc -l"
	[ "$output" -eq 50 ]
	run -0 scmlb fw get --json
	[ "$(jq length <<<"$output")" -eq $((before_rules + 50)) ]
	[ "$(jq '[.[].id] | unique | length' <<<"$output")" -eq $((before_rules + 50)) ]
	[ "$(jq '[.[] | select(.network | startswith("172.16."))] | length' <<<"$output")" -eq 50 ]
	# drain and delete the new backends, all at once
	before_backends=$(scmlb lb get --json | jq length)
	for i in $(seq 50 69); do
		id=$(cat "$BATS_TEST_TMPDIR/lb-$i")
		[ -n "$id" ] || continue
		(scmlb lb drain -i "$id" && scmlb lb delete -i "$id") &
	done
	wait
	run -0 scmlb lb get --json
	[ "$(jq '[.[] | select(.name | startswith("c"))] | length' <<<"$output")" -eq 0 ]
	run -0 topo_exec lb "$CHECK"
}

@test "faults: a backend interface removed while attached: get says so, delete still works" {
	ip netns add "$(topo_ns backend9)"
	topo_link backend9 eth0 10.0.9.2 lb be9 10.0.9.1
	run -0 scmlb lb set -n vanishing -a 10.0.9.2
	id=$output
	[[ $(xdp_progs) == *scmlb_entry* ]]
	topo_exec lb ip link del be9
	run -0 scmlb lb get --json
	[[ $(jq -r ".[] | select(.id == $id) | .device" <<<"$output") == "(gone:"*")" ]]
	run -0 scmlb lb get
	[[ $output == *"(gone:"* ]]
	run -0 scmlb lb drain -i "$id"
	run -0 scmlb lb delete -i "$id"
	run -0 scmlb lb get --json
	[ "$(jq "[.[] | select(.id == $id)] | length" <<<"$output")" -eq 0 ]
	ip netns del "$(topo_ns backend9)"
	run who_counts 3
	[[ $output != *failed* ]]
}

# set_layout VERSION: rewrite the layout version, the first 4 bytes of lb_config
set_layout() {
	local bytes
	bytes=$(bpftool map lookup pinned "$SCMLB_PIN_DIR/lb_config" key 0 0 0 0 -j |
		jq -r --argjson v "$1" '[$v % 256, ($v / 256 | floor) % 256,
			($v / 65536 | floor) % 256, ($v / 16777216 | floor) % 256]
			+ (.value[4:] | map(tonumber? // (ltrimstr("0x") | explode |
			map(if . >= 97 then . - 87 else . - 48 end) | .[0] * 16 + .[1])))
			| map(tostring) | join(" ")')
	bpftool map update pinned "$SCMLB_PIN_DIR/lb_config" key 0 0 0 0 value $bytes
}

@test "upgrades: maps of another major layout are refused with what to do" {
	current=$(bpftool map lookup pinned "$SCMLB_PIN_DIR/lb_config" key 0 0 0 0 -j |
		jq '.formatted.value.layout_version')
	before=$(scmlb lb get --json)
	set_layout $((99 * 65536))
	for tool in "lb get" "fw get" "stat" "gc"; do
		run -1 --separate-stderr scmlb $tool
		[[ $stderr == *"have layout 99.0, this scmlb uses "*": run scmlb-detach, then scmlb-attach" ]]
	done
	run -1 --separate-stderr scmlb attach -u up0 -v "$TOPO_VIP"
	[[ $stderr == *"have layout 99.0"*"run scmlb-detach first" ]]
	set_layout "$current"
	[ "$(scmlb lb get --json)" = "$before" ]
}

@test "upgrades: an older minor layout is upgraded in place, keeping connections" {
	conn_open 7070
	conn_echo "before"
	# maps as an older scmlb left them: without the per-backend counters,
	# nor the half-open flows' maps (layouts before 4.2), nor IPv6's
	# (before 4.5), nor the SYN proxy's (before 4.6, IPv6's before 4.7),
	# nor the tables of two ids an entry (before 4.8)
	v6_maps="lb_progs6 ct6_flows ct6_replies ct6_opening ct6_opening_rep
		ct6_frags fw6_nets fw6_net_info fw6_hint dos6_counts dos6_prefix
		stat6_pkts lb_progs4 lb_svc_stats ct6_proxy"
	rm "$SCMLB_PIN_DIR/lb_be_stats" "$SCMLB_PIN_DIR/ct_opening" \
		"$SCMLB_PIN_DIR/ct_opening_rep" "$SCMLB_PIN_DIR/lb_pair_tables"
	for map in $v6_maps; do
		rm "$SCMLB_PIN_DIR/$map"
	done
	set_layout $((4 * 65536 + 4))
	run -1 --separate-stderr scmlb lb get
	[[ $stderr == *": run scmlb-attach to upgrade them" ]]
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	[[ $output == "upgraded on 'up0'"* ]]
	[ -e "$SCMLB_PIN_DIR/lb_be_stats" ]
	run -0 bpftool map lookup pinned "$SCMLB_PIN_DIR/lb_config" key 0 0 0 0 -j
	[ "$(jq .formatted.value.layout_version <<<"$output")" -eq $((4 * 65536 + 8)) ]
	# a quarter of the default conntrack size, for both families
	for map in ct_opening ct_opening_rep ct6_opening ct6_opening_rep; do
		run -0 bpftool -j map show pinned "$SCMLB_PIN_DIR/$map"
		[ "$(jq .max_entries <<<"$output")" -eq 65536 ]
	done
	for map in $v6_maps; do
		run -0 bpftool -j map show pinned "$SCMLB_PIN_DIR/$map"
		[ "$(jq '.btf_id // 0' <<<"$output")" -gt 0 ]
	done
	run -0 bpftool -j map show pinned "$SCMLB_PIN_DIR/ct6_flows"
	[ "$(jq .max_entries <<<"$output")" -eq 262144 ]
	conn_echo "after"
	conn_close
	run -0 scmlb lb get --json
	[ "$(jq '.[0] | has("conns")' <<<"$output")" = true ]
}

# upgrade_from MINOR: the maps, said to be of layout 4.MINOR, are refused
# by the tools until scmlb-attach upgrades them in place to 4.8
upgrade_from() {
	set_layout $((4 * 65536 + $1))
	run -1 --separate-stderr scmlb lb get
	[[ $stderr == *"have layout 4.$1"*": run scmlb-attach to upgrade them" ]]
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	[[ $output == "upgraded on 'up0'"* ]]
	run -0 bpftool map lookup pinned "$SCMLB_PIN_DIR/lb_config" key 0 0 0 0 -j
	[ "$(jq .formatted.value.layout_version <<<"$output")" -eq $((4 * 65536 + 8)) ]
}

@test "upgrades: layout 4.5 (IPv6, no SYN proxy) is upgraded in place to 4.8, keeping connections; its --syn-proxy services then work" {
	local id be before
	conn_open 7070
	conn_echo "before"
	# maps as scmlb with IPv6 and before the SYN proxy left them
	rm "$SCMLB_PIN_DIR/lb_progs4" "$SCMLB_PIN_DIR/lb_svc_stats" \
		"$SCMLB_PIN_DIR/ct6_proxy" "$SCMLB_PIN_DIR/lb_pair_tables"
	upgrade_from 5
	for map in lb_progs4 lb_svc_stats ct6_proxy; do
		run -0 bpftool -j map show pinned "$SCMLB_PIN_DIR/$map"
		[ "$(jq '.btf_id // 0' <<<"$output")" -gt 0 ]
	done
	# the handshakes' program is in its slot before scmlb_main jumps to it
	run -0 bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_progs4"
	[ "$(jq length <<<"$output")" -eq 1 ]
	conn_echo "after"
	conn_close
	# a --syn-proxy port service on the upgraded instance: cookie handshakes
	id=$(scmlb svc set -v "$TOPO_VIP" -t tcp -P 7071 --syn-proxy)
	scmlb lb set -s "$id" -n proxied -a "${TOPO_BACKENDS[0]}" -p 7070 >/dev/null
	before=$(scmlb stat --json | jq .syn_proxy_cookies_valid)
	rm -r "$CONN_DIR"
	conn_open 7071
	conn_echo "proxied"
	conn_close
	[ "$(scmlb stat --json | jq .syn_proxy_cookies_valid)" -gt "$before" ]
	be=$(scmlb lb get --json | jq -r '.[] | select(.name == "proxied") | .id')
	run -0 scmlb lb drain -i "$be"
	run -0 scmlb lb delete -i "$be"
	run -0 scmlb svc delete -i "$id"
}

@test "upgrades: layout 4.6 (IPv4's SYN proxy, not IPv6's) is upgraded in place to 4.8, keeping connections; IPv6's handshake program in its slot" {
	conn_open 7070
	conn_echo "before"
	# maps as scmlb before IPv6's SYN proxy left them
	rm "$SCMLB_PIN_DIR/ct6_proxy" "$SCMLB_PIN_DIR/lb_pair_tables"
	upgrade_from 6
	run -0 bpftool -j map show pinned "$SCMLB_PIN_DIR/ct6_proxy"
	[ "$(jq '.btf_id // 0' <<<"$output")" -gt 0 ]
	# sized with ct6_flows
	[ "$(jq .max_entries <<<"$output")" -eq "$(bpftool -j map show pinned \
		"$SCMLB_PIN_DIR/ct6_flows" | jq .max_entries)" ]
	# scmlb_main6, scmlb_icmp6 and scmlb_syn_proxy6 before scmlb_main jumps
	run -0 bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_progs6"
	[ "$(jq length <<<"$output")" -eq 3 ]
	conn_echo "after"
	conn_close
}

# tables_dump: each service's table in lb_pair_tables, "SLOT [ENTRIES]"
tables_dump() {
	local slot id
	bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_pair_tables" |
		jq -r 'def num: map(tonumber? // (ltrimstr("0x") | explode |
			map(if . >= 97 then . - 87 else . - 48 end) |
			.[0] * 16 + .[1])) | .[0] + 256 * .[1] + 65536 * .[2] +
			16777216 * .[3];
			.[] | "\(.key | num) \(.value | num)"' |
		while read -r slot id; do
			echo "$slot $(bpftool -j map dump id "$id" |
				jq -c '[.[].formatted.value]')"
		done
}

# maglev_picks: "PORT BACKEND" of a request to VIP:8080 from each of 12
# fixed client ports, above the ephemeral range
maglev_picks() {
	local port
	for port in $(seq 61201 61212); do
		printf 'GET /who HTTP/1.0\r\n\r\n' |
			topo_exec client timeout 5 socat -t 3 - \
				"TCP:$TOPO_VIP:8080,sourceport=$port,reuseaddr" |
			tail -n 1 | sed "s/^/$port /"
	done
}

@test "upgrades: layout 4.7 (an id an 8-byte value) is upgraded in place to 4.8 (two): each table made before the programs switch, maglev flows and picks kept, the old tables freed" {
	local id i tables be
	id=$(scmlb svc set -v "$TOPO_VIP" -t tcp -S maglev)
	for i in 0 1 2; do
		scmlb lb set -s "$id" -n "mg$i" -a "${TOPO_BACKENDS[$i]}" >/dev/null
	done
	conn_open 7070
	conn_echo "before"
	maglev_picks >"$BATS_TEST_TMPDIR/before"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/before")" -eq 12 ]
	[ "$(awk '{print $2}' "$BATS_TEST_TMPDIR/before" | sort -u | wc -l)" -gt 1 ]
	tables=$(tables_dump)
	# the maglev table: its length and 65,537 ids in 32,769 entries
	grep -q "^$id \[\[65537," <<<"$tables"
	[ "$(grep "^$id " <<<"$tables" | cut -d' ' -f2- | jq length)" -eq 32769 ]
	# a 4.7 instance's programs read lb_tables: refused even with every map
	set_layout $((4 * 65536 + 7))
	run -1 --separate-stderr scmlb lb get
	[[ $stderr == *"have layout 4.7"*": run scmlb-attach to upgrade them" ]]
	# maps as 4.7 left them: no lb_pair_tables (the programs keep theirs,
	# unpinned), a table of one id an 8-byte value in lb_tables
	rm "$SCMLB_PIN_DIR/lb_pair_tables"
	bpftool map create "$SCMLB_PIN_DIR/old_table" type array key 4 value 4 \
		entries 4 name lb_table flags 4096
	bpftool map update pinned "$SCMLB_PIN_DIR/lb_tables" key 1 0 0 0 \
		value pinned "$SCMLB_PIN_DIR/old_table"
	rm "$SCMLB_PIN_DIR/old_table"
	[ "$(bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_tables" | jq length)" -eq 1 ]
	upgrade_from 7
	# the new lb_pair_tables holds every table as it was, and the old ones
	# are freed
	[ "$(tables_dump)" = "$tables" ]
	[ "$(bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_tables" | jq length)" -eq 0 ]
	# conntrack forgets the open flow: the new table finds its backend
	run -0 scmlb lb conntrack flush
	conn_echo "after"
	conn_close
	maglev_picks >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	for be in $(scmlb lb get --json | jq --argjson s "$id" '.[] | select(.service == $s) | .id'); do
		scmlb lb drain -i "$be" >/dev/null
		scmlb lb delete -i "$be" >/dev/null
	done
	run -0 scmlb svc delete -i "$id"
}

@test "security: other users get a permission error and change nothing" {
	before=$(state)
	for cmd in "lb get" "lb set -n x -a 10.0.4.60" "fw set" "fw get" "dos get" "stat" "gc" "health" "detach"; do
		run -1 --separate-stderr nsenter --net="/run/netns/$(topo_ns lb)" \
			setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$SCMLB_BUILD/tools/scmlb" $cmd
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ $stderr == *"permission denied: scmlb tools must run as root" ]]
	done
	run -1 --separate-stderr nsenter --net="/run/netns/$(topo_ns lb)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SCMLB_BUILD/tools/scmlb" attach -u up0 -v 203.0.113.99
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"permission denied"* ]]
	[ "$(state)" = "$before" ]
}

@test "upgrades: scmlb-detach removes maps of another layout, then attach starts afresh" {
	set_layout $((99 * 65536))
	run -0 scmlb detach
	[[ $output == "detached from up0"* ]]
	[ -z "$(xdp_progs)" ]
	[ ! -e "$SCMLB_PIN_DIR" ]
	run -0 scmlb attach -u up0 -v "$TOPO_VIP" -m skb
	run -0 scmlb lb set -n web1 -a 10.0.4.2
	run -0 who
	[ "$output" = 10.0.4.2 ]
}
