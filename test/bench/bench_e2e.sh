#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench_e2e.sh BUILD_DIR [OPTION]... - end to end (issue 6): requests/s,
# new connections/s and flood drops/s through scmlb and through nftables,
# on the quick-start topology in namespaces of its own.
#
#   client 10.0.1.2 -- up0 lb be1..be3 -- backends 10.0.4.2 10.0.5.2 10.0.6.2
#
# Per load balancer, on the same backends (build/test/scmlb-testapp):
#  - requests/s with keep-alive:  wrk -t2 -c64 -d10s http://VIP:8080/who
#  - new connections/s:           the same with "Connection: close": one
#                                 request per TCP connection
#  - drops/s of a flooding source: the client floods SYNs to the VIP, and
#    the growth of the drop counter over a window is divided by its length:
#    scmlb-stat's fw_dropped under 'scmlb fw set -n 10.0.1.2/32', or the
#    counter of 'ip saddr 10.0.1.2 counter drop' in an nftables netdev
#    ingress chain on up0. Two senders (bench_flood, one thread per CPU):
#     . XDP frames (the target): live BPF_PROG_TEST_RUN frames redirected
#       out of the client's veth reach up0 as xdp_frames, without an skb,
#       as a NIC's driver hands them over: XDP drops them before any skb
#       exists, the kernel stack builds one first (GRO is on at up0 so that
#       the veth takes frames this way);
#     . AF_PACKET (for comparison): every frame is an skb before it leaves
#       the sender, so XDP saves nothing, and on a veth the receiver's work
#       runs in the sender's softirq.
#    The senders share the CPUs with the receiver, so each trial also
#    floods a bare XDP_DROP program on up0 (bench_drop.bpf.c): the CPU time
#    per packet above that floor is what the drop itself costs.
#    scmlb-attach puts XDP on a veth in skb mode (lib/ifcheck.c), where a
#    drop would pay for an skb first: for the floods 'scmlb native' moves
#    scmlb's pinned entry program to native XDP on up0, as it runs on a
#    NIC's driver, so that it is weighed against the native floor.
# Veths get a queue per CPU, as a NIC with RSS: a CPU's packets stay on it.
# Load balancers: scmlb in native mode, scmlb in skb mode, and nftables DNAT
# the kube-proxy way (prerouting 'dnat to numgen inc mod 3 map {...}',
# ip_forward=1, no scmlb attached). A trial measures each in turn; the
# table gives the median over the trials and the ratios native/nftables
# with issue 6's targets: scmlb >= nftables on both request rates, >= 3x
# nftables' drop rate. Exit status: 0 every target met, 1 a target missed,
# 2 bad usage, 3 the benchmark failed, 77 not root.
#
# Options:
#   --duration S        seconds of each wrk load (default 10)
#   --flood-duration S  seconds of each flood's measuring window (default 5)
#   --trials N          trials, each measuring every load balancer (default 3)
#   --no-skb            skip scmlb in skb mode
#   --perf DIR          profile every load (perf record -a) into DIR/*.txt
#   --drops-only        only the XDP-frame floods, no wrk: CPU time per
#                       dropped packet of a bare XDP_DROP, of scmlb native
#                       dropping by a firewall rule, by the rule scmlb-gc
#                       made of a DoS block, and by the DoS stage before
#                       that, of scmlb in skb mode and of nftables
#   --only NAMES        with --drops-only: measure only these besides the
#                       floor, comma-separated: scmlb-native, scmlb-dosrule,
#                       scmlb-dos, scmlb-skb, nft
#
# Everything runs in private mount and network namespaces (a fresh bpffs,
# a tmpfs on /run/netns); traffic never leaves them, every load is bounded
# by timeout, and an exit trap kills what it started.
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
skb=1
perf_dir=
drops_only=
only=
while [ $# -gt 0 ]; do
	case $1 in
	--duration) duration=${2:-}; shift 2 ;;
	--flood-duration) flood_secs=${2:-}; shift 2 ;;
	--trials) trials=${2:-}; shift 2 ;;
	--no-skb) skb=; shift ;;
	--perf) perf_dir=${2:-}; shift 2 ;;
	--drops-only) drops_only=1; shift ;;
	--only) only=${2:-}; shift 2 ;;
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

tools=$build/tools
testapp=$build/test/scmlb-testapp
flood=$build/test/bench/bench_flood
drop_obj=$build/test/bench/bench_drop.bpf.o
for f in "$tools/scmlb" "$testapp" "$flood" "$drop_obj"; do
	[ -e "$f" ] || { echo "bench_e2e.sh: no '$f': build first" >&2; exit 3; }
