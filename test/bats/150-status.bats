#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb-status: what it reports matches the kernel, the maps and the other
# tools; its warnings (a program that is not ours, timers on another pin
# directory); not attached.

load helpers

PASS_COUNT=$SCMLB_BUILD/test/pass_count.bpf.o
OTHER=/sys/fs/bpf/scmlbt-150-other

setup_file() {
	lb_up native
	# the units' settings, as a host that runs this instance would have them
	export SCMLB_DEFAULTS_FILE=$BATS_FILE_TMPDIR/scmlb.defaults
	echo "SCMLB_PIN_DIR=$SCMLB_PIN_DIR" >"$SCMLB_DEFAULTS_FILE"
}

teardown_file() {
	topo_exec lb "$SCMLB_BUILD/tools/scmlb-detach" --pin-dir "$OTHER" \
		>/dev/null 2>&1 || true
	lb_down
}

status() {
	scmlb status --json
}

# ifindex IFACE: as ip shows it in the load balancer's namespace
ifindex() {
	topo_exec lb ip -j link show dev "$1" | jq '.[0].ifindex'
}

@test "status --json: the instance, each interface with the program ip shows" {
	local cfg version i name
	run -0 --separate-stderr status
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	json=$output
	cfg=$(bpftool map lookup pinned "$SCMLB_PIN_DIR/lb_config" key 0 0 0 0 -j |
		jq '.formatted.value')
	version=$(jq .layout_version <<<"$cfg")
	[ "$(jq -r .pin_dir <<<"$json")" = "$SCMLB_PIN_DIR" ]
	[ "$(jq -r .layout <<<"$json")" = "$((version >> 16)).$((version & 65535))" ]
	[ "$(jq -r .upstream <<<"$json")" = up0 ]
	[ "$(jq -r .mode <<<"$json")" = native ]
	[ "$(jq .detached <<<"$json")" = false ]
	[ "$(jq .conntrack_size <<<"$json")" = "$(jq .conntrack_size <<<"$cfg")" ]
	[ "$(jq .conntrack_size <<<"$json")" -eq 262144 ]
	[ "$(jq -c '[.interfaces[].name]' <<<"$json")" = '["up0","be1","be2","be3"]' ]
	for i in 0 1 2 3; do
		name=$(jq -r ".interfaces[$i].name" <<<"$json")
		[ "$(jq ".interfaces[$i].prog_id" <<<"$json")" = "$(xdp_id "$name")" ]
		[ "$(jq ".interfaces[$i].ifindex" <<<"$json")" = "$(ifindex "$name")" ]
		[ "$(jq -r ".interfaces[$i].prog_name" <<<"$json")" = scmlb_entry ]
		[ "$(jq ".interfaces[$i].ours" <<<"$json")" = true ]
	done
	[ "$(jq -c .warnings <<<"$json")" = "[]" ]
	# every key INTERFACE.md names
	for key in pin_dir layout upstream mode interfaces conntrack_size \
		   conntrack_entries services backends rules policies warnings; do
		jq -e "has(\"$key\")" <<<"$json" >/dev/null
	done
}

# counts_are SERVICES BACKENDS RULES POLICIES: status and the get commands agree
counts_are() {
	local json
	json=$(status)
	[ "$(jq -c '[.services, .backends, .rules, .policies]' <<<"$json")" = "[$1,$2,$3,$4]" ]
	[ "$(scmlb svc get --json | jq length)" -eq "$1" ]
	[ "$(scmlb lb get --json | jq length)" -eq "$2" ]
	[ "$(scmlb fw get --json | jq length)" -eq "$3" ]
	[ "$(scmlb dos get --json | jq length)" -eq "$4" ]
}

@test "status --json: the counts follow svc, lb, fw and dos edits" {
	counts_are 1 3 0 0
	[ "$(scmlb svc set -v 203.0.113.12 -t tcp -P 8080)" = 2 ]
	counts_are 2 3 0 0
	id=$(scmlb lb set -s 2 -n tls1 -a 10.0.4.2)
	counts_are 2 4 0 0
	scmlb fw set -n 198.51.100.0/24 >/dev/null
	rule=$(scmlb fw set -n 192.0.2.0/24 -t tcp -d 22)
	counts_are 2 4 2 0
	policy=$(scmlb dos set -p udp -l 100000)
	counts_are 2 4 2 1
	scmlb dos delete -i "$policy"
	scmlb fw delete -i "$rule"
	counts_are 2 4 1 0
	scmlb lb drain -i "$id"
	scmlb lb delete -i "$id"
	scmlb svc delete -i 2
	counts_are 1 3 1 0
}

