#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sd_id.sh - the RFC 5424 SD-ID is set per output: [output] sd_id to a real
# rsyslogd (its parsed %structured-data% carries that ID, and only it), and
# ?sd_id= in the URL (TCP) and sd_id over RELP to two `wgaudit collector`s,
# which still find the agent's fields under an ID they were never told. A bad sd_id is a config error (exit 2,
# file:line). Traffic stays on 127.0.0.1.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/lib-rsyslog.sh

CASES="sd_id_rsyslog sd_id_collector sd_id_config_error"
skip_all() { for c in $CASES; do skip "$c" "$1"; done; exit 0; }
"$WGAUDIT" check --help > /dev/null 2>&1 || skip_all "$WGAUDIT not built"
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
command -v python3 > /dev/null || skip_all "python3 not installed"

DIR=$(mktemp -d /tmp/wga-sdid.XXXXXX)
AGENT= COLL= COLL2=
cleanup() {
	[ -n "$COLL2" ] && kill "$COLL2" 2>/dev/null && wait "$COLL2" 2>/dev/null
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	[ -n "$COLL" ] && kill "$COLL" 2>/dev/null && wait "$COLL" 2>/dev/null
	rsyslog_stop "$DIR/rs"
	[ -n "${KEEP_LAB:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

TPORT=$(rsyslog_free_port tcp)
UPORT=$(rsyslog_free_port udp)
CPORT=$(rsyslog_free_port tcp)
RPORT=$(rsyslog_free_port tcp)
err=$(rsyslog_start "$DIR/rs" "$TPORT" "$UPORT" 2>&1) || skip_all "cannot start a private rsyslogd: $err"
OUT=$(rsyslog_out "$DIR/rs")
"$WGAUDIT" collector run --listen "tcp://127.0.0.1:$CPORT" --db "$DIR/coll.db" > "$DIR/coll.log" 2>&1 &
COLL=$!
# a second collector: one stores each event_id once, whichever output brought it
"$WGAUDIT" collector run --listen "relp://127.0.0.1:$RPORT" --db "$DIR/coll2.db" > "$DIR/coll2.log" 2>&1 &
COLL2=$!
wait_for 10 sh -c "ss -H -ltn 'sport = :$CPORT' | grep -q . && ss -H -ltn 'sport = :$RPORT' | grep -q ." || skip_all "collector did not listen: $(tail -2 "$DIR/coll.log")"

mkdir -p "$DIR/uapi" "$DIR/etc"
cat > "$DIR/wgaudit.conf" <<EOF
[agent]
interfaces = wgasdid0
state_dir = $DIR/state
uapi_dir = $DIR/uapi
config_dir = $DIR/etc
[kmsg]
enabled = false
[output "siem"]
url = syslog+tcp://127.0.0.1:$TPORT
sd_id = example@99999
[output "own"]
url = syslog+tcp://127.0.0.1:$CPORT?sd_id=other@12345
[output "relp"]
url = syslog+relp://127.0.0.1:$RPORT
sd_id = relp@7
EOF
"$WGAUDIT" run -c "$DIR/wgaudit.conf" > "$DIR/agent.log" 2>&1 &
AGENT=$!
wait_for 20 grep -q AGENT_STARTED "$OUT"
kill -TERM "$AGENT"; wait "$AGENT"; AGENT=
rsyslog_wait_lines "$DIR/rs" 2 10

line=$(grep -m1 'AGENT_STARTED' "$OUT")
sd=$(rsyslog_field "$line" sd)
case $sd in
'[example@99999 version="'*)
	if grep -q 'wgaudit@32473' "$OUT"; then fail sd_id_rsyslog "the default SD-ID still arrived: $(grep -m1 wgaudit@32473 "$OUT")"
	else pass sd_id_rsyslog; fi ;;
*) fail sd_id_rsyslog "structured data is '${sd:0:200}' (agent: $(tail -2 "$DIR/agent.log" | tr '\n' ' '))" ;;
esac

got=
for _ in $(seq 50); do
	got=$({ "$WGAUDIT" collector logs --db "$DIR/coll.db" --source wireguard --json --tail 10
		"$WGAUDIT" collector logs --db "$DIR/coll2.db" --source wireguard --json --tail 10; } 2>&1 | python3 -c '
import json, sys
seen = set()
for l in sys.stdin:
    r = json.loads(l)
    if r.get("msgid") == "AGENT_STARTED" and r.get("fields", {}).get("version"):
        for i in ("[other@12345 ", "[relp@7 "):
            if i in r.get("sd", ""):
                seen.add(i)
print("ok" if len(seen) == 2 else seen)
' 2>&1)
	[ "$got" = ok ] && break
	sleep 0.2
done
if [ "$got" = ok ]; then pass sd_id_collector
else fail sd_id_collector "no AGENT_STARTED with [other@12345 ...] (TCP) and [relp@7 ...] (RELP) and their fields ($got): $("$WGAUDIT" collector logs --db "$DIR/coll.db" --json --tail 3 2>&1 | head -c 600)"; fi

printf '[output "x"]\nurl = syslog+tcp://127.0.0.1:1\nsd_id = wgaudit\n' > "$DIR/bad.conf"
msg=$("$WGAUDIT" check -c "$DIR/bad.conf" --state-dir "$DIR/st2" 2>&1); rc=$?
if [ $rc = 2 ] && [[ $msg == *"bad.conf:3: sd_id: \"wgaudit\" must be NAME@NUMBER"* ]]; then pass sd_id_config_error
else fail sd_id_config_error "rc=$rc: $msg"; fi
exit $T_FAILED
