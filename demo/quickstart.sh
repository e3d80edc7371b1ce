#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# quickstart.sh - the README's demo, after the original's quick start:
# install the dependencies, build, then balance curl requests from a client
# over three backends in network namespaces, add a second service with
# Maglev and weights, an IPv6 service, show the services, backends and
# flows, and tear everything down. Run as root on Debian 12.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "quickstart.sh: run as root: it loads XDP programs and makes namespaces" >&2
	exit 1
fi
echo "== installing dependencies and building"
test/install-deps.sh >/dev/null
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null

TOPO_PREFIX=scmlbdemo-
# shellcheck source=../test/lib/topology.sh
source test/lib/topology.sh
export SCMLB_PIN_DIR=/sys/fs/bpf/scmlb-demo
tools=$PWD/build/tools

# show and run a command on the load balancer host
lb() {
	echo "lb# scmlb $*"
	topo_exec lb "$tools/scmlb" "$@"
}

cleanup() {
	topo_exec lb "$tools/scmlb" detach >/dev/null 2>&1 || true
	topo_down
}
trap cleanup EXIT

echo "== topology: client 10.0.1.2 -> lb 10.0.1.1 (VIP $TOPO_VIP) -> backends ${TOPO_BACKENDS[*]}"
topo_up
topo_start_apps "$PWD/build/test/scmlb-testapp"

echo "== scmlb on the load balancer"
lb attach -u up0 -v "$TOPO_VIP"
for i in 1 2 3; do
	lb lb set -n "web$i" -a "${TOPO_BACKENDS[$((i - 1))]}" \
		-c "http://${TOPO_BACKENDS[$((i - 1))]}:8080/health"
done

echo "== requests from the client, answered by each backend in turn"
for i in 1 2 3 4 5 6; do
	printf 'client# curl http://%s:8080/who -> ' "$TOPO_VIP"
	topo_exec client curl -sS --max-time 3 "http://$TOPO_VIP:8080/who"
done
printf 'client# echo hello | socat - TCP:%s:7070 -> ' "$TOPO_VIP"
echo hello | topo_exec client timeout 3 socat - "TCP:$TOPO_VIP:7070"
printf 'client# echo hello | socat - UDP:%s:9090 -> ' "$TOPO_VIP"
echo hello | topo_exec client timeout 3 socat -t 1 - "UDP:$TOPO_VIP:9090"

echo "== drain web1: new requests avoid it"
lb lb drain -i 1
for i in 1 2 3 4; do
	printf 'client# curl http://%s:8080/who -> ' "$TOPO_VIP"
	topo_exec client curl -sS --max-time 3 "http://$TOPO_VIP:8080/who"
done
lb lb undrain -i 1

echo "== a second service: port 8080 of VIP 203.0.113.12, Maglev, weights 2:1"
VIP2=203.0.113.12
topo_exec lb ip addr add "$VIP2/32" dev lo
topo_exec client ip route add "$VIP2/32" via "$TOPO_LB_ADDR"
lb svc set -v "$VIP2" -t tcp -P 8080 -S maglev
lb lb set -s 2 -n blue1 -a 10.0.5.2 -w 2
lb lb set -s 2 -n blue2 -a 10.0.6.2
lb svc get
echo "== each client port is one flow; its hash picks the backend in the Maglev table"
for port in 41001 41002 41003 41004 41005 41006; do
	printf 'client# from port %s: curl http://%s:8080/who -> ' "$port" "$VIP2"
	topo_exec client curl -sS --max-time 3 --local-port "$port" "http://$VIP2:8080/who"
done
echo "== conntrack forgets every flow; the Maglev table still knows them"
lb lb conntrack flush

echo "== an IPv6 service: port 8080 of VIP 2001:db8:11::11 over two IPv6 backends"
VIP6=2001:db8:11::11
for ns in client lb backend2 backend3; do
	topo_exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
topo_exec client ip addr add 2001:db8:1::2/64 dev eth0 nodad
topo_exec lb ip addr add 2001:db8:1::1/64 dev up0 nodad
topo_exec lb ip addr add "$VIP6/128" dev lo
# bpf_fib_lookup() finds IPv6 next hops only on a forwarding host
topo_exec lb sysctl -qw net.ipv6.conf.all.forwarding=1
topo_exec client ip route add "$VIP6/128" via 2001:db8:1::1
for i in 2 3; do
	topo_exec lb ip addr add "2001:db8:$((i + 3))::1/64" dev "be$i" nodad
	topo_exec "backend$i" ip addr add "2001:db8:$((i + 3))::2/64" dev eth0 nodad
	topo_exec "backend$i" ip route add default via "2001:db8:$((i + 3))::1"
	# a second test app on the IPv6 address (the first listens on 0.0.0.0)
	topo_exec "backend$i" "$PWD/build/test/scmlb-testapp" \
		--bind "2001:db8:$((i + 3))::2" >/dev/null 2>&1 &
	topo_wait_port "backend$i" 8080 "2001:db8:$((i + 3))::2"
done
lb svc set -v "$VIP6" -t tcp -P 8080
lb lb set -s 3 -n green1 -a 2001:db8:5::2
lb lb set -s 3 -n green2 -a 2001:db8:6::2
for i in 1 2 3 4; do
	printf 'client# curl http://[%s]:8080/who -> ' "$VIP6"
	topo_exec client curl -sS --max-time 3 "http://[$VIP6]:8080/who"
done

echo "== state"
lb lb get
lb lb conntrack get

echo "== tearing down"
lb detach
