#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Per-backend counters, per-second rates with --interval, and bash completion.

load helpers

# The steady load of the rate tests: one UDP flow to the VIP's echo port.
RATE=200	# datagrams a second
PAYLOAD=100	# bytes of UDP payload each

setup_file() {
	lb_up native
}

teardown_file() {
	lb_down
}

# counter ID KEY [JSON]: a backend's counter, from JSON or a fresh lb get
counter() {
	jq ".[] | select(.id == $1) | .$2" <<<"${3:-$(scmlb lb get --json)}"
}

# near WANT GOT: GOT is within 20% of WANT
near() {
	if ! awk -v want="$1" -v got="$2" \
		'BEGIN { exit !(got >= want * 0.8 && got <= want * 1.2) }'; then
		echo "got $2, want $1 within 20%" >&2
		return 1
	fi
}

# udp_load SECONDS: RATE datagrams a second from one socket (one flow), on
# a fixed schedule, in the background; returns once they flow
udp_load() {
	local udp

	udp=$(scmlb stat --json | jq .udp)
	topo_exec client timeout 10 python3 - "$TOPO_VIP" "$RATE" "$PAYLOAD" "$1" <<-'EOF' &
		import socket, sys, time
		vip, rate, size, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		s.bind(("", 40000))
		s.connect((vip, 9090))
		start = time.monotonic()
		for n in range(int(secs * rate)):
		    time.sleep(max(0, start + n / rate - time.monotonic()))
		    s.send(b"x" * size)
	EOF
	LOAD_PID=$!
	for _ in $(seq 20); do
		[ "$(scmlb stat --json | jq .udp)" -lt $((udp + RATE / 10)) ] || break
		sleep 0.1
	done
	sleep 0.2
}

udp_load_wait() {
	wait "$LOAD_PID" || true
}

