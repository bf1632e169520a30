#!/usr/bin/env bash
# siem_snippets.sh - the collector-side snippets in contrib/ run as shipped
# (only ports and paths substituted) in a real rsyslogd and a real syslog-ng:
#   contrib/rsyslog/wgaudit.conf       programname filter -> file + omfwd to a
#                                      next hop with a disk-assisted queue
#   contrib/rsyslog/wgaudit-relp.conf  imrelp input into the same routing
#   contrib/syslog-ng/wgaudit.conf     syslog()/network() sources, program()
#                                      filter, JSON lines with the SD pairs
# Events come from the real agent watching a real wireguard-go lab (peer
# handshake and activity with a configured peer name, a peer added and
# removed with `wg set`, a rogue-peer alert), sent over syslog+tcp as RFC 5424
# (facility local4) and RFC 3164 (local5) to both collectors; each event of
# the agent's own JSON-lines output must arrive with all its fields.
# Unrelated `logger` messages (near-miss tags, the name only in the text)
# must not be routed. The next hop is down while events arrive and rsyslog is
# restarted; once it is up it must get every routed event.
#
# syslog-ng conflicts with rsyslog as a Debian package, so it runs from
# syslog-ng-core unpacked under build/syslog-ng/ (downloaded here with
# apt-get download once; its libraries come from tests/install-deps.sh).
# Everything listens on 127.0.0.1 only.
cd "$(dirname "$0")/../.."
TOP=$PWD
. tests/integration/lib.sh
. tests/integration/lib-rsyslog.sh

RS_CASES="rsyslog_snippets_load rsyslog_rfc5424_fields rsyslog_rfc3164_fields
rsyslog_guide_script_routed rsyslog_unrelated_not_routed rsyslog_relp_routed
rsyslog_relp_from_agent rsyslog_queue_saved_on_restart rsyslog_forward_after_outage
rsyslog_forward_not_unrelated"
NG_CASES="syslogng_snippet_loads syslogng_rfc5424_sd_pairs syslogng_rfc3164_pairs
syslogng_guide_script_routed syslogng_unrelated_not_routed"
skip_all() { for c in $RS_CASES $NG_CASES; do skip "$c" "$1"; done; exit 0; }

[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
for b in ip wg wireguard-go python3 ss logger; do
	command -v $b > /dev/null || skip_all "$b not installed"
done
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
"$WGAUDIT" check --help > /dev/null 2>&1 || skip_all "$WGAUDIT does not run (agent not built?)"

lab_init sn
RSD=$LAB/rs		# rsyslogd with the two rsyslog snippets
HOP=$LAB/hop		# the next hop: a plain rsyslogd (lib-rsyslog.sh sink)
RELAY=$LAB/relay	# a second rsyslogd sending RELP with omrelp
NGD=$LAB/ng		# syslog-ng with the syslog-ng snippet
SNG_PID=
cleanup() {
	agent_stop
	[ -n "${AGENT2_PID:-}" ] && kill "$AGENT2_PID" 2> /dev/null && wait "$AGENT2_PID" 2> /dev/null
	rsyslog_stop "$RSD"
	rsyslog_stop "$HOP"
	rsyslog_stop "$RELAY"
	sng_stop
	lab_cleanup
}
trap cleanup EXIT

# Distinct free loopback ports.
PORTS=" "
new_port() {	# tcp|udp
	local p
	for _ in $(seq 20); do
		p=$(rsyslog_free_port "$1")
		case $PORTS in *" $p "*) continue ;; esac
		PORTS="$PORTS$p "
		echo "$p"
		return 0
	done
	return 1
}
RS_IN=$(new_port tcp) RS_RELP=$(new_port tcp) HOP_T=$(new_port tcp) HOP_U=$(new_port udp)
RELAY_IN=$(new_port tcp) NG_5424=$(new_port tcp) NG_3164=$(new_port tcp)

