# SPDX-License-Identifier: GPL-2.0
# scmlb.bash - bash completion for scmlb and the scmlb-* tools.
# Installed once per command name; `scmlb completion bash` prints it too.
# Needs only bash: ids come from the tools' own `get --json`, one object
# per line, read with sed (no jq).

# _scmlb_verbs TOOL: the commands of TOOL, none for the tools without any
_scmlb_verbs() {
	case $1 in
	lb) echo "set get edit drain undrain delete conntrack" ;;
	svc | fw | dos) echo "set get delete" ;;
	decap) echo "attach detach" ;;
	esac
}

# _scmlb_opts TOOL [VERB]: VERB's options ("-s|--long", "=" when it takes a
# value), then the common ones; without VERB, those of every command.
_scmlb_opts() {
	local tool=$1 verb=${2-*}

	case $tool/$verb in
	attach/*) echo "-u|--upstream= -v|--vip= -m|--mode= --conntrack-size=" ;;
	detach/*) echo "--keep-maps" ;;
	stat/*) echo "--interval= --count= --json --prometheus --memory --output= --if-attached" ;;
	status/*) echo "--json" ;;
	gc/*) echo "-t|--gc-time= --timeout= -q|--quiet --json --if-attached" ;;
	health/*) echo "--timeout= --fall= --json --if-attached" ;;
	restore/*) echo "-f|--file= --flush --check" ;;
	decap/attach | decap/\*) echo "-i|--interface= -m|--mode=" ;;
	decap/detach) echo "-i|--interface=" ;;
	esac
	case $tool/$verb in
	lb/set | lb/\*) echo "-n|--name= -a|--address= -c|--healthcheck= -s|--service= -w|--weight= -p|--port=" ;;&
	lb/edit) echo "-n|--name= -c|--healthcheck= -w|--weight=" ;;&
	lb/edit | lb/\*) echo "--no-healthcheck" ;;&
	svc/set | svc/\*) echo "-v|--vip= -t|--protocol= -P|--port= -S|--scheduler= --forward= --syn-proxy" ;;&
	lb/get | lb/\*) echo "--interval= --count=" ;;&
	fw/set | fw/\*) echo "-n|--network= -t|-p|--protocol= -s|--src-port= -d|--dst-port=" ;;&
	dos/set | dos/\*) echo "-p|--protocol= -t|--type= --global -l|--limit= -b|--block-time= --prefix-len=" ;;&
	lb/edit | lb/drain | lb/undrain | lb/delete | svc/delete | fw/delete | \
	dos/delete | lb/\* | svc/\* | fw/\* | dos/\*)
		echo "-i|--id=" ;;&
	*/get | */"conntrack get" | lb/\* | svc/\* | fw/\* | dos/\*) echo "--json" ;;
	esac
	_scmlb_common "$tool"
}

# _scmlb_common TOOL: the options every command of TOOL takes; scmlb-decap
# uses no pins, so takes no --pin-dir
_scmlb_common() {
	[ "$1" = decap ] || echo "--pin-dir="
	echo "--verbose -h|--help --version"
}

# _scmlb_takes_value TOOL WORD: whether WORD is an option of TOOL with a value
_scmlb_takes_value() {
	local spec

	[[ $2 == -* ]] || return 1
	for spec in $(_scmlb_opts "$1"); do
		[[ $spec == *= ]] || continue
		spec=${spec%=}
		[[ "|$spec|" == *"|$2|"* ]] && return 0
	done
	return 1
}

