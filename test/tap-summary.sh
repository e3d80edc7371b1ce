#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tap-summary.sh TESTLOG_JSON... - count the TAP results of meson test runs;
# the last line is "N passed, N failed". Exits 1 when anything failed.
set -eu

[ $# -gt 0 ] || { echo "usage: tap-summary.sh build/meson-logs/testlog.json..." >&2; exit 2; }
passed=0 failed=0 skipped=0

while IFS= read -r entry; do
	name=$(jq -r .name <<<"$entry")
	result=$(jq -r .result <<<"$entry")
	out=$(jq -r '.stdout // ""' <<<"$entry")
	p=$(grep -E '^ok ' <<<"$out" | grep -civE '# skip' || true)
	s=$(grep -E '^ok ' <<<"$out" | grep -ciE '# skip' || true)
	f=$(grep -cE '^not ok ' <<<"$out" || true)
	# a test that died before reporting counts as one failure
	case $result in
	OK | SKIP | EXPECTEDFAIL) ;;
	*) [ "$f" -gt 0 ] || f=1 ;;
	esac
	printf '%-12s %-8s %4d passed, %d failed, %d skipped\n' "$name" "$result" "$p" "$f" "$s"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done < <(jq -c . "$@")

echo "skipped: $skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
