#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - the whole job, as the vendor guide describes it, on a throwaway
# lab: a wireguard-go server and two clients in network namespaces, the
# agent watching the server and sending to `wgaudit collector` (syslog over
# TCP, inside the server's namespace), checks firing for reasons shown on
# screen, and at the end the guide's Step 6: `collector status` and
# `collector logs --source wireguard --tail 10`. Nothing leaves the machine.
#
#   tests/demo.sh          install what it needs (Debian 12, as root), build, show
#   tests/demo.sh --ci     non-interactive (also WGAUDIT_DEMO_CI=1): no pauses,
#                          no colours, uses $WGAUDIT if set, no apt-get; exits 1
#                          if a step's event does not come (tests/integration/demo.sh)
set -u
cd "$(dirname "$0")/.."
CI=${WGAUDIT_DEMO_CI:-0}
[ "${1:-}" = --ci ] && CI=1
if [ "$(id -u)" != 0 ]; then echo "demo: run as root (it creates network namespaces)" >&2; exit 1; fi
if [ "$CI" = 1 ] && [ -n "${WGAUDIT:-}" ]; then
	: # the suite's binary (ASan build)
else
	if [ "${WGAUDIT_NO_INSTALL:-0}" != 1 ] && [ "$CI" != 1 ]; then
		echo "== installing dependencies (apt-get)"
		tests/install-deps.sh >/tmp/wgaudit-demo-install.log 2>&1 ||
			{ tail /tmp/wgaudit-demo-install.log; exit 1; }
	fi
	echo "== building"
	make -j2 wgaudit >/tmp/wgaudit-demo-build.log 2>&1 || { tail -30 /tmp/wgaudit-demo-build.log; exit 1; }
	WGAUDIT=$PWD/build/rel/wgaudit
fi
. tests/integration/lib.sh
lab_init demo
CPORT=5514	# the collector's, on the server namespace's own loopback
FOLLOW= COLL=
demo_cleanup() {
	[ -n "$FOLLOW" ] && kill "$FOLLOW" 2>/dev/null && wait "$FOLLOW" 2>/dev/null
	agent_stop
	[ -n "$COLL" ] && kill "$COLL" 2>/dev/null && wait "$COLL" 2>/dev/null
	lab_cleanup
}
trap demo_cleanup EXIT
if [ "$CI" = 1 ]; then
	step() { printf '\n== %s\n' "$*"; }
	pause() { :; }
else
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; sleep 1; }
	pause() { sleep "$1"; }
fi
FAILED=0
# expect SECS TYPE [REGEX] WHAT: wait for the event; say so if it does not come.
expect() {
	local t=$1 type=$2 re=$3 what=$4
	if wait_for "$t" has_event "$type" "$re"; then
		printf '   -> %s: %s\n' "$type" "$what"
	else
		printf '   !! %s did not come within %ss (%s)\n' "$type" "$t" "$what"
		FAILED=1
	fi
}

step "lab: server $SIF in $SRV, clients ${TAG}c1 ${TAG}c2 (wireguard-go; underlay 10.231.N.0/24)"
lab_server
lab_client 1
lab_client 2 25
# The server's own config file, as wg-quick would have it (public parts:
# the demo never writes a private key into it), so the agent knows this
# interface and its peers' names.
mkdir -p "$LAB/etc/wireguard"
cat > "$LAB/etc/wireguard/$SIF.conf" <<EOF
[Interface]
Address = 10.232.0.1/24
ListenPort = 51820

# Name = alice laptop
[Peer]
PublicKey = $(cat "$LAB/c1.pub")
AllowedIPs = 10.232.0.2/32

# Name = bob phone
[Peer]
PublicKey = $(cat "$LAB/c2.pub")
AllowedIPs = 10.232.0.3/32
EOF
cat > "$LAB/wgaudit.conf" <<EOF
[agent]
interfaces = $SIF
interval = 1s
active_after = 8s
transfer_interval = 3s
state_dir = $LAB/state
config_dir = $LAB/etc/wireguard
[checks]
flood_threshold = 50
flood_window = 60s
# Endpoints allowed to connect to $SIF: client 1's network. Client 2
# (10.231.2.0/24) is outside it.
[allow "$SIF"]
endpoints = 10.231.1.0/24
[output "collector"]
url = syslog+tcp://127.0.0.1:$CPORT
[output "local"]
url = jsonl:$LAB/events.jsonl
EOF
sed -n '/^\[agent\]/,$p' "$LAB/wgaudit.conf" | sed 's/^/   /'

step "the collector: wgaudit collector run --listen tcp://127.0.0.1:$CPORT (replaces the guide's collector)"
ip netns exec "$SRV" "$WGAUDIT" collector run --listen "tcp://127.0.0.1:$CPORT" --db "$LAB/collector.db" \
	> "$LAB/collector.log" 2>&1 &
