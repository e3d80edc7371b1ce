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
	# every map (prog_* are programs) but the devmap and the map of
	# tables, which the kernel takes without BTF
	for pin in "$SCMLB_PIN_DIR"/*; do
		map=$(basename "$pin")
		case $map in prog_* | lb_tx_ports | lb_tables) continue ;; esac
		run -0 bpftool map show pinned "$pin" -j
		[ "$(jq '.btf_id // 0' <<<"$output")" -gt 0 ]
	done
	run -0 bpftool map dump pinned "$SCMLB_PIN_DIR/lb_services"
	[[ $output == *'"vip":'* ]]
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

@test "tools mount a bpffs when /sys/fs/bpf has none" {
	run -0 unshare --mount --propagation private bash -c "
		umount /sys/fs/bpf 2>/dev/null; umount /sys/fs/bpf 2>/dev/null
		! mountpoint -q /sys/fs/bpf || exit 3
		nsenter --net=/run/netns/$(topo_ns lb) $SCMLB_BUILD/tools/scmlb-lb get --pin-dir /sys/fs/bpf/fresh || true
		mountpoint -q /sys/fs/bpf"
}