done
for cmd in wrk nft jq ethtool curl; do
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
# shellcheck source=../lib/topology.sh
source "$here/../lib/topology.sh"
export SCMLB_PIN_DIR=/sys/fs/bpf/scmlbb
VIP=$TOPO_VIP
CLIENT=$TOPO_CLIENT_ADDR
ncpus=$(nproc)
work=$(mktemp -d /tmp/scmlbb-XXXXXX)
PERF_PID=

cleanup() {
	trap - EXIT INT TERM
	[ -z "$PERF_PID" ] || kill "$PERF_PID" 2>/dev/null || true
	topo_exec lb "$tools/scmlb" detach >/dev/null 2>&1 || true
	topo_down
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 3' INT TERM

log() { echo "bench_e2e.sh: $*" >&2; }
die() { log "$*"; exit 3; }
lb() { topo_exec lb "$tools/scmlb" "$@"; }

# ---- the load balancers ----

scmlb_up() {
	local i
	lb attach -u up0 -v "$VIP" -m "$1" >/dev/null
	for i in 1 2 3; do
		lb lb set -n "web$i" -a "${TOPO_BACKENDS[$((i - 1))]}" >/dev/null
	done
}

nft_up() {
	topo_exec lb sysctl -qw net.ipv4.ip_forward=1
	topo_exec lb nft -f - <<EOF
table ip scmlbb_lb {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $VIP tcp dport 8080 counter dnat to numgen inc mod 3 map {
			0 : ${TOPO_BACKENDS[0]}, 1 : ${TOPO_BACKENDS[1]}, 2 : ${TOPO_BACKENDS[2]} }
	}
}
EOF
}

nft_down() {
	topo_exec lb nft delete table ip scmlbb_lb
	topo_exec lb sysctl -qw net.ipv4.ip_forward=0
}

# packets to a backend so far: proof that the load went through the balancer
forwarded() {
	case $1 in
	scmlb*) lb stat --json | jq '.forwarded' ;;
	nft) topo_exec lb nft -j list chain ip scmlbb_lb prerouting |
		jq '[.. | .counter? | .packets? // empty] | add' ;;
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

# entry_native: scmlb's entry program, attached in skb mode on the veth,
# moved to native XDP on up0 (where a NIC's driver would run it)
entry_native() {
	topo_exec lb ip link set dev up0 xdpgeneric off
	topo_exec lb ip link set dev up0 xdpdrv pinned "$SCMLB_PIN_DIR/prog_entry"
	# XDP_ATTACHED_DRV
	[ "$(topo_exec lb ip -j link show up0 | jq '.[0].xdp.mode')" = 1 ] ||
		die "scmlb_entry is not in native mode on up0"
}

drop_up() {
	case $1 in
	scmlb-native) lb fw set -n "$CLIENT/32" >/dev/null; entry_native ;;
	scmlb-skb) lb fw set -n "$CLIENT/32" >/dev/null ;;
	# the flood's first 1000 SYNs a second pass; the rest the DoS stage
	# drops, or, once scmlb-gc turned the block into a rule, the firewall
	scmlb-dos*) lb dos set -p tcp -t syn -l 1000 >/dev/null; entry_native ;;
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

drop_down() {
	topo_exec lb ethtool -K up0 gro off >/dev/null
	case $1 in
	scmlb-native | scmlb-dos*)
		topo_exec lb ip link set dev up0 xdpdrv off
		lb detach >/dev/null ;;
	scmlb-skb) lb detach >/dev/null ;;
	floor) topo_exec lb ip link set dev up0 xdpdrv off ;;
	nft) topo_exec lb nft delete table netdev scmlbb_drop ;;
	esac
}

# ---- loads ----

# perf_during NAME SECONDS: profile the machine during a load, in the background
perf_during() {
	local comms
	[ -n "$perf_dir" ] || return 0
	comms=wrk,scmlb-testapp,bench_flood,swapper$(seq -f ',ksoftirqd/%g' 0 $(($(nproc) - 1)) | tr -d '\n')
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

# wrk_rate NAME [HEADER]: requests/s of wrk -t2 -c64 from the client
wrk_rate() {
	local name=$1 out errs
	shift
	topo_exec client curl -sS --max-time 3 "http://$VIP:8080/who" >/dev/null ||
		die "$name: no answer from the VIP before the load"
	perf_during "$name" $((duration - 2))
	out=$(topo_exec client timeout $((duration + 15)) \
		wrk -t2 -c64 -d"${duration}s" ${1:+-H "$1"} "http://$VIP:8080/who") ||
		die "$name: wrk failed"
	perf_wait
	echo "$out" >"$work/$name.wrk"
	errs=$(echo "$out" | sed -n 's/.*Socket errors: //p; s/.*Non-2xx or 3xx responses: /non-2xx /p' |
		tr '\n' ' ')
	[ -z "$errs" ] || log "$name: wrk reported errors: $errs"
	echo "$out" | awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }'
}

