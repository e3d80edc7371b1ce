#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Bad input to every tool, from one table: each row exits with its status
# (2 bad usage or input, 1 failed operation), prints exactly one stderr
# line naming the tool and the bad value, and leaves every get --json, the
# config, the service maps and tables and the attached programs byte-identical.

load helpers

NONE=/sys/fs/bpf/scmlbt-not-attached
LONG_NAME=$(printf 'n%.0s' {1..32})
LONG_URL="http://10.0.4.9/$(printf 'p%.0s' {1..130})"
# files for scmlb-restore, written by setup_file
CONF=$BATS_FILE_TMPDIR/restore

# STATUS | TOOL | WHAT STDERR MUST NAME (the bad value, quoted, or the
# object) | ARGUMENTS (shell words)
BAD_TABLE=$(cat <<TABLE
2|scmlb-attach|'--upstream'|
2|scmlb-attach|'-v'|-u up0 -v
2|scmlb-attach|'--upstream'|-v $TOPO_VIP
2|scmlb-attach|'203.0.113'|-u up0 -v 203.0.113
2|scmlb-attach|'203.0.113.256'|-u up0 -v 203.0.113.256
2|scmlb-attach|'203.0.113.011'|-u up0 -v 203.0.113.011
2|scmlb-attach|'0.0.0.0'|-u up0 -v 0.0.0.0
2|scmlb-attach|'224.0.0.1'|-u up0 -v 224.0.0.1
2|scmlb-attach|'turbo'|-u up0 -v $TOPO_VIP -m turbo
2|scmlb-attach|'0'|-u up0 -v $TOPO_VIP --conntrack-size 0
2|scmlb-attach|'-5'|-u up0 -v $TOPO_VIP --conntrack-size -5
2|scmlb-attach|'99999999999'|-u up0 -v $TOPO_VIP --conntrack-size 99999999999
2|scmlb-attach|'1k'|-u up0 -v $TOPO_VIP --conntrack-size 1k
2|scmlb-attach|'up0/x'|-u up0/x -v $TOPO_VIP
2|scmlb-attach|'averyveryverylongname'|-u averyveryverylongname -v $TOPO_VIP
2|scmlb-attach|'--bogus'|-u up0 -v $TOPO_VIP --bogus
2|scmlb-attach|'extra'|-u up0 -v $TOPO_VIP extra
2|scmlb-attach|'--json'|-u up0 -v $TOPO_VIP --json
2|scmlb-attach|'-u'|-u
1|scmlb-attach|'nosuch0'|-u nosuch0 -v $TOPO_VIP
1|scmlb-attach|'lo'|-u lo -v $TOPO_VIP
1|scmlb-attach|'up0'|-u up0 -v 203.0.113.12
1|scmlb-attach|'up0'|-u be1 -v $TOPO_VIP
1|scmlb-attach|'native'|-u up0 -v $TOPO_VIP -m native
1|scmlb-attach|'1024'|-u up0 -v $TOPO_VIP --conntrack-size 1024
2|scmlb-detach|'--bogus'|--bogus
2|scmlb-detach|'extra'|extra
2|scmlb-detach|'--json'|--json
2|scmlb-detach|''|--pin-dir ""
2|scmlb-decap|'scmlb-decap --help'|
2|scmlb-decap|'frobnicate'|frobnicate
2|scmlb-decap|'--interface'|attach
2|scmlb-decap|'--interface'|detach
2|scmlb-decap|'-i'|attach -i
2|scmlb-decap|'up0/x'|attach -i up0/x
2|scmlb-decap|'turbo'|attach -i be1 -m turbo
2|scmlb-decap|'-m'|detach -i be1 -m skb
2|scmlb-decap|'--pin-dir'|attach -i be1 --pin-dir /x
2|scmlb-decap|'--json'|attach -i be1 --json
2|scmlb-decap|'extra'|attach -i be1 extra
1|scmlb-decap|'nosuch0'|attach -i nosuch0
1|scmlb-decap|'nosuch0'|detach -i nosuch0
1|scmlb-decap|'lo'|attach -i lo
2|scmlb-lb|'scmlb-lb --help'|
2|scmlb-lb|'frobnicate'|frobnicate
2|scmlb-lb|'conntrack'|conntrack
2|scmlb-lb|'--name'|set
2|scmlb-lb|'--address'|set -n web9
2|scmlb-lb|'--name'|set -a 10.0.4.9
2|scmlb-lb|'10.0.4'|set -n web9 -a 10.0.4
2|scmlb-lb|'10.0.4.2x'|set -n web9 -a 10.0.4.2x
2|scmlb-lb|' 10.0.4.9'|set -n web9 -a " 10.0.4.9"
2|scmlb-lb|''|set -n "" -a 10.0.4.9
2|scmlb-lb|'a b'|set -n "a b" -a 10.0.4.9
2|scmlb-lb|'$LONG_NAME'|set -n $LONG_NAME -a 10.0.4.9
2|scmlb-lb|'ftp://10.0.4.9/'|set -n web9 -a 10.0.4.9 -c ftp://10.0.4.9/
2|scmlb-lb|'http://'|set -n web9 -a 10.0.4.9 -c http://
2|scmlb-lb|'http://10.0.4.9:0/'|set -n web9 -a 10.0.4.9 -c http://10.0.4.9:0/
2|scmlb-lb|'http://10.0.4.9:65536/'|set -n web9 -a 10.0.4.9 -c http://10.0.4.9:65536/
2|scmlb-lb|'$LONG_URL'|set -n web9 -a 10.0.4.9 -c $LONG_URL
2|scmlb-lb|'$TOPO_VIP'|set -n web9 -a $TOPO_VIP
2|scmlb-lb|'--json'|set -n web9 -a 10.0.4.9 --json
2|scmlb-lb|'--id'|drain
2|scmlb-lb|'-i'|drain -i
2|scmlb-lb|'abc'|drain -i abc
2|scmlb-lb|'-1'|drain -i -1
2|scmlb-lb|'0'|drain -i 0
2|scmlb-lb|'4294967296'|drain -i 4294967296
2|scmlb-lb|'1x'|undrain -i 1x
2|scmlb-lb|'+1'|delete -i +1
2|scmlb-lb|'-n'|delete -n web1
2|scmlb-lb|'--bogus'|get --bogus
2|scmlb-lb|'extra'|get extra
2|scmlb-lb|'-i'|conntrack get -i 1
2|scmlb-lb|'0'|get --interval 0
2|scmlb-lb|'fast'|get --interval fast
2|scmlb-lb|'3'|get --count 3
1|scmlb-lb|backend 99:|drain -i 99
1|scmlb-lb|backend 99:|undrain -i 99
1|scmlb-lb|backend 99:|delete -i 99
1|scmlb-lb|backend 2:|delete -i 2
1|scmlb-lb|'10.0.4.2'|set -n dup -a 10.0.4.2
1|scmlb-lb|'10.0.4.1'|set -n local -a 10.0.4.1
1|scmlb-lb|'192.0.2.1'|set -n noroute -a 192.0.2.1
1|scmlb-lb|'10.0.5.77'|set -n nobody -a 10.0.5.77
2|scmlb-lb|'0'|set -n web9 -a 10.0.4.9 -w 0
2|scmlb-lb|'70000'|set -n web9 -a 10.0.4.9 -w 70000
2|scmlb-lb|'65536'|set -n web9 -a 10.0.4.9 -p 65536
2|scmlb-lb|'8080'|set -n web9 -a 10.0.4.9 -p 8080
2|scmlb-lb|'0'|set -n web9 -a 10.0.4.9 -s 0
1|scmlb-lb|'99'|set -n web9 -a 10.0.4.9 -s 99
2|scmlb-lb|'--json'|conntrack flush --json
2|scmlb-svc|'--vip'|set
2|scmlb-svc|'fifo'|set -v 203.0.113.12 -S fifo
2|scmlb-svc|'70000'|set -v 203.0.113.12 -t tcp -P 70000
2|scmlb-svc|'80'|set -v 203.0.113.12 -P 80
2|scmlb-svc|'sctp'|set -v 203.0.113.12 -t sctp
2|scmlb-svc|'gre'|set -v 203.0.113.12 --forward gre
2|scmlb-svc|'--syn-proxy'|set -v 203.0.113.12 -t udp --syn-proxy
2|scmlb-svc|'--syn-proxy'|set -v 203.0.113.12 --syn-proxy
2|scmlb-svc|'--syn-proxy'|set -v 203.0.113.12 -t tcp --forward dr --syn-proxy
2|scmlb-svc|'127.0.0.1'|set -v 127.0.0.1
2|scmlb-svc|'10.0.4.2'|set -v 10.0.4.2
2|scmlb-svc|'--json'|set -v 203.0.113.12 --json
2|scmlb-svc|'x'|delete -i x
1|scmlb-svc|'203.0.113.11 any 0'|set -v $TOPO_VIP
1|scmlb-svc|service 1:|delete -i 1
1|scmlb-svc|service 99:|delete -i 99
1|scmlb-svc|'$NONE'|get --pin-dir $NONE
2|scmlb-fw|'10.0.0.0/33'|set -n 10.0.0.0/33
2|scmlb-fw|'10.0.0/8'|set -n 10.0.0/8
2|scmlb-fw|'nonsense'|set -n nonsense
2|scmlb-fw|'65536'|set -s 65536
2|scmlb-fw|'9000-8000'|set -d 9000-8000
2|scmlb-fw|'80-'|set -d 80-
2|scmlb-fw|'sctp'|set -t sctp
2|scmlb-fw|'80'|set -t icmp -d 80
2|scmlb-fw|'x'|delete -i x
1|scmlb-fw|rule 7777:|delete -i 7777
2|scmlb-dos|'--protocol'|set
2|scmlb-dos|'--type'|set -p tcp
2|scmlb-dos|'sin'|set -p tcp -t sin
2|scmlb-dos|'syn'|set -p udp -t syn
2|scmlb-dos|'any'|set -p any
2|scmlb-dos|'0'|set -p tcp -t syn -l 0
2|scmlb-dos|'5000000000'|set -p tcp -t syn -l 5000000000
2|scmlb-dos|'--global'|set -p udp --global
2|scmlb-dos|'--global'|set -p tcp -t ack --global -l 5
2|scmlb-dos|'0'|set -p tcp -t syn --global -l 0
2|scmlb-dos|'--block-time'|set -p tcp -t syn --global -l 5 -b 1m
2|scmlb-dos|'1500ms'|set -p udp -b 1500ms
2|scmlb-dos|'10x'|set -p udp -b 10x
2|scmlb-dos|'-1'|set -p udp -b -1
2|scmlb-dos|'-b'|set -p udp -b
1|scmlb-dos|policy 999:|delete -i 999
2|scmlb-gc|'5x'|--gc-time 5x
2|scmlb-gc|'1h30'|--gc-time 1h30
2|scmlb-gc|'-5s'|--gc-time -5s
2|scmlb-gc|'0s'|--gc-time 0s
2|scmlb-health|'61s'|--timeout 61s
2|scmlb-health|'0'|--fall 0
2|scmlb-stat|'2'|--count 2
2|scmlb-stat|'slow'|--interval slow
2|scmlb-stat|'--interval'|--memory --interval 1
2|scmlb-stat|'--memory'|--memory --prometheus
2|scmlb-stat|'2'|--memory --count 2
2|scmlb-lb|'--id'|edit -w 2
2|scmlb-lb|'edit'|edit -i 1
2|scmlb-lb|'--no-healthcheck'|edit -i 1 -c http://10.0.4.2:8080/health --no-healthcheck
2|scmlb-lb|'0'|edit -i 1 -w 0
2|scmlb-lb|'65536'|edit -i 1 -w 65536
2|scmlb-lb|'a b'|edit -i 1 -n "a b"
2|scmlb-lb|'ftp://10.0.4.2/'|edit -i 1 -c ftp://10.0.4.2/
2|scmlb-lb|'-a'|edit -i 1 -a 10.0.4.9
2|scmlb-lb|'--json'|edit -i 1 -w 2 --json
1|scmlb-lb|'web2'|edit -i 1 -n web2
1|scmlb-lb|backend 99:|edit -i 99 -w 2
2|scmlb-lb|'conntrack flsh'|conntrack flsh
2|scmlb-fw|'80,443'|set -d 80,443
2|scmlb-fw|'80:90'|set -s 80:90
2|scmlb-fw|'1000-2000,3000'|set -d 1000-2000,3000
2|scmlb-fw|'sctp'|set -p sctp
2|scmlb-fw|'80'|set -p icmp -d 80
2|scmlb-fw|'-p'|set -p
2|scmlb-status|'--bogus'|--bogus
2|scmlb-status|'extra'|extra
2|scmlb-status|'-i'|-i 1
2|scmlb-status|'--pin-dir'|--pin-dir
2|scmlb-status|''|--pin-dir ""
2|scmlb-status|'--interval'|--interval 1
1|scmlb-lb|'$NONE'|get --pin-dir $NONE
1|scmlb-lb|'$NONE'|set -n x -a 10.0.4.9 --pin-dir $NONE
1|scmlb-fw|'$NONE'|get --pin-dir $NONE
1|scmlb-fw|'$NONE'|set --pin-dir $NONE
1|scmlb-dos|'$NONE'|get --pin-dir $NONE
1|scmlb-stat|'$NONE'|--pin-dir $NONE
1|scmlb-status|'$NONE'|--pin-dir $NONE
1|scmlb-status|'$NONE'|--json --pin-dir $NONE
1|scmlb-gc|'$NONE'|--pin-dir $NONE
1|scmlb-health|'$NONE'|--pin-dir $NONE
2|scmlb-save|'--bogus'|--bogus
2|scmlb-save|'extra'|extra
2|scmlb-save|'--json'|--json
1|scmlb-save|'$NONE'|--pin-dir $NONE
2|scmlb-restore|'--bogus'|--bogus
2|scmlb-restore|'extra'|extra
2|scmlb-restore|'--json'|--json
2|scmlb-restore|'-f'|-f
2|scmlb-restore|'$CONF-missing'|-f $CONF-missing
2|scmlb-restore|line 2: invalid address '10.0.4'|-f $CONF-bad-address
2|scmlb-restore|line 3: unknown command 'get'|--flush -f $CONF-get
2|scmlb-restore|line 1: invalid option '--pin-dir'|--flush -f $CONF-pin-dir
2|scmlb-restore|line 2: invalid id '2'|--flush -f $CONF-drain
2|scmlb-restore|line 3: invalid port '8080'|-f $CONF-dr-port
1|scmlb-restore|'$SCMLB_PIN_DIR'|-f $CONF-good
1|scmlb-restore|'be1'|--flush -f $CONF-other-upstream
1|scmlb-restore|'$NONE'|--pin-dir $NONE -f $CONF-no-attach
2|scmlb-lb|service 1 is IPv4: backend 2001:db8::9 is IPv6|set -n web9 -a 2001:db8::9
2|scmlb-lb|'fe80::9'|set -n web9 -a fe80::9
2|scmlb-lb|'2001:db8::9%be1'|set -n web9 -a 2001:db8::9%be1
2|scmlb-lb|'::ffff:10.0.4.9'|set -n web9 -a ::ffff:10.0.4.9
2|scmlb-lb|'2001:db8::9::1'|set -n web9 -a 2001:db8::9::1
2|scmlb-lb|'http://[2001:db8::9/'|set -n web9 -a 10.0.4.9 -c http://[2001:db8::9/
2|scmlb-svc|'ff02::1'|set -v ff02::1
2|scmlb-svc|'::'|set -v ::
2|scmlb-svc|'::1'|set -v ::1
2|scmlb-attach|'fe80::11'|-u up0 -v fe80::11
2|scmlb-restore|line 3: service 1 is IPv6: backend 10.0.4.2 is IPv4|-f $CONF-mixed
2|scmlb-fw|'2001:db8::/129'|set -n 2001:db8::/129
2|scmlb-fw|'2001:db8:::/64'|set -n 2001:db8:::/64
2|scmlb-fw|'fe80::1%eth0/64'|set -n fe80::1%eth0/64
2|scmlb-fw|'80'|set -n 2001:db8::/64 -t icmp -d 80
2|scmlb-dos|'129'|set -p udp --prefix-len 129
2|scmlb-dos|'16'|set -p udp --prefix-len 16
2|scmlb-dos|'x'|set -p tcp -t syn --prefix-len x
2|scmlb-dos|'--prefix-len'|set -p tcp -t syn --global -l 5 --prefix-len 64
TABLE
)
BAD_COUNT=$(grep -c '|' <<<"$BAD_TABLE")

