#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - a throwaway lab: a wireguard-go server and two clients in network
# namespaces, wgaudit watching the server, events shown live, then cleanup.
# Installs what it needs (Debian 12, as root). Nothing leaves the machine.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "demo: run as root (it creates network namespaces)" >&2; exit 1; fi
[ "${WGAUDIT_NO_INSTALL:-0}" = 1 ] || { echo "== installing dependencies (apt-get)"; tests/install-deps.sh >/tmp/wgaudit-demo-install.log 2>&1 || { tail /tmp/wgaudit-demo-install.log; exit 1; }; }
echo "== building"
make -j2 wgaudit >/tmp/wgaudit-demo-build.log 2>&1 || { tail -30 /tmp/wgaudit-demo-build.log; exit 1; }
WGAUDIT=$PWD/build/rel/wgaudit
. tests/integration/lib.sh
lab_init demo
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; sleep 1; }

step "lab: server ${TAG}s, clients ${TAG}c1 ${TAG}c2 (wireguard-go, namespaces $SRV, wga-$TAG-c1/2)"
lab_server
lab_client 1
lab_client 2 25
cat > "$LAB/wgaudit.conf" <<CONF
[agent]
interval = 1s
active_after = 20s
transfer_interval = 5s
CONF
agent_start -c "$LAB/wgaudit.conf"
sleep 1.5
"$WGAUDIT" events --state-dir "$LAB/state" --follow --tail 5 &
FOLLOW=$!
trap 'kill $FOLLOW 2>/dev/null; lab_cleanup' EXIT

step "client 1 pings the server: handshake, peer active"
in_cli 1 ping -c 3 -W 2 10.232.0.1 >/dev/null
sleep 3
step "client 2 (keepalive 25s) sends 200 KiB: transfer events"
in_cli 2 ping -c 40 -i 0.05 -s 5000 -W 2 10.232.0.1 >/dev/null
sleep 6
step "client 1 roams to a new source port: endpoint changed"
in_cli 1 wg set "${TAG}c1" listen-port 41234
in_cli 1 ping -c 2 -W 2 10.232.0.1 >/dev/null
sleep 3
step "an admin adds and removes a peer behind our back (wg set)"
NEW=$(wg genkey | wg pubkey)
in_srv wg set "$SIF" peer "$NEW" allowed-ips 10.232.0.50/32
sleep 2
in_srv wg set "$SIF" peer "$NEW" remove
sleep 2
step "wgaudit status"
in_srv "$WGAUDIT" status -c "$LAB/wgaudit.conf" --interface "$SIF"
step "stopping (the journal stays in $LAB/state until cleanup)"
agent_stop
sleep 1
