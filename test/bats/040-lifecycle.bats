#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Attach and detach: pins, permissions, --keep-maps and resuming, bpffs.

load helpers

setup_file() {
	lb_up native
}

teardown_file() {
	lb_down
}

@test "attach: pin directory 0700, pins 0600, every map with BTF" {
	[ "$(stat -c %a "$SCMLB_PIN_DIR")" = 700 ]
	for pin in "$SCMLB_PIN_DIR"/*; do
		[ "$(stat -c %a "$pin")" = 600 ]
	done
	# every map (prog_* are programs) but the devmap and the maps of
	# tables, which the kernel takes without BTF
	for pin in "$SCMLB_PIN_DIR"/*; do
		map=$(basename "$pin")
		case $map in
		prog_* | lb_tx_ports | lb_tables | lb_pair_tables) continue ;;
		esac
		run -0 bpftool map show pinned "$pin" -j
		[ "$(jq '.btf_id // 0' <<<"$output")" -gt 0 ]
	done
	run -0 bpftool map dump pinned "$SCMLB_PIN_DIR/lb_services"
	[[ $output == *'"vip":'* ]]
	# service 1's table (rr over 3 backends), whose BTF shows its entries:
	# the length and the first id, then the other two
	run -0 bpftool -j map lookup pinned "$SCMLB_PIN_DIR/lb_pair_tables" \
		key 1 0 0 0
	id=$(jq '.value // .formatted.value | if type == "array" then
		map(tonumber? // (ltrimstr("0x") | explode | map(if . >= 97
		then . - 87 else . - 48 end) | .[0] * 16 + .[1])) |
		.[0] + 256 * .[1] + 65536 * .[2] + 16777216 * .[3] else . end' \
		<<<"$output")
	run -0 bpftool -j map dump id "$id"
	[ "$(jq length <<<"$output")" -eq 2 ]
	[ "$(jq -c '[.[].formatted.value | length]' <<<"$output")" = '[2,2]' ]
	[ "$(jq '.[0].formatted.value[0]' <<<"$output")" -eq 3 ]
	[ "$(jq -c '[.[].formatted.value[]] | .[1:] | sort' <<<"$output")" = \
	  "$(scmlb lb get --json | jq -c '[.[].id] | sort')" ]
}

@test "detach --keep-maps: programs off, backends kept; attach resumes" {
	run -0 scmlb detach --keep-maps
	[[ $output == *"maps kept"* ]]
	[ -z "$(xdp_progs)" ]
	run -0 scmlb lb get --json
	[ "$(jq length <<<"$output")" -eq 3 ]
	run -1 --separate-stderr scmlb attach -u up0 -v 203.0.113.12
	[[ $stderr == *"run scmlb-detach to remove them" ]]
	run -0 scmlb attach -u up0 -v "$TOPO_VIP"
	[[ $output == *"again, with the kept maps" ]]
	[ "$(xdp_progs | wc -l)" -eq 4 ]
	run who_counts 3
	[ "${#lines[@]}" -eq 3 ]
}

@test "tools mount a bpffs when /sys/fs/bpf has none and no XDP runs" {
	# the client's namespace runs no XDP: a fresh host
	run -0 unshare --mount --propagation private bash -c "
		umount /sys/fs/bpf 2>/dev/null; umount /sys/fs/bpf 2>/dev/null
		! mountpoint -q /sys/fs/bpf || exit 3
		nsenter --net=/run/netns/$(topo_ns client) $SCMLB_BUILD/tools/scmlb-lb get --pin-dir /sys/fs/bpf/fresh || true
		mountpoint -q /sys/fs/bpf"
}

@test "tools mount no bpffs where XDP already runs: /sys hides the host's" {
	# the load balancer's namespace runs scmlb: a bpffs mounted here would
	# be a throwaway one
	run -0 unshare --mount --propagation private bash -c "
		umount /sys/fs/bpf 2>/dev/null; umount /sys/fs/bpf 2>/dev/null
		! mountpoint -q /sys/fs/bpf || exit 3
		nsenter --net=/run/netns/$(topo_ns lb) $SCMLB_BUILD/tools/scmlb-lb get 2>&1
		echo status \$?
		! mountpoint -q /sys/fs/bpf"
	[ "${lines[0]}" = "scmlb-lb: cannot use pin directory '$SCMLB_PIN_DIR': no BPF filesystem on /sys/fs/bpf here, as under 'ip netns exec', which remounts /sys: run the tool with 'nsenter --net=/run/netns/$(topo_ns lb)'" ]
	[ "${lines[1]}" = "status 1" ]
	run who_counts 3
	[[ $output != *failed* ]]
}