@test "status --json: conntrack_entries counts the flows traffic opens" {
	local before after
	scmlb lb conntrack flush >/dev/null
	before=$(status | jq .conntrack_entries)
	[ "$before" -eq "$(scmlb lb conntrack get --json | jq length)" ]
	run who_counts 6
	[[ $output != *failed* ]]
	after=$(status | jq .conntrack_entries)
	[ "$after" -ge $((before + 6)) ]
	[ "$after" -eq "$(scmlb lb conntrack get --json | jq length)" ]
}

@test "status: the text shows the services first, then the instance, readable without bpftool" {
	local svc pin
	run -0 --separate-stderr scmlb status
	[ -z "$stderr" ]
	[[ ${lines[0]} == "Prot VIP:Port "*Scheduler*Forward ]]
	[[ ${lines[1]} == "  -> Backend:Port "*Weight*Status*Health*Name ]]
	[[ ${lines[2]} =~ ^ANY\ +203\.0\.113\.11:\*\ +rr\ +nat$ ]]
	[[ ${lines[3]} =~ ^\ \ -\>\ 10\.0\.4\.2:\*\ +1\ +Available\ +(unknown|healthy)\ +web1$ ]]
	[[ ${lines[4]} =~ ^\ \ -\>\ 10\.0\.5\.2:\*\ +1\ +Available\ +(unknown|healthy)\ +web2$ ]]
	[[ ${lines[5]} =~ ^\ \ -\>\ 10\.0\.6\.2:\*\ +1\ +Available\ +(unknown|healthy)\ +web3$ ]]
	svc=$(grep -n '^ANY ' <<<"$output" | cut -d: -f1)
	pin=$(grep -n '^Pin directory:' <<<"$output" | cut -d: -f1)
	[ "$svc" -lt "$pin" ]
	[[ $output == *"Pin directory:   $SCMLB_PIN_DIR (layout "* ]]
	[[ $output == *"Upstream:        up0, native mode"* ]]
	[[ $output == *"Services:        1"* ]]
	[[ $output == *"Backends:        3"* ]]
	[[ $output =~ Conntrack:\ +[0-9]+\ of\ 262144\ flows ]]
	grep -Eq "^be2 +$(ifindex be2) +$(xdp_id be2) +scmlb_entry +true$" <<<"$output"
	[ "${lines[-1]}" = "Warnings: none" ]
	# a drained backend and a port service read as such
	scmlb lb drain -i 2
	svc=$(scmlb svc set -v 203.0.113.12 -t tcp -P 443 -S maglev)
	be=$(scmlb lb set -s "$svc" -n tls1 -a 10.0.6.2 -p 8443 -w 3)
	run -0 scmlb status
	scmlb lb undrain -i 2
	scmlb lb drain -i "$be"
	scmlb lb delete -i "$be"
	scmlb svc delete -i "$svc"
	[[ ${lines[4]} =~ ^\ \ -\>\ 10\.0\.5\.2:\*\ +1\ +Unavailable\ +[a-z]+\ +web2$ ]]
	[[ ${lines[6]} =~ ^TCP\ +203\.0\.113\.12:443\ +maglev\ +nat$ ]]
	[[ ${lines[7]} =~ ^\ \ -\>\ 10\.0\.6\.2:8443\ +3\ +Available\ +[a-z]+\ +tls1$ ]]
}

@test "status: a program that is not ours on an instance's interface is a warning" {
	local id
	# scmlb runs generic XDP on veths: take it off, put another on
	topo_exec lb ip link set dev be3 xdpgeneric off
	topo_exec lb ip link set dev be3 xdpgeneric obj "$PASS_COUNT" sec xdp
	id=$(xdp_id be3)
	json=$(status)
	[ "$(jq -c '.interfaces[3] | [.name, .prog_id, .prog_name, .ours]' <<<"$json")" = \
		"[\"be3\",$id,\"pass_count\",false]" ]
	[ "$(jq '[.interfaces[:3][].ours] | all' <<<"$json")" = true ]
	[ "$(jq -c .warnings <<<"$json")" = "[\"'be3' runs XDP program $id 'pass_count', not this scmlb's\"]" ]
	run -0 scmlb status
	[ "${lines[-2]}" = "Warnings:" ]
	[ "${lines[-1]}" = "  'be3' runs XDP program $id 'pass_count', not this scmlb's" ]

	# another instance's entry: the warning names its pin directory
	topo_exec lb ip link set dev be3 xdpgeneric off
	run -0 scmlb attach -u be3 --pin-dir "$OTHER"
	id=$(xdp_id be3)
	[ "$(status | jq -c .warnings)" = "[\"'be3' runs XDP program $id 'scmlb_entry' of the scmlb instance in '$OTHER', not this scmlb's\"]" ]
	run -0 scmlb status --json --pin-dir "$OTHER"
	[ "$(jq -c '[.interfaces[] | [.name, .ours]]' <<<"$output")" = '[["be3",true]]' ]
	run -0 scmlb detach --pin-dir "$OTHER"

	# none at all; an upgrade puts ours back
	[ "$(status | jq -c .warnings)" = "[\"'be3' runs no XDP program: scmlb is not attached there\"]" ]
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	json=$(status)
	[ "$(jq -c .warnings <<<"$json")" = "[]" ]
	[ "$(jq .interfaces[3].prog_id <<<"$json")" = "$(xdp_id be3)" ]
	run who_counts 3
	[ "$output" = $'10.0.4.2 1\n10.0.5.2 1\n10.0.6.2 1' ]
}

