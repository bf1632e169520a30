# SPDX-License-Identifier: GPL-2.0
# lib-relp.sh - helpers for the RELP tests (relp.sh, chaos.sh). Sourced
# after lib.sh (and lib-rsyslog.sh for the rsyslog parts).
#   collector_start DIR URL... [-- ENV=V...]   wgaudit collector on DIR/c.db
#   collector_pid / collector_kill9 / collector_stop
#   journal_ids STATEDIR > FILE                 every journaled event_id
#   once_report IDS DB                          "missing=M extra=X rows=R journal=J"
#   relp_rsyslog_start DIR PORT                 rsyslogd with imrelp on PORT

# collector_start DIR ENV... -- URL...: start wgaudit collector with the
# environment assignments before "--" (e.g. WGAUDIT_FAILPOINT=...).
collector_start() {
	local dir=$1 envs=() args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	for u in "$@"; do args+=(--listen "$u"); done
	env "${envs[@]}" "$WGAUDIT" collector run --db "$dir/c.db" "${args[@]}" \
		>> "$dir/collector.out" 2>&1 &
	COLLECTOR_PID=$!
}

collector_listening() {	# port
	ss -H -ltn "sport = :$1" 2>/dev/null | grep -q .
}

collector_kill9() {
	[ -n "${COLLECTOR_PID:-}" ] || return 0
	kill -9 "$COLLECTOR_PID" 2>/dev/null
	wait "$COLLECTOR_PID" 2>/dev/null
	COLLECTOR_PID=
}

collector_stop() {
	[ -n "${COLLECTOR_PID:-}" ] || return 0
	kill -CONT "$COLLECTOR_PID" 2>/dev/null
	kill -TERM "$COLLECTOR_PID" 2>/dev/null
	wait "$COLLECTOR_PID" 2>/dev/null
	COLLECTOR_PID=
}

# Every event_id the agent journaled (one per line), or nothing when the
# agent's events carry none.
journal_ids() {
	"$WGAUDIT" events --state-dir "$1" --json --tail 10000000 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event_id"):
        print(e["event_id"])'
}

# once_report IDS DB [EXCLUDE_RE]: compare the journal's ids with the rows
# the collector stored from agents (app wireguard-audit). missing: journaled,
# not stored; extra: rows beyond one per journaled id (repeats, or rows
# without an id).
once_report() {
	python3 - "$1" "$2" <<'PY'
import sqlite3, sys
ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True, timeout=5)
rows = [r[0] for r in db.execute("SELECT event_id FROM msg WHERE app = 'wireguard-audit'")]
want = set(ids)
stored = [r for r in rows if r in want]
missing = len(want - set(stored))
extra = len(rows) - len(set(stored))
print("missing=%d extra=%d rows=%d journal=%d" % (missing, extra, len(rows), len(want)))
PY
}

# all_stored IDS DB: every journaled id has its row.
all_stored() {
	case $(once_report "$1" "$2" 2>/dev/null) in
	missing=0\ *) return 0 ;;
	esac
	return 1
}

# relp_rsyslog_start DIR PORT: a private rsyslogd receiving RELP (imrelp)
# on 127.0.0.1:PORT, writing the lib-rsyslog.sh sink line per message.
relp_rsyslog_start() {
	local dir=$1 port=$2
	mkdir -p "$dir/work"
	touch "$dir/received.log"
	{
		echo "global(workDirectory=\"$dir/work\" maxMessageSize=\"64k\")"
		echo 'module(load="imrelp")'
		echo "input(type=\"imrelp\" address=\"127.0.0.1\" port=\"$port\")"
		_rsyslog_sink "$dir"
	} > "$dir/rsyslog.conf"
	_rsyslog_launch "$dir" "tcp:$port"
}

# rsyslog_ids FILE: the event_id="..." of every received line.
rsyslog_ids() {
	sed -n 's/.*event_id="\([^"]*\)".*/\1/p' "$1"
}
