#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# round.sh BUILD_DIR - one full round of the tools under valgrind: attach,
# svc/lb/fw/dos set-get-delete, stat, status, save, restore, gc, health,
# detach, scmlb-decap attach and detach. Each run must be free of memory
# errors and definite leaks. Prints TAP. Needs root and a build without
# sanitizers.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # skip the valgrind round needs root"
	exit 0
fi
if [ -z "${SCMLB_TEST_UNSHARED:-}" ]; then
	exec unshare --mount --net --propagation private \
		env SCMLB_TEST_UNSHARED=1 "$0" "$@"
fi

build=$(cd "${1:?usage: round.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /run/netns
mount -t tmpfs -o mode=0755 tmpfs /run/netns
mount -t bpf -o mode=0700 bpf /sys/fs/bpf
ip link set lo up

TOPO_PREFIX=scmlbv-
# shellcheck source=../lib/topology.sh
source "$here/../lib/topology.sh"
export SCMLB_PIN_DIR=/sys/fs/bpf/scmlbv
metrics=$(mktemp -d)
trap 'topo_down; rm -rf "$metrics"' EXIT
topo_up
topo_start_apps "$build/test/scmlb-testapp" || exit 1
conf=$(mktemp)
trap 'topo_down; rm -f "$conf"' EXIT
printf '%s\n' "attach -u up0 -v $TOPO_VIP -m skb" "fw set -t udp -d 53" \
	"dos set -p icmp -l 10" \
	"lb set -n web1 -a 10.0.4.2 -c http://10.0.4.2:8080/health" \
	"lb set -n web2 -a 10.0.5.2" "lb drain -i 2" >"$conf"

steps=(
	"attach -u up0 -v $TOPO_VIP -m skb"
	"lb set -n web1 -a 10.0.4.2 -c http://10.0.4.2:8080/health"
	"lb set -n web2 -a 10.0.5.2"
	"svc set -v 203.0.113.12 -t tcp -P 8080 -S maglev"
	"lb set -n web3 -a 10.0.6.2 -s 2 -w 3"
	"svc get --json"
	"lb get"
	"lb get --json"
	"lb edit -i 3 -n web3b -w 5 --no-healthcheck"
	"lb drain -i 2"
	"lb delete -i 2"
	"lb drain -i 3"
	"lb delete -i 3"
	"svc delete -i 2"
	"fw set -n 10.9.0.0/16 -t tcp -d 8000-9000"
	"fw set -n 10.9.1.0/24 -p udp"
	"fw get --json"
	"fw delete -i 1"
	"dos set -p tcp -t syn -l 50"
	"dos get"
	"stat --prometheus"
	"stat --prometheus --output $metrics/scmlb.prom"
	"dos delete -i 1"
	"lb conntrack get --json"
	"lb conntrack flush"
	"stat --json"
	"status"
	"status --json"
	"save"
	"restore --flush -f $conf"
	"gc"
	"gc --json"
	"health --timeout 500ms"
	"health --json --timeout 500ms"
	"attach -u up0 -v $TOPO_VIP"
	"detach"
	"gc --if-attached"
	"decap attach -i up0 -m skb"
	"decap detach -i up0"
)
echo "1..${#steps[@]}"
n=0
for step in "${steps[@]}"; do
	n=$((n + 1))
	tool=scmlb-${step%% *}
	args=${step#"${step%% *}"}
	log=$(mktemp)
	# the tool itself, not the front-end, so that valgrind sees its code
	# shellcheck disable=SC2086
	topo_exec lb valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --suppressions="$here/bpf.supp" \
		--log-file="$log" "$build/tools/$tool" $args >"$log.out" 2>&1
	status=$?
	if [ "$status" -eq 0 ]; then
		echo "ok $n - valgrind: scmlb $step"
	else
		echo "not ok $n - valgrind: scmlb $step (exit $status)"
		sed 's/^/# /' "$log.out" "$log"
	fi
	rm -f "$log.out"
	rm -f "$log"
done
