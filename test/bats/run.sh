#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh BUILD_DIR [BATS_FILE...] - run the end-to-end tests in private mount
# and network namespaces, with a fresh bpffs and a private /run/netns, so a
# run never sees or leaves anything on the host.
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # skip the end-to-end tests need root"
	exit 0
fi
if [ -z "${SCMLB_TEST_UNSHARED:-}" ]; then
	exec unshare --mount --net --propagation private \
		env SCMLB_TEST_UNSHARED=1 "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
export SCMLB_BUILD
SCMLB_BUILD=$(cd "${1:?usage: run.sh BUILD_DIR [BATS_FILE...]}" && pwd)
shift

mkdir -p /run/netns
mount -t tmpfs -o mode=0755 tmpfs /run/netns
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
ip link set lo up

if [ $# -eq 0 ]; then
	set -- "$here"/*.bats
fi
# a directory of its own for files the tests share with their namespaces,
# so that runs side by side do not remove each other's
TOPO_TMP=$(mktemp -d /tmp/scmlbt-run.XXXXXX)
export TOPO_TMP
rc=0
bats --tap "$@" || rc=$?
rm -rf "$TOPO_TMP"
exit "$rc"