COLL=$!
wait_for 10 grep -q "listening on" "$LAB/collector.log" || { cat "$LAB/collector.log"; exit 1; }
sed 's/^/   /' "$LAB/collector.log"

step "wgaudit doctor: the guide's Troubleshooting list as checks (no client has connected yet: hence the handshake warnings)"
in_srv "$WGAUDIT" doctor -c "$LAB/wgaudit.conf" | sed 's/^/   /'

step "the agent: wgaudit run (replaces Steps 1-4: dynamic debug, wg show dump, the cron script, rsyslog)"
ip netns exec "$SRV" "$WGAUDIT" run -c "$LAB/wgaudit.conf" >> "$LAB/agent.out" 2>&1 &
AGENT_PID=$!
wait_for 10 has_event AGENT_STARTED || { cat "$LAB/agent.out"; exit 1; }
# The local history, live (what `wgaudit events --follow` shows an operator).
"$WGAUDIT" events --state-dir "$LAB/state" --follow --tail 5 2>/dev/null > >(sed -u 's/^/   | /') &
FOLLOW=$!

step "client 1 (alice, 10.231.1.2) pings the server: handshake, peer active"
in_cli 1 ping -c 3 -W 2 10.232.0.1 >/dev/null
expect 15 PEER_ACTIVE "$(cat "$LAB/c1.pub")" "alice's first handshake"
pause 2

step "client 2 (bob, 10.231.2.2) connects from outside the allow-list (10.231.1.0/24)"
in_cli 2 ping -c 3 -W 2 10.232.0.1 >/dev/null
expect 15 ALERT_UNKNOWN_ENDPOINT "10.231.2.2" "bob's endpoint 10.231.2.2 is not in [allow \"$SIF\"]"
pause 2

step "client 2 sends 200 KiB: transfer events"
in_cli 2 ping -c 40 -i 0.05 -s 5000 -W 2 10.232.0.1 >/dev/null
expect 15 PEER_TRANSFER "$(cat "$LAB/c2.pub")" "bytes per interval"
pause 2

step "client 1 roams to a new source port: endpoint changed"
in_cli 1 wg set "${TAG}c1" listen-port 41234
in_cli 1 ping -c 2 -W 2 10.232.0.1 >/dev/null
expect 15 PEER_ENDPOINT_CHANGED "41234" "alice now at 10.231.1.2:41234"
pause 2

step "a burst of junk handshakes: 200 datagrams of 148 bytes (type 1, random) from client 2's namespace"
in_cli 2 python3 - <<'PY'
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(200):
    s.sendto(b"\x01\x00\x00\x00" + os.urandom(144), ("10.231.2.1", 51820))
PY
expect 15 ALERT_HANDSHAKE_FLOOD '"signal":"packets"' "200 initiations that led nowhere (threshold 50 a minute)"
pause 2

step "an admin adds and removes a peer behind the config file's back (wg set)"
NEW=$(wg genkey | wg pubkey)
in_srv wg set "$SIF" peer "$NEW" allowed-ips 10.232.0.50/32
expect 10 ALERT_ROGUE_PEER "$NEW" "a live peer that is not in $SIF.conf"
in_srv wg set "$SIF" peer "$NEW" remove
expect 10 PEER_REMOVED "$NEW" "gone again"
pause 2

if "$WGAUDIT" --help 2>/dev/null | grep -q '^  sessions'; then
	step "alice's session closes: no handshake for active_after (8s), peer inactive"
	expect 25 PEER_SESSION "$(cat "$LAB/c1.pub")" "start, end, duration, bytes, endpoints used"
	"$WGAUDIT" sessions --state-dir "$LAB/state" 2>/dev/null | sed 's/^/   /'
fi

step "wgaudit status"
in_srv "$WGAUDIT" status -c "$LAB/wgaudit.conf" | sed 's/^/   /'

step "stopping the agent (AGENT_STOPPED is delivered before it exits)"
kill "$FOLLOW" 2>/dev/null; wait "$FOLLOW" 2>/dev/null; FOLLOW=
agent_stop
wait_for 10 sh -c "\"$WGAUDIT\" collector logs --db \"$LAB/collector.db\" --type AGENT_STOPPED | grep -q ."

step "Step 6 on the collector: wgaudit collector status"
"$WGAUDIT" collector status --db "$LAB/collector.db" | sed 's/^/   /'
step "Step 6 on the collector: wgaudit collector logs --source wireguard --tail 10"
"$WGAUDIT" collector logs --db "$LAB/collector.db" --source wireguard --tail 10 | sed 's/^/   /'
if [ "$FAILED" = 0 ]; then
	echo; echo "== demo done (the lab is removed now)"
else
	echo; echo "== demo: some steps did not show their event (see '!!' above)"
fi
exit $FAILED