# subst SRC DEST SED-EXPR...: the shipped file with the expressions applied
# to its non-comment lines; fails unless each expression changed exactly
# one line and nothing else changed (the test runs the file as shipped).
subst() {
	local src=$1 dst=$2 e n args=()
	shift 2
	for e in "$@"; do args+=(-e "/^[[:space:]]*#/!{$e}"); done
	sed "${args[@]}" "$src" > "$dst" || return 1
	n=$(diff "$src" "$dst" | grep -c '^>')
	[ "$n" = $# ] || { echo "expected $# substituted lines in $src, got $n: $(diff "$src" "$dst" | head -8 | tr '\n' ' ')"; return 1; }
}

# ---------------------------------------------------------------- the lab --
HOSTNAME_A=wga-sn-host
lab_server
lab_client 1
C1=$(cat "$LAB/c1.pub")
BOB=$(wg genkey | wg pubkey)		# added at run time, not in the config file
mkdir -p "$LAB/etc"
# Names come from the wg-quick file's comments; public parts only.
cat > "$LAB/etc/$SIF.conf" <<EOF
[Interface]
ListenPort = 51820

# Name = alice laptop
[Peer]
PublicKey = $C1
AllowedIPs = 10.232.0.2/32
EOF

# ------------------------------------------------------------- rsyslog ----
RS_MODDIR=$(dirname "$(find /usr/lib /usr/lib64 -name imtcp.so -path '*rsyslog*' 2> /dev/null | head -1)")
have_relp=1
[ -e "$RS_MODDIR/imrelp.so" ] && [ -e "$RS_MODDIR/omrelp.so" ] || have_relp=0
mkdir -p "$RSD/work"
rs_ok=1
if ! why=$(subst contrib/rsyslog/wgaudit.conf "$RSD/wgaudit.conf" \
	'/type="imtcp"/s/port="514"/port="'"$RS_IN"'"/' \
	's/target="collector\.example\.net" port="514"/target="127.0.0.1" port="'"$HOP_T"'"/' \
	's#file="/var/log/wireguard-audit\.log"#file="'"$RSD"'/wireguard-audit.log"#'); then
	rs_ok=0
elif [ $have_relp = 1 ] && ! why=$(subst contrib/rsyslog/wgaudit-relp.conf "$RSD/wgaudit-relp.conf" \
	'/type="imrelp"/s/port="2514"/port="'"$RS_RELP"'"/'); then
	rs_ok=0
fi
[ $have_relp = 1 ] || : > "$RSD/wgaudit-relp.conf"	# no rsyslog-relp: the RELP cases skip
# The host's rsyslog.conf around the drop-ins, as Debian has it: work
# directory, the drop-ins included before the catch-all rules.
cat > "$RSD/rsyslog.conf" <<EOF
global(workDirectory="$RSD/work" maxMessageSize="64k")
include(file="$RSD/wgaudit.conf")
include(file="$RSD/wgaudit-relp.conf")
template(name="other" type="string" string="%programname%|%msg%\n")
*.* action(type="omfile" file="$RSD/other.log" template="other")
EOF
RS_FILE=$RSD/wireguard-audit.log
: > "$RSD/other.log"
rs_start() { _rsyslog_launch "$RSD" "tcp:$RS_IN" $( [ $have_relp = 1 ] && echo "tcp:$RS_RELP"); }
if [ $rs_ok = 0 ]; then
	fail rsyslog_snippets_load "$why"
elif ! why=$(rs_start 2>&1); then
	rs_ok=0
	fail rsyslog_snippets_load "$why"
elif grep -v -e '^rsyslogd: version .*config validation run' -e '^rsyslogd: End of config validation run' "$RSD/check.log" | grep -q .; then
	fail rsyslog_snippets_load "rsyslogd -N1 warns: $(grep -v 'config validation run' "$RSD/check.log" | head -3 | tr '\n' ' ')"
else
	pass rsyslog_snippets_load
fi

# ------------------------------------------------------------ syslog-ng ----
SNG_CACHE=${SYSLOG_NG_CACHE:-$TOP/build/syslog-ng}
SNG_ROOT=$SNG_CACHE/root
# sng_prepare: syslog-ng-core unpacked in the cache (downloaded once);
# sets SNG_BIN, SNG_MODDIR, SNG_LIBDIR or SNG_WHY.
sng_prepare() {
	local deb missing
	if [ ! -x "$SNG_ROOT/usr/sbin/syslog-ng" ]; then
		command -v apt-get > /dev/null && command -v dpkg-deb > /dev/null ||
			{ SNG_WHY="apt-get/dpkg-deb not available"; return 1; }
		mkdir -p "$SNG_CACHE/deb"
		rm -f "$SNG_CACHE"/deb/*.deb
		if ! (cd "$SNG_CACHE/deb" && apt-get download syslog-ng-core) >> "$SNG_CACHE/apt.log" 2>&1; then
			apt-get update >> "$SNG_CACHE/apt.log" 2>&1
			(cd "$SNG_CACHE/deb" && apt-get download syslog-ng-core) >> "$SNG_CACHE/apt.log" 2>&1 ||
				{ SNG_WHY="apt-get download syslog-ng-core failed (see $SNG_CACHE/apt.log)"; return 1; }
		fi
		deb=$(ls "$SNG_CACHE"/deb/syslog-ng-core_*.deb 2> /dev/null | head -1)
		rm -rf "$SNG_ROOT.tmp"
		dpkg-deb -x "$deb" "$SNG_ROOT.tmp" && mv "$SNG_ROOT.tmp" "$SNG_ROOT" ||
			{ SNG_WHY="dpkg-deb -x $deb failed"; return 1; }
	fi
	SNG_BIN=$SNG_ROOT/usr/sbin/syslog-ng
	SNG_LIBDIR=$SNG_ROOT/usr/lib/syslog-ng
	SNG_MODDIR=$(dirname "$(ls "$SNG_LIBDIR"/*/libaffile.so 2> /dev/null | head -1)")
	[ -e "$SNG_MODDIR/libjson-plugin.so" ] || { SNG_WHY="unpacked syslog-ng has no json-plugin"; return 1; }
	missing=$(LD_LIBRARY_PATH=$SNG_LIBDIR ldd "$SNG_BIN" "$SNG_MODDIR"/libaffile.so \
		"$SNG_MODDIR"/libafsocket.so "$SNG_MODDIR"/libsyslogformat.so \
		"$SNG_MODDIR"/libjson-plugin.so "$SNG_MODDIR"/libkvformat.so \
		"$SNG_MODDIR"/libbasicfuncs.so 2>&1 | awk '/not found/ { print $1 }' | sort -u | tr '\n' ' ')
	[ -z "$missing" ] || { SNG_WHY="libraries missing: ${missing}(tests/install-deps.sh installs them)"; return 1; }
}
# sng ARGS: syslog-ng from the unpacked tree. In the background it is
# started without the function (a backgrounded function is a subshell, and
# $! would not be syslog-ng's pid).
sng() { env LD_LIBRARY_PATH="$SNG_LIBDIR" "$SNG_BIN" --module-path="$SNG_MODDIR" "$@"; }
sng_stop() {
	[ -n "$SNG_PID" ] || return 0
	kill "$SNG_PID" 2> /dev/null
	for _ in $(seq 50); do kill -0 "$SNG_PID" 2> /dev/null || break; sleep 0.1; done
	kill -9 "$SNG_PID" 2> /dev/null
	wait "$SNG_PID" 2> /dev/null
	SNG_PID=
}
ng_listening() { _rsyslog_listening tcp "$NG_5424" && _rsyslog_listening tcp "$NG_3164"; }

