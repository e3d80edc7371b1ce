#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench_synflood.sh BUILD_DIR [OPTION]... - a SYN flood from spoofed sources
# (issue 13): do established connections and new ones get through, through
# scmlb and through nftables, on the quick-start topology in namespaces of
# its own.
#
#   client 10.0.1.2 -- up0 lb be1..be3 -- backends 10.0.4.2 10.0.5.2 10.0.6.2
#
# Per load balancer, on the same backends (build/test/scmlb-testapp, TCP
# echo on port 7070, the kernel's SYN cookies on, as by default):
#  - the client (synflood_client.py) opens 20 connections to VIP:7070 and
#    checks an echo on each; then, for the window, every connection sends
#    a line every 0.5-1.5 s and new connections open at 50/s, each sending
#    one line: an echo must come back within 1 s;
#  - meanwhile bench_flood, one sender per CPU, floods VIP:7070 with SYNs
#    from random addresses and ports of 198.18.0.0/15 (spoofed: a new flow
#    per SYN, no source sends twice), as fast as it can, for the window;
#  - once the flood is over, a last line on every connection.
# Load balancers: scmlb (attach -m native --conntrack-size N, default 4096
# flows: on a veth attach takes generic XDP, see scmlb-attach(8), and
# forwards through scmlb_tc) and nftables DNAT the kube-proxy way
# (prerouting 'dnat to numgen inc mod 3 map {...}', ip_forward=1, the
# kernel's conntrack and its nf_conntrack_max; no scmlb attached). up0 has
# GRO on, so that the veth takes the sender's xdp_frames (NAPI). The load
# balancer routes the spoofed prefix back to the client, which drops the
# backends' SYN-ACKs (no forwarding there).
# The table: established connections still echoing at the end (of 20),
# connections reset, echo lines that failed, new connections answered;
# SYNs/s sent (bench_flood's count), refused (by up0's full ring, before
# the load balancer sees them: the client's eth0 counts them, xdp_xmit_err
# in ethtool -S or tx dropped), absorbed (taken in by the load balancer,
# dropped or forwarded: up0's rx_packets), and reaching the backends
# (their eth0 rx_packets): interface counters, the same for every load
# balancer, all over the flood's run. The client's own packets are in
# them too (a few hundred per second).
# Exit status: 0 the benchmark ran, 2 bad usage, 3 it failed, 77 not root.
#
# Options:
#   --window S          seconds of flood (default 10)
#   --conntrack-size N  scmlb's conntrack flows (default 4096)
#   --rate N            new connections per second (default 50)
#   --established N     established connections (default 20)
#   --source CIDR       the spoofed sources (default 198.18.0.0/15)
#   --sender xdp|packet bench_flood's sender (default xdp: live XDP frames)
#   --scmlb-cmd 'ARGS'  run 'scmlb ARGS' after the backends are set, e.g.
#                       'dos set -p tcp -t syn -l 1000' (repeatable)
#
# Everything runs in private mount and network namespaces (a fresh bpffs,
# a tmpfs on /run/netns); traffic never leaves them, every load is bounded
# by timeout, and an exit trap kills what it started.
set -eu

usage() {
	sed -n '/^# Options:/,/^#$/p' "$0" | sed 's/^# \{0,1\}//'
}

if [ "$(id -u)" != 0 ]; then
	echo "bench_synflood.sh: needs root (XDP, namespaces): skipped" >&2
	exit 77
fi
if [ -z "${SCMLB_BENCH_UNSHARED:-}" ]; then
	exec unshare --mount --net --propagation private \
		env SCMLB_BENCH_UNSHARED=1 "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: bench_synflood.sh BUILD_DIR [OPTION]..." >&2
	usage >&2
	exit 2
