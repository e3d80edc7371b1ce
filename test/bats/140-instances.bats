#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# One owner per interface: a second instance, a foreign XDP program and
# ip netns exec are refused while the live instance keeps serving; a failed
# attach leaves nothing behind; a fresh host still gets its bpffs mounted.

load helpers

PASS_COUNT=$SCMLB_BUILD/test/pass_count.bpf.o
OTHER=/sys/fs/bpf/scmlbt-140-other

setup_file() {
	lb_up native
	# an interface pair of the load balancer's own, for programs and
	# instances that must not touch the test's topology
	topo_exec lb ip link add fx0 type veth peer name fx1
	topo_exec lb ip link set fx0 up
	topo_exec lb ip link set fx1 up
}

teardown_file() {
	topo_exec lb "$SCMLB_BUILD/tools/scmlb-detach" --pin-dir "$OTHER" \
		>/dev/null 2>&1 || true
	lb_down
}

# serves: every backend answers through the VIP, twice round
serves() {
	run who_counts 6
	[ "$output" = $'10.0.4.2 2\n10.0.5.2 2\n10.0.6.2 2' ]
}

@test "instances: a second instance on the same upstream is refused, naming the first" {
	local id
	id=$(xdp_id up0)
	[ -n "$id" ]
	for args in "-v $TOPO_VIP" "-v 203.0.113.12" "-v $TOPO_VIP -m skb" ""; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr scmlb attach -u up0 $args --pin-dir "$OTHER"
		[ -z "$output" ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[ "$stderr" = "scmlb-attach: cannot attach to 'up0': it runs XDP program $id 'scmlb_entry' of the scmlb instance in '$SCMLB_PIN_DIR': one owner per interface, detach that instance first" ]
		[ ! -e "$OTHER" ]
	done
	# the first keeps its program, its tools and its traffic
	[ "$(xdp_id up0)" = "$id" ]
	run -0 scmlb lb get --json
	[ "$(jq length <<<"$output")" -eq 3 ]
	serves
}

@test "instances: a second instance's backend on the first's interface is refused" {
	local id
	run -0 scmlb attach -u fx0 --pin-dir "$OTHER"
	run -0 scmlb svc set -v 203.0.113.12 --pin-dir "$OTHER"
	id=$(xdp_id be1)
	run -1 --separate-stderr scmlb lb set -n web1 -a 10.0.4.2 --pin-dir "$OTHER"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-lb: cannot attach to 'be1' for backend '10.0.4.2': it runs XDP program $id 'scmlb_entry' of the scmlb instance in '$SCMLB_PIN_DIR': one owner per interface, detach that instance first" ]
	run -0 scmlb lb get --json --pin-dir "$OTHER"
	[ "$output" = "[]" ]
	[ "$(xdp_id be1)" = "$id" ]
	run -0 scmlb detach --pin-dir "$OTHER"
	[ ! -e "$OTHER" ]
	[ -z "$(xdp_id fx0)" ]
	serves
}

@test "instances: re-running attach on its own instance still upgrades it" {
	local id
	id=$(xdp_id up0)
	conn_open 7070
	conn_echo before
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	[ "$output" = "upgraded on 'up0' (native mode): maps and connections kept" ]
	conn_echo after
	conn_close
	[ "$(xdp_id up0)" = "$id" ]
	serves
}

@test "instances: a foreign XDP program is refused with its id and name, and stays" {
	local id
	topo_exec lb ip link set dev fx0 xdp obj "$PASS_COUNT" sec xdp
	id=$(xdp_id fx0)
	[ -n "$id" ]
	run -1 --separate-stderr scmlb attach -u fx0 -v 203.0.113.12 --pin-dir "$OTHER"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-attach: cannot attach to 'fx0': it runs XDP program $id 'pass_count', not one scmlb loaded from '$OTHER': one owner per interface, unload it first" ]
	[ ! -e "$OTHER" ]
	[ "$(xdp_id fx0)" = "$id" ]
	topo_exec lb ip link set dev fx0 xdp off

	# in generic mode while scmlb asks for native: the kernel's bare
	# "Device or resource busy" becomes the same message
	topo_exec lb ip link set dev fx0 xdpgeneric obj "$PASS_COUNT" sec xdp
	id=$(xdp_id fx0)
	run -1 --separate-stderr scmlb attach -u fx0 -m native --pin-dir "$OTHER"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "scmlb-attach: cannot attach to 'fx0': it runs XDP program $id 'pass_count', not one"* ]]
	[ ! -e "$OTHER" ]
	[ "$(xdp_id fx0)" = "$id" ]
	topo_exec lb ip link set dev fx0 xdpgeneric off
}

@test "instances: a foreign XDP program on a backend's interface refuses the backend" {
	local id before
	ip netns add "$(topo_ns backend4)"
	topo_link backend4 eth0 10.0.7.2 lb be4 10.0.7.1
	topo_exec lb ip link set dev be4 xdp obj "$PASS_COUNT" sec xdp
	id=$(xdp_id be4)
	before=$(scmlb lb get --json)
	run -1 --separate-stderr scmlb lb set -n web4 -a 10.0.7.2
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-lb: cannot attach to 'be4' for backend '10.0.7.2': it runs XDP program $id 'pass_count', not one scmlb loaded from '$SCMLB_PIN_DIR': one owner per interface, unload it first" ]
	[ "$(scmlb lb get --json)" = "$before" ]
	[ "$(xdp_id be4)" = "$id" ]
	ip netns del "$(topo_ns backend4)"
	serves
}

