#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# RELP end to end, with real parts: the agent watches a wireguard-go lab
# and delivers over syslog+relp:// to
#  (a) `wgaudit collector --listen relp://`: every journaled event stored
#      exactly once (counted by event_id), across a collector that dies
#      after committing but before answering (failpoint, else kill -9) and a
#      kill -9 mid-stream;
#  (b) a real rsyslogd imrelp, restarted mid-stream: nothing lost
#      (repeats allowed, with the same event_id);
# and (c) a real rsyslogd omrelp forwards to `wgaudit collector`;
# (d) RELP over TLS (?tls=1) to a real rsyslogd imrelp (tls="on", GnuTLS,
#     client certificate verified): everything arrives; a receiver whose
#     certificate the output's CA did not sign gets nothing; and (e) RELP
#     over TLS to `wgaudit collector --listen relp://…?tls=1`: exactly once.
# The agent runs in the host namespace (UAPI socket), receivers listen on
# 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rsyslog.sh"
. "$(dirname "$0")/lib-relp.sh"
. "$(dirname "$0")/lib-rsyslog-tls.sh"
need_root relp
command -v rsyslogd >/dev/null || { skip relp "rsyslogd not installed"; exit 0; }
[ -f /usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so ] || [ -n "$(find /usr/lib -name imrelp.so 2>/dev/null | head -1)" ] ||
	{ skip relp "rsyslog-relp not installed (imrelp/omrelp)"; exit 0; }
lab_init rl
lab_server
CD=$LAB/coll
RS=$LAB/rsyslog
RS2=$LAB/rsyslog-fwd
RS3=$LAB/rsyslog-tls
PKI=$LAB/pki
mkdir -p "$CD"
P=$(rsyslog_free_port tcp)
RP=$(rsyslog_free_port tcp)
TP3=$(rsyslog_free_port tcp)
trap 'collector_stop; rsyslog_stop "$RS"; rsyslog_stop "$RS2"; rsyslog_stop "$RS3"; lab_cleanup' EXIT
tls_make_pki "$PKI" || { fail setup "openssl could not make the test PKI"; exit 1; }
TLS_URL="syslog+relp://127.0.0.1:$TP3?tls=1&ca=$PKI/ca.pem&cert=$PKI/client.pem&key=$PKI/client.key"
ROGUE_URL="syslog+relp://127.0.0.1:$TP3?tls=1&ca=$PKI/other-ca.pem&cert=$PKI/client.pem&key=$PKI/client.key"

cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 300ms
interfaces = $SIF
[kmsg]
enabled = no
[output "collector"]
url = syslog+relp://127.0.0.1:$P
[output "rsyslog"]
url = syslog+relp://127.0.0.1:$RP
[output "rsyslog-tls"]
url = $TLS_URL
[output "untrusted"]
url = $ROGUE_URL
[output "local"]
url = jsonl:$LAB/events.jsonl
CONF
start_agent() {
	"$WGAUDIT" run -c "$LAB/wgaudit.conf" --state-dir "$LAB/state" >> "$LAB/agent.out" 2>&1 &
	AGENT_PID=$!
}
# burst TAG N: N peers added in one `wg set`, seen by a poll, then removed
# in one: 2N events. Returns once the agent journaled them (bounded).
burst() {
	local tag=$1 n=$2 args=() i=0
	for _ in $(seq "$n"); do wg genkey | wg pubkey; done > "$LAB/$tag.keys"
	while read -r k; do
		i=$((i + 1))
		args+=(peer "$k" allowed-ips "10.240.$((i / 250)).$((i % 250 + 1))/32")
	done < "$LAB/$tag.keys"
	in_srv wg set "$SIF" "${args[@]}"
	wait_for 20 sh -c "[ \$(grep -c '\"type\":\"PEER_ADDED\"' '$LAB/events.jsonl') -ge \$(cat '$LAB/added.want') ]" || true
	args=()
	while read -r k; do args+=(peer "$k" remove); done < "$LAB/$tag.keys"
	in_srv wg set "$SIF" "${args[@]}"
	wait_for 20 sh -c "[ \$(grep -c '\"type\":\"PEER_REMOVED\"' '$LAB/events.jsonl') -ge \$(cat '$LAB/added.want') ]" || true
}
want_added() { echo $(( $(cat "$LAB/added.want" 2>/dev/null || echo 0) + $1 )) > "$LAB/added.want"; }
ids_now() { journal_ids "$LAB/state" > "$LAB/ids"; }
stored_all() { ids_now; all_stored "$LAB/ids" "$CD/c.db"; }
status_json() { "$WGAUDIT" collector status --db "$CD/c.db" --json 2>/dev/null; }
dup_count() { status_json | python3 -c 'import json,sys; print(json.load(sys.stdin).get("duplicates", 0))' 2>/dev/null || echo 0; }
rsyslog_has_all() {
	ids_now
	[ "$(sort -u "$LAB/ids" | comm -23 - <(rsyslog_ids "$(rsyslog_out "$RS")" | sort -u) | wc -l)" = 0 ]
}

