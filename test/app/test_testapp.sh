#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_testapp.sh - checks scmlb-testapp end to end on loopback (TAP output)
#
# Usage: test_testapp.sh path/to/scmlb-testapp
set -eu

APP=${1:?usage: $0 path/to/scmlb-testapp}
ADDR=127.0.0.1
HTTP=18080 ECHO=17070 UDP=19090		# instance with --name
HTTP2=28080 ECHO2=27070 UDP2=29090	# instance without
NAME=backend-a
N=15

tmp=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

need=()
command -v curl >/dev/null || need+=(curl)
command -v socat >/dev/null || need+=(socat)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" \
		>/dev/null
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ $# -lt 2 ] || echo "# $2"
}
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# Compare an observed value with the expected one, showing both on failure.
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected '$3', got '$2'"
	fi
}

# Waits until the HTTP port answers, so checks never race the startup.
wait_up() {
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://$ADDR:$1/health" && return 0
		sleep 0.1
	done
	echo "Bail out! testapp did not start on port $1"
	exit 1
}

status() { curl -s -o /dev/null -w '%{http_code}' "http://$ADDR:$HTTP$1"; }

echo "1..$N"

"$APP" --bind $ADDR --http-port $HTTP --echo-port $ECHO --udp-port $UDP \
	--name $NAME --health-file "$tmp/unhealthy" 2>"$tmp/app.err" &
pids+=($!)
app=$!
"$APP" --bind $ADDR --http-port $HTTP2 --echo-port $ECHO2 --udp-port $UDP2 &
pids+=($!)
wait_up $HTTP
wait_up $HTTP2

check_eq "/who answers the --name value" \
	"$(curl -s "http://$ADDR:$HTTP/who")" "$NAME"
check_eq "/who defaults to the local address" \
	"$(curl -s "http://$ADDR:$HTTP2/who")" "$ADDR"
check_eq "/health is 200" "$(status /health)" 200
touch "$tmp/unhealthy"
check_eq "/health is 503 while the health file exists" \
	"$(status /health)" 503
rm "$tmp/unhealthy"
check_eq "/health is 200 again once it is removed" "$(status /health)" 200
check_eq "unknown path is 404" "$(status /nope)" 404

curl -sv "http://$ADDR:$HTTP/who" "http://$ADDR:$HTTP/health" \
	>/dev/null 2>"$tmp/curl.log"
check "keep-alive: second request reuses the connection" \
	grep -Eqi 're-?using existing.*connection' "$tmp/curl.log"

# Pipelined requests, one with a body to skip, the last one HTTP/1.0.
printf 'GET /who HTTP/1.1\r\nHost: x\r\n\r\nPOST /who HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /health HTTP/1.0\r\n\r\n' |
	socat -t2 - TCP:$ADDR:$HTTP >"$tmp/pipe.out"
check_eq "pipelined requests get one response each" \
	"$(grep -c '^HTTP/1.1 ' "$tmp/pipe.out")" 3

# A request split across writes must be reassembled.
{ printf 'GET /who HT'; sleep 0.2; printf 'TP/1.0\r\n\r\n'; } |
	socat -t2 - TCP:$ADDR:$HTTP >"$tmp/split.out"
check_eq "request split across reads is answered" \
	"$(tail -n1 "$tmp/split.out")" "$NAME"

{ printf 'GET /who HTTP/1.1\r\nX-Big: '; head -c 9000 /dev/zero | tr '\0' a; } |
	socat -t2 - TCP:$ADDR:$HTTP >"$tmp/big.out"
check_eq "headers over 8 KiB are rejected with 400" \
	"$(head -n1 "$tmp/big.out" | tr -d '\r')" "HTTP/1.1 400 Bad Request"

head -c 102400 /dev/urandom >"$tmp/echo.in"
socat -t5 - TCP:$ADDR:$ECHO <"$tmp/echo.in" >"$tmp/echo.out"
check_eq "TCP echo returns 100 KB unchanged" \
	"$(sha256sum <"$tmp/echo.out")" "$(sha256sum <"$tmp/echo.in")"

check_eq "UDP echo returns the datagram" \
	"$(echo "ping $$" | socat -t1 - UDP:$ADDR:$UDP)" "ping $$"

wrk -t2 -c200 -d3s "http://$ADDR:$HTTP/who" >"$tmp/wrk.out" 2>&1 || true
rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
# wrk prints these lines only when something went wrong.
if [ -n "$rps" ] && ! grep -Eq 'Socket errors|Non-2xx' "$tmp/wrk.out"; then
	ok "wrk -t2 -c200 -d3s: $rps requests/s, no errors"
else
	not_ok "wrk -t2 -c200 -d3s without errors" \
		"$(tr '\n' ' ' <"$tmp/wrk.out")"
fi

rc=0
"$APP" --bind $ADDR --http-port $HTTP 2>"$tmp/dup.err" || rc=$?
check_eq "busy port: one error line and exit 1" \
	"$rc $(cat "$tmp/dup.err")" \
	"1 scmlb-testapp: cannot bind $ADDR:$HTTP: Address already in use"

kill -TERM $app
rc=0
wait $app || rc=$?
check_eq "SIGTERM exits cleanly" "$rc" 0

[ "$n" -eq "$N" ] || echo "# planned $N tests, ran $n"
[ "$failed" -eq 0 ] && [ "$n" -eq "$N" ]
