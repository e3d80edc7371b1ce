#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# verify.sh TOOLS_DIR UNIT... - check the units with systemd-analyze verify,
# their Exec* lines pointed at the tools in TOOLS_DIR (the installed path
# need not exist yet; with TOOLS_DIR "-", as they are), and that they name
# no pin directory: the instance is the tools' default or SCMLB_PIN_DIR
# from /etc/default/scmlb, and a timer's service is a quiet no-op until
# something is attached (--if-attached). Prints TAP.
set -u

tools=$1
shift
[ "$tools" = - ] || tools=$(cd "$tools" && pwd)
timers=0
for unit in "$@"; do
	[[ $unit == *.timer ]] && timers=$((timers + 1))
done
echo "1..$(($# * 2 + timers))"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for unit in "$@"; do
	if [ "$tools" = - ]; then
		cp "$unit" "$dir/"
	else
		sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/|\1$tools/|" "$unit" >"$dir/$(basename "$unit")"
	fi
done

# check N NAME WHY: TAP line N for NAME, ok when WHY is empty
check() {
	if [ -z "$3" ]; then
		echo "ok $1 - $2"
	else
		echo "not ok $1 - $2"
		printf '# %s\n' "$3"
	fi
}

n=0
for unit in "$@"; do
	name=$(basename "$unit")
	n=$((n + 1))
	if ! command -v systemd-analyze >/dev/null; then
		echo "ok $n - $name: systemd-analyze verify # skip no systemd-analyze"
	else
		out=$(cd "$dir" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$dir/$name" 2>&1) ||
			out=${out:-systemd-analyze verify failed}
		check "$n" "$name: systemd-analyze verify" "$out"
	fi

	n=$((n + 1))
	why=
	if grep -q '/sys/fs/bpf\|^Condition' "$unit"; then
		why="names a pin directory or has a condition"
	elif [[ $name == *.service ]]; then
		grep -qx 'EnvironmentFile=-/etc/default/scmlb' "$unit" ||
			why="no EnvironmentFile=-/etc/default/scmlb"
		# a timer runs its service before anything is attached, too
		if printf '%s\n' "$@" | grep -q "/${name%.service}\.timer\$"; then
			grep -q '^ExecStart=/[^ ]*/scmlb-[a-z]* .*--if-attached' "$unit" ||
				why="${why:+$why; }ExecStart is not an absolute scmlb tool with --if-attached"
		else
			grep -q '^ExecStart=/[^ ]*/scmlb-[a-z]* ' "$unit" ||
				why="${why:+$why; }ExecStart is not an absolute scmlb tool"
		fi
	fi
	check "$n" "$name: no pin directory; SCMLB_PIN_DIR from /etc/default/scmlb" "$why"
done

# verify does not look for the unit a timer triggers: each must be here
for unit in "$@"; do
	[[ $unit == *.timer ]] || continue
	n=$((n + 1))
	name=$(basename "$unit")
	target=$(sed -n 's/^Unit=//p' "$unit")
	target=${target:-${name%.timer}.service}
	why=
	[ -e "$dir/$target" ] || why="$target is not among the units"
	check "$n" "$name: triggers $target" "$why"
done
