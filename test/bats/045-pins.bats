#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb-attach and scmlb-detach remove only the pins scmlb made: another
# tool's pins in the same directory survive, even under scmlb's names.

load helpers

setup() {
	topo_up
}

teardown() {
	scmlb detach >/dev/null 2>&1 || true
	rm -rf "$SCMLB_PIN_DIR"
	topo_down
}

# foreign_map NAME TYPE: a map another tool pinned in the pin directory
foreign_map() {
	bpftool map create "$SCMLB_PIN_DIR/$1" type "$2" key 4 value 8 \
		entries 4 name "$1"
}

@test "pins: detach leaves another tool's pins, the directory with them, and a foreign map under one of scmlb's names" {
	mkdir -p "$SCMLB_PIN_DIR"
	foreign_map other_tool hash
	run -0 scmlb attach -u up0 -v "$TOPO_VIP" -m native
	[ -e "$SCMLB_PIN_DIR/lb_config" ] && [ -e "$SCMLB_PIN_DIR/prog_entry" ]
	run -0 scmlb detach
	[ -e "$SCMLB_PIN_DIR/other_tool" ]
	[ "$(ls "$SCMLB_PIN_DIR")" = other_tool ]
	run -0 bpftool map show pinned "$SCMLB_PIN_DIR/other_tool"
}

@test "pins: a map another tool pinned as lb_rr (a hash, not scmlb's array) is refused, and survives" {
	mkdir -p "$SCMLB_PIN_DIR"
	foreign_map lb_rr hash
	run scmlb attach -u up0 -v "$TOPO_VIP" -m native
	[ "$status" -ne 0 ]
	[ -e "$SCMLB_PIN_DIR/lb_rr" ]
	run -0 bpftool map show pinned "$SCMLB_PIN_DIR/lb_rr"
	[[ $output == *"hash"* ]]
	# nothing of scmlb's left behind by the failed attach
	[ "$(ls "$SCMLB_PIN_DIR")" = lb_rr ]
}

@test "pins: attach and detach with --pin-dir on the bpffs root touch nothing of other tools" {
	bpftool map create /sys/fs/bpf/scmlbt_root_other type hash key 4 value 8 entries 4 name scmlbt_root_oth
	run -0 topo_exec lb "$SCMLB_BUILD/tools/scmlb-attach" --pin-dir /sys/fs/bpf \
		-u up0 -v "$TOPO_VIP" -m native
	run -0 topo_exec lb "$SCMLB_BUILD/tools/scmlb-detach" --pin-dir /sys/fs/bpf
	[ -e /sys/fs/bpf/scmlbt_root_other ]
	[ ! -e /sys/fs/bpf/lb_config ]
	[ -d /sys/fs/bpf ]
	rm -f /sys/fs/bpf/scmlbt_root_other
}