setup_file() {
	lb_up skb
	printf '%s\n' "attach -u up0 -v $TOPO_VIP" "lb set -n web1 -a 10.0.4.2" >"$CONF-good"
	printf '%s\n' "attach -u be1 -v $TOPO_VIP" "lb set -n web1 -a 10.0.4.2" \
		>"$CONF-other-upstream"
	printf '%s\n' "attach -u up0" "lb set -n web1 -a 10.0.4" >"$CONF-bad-address"
	printf '%s\n' "attach -u up0 -v $TOPO_VIP" "# get is no configuration" "lb get" \
		>"$CONF-get"
	printf '%s\n' "fw set --pin-dir /x" >"$CONF-pin-dir"
	printf '%s\n' "attach -u up0 -v $TOPO_VIP" "lb drain -i 2" >"$CONF-drain"
	printf '%s\n' "fw set -t udp" >"$CONF-no-attach"
	printf '%s\n' "attach -u up0" "svc set -v 203.0.113.12 -t tcp -P 80 --forward dr" \
		"lb set -n web1 -a 10.0.4.2 -p 8080" >"$CONF-dr-port"
	printf '%s\n' "attach -u up0" "svc set -v 2001:db8::11" \
		"lb set -n web1 -a 10.0.4.2" >"$CONF-mixed"
}