ng_ok=1
NG_FILE=$NGD/wireguard-audit.json
mkdir -p "$NGD"
: > "$NGD/other.log"
if ! sng_prepare; then
	ng_ok=0
	for c in $NG_CASES; do skip "$c" "$SNG_WHY"; done
elif ! why=$(subst contrib/syslog-ng/wgaudit.conf "$NGD/wgaudit.conf" \
	"s/port(601)/port($NG_5424)/" "s/port(514)/port($NG_3164)/" \
	's#"/var/log/wireguard-audit\.json"#"'"$NG_FILE"'"#'); then
	ng_ok=0
	fail syslogng_snippet_loads "$why"
else
	# The host's syslog-ng.conf around the drop-in; the fallback path
	# shows that unrouted messages did arrive.
	SNG_VER=$(sng --version 2> /dev/null | sed -n 's/^Installer-Version: \([0-9]*\.[0-9]*\).*/\1/p')
	cat > "$NGD/syslog-ng.conf" <<EOF
@version: ${SNG_VER:-3.38}
options { stats_freq(0); use_dns(no); dns_cache(no); };
@include "$NGD/wgaudit.conf"
destination d_other { file("$NGD/other.log" template("\${PROGRAM}|\${MSG}\n")); };
log { source(s_wgaudit); destination(d_other); flags(fallback); };
EOF
	if ! sng --syntax-only --cfgfile="$NGD/syslog-ng.conf" > "$NGD/check.log" 2>&1; then
		ng_ok=0
		fail syslogng_snippet_loads "syslog-ng rejects it: $(tail -5 "$NGD/check.log" | tr '\n' ' ')"
	else
		env LD_LIBRARY_PATH="$SNG_LIBDIR" "$SNG_BIN" --module-path="$SNG_MODDIR" \
			-F --cfgfile="$NGD/syslog-ng.conf" --pidfile="$NGD/syslog-ng.pid" \
			--control="$NGD/syslog-ng.ctl" --persist-file="$NGD/syslog-ng.persist" \
			> "$NGD/syslog-ng.log" 2>&1 &
		SNG_PID=$!
		if ! wait_for 15 ng_listening; then
			ng_ok=0
			fail syslogng_snippet_loads "syslog-ng did not listen: $(tail -5 "$NGD/syslog-ng.log" | tr '\n' ' ')"
		elif grep -qE 'WARNING|ERROR|Error' "$NGD/syslog-ng.log" "$NGD/check.log"; then
			fail syslogng_snippet_loads "syslog-ng warns: $(grep -hE 'WARNING|ERROR|Error' "$NGD/syslog-ng.log" "$NGD/check.log" | head -3 | tr '\n' ' ')"
		else
			pass syslogng_snippet_loads
		fi
	fi
fi
[ $rs_ok = 1 ] || [ $ng_ok = 1 ] || exit 1