fi
build=$(cd "$1" && pwd)
shift
window=10
ct_size=4096
rate=50
established=20
source=198.18.0.0/15
sender=xdp
scmlb_cmds=()
while [ $# -gt 0 ]; do
	if [[ $1 =~ ^--(window|conntrack-size|rate|established|source|sender|scmlb-cmd)$ ]] &&
		[ $# -lt 2 ]; then
		echo "bench_synflood.sh: option '$1' needs a value" >&2
		exit 2
	fi
	case $1 in
	--window) window=${2:-}; shift 2 ;;
	--conntrack-size) ct_size=${2:-}; shift 2 ;;
	--rate) rate=${2:-}; shift 2 ;;
	--established) established=${2:-}; shift 2 ;;
	--source) source=${2:-}; shift 2 ;;
	--sender) sender=${2:-}; shift 2 ;;
	--scmlb-cmd) scmlb_cmds+=("${2:-}"); shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench_synflood.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
number() {	# number NAME VALUE MIN MAX
	[[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] && return 0
	echo "bench_synflood.sh: invalid $1 '$2': $3 to $4" >&2
	exit 2
}
number window "$window" 2 600
number "conntrack size" "$ct_size" 1024 16777216
number rate "$rate" 1 1000
number "established count" "$established" 1 1000
if ! [[ $source =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/([0-9]+)$ ]] ||
	[ "${BASH_REMATCH[1]}" -lt 8 ] || [ "${BASH_REMATCH[1]}" -gt 24 ]; then
	echo "bench_synflood.sh: invalid source '$source': ADDR/8 to ADDR/24" >&2
	exit 2
fi
case $sender in
xdp | packet) ;;
*) echo "bench_synflood.sh: invalid sender '$sender': xdp or packet" >&2; exit 2 ;;
esac

tools=$build/tools
testapp=$build/test/scmlb-testapp
flood=$build/test/bench/bench_flood
client_py=$here/synflood_client.py
for f in "$tools/scmlb" "$testapp" "$flood" "$client_py"; do
	[ -e "$f" ] || { echo "bench_synflood.sh: no '$f': build first" >&2; exit 3; }
done
for cmd in nft jq ethtool python3; do
	command -v "$cmd" >/dev/null ||
		{ echo "bench_synflood.sh: '$cmd' is not installed" >&2; exit 3; }
done

mkdir -p /run/netns
mount -t tmpfs -o mode=0755 tmpfs /run/netns
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
ip link set lo up

TOPO_PREFIX=scmlbf-
TOPO_QUEUES=$(nproc)	# a queue per CPU on either end of every link
# shellcheck source=../lib/topology.sh
source "$here/../lib/topology.sh"
export SCMLB_PIN_DIR=/sys/fs/bpf/scmlbf
VIP=$TOPO_VIP
CLIENT=$TOPO_CLIENT_ADDR
PORT=7070
ncpus=$(nproc)
work=$(mktemp -d /tmp/scmlbf-XXXXXX)
FLOOD_PID=

cleanup() {
	trap - EXIT INT TERM
	[ -z "$FLOOD_PID" ] || kill "$FLOOD_PID" 2>/dev/null || true
	topo_exec lb "$tools/scmlb" detach >/dev/null 2>&1 || true
	topo_down
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 3' INT TERM

log() { echo "bench_synflood.sh: $*" >&2; }
die() { log "$*"; exit 3; }
lb() { topo_exec lb "$tools/scmlb" "$@"; }

# ---- the load balancers ----

scmlb_up() {
	local i cmd
	lb attach -u up0 -v "$VIP" -m native --conntrack-size "$ct_size" \
		>"$work/attach" 2>&1 || die "scmlb-attach failed: $(cat "$work/attach")"
	for i in 1 2 3; do
		lb lb set -n "echo$i" -a "${TOPO_BACKENDS[$((i - 1))]}" >/dev/null
	done
	for cmd in "${scmlb_cmds[@]}"; do
		# shellcheck disable=SC2086 # ARGS are words
		lb $cmd >/dev/null || die "'scmlb $cmd' failed"
	done
}

nft_up() {
	topo_exec lb sysctl -qw net.ipv4.ip_forward=1
	topo_exec lb nft -f - <<EOF
table ip scmlbf_lb {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $VIP tcp dport $PORT counter dnat to numgen inc mod 3 map {
			0 : ${TOPO_BACKENDS[0]}, 1 : ${TOPO_BACKENDS[1]}, 2 : ${TOPO_BACKENDS[2]} }
	}
}
EOF
}