# flood_cpu: ns of CPU the flood senders (the client's bench_flood) and the
# ksoftirqd threads have run so far. A veth takes a sender's frames in its
# own softirq, so this is the flood's sending and dropping, and none of
# the other work on the machine.
flood_cpu() {
	local pid pids
	pids=$(pgrep '^ksoftirqd/')
	for pid in $(ip netns pids "$(topo_ns client)"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != bench_flood ] ||
			pids+=" $pid"
	done
	for pid in $pids; do
		cat "/proc/$pid/task/"*/schedstat 2>/dev/null
	done | awk '{ ns += $1 } END { printf "%.0f\n", ns }'
}

# flood_rate NAME MODE READER [PREP]: drops/s that a flood of MODE (xdp,
# packet) from the client grows READER by, over flood_secs, PREP run once
# the flood is under way; the flood's CPU time per drop (flood_cpu) goes
# to $work/NAME.cpu
flood_rate() {
	local name=$1 mode=$2 reader=$3 prep=${4:-true} fpid a b ta tb ca cb mac
	mac=$(topo_exec lb ip -j link show up0 | jq -r '.[0].address')
	topo_exec client timeout $((flood_secs + 15)) "$flood" -M "$mode" \
		-i eth0 -s "$CLIENT" -d "$VIP" -p 8080 -m "$mac" \
		-t $((flood_secs + 4)) >"$work/$name.flood" 2>&1 &
	fpid=$!
	sleep 1
	$prep >/dev/null
	perf_during "$name" $((flood_secs - 1))
	ca=$(flood_cpu); a=$($reader); ta=$(date +%s.%N)
	sleep "$flood_secs"
	cb=$(flood_cpu); b=$($reader); tb=$(date +%s.%N)
	wait "$fpid" || die "$name: the flood failed: $(cat "$work/$name.flood")"
	perf_wait
	echo "$name: $(cat "$work/$name.flood")" >>"$work/notes"
	awk -v a="$a" -v b="$b" -v ca="$ca" -v cb="$cb" \
		'BEGIN { printf "%.1f\n", (b > a) ? (cb - ca) / (b - a) : 0 }' \
		>"$work/$name.cpu"
	awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" \
		'BEGIN { printf "%.0f\n", (b - a) / (tb - ta) }'
}

# drops LB TRIAL: only the XDP-frame flood through one load balancer
drops() {
	local name=$1 t=$2 reader=scmlb_drops prep=
	case $name in
	scmlb-native) scmlb_up native ;;
	scmlb-dos) scmlb_up native; reader=dos_drops ;;
	scmlb-dosrule) scmlb_up native; prep="lb gc" ;;
	scmlb-skb) scmlb_up skb ;;
	nft) reader=nft_drops ;;
	esac
	drop_up "$name"
	flood_rate "$name-xdpflood-$t" xdp "$reader" "$prep" >"$work/$name.xdrop.$t"
	mv "$work/$name-xdpflood-$t.cpu" "$work/$name.xcpu.$t"
	drop_down "$name"
	log "trial $t $name: drops/s $(cat "$work/$name.xdrop.$t")," \
		"$(cat "$work/$name.xcpu.$t") CPU ns per drop (XDP frames)"
}

# measure LB TRIAL: every figure through one load balancer
measure() {
	local name=$1 t=$2 f0 f1 reader
	[ -z "$drops_only" ] || { drops "$name" "$t"; return; }
	case $name in
	scmlb-native) scmlb_up native; reader=scmlb_drops ;;
	scmlb-skb) scmlb_up skb; reader=scmlb_drops ;;
	nft) nft_up; reader=nft_drops ;;
	esac
	f0=$(forwarded "$name")
	wrk_rate "$name-rps-$t" >"$work/$name.rps.$t"
	wrk_rate "$name-cps-$t" "Connection: close" >"$work/$name.cps.$t"
	f1=$(forwarded "$name")
	# a load that did not go through the load balancer measures nothing
	[ $((f1 - f0)) -gt 1000 ] ||
		die "$name: only $((f1 - f0)) packets forwarded during the loads"
	[ "$name" != nft ] || nft_down
	drop_up "$name"
	flood_rate "$name-xdpflood-$t" xdp "$reader" >"$work/$name.xdrop.$t"
	flood_rate "$name-pktflood-$t" packet "$reader" >"$work/$name.pdrop.$t"
	drop_down "$name"
	log "trial $t $name: $(cat "$work/$name.rps.$t") req/s," \
		"$(cat "$work/$name.cps.$t") conn/s, drops/s" \
		"$(cat "$work/$name.xdrop.$t") (XDP frames)" \
		"$(cat "$work/$name.pdrop.$t") (AF_PACKET)"
}

