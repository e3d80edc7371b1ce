#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb-stat --prometheus with real traffic: the exposition parses with the
# Prometheus client library, its values match the tools', scmlb-metrics's
# command writes it atomically, and a real node_exporter serves it.

load helpers

# Debian's python3-prometheus-client is for the system's python.
PY=/usr/bin/python3
NODE_EXPORTER=prometheus-node-exporter
NE_PORT=19100

setup_file() {
	lb_up native
	# a second service: label values of more than one service
	scmlb svc set -v "$TOPO_VIP" -t tcp -P 7070 >/dev/null
	scmlb lb set -s 2 -n echo3 -a "${TOPO_BACKENDS[2]}" -w 3 >/dev/null
}

teardown_file() {
	lb_down
}

teardown() {
	if [ -n "${NE_PID:-}" ]; then
		kill "$NE_PID" 2>/dev/null || true
		wait "$NE_PID" 2>/dev/null || true
	fi
}

# prom_json FILE: the exposition in FILE, checked and parsed by the
# Prometheus client library; prints {"SAMPLE": [{"labels": {}, "value": N}]}
# (labels with empty values left out, as Prometheus does), or fails
# naming each problem
prom_json() {
	"$PY" - "$1" <<-'EOF'
		import json, re, sys
		from prometheus_client.parser import text_string_to_metric_families

		text = open(sys.argv[1]).read()
		bad = []
		helps = re.findall(r"^# HELP (\S+) \S", text, re.M)
		types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
		if not text.endswith("\n"):
		    bad.append("no final newline")
		if sorted(helps) != sorted(types) or len(set(helps)) != len(helps):
		    bad.append("HELP and TYPE lines do not pair up")
		for name, typ in types.items():
		    if not re.fullmatch(r"scmlb_[a-z0-9_]+", name):
		        bad.append(f"family {name}: not scmlb_ and snake case")
		    if typ not in ("counter", "gauge"):
		        bad.append(f"family {name}: type {typ}")
		    if (typ == "counter") != name.endswith("_total"):
		        bad.append(f"family {name}: a {typ} (counters and only they end in _total)")
		for line in text.splitlines():
		    if line and not line.startswith("#"):
		        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
		        if name not in types:
		            bad.append(f"sample {name} of no family")
		out = {}
		for fam in text_string_to_metric_families(text):
		    if fam.type not in ("counter", "gauge") or not fam.documentation:
		        bad.append(f"family {fam.name}: type {fam.type}, help '{fam.documentation}'")
		    for s in fam.samples:
		        for label in s.labels:
		            if not re.fullmatch(r"[a-z][a-z0-9_]*", label):
		                bad.append(f"{s.name}: label {label} not snake case")
		        v = int(s.value) if s.value == int(s.value) else s.value
		        out.setdefault(s.name, []).append(
		            {"labels": {k: v for k, v in s.labels.items() if v}, "value": v})
		for samples in out.values():
		    samples.sort(key=lambda s: json.dumps(s["labels"], sort_keys=True))
		if bad:
		    print("\n".join(bad), file=sys.stderr)
		    sys.exit(1)
		json.dump(out, sys.stdout, sort_keys=True)
	EOF
}

# metrics: scmlb-stat --prometheus, checked and parsed (prom_json)
metrics() {
	scmlb stat --prometheus >"$BATS_TEST_TMPDIR/stat.prom" &&
		prom_json "$BATS_TEST_TMPDIR/stat.prom"
}

# sample JSON NAME [JQ-CONDITION]: the value of NAME's sample whose labels
# meet the condition (e.g. '.protocol == "tcp"'); exactly one must
sample() {
	local v
	v=$(jq -r --arg n "$2" "[.[\$n][]? | select(.labels | ${3:-true}) | .value] |
		if length == 1 then .[0] else \"\(length) samples\" end" <<<"$1")
	if ! [[ $v =~ ^[0-9]+$ ]]; then
		echo "$2 {${3:-}}: $v" >&2
		return 1
	fi
	echo "$v"
}