lb_up() {
	case $1 in
	scmlb) scmlb_up ;;
	nft) nft_up ;;
	esac
}

lb_down() {
	case $1 in
	scmlb) lb detach >/dev/null ;;
	nft) topo_exec lb nft delete table ip scmlbf_lb
	     topo_exec lb sysctl -qw net.ipv4.ip_forward=0 ;;
	esac
}

# packets to a backend so far: proof that the echo went through the balancer
forwarded() {
	case $1 in
	scmlb) lb stat --json | jq '.forwarded' ;;
	nft) topo_exec lb nft -j list chain ip scmlbf_lb prerouting |
		jq '[.. | .counter? | .packets? // empty] | add' ;;
	esac
}

# rx_packets NS IFACE...: packets received, summed over the interfaces
rx_packets() {
	local ns=$1
	shift
	topo_exec "$ns" ip -j -s link show | jq --arg ifs "$*" \
		'[.[] | select(.ifname | IN($ifs | split(" ")[])) |
		  .stats64.rx.packets] | add'
}
absorbed() { rx_packets lb up0; }
# frames the client's eth0 could not hand to up0: XDP frames, then skbs
refused() {
	echo $(($(topo_exec client ethtool -S eth0 |
		awk '/xdp_xmit_err:/ { n += $2 } END { print n + 0 }') +
		$(topo_exec client ip -j -s link show eth0 | jq '.[0].stats64.tx.dropped')))
}
delivered() {
	echo $(($(rx_packets backend1 eth0) + $(rx_packets backend2 eth0) +
		$(rx_packets backend3 eth0)))
}

# ---- one load balancer under the flood ----

# wait_file FILE SECONDS PID: until FILE exists, while PID runs
wait_file() {
	local _
	for _ in $(seq $(($2 * 10))); do
		[ -e "$1" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# rate A B TA TB: (B - A) / (TB - TA)
rate() {
	awk -v a="$1" -v b="$2" -v ta="$3" -v tb="$4" \
		'BEGIN { printf "%.0f\n", (b - a) / (tb - ta) }'
}

measure() {
	local name=$1 cpid mac f0 f1 a0 a1 d0 d1 r0 r1 t0 t1 out
	lb_up "$name"
	mac=$(topo_exec lb ip -j link show up0 | jq -r '.[0].address')
	rm -f "$work/ready" "$work/done"
	f0=$(forwarded "$name")
	topo_exec client timeout $((window + 60)) python3 "$client_py" \
		"$VIP" "$PORT" "$work/ready" "$work/done" --established "$established" \
		--rate "$rate" --window "$window" >"$work/$name.client" \
		2>"$work/$name.client.err" &
	cpid=$!
	wait_file "$work/ready" 15 "$cpid" ||
		die "$name: the client did not get its connections echoing: $(cat "$work/$name.client.err")"
	a0=$(absorbed); d0=$(delivered); r0=$(refused); t0=$(date +%s.%N)
	topo_exec client timeout $((window + 15)) "$flood" -M "$sender" \
		-i eth0 -r "$source" -d "$VIP" -p "$PORT" -m "$mac" -t "$window" \
		>"$work/$name.flood" 2>&1 &
	FLOOD_PID=$!
	wait "$FLOOD_PID" || die "$name: the flood failed: $(cat "$work/$name.flood")"
	FLOOD_PID=
	t1=$(date +%s.%N); a1=$(absorbed); d1=$(delivered); r1=$(refused)
	touch "$work/done"
	if [ "$name" = nft ]; then
		topo_exec lb cat /proc/sys/net/netfilter/nf_conntrack_count >"$work/nft.ct"
	fi
	wait "$cpid" || die "$name: the client failed: $(cat "$work/$name.client.err")"
	f1=$(forwarded "$name")
	[ "$name" = nft ] || lb stat --json >"$work/$name.stat"
	lb_down "$name"
	[ $((f1 - f0)) -gt 100 ] ||
		die "$name: only $((f1 - f0)) packets forwarded: the load balancer was bypassed"
	out=$(cat "$work/$name.client")
	jq -e .established <<<"$out" >/dev/null 2>&1 ||
		die "$name: the client's output is not JSON: $out"
	rate 0 "$(sed -n 's/^sent \([0-9]*\) packets.*/\1/p' "$work/$name.flood")" \
		"$t0" "$t1" >"$work/$name.sent"
	rate "$r0" "$r1" "$t0" "$t1" >"$work/$name.refused"
	rate "$a0" "$a1" "$t0" "$t1" >"$work/$name.absorbed"
	rate "$d0" "$d1" "$t0" "$t1" >"$work/$name.delivered"
	log "$name: $(jq -c . <<<"$out"); $(cat "$work/$name.flood")"
}

# ---- the run ----

lbs="scmlb nft"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
log "topology ${TOPO_PREFIX}*: $lbs under a ${window}s flood (load average $load0)"
topo_up
topo_exec lb ip route add "$source" via "$CLIENT"
# NAPI on up0 whatever XDP it has: how a veth takes the sender's xdp_frames
topo_exec lb ethtool -K up0 gro on >/dev/null
topo_start_apps "$testapp" || die "the test app did not start on the backends"
for i in 1 2 3; do
	topo_wait_port "backend$i" "$PORT" || die "no echo service on backend$i"
done

for name in $lbs; do
	measure "$name"
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

field() { jq -r ".$2" "$work/$1.client"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", b ? 100 * a / b : 0 }'; }
cell() {	# cell METRIC LB
	case $1 in
	echoing) echo "$(field "$2" echoing_at_end) of $(field "$2" established)" ;;
	reset) field "$2" reset ;;
	failures) echo "$(field "$2" echo_failures) of $(field "$2" echo_lines)" ;;
	new) pct "$(field "$2" new_ok)" "$(field "$2" new_attempts)" ;;
	*) cat "$work/$2.$1" ;;
	esac
}

