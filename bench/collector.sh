#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# collector.sh - records/s stored by `wgaudit collector run` vs rsyslogd
# receiving the same stream into a file, same machine, same run.
#
#   make && bench/collector.sh            # N=200000
#   N=500000 bench/collector.sh
#
# One sender (python, one TCP connection, octet-counted RFC 5424 records
# built in memory beforehand, ~260 bytes each, shaped like the agent's
# PEER_TRANSFER records with a varying peer key) writes as fast as the
# receiver reads. Time runs from connect until the receiver has all N
# records durably where it keeps them: rows in the collector's SQLite
# file (WAL, committed), lines in rsyslog's omfile output. The collector
# parses every record (RFC 5424 header, SD, the agent's fields) and
# indexes it; rsyslog parses the header and appends a line. Both listen
# on 127.0.0.1 only. Prints each rate and the ratio collector/rsyslog.
#
# Every record carries an agent-style event_id (SD param), so the
# collector's unique event_id index (de-duplication) is on in every run.
# RELP=1 (default when rsyslog-relp is installed) adds the same stream over
# RELP, one connection, a window of 1,024 unanswered transactions (the
# agent's): `--listen relp://` answers a record only once committed, rsyslog
# imrelp once enqueued; time runs until the last answer AND the store holds
# all N (rows / omfile lines).
set -u
cd "$(dirname "$0")/.."
N=${N:-200000}
WGAUDIT=${WGAUDIT:-build/rel/wgaudit}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
DIR=$(mktemp -d /tmp/wga-collbench.XXXXXX)
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$DIR"' EXIT
trap 'exit 130' INT TERM HUP	# so that EXIT runs: a daemon left behind holds the bench lock