# quiet: wait (bounded) until the backends' counters stop moving
quiet() {
	local a b n
	a=$(scmlb lb get --json)
	for n in $(seq 20); do
		sleep 0.3
		b=$(scmlb lb get --json)
		[ "$a" = "$b" ] && return 0
		a=$b
	done
	echo "the backends' counters kept moving" >&2
	return 1
}

# Some traffic of each kind: HTTP round robin, a TCP echo to service 2,
# UDP echoes, a ping to the VIP.
traffic() {
	run who_counts 9
	[ "$output" = $'10.0.4.2 3\n10.0.5.2 3\n10.0.6.2 3' ]
	conn_open 7070
	conn_echo "to service 2"
	conn_close
	topo_exec client timeout 5 bash -c '
		exec 3<>"/dev/udp/$0/9090"
		for i in 1 2 3 4 5; do
			printf "datagram %s" "$i" >&3
			IFS= read -r -t 2 -N 10 reply <&3 || exit 1
		done' "$TOPO_VIP"
	topo_exec client ping -c 2 -i 0.2 -W 2 "$TOPO_VIP" >/dev/null
}

@test "metrics: the exposition parses with the Prometheus client library; packets per protocol and outcome match scmlb-stat" {
	traffic
	quiet
	json=$(metrics)
	stat=$(scmlb stat --json)
	[ "$(sample "$json" scmlb_info)" -eq 1 ]
	version=$(scmlb_tool scmlb-stat --version | awk '{print $2}')
	jq -e --arg v "$version" '.scmlb_info[0].labels == {version: $v, layout: "4.8"}' <<<"$json"
	# every protocol, every outcome
	[ "$(jq '.scmlb_packets_total | length' <<<"$json")" -eq 36 ]
	[ "$(jq '.scmlb_received_packets_total | length' <<<"$json")" -eq 4 ]
	# nothing but IPv6 chatter reaches the upstream unasked: the others
	# add up to scmlb-stat's totals exactly
	for p in icmp tcp udp; do
		[ "$(sample "$json" scmlb_received_packets_total ".protocol == \"$p\"")" -eq "$(jq ".$p" <<<"$stat")" ]
	done
	for r in fw_dropped dos_dropped forwarded returned nodest_dropped tx_errors \
		syn_budget_dropped too_big; do
		sum=$(jq --arg r "$r" '[.scmlb_packets_total[] | select(.labels.result == $r) | .value] | add' <<<"$json")
		[ "$sum" -eq "$(jq ".$r" <<<"$stat")" ]
	done
	# IPv6's part: series of their own, as scmlb-stat's "ipv6" object;
	# no IPv6 packet was balanced here
	[ "$(jq '.scmlb_ipv6_packets_total | length' <<<"$json")" -eq 36 ]
	jq -e '.ipv6 | keys == (del(.ipv6) | keys)' <<<"$stat"
	for p in icmp tcp udp other; do
		[ "$(sample "$json" scmlb_ipv6_received_packets_total ".protocol == \"$p\"")" -eq "$(jq ".ipv6.$p" <<<"$stat")" ]
	done
	[ "$(jq '[.scmlb_ipv6_packets_total[] | select(.labels.result == "forwarded") | .value] | add' <<<"$json")" -eq 0 ]
	# and per protocol: what was sent
	[ "$(sample "$json" scmlb_packets_total '.protocol == "icmp" and .result == "passed"')" -ge 2 ]
	[ "$(sample "$json" scmlb_packets_total '.protocol == "icmp" and .result == "forwarded"')" -eq 0 ]
	[ "$(sample "$json" scmlb_packets_total '.protocol == "udp" and .result == "forwarded"')" -ge 5 ]
	[ "$(sample "$json" scmlb_packets_total '.protocol == "udp" and .result == "returned"')" -ge 5 ]
	# 9 HTTP exchanges and an echo: at least 4 packets in and 2 out each
	[ "$(sample "$json" scmlb_packets_total '.protocol == "tcp" and .result == "forwarded"')" -ge 40 ]
	[ "$(sample "$json" scmlb_packets_total '.protocol == "tcp" and .result == "returned"')" -ge 20 ]
	[ "$(sample "$json" scmlb_packets_total '.protocol == "tcp" and .result == "passed"')" -eq 0 ]
	# services
	[ "$(sample "$json" scmlb_service_info '.service == "2"')" -eq 1 ]
	jq -e '.scmlb_service_info[] | select(.labels.service == "2") | .labels ==
		{service: "2", vip: "203.0.113.11", protocol: "tcp", port: "7070",
		 scheduler: "rr", forward: "nat"}' <<<"$json"
	[ "$(sample "$json" scmlb_service_backends '.service == "1"')" -eq 3 ]
	[ "$(sample "$json" scmlb_service_backends '.service == "2"')" -eq 1 ]
	[ "$(sample "$json" scmlb_service_backends_up '.service == "1"')" -eq 3 ]
	size=$(bpftool -j map dump pinned "$SCMLB_PIN_DIR/lb_config" |
		jq '.[0].formatted.value.conntrack_size')
	[ "$size" -gt 0 ]
	[ "$(sample "$json" scmlb_conntrack_size)" -eq "$size" ]
}