# completions WORD...: what bash completion offers for the command line
# WORD..., whose last word is being completed; one per line. It runs in the
# load balancer's namespace, the tools on PATH, with the script that
# `scmlb completion bash` prints.
completions() {
	PATH=$SCMLB_BUILD/tools:$PATH topo_exec lb bash -c '
		source <(scmlb completion bash) || exit 1
		fn=$(complete -p "${1##*/}" | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
		[ -n "$fn" ] || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		"$fn" "${1##*/}" "${!#}" "${COMP_WORDS[COMP_CWORD - 1]}"
		[ "${#COMPREPLY[@]}" -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	' bash "$@"
}

# offers WORD...: what completions offers, sorted, on one line
offers() {
	completions "$@" | LC_ALL=C sort | xargs
}

# sorted WORD...: the words sorted, on one line
sorted() {
	printf '%s\n' "$@" | LC_ALL=C sort | xargs
}

@test "counters: 30 requests round robin count 10 connections and their packets on each backend" {
	before=$(scmlb lb get --json)
	run who_counts 30
	[ "$output" = $'10.0.4.2 10\n10.0.5.2 10\n10.0.6.2 10' ]
	after=$(scmlb lb get --json)
	# the request and the answer's first line, as payload of the exchange
	req=$(printf 'GET /who HTTP/1.1\r\nHost: %s:8080\r\n\r\n' "$TOPO_VIP" | wc -c)
	ans=$(printf 'HTTP/1.1 200 \r\n\r\n10.0.4.2' | wc -c)
	for id in 1 2 3; do
		conns=$(($(counter $id conns "$after") - $(counter $id conns "$before")))
		pin=$(($(counter $id pkts_in "$after") - $(counter $id pkts_in "$before")))
		pout=$(($(counter $id pkts_out "$after") - $(counter $id pkts_out "$before")))
		bin=$(($(counter $id bytes_in "$after") - $(counter $id bytes_in "$before")))
		bout=$(($(counter $id bytes_out "$after") - $(counter $id bytes_out "$before")))
		echo "backend $id: conns $conns pkts $pin/$pout bytes $bin/$bout"
		[ "$conns" -eq 10 ]
		# each exchange: SYN, ACK, request, FIN in; SYN-ACK, answer out
		[ "$pin" -ge 40 ] && [ "$pin" -le 100 ]
		[ "$pout" -ge 20 ] && [ "$pout" -le 100 ]
		# IP bytes: at least 40 bytes of headers a packet, plus the payloads
		[ "$bin" -ge $((pin * 40 + 10 * req)) ] && [ "$bin" -le $((pin * 100 + 10 * 400)) ]
		[ "$bout" -ge $((pout * 40 + 10 * ans)) ] && [ "$bout" -le $((pout * 100 + 10 * 400)) ]
	done
}

@test "counters: UDP echo of known sizes counts its datagrams and IP bytes on the one backend" {
	# only backend 1 takes the new flow
	scmlb lb drain -i 2
	scmlb lb drain -i 3
	before=$(scmlb lb get --json)
	topo_exec client timeout 10 bash -c '
		exec 3<>"/dev/udp/$0/9090"
		small=$(printf "%0100d" 0) big=$(printf "%01000d" 0)
		for i in $(seq 20); do
			printf "%s" "$small" >&3
			printf "%s" "$big" >&3
		done
		sleep 1' "$TOPO_VIP"
	after=$(scmlb lb get --json)
	scmlb lb undrain -i 2
	scmlb lb undrain -i 3
	# 40 datagrams, one flow: 20 x (20 + 8 + 100) + 20 x (20 + 8 + 1000) IP bytes
	[ $(($(counter 1 conns "$after") - $(counter 1 conns "$before"))) -eq 1 ]
	[ $(($(counter 1 pkts_in "$after") - $(counter 1 pkts_in "$before"))) -eq 40 ]
	[ $(($(counter 1 bytes_in "$after") - $(counter 1 bytes_in "$before"))) -eq 23120 ]
	# and every datagram echoed back
	[ $(($(counter 1 pkts_out "$after") - $(counter 1 pkts_out "$before"))) -eq 40 ]
	[ $(($(counter 1 bytes_out "$after") - $(counter 1 bytes_out "$before"))) -eq 23120 ]
	for id in 2 3; do
		[ "$(counter $id pkts_in "$after")" = "$(counter $id pkts_in "$before")" ]
	done
}

@test "counters: lb get has the columns after STATUS and HEALTH, --json the keys as numbers" {
	run -0 scmlb lb get
	[[ ${lines[0]} =~ STATUS\ +HEALTH\ +CONNS\ +PKTS-IN\ +PKTS-OUT\ +BYTES-IN\ +BYTES-OUT\ +SERVICE\ +WEIGHT$ ]]
	[[ ${lines[1]} =~ \ Available\ +unknown\ +[1-9][0-9]*\ +[0-9]+\ +[0-9]+\ +[0-9]+\ +[0-9]+\ +1\ +1$ ]]
	[ "${#lines[@]}" -eq 4 ]
	run -0 scmlb lb get --json
	jq -e 'type == "array" and length == 3' <<<"$output"
	jq -e 'all(.[]; [.conns, .pkts_in, .pkts_out, .bytes_in, .bytes_out] |
		all(type == "number" and . > 0))' <<<"$output"
	jq -e '.[0] | keys_unsorted | .[-10:] ==
		["status", "health", "conns", "pkts_in", "pkts_out", "bytes_in",
		 "bytes_out", "service", "weight", "port"]' <<<"$output"
}

@test "rates: stat --interval 1 --count 2 prints two lines of the rates of a steady load" {
	udp_load 4
	run -0 --separate-stderr scmlb stat --interval 1 --count 2
	udp_load_wait
	printf '%s\n' "${lines[@]}"
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} =~ ^\ +ICMP\ +TCP\ +UDP\ +OTHER\ +PASSED\ +FW\ DROPPED\ +DOS\ DROPPED\ +FORWARDED\ +RETURNED\ +NO\ BACKEND\ +TX\ ERRORS\ +SYN\ BUDGET\ +STATELESS\ +UNROUTED\ +TOO\ BIG\ +SYN-ACKS\ +COOKIES\ OK\ +COOKIES\ BAD\ +BE\ HANDSHAKES$ ]]
	for line in "${lines[@]:1}"; do
		read -r _ tcp udp _ _ fw dos fwd ret _ <<<"$line"
		near "$RATE" "$udp"
		near "$RATE" "$fwd"
		near "$RATE" "$ret"
		[ "${tcp%.*}" -lt 10 ] && [ "${fw%.*}" = 0 ] && [ "${dos%.*}" = 0 ]
	done

	udp_load 4
	run -0 --separate-stderr scmlb stat --json --interval 1 --count 2
	udp_load_wait
	printf '%s\n' "${lines[@]}"
	[ "${#lines[@]}" -eq 2 ]
	for line in "${lines[@]}"; do
		jq -e 'type == "object" and (.udp | type) == "number"' <<<"$line"
		near "$RATE" "$(jq .udp <<<"$line")"
		near "$RATE" "$(jq .forwarded <<<"$line")"
	done
}

