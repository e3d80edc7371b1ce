#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# profile.sh BUILD [-c CPU] [-t TRIALS] ROW [PROGRAM] - where one bench_pkt
# row's time goes: perf samples the bench CPU (cpu-clock: no hardware
# counters needed, so it works in VMs) while bench_pkt times ROW;
# jit_lines saves the JIT line table of PROGRAM (scmlb_main, or
# scmlb_main6 for an IPv6 row) while it is loaded; profile_lines.py maps
# the samples to source lines. As root; needs perf (linux-perf).
set -eu
here=$(dirname "$0")
usage() {
	echo "usage: test/bench/profile.sh BUILD [-c CPU] [-t TRIALS] ROW [PROGRAM]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
build=$1
shift
cpu=$(($(nproc) - 1))
trials=15
while getopts c:t: opt; do
	case $opt in
	c) cpu=$OPTARG ;;
	t) trials=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
row=$1
case $row in
*6_*) prog=${2:-scmlb_main6} ;;
*) prog=${2:-scmlb_main} ;;
esac
if ! command -v perf >/dev/null; then
	echo "profile.sh: perf is missing (apt-get install linux-perf)" >&2
	exit 1
fi
if ! "$build/test/bench/bench_pkt" --help | grep -qw -- "$row"; then
	echo "profile.sh: no bench_pkt row $row (bench_pkt --help lists them)" >&2
	exit 2
fi

tmp=$(mktemp -d /tmp/scmlb-profile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# one load: the table jit_lines saves is that load's, whose samples it maps
perf record -q -g -e cpu-clock -F 20000 -C "$cpu" -o "$tmp/perf.data" -- \
	taskset -c "$cpu" "$build/test/bench/bench_pkt" -c "$cpu" --one-load \
	-t "$trials" -p "$row" >/dev/null 2>&1 &
recorder=$!
# the program lives only while bench_pkt runs: save its table meanwhile
while kill -0 "$recorder" 2>/dev/null; do
	sleep 2
	"$build/test/bench/jit_lines" "$prog" "$tmp/jit" 2>/dev/null || true
done
wait "$recorder" || true
python3 "$here/profile_lines.py" "$tmp" "$prog"
