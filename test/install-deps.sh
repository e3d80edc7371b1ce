#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# install-deps.sh - the Debian 12 packages scmlb builds, runs and tests with
set -eu

packages="
	bats bird2 bpftool ca-certificates clang curl ethtool gcc groff
	haproxy hping3 iproute2 iputils-ping jq libbpf-dev
	libcurl4-openssl-dev libmnl-dev libxdp-dev linux-perf llvm meson
	ninja-build nftables pkg-config procps prometheus-node-exporter python3
	python3-prometheus-client socat systemd util-linux valgrind wrk
	xdp-tools
"

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (apt-get needs it)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $packages