@test "rates: lb get --interval 1 --count 2 --json prints two objects with the flow's rates" {
	udp_load 4
	run -0 --separate-stderr scmlb lb get --interval 1 --count 2 --json
	udp_load_wait
	printf '%s\n' "${lines[@]}"
	[ "${#lines[@]}" -eq 2 ]
	for line in "${lines[@]}"; do
		jq -e 'type == "object" and (.backends | length) == 3' <<<"$line"
		# one flow: one backend carries it all, at the rate it was sent
		near "$RATE" "$(jq '[.backends[].pkts_in] | add' <<<"$line")"
		near "$RATE" "$(jq '[.backends[].pkts_in] | max' <<<"$line")"
		near "$RATE" "$(jq '[.backends[].pkts_out] | max' <<<"$line")"
		near $((RATE * (20 + 8 + PAYLOAD))) "$(jq '[.backends[].bytes_in] | max' <<<"$line")"
		[ "$(jq '[.backends[].conns] | add' <<<"$line")" = 0 ]
	done
}

@test "rates: Ctrl-C ends stat --interval and lb get --interval cleanly" {
	for cmd in stat "lb get"; do
		out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
		: >"$out"
		# SIGINT as from a terminal: not ignored, as a script's background jobs have it
		# shellcheck disable=SC2086
		env --default-signal=INT nsenter --net="/run/netns/$(topo_ns lb)" \
			"$SCMLB_BUILD/tools/scmlb" $cmd --interval 1 >"$out" 2>"$err" &
		pid=$!
		for _ in $(seq 30); do
			[ "$(wc -l <"$out")" -lt 2 ] || break
			sleep 0.1
		done
		kill -INT "$pid"
		for _ in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid"
			echo "$cmd --interval 1 still runs after SIGINT" >&2
			return 1
		fi
		rc=0
		wait "$pid" || rc=$?
		cat "$out" "$err"
		[ "$rc" -eq 0 ]
		[ ! -s "$err" ]
		[ "$(wc -l <"$out")" -ge 2 ]
	done
}

@test "completion: scmlb completion bash prints the script meson installs for every tool" {
	run -0 --separate-stderr scmlb completion bash
	bash -n <<<"$output"
	dest=$BATS_TEST_TMPDIR/dest
	meson install -C "$SCMLB_BUILD" --no-rebuild --quiet --destdir "$dest" >/dev/null
	dir=$(find "$dest" -path '*/bash-completion/completions' -type d)
	[ -n "$dir" ]
	for name in scmlb scmlb-attach scmlb-detach scmlb-svc scmlb-lb scmlb-fw \
		scmlb-dos scmlb-stat scmlb-status scmlb-gc scmlb-health scmlb-save \
		scmlb-restore scmlb-decap; do
		[ "$(cat "$dir/$name")" = "$output" ]
	done
	run -2 --separate-stderr scmlb completion zsh
	[ -z "$output" ] && [ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "scmlb: unsupported shell 'zsh': "* ]]
	run -2 --separate-stderr scmlb completion
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "completion: commands, options and their fixed values" {
	[ "$(offers scmlb-lb d)" = "delete drain" ]
	[ "$(offers scmlb lb '')" = "conntrack delete drain edit get set undrain" ]
	[ "$(offers scmlb-lb conntrack '')" = "flush get" ]
	[ "$(offers scmlb '')" = \
		"attach completion decap detach dos dos-protection fw gc health lb restore save stat status svc" ]
	[ "$(offers scmlb decap '')" = "attach detach" ]
	[ "$(offers scmlb-decap attach -)" = \
		"--help --interface --mode --verbose --version -h -i -m" ]
	[ "$(offers scmlb decap detach -i up0 -)" = "--help --verbose --version -h" ]
	[ "$(offers scmlb-decap -)" = "--help --verbose --version -h" ]
	[ "$(offers scmlb-decap attach -m '')" = "native skb" ]
	[[ " $(offers scmlb decap attach -i '') " == *" up0 "* ]]
	[ "$(offers scmlb status -)" = \
		"--help --json --pin-dir --verbose --version -h" ]
	[ "$(offers scmlb svc '')" = "delete get set" ]
	[ "$(offers scmlb-svc set -S '')" = "maglev rr wrr" ]
	[ "$(offers scmlb svc set --protocol '')" = "any tcp udp" ]
	[[ $(completions scmlb-lb set -n web9 --) == *--weight* ]]
	[ "$(completions scmlb completion '')" = $'bash\n-h\n--help' ]
	[ "$(offers scmlb-attach -m '')" = "native skb" ]
	[ "$(completions scmlb-attach --mode=s)" = "--mode=skb" ]
	[[ $(completions scmlb-attach -u '') == *up0* ]]
	# lo is no upstream: attach refuses it
	run -0 completions scmlb-attach -u ''
	[ "${#lines[@]}" -ge 4 ]
	for w in "${lines[@]}"; do
		[ "$w" != lo ]
	done
	[ -z "$(completions scmlb attach --upstream l)" ]
	[ "$(offers scmlb-fw set -t '')" = "any icmp tcp udp" ]
	[ "$(offers scmlb fw set -p '')" = "any icmp tcp udp" ]
	[ "$(offers scmlb-fw set -n 10.0.0.0/8 -p tcp -)" = \
		"--dst-port --help --pin-dir --src-port --verbose --version -d -h -s" ]
	[ "$(offers scmlb dos set -p '')" = "icmp tcp udp" ]
	[ "$(offers scmlb-dos set -t '')" = "ack cwr ece fin psh rst syn urg" ]
	[ "$(offers scmlb dos set -p tcp -t syn --)" = \
		"--block-time --global --help --limit --pin-dir --prefix-len --verbose --version" ]
	[ "$(offers scmlb-dos set -p udp --prefix-len '')" = "128 48 56 64" ]
	[ "$(offers scmlb-dos set -p udp -b '')" = "0 10m 1h 1m 30s" ]
	[ "$(offers scmlb dos set --block-time=1)" = \
		"--block-time=10m --block-time=1h --block-time=1m" ]
	[ "$(offers scmlb-lb get --)" = \
		"--count --help --interval --json --pin-dir --verbose --version" ]
	[ "$(completions scmlb stat --c)" = --count ]
	[ "$(offers scmlb-lb drain -)" = \
		"--help --id --pin-dir --verbose --version -h -i" ]
	[ "$(offers scmlb restore --f)" = "--file --flush" ]
	[ "$(offers scmlb-save --)" = "--help --pin-dir --verbose --version" ]
	# no --json where nothing is printed, no option twice
	[[ $(completions scmlb-lb set -n web9 --) != *--json* ]]
	[[ $(completions scmlb-lb set -n web9 --) != *--name* ]]
	[ "$(offers scmlb-lb edit -i 1 --)" = \
		"--healthcheck --help --name --no-healthcheck --pin-dir --verbose --version --weight" ]
	[ "$(offers scmlb lb edit -i 1 -c x --n)" = "--name --no-healthcheck" ]
}

