#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench_e2e.sh BUILD_DIR [OPTION]... - end to end (issues 6 and 18):
# requests/s and new connections/s through scmlb in both modes, nftables
# DNAT and HAProxy against the direct path, and what a flooding source's
# drops cost against a bare XDP_DROP, on the quick-start topology in
# namespaces of its own, every veth with its default offloads (checksum
# offload, TSO and GSO on, GRO off: as containers have them).
#
#   client 10.0.1.2 -- up0 lb be1..be3 -- backends 10.0.4.2 10.0.5.2 10.0.6.2
#
# Contenders, on the same backends (build/test/scmlb-testapp):
#   direct        the client to backend 1 (10.0.4.2:8080) through lb's
#                 kernel forwarding (ip_forward=1): the same hops, no load
#                 balancer; the reference of every ratio
#   direct3       the same to all three backends, wrk's threads spread
#                 over them (a Lua setup()): as many servers as behind a
#                 load balancer, which on few CPUs matters (their wake-ups)
#   scmlb-native  scmlb-attach -m native: on a veth that runs generic XDP
#                 (scmlb-attach(8)), balanced flows handed to scmlb_tc
#   scmlb-drv     the same, then scmlb's entry program moved to native XDP
#                 on up0, as a NIC's driver would run it (the kernel turns
#                 off TSO and GSO on the client's veth, and the veth copies
#                 every packet it takes into a page of its own for XDP)
#   scmlb-skb     scmlb-attach -m skb
#   scmlb-one     scmlb-native with backend 1 only, and
#   nft-one       nftables DNAT to backend 1 only: the direct path's
#                 backend, so that the ratio is the load balancer's own
#                 cost; with three backend processes sharing the CPUs with
#                 wrk, a connection per backend in turn wakes them more
#                 often than one busy backend (the three-backend rows pay
#                 that too, which is not the load balancer's work)
#   nft           nftables DNAT the kube-proxy way (prerouting 'dnat to
#                 numgen inc mod 3 map {...}', ip_forward=1)
#   haproxy       HAProxy in lb, mode tcp, roundrobin over the three
#                 backends. A proxy: its path differs, it ends the client's
#                 TCP connection in lb's stack and opens its own to a backend
# Per contender, from the client:
#   - requests/s with keep-alive: wrk -t3 -c63 -dDs http://ADDR:8080/who
#   - new connections/s: the same with the header "Connection: close": the
#     test app closes every connection after its answer, so wrk opens a
#     new TCP connection for every request
# Targets (issue 18), for every scmlb row: requests/s >= 0.9x the direct
# path's, new connections/s >= 0.95x.
#
# Drops: after the loads of scmlb-drv, scmlb-skb and nft, and then against
# a floor, the client floods the VIP with SYNs from its own address, which
# is dropped: by scmlb's firewall ('scmlb fw set -n 10.0.1.2/32'), by
# 'ip saddr 10.0.1.2 counter drop' in an nftables netdev ingress chain on
# up0, or, the floor, by a bare XDP_DROP program (bench_drop.bpf.c) attached
# natively to up0 as scmlb-drv's entry program is. The sender (bench_flood)
# sends live BPF_PROG_TEST_RUN frames redirected out of the client's veth:
# they reach up0 as xdp_frames, no skb made, as a NIC's driver hands them
# over (GRO is on at up0 during floods: a veth needs NAPI to take frames).
# Per dropped packet, over the flood's window:
#   SIRQ NS     softirq time of the CPUs this script may run on
#               (/proc/stat, a sample per tick) / packets dropped. A veth
#               takes a sender's frames in NAPI, a softirq on the sender's
#               CPU: this is the receiving core's work (the driver's poll,
#               the program, the frame's return), not the sending.
#               Target: scmlb-drv <= 1.3x the floor.
#   CPU NS      CPU time of the senders and of ksoftirqd / packets dropped:
#               sending and dropping (the figure of earlier rounds).
# Veths get a queue per CPU, as a NIC with RSS: a CPU's packets stay on it.
# A trial measures each contender in turn, its loads right after the
# direct path's, its flood right before a floor's: a ratio is of that
# pair, which other work on the machine moves alike. The tables give the
# medians over the trials. Exit status: 0 every target met, 1 a target
# missed, 2 bad usage, 3 the benchmark failed, 77 not root.
#
# Options:
#   --duration S        seconds of each wrk load (default 10)
#   --flood-duration S  seconds of each flood's measuring window (default 5)
#   --trials N          trials, each measuring every contender (default 3)
#   --only NAMES        measure only these, comma-separated (the direct
#                       path, the ratios' reference, always): direct,
#                       direct3, scmlb-native, scmlb-drv, scmlb-skb,
#                       scmlb-one, nft, nft-one, haproxy; with --drops-only
#                       (a floor always): scmlb-drv, scmlb-dosrule,
#                       scmlb-dos, scmlb-skb, nft
#   --json              the medians, ratios and results as one JSON object
#                       on standard output instead of the tables
#   --perf DIR          profile every load (perf record -a) into DIR/*.txt
#   --drops-only        only the floods, no wrk: the floor, scmlb-drv
#                       dropping by a firewall rule, by the rule scmlb-gc
#                       made of a DoS block (scmlb-dosrule), by the DoS stage
#                       before that (scmlb-dos), scmlb in skb mode, nftables
#
# Everything runs in private mount and network namespaces (a fresh bpffs,
# a tmpfs on /run/netns), on the CPUs this script may run on (taskset);
# traffic never leaves the namespaces, every load is bounded by timeout,
# and an exit trap kills what it started.
set -eu

