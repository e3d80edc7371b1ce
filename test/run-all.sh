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

if [ -d build ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
meson compile -C build

status=0
meson test -C build --print-errorlogs || status=$?
test/tap-summary.sh build/meson-logs/testlog.json || status=1
exit "$status"
