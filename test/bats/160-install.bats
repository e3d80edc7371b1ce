#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# A build configured with a temporary prefix installs under it and nowhere
# else; its systemd units, run by a real systemd (a user manager, in a mount
# namespace of its own), work on the instance /etc/default/scmlb names.

load helpers

SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# manager ARGS...: systemctl of the test's manager
manager() {
	XDG_RUNTIME_DIR=$T/xdg timeout 30 systemctl --user "$@"
}

# defaults LINE...: /etc/default/scmlb as the units see it; none without LINE
defaults() {
	if [ $# -eq 0 ]; then
		rm -f "$T/etc-default/scmlb"
	else
		printf '%s\n' "$@" >"$T/etc-default/scmlb"
	fi
}

# start UNIT: run a oneshot service to its end, as systemctl start does; its
# output goes to $T/UNIT.out, and $T/UNIT.ran says that its ExecStart ran
# and exited 0 (a drop-in's ExecStartPost: systemd forgets a oneshot
# service's run once it is over)
start() {
	: >"$T/$1.out"
	rm -f "$T/$1.ran"
	manager start "$1"
}

setup_file() {
	export T=$BATS_FILE_TMPDIR P=$BATS_FILE_TMPDIR/prefix UNITS_SKIP=
	local unit path

	meson setup "$T/build" "$SRC" --prefix "$P" >"$T/setup.log"
	# only what gets installed: the tools (the tests need not be built twice)
	ninja -C "$T/build" $(meson introspect --targets "$T/build" |
		jq -r --arg b "$T/build/" '.[] | select(.installed) | .filename[] | ltrimstr($b)') \
		>"$T/build.log"
	meson install -C "$T/build" --no-rebuild --destdir "$T/dest" >/dev/null
	grep -v '^#' "$T/build/meson-logs/install-log.txt" >"$T/destdir-log.txt"
	# into the prefix itself only when DESTDIR showed it stays there
	while read -r path; do
		[[ $path == "$T/dest$P/"* || "$T/dest$P/" == "$path/"* ]] || return 0
	done <"$T/destdir-log.txt"
	mkdir -p "$P"
	meson install -C "$T/build" --no-rebuild >/dev/null
	grep -v '^#' "$T/build/meson-logs/install-log.txt" >"$T/prefix-log.txt"

	lb_up native
	# the manager's private view: a /run that says systemd runs the host (with
	# the test's /run/netns in it) and its own /etc/default; as a system
	# manager, it passes the services no environment of its own; drop-ins catch
	# the services' output and put scmlb-health in the load balancer's netns
	mkdir -p "$T/xdg" "$T/netns" "$T/etc-default" "$T/units"
	chmod 700 "$T/xdg"
	cp -a /etc/default/. "$T/etc-default/"
	rm -f "$T/etc-default/scmlb"
	for unit in scmlb-gc.service scmlb-health.service scmlb-metrics.service \
		scmlb.service; do
		mkdir -p "$T/units/$unit.d"
		printf '[Service]\nStandardOutput=append:%s\nStandardError=append:%s\nExecStartPost=/bin/touch %s\n' \
			"$T/$unit.out" "$T/$unit.out" "$T/$unit.ran" >"$T/units/$unit.d/test.conf"
	done
	printf '[Service]\nNetworkNamespacePath=/run/netns/%s\n' "$(topo_ns lb)" \
		>"$T/units/scmlb-health.service.d/netns.conf"
	cp "$T/units/scmlb-health.service.d/netns.conf" "$T/units/scmlb.service.d/"
	mkdir -p "$T/textfile"
	for SYSTEMD in /usr/lib/systemd/systemd /lib/systemd/systemd; do
		[ -x "$SYSTEMD" ] && break
	done
	export SYSTEMD
	if [ ! -x "$SYSTEMD" ] || ! command -v systemctl >/dev/null; then
		UNITS_SKIP="no systemd to run the units"
		return 0
	fi
	manager_up
}

setup() {
	if [[ $BATS_TEST_DESCRIPTION == units:* && -n $UNITS_SKIP ]]; then
		skip "$UNITS_SKIP"
	fi
}

# A systemd user manager on the units installed in the prefix.
manager_up() {
	local i

	unshare --mount --propagation private bash -c '
		T=$0 systemd=$1 prefix=$2
		mount --rbind /run/netns "$T/netns" &&
		mount -t tmpfs -o mode=0755 tmpfs /run &&
		mkdir -p /run/netns /run/systemd/system &&
		mount --move "$T/netns" /run/netns &&
		mount --bind "$T/etc-default" /etc/default &&
		exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			XDG_RUNTIME_DIR="$T/xdg" \
			SYSTEMD_UNIT_PATH="$T/units:$prefix/lib/systemd/system:" \
			"$systemd" --user' "$T" "$SYSTEMD" "$P" >"$T/manager.log" 2>&1 &
	echo $! >"$T/manager.pid"
	for i in $(seq 100); do
		manager show -p Version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$T/manager.log" >&2
	return 1
}

teardown_file() {
	local pid

	if [ -s "$T/manager.pid" ]; then
		pid=$(cat "$T/manager.pid")
		kill "$pid" 2>/dev/null &&
			{ timeout 10 tail --pid="$pid" -f /dev/null || kill -9 "$pid"; }
	fi
	lb_down
}

@test "install: every file of an install with DESTDIR lies under the prefix" {
	# the install log names every file and directory meson wrote
	run -0 cat "$T/destdir-log.txt"
	[ "${#lines[@]}" -ge 40 ]
	bad=0
	for path in "${lines[@]}"; do
		path=${path#"$T/dest"}
		# the directories leading to the prefix, made under DESTDIR
		[[ "$P/" == "$path/"* && -d "$T/dest$path" ]] && continue
		[[ $path == "$P/"* ]] || { echo "outside the prefix: $path"; bad=1; }
	done
	[ "$bad" -eq 0 ]
	# and nothing under DESTDIR that the log does not name
	(cd "$T/dest" && find . -mindepth 1 | sed 's|^\.||' | sort) >"$T/found"
	sed "s|^$T/dest||" "$T/destdir-log.txt" | grep -v '^$' | sort >"$T/logged"
	diff "$T/logged" "$T/found"
	for f in sbin/scmlb sbin/scmlb-gc sbin/scmlb-health \
		lib/systemd/system/scmlb-gc.service lib/systemd/system/scmlb-gc.timer \
		lib/systemd/system/scmlb-health.service lib/systemd/system/scmlb-health.timer \
		lib/systemd/system/scmlb.service sbin/scmlb-save sbin/scmlb-restore \
		share/man/man8/scmlb-gc.8 share/bash-completion/completions/scmlb-gc; do
		[ -e "$T/dest$P/$f" ]
	done
}

@test "install: into the prefix itself, the same files and nothing else" {
	run -0 cat "$T/prefix-log.txt"
	[ "${#lines[@]}" -ge 40 ]
	for path in "${lines[@]}"; do
		[[ $path == "$P" || $path == "$P/"* ]] || { echo "outside: $path"; false; }
	done
	(cd "$P" && find . -mindepth 1 | sort) >"$T/prefix-files"
	(cd "$T/dest$P" && find . -mindepth 1 | sort) >"$T/destdir-files"
	diff "$T/destdir-files" "$T/prefix-files"
	run -0 "$P/sbin/scmlb" gc --version
	[[ $output == "scmlb-gc "* ]]
}

@test "install: the units run the prefix's tools, name no pin directory and pass systemd-analyze verify" {
	units=$P/lib/systemd/system
	grep -qx "ExecStart=$P/sbin/scmlb-gc --quiet --if-attached \$SCMLB_GC_ARGS" "$units/scmlb-gc.service"
	grep -qx "ExecStart=$P/sbin/scmlb-health --if-attached \$SCMLB_HEALTH_ARGS" "$units/scmlb-health.service"
	grep -qx "ExecStart=$P/sbin/scmlb-stat --prometheus --if-attached --output \${SCMLB_METRICS_DIR}/scmlb.prom" "$units/scmlb-metrics.service"
	for unit in scmlb-gc.service scmlb-health.service scmlb-metrics.service; do
		grep -qx 'EnvironmentFile=-/etc/default/scmlb' "$units/$unit"
	done
	run grep -l '/sys/fs/bpf\|^Condition' "$units"/*
	[ "$status" -eq 1 ]
	# the installed units as they are: their ExecStart paths exist now
	run -0 "$SRC/systemd/verify.sh" - "$units"/*
	[[ $output != *"not ok"* ]]
	# each unit twice, and each timer's service
	[ "$(grep -c '^ok' <<<"$output")" -eq 17 ]
}

@test "units: scmlb-gc.service works on the SCMLB_PIN_DIR of /etc/default/scmlb: an expired flow goes" {
	defaults "SCMLB_PIN_DIR=$SCMLB_PIN_DIR" 'SCMLB_GC_ARGS="--timeout udp=2s --json"'
	run -0 topo_exec client timeout 5 socat -t 1 - "UDP:$TOPO_VIP:9090" <<<"expire me"
	[ "$output" = "expire me" ]
	run -0 scmlb lb conntrack get --json
	[ "$(jq '[.[] | select(.dst_port == 9090)] | length' <<<"$output")" -eq 1 ]
	sleep 2.5
	start scmlb-gc.service
	[ -e "$T/scmlb-gc.service.ran" ]
	run -0 scmlb lb conntrack get --json
	[ "$(jq '[.[] | select(.dst_port == 9090)] | length' <<<"$output")" -eq 0 ]
	# it ran with the arguments of /etc/default/scmlb: --json, --timeout udp=2s
	[ "$(jq '.idle_removed' "$T/scmlb-gc.service.out")" -eq 1 ]
	# nothing to remove: --quiet from the unit, so nothing printed
	start scmlb-gc.service
	[ -e "$T/scmlb-gc.service.ran" ]
	[ ! -s "$T/scmlb-gc.service.out" ]
}

@test "units: not attached, the services end quietly with status 0 and create nothing" {
	absent=/sys/fs/bpf/scmlbt-absent
	for conf in "SCMLB_PIN_DIR=$absent" ""; do
		# with SCMLB_PIN_DIR naming no instance, then without the file at
		# all: the tools' default, /sys/fs/bpf/scmlb, which is not there
		if [ -n "$conf" ]; then defaults "$conf"; else defaults; fi
		for unit in scmlb-gc.service scmlb-health.service scmlb-metrics.service; do
			start "$unit"
			[ -e "$T/$unit.ran" ]
			[ ! -s "$T/$unit.out" ] || { echo "$unit: $(cat "$T/$unit.out")"; false; }
		done
		[ ! -e "$absent" ] && [ ! -e /sys/fs/bpf/scmlb ]
		[ -z "$(ls -A "$T/textfile")" ]
	done
	# anything else still fails the unit: a pin directory off the bpffs
	defaults "SCMLB_PIN_DIR=$T"
	run start scmlb-gc.service
	[ "$status" -ne 0 ]
	[ ! -e "$T/scmlb-gc.service.ran" ]
	[ "$(manager show -p Result --value scmlb-gc.service)" = exit-code ]
	[ "$(manager show -p ExecMainStatus --value scmlb-gc.service)" = 1 ]
	grep -q "^scmlb-gc: cannot use pin directory '$T': " "$T/scmlb-gc.service.out"
	manager reset-failed scmlb-gc.service
}

@test "units: scmlb-health.service takes a failing backend out of the instance of /etc/default/scmlb" {
	defaults "SCMLB_PIN_DIR=$SCMLB_PIN_DIR" 'SCMLB_HEALTH_ARGS="--fall 1 --json"'
	start scmlb-health.service
	[ -e "$T/scmlb-health.service.ran" ]
	[ "$(jq '.checked' "$T/scmlb-health.service.out")" -eq 3 ]
	touch "${TOPO_TMP}/${TOPO_PREFIX}health-2"
	run start scmlb-health.service
	rm "${TOPO_TMP}/${TOPO_PREFIX}health-2"
	[ "$status" -eq 0 ] && [ -e "$T/scmlb-health.service.ran" ]
	[ "$(jq -c '.backends[] | select(.id == 2) | [.health, .changed]' "$T/scmlb-health.service.out")" = '["unhealthy",true]' ]
	[ "$(scmlb lb get --json | jq -r '.[] | select(.id == 2) | .health')" = unhealthy ]
	run who_counts 6
	[[ $output != *10.0.5.2* ]]
	start scmlb-health.service
	[ "$(scmlb lb get --json | jq -r '.[] | select(.id == 2) | .health')" = healthy ]
}

@test "units: scmlb-gc.timer runs the pass every second" {
	defaults "SCMLB_PIN_DIR=$SCMLB_PIN_DIR" 'SCMLB_GC_ARGS="--timeout udp=1s"'
	: >"$T/scmlb-gc.service.out"
	manager start scmlb-gc.timer
	run -0 topo_exec client timeout 5 socat -t 1 - "UDP:$TOPO_VIP:9090" <<<"expire me"
	[ "$output" = "expire me" ]
	gone=
	for i in $(seq 50); do
		n=$(scmlb lb conntrack get --json | jq '[.[] | select(.dst_port == 9090)] | length')
		[ "$n" -eq 0 ] && { gone=$i; break; }
		sleep 0.2
	done
	manager stop scmlb-gc.timer
	echo "gone after $gone polls"
	[ -n "$gone" ]
	grep -Eq '^gc: .* [1-9][0-9]* idle removed' "$T/scmlb-gc.service.out"
}

@test "units: scmlb-metrics.timer writes the instance's metrics where /etc/default/scmlb says, every 15 s" {
	defaults "SCMLB_PIN_DIR=$SCMLB_PIN_DIR" "SCMLB_METRICS_DIR=$T/textfile"
	run who_counts 3
	start scmlb-metrics.service
	[ -e "$T/scmlb-metrics.service.ran" ]
	[ ! -s "$T/scmlb-metrics.service.out" ]
	[ "$(ls -A "$T/textfile")" = scmlb.prom ]
	grep -q '^scmlb_backend_up{service="1",backend="1",name="web1"} 1$' "$T/textfile/scmlb.prom"
	grep -q '^scmlb_backend_connections_total{service="1",backend="1",name="web1"} [1-9]' "$T/textfile/scmlb.prom"
	# the timer: 15 s after the service's last run, and 15 s after that
	rm "$T/textfile/scmlb.prom"
	manager start scmlb-metrics.timer
	for i in $(seq 100); do
		[ -e "$T/textfile/scmlb.prom" ] && break
		sleep 0.2
	done
	[ -e "$T/textfile/scmlb.prom" ]
	first=$(stat -c %Y "$T/textfile/scmlb.prom")
	again=
	for i in $(seq 100); do
		[ "$(stat -c %Y "$T/textfile/scmlb.prom")" -gt "$first" ] && { again=$i; break; }
		sleep 0.2
	done
	manager stop scmlb-metrics.timer
	echo "rewritten after about $((again / 5)) s"
	[ -n "$again" ]
	[ "$again" -ge 60 ]	# not before 12 s
	[ "$(ls -A "$T/textfile")" = scmlb.prom ]
}

@test "units: scmlb.service restores SCMLB_CONF on the instance of /etc/default/scmlb, reloads it keeping a connection, stops it" {
	scmlb save >"$T/scmlb.conf"
	scmlb detach >/dev/null
	defaults "SCMLB_PIN_DIR=$SCMLB_PIN_DIR" "SCMLB_CONF=$T/scmlb.conf"
	start scmlb.service
	[ -e "$T/scmlb.service.ran" ]
	grep -q "^restored '$T/scmlb.conf': 4 added, " "$T/scmlb.service.out"
	# oneshot, and active until stopped
	[ "$(manager show -p ActiveState --value scmlb.service)" = active ]
	run who_counts 6
	[ "$output" = $'10.0.4.2 2\n10.0.5.2 2\n10.0.6.2 2' ]
	conn_open 7070
	conn_echo one
	id=$(backend_of_port 7070)
	# the file loses another backend and gains a rule; reload applies it
	other=$(scmlb lb get --json | jq -r ".[] | select(.id != $id) | .name" | head -n 1)
	sed -i "/^lb set -n $other /d" "$T/scmlb.conf"
	echo "fw set -n 192.0.2.0/24" >>"$T/scmlb.conf"
	manager reload scmlb.service
	grep -q "^restored '$T/scmlb.conf': 1 added, 0 changed, 1 removed, " "$T/scmlb.service.out"
	conn_echo two
	[ "$(backend_of_port 7070)" = "$id" ]
	[ "$(scmlb lb get --json | jq length)" -eq 2 ]
	conn_close
	manager stop scmlb.service
	[ -z "$(xdp_progs)" ]
	[ ! -e "$SCMLB_PIN_DIR" ]
}