collector_start "$CD" -- "relp://127.0.0.1:$P"
wait_for 10 collector_listening "$P" || { fail setup "collector did not listen: $(tail -3 "$CD/collector.out")"; exit 1; }
relp_rsyslog_start "$RS" "$RP" || { fail setup "rsyslogd (imrelp) did not start"; exit 1; }
mkdir -p "$RS3/work"
: > "$RS3/received.log"
{
	echo "global(workDirectory=\"$RS3/work\" maxMessageSize=\"64k\")"
	echo 'module(load="imrelp")'
	echo "input(type=\"imrelp\" address=\"127.0.0.1\" port=\"$TP3\" tls=\"on\""
	echo "	tls.cacert=\"$PKI/ca.pem\" tls.mycert=\"$PKI/server.pem\""
	echo "	tls.myprivkey=\"$PKI/server.key\" tls.authmode=\"certvalid\")"
	_rsyslog_sink "$RS3"
} > "$RS3/rsyslog.conf"
_rsyslog_launch "$RS3" "tcp:$TP3" || { fail setup "rsyslogd (imrelp, TLS) did not start"; exit 1; }
start_agent
wait_for 10 has_event AGENT_STARTED || { fail start "agent did not start: $(tail -3 "$LAB/agent.out")"; exit 1; }
ids_now
if [ ! -s "$LAB/ids" ]; then
	skip relp "the agent's events carry no event_id (this build predates it)"
	exit 0
fi

# (a) plain delivery
want_added 100
burst a1 100
if wait_for 30 stored_all; then
	ids_now
	r=$(once_report "$LAB/ids" "$CD/c.db")
	case $r in missing=0\ extra=0\ *) pass relp_collector_exactly_once ;;
	*) fail relp_collector_exactly_once "$r" ;; esac
else
	fail relp_collector_exactly_once "$(once_report "$LAB/ids" "$CD/c.db"); $(tail -3 "$LAB/agent.out")"
fi

# (a) the collector commits a batch and dies before answering it: the
# agent sends those records again; they must not be stored twice.
collector_stop
collector_start "$CD" WGAUDIT_FAILPOINT=collector_after_commit:1 -- "relp://127.0.0.1:$P"
wait_for 10 collector_listening "$P"
want_added 150
burst a2 150
if wait_for 20 sh -c "! kill -0 $COLLECTOR_PID"; then
	wait "$COLLECTOR_PID" 2>/dev/null
	COLLECTOR_PID=
	fp=1
else
	collector_kill9	# no failpoints in this build: a plain kill -9
	fp=0
fi
want_added 50
burst a3 50	# while the collector is down
collector_start "$CD" -- "relp://127.0.0.1:$P"
wait_for 10 collector_listening "$P"
if wait_for 60 stored_all; then
	ids_now
	r=$(once_report "$LAB/ids" "$CD/c.db")
	case $r in missing=0\ extra=0\ *) pass relp_crash_after_commit_exactly_once ;;
	*) fail relp_crash_after_commit_exactly_once "$r" ;; esac
else
	fail relp_crash_after_commit_exactly_once "$(once_report "$LAB/ids" "$CD/c.db")"