# floor TRIAL: the XDP-frame flood against a bare XDP_DROP
floor() {
	drop_up floor
	flood_rate "floor-xdpflood-$1" xdp floor_drops >"$work/floor.xdrop.$1"
	mv "$work/floor-xdpflood-$1.cpu" "$work/floor.xcpu.$1"
	drop_down floor
	log "trial $1 floor: drops/s $(cat "$work/floor.xdrop.$1")," \
		"$(cat "$work/floor.xcpu.$1") CPU ns per drop (XDP frames)"
}

# median LB METRIC: the median over the trials
median() {
	cat "$work/$1.$2".* | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'
}

# ---- the run ----

lbs="scmlb-native${skb:+ scmlb-skb} nft"
[ -z "$drops_only" ] || lbs="scmlb-native scmlb-dosrule scmlb-dos${skb:+ scmlb-skb} nft"
if [ -n "$only" ]; then
	[ -n "$drops_only" ] ||
		{ echo "bench_e2e.sh: --only goes with --drops-only" >&2; exit 2; }
	for name in ${only//,/ }; do
		[[ " $lbs " == *" $name "* ]] ||
			{ echo "bench_e2e.sh: invalid --only '$name': one of $lbs" >&2; exit 2; }
	done
	lbs=${only//,/ }
fi
load0=$(cut -d' ' -f1-3 /proc/loadavg)
log "topology ${TOPO_PREFIX}*, $trials trial(s): $lbs (load average $load0)"
topo_up
topo_exec client sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
topo_start_apps "$testapp" || die "the test app did not start on the backends"

for t in $(seq "$trials"); do
	floor "$t"
	for name in $lbs; do
		measure "$name" "$t"
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# what the senders offered, and the load on the machine
run_notes() {
	echo "offered by the flood senders (last trial):"
	grep -- "flood-$trials:" "$work/notes" | sed 's/^/  /'
	echo "load average before and after: $load0 / $load1"
}

# CPU ns per packet: every CPU busy with the flood and its drop
ns() { awk -v r="$1" -v c="$ncpus" 'BEGIN { printf "%.0f", r ? c * 1e9 / r : 0 }'; }

# the drops-only report: issue 13's target, scmlb's drops <= 1.3 x the floor
drops_report() {
	local fl name v r res missed=0 line what
	fl=$(median floor xcpu)
	echo "scmlb drops end to end: median of $trials trial(s), XDP-frame floods" \
		"${flood_secs}s; $ncpus CPUs, $(uname -r)"
	echo
	printf '%-33s %9s %8s %6s %8s %8s %6s\n' "DROPPED BY" "DROPS/S" \
		"CPU NS" RATIO "RATE NS" TARGET RESULT
	for name in floor $lbs; do
		v=$(median "$name" xcpu)
		r=$(ratio "$v" "$fl")
		res=-
		case $name in
		scmlb-native | scmlb-dosrule)
			res=PASS
			awk -v r="$r" 'BEGIN { exit !(r <= 1.3) }' ||
				{ res=MISS; missed=$((missed + 1)); } ;;
		esac
		case $name in
		floor) what="bare XDP_DROP (native)" ;;
		scmlb-native) what="scmlb native, firewall rule" ;;
		scmlb-dosrule) what="scmlb native, DoS rule (scmlb-gc)" ;;
		scmlb-dos) what="scmlb native, DoS stage, before gc" ;;
		scmlb-skb) what="scmlb skb mode, firewall rule" ;;
		nft) what="nftables netdev ingress" ;;
		esac
		printf '%-33s %9s %8s %6s %8s %8s %6s\n' "$what" \
			"$(median "$name" xdrop)" "$v" "$r" \
			"$(ns "$(median "$name" xdrop)")" \
			"$([ "$res" = - ] || echo '<= 1.3')" "$res"
	done
	echo
	echo "CPU ns per drop in each trial, floor / ${lbs// / \/ }:"
	for t in $(seq "$trials"); do
		line=$(cat "$work/floor.xcpu.$t")
		for name in $lbs; do
			line+=/$(cat "$work/$name.xcpu.$t")
		done
		echo "  $line"
	done
	run_notes
	echo
	cat <<EOF