echo "SYN flood from spoofed sources ($source), ${window}s per load" \
	"balancer; scmlb --conntrack-size $ct_size; $ncpus CPUs, $(uname -r)"
echo
printf '%-36s' METRIC
for name in $lbs; do printf ' %14s' "$name"; done
echo
for m in echoing reset failures new sent refused absorbed delivered; do
	case $m in
	echoing) what="established, echoing at the end" ;;
	reset) what="established, reset" ;;
	failures) what="echo lines failed (> 1 s or reset)" ;;
	new) what="new connections answered in 1 s" ;;
	sent) what="SYNs/s sent ($sender)" ;;
	refused) what="SYNs/s refused (up0's ring full)" ;;
	absorbed) what="SYNs/s absorbed (up0 rx)" ;;
	delivered) what="SYNs/s to the backends (eth0 rx)" ;;
	esac
	printf '%-36s' "$what"
	for name in $lbs; do printf ' %14s' "$(cell "$m" "$name")"; done
	echo
done
echo
for name in $lbs; do
	[ "$name" != nft ] || continue
	echo "$name counters (scmlb-stat, not 0): $(jq -c 'with_entries(select(.value != 0))' \
		"$work/$name.stat")"
done
echo "nftables: $(cat "$work/nft.ct" 2>/dev/null || echo '?') flows in the kernel's" \
	"conntrack at the end of the flood (nf_conntrack_max $(topo_exec lb \
	cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || echo '?'))"
echo "new connections: $rate/s for ${window}s; load average before and after: $load0 / $load1"
cat <<EOF
The flood senders, the client, the load balancer and the backends' TCP
stacks share $ncpus CPUs: a SYN absorbed costs the backends too, and CPU
time lost to the flood delays echoes as it would on one loaded host.
Veths stand in for NICs: scmlb runs generic XDP on a veth, so every SYN
is an skb at up0 before either load balancer sees it (on a NIC, native
XDP would see it first). Other work on the machine moves every rate.
EOF