usage() {
	sed -n '/^# Options:/,/^#$/p' "$0" | sed 's/^# \{0,1\}//'
}

if [ "$(id -u)" != 0 ]; then
	echo "bench_e2e.sh: needs root (XDP, namespaces): skipped" >&2
	exit 77
fi
if [ -z "${SCMLB_BENCH_UNSHARED:-}" ]; then
	exec unshare --mount --net --propagation private \
		env SCMLB_BENCH_UNSHARED=1 "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench_e2e.sh BUILD_DIR [OPTION]..." >&2
	usage >&2
	exit 2
fi
build=$(cd "$1" && pwd)
shift
duration=10
flood_secs=5
trials=3
perf_dir=
drops_only=
only=
json=
while [ $# -gt 0 ]; do
	case $1 in
	--duration) duration=${2:-}; shift 2 ;;
	--flood-duration) flood_secs=${2:-}; shift 2 ;;
	--trials) trials=${2:-}; shift 2 ;;
	--perf) perf_dir=${2:-}; shift 2 ;;
	--drops-only) drops_only=1; shift ;;
	--only) only=${2:-}; shift 2 ;;
	--json) json=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench_e2e.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
number() {	# number NAME VALUE MIN MAX
	[[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] && return 0
	echo "bench_e2e.sh: invalid $1 '$2': $3 to $4" >&2
	exit 2
}
number duration "$duration" 3 600
number "flood duration" "$flood_secs" 2 600
number "trial count" "$trials" 1 20

if [ -n "$drops_only" ]; then
	lbs="scmlb-drv scmlb-dosrule scmlb-dos scmlb-skb nft"
else
	lbs="direct direct3 scmlb-native scmlb-drv scmlb-skb scmlb-one nft"
	lbs+=" nft-one haproxy"
fi
if [ -n "$only" ]; then
	for name in ${only//,/ }; do
		[[ " $lbs " == *" $name "* ]] || {
			echo "bench_e2e.sh: invalid --only '$name': one of $lbs" >&2
			exit 2
		}
	done
	want=" ${only//,/ } "
	sel=
	for name in $lbs; do
		[[ $want != *" $name "* && $name != direct ]] || sel+=" $name"
	done
	lbs=${sel# }
fi

tools=$build/tools
testapp=$build/test/scmlb-testapp
flood=$build/test/bench/bench_flood
drop_obj=$build/test/bench/bench_drop.bpf.o
for f in "$tools/scmlb" "$testapp" "$flood" "$drop_obj"; do
	[ -e "$f" ] || { echo "bench_e2e.sh: no '$f': build first" >&2; exit 3; }
done
need="wrk nft jq ethtool curl"
[[ " $lbs " != *" haproxy "* ]] || need+=" haproxy"
for cmd in $need; do
	command -v "$cmd" >/dev/null ||
		{ echo "bench_e2e.sh: '$cmd' is not installed" >&2; exit 3; }
done
if [ -n "$perf_dir" ]; then
	command -v perf >/dev/null ||
		{ echo "bench_e2e.sh: '--perf' needs perf" >&2; exit 3; }
	mkdir -p "$perf_dir"
	perf_dir=$(cd "$perf_dir" && pwd)
fi

mkdir -p /run/netns
mount -t tmpfs -o mode=0755 tmpfs /run/netns
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
ip link set lo up

TOPO_PREFIX=scmlbb-
TOPO_QUEUES=$(nproc)	# a queue per CPU on either end of every link
TOPO_OFFLOADS=default	# no ethtool -K: what a new veth has
# shellcheck source=../lib/topology.sh
source "$here/../lib/topology.sh"
export SCMLB_PIN_DIR=/sys/fs/bpf/scmlbb
VIP=$TOPO_VIP
CLIENT=$TOPO_CLIENT_ADDR
ncpus=$(nproc)
# the CPUs this script may run on, as numbers: where everything it starts runs
cpus=$(awk '/^Cpus_allowed_list:/ { n = split($2, r, ",");
	for (i = 1; i <= n; i++) { m = split(r[i], ab, "-");
		for (c = ab[1]; c <= ab[m]; c++) printf "%d ", c } }' /proc/self/status)
clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/scmlbb-XXXXXX)
PERF_PID=
HAPROXY_PID=

cleanup() {
	trap - EXIT INT TERM
	[ -z "$PERF_PID" ] || kill "$PERF_PID" 2>/dev/null || true
	[ -z "$HAPROXY_PID" ] || kill "$HAPROXY_PID" 2>/dev/null || true
	topo_exec lb "$tools/scmlb" detach >/dev/null 2>&1 || true
	topo_down
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 3' INT TERM

log() { echo "bench_e2e.sh: $*" >&2; }
die() { log "$*"; exit 3; }
lb() { topo_exec lb "$tools/scmlb" "$@"; }

# ---- the contenders ----

# scmlb_up MODE [BACKENDS]: attached in MODE, balancing over the first
# BACKENDS (default 3) backends
scmlb_up() {
	local i
	lb attach -u up0 -v "$VIP" -m "$1" >/dev/null
	for i in $(seq "${2:-3}"); do
		lb lb set -n "web$i" -a "${TOPO_BACKENDS[$((i - 1))]}" >/dev/null
	done
}

# nft_up [one]: DNAT over the three backends, or to backend 1 only
nft_up() {
	local to="numgen inc mod 3 map {
			0 : ${TOPO_BACKENDS[0]}, 1 : ${TOPO_BACKENDS[1]}, 2 : ${TOPO_BACKENDS[2]} }"

	[ "${1:-}" != one ] || to=${TOPO_BACKENDS[0]}
	topo_exec lb sysctl -qw net.ipv4.ip_forward=1
	topo_exec lb nft -f - <<EOF
table ip scmlbb_lb {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $VIP tcp dport 8080 counter dnat to $to
	}
}
EOF
}

nft_down() {
	topo_exec lb nft delete table ip scmlbb_lb
	topo_exec lb sysctl -qw net.ipv4.ip_forward=0
}

haproxy_up() {
	cat >"$work/haproxy.cfg" <<EOF
global
	nbthread $ncpus
	maxconn 4096
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend vip
	bind $VIP:8080
	default_backend web
backend web
	balance roundrobin
	server web1 ${TOPO_BACKENDS[0]}:8080
	server web2 ${TOPO_BACKENDS[1]}:8080
	server web3 ${TOPO_BACKENDS[2]}:8080
EOF
	topo_exec lb haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
	HAPROXY_PID=$!
	topo_wait_port lb 8080 "$VIP" ||
		die "haproxy did not start: $(tr '\n' ' ' <"$work/haproxy.log")"
}

haproxy_down() {
	kill "$HAPROXY_PID" 2>/dev/null || true
	wait "$HAPROXY_PID" 2>/dev/null || true
	HAPROXY_PID=
}

# entry_native: scmlb's entry program, attached in skb mode on the veth,
# moved to native XDP on up0 (where a NIC's driver would run it)
entry_native() {
	topo_exec lb ip link set dev up0 xdpgeneric off
	topo_exec lb ip link set dev up0 xdpdrv pinned "$SCMLB_PIN_DIR/prog_entry"
	# XDP_ATTACHED_DRV
	[ "$(topo_exec lb ip -j link show up0 | jq '.[0].xdp.mode')" = 1 ] ||
		die "scmlb_entry is not in native mode on up0"
}

lb_up() {
	case $1 in
	direct*) topo_exec lb sysctl -qw net.ipv4.ip_forward=1 ;;
	scmlb-native) scmlb_up native ;;
	scmlb-drv) scmlb_up native; entry_native ;;
	scmlb-skb) scmlb_up skb ;;
	scmlb-one) scmlb_up native 1 ;;
	nft) nft_up ;;
	nft-one) nft_up one ;;
	haproxy) haproxy_up ;;
	esac
}