@test "completion: ids of the backends, rules and policies that exist" {
	scmlb lb drain -i 3
	scmlb lb delete -i 3
	[ "$(scmlb lb set -n web3 -a 10.0.6.2)" = 4 ]
	scmlb lb drain -i 2
	r1=$(scmlb fw set -t udp -d 1-2)
	r2=$(scmlb fw set -t tcp -d 3-4)
	r3=$(scmlb fw set -t tcp -d 5-6)
	scmlb fw delete -i "$r2"
	p1=$(scmlb dos set -p icmp -l 100000)
	p2=$(scmlb dos set -p udp -l 100000)

	[ "$(offers scmlb-lb drain -i '')" = "1 2 4" ]
	[ "$(offers scmlb lb undrain --id '')" = "1 2 4" ]
	[ "$(offers scmlb-lb edit -w 2 -i '')" = "1 2 4" ]
	# the drained backend first: delete takes only drained ones
	run -0 completions scmlb-lb delete -i ''
	[ "${lines[0]}" = 2 ] && [ "$(sorted "${lines[@]}")" = "1 2 4" ]
	[ "$(completions scmlb-lb delete --id=2)" = --id=2 ]
	[ "$(offers scmlb-fw delete -i '')" = "$(sorted "$r1" "$r3")" ]
	[ "$(offers scmlb dos-protection delete -i '')" = "$(sorted "$p1" "$p2")" ]
	[ "$(offers scmlb-dos delete -i '')" = "$(sorted "$p1" "$p2")" ]
	[ "$(offers scmlb-svc delete -i '')" = 1 ]
	[ "$(offers scmlb-lb set -s '')" = 1 ]
	[ "$(offers scmlb lb set -n x --service '')" = 1 ]
	# ids are not offered where no id is asked for
	[ -z "$(completions scmlb-lb set -n '')" ]
	# --pin-dir on the command line wins over SCMLB_PIN_DIR
	pin=$SCMLB_PIN_DIR
	[ "$(SCMLB_PIN_DIR=/sys/fs/bpf/nosuch offers scmlb-lb drain -i '')" = "" ]
	[ "$(SCMLB_PIN_DIR=/sys/fs/bpf/nosuch offers scmlb-lb --pin-dir "$pin" drain -i '')" = "1 2 4" ]
	[ "$(SCMLB_PIN_DIR=/sys/fs/bpf/nosuch offers scmlb fw delete --pin-dir="$pin" -i '')" = \
		"$(sorted "$r1" "$r3")" ]

	scmlb fw delete -i "$r1"
	scmlb fw delete -i "$r3"
	scmlb dos delete -i "$p1"
	scmlb dos delete -i "$p2"
	scmlb lb undrain -i 2
}
