#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# doctor.sh - `wgaudit doctor` on a real lab: a wireguard-go server with one
# client that handshakes, a configured peer that never connects, a live
# peer missing from $LAB/etc/wireguard/IFACE.conf; outputs: a real rsyslogd
# (reachable), a closed 127.0.0.1 port (refused), `wgaudit collector` over
# TLS (verified against our CA, rejected without it) and RELP (open answered;
# a TLS port is no RELP receiver); a state dir with mode
# 0777. Asserts on the JSON (it must parse) and the exit status (0 without
# a fail, 1 with one), and that the run is bounded. Traffic stays on
# 127.0.0.1 and inside the lab's namespaces.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/lib-rsyslog.sh
need_root doctor
command -v python3 >/dev/null || { skip doctor "python3 not installed"; exit 0; }
[ -x "$RSYSLOGD" ] || { skip doctor "rsyslogd not installed"; exit 0; }

lab_init doc
COLL=
trap 'rsyslog_stop "$LAB/rs"; [ -n "$COLL" ] && kill "$COLL" 2>/dev/null && wait "$COLL" 2>/dev/null; lab_cleanup' EXIT
lab_server
lab_client 1
in_cli 1 ping -c 2 -W 2 10.232.0.1 >/dev/null
wait_for 20 sh -c "ip netns exec $SRV wg show $SIF latest-handshakes | awk '\$2 > 0' | grep -q ."
GHOST=$(wg genkey | wg pubkey)	# in the file, never connects
ROGUE=$(wg genkey | wg pubkey)	# live, not in the file
OLD=$(wg genkey | wg pubkey)	# in the file, not on the interface
in_srv wg set "$SIF" peer "$GHOST" allowed-ips 10.232.0.99/32
in_srv wg set "$SIF" peer "$ROGUE" allowed-ips 10.232.0.98/32
mkdir -p "$LAB/etc/wireguard"
cat > "$LAB/etc/wireguard/$SIF.conf" <<EOF
[Interface]
ListenPort = 51820

# Name = client one
[Peer]
PublicKey = $(cat "$LAB/c1.pub")
AllowedIPs = 10.232.0.2/32

# Name = ghost
[Peer]
PublicKey = $GHOST
AllowedIPs = 10.232.0.99/32

# Name = old laptop
[Peer]
PublicKey = $OLD
AllowedIPs = 10.232.0.97/32
EOF

TPORT=$(rsyslog_free_port tcp); UPORT=$(rsyslog_free_port udp)
CLOSED=$(rsyslog_free_port tcp)	# bound once then released: nothing listens
SPORT=$(rsyslog_free_port tcp)
RPORT=$(rsyslog_free_port tcp)
err=$(rsyslog_start "$LAB/rs" "$TPORT" "$UPORT" 2>&1) || { fail setup "rsyslogd: $err"; exit 1; }

# a throwaway CA and a server certificate for 127.0.0.1 (in pki/: the lab's
# secret scan reads top-level *.key files as WireGuard keys)
mkdir -p "$LAB/pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$LAB/pki/ca.key" -out "$LAB/pki/ca.pem" -subj "/CN=wgaudit doctor test CA" \
	-addext basicConstraints=critical,CA:TRUE 2>/dev/null &&
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$LAB/pki/server.key" -out "$LAB/pki/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$LAB/pki/server.ext" &&
openssl x509 -req -in "$LAB/pki/server.csr" -CA "$LAB/pki/ca.pem" -CAkey "$LAB/pki/ca.key" \
	-CAcreateserial -days 2 -out "$LAB/pki/server.pem" -extfile "$LAB/pki/server.ext" 2>/dev/null ||
	{ fail setup "openssl cannot make test certificates"; exit 1; }
"$WGAUDIT" collector run --db "$LAB/coll.db" --listen "tls://127.0.0.1:$SPORT" --listen "relp://127.0.0.1:$RPORT" \
	--tls-cert "$LAB/pki/server.pem" --tls-key "$LAB/pki/server.key" > "$LAB/coll.log" 2>&1 &
COLL=$!
wait_for 10 sh -c "ss -H -ltn 'sport = :$SPORT' | grep -q . && ss -H -ltn 'sport = :$RPORT' | grep -q ." || { fail setup "collector: $(tail -2 "$LAB/coll.log")"; exit 1; }

mkdir -m 0700 "$LAB/state" "$LAB/state-bad"
chmod 0777 "$LAB/state-bad"
conf() {	# NAME STATE_DIR OUTPUT_URL...
	local name=$1 st=$2; shift 2
	{
		printf '[agent]\ninterfaces = %s\nstate_dir = %s\nconfig_dir = %s\ninterval = 5s\n' \
			"$SIF" "$st" "$LAB/etc/wireguard"
		local i=0
		for u in "$@"; do i=$((i + 1)); printf '[output "o%d"]\nurl = %s\n' $i "$u"; done
	} > "$LAB/$name.conf"
}
conf good "$LAB/state" "syslog+tcp://127.0.0.1:$TPORT" \
	"syslog+tls://127.0.0.1:$SPORT?ca=$LAB/pki/ca.pem" "syslog+relp://127.0.0.1:$RPORT"
conf bad "$LAB/state-bad" "syslog+tcp://127.0.0.1:$TPORT" "syslog+tcp://127.0.0.1:$CLOSED" \
	"syslog+tls://127.0.0.1:$SPORT" "syslog+udp://127.0.0.1:$UPORT" "syslog+relp://127.0.0.1:$SPORT"