lb_down() {
	case $1 in
	direct*) topo_exec lb sysctl -qw net.ipv4.ip_forward=0 ;;
	scmlb-drv)
		topo_exec lb ip link set dev up0 xdpdrv off
		lb detach >/dev/null ;;
	scmlb-*) lb detach >/dev/null ;;
	nft*) nft_down ;;
	haproxy) haproxy_down ;;
	esac
}

# packets each backend has taken in so far, one line each
backend_rx() {
	local i
	for i in 1 2 3; do
		topo_exec "backend$i" ip -j -s link show eth0 | jq '.[0].stats64.rx.packets'
	done
}

# packets the load balancer sent to a backend so far (its own counter)
lb_forwarded() {
	case $1 in
	scmlb-*) lb stat --json | jq '.forwarded' ;;
	nft*) topo_exec lb nft -j list chain ip scmlbb_lb prerouting |
		jq '[.. | .counter? | .packets? // empty] | add' ;;
	*) echo 0 ;;
	esac
}

scmlb_drops() { lb stat --json | jq '.fw_dropped'; }
dos_drops() { lb stat --json | jq '.dos_dropped'; }
floor_drops() {
	topo_exec lb ethtool -S up0 | awk '/_xdp_drops:/ { n += $2 } END { print n + 0 }'
}
nft_drops() {
	topo_exec lb nft -j list chain netdev scmlbb_drop ingress |
		jq '[.. | .counter? | .packets? // empty] | add'
}

