#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Bad usage and bad values: exit 2, one line on stderr naming the tool, and
# nothing changed. Failed operations: exit 1, one line, nothing changed.

load helpers

setup_file() {
	lb_up skb
}

teardown_file() {
	lb_down
}

@test "scmlb-attach: bad usage and values exit 2 and change nothing" {
	expect_fail 2 scmlb-attach
	expect_fail 2 scmlb-attach -u up0
	expect_fail 2 scmlb-attach -v "$TOPO_VIP"
	expect_fail 2 scmlb-attach -u up0 -v 203.0.113
	expect_fail 2 scmlb-attach -u up0 -v 203.0.113.256
	expect_fail 2 scmlb-attach -u up0 -v 203.0.113.011
	expect_fail 2 scmlb-attach -u up0 -v 0.0.0.0
	expect_fail 2 scmlb-attach -u up0 -v 224.0.0.1
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" -m turbo
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" --conntrack-size 0
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" --conntrack-size -5
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" --conntrack-size 99999999999
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" --conntrack-size 1k
	expect_fail 2 scmlb-attach -u up0/x -v "$TOPO_VIP"
	expect_fail 2 scmlb-attach -u averyveryverylongname -v "$TOPO_VIP"
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" --bogus
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" extra
	expect_fail 2 scmlb-attach -u up0 -v "$TOPO_VIP" --json
	expect_fail 2 scmlb-attach -u
}

@test "scmlb-attach: failed operations exit 1 and change nothing" {
	expect_fail 1 scmlb-attach -u nosuch0 -v "$TOPO_VIP"
	expect_fail 1 scmlb-attach -u lo -v "$TOPO_VIP"
	expect_fail 1 scmlb-attach -u up0 -v 203.0.113.12
	expect_fail 1 scmlb-attach -u be1 -v "$TOPO_VIP"
	expect_fail 1 scmlb-attach -u up0 -v "$TOPO_VIP" -m native
	expect_fail 1 scmlb-attach -u up0 -v "$TOPO_VIP" --conntrack-size 1024
}

@test "scmlb-detach: bad usage exits 2 and changes nothing" {
	expect_fail 2 scmlb-detach --bogus
	expect_fail 2 scmlb-detach extra
	expect_fail 2 scmlb-detach --json
	expect_fail 2 scmlb-detach --pin-dir ""
}

@test "scmlb-lb: bad usage and values exit 2 and change nothing" {
	expect_fail 2 scmlb-lb
	expect_fail 2 scmlb-lb frobnicate
	expect_fail 2 scmlb-lb conntrack
	expect_fail 2 scmlb-lb conntrack del
	expect_fail 2 scmlb-lb set
	expect_fail 2 scmlb-lb set -n web9
	expect_fail 2 scmlb-lb set -a 10.0.4.9
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.2x
	expect_fail 2 scmlb-lb set -n web9 -a " 10.0.4.9"
	expect_fail 2 scmlb-lb set -n "" -a 10.0.4.9
	expect_fail 2 scmlb-lb set -n "a b" -a 10.0.4.9
	expect_fail 2 scmlb-lb set -n "$(printf 'n%.0s' {1..32})" -a 10.0.4.9
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.9 -c ftp://10.0.4.9/
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.9 -c http://
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.9 -c http://10.0.4.9:0/
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.9 -c http://10.0.4.9:65536/
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.9 -c "http://10.0.4.9/$(printf 'p%.0s' {1..130})"
	expect_fail 2 scmlb-lb set -n web9 -a "$TOPO_VIP"
	expect_fail 2 scmlb-lb set -n web9 -a 10.0.4.9 --json
	expect_fail 2 scmlb-lb drain
	expect_fail 2 scmlb-lb drain -i
	expect_fail 2 scmlb-lb drain -i abc
	expect_fail 2 scmlb-lb drain -i -1
	expect_fail 2 scmlb-lb drain -i 0
	expect_fail 2 scmlb-lb drain -i 4294967296
	expect_fail 2 scmlb-lb undrain -i 1x
	expect_fail 2 scmlb-lb delete -i +1
	expect_fail 2 scmlb-lb delete -n web1
	expect_fail 2 scmlb-lb get --bogus
	expect_fail 2 scmlb-lb get extra
	expect_fail 2 scmlb-lb conntrack get -i 1
}

@test "scmlb-lb: failed operations exit 1 and change nothing" {
	expect_fail 1 scmlb-lb drain -i 99
	expect_fail 1 scmlb-lb undrain -i 99
	expect_fail 1 scmlb-lb delete -i 99
	expect_fail 1 scmlb-lb delete -i 2
	expect_fail 1 scmlb-lb set -n dup -a 10.0.4.2
	expect_fail 1 scmlb-lb set -n local -a 10.0.4.1
	expect_fail 1 scmlb-lb set -n noroute -a 192.0.2.1
	expect_fail 1 scmlb-lb set -n nobody -a 10.0.5.77
	expect_fail 1 scmlb-lb --pin-dir /sys/fs/bpf/scmlbt-none get
}

@test "scmlb: the front-end runs the tools and rejects unknown commands" {
	run -2 --separate-stderr scmlb
	[ "$stderr" = "scmlb: missing command: see 'scmlb --help'" ]
	run -2 --separate-stderr scmlb frobnicate
	[ "$stderr" = "scmlb: unknown command 'frobnicate': see 'scmlb --help'" ]
	run -2 --separate-stderr scmlb lb frobnicate
	[[ $stderr == "scmlb-lb: unknown command 'frobnicate'"* ]]
	run -0 scmlb lb get --json
	[ "$(jq length <<<"$output")" -eq 3 ]
}

@test "every tool: --help and --version print to stdout and exit 0" {
	local tool
	for tool in scmlb scmlb-attach scmlb-detach scmlb-lb; do
		run -0 --separate-stderr scmlb_tool "$tool" --help
		[ -z "$stderr" ]
		[[ $output == *Usage:* ]]
		run -0 scmlb_tool "$tool" --version
		[[ $output == "$tool "[0-9]* ]]
	done
	run -0 scmlb_tool scmlb-lb set --help
	[[ $output == *"--address ADDR"* ]]
	# options may come before the command
	run -0 scmlb_tool scmlb-lb --json --pin-dir "$SCMLB_PIN_DIR" get
	[ "$(jq length <<<"$output")" -eq 3 ]
}