start=$SECONDS
timeout 30 "$WGAUDIT" doctor -c "$LAB/good.conf" --json > "$LAB/good.json" 2> "$LAB/good.err"; rc_good=$?
timeout 30 "$WGAUDIT" doctor -c "$LAB/bad.conf" --json > "$LAB/bad.json" 2> "$LAB/bad.err"; rc_bad=$?
timeout 30 "$WGAUDIT" doctor -c "$LAB/bad.conf" > "$LAB/bad.txt" 2>&1; rc_text=$?
elapsed=$((SECONDS - start))

# jq-like assertions: NAME FILE PYTHON-EXPR over r (the parsed array)
check() {
	local name=$1 file=$2 expr=$3 out
	if out=$(python3 - "$file" "$expr" <<'EOF' 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r, list) and r and all(set(x) == {"check", "status", "detail", "hint"} for x in r), "not an array of {check,status,detail,hint}"
assert all(x["status"] in ("ok", "warn", "fail") for x in r), "a status is not ok/warn/fail"
def has(check, status, *words):
    return any(x["check"] == check and x["status"] == status and all(w in x["detail"] for w in words) for x in r)
ok = eval(sys.argv[2])
if not ok:
    print(json.dumps([x for x in r if x["status"] != "ok" or x["check"] in ("output", "state_dir")])[:1500])
sys.exit(0 if ok else 1)
EOF
	); then pass "$name"; else fail "$name" "$out"; fi
}
C1=$(cat "$LAB/c1.pub")
[ $rc_good = 0 ] && pass doctor_exit_0_without_fail || fail doctor_exit_0_without_fail "rc=$rc_good: $(head -c 1500 "$LAB/good.json") $(cat "$LAB/good.err")"
[ $rc_bad = 1 ] && [ $rc_text = 1 ] && pass doctor_exit_1_on_fail || fail doctor_exit_1_on_fail "json rc=$rc_bad text rc=$rc_text"
check doctor_json_parses "$LAB/good.json" 'True'
check doctor_json_every_warn_has_hint "$LAB/bad.json" "all(x['hint'] for x in r if x['status'] != 'ok') and not any(x['hint'] for x in r if x['status'] == 'ok')"
check doctor_interface_found "$LAB/good.json" "has('interface', 'ok', '$SIF (userspace)', '3 peers')"
check doctor_never_handshaked "$LAB/good.json" "has('handshake', 'warn', '$GHOST', '(ghost)', 'never completed') and has('handshake', 'warn', '$ROGUE') and not any('$C1' in x['detail'] for x in r if x['check'] == 'handshake') and any('UDP port 51820' in x['hint'] for x in r if x['check'] == 'handshake')"
check doctor_peer_not_in_config "$LAB/good.json" "has('config_peers', 'warn', '$ROGUE', 'live peer', 'is not in') and not any('$GHOST' in x['detail'] or '$C1' in x['detail'] for x in r if x['check'] == 'config_peers')"
check doctor_file_peer_not_live "$LAB/good.json" "has('config_peers', 'warn', '$OLD', '(old laptop)', 'not on the interface')"
check doctor_poll_cost "$LAB/good.json" "has('poll_cost', 'ok', '3 peers on 1 interface', 'every 5000ms')"
check doctor_output_reached "$LAB/good.json" "has('output', 'ok', ':$TPORT', 'TCP connected') and has('output', 'ok', ':$SPORT', 'TLS handshake verified')"
check doctor_state_dir_ok "$LAB/good.json" "has('state_dir', 'ok', '0700')"
check doctor_output_refused "$LAB/bad.json" "has('output', 'fail', ':$CLOSED', 'Connection refused') and has('output', 'ok', ':$TPORT', 'TCP connected')"
check doctor_relp_open "$LAB/good.json" "has('output', 'ok', 'relp://127.0.0.1:$RPORT', 'RELP open answered 200')"
check doctor_relp_not_relp "$LAB/bad.json" "has('output', 'fail', 'relp://127.0.0.1:$SPORT', 'RELP open') and any('RELP receiver' in x['hint'] for x in r if 'relp://' in x['detail'])"
check doctor_tls_unverified "$LAB/bad.json" "has('output', 'fail', ':$SPORT', 'certificate rejected')"
check doctor_udp_unverifiable "$LAB/bad.json" "has('output', 'warn', 'udp://127.0.0.1:$UPORT', 'cannot be verified')"
check doctor_state_dir_mode "$LAB/bad.json" "has('state_dir', 'fail', 'mode 0777')"
if grep -q "^fail  output .*127.0.0.1:$CLOSED: TCP connect" "$LAB/bad.txt" && grep -q "^ *-> " "$LAB/bad.txt" &&
   grep -qE '^[0-9]+ ok, [0-9]+ warn, [1-9][0-9]* fail$' "$LAB/bad.txt"; then pass doctor_text_lines
else fail doctor_text_lines "$(cat "$LAB/bad.txt")"; fi
[ $elapsed -lt 25 ] && pass doctor_bounded || fail doctor_bounded "three runs took ${elapsed}s"
stored=$("$WGAUDIT" collector status --db "$LAB/coll.db" | sed -n 's/^messages: [0-9]* received, \([0-9]*\) stored.*/\1/p')
[ "$(wc -l < "$(rsyslog_out "$LAB/rs")")" = 0 ] && [ "$stored" = 0 ] && pass doctor_sends_nothing ||
	fail doctor_sends_nothing "rsyslog received: $(head -2 "$(rsyslog_out "$LAB/rs")"); collector stored '$stored'"
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$LAB"/*.err "$LAB/bad.txt"; then
	fail doctor_sanitizer "$(grep -h -m1 -A3 'ERROR\|runtime error' "$LAB"/*.err "$LAB/bad.txt")"
fi
exit $T_FAILED