teardown_file() {
	lb_down
}

@test "bad input: $BAD_COUNT invocations across every tool exit 1 or 2, name the value, change nothing" {
	local want tool named args n=0 failures=0
	while IFS='|' read -r want tool named args; do
		n=$((n + 1))
		eval "set -- $args"
		if ! expect_fail "$want" "$tool" "$@" >/dev/null 2>&1 ||
		   [[ $stderr != *"$named"* ]]; then
			echo "row $n: $tool $args: status $status, stderr '$stderr', should name $named"
			failures=$((failures + 1))
		fi
	done <<<"$BAD_TABLE"
	echo "$n bad invocations checked, $failures failed"
	[ "$n" -ge 60 ]
	[ "$failures" -eq 0 ]
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

@test "hints: a missing conntrack verb, a port list or FROM:TO for a range" {
	before=$(state)
	run -2 --separate-stderr scmlb lb conntrack
	[ -z "$output" ]
	[ "$stderr" = "scmlb-lb: missing command after 'conntrack': get or flush" ]
	run -2 --separate-stderr scmlb lb conntrack --json
	[ "$stderr" = "scmlb-lb: missing command after 'conntrack': get or flush" ]
	run -2 --separate-stderr scmlb lb conntrack list
	[ "$stderr" = "scmlb-lb: unknown command 'conntrack list': 'conntrack' takes get or flush" ]
	[ "$(state)" = "$before" ]
	# --help after the first word: the help that lists both
	run -0 scmlb lb conntrack --help
	[[ $output == *"scmlb-lb conntrack get"*"scmlb-lb conntrack flush"* ]]
	expect_fail 2 scmlb-fw set -t tcp -d 80,443
	[ "$stderr" = "scmlb-fw: invalid port range '80,443': not a list: one port or one FROM-TO range (like 80-90) per rule" ]
	expect_fail 2 scmlb-fw set -t udp -s 8000:8080
	[ "$stderr" = "scmlb-fw: invalid port range '8000:8080': write a range as FROM-TO, like 80-90" ]
}

@test "every tool: --help and --version print to stdout and exit 0" {
	local tool
	for tool in scmlb scmlb-attach scmlb-detach scmlb-lb scmlb-fw scmlb-dos \
		    scmlb-stat scmlb-status scmlb-gc scmlb-health scmlb-save \
		    scmlb-restore scmlb-decap; do
		run -0 --separate-stderr scmlb_tool "$tool" --help
		[ -z "$stderr" ]
		[[ $output == *Usage:* ]]
		run -0 scmlb_tool "$tool" --version
		[[ $output == "$tool "[0-9]* ]]
	done
	run -0 scmlb_tool scmlb-lb set --help
	[[ $output == *"--address ADDR"* ]]
	# one verb's help lists all its options, set's namesakes included
	run -0 scmlb_tool scmlb-lb edit --help
	[[ $output == *"-n, --name NAME"*"-c, --healthcheck URL"*"-w, --weight N"* ]]
	# options may come before the command
	run -0 scmlb_tool scmlb-lb --json --pin-dir "$SCMLB_PIN_DIR" get
	[ "$(jq length <<<"$output")" -eq 3 ]
}
