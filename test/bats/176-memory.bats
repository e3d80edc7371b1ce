#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scmlb-stat --memory: a row for every map of the instance (pinned, held by
# the programs, each service's table) with the sizes and the memlock the
# kernel reports, a total that is their sum, and conntrack's memory
# following --conntrack-size.

load helpers

setup_file() {
	lb_up skb
	# service 2: a maglev table of 65,537 slots behind its length
	scmlb svc set -v "$TOPO_VIP" -t tcp -P 7070 -S maglev >/dev/null
	scmlb lb set -s 2 -n echo3 -a "${TOPO_BACKENDS[2]}" >/dev/null
}

teardown_file() {
	lb_down
}

# row NAME: the JSON object of map NAME in scmlb-stat --memory --json
row() {
	scmlb stat --memory --json | jq -c --arg n "$1" '.[] | select(.name == $n)'
}

# bpftool_memlock NAME: what bpftool says the pinned map NAME takes
bpftool_memlock() {
	bpftool -j map show pinned "$SCMLB_PIN_DIR/$1" | jq .bytes_memlock
}

@test "memory: known maps with their type, sizes and bpftool's memlock" {
	local name
	run -0 row ct_flows
	[ "$(jq -r .type <<<"$output")" = lru_hash ]
	[ "$(jq .key_size <<<"$output")" -eq 16 ]
	[ "$(jq .max_entries <<<"$output")" -eq 262144 ]
	run -0 row ct6_flows
	[ "$(jq -r .type <<<"$output")" = lru_hash ]
	[ "$(jq .key_size <<<"$output")" -eq 40 ]
	[ "$(jq .max_entries <<<"$output")" -eq 262144 ]
	run -0 row lb_pair_tables
	[ "$(jq -r .type <<<"$output")" = array_of_maps ]
	[ "$(jq .max_entries <<<"$output")" -eq 4096 ]
	for name in ct_flows ct6_flows ct_replies lb_pair_tables lb_backends \
		    fw_rules dos_counts stat_pkts; do
		run -0 row "$name"
		[ "$(jq .memlock_bytes <<<"$output")" -eq "$(bpftool_memlock "$name")" ]
		[ "$(jq .memlock_bytes <<<"$output")" -gt 0 ]
	done
}

@test "memory: unpinned maps of the programs and every service's table are listed" {
	# the firewall's per-CPU cache is held by scmlb_main alone
	run -0 row fw_recent
	[ "$(jq -r .type <<<"$output")" = percpu_array ]
	[ "$(jq .max_entries <<<"$output")" -eq 64 ]
	[ ! -e "$SCMLB_PIN_DIR/fw_recent" ]
	# service 1: rr over 3 backends (length, then 3 ids, two to an
	# entry); 2: maglev, 65,538 four-byte slots, which the kernel keeps
	# in 32,769 eight-byte values: the ids and 5 % at most
	run -0 row 'lb_table[1]'
	[ "$(jq .max_entries <<<"$output")" -eq 2 ]
	[ "$(jq .value_size <<<"$output")" -eq 8 ]
	run -0 row 'lb_table[2]'
	[ "$(jq .max_entries <<<"$output")" -eq 32769 ]
	[ "$(jq .memlock_bytes <<<"$output")" -ge $((65538 * 4)) ]
	[ "$(jq .memlock_bytes <<<"$output")" -lt $((65538 * 4 * 105 / 100)) ]
	# every pinned map is a row, once
	run -0 scmlb stat --memory --json
	local pinned rows
	pinned=$(find "$SCMLB_PIN_DIR" -maxdepth 1 -type f ! -name 'prog_*' -printf '%f\n' | sort)
	rows=$(jq -r '.[].name' <<<"$output" | sort)
	[ -n "$pinned" ]
	[ "$(comm -23 <(echo "$pinned") <(echo "$rows"))" = "" ]
	[ "$(jq -r '.[].name' <<<"$output" | sort | uniq -d)" = "" ]
}

@test "memory: the total line is the sum of the rows, the same as --json's" {
	local text sum total json_sum
	text=$(scmlb stat --memory)
	[ "$(head -1 <<<"$text" | tr -s ' ')" = "NAME TYPE KEY VALUE MAX ENTRIES MEMLOCK" ]
	[ "$(tail -1 <<<"$text" | awk '{print $1}')" = total ]
	sum=$(sed '1d;$d' <<<"$text" | awk '{s += $NF} END {printf "%d", s}')
	total=$(tail -1 <<<"$text" | awk '{print $NF}')
	[ "$sum" -eq "$total" ]
	[ "$total" -gt 0 ]
	json_sum=$(scmlb stat --memory --json | jq '[.[].memlock_bytes] | add')
	[ "$json_sum" -eq "$total" ]
	# one text row per JSON object, plus the header and the total
	[ "$(wc -l <<<"$text")" -eq $(($(scmlb stat --memory --json | jq length) + 2)) ]
}

@test "memory: bad combinations are bad usage and print one line" {
	run -2 --separate-stderr scmlb stat --memory --interval 1
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "scmlb-stat: invalid option '--interval': "* ]]
	run -2 --separate-stderr scmlb stat --memory --prometheus
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "scmlb-stat: invalid option '--memory': "* ]]
}

# sized_memory SIZE: attach again with --conntrack-size SIZE; prints
# ct_flows's memlock and the total, once ct_flows holds SIZE entries
sized_memory() {
	local json
	scmlb detach >/dev/null
	scmlb attach -u up0 -v "$TOPO_VIP" -m skb --conntrack-size "$1" >/dev/null
	json=$(scmlb stat --memory --json)
	jq -e --argjson n "$1" '.[] | select(.name == "ct_flows") |
		.max_entries == $n' <<<"$json" >/dev/null
	jq -r '(.[] | select(.name == "ct_flows") | .memlock_bytes),
		([.[].memlock_bytes] | add)' <<<"$json" | paste -sd' '
}

# last: it attaches again without the backends
@test "memory: conntrack's memlock grows with --conntrack-size" {
	local small small_total big big_total
	run -0 sized_memory 1024
	read -r small small_total <<<"$output"
	run -0 sized_memory 65536
	read -r big big_total <<<"$output"
	# 64 times the entries: at least 32 times the memory, and the total
	# grows by at least what ct_flows did
	[ "$big" -gt $((32 * small)) ]
	[ "$((big_total - small_total))" -ge "$((big - small))" ]
	[ "$big" -eq "$(bpftool_memlock ct_flows)" ]
}