# drop_up NAME: the client's address dropped, the contender attached
drop_up() {
	case $1 in
	scmlb-*) lb fw set -n "$CLIENT/32" >/dev/null ;;
	floor) topo_exec lb ip link set dev up0 xdpdrv obj "$drop_obj" sec xdp ;;
	nft) topo_exec lb nft -f - <<EOF ;;
table netdev scmlbb_drop {
	chain ingress {
		type filter hook ingress device up0 priority 0; policy accept;
		ip saddr $CLIENT counter drop
	}
}
EOF
	esac
	# NAPI on up0 for every receiver: how a veth takes xdp_frames
	topo_exec lb ethtool -K up0 gro on >/dev/null
}

# drop_down NAME: the rule and the contender gone
drop_down() {
	topo_exec lb ethtool -K up0 gro off >/dev/null
	case $1 in
	scmlb-skb) lb_down scmlb-skb ;;
	scmlb-*) lb_down scmlb-drv ;;	# the entry program native on up0
	floor) topo_exec lb ip link set dev up0 xdpdrv off ;;
	nft) topo_exec lb nft delete table netdev scmlbb_drop ;;
	esac
}

# ---- loads ----

# perf_during NAME SECONDS: profile the machine during a load, in the background
perf_during() {
	local comms c
	[ -n "$perf_dir" ] || return 0
	comms=wrk,scmlb-testapp,haproxy,bench_flood,swapper
	for c in $cpus; do
		comms+=,ksoftirqd/$c
	done
	( sleep 1
	  perf record -a -o "$perf_dir/$1.data" -- sleep "$2" >/dev/null 2>&1
	  { perf report -i "$perf_dir/$1.data" --sort comm --stdio 2>/dev/null |
		grep -E '^ +[0-9]' | head -8
	    echo "-- symbols, in: $comms"
	    perf report -i "$perf_dir/$1.data" --comms "$comms" --sort sym \
		--stdio 2>/dev/null | grep -E '^ +[0-9]' | head -50
	  } >"$perf_dir/$1.txt"
	  rm -f "$perf_dir/$1.data" ) &
	PERF_PID=$!
}

perf_wait() {
	[ -z "$PERF_PID" ] || wait "$PERF_PID" || true
	PERF_PID=
}

# syn_retrans: SYNs the client has sent again so far
syn_retrans() {
	# shellcheck disable=SC2016 # awk's fields
	topo_exec client awk '/^TcpExt:/ { if (!h) { split($0, k); h = 1; next }
		for (i = 2; i <= NF; i++) if (k[i] == "TCPSynRetrans") print $i }' \
		/proc/net/netstat
}

# wrk_rate NAME URL SCRIPT [HEADER]: requests/s of wrk -t3 -c63 from the
# client (SCRIPT: a Lua script of wrk's, or nothing)
wrk_rate() {
	local name=$1 url=$2 script=$3 out errs s0
	shift 3
	s0=$(syn_retrans)
	topo_exec client curl -sS --max-time 3 "$url" >/dev/null ||
		die "$name: no answer from $url before the load"
	perf_during "$name" $((duration - 2))
	out=$(topo_exec client timeout $((duration + 15)) \
		wrk -t3 -c63 -d"${duration}s" ${script:+-s "$script"} \
		${1:+-H "$1"} "$url") ||
		die "$name: wrk failed"
	perf_wait
	echo "$out" >"$work/$name.wrk"
	errs=$(echo "$out" | sed -n 's/.*Socket errors: //p; s/.*Non-2xx or 3xx responses: /non-2xx /p' |
		tr '\n' ' ')
	[ -z "$errs" ] || log "$name: wrk reported errors: $errs"
	# each a second's wait: lost SYNs, or a backend refusing one
	s0=$(($(syn_retrans) - s0))
	[ "$s0" = 0 ] || log "$name: $s0 SYNs sent again"
	echo "$out" | awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }'
}