# ---------------------------------------------------------------- agent ----
{
	cat <<EOF
[agent]
hostname = $HOSTNAME_A
interval = 300ms
interfaces = $SIF
config_dir = $LAB/etc
[kmsg]
enabled = no
[output "local"]
url = jsonl:$LAB/events.jsonl
EOF
	if [ $rs_ok = 1 ]; then cat <<EOF
[output "rsyslog-5424"]
url = syslog+tcp://127.0.0.1:$RS_IN
facility = local4
[output "rsyslog-3164"]
url = syslog+tcp://127.0.0.1:$RS_IN?format=rfc3164&framing=lf
facility = local5
EOF
	fi
	if [ $ng_ok = 1 ]; then cat <<EOF
[output "syslog-ng-5424"]
url = syslog+tcp://127.0.0.1:$NG_5424
facility = local4
[output "syslog-ng-3164"]
url = syslog+tcp://127.0.0.1:$NG_3164?format=rfc3164&framing=lf
facility = local5
EOF
	fi
} > "$LAB/wgaudit.conf"
# In the host namespace: it reaches the lab's wireguard-go over its UAPI
# socket and the collectors on this namespace's 127.0.0.1.
"$WGAUDIT" run -c "$LAB/wgaudit.conf" --state-dir "$LAB/state" >> "$LAB/agent.out" 2>&1 &
AGENT_PID=$!

events_ok=1
step() {	# what, then the wait command
	local what=$1
	shift
	wait_for 20 "$@" && return 0
	events_ok=0
	echo "  no $what in the agent's JSON lines; agent: $(tail -3 "$LAB/agent.out" | tr '\n' ' ')"
	return 1
}
step AGENT_STARTED has_event AGENT_STARTED
in_cli 1 ping -c 3 -i 0.3 -W 2 10.232.0.1 > /dev/null 2>&1	# handshake + traffic
step PEER_ACTIVE has_event PEER_ACTIVE
in_srv wg set "$SIF" peer "$BOB" allowed-ips 10.232.0.50/32
step PEER_ADDED has_event PEER_ADDED "$BOB"
in_srv wg set "$SIF" peer "$BOB" remove
step PEER_REMOVED has_event PEER_REMOVED "$BOB"
agent_stop
has_event AGENT_STOPPED || { events_ok=0; echo "  no AGENT_STOPPED in the agent's JSON lines"; }
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$LAB/agent.out"; then
	fail agent_clean "sanitizer report: $(grep -m1 -A3 'ERROR\|runtime error' "$LAB/agent.out" | tr '\n' ' ')"
fi

# ---------------------------------------------------- other messages -----
# Unrelated senders (each line carries a marker to find it by), and the
# guide's cron-script line (logger -t wireguard-audit), which is routed.
MARK=sn$$x$RANDOM
unrelated() {	# logger args to reach the collector
	logger "$@" -t sshd "Accepted publickey for root from 192.0.2.9 $MARK-u1"
	logger "$@" -t wireguard "wg0: Receiving handshake initiation from peer 3 $MARK-u2"
	logger "$@" -t wireguard-audit-x "PEER_ACTIVE peer=AAAAAAAAAAAA $MARK-u3"
	logger "$@" -t cron "wireguard-audit check finished $MARK-u4"
}
GUIDE_MSG="PEER_ACTIVE peer=GUIDEGUIDEGU endpoint=192.0.2.7:51820 allowed_ips=10.9.9.2/32 rx=1 tx=2 mark=$MARK-g"
n_marks() { grep -c "$MARK-u" "$1" 2> /dev/null; }
has_marks() { [ "$(n_marks "$1")" -ge "$2" ]; }
if [ $rs_ok = 1 ]; then
	unrelated -n 127.0.0.1 -P "$RS_IN" --tcp
	logger -n 127.0.0.1 -P "$RS_IN" --tcp -t wireguard-audit "$GUIDE_MSG"	# the guide's Step 3
fi
if [ $ng_ok = 1 ]; then
	unrelated -n 127.0.0.1 -P "$NG_5424" --tcp --octet-count --rfc5424
	unrelated -n 127.0.0.1 -P "$NG_3164" --tcp --rfc3164
	logger -n 127.0.0.1 -P "$NG_3164" --tcp --rfc3164 -t wireguard-audit "$GUIDE_MSG"
fi

# ---------------------------------------------------------- verification --
# verify MODE ARGS: python checks of received lines against the agent's
# JSON lines (the truth: every field but the envelope must arrive).
verify() {
	python3 - "$@" <<'PY'
import json, re, sys
from datetime import datetime

mode = sys.argv[1]
ENVELOPE = {"time", "host", "type", "severity", "source", "id"}

def events(path):
    return [json.loads(l) for l in open(path) if l.strip()]

def expected_sd(e):
    return {k: str(v) for k, v in e.items() if k not in ENVELOPE}

def expected_msg(e):
    # RFC 3164 MSG: `peer` is the key's first 12 characters, `pubkey` the key.
    d = expected_sd(e)
    if "peer" in d:
        d["pubkey"] = d["peer"]
        d["peer"] = d["peer"][:12]
    return d

def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))