@test "metrics: per-backend values match scmlb-lb get --json, drained and unhealthy backends included" {
	traffic
	scmlb lb drain -i 2
	touch "${TOPO_TMP}/${TOPO_PREFIX}health-3"	# web3 answers 503
	scmlb health --fall 1 >/dev/null
	quiet
	json=$(metrics)
	lb=$(scmlb lb get --json)
	[ "$(jq length <<<"$lb")" -eq 4 ]
	[ "$(jq '.scmlb_backend_up | length' <<<"$json")" -eq 4 ]
	for id in $(jq '.[].id' <<<"$lb"); do
		be=$(jq -c ".[] | select(.id == $id)" <<<"$lb")
		sel=".backend == \"$id\" and .service == \"$(jq .service <<<"$be")\" and .name == $(jq .name <<<"$be")"
		echo "backend $id: $be"
		[ "$(sample "$json" scmlb_backend_connections_total "$sel")" -eq "$(jq .conns <<<"$be")" ]
		[ "$(sample "$json" scmlb_backend_incoming_packets_total "$sel")" -eq "$(jq .pkts_in <<<"$be")" ]
		[ "$(sample "$json" scmlb_backend_outgoing_packets_total "$sel")" -eq "$(jq .pkts_out <<<"$be")" ]
		[ "$(sample "$json" scmlb_backend_incoming_bytes_total "$sel")" -eq "$(jq .bytes_in <<<"$be")" ]
		[ "$(sample "$json" scmlb_backend_outgoing_bytes_total "$sel")" -eq "$(jq .bytes_out <<<"$be")" ]
		[ "$(sample "$json" scmlb_backend_weight "$sel")" -eq "$(jq .weight <<<"$be")" ]
		[ "$(sample "$json" scmlb_backend_info "$sel and .address == $(jq .address <<<"$be") and .port == \"$(jq .port <<<"$be")\"")" -eq 1 ]
		drained=$(jq '.status == "Unavailable" | if . then 1 else 0 end' <<<"$be")
		[ "$(sample "$json" scmlb_backend_drained "$sel")" -eq "$drained" ]
		up=$(jq '.status == "Available" and .health != "unhealthy" | if . then 1 else 0 end' <<<"$be")
		[ "$(sample "$json" scmlb_backend_up "$sel")" -eq "$up" ]
		for h in unknown healthy unhealthy; do
			want=$(jq --arg h "$h" '.health == $h | if . then 1 else 0 end' <<<"$be")
			[ "$(sample "$json" scmlb_backend_health "$sel and .health == \"$h\"")" -eq "$want" ]
		done
		# the traffic above reached every backend
		[ "$(jq .conns <<<"$be")" -ge 1 ]
	done
	# web2 drained, web3 unhealthy: only web1 takes connections in service 1
	[ "$(sample "$json" scmlb_backend_up '.name == "web1"')" -eq 1 ]
	[ "$(sample "$json" scmlb_backend_up '.name == "web2"')" -eq 0 ]
	[ "$(sample "$json" scmlb_backend_up '.name == "web3"')" -eq 0 ]
	[ "$(sample "$json" scmlb_service_backends_up '.service == "1"')" -eq 1 ]
	[ "$(sample "$json" scmlb_backend_weight '.name == "echo3"')" -eq 3 ]
	rm -f "${TOPO_TMP}/${TOPO_PREFIX}health-3"
	scmlb health >/dev/null
	scmlb lb undrain -i 2
}

