#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-all.sh - the README's test command: install the dependencies, build,
# run every test (meson test), and end with the line "N passed, N failed".
# Run as root on Debian 12 from anywhere in a clone.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "run-all.sh: run as root: the tests load XDP programs and make namespaces" >&2
	exit 1
fi
test/install-deps.sh >/dev/null
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# build: what users install (and the valgrind round runs on);
# build-asan: the same with AddressSanitizer and UBSan, where every test runs.
setup() {
	if [ -d "$1" ]; then
		meson setup --reconfigure "$@" >/dev/null
	else
		meson setup "$@" >/dev/null
	fi
	meson compile -C "$1"
}
setup build
setup build-asan -Db_sanitize=address,undefined

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
meson test -C build-asan --print-errorlogs || status=$?
meson test -C build --suite valgrind --print-errorlogs || status=$?
test/tap-summary.sh build-asan/meson-logs/testlog.json \
	build/meson-logs/testlog.json || status=1
exit "$status"
