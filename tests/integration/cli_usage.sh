#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cli_usage.sh - a wrong command line exits 2 with a message that names
# the command as typed ("wgaudit", "wgaudit collector logs"), never the
# binary's path, and points at the right --help. No lab, no network.
. "$(dirname "$0")/lib.sh"

"$WGAUDIT" --version > /dev/null 2>&1 || { skip cli_usage "$WGAUDIT not built"; exit 0; }

# usage NAME PREFIX HELP ARGS...: exit 2, first line starts with PREFIX,
# the second is "Try 'HELP'."
usage() {
	local name=$1 prefix=$2 help=$3 out rc first second
	shift 3
	out=$("$WGAUDIT" "$@" 2>&1 >/dev/null)
	rc=$?
	first=$(printf '%s\n' "$out" | sed -n 1p)
	second=$(printf '%s\n' "$out" | sed -n 2p)
	if [ "$rc" -eq 2 ] && [ "${first#"$prefix"}" != "$first" ] &&
	   [ "$second" = "Try '$help'." ]; then
		pass "$name"
	else
		fail "$name" "rc $rc, got: $out"
	fi
}

usage unknown_long_option "wgaudit: unrecognized option '--bogus'" "wgaudit --help" status --bogus
usage missing_argument "wgaudit: option '--tail' requires an argument" "wgaudit --help" events --tail
usage collector_unknown_option "wgaudit collector status: unrecognized option '--bogus'" \
	"wgaudit collector --help" collector status --bogus
usage collector_short_option "wgaudit collector logs: invalid option -- 'x'" \
	"wgaudit collector --help" collector logs -x
usage collector_missing_argument "wgaudit collector run: option '--listen' requires an argument" \
	"wgaudit collector --help" collector run --listen
exit $T_FAILED