# softirq_ns: ns of softirq time on this script's CPUs so far (/proc/stat,
# a tick's sample at a time)
softirq_ns() {
	awk -v cpus=" $cpus" -v hz="$clk_tck" '
		$1 ~ /^cpu[0-9]+$/ && index(cpus " ", " " substr($1, 4) " ") { t += $8 }
		END { printf "%.0f\n", t * 1e9 / hz }' /proc/stat
}

# flood_cpu: ns of CPU the flood senders (the client's bench_flood) and the
# ksoftirqd threads of this script's CPUs have run so far. A veth takes a
# sender's frames in its own softirq, so this is the flood's sending and
# dropping, and none of the other work on the machine.
flood_cpu() {
	local pid pids="" c
	for c in $cpus; do
		pids+=" $(pgrep -x "ksoftirqd/$c" || true)"
	done
	for pid in $(ip netns pids "$(topo_ns client)"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != bench_flood ] ||
			pids+=" $pid"
	done
	for pid in $pids; do
		cat "/proc/$pid/task/"*/schedstat 2>/dev/null
	done | awk '{ ns += $1 } END { printf "%.0f\n", ns }'
}

# flood NAME TRIAL READER [PREP]: an XDP-frame flood from the client for
# flood_secs, PREP run once it is under way; what it grew READER by, per
# second, to $work/NAME.drop.TRIAL, the softirq and the flood's CPU time
# per drop to NAME.sirq.TRIAL and NAME.cpu.TRIAL
flood() {
	local name=$1 t=$2 reader=$3 prep=${4:-true} fpid mac a b ta tb ca cb sa sb
	mac=$(topo_exec lb ip -j link show up0 | jq -r '.[0].address')
	topo_exec client timeout $((flood_secs + 15)) "$flood" -M xdp \
		-i eth0 -s "$CLIENT" -d "$VIP" -p 8080 -m "$mac" \
		-t $((flood_secs + 4)) >"$work/$name.flood" 2>&1 &
	fpid=$!
	sleep 1
	$prep >/dev/null
	perf_during "$name-flood-$t" $((flood_secs - 1))
	ca=$(flood_cpu); sa=$(softirq_ns); a=$($reader); ta=$(date +%s.%N)
	sleep "$flood_secs"
	cb=$(flood_cpu); sb=$(softirq_ns); b=$($reader); tb=$(date +%s.%N)
	wait "$fpid" || die "$name: the flood failed: $(cat "$work/$name.flood")"
	perf_wait
	[ "$b" -gt "$a" ] || die "$name: nothing dropped during the flood"
	echo "$t $name: $(cat "$work/$name.flood")" >>"$work/notes"
	awk -v a="$a" -v b="$b" -v c="$ca" -v d="$cb" \
		'BEGIN { printf "%.1f\n", (d - c) / (b - a) }' >"$work/$name.cpu.$t"
	awk -v a="$a" -v b="$b" -v c="$sa" -v d="$sb" \
		'BEGIN { printf "%.1f\n", (d - c) / (b - a) }' >"$work/$name.sirq.$t"
	awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" \
		'BEGIN { printf "%.0f\n", (b - a) / (tb - ta) }' >"$work/$name.drop.$t"
	log "trial $t $name: drops/s $(cat "$work/$name.drop.$t")," \
		"softirq ns per drop $(cat "$work/$name.sirq.$t")," \
		"CPU ns per drop $(cat "$work/$name.cpu.$t")"
}

# floor NAME TRIAL: the flood against a bare XDP_DROP on up0, right after
# NAME's, and NAME's costs over the floor's: the ratios of the pair, which
# other work on the machine moves alike
floor() {
	local name=$1 t=$2
	drop_up floor
	flood floor "$t-$name" floor_drops
	drop_down floor
	ratio "$(cat "$work/$name.sirq.$t")" "$(cat "$work/floor.sirq.$t-$name")" \
		>"$work/$name.sr.$t"
	ratio "$(cat "$work/$name.cpu.$t")" "$(cat "$work/floor.cpu.$t-$name")" \
		>"$work/$name.ccr.$t"
}

