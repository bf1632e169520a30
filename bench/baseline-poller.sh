#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/baseline-poller.sh - the baseline wgaudit replaces: the cron poller
# of a widely copied vendor guide ("Step 3: Create Peer Monitoring Script",
# seed 000_7103ee49dec04821), reproduced line for line for benchmarking,
# with only these changes:
#   - the dump columns are read in the real order: `wg show IFACE dump`
#     peer lines are public-key preshared-key endpoint allowed-ips
#     latest-handshake transfer-rx transfer-tx persistent-keepalive (the
#     guide reads rx/tx where the handshake is, so its status is wrong);
#   - `logger -n COLLECTOR -P 514 --tcp ...` appends the same message to
#     $EVENT_FILE instead (nothing is sent anywhere); the real script forks
#     one more process per changed peer, so this is if anything cheaper;
#   - INTERFACE, STATE_FILE and EVENT_FILE come from the environment, and
#     `sudo` is dropped (the benchmark already runs as root).
# Everything else (one `echo|head`, `date`, `grep|cut`, `grep -v` and `mv`
# per peer per poll) is the script as published.
INTERFACE="${INTERFACE:-wg0}"
STATE_FILE="${STATE_FILE:-/var/lib/kyra/wg-peers-state}"
EVENT_FILE="${EVENT_FILE:-/dev/null}"
mkdir -p "$(dirname "$STATE_FILE")"
wg show "$INTERFACE" dump | tail -n +2 | \
while IFS=$'\t' read -r pubkey psk endpoint allowed handshake rx tx keepalive; do
	PEER_ID=$(echo "$pubkey" | head -c 12)
	NOW=$(date +%s)
	# Active if handshake within last 180 seconds
	if [ "$handshake" -gt 0 ] && [ $((NOW - handshake)) -lt 180 ]; then
		STATUS="active"
	else
		STATUS="inactive"
	fi
	PREV=$(grep "^${PEER_ID}:" "$STATE_FILE" 2>/dev/null | cut -d: -f2)
	if [ "$STATUS" != "$PREV" ]; then
		echo "wireguard-audit: PEER_${STATUS^^} peer=$PEER_ID endpoint=$endpoint allowed_ips=$allowed rx=$rx tx=$tx" >> "$EVENT_FILE"
	fi
	# Update state file
	grep -v "^${PEER_ID}:" "$STATE_FILE" 2>/dev/null > "${STATE_FILE}.tmp"
	echo "${PEER_ID}:${STATUS}" >> "${STATE_FILE}.tmp"
	mv "${STATE_FILE}.tmp" "$STATE_FILE"
done
