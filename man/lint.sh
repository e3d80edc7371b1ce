#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lint.sh PAGE... - check man pages with groff -man -ww -z; any warning fails (TAP)
n=0
echo "1..$#"
if ! command -v groff >/dev/null 2>&1; then
	for page; do
		n=$((n + 1))
		echo "ok $n - ${page##*/} # SKIP groff is not installed"
	done
	exit 0
fi
for page; do
	n=$((n + 1))
	out=$(LC_ALL=C groff -man -ww -z "$page" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		echo "ok $n - ${page##*/}"
	else
		echo "not ok $n - ${page##*/}"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
