#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh pkt|stages|profile|ab|ctl|fib|e2e|flood [ARGS...] - one benchmark from a clone:
# installs the dependencies, builds (build/), then runs it. As root.
set -eu
cd "$(dirname "$0")/../.."

case ${1:-} in
pkt | stages | profile | ab | ctl | fib | e2e | flood) ;;
*)
	echo "usage: test/bench/run.sh pkt|stages|profile|ab|ctl|fib|e2e|flood [ARGS...]" >&2
	exit 2
	;;
esac
which=$1
shift
if [ "$(id -u)" != 0 ]; then
	echo "run.sh: run as root: benchmarks load XDP programs" >&2
	exit 1
fi
test/install-deps.sh >/dev/null
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
case $which in
pkt) exec build/test/bench/bench_pkt "$@" ;;
stages) exec test/bench/stages.sh "$@" ;;
profile) exec test/bench/profile.sh build "$@" ;;
ab) exec test/bench/ab.sh "$@" ;;
ctl) exec build/test/bench/bench_ctl "$@" ;;
fib) exec build/test/bench/bench_fib "$@" ;;
e2e) exec test/bench/bench_e2e.sh build "$@" ;;
flood) exec test/bench/bench_synflood.sh build "$@" ;;
esac