# drops NAME TRIAL: --drops-only: the flood through one contender
drops() {
	local name=$1 t=$2 reader=scmlb_drops prep=
	case $name in
	scmlb-drv) scmlb_up native; entry_native ;;
	# the flood's first 1000 SYNs a second pass; the rest the DoS stage
	# drops, or, once scmlb-gc turned the block into a rule, the firewall
	scmlb-dos) scmlb_up native; entry_native; reader=dos_drops ;;
	scmlb-dosrule) scmlb_up native; entry_native; prep="lb gc" ;;
	scmlb-skb) scmlb_up skb ;;
	nft) reader=nft_drops ;;
	esac
	case $name in
	scmlb-dos*) lb dos set -p tcp -t syn -l 1000 >/dev/null
		topo_exec lb ethtool -K up0 gro on >/dev/null ;;
	*) drop_up "$name" ;;
	esac
	flood "$name" "$t" "$reader" "$prep"
	drop_down "$name"
	floor "$name" "$t"
}

# loads NAME TAG: the two wrk loads through one contender, brought up for
# them, to $work/NAME.rps.TAG and NAME.cps.TAG
loads() {
	local name=$1 tag=$2 url=http://$VIP:8080/who script='' f0 f1 b0 b1 i low=''
	case $name in
	direct*) url=http://${TOPO_BACKENDS[0]}:8080/who ;;
	esac
	[ "$name" != direct3 ] || script=$work/spread.lua
	# The direct loads and the VIP's use client ports of their own. A
	# backend keeps a closed connection in TIME_WAIT for 60 s, and takes
	# a SYN of the same addresses and ports only with a newer timestamp;
	# Linux offsets timestamps per address pair, so the client's SYNs to
	# the VIP would fail that check against the direct loads' (PAWS) and
	# wait a second to be sent again.
	case $name in
	direct*) topo_exec client sysctl -qw net.ipv4.ip_local_port_range="1024 33279" ;;
	*) topo_exec client sysctl -qw net.ipv4.ip_local_port_range="33280 65535" ;;
	esac
	lb_up "$name"
	f0=$(lb_forwarded "$name")
	mapfile -t b0 < <(backend_rx)
	wrk_rate "$name-rps-$tag" "$url" "$script" >"$work/$name.rps.$tag"
	wrk_rate "$name-cps-$tag" "$url" "$script" "Connection: close" \
		>"$work/$name.cps.$tag"
	f1=$(lb_forwarded "$name")
	mapfile -t b1 < <(backend_rx)
	# a load that did not go where it should measures nothing: the
	# direct path and the *-one contenders to backend 1, the others to
	# all three
	for i in 0 1 2; do
		[[ $name != direct && $name != *-one ]] || [ "$i" = 0 ] || continue
		[ $((b1[i] - b0[i])) -gt 1000 ] || low+=" backend$((i + 1))"
	done
	[ -z "$low" ] || die "$name: little or no traffic reached$low"
	case $name in
	scmlb-* | nft*) [ $((f1 - f0)) -gt 1000 ] ||
		die "$name: only $((f1 - f0)) packets forwarded by it" ;;
	esac
	log "$tag $name: $(cat "$work/$name.rps.$tag") req/s," \
		"$(cat "$work/$name.cps.$tag") conn/s"
}

# measure NAME TRIAL: every figure through one contender. Its loads come
# right after the direct path's, and each ratio is of that pair: other
# work on the machine moves both alike, more than anything measured here.
measure() {
	local name=$1 t=$2
	[ -z "$drops_only" ] || { drops "$name" "$t"; return; }
	if [ "$name" = direct ]; then
		# measured with each contender, alone only when it is alone
		[ "$lbs" = direct ] || return 0
		loads direct "$t"
		lb_down direct
		return 0
	fi
	loads direct "$t-$name"
	lb_down direct
	loads "$name" "$t"
	ratio "$(cat "$work/$name.rps.$t")" "$(cat "$work/direct.rps.$t-$name")" \
		>"$work/$name.rr.$t"
	ratio "$(cat "$work/$name.cps.$t")" "$(cat "$work/direct.cps.$t-$name")" \
		>"$work/$name.cr.$t"
	case $name in
	scmlb-drv | scmlb-skb)
		drop_up "$name"
		flood "$name" "$t" scmlb_drops
		drop_down "$name"
		floor "$name" "$t" ;;
	nft)
		lb_down nft
		drop_up nft
		flood nft "$t" nft_drops
		drop_down nft
		floor nft "$t" ;;
	*) lb_down "$name" ;;
	esac
}