# _scmlb_reply WORDS...: the words that start with $cur
_scmlb_reply() {
	mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

# _scmlb_ids RUN... -- TOOL VERB: ids of the live objects, from `get --json`
# (run as RUN, which is the tool or the front-end with its command word);
# for lb, the backends a verb is most likely meant for come first.
_scmlb_ids() {
	local run=() json first rest

	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		run+=("$1")
		shift
	done
	shift
	[ -n "$pin_dir" ] && run+=(--pin-dir "$pin_dir")
	# a tool waits for the lock: never hang the shell on it
	if command -v timeout >/dev/null; then
		json=$(timeout 3 "${run[@]}" get --json 2>/dev/null)
	else
		json=$("${run[@]}" get --json 2>/dev/null)
	fi
	case $1/$2 in
	lb/undrain | lb/delete)
		first='/"status": "Unavailable"/!d'
		rest='/"status": "Unavailable"/d' ;;
	lb/drain)
		first='/"status": "Unavailable"/d'
		rest='/"status": "Unavailable"/!d' ;;
	*)
		first=
		rest='/^$/d' ;;
	esac
	{
		[ -z "$first" ] || sed -e "$first" <<<"$json"
		sed -e "$rest" <<<"$json"
	} | sed -n 's/^{"id": \([0-9][0-9]*\),.*/\1/p'
}

# _scmlb_value TOOL VERB OPTION: complete the value of OPTION in $cur
_scmlb_value() {
	local tool=$1 verb=$2 nets

	case $tool/$3 in
	*/--pin-dir)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	restore/-f | restore/--file | stat/--output)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	attach/-u | attach/--upstream | decap/-i | decap/--interface)
		# ip sees the namespace entered with nsenter, /sys only its own;
		# lo carries no traffic to balance (nor IPIP), and attach refuses it
		mapfile -t nets < <(ip -o link show 2>/dev/null |
			sed -n 's/^[0-9]*: \([^:@ ]*\).*/\1/p')
		[ "${#nets[@]}" -gt 0 ] || nets=(/sys/class/net/*)
		mapfile -t COMPREPLY < <(compgen -W "${nets[*]##*/}" -X lo -- "$cur") ;;
	attach/-m | attach/--mode | decap/-m | decap/--mode)
		_scmlb_reply native skb ;;
	fw/-t | fw/-p | fw/--protocol) _scmlb_reply any icmp tcp udp ;;
	svc/-t | svc/--protocol) _scmlb_reply tcp udp any ;;
	svc/-S | svc/--scheduler) _scmlb_reply rr wrr maglev ;;
	svc/--forward) _scmlb_reply nat dr ipip ;;
	lb/-s | lb/--service)
		# the services' ids, from scmlb-svc beside scmlb-lb (or scmlb svc)
		if [ "${run[0]##*/}" = scmlb ]; then
			_scmlb_reply "$(_scmlb_ids "${run[0]}" svc -- svc set)"
		else
			_scmlb_reply "$(_scmlb_ids "${run[0]%-lb}-svc" -- svc set)"
		fi ;;
	dos/-p | dos/--protocol) _scmlb_reply tcp udp icmp ;;
	dos/-t | dos/--type) _scmlb_reply syn ack fin rst psh urg ece cwr ;;
	dos/-b | dos/--block-time) _scmlb_reply 0 30s 1m 10m 1h ;;
	dos/--prefix-len) _scmlb_reply 128 64 56 48 ;;
	lb/-i | lb/--id | svc/-i | svc/--id | fw/-i | fw/--id | dos/-i | dos/--id)
		case $tool/$verb in
		lb/edit | lb/drain | lb/undrain | lb/delete | svc/delete | fw/delete | \
		dos/delete)
			_scmlb_reply "$(_scmlb_ids "${run[@]}" -- "$tool" "$verb")"
			compopt -o nosort 2>/dev/null ;;
		esac ;;
	esac
}

