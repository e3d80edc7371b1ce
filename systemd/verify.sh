#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# verify.sh TOOLS_DIR UNIT... - check the units with systemd-analyze verify,
# their Exec* lines pointed at the built tools (the installed path need not
# exist yet). Prints TAP.
set -u

tools=$(cd "$1" && pwd)
shift
echo "1..$#"
if ! command -v systemd-analyze >/dev/null; then
	for unit in "$@"; do
		echo "ok - $(basename "$unit") # skip no systemd-analyze"
	done
	exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for unit in "$@"; do
	sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/|\1$tools/|" "$unit" >"$dir/$(basename "$unit")"
done
n=0
for unit in "$@"; do
	n=$((n + 1))
	name=$(basename "$unit")
	if out=$(cd "$dir" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$dir/$name" 2>&1) &&
	   [ -z "$out" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		printf '# %s\n' "$out"
	fi
done
