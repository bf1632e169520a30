#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - tests/demo.sh end to end in its non-interactive mode: it exits
# 0, its output shows the alerts it promises (unknown endpoint, handshake
# flood, rogue peer), the collector's status and the ten log lines of
# `wgaudit collector logs --source wireguard --tail 10`, and the demo's own
# interface raised no ALERT_ROGUE_INTERFACE (it is configured).
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need_root demo
command -v python3 >/dev/null || { skip demo "python3 not installed"; exit 0; }
OUT=$(mktemp /tmp/wga-demo-out.XXXXXX)
trap 'rm -f "$OUT"' EXIT
WGAUDIT=$WGAUDIT timeout 180 tests/demo.sh --ci > "$OUT" 2>&1
rc=$?
[ $rc = 0 ] && pass demo_exit_0 || fail demo_exit_0 "rc=$rc: $(grep -- '!!' "$OUT" | head -3) $(tail -5 "$OUT")"
for a in ALERT_UNKNOWN_ENDPOINT ALERT_HANDSHAKE_FLOOD ALERT_ROGUE_PEER PEER_ENDPOINT_CHANGED; do
	grep -q "^   -> $a: " "$OUT" && pass "demo_shows_$a" || fail "demo_shows_$a" "not in the demo's output"
done
if "$WGAUDIT" --help 2>/dev/null | grep -q '^  sessions'; then
	grep -q "^   -> PEER_SESSION: " "$OUT" && pass demo_session_closes || fail demo_session_closes "no PEER_SESSION step"
else
	skip demo_session_closes "no PEER_SESSION in this build"
fi
sed -n '/== Step 6 on the collector: wgaudit collector status/,/== Step 6/p' "$OUT" > "$OUT.status"
if grep -q '^   collector: running, pid ' "$OUT.status" && grep -q '^   listeners: tcp://127.0.0.1:' "$OUT.status" &&
   grep -qE '^   messages: [1-9][0-9]* received, [1-9][0-9]* stored' "$OUT.status"; then pass demo_collector_status
else fail demo_collector_status "$(cat "$OUT.status")"; fi
sed -n '/== Step 6 on the collector: wgaudit collector logs --source wireguard --tail 10/,/^$/p' "$OUT" |
	grep '^   20[0-9-]*T.* wireguard-audit ' > "$OUT.logs"
n=$(wc -l < "$OUT.logs")
if [ "$n" = 10 ] && tail -1 "$OUT.logs" | grep -q 'AGENT_STOPPED'; then pass demo_collector_logs_10
else fail demo_collector_logs_10 "$n lines: $(head -c 600 "$OUT.logs")"; fi
grep -q ALERT_ROGUE_INTERFACE "$OUT" && fail demo_own_interface_configured "$(grep -m1 ALERT_ROGUE_INTERFACE "$OUT")" ||
	pass demo_own_interface_configured
grep -q '^PASS no_secret_in_outputs' "$OUT" && pass demo_no_secret || fail demo_no_secret "$(grep no_secret "$OUT")"
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$OUT"; then
	fail demo_sanitizer "$(grep -m1 -A3 'ERROR: AddressSanitizer\|runtime error:' "$OUT")"
fi
rm -f "$OUT.status" "$OUT.logs"
exit $T_FAILED