fi
if [ $fp = 1 ]; then
	# the records of the batch that died unanswered came again and were
	# recognised (the heartbeat writes the counter every 5 s)
	if wait_for 15 sh -c "[ \$(\"$WGAUDIT\" collector status --db '$CD/c.db' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"duplicates\"])') -gt 0 ]"; then
		pass relp_retransmission_deduplicated
	else
		fail relp_retransmission_deduplicated "duplicates=$(dup_count) after a crash between commit and answer"
	fi
else
	skip relp_retransmission_deduplicated "no failpoints in this build (use the sanitizer build)"
fi

# (a) kill -9 while a burst is being delivered
want_added 300
burst a4 300 &
BURST_PID=$!
wait_for 20 sh -c "[ \$(sqlite3 '$CD/c.db' 'SELECT count(*) FROM msg' 2>/dev/null || echo 0) -gt $(wc -l < "$LAB/ids") ]"
collector_kill9
wait "$BURST_PID"
collector_start "$CD" -- "relp://127.0.0.1:$P"
wait_for 10 collector_listening "$P"
if wait_for 60 stored_all; then
	ids_now
	r=$(once_report "$LAB/ids" "$CD/c.db")
	case $r in missing=0\ extra=0\ *) pass relp_kill9_exactly_once ;;
	*) fail relp_kill9_exactly_once "$r" ;; esac
else
	fail relp_kill9_exactly_once "$(once_report "$LAB/ids" "$CD/c.db")"
fi

# (b) the same agent's second output: rsyslogd imrelp, restarted mid-stream
if wait_for 30 rsyslog_has_all; then pass relp_rsyslog_imrelp_delivered
else fail relp_rsyslog_imrelp_delivered "$(rsyslog_ids "$(rsyslog_out "$RS")" | sort -u | wc -l) of $(wc -l < "$LAB/ids") ids at rsyslog"; fi
want_added 200
burst b1 200 &
BURST_PID=$!
wait_for 10 sh -c "[ \$(wc -l < '$(rsyslog_out "$RS")') -gt $(wc -l < "$LAB/ids") ]"
rsyslog_stop "$RS"
wait "$BURST_PID"
relp_rsyslog_start "$RS" "$RP" || fail relp_rsyslog_restart "rsyslogd did not restart"
if wait_for 90 rsyslog_has_all; then
	got=$(rsyslog_ids "$(rsyslog_out "$RS")" | wc -l)
	uniq=$(rsyslog_ids "$(rsyslog_out "$RS")" | sort -u | wc -l)
	pass relp_rsyslog_restart_nothing_lost
	echo "     rsyslog: $got records for $uniq events ($((got - uniq)) repeats, same event_id)"
else
	fail relp_rsyslog_restart_nothing_lost "$(sort -u "$LAB/ids" | comm -23 - <(rsyslog_ids "$(rsyslog_out "$RS")" | sort -u) | wc -l) journaled ids never reached rsyslog"
fi

# (d) the TLS output reached rsyslog with every event; the one that trusts
# another CA delivered nothing and said why
rs3_has_all() {
	ids_now
	[ "$(sort -u "$LAB/ids" | comm -23 - <(rsyslog_ids "$(rsyslog_out "$RS3")" | sort -u) | wc -l)" = 0 ]
}
if wait_for 60 rs3_has_all; then pass relp_tls_rsyslog_delivered
else fail relp_tls_rsyslog_delivered "$(rsyslog_ids "$(rsyslog_out "$RS3")" | sort -u | wc -l) of $(wc -l < "$LAB/ids") ids at rsyslog (TLS); $(grep -F "$TLS_URL" "$LAB/agent.out" | tail -2)"; fi
if grep -F "$ROGUE_URL" "$LAB/agent.out" | grep -qi "certificate" &&
   ! grep -F "$ROGUE_URL" "$LAB/agent.out" | grep -q ": connected"; then
	pass relp_tls_untrusted_receiver_refused
else
	fail relp_tls_untrusted_receiver_refused "$(grep -F "$ROGUE_URL" "$LAB/agent.out" | head -3)"
fi
agent_stop