def parse_sd(s):
    """'[id k="v" ...][...] rest' -> ({id: {k: v}}, rest); '- rest' -> ({}, rest)."""
    out = {}
    if s.startswith("-"):
        return out, s[1:]
    i = 0
    while i < len(s) and s[i] == "[":
        j = i + 1
        while j < len(s) and s[j] not in " ]":
            j += 1
        sid = s[i + 1:j]
        params = out.setdefault(sid, {})
        while s[j] == " ":
            j += 1
            k = j
            while s[j] != "=":
                j += 1
            name = s[k:j]
            j += 2			# '="'
            val = []
            while s[j] != '"':
                if s[j] == "\\" and s[j + 1] in '"\\]':
                    j += 1
                val.append(s[j])
                j += 1
            params[name] = "".join(val)
            j += 1
        assert s[j] == "]", s[i:j + 1]
        i = j + 1
    return out, s[i:]

ESC = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
def parse_kv(msg):
    """'TYPE k=v k="a \\"b\\"" ...' -> (TYPE, {k: v})"""
    msg = msg.strip()
    typ, _, rest = msg.partition(" ")
    d, i = {}, 0
    while i < len(rest):
        m = re.compile(r" *([A-Za-z0-9_.-]+)=").match(rest, i)
        if not m:
            raise ValueError("no key=value at: " + rest[i:i + 40])
        k, i = m.group(1), m.end()
        if i < len(rest) and rest[i] == '"':
            i += 1
            v = []
            while rest[i] != '"':
                if rest[i] == "\\":
                    i += 1
                    if rest[i] == "x":
                        v.append(chr(int(rest[i + 1:i + 3], 16)))
                        i += 3
                        continue
                    v.append(ESC.get(rest[i], "\\" + rest[i]))
                else:
                    v.append(rest[i])
                i += 1
            i += 1
        else:
            j = rest.find(" ", i)
            j = len(rest) if j < 0 else j
            v, i = rest[i:j], j
        d[k] = "".join(v)
    return typ, d

def rs_lines(path):
    """The snippet's file: TIME HOST FAC.SEV APP MSGID SD MSG"""
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        t, host, facsev, app, msgid, rest = line.split(" ", 5)
        sd, msg = parse_sd(rest)
        fac, _, sev = facsev.partition(".")
        out.append(dict(time=t, host=host, fac=fac, sev=sev, app=app, msgid=msgid,
                        sd=sd, sdraw=rest[:len(rest) - len(msg)].strip(),
                        msg=msg[1:] if msg.startswith(" ") else msg, line=line))
    return out

# Names the receiver may carry beyond the JSON fields compared: the
# envelope (should the agent put it into syslog too) and event_id.
EXTRA_OK = ENVELOPE | {"event_id"}

def diff(want, got):
    for k in sorted(set(want) | set(got)):
        if k not in want and k in EXTRA_OK:
            continue
        if want.get(k) != got.get(k):
            return "%s: want %r, got %r" % (k, want.get(k), got.get(k))
    return ""

def match_all(evs, cands, check):
    """Every event has a candidate line for which check() returns ''."""
    bad = []
    for e in evs:
        why = None
        for c in cands:
            w = check(e, c)
            if not w:
                why = None
                break
            if why is None or w.startswith("field"):
                why = w
        else:
            bad.append("%s (peer %s): %s" % (e["type"], e.get("peer", "-")[:12], why or "no line at all"))
    return bad

def report(bad, n):
    if bad:
        print("; ".join(bad[:3]) + (" (+%d more)" % (len(bad) - 3) if len(bad) > 3 else ""))
        sys.exit(1)
    print("%d events" % n)

SEV = {"warning": "warning", "warn": "warning", "err": "err", "error": "err"}

if mode == "rs5424":
    evs = events(sys.argv[3])
    lines = [l for l in rs_lines(sys.argv[2]) if l["fac"] == "local4"]
    def check(e, l):
        if l["msgid"] != e["type"]:
            return "type"
        for k, want in (("app", "wireguard-audit"), ("host", e["host"]),
                        ("sev", SEV.get(e["severity"], e["severity"]))):
            if l[k] != want:
                return "field %s: want %r, got %r" % (k, want, l[k])
        if ts(l["time"]) != ts(e["time"]):
            return "field time: want %s, got %s" % (e["time"], l["time"])
        d = diff(expected_sd(e), l["sd"].get("wgaudit@32473", {}))
        if d:
            return "field SD " + d
        if set(l["sd"]) != {"wgaudit@32473"}:
            return "field SD-IDs: %s" % sorted(l["sd"])
        return ""
    report(match_all(evs, lines, check), len(evs))

elif mode == "rs3164":
    evs = events(sys.argv[3])
    lines = [l for l in rs_lines(sys.argv[2]) if l["fac"] == "local5"]
    def check(e, l):
        typ, kv = parse_kv(l["msg"])
        if typ != e["type"]:
            return "type"
        for k, want in (("app", "wireguard-audit"), ("host", e["host"]), ("msgid", "-"),
                        ("sev", SEV.get(e["severity"], e["severity"]))):
            if l[k] != want:
                return "field %s: want %r, got %r" % (k, want, l[k])
        d = diff(expected_msg(e), kv)
        return "field MSG " + d if d else ""
    report(match_all(evs, lines, check), len(evs))