@test "metrics: conntrack entries by state and flows per backend match scmlb-lb conntrack get" {
	scmlb lb conntrack flush >/dev/null
	run who_counts 3
	conn_open 7070
	conn_echo "held open"
	topo_exec client timeout 5 bash -c 'exec 3<>"/dev/udp/$0/9090"; printf x >&3
		IFS= read -r -t 2 -N 1 reply <&3' "$TOPO_VIP"
	json=$(metrics)
	ct=$(scmlb lb conntrack get --json)
	conn_close
	[ "$(jq length <<<"$ct")" -ge 5 ]
	for s in opening established closing closed udp; do
		[ "$(sample "$json" scmlb_conntrack_entries ".state == \"$s\"")" -eq \
		  "$(jq --arg s "$s" '[.[] | select(.status == $s)] | length' <<<"$ct")" ]
	done
	[ "$(sample "$json" scmlb_conntrack_entries '.state == "established"')" -ge 1 ]
	[ "$(sample "$json" scmlb_conntrack_entries '.state == "udp"')" -eq 1 ]
	for id in $(scmlb lb get --json | jq '.[].id'); do
		[ "$(sample "$json" scmlb_backend_flows ".backend == \"$id\"")" -eq \
		  "$(jq "[.[] | select(.backend_id == $id)] | length" <<<"$ct")" ]
	done
	# the echo connection is service 2's only backend's
	[ "$(sample "$json" scmlb_backend_flows '.name == "echo3"')" -eq 1 ]
}

@test "metrics: firewall drops per rule, and DoS drops per policy from DoS protection and from its rules" {
	run -0 scmlb fw set -n "$TOPO_CLIENT_ADDR/32" -t udp -d 9999
	rule=$output
	topo_exec client timeout 5 bash -c 'exec 3<>"/dev/udp/$0/9999"
		for i in $(seq 20); do printf x >&3; done' "$TOPO_VIP"
	run -0 scmlb dos set -p udp -l 50
	policy=$output
	dos0=$(scmlb stat --json | jq .dos_dropped)
	# 1000 datagrams per second for 2 s from one source: DoS protection
	# drops all but 50 of them
	topo_exec client timeout 2 hping3 --udp -s 40500 -k -p 9090 -i u1000 -q \
		"$TOPO_VIP" >/dev/null 2>&1 || true
	run -0 scmlb gc
	# now its rule drops the source's UDP, and counts for the policy too
	topo_exec client timeout 1 hping3 --udp -s 40501 -k -p 9090 -i u1000 -q \
		"$TOPO_VIP" >/dev/null 2>&1 || true
	json=$(metrics)
	fw=$(scmlb fw get --json)
	dos=$(scmlb dos get --json)
	[ "$(sample "$json" scmlb_firewall_dropped_packets_total ".rule == \"$rule\"")" -eq 20 ]
	jq -e --arg r "$rule" --arg n "$TOPO_CLIENT_ADDR/32" \
		'.scmlb_firewall_dropped_packets_total[] | select(.labels.rule == $r) |
		 .labels == {rule: $r, network: $n, protocol: "udp"}' <<<"$json"
	[ "$(jq ".[] | select(.id == $rule) | .dropped" <<<"$fw")" -eq 20 ]
	# the policy's rule is not among the firewall's series, but counted
	dos_rule=$(jq '.[0].rules[0]' <<<"$dos")
	[ "$(jq length <<<"$fw")" -eq 2 ]
	[ "$(sample "$json" scmlb_firewall_rules)" -eq 2 ]
	[ "$(jq '.scmlb_firewall_dropped_packets_total | length' <<<"$json")" -eq 1 ]
	[ "$(sample "$json" scmlb_dos_policy_rules ".policy == \"$policy\" and .protocol == \"udp\"")" -eq 1 ]
	by_stage=$(($(scmlb stat --json | jq .dos_dropped) - dos0))
	by_rule=$(jq ".[] | select(.id == $dos_rule) | .dropped" <<<"$fw")
	echo "DoS protection dropped $by_stage, the policy's rule $by_rule"
	[ "$by_stage" -ge 1000 ]
	[ "$by_rule" -ge 300 ]
	[ "$(sample "$json" scmlb_dos_dropped_packets_total ".policy == \"$policy\"")" -eq $((by_stage + by_rule)) ]
	[ "$(sample "$json" scmlb_packets_total '.protocol == "udp" and .result == "dos_dropped"')" -ge "$by_stage" ]
	# a new policy starts from 0
	scmlb dos delete -i "$policy"
	run -0 scmlb dos set -p udp -l 50
	json=$(metrics)
	[ "$(sample "$json" scmlb_dos_dropped_packets_total ".policy == \"$output\"")" -eq 0 ]
	scmlb dos delete -i "$output"
	scmlb fw delete -i "$rule"
}