# (c) rsyslogd omrelp -> wgaudit collector. 40 records with an event_id
# (10 of them sent twice: rsyslog forwards both, the collector keeps one)
# and 20 from another program.
TP2=$(rsyslog_free_port tcp)
mkdir -p "$RS2/work"
: > "$RS2/received.log"
cat > "$RS2/rsyslog.conf" <<CONF
global(workDirectory="$RS2/work" maxMessageSize="64k")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="$TP2")
*.* action(type="omrelp" target="127.0.0.1" port="$P" template="RSYSLOG_SyslogProtocol23Format")
CONF
if ! _rsyslog_launch "$RS2" "tcp:$TP2"; then
	fail relp_omrelp_to_collector "rsyslogd (omrelp) did not start"
	exit $T_FAILED
fi
dups_before=$(dup_count)
python3 - "$TP2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def send(m):
    s.sendall(b"%d %s" % (len(m), m))
for i in list(range(40)) + list(range(10)):
    send(('<13>1 2026-12-01T20:00:00.%06dZ fwd-host wireguard-audit - PEER_ACTIVE '
          '[wgaudit@32473 iface="wg9" event_id="feedfacefeedfacefeedfacefeedface-%d"] '
          'PEER_ACTIVE peer=abc' % (i, i)).encode())
for i in range(20):
    send(('<13>1 2026-12-01T20:00:01Z fwd-host otherapp - - - plain %d' % i).encode())
s.close()
PY
omrelp_ok() {
	[ "$(sqlite3 "$CD/c.db" "SELECT count(*) FROM msg WHERE host = 'fwd-host' AND proto = 'relp' AND event_id LIKE 'feedface%'")" = 40 ] &&
	[ "$(sqlite3 "$CD/c.db" "SELECT count(*) FROM msg WHERE host = 'fwd-host' AND app = 'otherapp'")" = 20 ]
}
if wait_for 30 omrelp_ok && wait_for 15 sh -c "[ \$(\"$WGAUDIT\" collector status --db '$CD/c.db' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"duplicates\"])') -ge $((dups_before + 10)) ]"; then
	pass relp_omrelp_to_collector
else
	fail relp_omrelp_to_collector "stored $(sqlite3 "$CD/c.db" "SELECT count(*) FROM msg WHERE host = 'fwd-host'") of 60 from rsyslog omrelp, duplicates $dups_before -> $(dup_count); $(tail -2 "$RS2/rsyslogd.log")"
fi
# (e) agent -> collector, RELP inside TLS: a fresh agent state, a second
# collector with a TLS listener
CD2=$LAB/coll-tls
mkdir -p "$CD2"
P2=$(rsyslog_free_port tcp)
collector_stop
"$WGAUDIT" collector run --db "$CD2/c.db" --listen "relp://127.0.0.1:$P2?tls=1" \
	--tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key" >> "$CD2/collector.out" 2>&1 &
COLLECTOR_PID=$!
wait_for 10 collector_listening "$P2" || fail relp_tls_collector_exactly_once "collector did not listen: $(tail -2 "$CD2/collector.out")"
cat > "$LAB/wgaudit-tls.conf" <<CONF
[agent]
interval = 300ms
interfaces = $SIF
[kmsg]
enabled = no
[output "collector-tls"]
url = syslog+relp://127.0.0.1:$P2?tls=1&ca=$PKI/ca.pem
[output "local"]
url = jsonl:$LAB/events.jsonl
CONF
"$WGAUDIT" run -c "$LAB/wgaudit-tls.conf" --state-dir "$LAB/state-tls" >> "$LAB/agent.out" 2>&1 &
AGENT_PID=$!
want_added 50
burst e1 50
stored_tls() { journal_ids "$LAB/state-tls" > "$LAB/ids-tls"; all_stored "$LAB/ids-tls" "$CD2/c.db"; }
if wait_for 30 stored_tls; then
	journal_ids "$LAB/state-tls" > "$LAB/ids-tls"
	r=$(once_report "$LAB/ids-tls" "$CD2/c.db")
	case $r in missing=0\ extra=0\ *) pass relp_tls_collector_exactly_once ;;
	*) fail relp_tls_collector_exactly_once "$r" ;; esac
else
	fail relp_tls_collector_exactly_once "$(once_report "$LAB/ids-tls" "$CD2/c.db"); $(tail -2 "$CD2/collector.out")"
fi
agent_stop
exit $T_FAILED