# median NAME METRIC: the median over the trials
median() {
	cat "$work/$1.$2".* | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b ? a / b : 0 }'
}

# verdict RATIO OP TARGET: PASS or MISS
verdict() {
	if awk -v r="$1" -v t="$3" -v op="$2" \
		'BEGIN { exit !(op == ">=" ? r >= t : r <= t) }'; then
		echo PASS
	else
		echo MISS
	fi
}

# ---- the run ----

load0=$(cut -d' ' -f1-3 /proc/loadavg)
log "topology ${TOPO_PREFIX}*, $trials trial(s): $lbs; CPUs $cpus(load average $load0)"
topo_up
for ns in client lb; do
	topo_exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
done
# the direct paths go through lb's forwarding, when a direct load is on
for addr in "${TOPO_BACKENDS[@]}"; do
	topo_exec client ip route add "$addr/32" via "$TOPO_LB_ADDR"
done
# direct3: wrk's thread N to backend N mod 3
cat >"$work/spread.lua" <<EOF
local backends = { "${TOPO_BACKENDS[0]}", "${TOPO_BACKENDS[1]}", "${TOPO_BACKENDS[2]}" }
local n = 0
function setup(thread)
	thread.addr = wrk.lookup(backends[n % #backends + 1], "8080")[1]
	n = n + 1
end
EOF
topo_start_apps "$testapp" || die "the test app did not start on the backends"

for t in $(seq "$trials"); do
	for name in $lbs; do
		measure "$name" "$t"
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# the flood contenders of this run, each with a floor of its own
flooded=
for name in $lbs; do
	case $name in
	scmlb-drv | scmlb-dos* | scmlb-skb | nft) flooded+=" $name" ;;
	esac
done
flooded=${flooded# }

describe() {
	case $1 in
	direct) echo "direct to backend 1, no LB" ;;
	direct3) echo "direct, wrk spread over 3 backends" ;;
	scmlb-native) echo "scmlb -m native (generic on veth)" ;;
	scmlb-drv) echo "scmlb, entry native XDP on up0" ;;
	scmlb-skb) echo "scmlb -m skb" ;;
	scmlb-one) echo "scmlb -m native, backend 1 only" ;;
	nft) echo "nftables DNAT" ;;
	nft-one) echo "nftables DNAT, backend 1 only" ;;
	haproxy) echo "HAProxy, TCP proxy" ;;
	floor) echo "bare XDP_DROP, native on up0" ;;
	esac
}
describe_drop() {
	case $1 in
	floor) echo "bare XDP_DROP, native on up0" ;;
	scmlb-drv) echo "scmlb native XDP, firewall rule" ;;
	scmlb-dosrule) echo "scmlb native XDP, DoS rule (gc)" ;;
	scmlb-dos) echo "scmlb native XDP, DoS stage" ;;
	scmlb-skb) echo "scmlb skb mode, firewall rule" ;;
	nft) echo "nftables netdev ingress" ;;
	esac
}

missed=0
json_lb=
json_drop=
rows=
if [ -z "$drops_only" ]; then
	for name in $lbs; do
		rps=$(median "$name" rps)
		cps=$(median "$name" cps)
		rr=1.00 cr=1.00
		if [ "$name" != direct ]; then
			rr=$(median "$name" rr)
			cr=$(median "$name" cr)
		fi
		rres=- cres=- rt='' ct=''
		case $name in
		scmlb-*)
			rt=0.9 ct=0.95
			rres=$(verdict "$rr" ">=" "$rt")
			cres=$(verdict "$cr" ">=" "$ct")
			[ "$rres" = PASS ] || missed=$((missed + 1))
			[ "$cres" = PASS ] || missed=$((missed + 1)) ;;
		esac
		rows+=$(printf '%-34s %8.0f %6s %7s %4s  %8.0f %6s %7s %4s' \
			"$(describe "$name")" "$rps" "$rr" "${rt:+>= $rt}" "$rres" \
			"$cps" "$cr" "${ct:+>= $ct}" "$cres")$'\n'
		json_lb+="${json_lb:+,}\"$name\": {\"requests_per_s\": $rps,"
		json_lb+=" \"requests_ratio\": $rr, \"requests_result\": \"$rres\","
		json_lb+=" \"connections_per_s\": $cps, \"connections_ratio\": $cr,"
		json_lb+=" \"connections_result\": \"$cres\"}"
	done
