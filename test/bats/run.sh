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
# a /tmp of its own: runs side by side do not share test files
mount -t tmpfs -o mode=1777 tmpfs /tmp
ip link set lo up

if [ $# -eq 0 ]; then
	set -- "$here"/*.bats
fi
exec bats --tap "$@"