elif mode == "rsguide":		# FILE MARK: the guide's line, routed, MSG intact
    mark = sys.argv[3]
    got = [l for l in rs_lines(sys.argv[2]) if mark in l["msg"]]
    if len(got) != 1:
        print("%d lines with the marker" % len(got)); sys.exit(1)
    typ, kv = parse_kv(got[0]["msg"])
    if typ != "PEER_ACTIVE" or kv.get("peer") != "GUIDEGUIDEGU" or kv.get("endpoint") != "192.0.2.7:51820":
        print("parsed %s %s from %r" % (typ, kv, got[0]["line"])); sys.exit(1)
    print("ok")

elif mode == "rsrelp":		# FILE MARK: the RELP probe, SD intact
    mark = sys.argv[3]
    got = [l for l in rs_lines(sys.argv[2]) if mark in l["msg"]]
    if len(got) != 1:
        print("%d lines with the marker" % len(got)); sys.exit(1)
    l = got[0]
    sd = l["sd"].get("wgaudit@32473", {})
    if l["msgid"] != "RELP_PROBE" or sd.get("iface") != "relp0" or sd.get("peer_name") != "carol phone":
        print("got %r" % l["line"]); sys.exit(1)
    print("ok")

elif mode == "hop":		# FILE HOPFILE MARK [unrelated]
    # Every routed line arrived at the next hop (same header fields, SD
    # and MSG), or with "unrelated": nothing else did.
    mark = sys.argv[4]
    want = {}
    for l in rs_lines(sys.argv[2]):
        want[(l["host"], l["fac"], l["sev"], l["msgid"], l["sdraw"], l["msg"])] = l["line"]
    got, unrel = set(), []
    for line in open(sys.argv[3], encoding="utf-8", errors="replace"):
        # MSG exactly: it must start with the event type in both formats.
        head, _, msg = line.rstrip("\n").partition("|msg=")
        f = dict(re.findall(r"(?:^|\|)(app|host|sev|fac|msgid|sd)=([^|]*)", head))
        if mark + "-u" in msg or f.get("app") != "wireguard-audit":
            unrel.append(line.strip())
        got.add((f.get("host"), f.get("fac"), f.get("sev"), f.get("msgid"), f.get("sd"), msg))
    if sys.argv[5:] == ["unrelated"]:
        if unrel:
            print("the next hop got: %s" % unrel[0][:300]); sys.exit(1)
        print("ok"); sys.exit(0)
    missing = [v for k, v in want.items() if k not in got]
    if missing:
        print("%d of %d routed lines not at the next hop, e.g. %s" % (len(missing), len(want), missing[0][:300]))
        sys.exit(1)
    print("%d lines" % len(want))

elif mode in ("ng5424", "ng3164"):
    evs = events(sys.argv[3])
    fac = "local4" if mode == "ng5424" else "local5"
    lines = []
    for l in open(sys.argv[2]):
        j = json.loads(l)
        if j.get("facility") == fac:
            lines.append(j)
    HDR = {"time", "host", "severity", "facility", "program", "type", "message"}
    def check(e, j):
        if j.get("type") != e["type"]:
            return "type"
        for k, want in (("program", "wireguard-audit"), ("host", e["host"]),
                        ("severity", SEV.get(e["severity"], e["severity"]))):
            if j.get(k) != want:
                return "field %s: want %r, got %r" % (k, want, j.get(k))
        if mode == "ng5424" and ts(j["time"]) != ts(e["time"]):
            return "field time: want %s, got %s" % (e["time"], j["time"])
        want = expected_sd(e) if mode == "ng5424" else expected_msg(e)
        d = diff(want, {k: v for k, v in j.items() if k not in HDR})
        return "field pairs " + d if d else ""
    report(match_all(evs, lines, check), len(evs))

elif mode == "ngguide":		# FILE MARK
    got = [json.loads(l) for l in open(sys.argv[2]) if sys.argv[3] in l]
    if len(got) != 1:
        print("%d lines with the marker" % len(got)); sys.exit(1)
    j = got[0]
    if j.get("type") != "PEER_ACTIVE" or j.get("peer") != "GUIDEGUIDEGU" or j.get("endpoint") != "192.0.2.7:51820":
        print("got %r" % j); sys.exit(1)
    print("ok")
PY
}

