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
set -u
cd "$(dirname "$0")/.."
N=${N:-200000}
WGAUDIT=${WGAUDIT:-build/rel/wgaudit}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
DIR=$(mktemp -d /tmp/wga-collbench.XXXXXX)
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$DIR"' EXIT

[ -x "$WGAUDIT" ] || { echo "build first: make" >&2; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# send PORT COUNTCMD: stream N records, then poll COUNTCMD until it says N;
# prints the elapsed seconds.
cat > "$DIR/send.py" <<'EOF'
import socket, subprocess, sys, time, base64, os
port, n, count_cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
recs = []
for i in range(n):
    key = base64.b64encode(i.to_bytes(32, "little")).decode()
    msg = ('<14>1 2026-11-25T12:00:00.%06dZ gw-%d wireguard-audit - PEER_TRANSFER '
           '[wgaudit@32473 iface="wg0" peer="%s" rx="%d" tx="%d" interval="10000"] '
           'PEER_TRANSFER peer=%s rx=%d tx=%d iface=wg0 pubkey=%s' %
           (i % 1000000, i % 8, key, i * 7, i * 3, key[:12], i * 7, i * 3, key)).encode()
    recs.append(b"%d %s" % (len(msg), msg))
payload = b"".join(recs)
t0 = time.monotonic()
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
print("%.3f %.3f %d" % (t1 - t0, t_sent - t0, len(payload)))
EOF

# --- wgaudit collector ----------------------------------------------------------
CP=$(port)
"$WGAUDIT" collector run --db "$DIR/c.db" --listen "tcp://127.0.0.1:$CP" \
	--retention 0 --max-db-size 0 > "$DIR/collector.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do grep -q "listening on" "$DIR/collector.log" && break; sleep 0.1; done
read -r CT CSENT BYTES < <(python3 "$DIR/send.py" "$CP" "$N" \
	"$WGAUDIT collector status --db $DIR/c.db --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"rows\"])'")
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