# _scmlb_tool TOOL FIRST: complete the words of TOOL's command line, which
# start at COMP_WORDS[FIRST]; run=() is how to run the tool.
_scmlb_tool() {
	local tool=$1 i w opt prefix='' verb='' words=() verbs spec opts=() pin_dir=''

	for ((i = $2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--pin-dir=*) pin_dir=${w#*=} ;;
		--*=*) ;;
		-*)
			_scmlb_takes_value "$tool" "$w" || continue
			# "--opt = value" when = breaks words
			[ "${COMP_WORDS[i + 1]}" = = ] && i=$((i + 1))
			i=$((i + 1))
			[ "$w" = --pin-dir ] && pin_dir=${COMP_WORDS[i]}
			;;
		*) words+=("$w") ;;
		esac
	done
	[[ $pin_dir == \~/* ]] && pin_dir=$HOME/${pin_dir#\~/}
	verb=${words[0]}
	[ "$verb" = conntrack ] && [ -n "${words[1]}" ] && verb="conntrack ${words[1]}"
	verbs=$(_scmlb_verbs "$tool")

	# the value of an option: "-i ", "--id=" or "--id = "
	opt=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$opt" = = ] && [ "$COMP_CWORD" -gt "$(($2 + 1))" ]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [ "$cur" = = ] && [[ $opt == --* ]]; then
		cur=
	elif [[ $cur == --*=* ]]; then
		# "--id=1" is one word when = does not break words
		opt=${cur%%=*}
		prefix=$opt=
		cur=${cur#*=}
	fi
	if { [ "$COMP_CWORD" -gt "$2" ] || [ -n "$prefix" ]; } &&
	   _scmlb_takes_value "$tool" "$opt"; then
		_scmlb_value "$tool" "$verb" "$opt"
		[ -z "$prefix" ] || COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
		return 0
	fi

	if [ -n "$verbs" ] && [ "$verb" = conntrack ]; then
		_scmlb_reply get flush
	elif [ -n "$verbs" ] && [ -z "$verb" ] && [[ $cur != -* ]]; then
		_scmlb_reply "$verbs"
	elif [ -z "$verbs" ] || [ -n "$verb" ] || [[ $cur == -* ]]; then
		# the options not given yet, short and long
		for spec in $(_scmlb_opts "$tool" ${verb:+"$verb"}); do
			spec=${spec%=}
			for w in "${COMP_WORDS[@]:$2:COMP_CWORD-$2}"; do
				[[ "|$spec|" == *"|${w%%=*}|"* ]] && continue 2
			done
			opts+=("${spec//|/ }")
		done
		if [ -z "$verb" ] && [ -n "$verbs" ]; then
			opts=()
			for spec in $(_scmlb_common "$tool"); do
				spec=${spec%=}
				opts+=("${spec//|/ }")
			done
		fi
		_scmlb_reply "${opts[@]}"
	fi
	return 0
}

# _scmlb: the completion function of scmlb and of every scmlb-* tool
_scmlb() {
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[0]} tool run=()

	COMPREPLY=()
	[[ $cmd == \~/* ]] && cmd=$HOME/${cmd#\~/}
	case ${cmd##*/} in
	scmlb-*)
		tool=${cmd##*/}
		tool=${tool#scmlb-}
		run=("$cmd")
		_scmlb_tool "$tool" 1
		;;
	scmlb)
		if [ "$COMP_CWORD" -eq 1 ]; then
			if [[ $cur == -* ]]; then
				_scmlb_reply -h --help --version
			else
				_scmlb_reply attach detach svc lb fw stat status dos \
					dos-protection gc health save restore decap \
					completion
			fi
			return 0
		fi
		tool=${COMP_WORDS[1]}
		case $tool in
		completion)
			[ "$COMP_CWORD" -eq 2 ] && _scmlb_reply bash -h --help
			return 0 ;;
		dos-protection) tool=dos ;;
		attach | detach | svc | lb | fw | stat | status | dos | gc | \
		health | save | restore | decap) ;;
		*) return 0 ;;
		esac
		run=("$cmd" "${COMP_WORDS[1]}")
		_scmlb_tool "$tool" 2
		;;
	esac
	return 0
}

complete -F _scmlb scmlb scmlb-attach scmlb-detach scmlb-svc scmlb-lb scmlb-fw \
	scmlb-dos scmlb-stat scmlb-status scmlb-gc scmlb-health scmlb-save \
	scmlb-restore scmlb-decap