# unit_cmd UNIT: UNIT's ExecStart as systemd runs it with the environment
# of this shell: its ${VAR}s expanded, the built tool for the installed one
unit_cmd() {
	local cmd name
	cmd=$(sed -n 's/^ExecStart=//p' "$1")
	while [[ $cmd =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
		name=${BASH_REMATCH[1]}
		cmd=${cmd//"\${$name}"/${!name}}
	done
	echo "$SCMLB_BUILD/tools/${cmd#*/sbin/}"
}

# metrics_unit ENVFILE: run scmlb-metrics.service's command in the load
# balancer's namespace as systemd would, with ENVFILE as its
# EnvironmentFile: the unit's Environment= first, the file over it, and
# nothing else of ours (no SCMLB_PIN_DIR but the file's)
metrics_unit() {
	local unit=$SCMLB_BUILD/systemd/scmlb-metrics.service
	[ "$(sed -n 's/^EnvironmentFile=-//p' "$unit")" = /etc/default/scmlb ]
	(
		unset SCMLB_PIN_DIR SCMLB_METRICS_DIR
		set -a
		eval "$(sed -n 's/^Environment=//p' "$unit")"
		# shellcheck disable=SC1090
		source "$1"
		set +a
		# shellcheck disable=SC2046
		topo_exec lb $(unit_cmd "$unit")
	)
}

@test "metrics: scmlb-metrics.service's command writes node_exporter's directory by default, and where /etc/default/scmlb says" {
	# the default directory, on a tmpfs of this test's own
	default=/var/lib/prometheus/node-exporter
	[ -d "$default" ] # from prometheus-node-exporter (test/install-deps.sh)
	mount -t tmpfs tmpfs "$default"
	echo "SCMLB_PIN_DIR=$SCMLB_PIN_DIR" >"$BATS_TEST_TMPDIR/default"
	run metrics_unit "$BATS_TEST_TMPDIR/default"
	files=$(ls -A "$default")
	cp "$default/scmlb.prom" "$BATS_TEST_TMPDIR/default.prom" || true
	umount "$default"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$files" = scmlb.prom ]
	prom_json "$BATS_TEST_TMPDIR/default.prom" | jq -e '.scmlb_backend_up | length == 4'
	# another directory and another pin directory from the file
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	printf 'SCMLB_METRICS_DIR=%s\nSCMLB_PIN_DIR=%s\n' "$dir" /sys/fs/bpf/scmlbt-none \
		>"$BATS_TEST_TMPDIR/default"
	# not attached there: --if-attached makes it a quiet no-op
	run -0 metrics_unit "$BATS_TEST_TMPDIR/default"
	[ -z "$output" ]
	[ -z "$(ls -A "$dir")" ]
	[ ! -e /sys/fs/bpf/scmlbt-none ]
	printf 'SCMLB_METRICS_DIR=%s\nSCMLB_PIN_DIR=%s\n' "$dir" "$SCMLB_PIN_DIR" \
		>"$BATS_TEST_TMPDIR/default"
	run -0 metrics_unit "$BATS_TEST_TMPDIR/default"
	[ "$(ls -A "$dir")" = scmlb.prom ]
	[ "$(stat -c %a "$dir/scmlb.prom")" = 644 ]
	prom_json "$dir/scmlb.prom" | jq -e '.scmlb_backend_up | length == 4'
}

@test "metrics: a real node_exporter serves the scmlb_ series of the timer's file over HTTP" {
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	printf 'SCMLB_METRICS_DIR=%s\nSCMLB_PIN_DIR=%s\n' "$dir" "$SCMLB_PIN_DIR" \
		>"$BATS_TEST_TMPDIR/default"
	run who_counts 3
	run -0 metrics_unit "$BATS_TEST_TMPDIR/default"
	topo_exec lb "$NODE_EXPORTER" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$dir" \
		--web.listen-address="127.0.0.1:$NE_PORT" \
		>"$BATS_TEST_TMPDIR/node_exporter.log" 2>&1 &
	NE_PID=$!
	topo_wait_port lb "$NE_PORT" 127.0.0.1 || {
		cat "$BATS_TEST_TMPDIR/node_exporter.log" >&2
		false
	}
	topo_exec lb curl -sS --max-time 5 "http://127.0.0.1:$NE_PORT/metrics" \
		>"$BATS_TEST_TMPDIR/http.txt"
	grep -qx 'node_textfile_scrape_error 0' "$BATS_TEST_TMPDIR/http.txt"
	# the scmlb_ families, with their HELP, TYPE and every sample, as in
	# the file
	grep -E '^(# (HELP|TYPE) )?scmlb_' "$BATS_TEST_TMPDIR/http.txt" >"$BATS_TEST_TMPDIR/served.prom"
	served=$(prom_json "$BATS_TEST_TMPDIR/served.prom")
	written=$(prom_json "$dir/scmlb.prom")
	[ "$(jq -S . <<<"$served")" = "$(jq -S . <<<"$written")" ]
	[ "$(sample "$served" scmlb_backend_up '.name == "web1"')" -eq 1 ]
	[ "$(sample "$served" scmlb_backend_connections_total '.name == "web1"')" -ge 1 ]
	# a new file is what the next scrape serves
	run who_counts 3
	run -0 metrics_unit "$BATS_TEST_TMPDIR/default"
	topo_exec lb curl -sS --max-time 5 "http://127.0.0.1:$NE_PORT/metrics" |
		grep -E '^(# (HELP|TYPE) )?scmlb_' >"$BATS_TEST_TMPDIR/served.prom"
	served=$(prom_json "$BATS_TEST_TMPDIR/served.prom")
	[ "$(jq -S . <<<"$served")" = "$(prom_json "$dir/scmlb.prom" | jq -S .)" ]
	[ "$(sample "$served" scmlb_backend_connections_total '.name == "web1"')" -gt \
	  "$(sample "$written" scmlb_backend_connections_total '.name == "web1"')" ]
}

# watch_file FILE PID: read FILE over and over while PID runs (at most
# 20 s); prints how many reads were whole and how many were not (a file
# is whole when it holds scmlb_info's HELP first and the last family's
# TYPE, and ends with a line feed)
watch_file() {
	local whole=0 cut=0 text end=$((SECONDS + 20))
	while kill -0 "$2" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		[ -e "$1" ] || continue
		text=$(cat "$1"; echo .)
		if [[ $text == "# HELP scmlb_info "* &&
		      $text == *$'\n# TYPE scmlb_dos_policy_rules gauge\n'* &&
		      $text == *$'\n.' ]]; then
			whole=$((whole + 1))
		else
			cut=$((cut + 1))
		fi
	done
	echo "$whole $cut"
}

@test "metrics: --output replaces the file atomically: a reader never sees part of one" {
	dir=$BATS_TEST_TMPDIR/atomic
	mkdir "$dir"
	scmlb stat --prometheus --output "$dir/scmlb.prom"
	# 100 writes, read all the while
	topo_exec lb bash -c 'for i in $(seq 100); do
		"$0" --prometheus --output "$1" || exit 1; done' \
		"$SCMLB_BUILD/tools/scmlb-stat" "$dir/scmlb.prom" &
	writer=$!
	read -r whole cut < <(watch_file "$dir/scmlb.prom" "$writer")
	wait "$writer"
	echo "atomic: $whole whole reads, $cut cut"
	[ "$cut" -eq 0 ]
	[ "$whole" -ge 20 ]
	# nothing else left beside it
	[ "$(ls -A "$dir")" = scmlb.prom ]
	# the check sees a cut file: a plain redirect, watched the same way,
	# is caught empty or half written
	topo_exec lb bash -c 'for i in $(seq 100); do
		"$0" --prometheus >"$1" || exit 1; done' \
		"$SCMLB_BUILD/tools/scmlb-stat" "$dir/plain.prom" &
	writer=$!
	read -r whole cut < <(watch_file "$dir/plain.prom" "$writer")
	wait "$writer"
	echo "plain redirect: $whole whole reads, $cut cut"
	[ "$cut" -ge 1 ]
}

@test "metrics: bad usage exits 2, a failed write exits 1; neither leaves a file" {
	dir=$BATS_TEST_TMPDIR/bad
	mkdir "$dir"
	expect_fail 2 scmlb-stat --output "$dir/scmlb.prom"
	expect_fail 2 scmlb-stat --prometheus --interval 1
	expect_fail 2 scmlb-stat --prometheus --json
	expect_fail 2 scmlb-stat --prometheus --output "$dir/"
	expect_fail 2 scmlb-stat --prometheus --output ''
	expect_fail 1 scmlb-stat --prometheus --output "$dir/missing/scmlb.prom"
	[ "$stderr" = "scmlb-stat: cannot write the metrics to '$dir/missing/scmlb.prom': No such file or directory" ]
	[ -z "$(ls -A "$dir")" ]
	# a failed read leaves the last good file as it was
	scmlb stat --prometheus --output "$dir/scmlb.prom"
	before=$(cat "$dir/scmlb.prom")
	run -1 --separate-stderr scmlb stat --prometheus --output "$dir/scmlb.prom" \
		--pin-dir /sys/fs/bpf/scmlbt-none
	[ "$(cat "$dir/scmlb.prom")" = "$before" ]
	[ "$(ls -A "$dir")" = scmlb.prom ]
}

@test "metrics: bash completion offers --prometheus and files for --output" {
	run -0 topo_exec lb bash -c '
		source <("$0/scmlb" completion bash) || exit 1
		COMP_WORDS=(scmlb-stat --pr); COMP_CWORD=1
		_scmlb scmlb-stat --pr scmlb-stat
		echo "${COMPREPLY[*]}"
		cd "$1" && touch scmlb.prom
		COMP_WORDS=(scmlb-stat --prometheus --output scm); COMP_CWORD=3
		_scmlb scmlb-stat scm --output
		echo "${COMPREPLY[*]}"' "$SCMLB_BUILD/tools" "$BATS_TEST_TMPDIR"
	[ "${lines[0]}" = --prometheus ]
	[ "${lines[1]}" = scmlb.prom ]
}
