#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stages.sh [-r ROUNDS] [-t TRIALS] [-c CPU] [-d DIR] - what each stage of
# the established paths costs (issue 18): the data plane built once whole
# and once without each stage (meson -Dbench_skip=MASK, xdp/bench_skip.h),
# every build's bench_pkt run in turn, ROUNDS times. A stage's cost is the
# whole build's ratio to the floor minus the build without it, times the
# floor's ns: both ratios are medians of per-trial ratios, so a noisy
# neighbour moves both sides. As root, from a clone, after a build.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
rounds=3 trials=11 cpu=$(($(nproc) - 1)) dir=/tmp/scmlb-stages
while getopts r:t:c:d: o; do
	case $o in
	r) rounds=$OPTARG ;;
	t) trials=$OPTARG ;;
	c) cpu=$OPTARG ;;
	d) dir=$OPTARG ;;
	*)
		echo "usage: stages.sh [-r ROUNDS] [-t TRIALS] [-c CPU] [-d DIR]" >&2
		exit 2
		;;
	esac
done
paths="tcp_est tcp_egress udp_est tcp6_est"
# mask:name, as xdp/bench_skip.h numbers them; 0 is the whole data plane
stages="0:whole 1:counters 2:vip_hint 4:firewall_hint 8:dos 16:ct_state 32:nat 64:redirect"

mkdir -p "$dir"
for s in $stages; do
	mask=${s%%:*}
	b=$dir/skip$mask
	if ! { [ -d "$b" ] || meson setup "$b" "$src" -Dbench_skip="$mask"; } \
		>"$dir/build.log" 2>&1 ||
		! meson compile -C "$b" test/bench/bench_pkt >"$dir/build.log" 2>&1; then
		tail -20 "$dir/build.log" >&2
		echo "stages.sh: the build without stage $s failed" >&2
		exit 1
	fi
done
rm -f "$dir"/*.json
args=""
for p in $paths; do args="$args -p $p"; done
for r in $(seq "$rounds"); do
	for s in $stages; do
		mask=${s%%:*}
		# shellcheck disable=SC2086
		timeout 900 taskset -c "$cpu" "$dir/skip$mask/test/bench/bench_pkt" \
			-c "$cpu" -t "$trials" -j $args >"$dir/$mask.$r.json" ||
			[ $? = 1 ] # 1: a target missed, as every stage build does
	done
done
python3 - "$dir" "$stages" "$paths" <<'PY'
import glob, json, statistics as st, sys
d, stages, paths = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()

def runs(mask):
    return [json.load(open(f)) for f in sorted(glob.glob(f"{d}/{mask}.*.json"))]

def ratio(r, path):
    return next(p["ratio_to_floor"] for p in r["paths"] if p["path"] == path)

def floor_ns(r):
    return next(p["median_ns"] for p in r["paths"] if p["path"] == "floor")

whole = runs(0)
floor = st.median(floor_ns(r) for r in whole)
print(f"floor: {floor:.1f} ns (median of {len(whole)} rounds)")
print(f"{'stage':<16}" + "".join(f"{p:>22}" for p in paths))
base = {p: st.median(ratio(r, p) for r in whole) for p in paths}
print(f"{'whole (x floor)':<16}" +
      "".join(f"{base[p]:>15.2f} {base[p] * floor:>5.1f}ns" for p in paths))
for s in stages[1:]:
    mask, name = s.split(":")
    rr = runs(mask)
    cells = []
    for p in paths:
        without = st.median(ratio(r, p) for r in rr)
        cells.append(f"{base[p] - without:>+15.2f} {(base[p] - without) * floor:>+5.1f}ns")
    print(f"{name:<16}" + "".join(cells))
PY