$missed target(s) missed (CPU NS / the floor's). CPU NS: CPU time of the
flood senders and of ksoftirqd per dropped packet; a veth takes a
sender's frames in the sender's own softirq, so this is sending plus
dropping, whatever else runs on the machine. RATE NS: $ncpus CPUs / drops
per second, which other work on the machine inflates. The floor is what
any native XDP drop costs here. scmlb native runs its entry program
natively on the veth (scmlb-attach picks skb mode there); skb mode
builds an skb before XDP runs, as nftables does.
EOF
	[ "$missed" -eq 0 ]
}
if [ -n "$drops_only" ]; then
	drops_report || exit 1
	exit 0
fi

missed=0
rows=
for m in rps cps xdrop pdrop; do
	case $m in
	rps) what="requests/s, keep-alive"; target=1 ;;
	cps) what="new connections/s"; target=1 ;;
	xdrop) what="drops/s, XDP-frame flood"; target=3 ;;
	pdrop) what="drops/s, AF_PACKET flood"; target= ;;
	esac
	n=$(median scmlb-native "$m")
	s=-
	[ -z "$skb" ] || s=$(median scmlb-skb "$m")
	x=$(median nft "$m")
	r=$(ratio "$n" "$x")
	res=-
	if [ -n "$target" ]; then
		if awk -v r="$r" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
			res=PASS
		else
			res=MISS
			missed=$((missed + 1))
		fi
	fi
	rows+=$(printf '%-26s %12s %10s %10s %10s %8s %6s' "$what" "$n" "$s" \
		"$x" "$r" "${target:+>= $target}" "$res")$'\n'
done

echo "scmlb end to end: median of $trials trial(s); wrk ${duration}s," \
	"floods ${flood_secs}s; $(nproc) CPUs, $(uname -r)"
echo
printf '%-26s %12s %10s %10s %10s %8s %6s\n' METRIC "SCMLB NATIVE" "SCMLB SKB" \
	NFTABLES "NATIVE/NFT" TARGET RESULT
printf '%s' "$rows"
echo
if [ -n "$skb" ]; then
	echo "skb mode / nftables: requests $(ratio "$(median scmlb-skb rps)" \
		"$(median nft rps)"), connections $(ratio "$(median scmlb-skb cps)" \
		"$(median nft cps)"), XDP-frame drops $(ratio "$(median scmlb-skb xdrop)" \
		"$(median nft xdrop)")"
fi
fl=$(ns "$(median floor xdrop)")
line=
for name in $lbs; do
	v=$(ns "$(median "$name" xdrop)")
	line+=" $name $v ns (+$((v - fl))),"
done
echo "XDP-frame flood, CPU per dropped packet ($ncpus CPUs / drops/s), and above"
echo "the floor: a bare XDP_DROP $fl ns (sending, delivery, return);${line%,}"
n=$(ns "$(median scmlb-native xdrop)")
x=$(ns "$(median nft xdrop)")
echo "the drop itself, nftables / scmlb native: $(ratio $((x - fl)) $((n - fl)))"
echo
echo "per trial, ${lbs// / \/ }:"
for m in rps cps xdrop pdrop; do
	line=
	for t in $(seq "$trials"); do
		v=
		for name in $lbs; do
			v+=${v:+/}$(cat "$work/$name.$m.$t")
		done
		line+=" $v"
	done
	printf '  %-6s%s\n' "$m" "$line"
done
run_notes
echo
cat <<EOF
$missed target(s) missed (ratios of the medians: scmlb native / nftables).
Limits: $ncpus CPUs for everything: wrk and the flood senders, the three
backends' servers and TCP stacks, and the load balancer's softirq work; the
request rates measure the whole machine, of which the load balancer is a
small part. Veths stand in for NICs (a queue per CPU, no line rate): a TCP
frame is an skb already, which native XDP on a veth copies into a page of
its own; XDP-frame floods reach up0 without an skb, as from a NIC's driver.
Each flood sender runs on the CPU that takes its packets in: a drop rate
pays for the sending too, which the floor line separates out.
Other work on the machine (see the load average) moves every figure.
EOF
[ -z "$perf_dir" ] || echo "Profiles (perf report per load): $perf_dir"
[ "$missed" -eq 0 ] || exit 1
