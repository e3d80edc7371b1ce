#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ab.sh BASE [-r ROUNDS] [-t TRIALS] [-c CPU] [-d DIR] [-p ROW]... - a
# change to the packet path, side by side (issue 18): this tree's build
# (build/) against BASE, each build's bench_pkt run in turn on one CPU,
# ROUNDS times, so that both meet the same machine and the same drift.
# BASE is a git revision, exported and built under DIR (kept there for
# the next run), or a build directory. Per row it prints each build's
# median over the rounds of its median ns and of its ratio to the floor
# (bench_pkt's median of per-trial ratios), the rounds' range of ratios,
# and this build's ratio over BASE's; then bench_pkt's comparisons
# (maglev vs rr, IPv6 vs IPv4, ...) the same way. Default rows: the
# established paths. A round moves by 5-10 % here: trust what holds in
# most rounds; and a build moves rows its change does not reach (the
# program laid out anew): name one with -p as a control. As root, from
# a clone.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
usage() {
	echo "usage: test/bench/ab.sh BASE [-r ROUNDS] [-t TRIALS] [-c CPU] [-d DIR] [-p ROW]..." >&2
	exit 2
}
[ $# -ge 1 ] || usage
base=$1
shift
rounds=4 trials=9 cpu=$(($(nproc) - 1)) dir=/tmp/scmlb-ab rows=""
while getopts r:t:c:d:p: o; do
	case $o in
	r) rounds=$OPTARG ;;
	t) trials=$OPTARG ;;
	c) cpu=$OPTARG ;;
	d) dir=$OPTARG ;;
	p) rows="$rows $OPTARG" ;;
	*) usage ;;
	esac
done
[ $OPTIND -gt $# ] || usage
case $rounds in '' | *[!0-9]* | 0) usage ;; esac
rows=${rows:-tcp_est tcp_egress udp_est tcp6_est}
mkdir -p "$dir"

# build_bench DIR: bench_pkt of the build in DIR, the log in $dir/build.log
build_bench() {
	meson compile -C "$1" test/bench/bench_pkt >"$dir/build.log" 2>&1 || {
		tail -20 "$dir/build.log" >&2
		echo "ab.sh: building $1 failed" >&2
		exit 1
	}
}

if [ -x "$base/test/bench/bench_pkt" ]; then
	base_bin=$base/test/bench/bench_pkt
	base_name=$base
else
	rev=$(git -C "$src" rev-parse --verify -q "$base^{commit}") || {
		echo "ab.sh: $base is neither a revision nor a build directory" >&2
		exit 2
	}
	base_name=$(git -C "$src" rev-parse --short "$rev")
	tree=$dir/src-$rev
	if [ ! -d "$tree" ]; then
		# an export, not a worktree: nothing is left registered in the clone
		mkdir -p "$tree.tmp"
		git -C "$src" archive "$rev" | tar -x -C "$tree.tmp"
		mv "$tree.tmp" "$tree"
	fi
	[ -d "$tree/build" ] || meson setup "$tree/build" "$tree" >"$dir/build.log" 2>&1 || {
		tail -20 "$dir/build.log" >&2
		echo "ab.sh: setting up the build of $base_name failed" >&2
		exit 1
	}
	build_bench "$tree/build"
	base_bin=$tree/build/test/bench/bench_pkt
fi
[ -d "$src/build" ] || meson setup "$src/build" "$src" >"$dir/build.log" 2>&1
build_bench "$src/build"
this_name="this tree ($(git -C "$src" describe --always --dirty 2>/dev/null || echo build))"

out=$dir/runs
rm -rf "$out"
mkdir -p "$out"
args=""
for r in $rows; do args="$args -p $r"; done
for r in $(seq "$rounds"); do
	for side in base this; do
		bin=$base_bin
		[ $side = base ] || bin=$src/build/test/bench/bench_pkt
		status=0
		# shellcheck disable=SC2086
		timeout 900 taskset -c "$cpu" "$bin" -c "$cpu" -t "$trials" -j $args \
			>"$out/$side.$r.json" 2>"$dir/bench.log" || status=$?
		# 1: a target missed, which is a result
		if [ $status != 0 ] && [ $status != 1 ]; then
			tail -5 "$dir/bench.log" >&2
			echo "ab.sh: $bin failed (exit $status; an older build may lack a row)" >&2
			exit 1
		fi
	done
done

echo "side by side: $base_name against $this_name;" \
	"$rounds rounds of $trials trials on CPU $cpu, the builds in turn"
python3 - "$out" <<'PY'
import glob, json, statistics as st, sys

out = sys.argv[1]
runs = {s: [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{s}.*.json"))]
        for s in ("base", "this")}

def rows(side, listing, key, field):
    """Per row key, the field of each round's entry, in round order."""
    got = {}
    for r in runs[side]:
        for e in r[listing]:
            got.setdefault(e[key], []).append(e[field])
    return got

def cell(values, fmt):
    return fmt.format(st.median(values)) if values else "-"

def spread(values):
    return f"{min(values):.2f}-{max(values):.2f}" if values else "-"

ns = {s: rows(s, "paths", "path", "median_ns") for s in runs}
ratio = {s: rows(s, "paths", "path", "ratio_to_floor") for s in runs}
print(f"{'PATH':<22}{'BASE NS':>9}{'X FLOOR':>9}{'ROUNDS':>12}"
      f"{'THIS NS':>9}{'X FLOOR':>9}{'ROUNDS':>12}{'THIS/BASE':>11}")
for path in ratio["this"]:
    b, t = ratio["base"].get(path, []), ratio["this"][path]
    change = f"{st.median(t) / st.median(b):.2f}" if b and path != "floor" else ""
    print(f"{path:<22}{cell(ns['base'].get(path, []), '{:.1f}'):>9}"
          f"{cell(b, '{:.2f}'):>9}{spread(b):>12}"
          f"{cell(ns['this'][path], '{:.1f}'):>9}{cell(t, '{:.2f}'):>9}"
          f"{spread(t):>12}{change:>11}")
comp = {s: rows(s, "comparisons", "key", "ratio") for s in runs}
if comp["this"]:
    print()
    print(f"{'COMPARISON':<28}{'BASE':>7}{'ROUNDS':>12}{'THIS':>7}{'ROUNDS':>12}")
    for key, t in comp["this"].items():
        b = comp["base"].get(key, [])
        print(f"{key:<28}{cell(b, '{:.2f}'):>7}{spread(b):>12}"
              f"{cell(t, '{:.2f}'):>7}{spread(t):>12}")
PY