@test "status: an interface without scmlb_tc, where handed-off flows would stall, is a warning" {
	run -0 scmlb status --json
	[ "$(jq '[.warnings[] | select(test("tc program"))] | length' <<<"$output")" -eq 0 ]
	topo_exec lb tc qdisc del dev be2 clsact
	run -0 scmlb status --json
	[ "$(jq -r '.warnings[] | select(test("tc program"))' <<<"$output")" = \
		"scmlb's tc program is not on 'be2': flows through it stall: run scmlb-attach again" ]
	# attach puts it back, and the warning goes
	run -0 scmlb attach -u up0 -v "$TOPO_VIP" -m native
	run -0 scmlb status --json
	[ "$(jq '[.warnings[] | select(test("tc program"))] | length' <<<"$output")" -eq 0 ]
	run -0 who
}

@test "status: timers that work on another pin directory are a warning" {
	local file=$BATS_TEST_TMPDIR/defaults both
	both="scmlb-gc.timer and scmlb-health.timer work on '/sys/fs/bpf/scmlb', not this pin directory: set SCMLB_PIN_DIR=$SCMLB_PIN_DIR in '$file'"
	# no file, an empty one: the units' default pin directory
	[ "$(SCMLB_DEFAULTS_FILE=$file status | jq -r '.warnings[]')" = "$both" ]
	: >"$file"
	[ "$(SCMLB_DEFAULTS_FILE=$file status | jq -r '.warnings[]')" = "$both" ]
	run -0 env SCMLB_DEFAULTS_FILE="$file" nsenter --net="/run/netns/$(topo_ns lb)" \
		"$SCMLB_BUILD/tools/scmlb-status"
	[ "${lines[-1]}" = "  $both" ]
	# this one, quoted, among comments and other settings
	printf '# scmlb\nSCMLB_GC_ARGS="--gc-time 5m"\n; x\nSCMLB_PIN_DIR="%s"\n' \
		"$SCMLB_PIN_DIR" >"$file"
	[ "$(SCMLB_DEFAULTS_FILE=$file status | jq -c .warnings)" = "[]" ]
	# the health check's own --pin-dir wins over SCMLB_PIN_DIR
	printf 'SCMLB_PIN_DIR=/sys/fs/bpf/elsewhere\nSCMLB_HEALTH_ARGS="--timeout 1s --pin-dir %s/"\n' \
		"$SCMLB_PIN_DIR" >"$file"
	[ "$(SCMLB_DEFAULTS_FILE=$file status | jq -r '.warnings[]')" = \
		"scmlb-gc.timer works on '/sys/fs/bpf/elsewhere', not this pin directory: set SCMLB_PIN_DIR=$SCMLB_PIN_DIR in '$file'" ]
}

@test "status: detached with --keep-maps says so" {
	run -0 scmlb detach --keep-maps
	json=$(status)
	[ "$(jq .detached <<<"$json")" = true ]
	[ "$(jq -c .warnings <<<"$json")" = '["detached with --keep-maps: no interface runs scmlb until scmlb-attach resumes"]' ]
	[ "$(jq '[.interfaces[].prog_id] | add' <<<"$json")" -eq 0 ]
	run -0 scmlb status
	[[ $output == *"Upstream:        up0, native mode, detached (maps kept)"* ]]
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	[ "$(status | jq -c '[.detached, .warnings]')" = '[false,[]]' ]
}

@test "status: not attached is one line and exit 1" {
	local none=/sys/fs/bpf/scmlbt-150-none
	run -1 --separate-stderr scmlb status --pin-dir "$none"
	[ -z "$output" ]
	[ "$stderr" = "scmlb-status: not attached (no maps in '$none'): run scmlb-attach first" ]
	run -1 --separate-stderr scmlb_tool scmlb-status --json --pin-dir "$none"
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ ! -e "$none" ]
}