@test "instances: ip netns exec is refused with the nsenter hint; the live instance keeps serving" {
	local id hint tool
	id=$(xdp_id up0)
	hint="cannot use pin directory '$SCMLB_PIN_DIR': no BPF filesystem on /sys/fs/bpf here, as under 'ip netns exec', which remounts /sys: run the tool with 'nsenter --net=/run/netns/$(topo_ns lb)'"
	run -1 --separate-stderr ip netns exec "$(topo_ns lb)" \
		"$SCMLB_BUILD/tools/scmlb-attach" -u up0 -v "$TOPO_VIP"
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "scmlb-attach: $hint" ]
	# every tool, so none reports "not attached" or "nothing attached"
	for tool in scmlb-detach scmlb-lb scmlb-status; do
		local args=()
		[ "$tool" = scmlb-lb ] && args=(get)
		run -1 --separate-stderr ip netns exec "$(topo_ns lb)" \
			"$SCMLB_BUILD/tools/$tool" "${args[@]}"
		[ "$stderr" = "$tool: $hint" ]
	done
	# a new pin directory is refused too, and never made
	run -1 --separate-stderr ip netns exec "$(topo_ns lb)" \
		"$SCMLB_BUILD/tools/scmlb-attach" -u fx0 --pin-dir "$OTHER"
	[[ $stderr == "scmlb-attach: cannot use pin directory '$OTHER': no BPF filesystem"* ]]
	[ ! -e "$OTHER" ]
	[ -z "$(xdp_id fx0)" ]
	[ "$(xdp_id up0)" = "$id" ]
	run -0 scmlb lb get --json
	[ "$(jq length <<<"$output")" -eq 3 ]
	serves
}

@test "instances: a failed attach leaves no directory it made and no pins" {
	# no such interface
	run -1 scmlb attach -u nosuch0 --pin-dir "$OTHER"
	[ ! -e "$OTHER" ]
	# the kernel refuses the program: native XDP on a bridge, which has
	# no driver mode
	topo_exec lb ip link add big0 type bridge
	topo_exec lb ip link set big0 up
	run -1 --separate-stderr scmlb attach -u big0 -m native --pin-dir "$OTHER"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "scmlb-attach: cannot attach to 'big0' in native mode: "* ]]
	[ ! -e "$OTHER" ]
	[ -z "$(xdp_id big0)" ]
	# a directory that was there stays, empty
	mkdir "$OTHER"
	run -1 scmlb attach -u big0 -m native --pin-dir "$OTHER"
	[ -d "$OTHER" ]
	[ -z "$(ls -A "$OTHER")" ]
	rmdir "$OTHER"
	# not on a bpffs
	run -1 --separate-stderr scmlb attach -u fx0 --pin-dir "$BATS_TEST_TMPDIR/nobpf"
	[[ $stderr == *"not on a BPF filesystem" ]]
	[ ! -e "$BATS_TEST_TMPDIR/nobpf" ]
	topo_exec lb ip link del big0
	serves
}

@test "instances: an entry a killed attach left without a pin is taken as its own" {
	local id
	run -0 scmlb attach -u fx0 --pin-dir "$OTHER"
	id=$(xdp_id fx0)
	# as if killed after attaching, before pinning the entry and publishing
	rm "$OTHER/prog_entry"
	bpftool map update pinned "$OTHER/lb_config" key hex 00 00 00 00 \
		value hex $(printf '00 %.0s' $(seq 96))
	run -0 scmlb attach -u fx0 --pin-dir "$OTHER"
	# the second line notes the generic XDP a veth gets
	[ "${lines[0]}" = "attached to 'fx0' (native mode), no service yet" ]
	[ -n "$(xdp_id fx0)" ] && [ "$(xdp_id fx0)" != "$id" ]
	[ "$(bpftool prog show pinned "$OTHER/prog_entry" -j | jq .id)" = "$(xdp_id fx0)" ]
	run -0 scmlb detach --pin-dir "$OTHER"
	[ -z "$(xdp_id fx0)" ]
}

@test "instances: on a fresh host a tool mounts the bpffs and attaches" {
	ip netns add "$(topo_ns fresh)"
	topo_exec fresh ip link add v0 type veth peer name v1
	topo_exec fresh ip link set v0 up
	topo_exec fresh ip link set v1 up
	run -0 unshare --mount --propagation private bash -c "
		umount /sys/fs/bpf 2>/dev/null; umount /sys/fs/bpf 2>/dev/null
		! mountpoint -q /sys/fs/bpf || exit 3
		export SCMLB_PIN_DIR=/sys/fs/bpf/fresh
		nsenter --net=/run/netns/$(topo_ns fresh) $SCMLB_BUILD/tools/scmlb-attach -u v0 || exit 4
		mountpoint -q /sys/fs/bpf || exit 5
		nsenter --net=/run/netns/$(topo_ns fresh) $SCMLB_BUILD/tools/scmlb-status --json || exit 6
		nsenter --net=/run/netns/$(topo_ns fresh) $SCMLB_BUILD/tools/scmlb-detach"
	[ "${lines[0]}" = "attached to 'v0' (native mode), no service yet" ]
	[[ ${lines[1]} == "note: XDP runs in skb mode on 'v0'"* ]]
	[ "$(jq -r '.interfaces[0] | "\(.name) \(.ours)"' <<<"${lines[2]}")" = "v0 true" ]
	[ "${lines[3]}" = "detached from v0; pins removed" ]
	ip netns del "$(topo_ns fresh)"
}