# case NAME OK-FLAG CMD...: run a verify, PASS/FAIL with its word.
vcase() {
	local name=$1 out
	shift
	if out=$(verify "$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
n_type() { grep -c -- "$2" "$1" 2> /dev/null; }	# FILE REGEX
has_n() { [ "$(n_type "$1" "$2")" -ge "$3" ]; }

if [ $events_ok = 0 ]; then
	for c in rsyslog_rfc5424_fields rsyslog_rfc3164_fields syslogng_rfc5424_sd_pairs syslogng_rfc3164_pairs; do
		fail "$c" "the agent did not produce the lab's events (see above)"
	done
fi

if [ $rs_ok = 1 ]; then
	# Each output delivers in order: AGENT_STOPPED in both formats means
	# everything before it has been written.
	wait_for 20 has_n "$RS_FILE" ' local4\.info wireguard-audit AGENT_STOPPED ' 1
	wait_for 20 has_n "$RS_FILE" ' local5\.info wireguard-audit - - AGENT_STOPPED ' 1
	if [ $events_ok = 1 ]; then
		vcase rsyslog_rfc5424_fields rs5424 "$RS_FILE" "$LAB/events.jsonl"
		vcase rsyslog_rfc3164_fields rs3164 "$RS_FILE" "$LAB/events.jsonl"
	fi
	if wait_for 20 has_n "$RS_FILE" "$MARK-g" 1; then
		vcase rsyslog_guide_script_routed rsguide "$RS_FILE" "$MARK-g"
	else
		fail rsyslog_guide_script_routed "logger -t wireguard-audit line not in the file"
	fi
	# The unrelated lines reach the rules after the drop-in (other.log);
	# the routing (file, then stop) runs before those for each message.
	wait_for 20 has_marks "$RSD/other.log" 4
	if grep -q "$MARK-u" "$RS_FILE"; then
		fail rsyslog_unrelated_not_routed "routed: $(grep -m1 "$MARK-u" "$RS_FILE")"
	elif ! has_marks "$RSD/other.log" 4; then
		fail rsyslog_unrelated_not_routed "only $(n_marks "$RSD/other.log") of 4 unrelated messages reached rsyslog's other rules"
	elif grep -q "$MARK-g\|^wireguard-audit|" "$RSD/other.log"; then
		fail rsyslog_unrelated_not_routed "a wireguard-audit line also reached the other rules (no stop?): $(grep -m1 "$MARK-g\|^wireguard-audit|" "$RSD/other.log")"
	else
		pass rsyslog_unrelated_not_routed
	fi

	# RELP: a second rsyslogd forwards with omrelp into the snippet's imrelp.
	mkdir -p "$RELAY/work"
	cat > "$RELAY/rsyslog.conf" <<EOF
global(workDirectory="$RELAY/work")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="$RELAY_IN")
*.* action(type="omrelp" target="127.0.0.1" port="$RS_RELP"
	template="RSYSLOG_SyslogProtocol23Format")
EOF
	if [ $have_relp = 0 ]; then
		skip rsyslog_relp_routed "imrelp/omrelp not installed (package rsyslog-relp)"
	elif ! _rsyslog_listening tcp "$RS_RELP"; then
		fail rsyslog_relp_routed "nothing listens on the imrelp port $RS_RELP"
	elif ! why=$(_rsyslog_launch "$RELAY" "tcp:$RELAY_IN" 2>&1); then
		fail rsyslog_relp_routed "relay rsyslogd: $why"
	else
		logger -n 127.0.0.1 -P "$RELAY_IN" --tcp --octet-count --rfc5424 -t wireguard-audit \
			--msgid RELP_PROBE --sd-id wgaudit@32473 --sd-param 'iface="relp0"' \
			--sd-param 'peer_name="carol phone"' "RELP_PROBE iface=relp0 $MARK-r"
		logger -n 127.0.0.1 -P "$RELAY_IN" --tcp -t sshd "over RELP $MARK-u5"
		if ! wait_for 20 has_n "$RS_FILE" "$MARK-r" 1; then
			fail rsyslog_relp_routed "the RELP record never reached the file; relay: $(tail -3 "$RELAY/rsyslogd.log" | tr '\n' ' ')"
		elif ! wait_for 20 grep -q "$MARK-u5" "$RSD/other.log"; then
			fail rsyslog_relp_routed "the unrelated RELP record never reached the other rules"
		elif grep -q "$MARK-u5" "$RS_FILE"; then
			fail rsyslog_relp_routed "an unrelated RELP record was routed"
		else
			vcase rsyslog_relp_routed rsrelp "$RS_FILE" "$MARK-r"
		fi
	fi

	# The agent's own RELP output (syslog+relp://, DESIGN "delivered"), once
	# it has one: a short run that only emits AGENT_STARTED/STOPPED.
	relp_from_agent() {
		mkdir -p "$LAB/a2/uapi" "$LAB/a2/etc"
		cat > "$LAB/a2/wgaudit.conf" <<-EOF
	[agent]
	hostname = wga-sn-relp
	interfaces = wgasnrelp0
	state_dir = $LAB/a2/state
	uapi_dir = $LAB/a2/uapi
	config_dir = $LAB/a2/etc
	[kmsg]
	enabled = no
	[output "relp"]
	url = syslog+relp://127.0.0.1:$RS_RELP
	EOF
		"$WGAUDIT" run -c "$LAB/a2/wgaudit.conf" --interval 1s > "$LAB/a2/agent.out" 2>&1 &
		AGENT2_PID=$!
		relp_started() { grep -q ' wga-sn-relp .* AGENT_STARTED ' "$RS_FILE"; }
		a2_dead() { ! kill -0 "$AGENT2_PID" 2> /dev/null; }
		wait_for 20 eval 'relp_started || a2_dead'
		if a2_dead && grep -q 'not an output URL\|unknown scheme\|relp.*not supported' "$LAB/a2/agent.out"; then
			skip rsyslog_relp_from_agent "the agent has no syslog+relp:// output yet: $(head -1 "$LAB/a2/agent.out")"
			wait "$AGENT2_PID" 2> /dev/null
		else
			kill -TERM "$AGENT2_PID" 2> /dev/null
			wait "$AGENT2_PID" 2> /dev/null
			if wait_for 20 grep -q ' wga-sn-relp .* AGENT_STOPPED ' "$RS_FILE" && relp_started &&
				grep ' wga-sn-relp .* AGENT_STARTED ' "$RS_FILE" | grep -q 'wireguard-audit AGENT_STARTED \[wgaudit@32473 '; then
				pass rsyslog_relp_from_agent
			else
				fail rsyslog_relp_from_agent "AGENT_STARTED/STOPPED over RELP not in the file; agent: $(tail -3 "$LAB/a2/agent.out" | tr '\n' ' ')"
			fi
		fi
		AGENT2_PID=
	}
	if [ $have_relp = 0 ]; then
		skip rsyslog_relp_from_agent "imrelp not installed (package rsyslog-relp)"
	else
		relp_from_agent
	fi

	# The next hop has been down all along. Restart rsyslog: the forward
	# queue must be saved to its work directory and read back.
	rsyslog_stop "$RSD"
	if ls "$RSD"/work/wgaudit_forward*.qi > /dev/null 2>&1; then
		pass rsyslog_queue_saved_on_restart
	else
		fail rsyslog_queue_saved_on_restart "no wgaudit_forward queue file in the work directory after stopping rsyslogd: $(ls "$RSD/work" | tr '\n' ' ')"
	fi
	if ! why=$(rs_start 2>&1); then
		fail rsyslog_forward_after_outage "rsyslogd did not restart: $why"
	elif ! rsyslog_start "$HOP" "$HOP_T" "$HOP_U"; then
		fail rsyslog_forward_after_outage "the next hop rsyslogd did not start"
	else
		want=$(grep -c . "$RS_FILE")
		# rsyslog retries a suspended action every resumeInterval (10 s).
		if ! rsyslog_wait_lines "$HOP" "$want" 90; then
			fail rsyslog_forward_after_outage "the next hop got $(grep -c . "$(rsyslog_out "$HOP")") of $want lines"
		else
			vcase rsyslog_forward_after_outage hop "$RS_FILE" "$(rsyslog_out "$HOP")" "$MARK"
		fi
		vcase rsyslog_forward_not_unrelated hop "$RS_FILE" "$(rsyslog_out "$HOP")" "$MARK" unrelated
	fi
fi

if [ $ng_ok = 1 ]; then
	wait_for 20 has_n "$NG_FILE" '"type":"AGENT_STOPPED".*"facility":"local4"\|"facility":"local4".*"type":"AGENT_STOPPED"' 1
	wait_for 20 has_n "$NG_FILE" '"type":"AGENT_STOPPED".*"facility":"local5"\|"facility":"local5".*"type":"AGENT_STOPPED"' 1
	if [ $events_ok = 1 ]; then
		vcase syslogng_rfc5424_sd_pairs ng5424 "$NG_FILE" "$LAB/events.jsonl"
		vcase syslogng_rfc3164_pairs ng3164 "$NG_FILE" "$LAB/events.jsonl"
	fi
	if wait_for 20 has_n "$NG_FILE" "$MARK-g" 1; then
		vcase syslogng_guide_script_routed ngguide "$NG_FILE" "$MARK-g"
	else
		fail syslogng_guide_script_routed "logger -t wireguard-audit --rfc3164 line not in the file"
	fi
	wait_for 20 has_marks "$NGD/other.log" 8
	if grep -q "$MARK-u" "$NG_FILE"; then
		fail syslogng_unrelated_not_routed "routed: $(grep -m1 "$MARK-u" "$NG_FILE")"
	elif ! has_marks "$NGD/other.log" 8; then
		fail syslogng_unrelated_not_routed "only $(n_marks "$NGD/other.log") of 8 unrelated messages reached the fallback path"
	elif grep -q "$MARK-g\|^wireguard-audit|" "$NGD/other.log"; then
		fail syslogng_unrelated_not_routed "a wireguard-audit line also reached the fallback path"
	else
		pass syslogng_unrelated_not_routed
	fi
fi

exit $T_FAILED