fi
drows=
for name in ${flooded:+floor $flooded}; do
	sirq=$(median "$name" sirq)
	cpu=$(median "$name" cpu)
	sr=1.00 cr=1.00
	if [ "$name" != floor ]; then
		sr=$(median "$name" sr)
		cr=$(median "$name" ccr)
	fi
	res=-
	case $name in
	scmlb-drv | scmlb-dosrule)
		res=$(verdict "$sr" "<=" 1.3)
		[ "$res" = PASS ] || missed=$((missed + 1)) ;;
	esac
	drows+=$(printf '%-34s %10.0f %8s %6s %7s %4s %8s %6s' \
		"$(describe_drop "$name")" "$(median "$name" drop)" "$sirq" "$sr" \
		"$([ "$res" = - ] || echo '<= 1.3')" "$res" "$cpu" "$cr")$'\n'
	json_drop+="${json_drop:+,}\"$name\": {\"drops_per_s\": $(median "$name" drop),"
	json_drop+=" \"softirq_ns\": $sirq, \"softirq_ratio\": $sr,"
	json_drop+=" \"result\": \"$res\", \"cpu_ns\": $cpu, \"cpu_ratio\": $cr}"
done

if [ -n "$json" ]; then
	jq . <<EOF
{"trials": $trials, "duration_s": $duration, "flood_duration_s": $flood_secs,
 "cpus": $ncpus, "kernel": "$(uname -r)", "load_average": ["$load0", "$load1"],
 "contenders": {${json_lb}},
 "drops": {${json_drop}},
 "targets_missed": $missed}
EOF
	[ "$missed" -eq 0 ] || exit 1
	exit 0
fi

echo "scmlb end to end: median of $trials trial(s); wrk ${duration}s," \
	"floods ${flood_secs}s; $ncpus CPU(s) (${cpus% }), $(uname -r);" \
	"veths with default offloads"
if [ -z "$drops_only" ]; then
	echo
	printf '%-34s %8s %6s %7s %4s  %8s %6s %7s %4s\n' CONTENDER "REQ/S" \
		"xDIR" TARGET "" "CONN/S" "xDIR" TARGET ""
	printf '%s' "$rows"
fi
if [ -n "$flooded" ]; then
	echo
	printf '%-34s %10s %8s %6s %7s %4s %8s %6s\n' "DROPPED BY" "DROPS/S" \
		"SIRQ NS" "xFLOOR" TARGET "" "CPU NS" "xFLOOR"
	printf '%s' "$drows"
fi
echo
echo "per trial, each over its pair's direct path or floor:"
[ -n "$drops_only" ] || for name in $lbs; do
	[ "$name" != direct ] || continue
	line=
	for t in $(seq "$trials"); do
		line+=" $(cat "$work/$name.rps.$t")/$(cat "$work/direct.rps.$t-$name")"
		line+=" $(cat "$work/$name.cps.$t")/$(cat "$work/direct.cps.$t-$name")"
	done
	printf '  %-13s req/s, conn/s:%s\n' "$name" "$line"
done
for name in $flooded; do
	line=
	for t in $(seq "$trials"); do
		line+=" $(cat "$work/$name.sirq.$t")/$(cat "$work/floor.sirq.$t-$name")"
		line+=" $(cat "$work/$name.cpu.$t")/$(cat "$work/floor.cpu.$t-$name")"
	done
	printf '  %-13s sirq, CPU ns:%s\n' "$name" "$line"
done
if [ -n "$flooded" ]; then
	echo "offered by the flood senders (last trial):"
	grep "^${trials}[ -]" "$work/notes" | sed 's/^/  /'
fi
echo "load average before and after: $load0 / $load1"
echo
cat <<EOF
$missed target(s) missed. xDIR: the median over the trials of the
contender's rate over the direct path's, measured just before it (per
trial above: requests/s and connections/s, each over the direct path's);
targets for scmlb: requests >= 0.9, new connections >= 0.95.
New connections: wrk with "Connection: close", a TCP connection per
request. HAProxy is a proxy: a connection to it and one from it to a
backend, both through lb's sockets. SIRQ NS: softirq time on the CPUs
above per dropped packet, where a veth's receive runs (the drop and the
frame's return, not the sending), sampled at each tick; target: scmlb's
firewall drop <= 1.3x a bare XDP_DROP attached the same way. CPU NS: the
flood senders' and ksoftirqd's CPU time per drop (sending and dropping).
Everything shares the CPUs above: wrk, the backends, the load balancer
and the flood senders; other work on the machine moves every figure.
EOF
[ -z "$perf_dir" ] || echo "Profiles (perf report per load): $perf_dir"
[ "$missed" -eq 0 ] || exit 1