[ -x "$WGAUDIT" ] || { echo "build first: make" >&2; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# send PORT COUNTCMD: stream N records, then poll COUNTCMD until it says N;
# prints the elapsed seconds.
cat > "$DIR/send.py" <<'EOF'
import socket, subprocess, sys, time, base64, os
port, n, count_cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
RELP = len(sys.argv) > 4 and sys.argv[4] == "relp"
WINDOW = 1024
RUN = "%032x" % int.from_bytes(os.urandom(16), "big")
recs = []
for i in range(n):
    key = base64.b64encode(i.to_bytes(32, "little")).decode()
    msg = ('<14>1 2026-11-25T12:00:00.%06dZ gw-%d wireguard-audit - PEER_TRANSFER '
           '[wgaudit@32473 iface="wg0" peer="%s" rx="%d" tx="%d" interval="10000"'
           ' event_id="%s-%d"] '
           'PEER_TRANSFER peer=%s rx=%d tx=%d iface=wg0 pubkey=%s' %
           (i % 1000000, i % 8, key, i * 7, i * 3, RUN, i, key[:12], i * 7, i * 3, key)).encode()
    recs.append(msg)
t0 = time.monotonic()
if RELP:
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    offers = b"relp_version=0\nrelp_software=bench\ncommands=syslog"
    s.sendall(b"1 open %d %s\n" % (len(offers), offers))
    buf = b""
    def answers():
        global buf
        d = s.recv(1 << 20)
        if not d:
            raise SystemExit("receiver closed")
        buf += d
        lines = buf.split(b"\n")
        buf = lines.pop()
        # "TXNR rsp 6 200 OK"; the open's answer spans lines: count rsp only
        return sum(1 for l in lines if b" rsp " in l)
    answers()	# the open's
    sent = acked = 0
    while acked < n:
        chunk = []
        while sent < n and sent - acked < WINDOW:
            chunk.append(b"%d syslog %d %s\n" % (sent + 2, len(recs[sent]), recs[sent]))
            sent += 1
        if chunk:
            s.sendall(b"".join(chunk))
        acked += answers()
    t_sent = time.monotonic()
    BYTES = sum(len(r) for r in recs)
else:
    payload = b"".join(b"%d %s" % (len(m), m) for m in recs)
    BYTES = len(payload)
if not RELP:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(payload)
    t_sent = time.monotonic()
while True:
    out = subprocess.run(count_cmd, shell=True, capture_output=True, text=True).stdout.strip()
    if out.isdigit() and int(out) >= n:
        break
    time.sleep(0.05)
t1 = time.monotonic()
s.close()
print("%.3f %.3f %d" % (t1 - t0, t_sent - t0, BYTES))
EOF

# --- wgaudit collector ----------------------------------------------------------
CP=$(port)
"$WGAUDIT" collector run --db "$DIR/c.db" --listen "tcp://127.0.0.1:$CP" \
	--retention 0 --max-db-size 0 > "$DIR/collector.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do grep -qs "listening on" "$DIR/collector.log" && break; sleep 0.1; done
# The poll every 50 ms should cost what rsyslog's `wc -l` costs: a python3
# start per poll (to read the JSON) took ~0.1 s of CPU each, beside the
# collector on the same CPUs; sed reads the same "rows" (count(*)).
read -r CT CSENT BYTES < <(python3 "$DIR/send.py" "$CP" "$N" \
	"$WGAUDIT collector status --db $DIR/c.db --json | sed -n 's/.*\"rows\":\([0-9]*\).*/\1/p'")
DBSIZE=$(du -k "$DIR/c.db" | cut -f1)

# --- rsyslogd imtcp -> omfile ---------------------------------------------------
if [ -x "$RSYSLOGD" ]; then
	RP=$(port)
	mkdir -p "$DIR/rs"
	cat > "$DIR/rs/rsyslog.conf" <<EOF
global(workDirectory="$DIR/rs" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$RP")
template(name="f" type="string" string="%timegenerated:::date-rfc3339% %fromhost-ip% %hostname% %app-name% %msgid% %structured-data% %msg%\n")
*.* action(type="omfile" file="$DIR/rs/out.log" template="f")
EOF
	"$RSYSLOGD" -n -f "$DIR/rs/rsyslog.conf" -i "$DIR/rs/pid" > "$DIR/rs/log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 50); do ss -Hltn "sport = :$RP" | grep -q . && break; sleep 0.1; done
	read -r RT RSENT _ < <(python3 "$DIR/send.py" "$RP" "$N" "wc -l < $DIR/rs/out.log")
else
	RT=
fi

echo "records: N=$N, $((BYTES / N)) bytes each, octet-counted RFC 5424 over one TCP connection"
printf "wgaudit collector: %8.0f records/s stored (%.2f s; sender done after %.2f s; db %s KiB)\n" \
	"$(echo "$N / $CT" | bc -l)" "$CT" "$CSENT" "$DBSIZE"
if [ -n "$RT" ]; then
	printf "rsyslogd -> file:  %8.0f records/s written (%.2f s; sender done after %.2f s)\n" \
		"$(echo "$N / $RT" | bc -l)" "$RT" "$RSENT"
	printf "ratio collector/rsyslog: %.2f\n" "$(echo "$RT / $CT" | bc -l)"
else
	echo "rsyslogd not installed: no baseline"
fi

# --- RELP: collector --listen relp:// vs rsyslogd imrelp -> omfile -------------
RELP=${RELP:-$(find /usr/lib /usr/lib64 -name imrelp.so 2>/dev/null | grep -q . && echo 1)}
[ -n "$RELP" ] && [ -x "$RSYSLOGD" ] || exit 0
CP=$(port)
"$WGAUDIT" collector run --db "$DIR/c-relp.db" --listen "relp://127.0.0.1:$CP" \
	--retention 0 --max-db-size 0 > "$DIR/collector-relp.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do grep -qs "listening on" "$DIR/collector-relp.log" && break; sleep 0.1; done
read -r CT CSENT _ < <(python3 "$DIR/send.py" "$CP" "$N" \
	"sqlite3 $DIR/c-relp.db 'SELECT count(*) FROM msg'" relp)
RP=$(port)
mkdir -p "$DIR/rsr"
cat > "$DIR/rsr/rsyslog.conf" <<EOF
global(workDirectory="$DIR/rsr" maxMessageSize="64k")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="$RP")
template(name="f" type="string" string="%timegenerated:::date-rfc3339% %fromhost-ip% %hostname% %app-name% %msgid% %structured-data% %msg%\n")
*.* action(type="omfile" file="$DIR/rsr/out.log" template="f")
EOF
"$RSYSLOGD" -n -f "$DIR/rsr/rsyslog.conf" -i "$DIR/rsr/pid" > "$DIR/rsr/log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do ss -Hltn "sport = :$RP" | grep -q . && break; sleep 0.1; done
read -r RT RSENT _ < <(python3 "$DIR/send.py" "$RP" "$N" "wc -l < $DIR/rsr/out.log" relp)
echo "RELP, window 1024, one connection:"
printf "wgaudit collector: %8.0f records/s stored (%.2f s; all answered after %.2f s: answers follow commits)\n" \
	"$(echo "$N / $CT" | bc -l)" "$CT" "$CSENT"
printf "rsyslogd imrelp -> file: %8.0f records/s written (%.2f s; all answered after %.2f s)\n" \
	"$(echo "$N / $RT" | bc -l)" "$RT" "$RSENT"
printf "ratio collector/rsyslog (RELP): %.2f\n" "$(echo "$RT / $CT" | bc -l)"
