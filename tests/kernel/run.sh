#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/kernel/run.sh - the real-kernel lab: boot Debian's cloud kernel under
# QEMU/TCG with the initramfs from build.sh, let tests/kernel/init run its
# scenario (real wireguard.ko, namespaces, handshakes, roaming, bad packets),
# then check what came out of the VM's second serial port.
#
#   tests/kernel/run.sh [--no-build] [--record] [--keep]
#     --no-build  reuse build/kernel/ as it is
#     --recheck   no build, no boot: check the last run's build/kernel/run/ again
#     --record    also rewrite tests/data/kmsg-real-<ver>.txt and
#                 kmsg-real-<ver>-dmesg.txt from this run's kernel log
#   env: WGAUDIT (binary put into the VM, default build/rel/wgaudit),
#        KERNEL_LAB_TIMEOUT (seconds of VM wall time, default 900)
#        KERNEL_LAB_BOOT_WAIT (seconds a boot may show no console output before
#        it is killed and booted once more, default 240)
#        KERNEL_LAB_STALL (seconds the result port may stay silent, with a soft
#        lockup on the console, before the VM is killed and booted once more,
#        default 180)
#
# Prints PASS/FAIL/SKIP lines (tests/run convention). Artifacts in
# build/kernel/run/: console.log, out.txt (result port), kmsg.txt, events.jsonl.
#
# To add a check, add a line to one of the tables below:
#   KERNEL_EXPECT  name <TAB> ERE on raw /dev/kmsg records ("prio,seq,usec,flags;text")
#   AGENT_EXPECT   name <TAB> tag <TAB> ERE <TAB> ERE ...  (all on one events.jsonl line;
#                  tag: poll = netlink-derived, kmsg = kernel-log-derived (also
#                  checked on `wgaudit replay` of the captured log), daemon = needs
#                  the live daemon's correlation)
#   AGENT_REJECT   name <TAB> ERE                 (no events.jsonl line may match)
#   STATUS_EXPECT  name <TAB> ERE <TAB> ERE ...  (each somewhere in `wgaudit status` output)
set -u
cd "$(dirname "$0")/../.."
TOP=$PWD
B=$TOP/build/kernel
RUN=$B/run
build=1 record=0 boot=1
for a in "$@"; do
	case $a in
	--no-build) build=0 ;;
	--recheck) build=0 boot=0 ;;
	--record) record=1 ;;
	*) echo "usage: tests/kernel/run.sh [--no-build] [--recheck] [--record]" >&2; exit 2 ;;
	esac
done

t_start=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# --- build ----------------------------------------------------------------------
mkdir -p "$B"
if [ $build = 1 ]; then
	tests/kernel/build.sh > "$B/build.out" 2> "$B/build.log"
	rc=$?
	if [ $rc = 77 ]; then
		echo "SKIP kernel-lab: $(sed -n 's/^SKIP-REASON: //p' "$B/build.out" | tail -1)"
		exit 0
	elif [ $rc != 0 ]; then
		echo "FAIL kernel-lab-build: build.sh exited $rc (see build/kernel/build.log)"
		tail -15 "$B/build.log" | sed 's/^/     /'
		exit 1
	fi
fi
if ! command -v qemu-system-x86_64 > /dev/null; then
	echo "SKIP kernel-lab: qemu-system-x86_64 not installed"
	exit 0
fi
if [ ! -e "$B/vmlinuz" ] || [ ! -e "$B/initramfs.cpio.gz" ]; then
	echo "SKIP kernel-lab: no build/kernel/vmlinuz or initramfs (run without --no-build)"
	exit 0
fi
echo "# build: $(elapsed "$t_start") s"

# --- boot -------------------------------------------------------------------------
t_vm=$(date +%s.%N)
qrc=0
# Unknown name=value kernel parameters land in /init's environment: that is
# how a sanitizer build's options (set by tests/run) reach wgaudit in the VM.
san_env=
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
	val=${!v:-}
	case $val in *' '* | '') ;; *) san_env="$san_env $v=$val" ;; esac
done
# boot_vm DIR EXTRA: one boot, its result port in DIR/out.clean (sets qrc).
boot_vm() {
	rm -rf "$1"
	mkdir -p "$1"
	# KVM does not work on these machines (WIREGUARD-FACTS.md section 5): TCG only.
	timeout "${KERNEL_LAB_TIMEOUT:-900}" qemu-system-x86_64 \
		-accel tcg -cpu max -smp 2 -m 512M \
		-display none -nic none -no-reboot -monitor none \
		-kernel "$B/vmlinuz" -initrd "$B/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 log_buf_len=8M printk.devkmsg=on $san_env $2" \
		-serial "file:$1/console.log" -serial "file:$1/out.txt" \
		> "$1/qemu.log" 2>&1 &
	local qpid=$! t=0 still=0 size=0 now why
	# Two hangs of TCG itself are killed and booted again, once, each
	# said on a '#' line (never hidden): a boot that never reaches /init
	# (once in ~10 CI runs, nothing on the console for 900 s; /init
	# writes its first STEP within seconds), and a guest whose kernel
	# reports a soft lockup while the result port stays silent for
	# KERNEL_LAB_STALL s (once: both vCPUs stuck in kworkers for 800 s
	# after 'agent restarted while a flood runs'; every step of /init
	# bounds its own waits and says TIMEOUT, so a silent port with a
	# lockup means the guest, not a check, is stuck).
	while [ -z "${3:-}" ] && kill -0 $qpid 2> /dev/null; do
		now=$(stat -c %s "$1/out.txt" 2> /dev/null || echo 0)
		if [ "$now" = "$size" ]; then still=$((still + 1)); else still=0 size=$now; fi
		why=
		if [ ! -s "$1/console.log" ] && [ $t -ge "${KERNEL_LAB_BOOT_WAIT:-240}" ]; then
			why="did not reach /init in $t s (empty console)"
		elif [ $still -ge "${KERNEL_LAB_STALL:-180}" ] &&
			grep -q 'BUG: soft lockup' "$1/console.log" 2> /dev/null; then
			why="stalled: soft lockup, no result for $still s after $(grep -a '^STEP' "$1/out.txt" | tail -1 | tr -d '\r')"
		fi
		if [ -n "$why" ]; then
			kill $qpid 2> /dev/null
			wait $qpid
			echo "# the VM $why: booting once more"
			boot_vm "$1" "$2" again
			return
		fi
		sleep 1
		t=$((t + 1))
	done
	wait $qpid
	qrc=$?
}
# unbundle DIR: out.txt -> out.clean with the sections unpacked (they come
# as one gzip+base64 bundle: the UART is slow).
unbundle() {
	tr -d '\r' < "$1/out.txt" > "$1/out.clean" 2> /dev/null || : > "$1/out.clean"
	sed -n '/^=== BUNDLE [0-9]/,/^=== BUNDLE END/{/^===/d;p}' "$1/out.clean" |
		base64 -d 2> /dev/null | gunzip 2> /dev/null >> "$1/out.clean"
}
[ $boot = 1 ] && boot_vm "$RUN" ""
vm_wall=$(elapsed "$t_vm")
unbundle "$RUN"
OUT=$RUN/out.clean

# sec NAME: one section of the result port.
sec() { awk -v n="$1" '$0 == "=== BEGIN " n { on = 1; next } on && index($0, "=== END " n " rc=") == 1 { exit } on' "$OUT"; }
sec_rc() { sed -n "s/^=== END $1 rc=//p" "$OUT" | tail -1; }
pass() { echo "PASS $1"; }
nfail=0
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1: $2"; }

# Timings from inside the VM (STEP <uptime> ...).
boot_s=$(awk '/^STEP .* init started/ { print $2; exit }' "$OUT")
done_s=$(awk '/^STEP .* done$/ { print $2; exit }' "$OUT")
echo "# vm wall ${vm_wall} s, qemu rc $qrc; /init reached at ${boot_s:-?} s uptime," \
	"scenario $(awk -v a="${boot_s:-0}" -v b="${done_s:-0}" 'BEGIN { printf "%.1f", b - a }') s"

if grep -q '^=== DONE' "$OUT"; then
	pass vm-scenario-completed
else
	why="no DONE marker (qemu rc $qrc$([ $qrc = 124 ] && echo ', wall-clock timeout'))"
	fail vm-scenario-completed "$why; last steps: $(grep '^STEP' "$OUT" | tail -2 | tr '\n' ' ')"
	tail -5 "$RUN/console.log" 2> /dev/null | sed 's/^/     /'
fi
grep '^TIMEOUT' "$OUT" | sed 's/^/# /'
KVER=$(sed -n 's/^KERNEL //p' "$OUT" | head -1)

if grep -q '^KEYLEAKS 0$' "$OUT"; then
	pass no-private-key-shipped
else
	fail no-private-key-shipped "$(grep -E '^KEYLEAK' "$OUT" | tr '\n' ' ')"
fi
if grep -q '^DYNDBG [1-9]' "$OUT"; then
	pass dyndbg-enabled
else
	fail dyndbg-enabled "no wireguard dynamic debug call sites enabled"
fi

# --- kernel log ---------------------------------------------------------------------
sec kmsg > "$RUN/kmsg.txt"
# Kernel-facility records only (prio < 8); userspace can write to /dev/kmsg.
K='^[0-7],[0-9]+,[0-9]+,[^;]*;'
IP4='192\.168\.241'
KERNEL_EXPECT="\
module-loaded	${K}wireguard: WireGuard [0-9.]+ loaded\. See www\.wireguard\.com for information\.$
iface-created	${K}wireguard: wg0: Interface created$
peer-created	${K}wireguard: wg0: Peer [0-9]+ created$
handshake-initiation-sent	${K}wireguard: wgc0: Sending handshake initiation to peer [0-9]+ \(${IP4}\.1:51820\)$
handshake-initiation-received	${K}wireguard: wg0: Receiving handshake initiation from peer [0-9]+ \(${IP4}\.2:40001\)$
handshake-response-sent	${K}wireguard: wg0: Sending handshake response to peer [0-9]+ \(${IP4}\.2:40001\)$
handshake-response-received	${K}wireguard: wgc0: Receiving handshake response from peer [0-9]+ \(${IP4}\.1:51820\)$
keypair-created	${K}wireguard: wg0: Keypair [0-9]+ created for peer [0-9]+$
keypair-destroyed	${K}wireguard: wg0: Keypair [0-9]+ destroyed for peer [0-9]+$
ipv6-endpoint	${K}wireguard: wg0: Receiving handshake initiation from peer [0-9]+ \(\[fd00:242::2\]:40003/0%0\)$
ipv6-endpoint-sent	${K}wireguard: wgc6: Sending handshake initiation to peer [0-9]+ \(\[fd00:242::1\]:51820/0%0\)$
roamed-rehandshake	${K}wireguard: wg0: Receiving handshake initiation from peer [0-9]+ \(${IP4}\.2:40002\)$
unallowed-src-ip	${K}wireguard: wg0: Packet has unallowed src IP \(10\.241\.0\.77\) from peer [0-9]+ \(${IP4}\.2:40001\)$
invalid-mac-v4	${K}wireguard: wg0: Invalid MAC of handshake, dropping packet from ${IP4}\.2:50001$
invalid-mac-v6	${K}wireguard: wg0: Invalid MAC of handshake, dropping packet from \[fd00:241::2\]:50006/0%0$
invalid-initiation-v4	${K}wireguard: wg0: Invalid handshake initiation from ${IP4}\.2:50002$
invalid-initiation-v6	${K}wireguard: wg0: Invalid handshake initiation from \[fd00:241::2\]:50007/0%0$
invalid-response	${K}wireguard: wg0: Invalid handshake response from ${IP4}\.2:50003$
cookie-received	${K}wireguard: wg0: Receiving cookie response from ${IP4}\.2:50004$
no-endpoint	${K}wireguard: wg0: No valid endpoint has been configured or discovered for peer [0-9]+$
no-route	${K}wireguard: wg0: No route to 192\.0\.2\.1:51820, error -[0-9]+$
invalid-ip-packet	${K}wireguard: wg0: Invalid IP packet$
cookie-sent-under-load	${K}wireguard: wg0: Sending cookie response for denied handshake message for ${IP4}\.2:50012$
no-peer-for-ipv4	${K}wireguard: wg0: No peer has allowed IPs matching 10\.241\.0\.99$
no-peer-for-ipv6	${K}wireguard: wg0: No peer has allowed IPs matching fd00:aaaa:[0-9a-f:]+:0*99$
keepalive-sent	${K}wireguard: wgc6: Sending keepalive packet to peer [0-9]+ \(\[fd00:242::1\]:51820/0%0\)$
keepalive-received	${K}wireguard: wg0: Receiving keepalive packet from peer [0-9]+ \(\[fd00:242::2\]:40003/0%0\)$
retry-no-reply	${K}wireguard: wg0: Retrying handshake with peer [0-9]+ \(${IP4}\.2:40002\) because we stopped hearing back after 15 seconds$
retry-timeout	${K}wireguard: wg0: Handshake for peer [0-9]+ \(${IP4}\.2:40002\) did not complete after 5 seconds, retrying \(try [0-9]+\)$
ratelimit-suppressed	^4,[0-9]+,[0-9]+,[^;]*;net_ratelimit: [0-9]+ callbacks suppressed$
peer-destroyed	${K}wireguard: wg0: Peer [0-9]+ \(192\.0\.2\.1:51820\) destroyed$
peer-destroyed-no-endpoint	${K}wireguard: wg0: Peer [0-9]+ \(\(einval\)\) destroyed$
peer-destroyed-ipv6	${K}wireguard: wg0: Peer [0-9]+ \(\[fd00:242::2\]:40003/0%0\) destroyed$
iface-destroyed	${K}wireguard: wg0: Interface destroyed$
netns-exiting	${K}wireguard: wgx: Creating namespace exiting$
userspace-record-is-facility-user	^1[0-9],[0-9]+,[0-9]+,[^;]*;wireguard: wg0: Invalid MAC of handshake, dropping packet from 203\.0\.113\.66:6666$"

if [ ! -s "$RUN/kmsg.txt" ]; then
	fail kmsg-captured "no kmsg section on the result port"
else
	pass kmsg-captured
	while IFS=$'\t' read -r name re; do
		[ -n "$name" ] || continue
		if grep -qE -- "$re" "$RUN/kmsg.txt"; then
			pass "kmsg/$name"
		else
			fail "kmsg/$name" "no record matches /$re/"
		fi
	done <<< "$KERNEL_EXPECT"

	# Roaming: the same peer number first seen at :40001, later at :40002.
	roam=$(awk -F';' '
		/wireguard: wg0: Receiving handshake initiation from peer [0-9]+ \(192\.168\.241\.2:4000[12]\)$/ {
			split($1, h, ","); t = $2; sub(/.*from peer /, "", t); split(t, p, " ")
			port = ($2 ~ /:40001\)$/) ? 1 : 2
			if (port == 1 && !(p[1] in first)) first[p[1]] = h[2]
			if (port == 2 && (p[1] in first) && h[2] > first[p[1]]) { print p[1]; exit }
		}' "$RUN/kmsg.txt")
	if [ -n "$roam" ]; then
		pass kmsg/roaming-same-peer-new-port
	else
		fail kmsg/roaming-same-peer-new-port "no peer seen at 192.168.241.2:40001 and later at :40002"
	fi
	# Every record parses as "prio,seq,usec,flags;text" or is a continuation line.
	bad=$(grep -cvE '^([0-9]+,[0-9]+,[0-9]+,[^;]*;| [A-Z_]+=)' "$RUN/kmsg.txt")
	if [ "$bad" = 0 ]; then
		pass kmsg/record-format
	else
		fail kmsg/record-format "$bad lines are neither records nor continuation lines"
	fi
fi

# --- wgaudit ------------------------------------------------------------------------
pub() { sed -n "s/^PUBKEY $1 //p" "$OUT" | head -1 | sed 's/+/[+]/g'; }
PUB_CLI=$(pub cli) PUB_CLI6=$(pub cli6)
T='"type": ?'
AGENT_EXPECT="\
peer-active	poll	${T}\"PEER_ACTIVE\"	\"iface\": ?\"wg0\"
peer-added	poll	${T}\"PEER_ADDED\"	\"peer\": ?\"${PUB_CLI}\"
endpoint-changed-after-roam	poll	${T}\"PEER_ENDPOINT_CHANGED\"	\"endpoint\": ?\"${IP4}\.2:40002\"	\"prev_endpoint\": ?\"${IP4}\.2:40001\"
iface-destroyed	poll	${T}\"IFACE_DESTROYED\"	\"iface\": ?\"wg0\"
agent-started	poll	${T}\"AGENT_STARTED\"
fallback-kmsg-when-bpf-disabled	poll	${T}\"AGENT_STARTED\"	\"kernel_source\": ?\"kmsg\"	\"bpf\": ?\"disabled
handshake-initiation-received	kmsg	${T}\"HANDSHAKE_INITIATION_RECEIVED\"	\"source\": ?\"kmsg\"	\"endpoint\": ?\"${IP4}\.2:40001\"	\"peer_id\": ?\"?[0-9]
handshake-ipv6-endpoint	kmsg	${T}\"HANDSHAKE_INITIATION_RECEIVED\"	\"endpoint\": ?\"\[fd00:242::2\]:40003\"
keypair-created	kmsg	${T}\"KEYPAIR_CREATED\"	\"keypair_id\": ?\"?[0-9]	\"peer_id\": ?\"?[0-9]
invalid-mac-with-endpoint	kmsg	${T}\"INVALID_MAC\"	\"endpoint\": ?\"${IP4}\.2:50001\"
invalid-mac-ipv6	kmsg	${T}\"INVALID_MAC\"	\"endpoint\": ?\"\[fd00:241::2\]:50006\"
invalid-initiation	kmsg	${T}\"INVALID_HANDSHAKE_INITIATION\"	\"endpoint\": ?\"${IP4}\.2:50002\"
invalid-response	kmsg	${T}\"INVALID_HANDSHAKE_RESPONSE\"	\"endpoint\": ?\"${IP4}\.2:50003\"
cookie-received	kmsg	${T}\"COOKIE_RECEIVED\"	\"endpoint\": ?\"${IP4}\.2:50004\"
unallowed-src-ip	kmsg	${T}\"UNALLOWED_SRC_IP\"	\"src_ip\": ?\"10\.241\.0\.77\"
no-endpoint-for-peer	kmsg	${T}\"NO_ENDPOINT_FOR_PEER\"	\"peer_id\": ?\"?[0-9]
no-peer-for-destination	kmsg	${T}\"NO_PEER_FOR_DESTINATION\"	\"dst\": ?\"10\.241\.0\.99\"
no-route	kmsg	${T}\"NO_ROUTE\"	\"endpoint\": ?\"192\.0\.2\.1:51820\"
invalid-ip-packet	kmsg	${T}\"INVALID_IP_PACKET\"	\"iface\": ?\"wg0\"
cookie-sent	kmsg	${T}\"COOKIE_SENT\"	\"endpoint\": ?\"${IP4}\.2:50012\"
handshake-retry	kmsg	${T}\"HANDSHAKE_RETRY\"	\"reason\": ?\"no_reply\"
kmsg-suppressed	kmsg	${T}\"KMSG_SUPPRESSED\"	\"count\": ?\"?[0-9]
kmsg-iface-destroyed	kmsg	${T}\"IFACE_DESTROYED\"	\"source\": ?\"kmsg\"	\"iface\": ?\"wg0\"
netns-exiting	kmsg	${T}\"NETNS_EXITING\"	\"iface\": ?\"wgx\"
peer-id-resolved-to-key	daemon	\"source\": ?\"kmsg\"	\"peer\": ?\"${PUB_CLI}\"
first-kmsg-handshake-resolved	daemon	${T}\"HANDSHAKE_INITIATION_RECEIVED\"	\"source\": ?\"kmsg\"	\"endpoint\": ?\"${IP4}\.2:40001\"	\"peer\": ?\"${PUB_CLI}\"
first-kmsg-handshake-ipv6-resolved	daemon	${T}\"HANDSHAKE_INITIATION_RECEIVED\"	\"source\": ?\"kmsg\"	\"endpoint\": ?\"\[fd00:242::2\]:40003\"	\"peer\": ?\"${PUB_CLI6}\""
AGENT_REJECT="\
userspace-kmsg-record-ignored	203\.0\.113\.66
ipv6-endpoint-normalised	/0%0"
STATUS_EXPECT="\
lists-wg0	wg0
roamed-endpoint	${IP4}\.2:40002
ipv6-endpoint	\[fd00:242::2\]:40003"
# `wgaudit doctor --json` on the real module (dyndbg=+p at insmod; BTF for
# the kernel and the module, so the eBPF preflight passes as in the bpf phase)
DOCTOR_EXPECT="\
kernel-module	\"check\":\"kernel_module\",\"status\":\"ok\",\"detail\":\"loaded: 1 kernel interface
dyndbg-control	\"check\":\"dynamic_debug\",\"status\":\"ok\"
wireguard-dyndbg-on	\"check\":\"wireguard_dyndbg\",\"status\":\"ok\",\"detail\":\"all [0-9]+ wireguard debug call sites print
wg0-dumped	\"check\":\"interface\",\"status\":\"ok\",\"detail\":\"wg0 \(kernel\): [0-9]+ peers
poll-cost	\"check\":\"poll_cost\",\"status\":\"(ok|warn)\"
ebpf-available	\"check\":\"ebpf\",\"status\":\"ok\",\"detail\":\"available"
STATUS_JSON_EXPECT="\
full-keys	\"${PUB_CLI}\"	\"${PUB_CLI6}\"
endpoints	\"${IP4}\.2:40002\"	\"\[fd00:242::2\]:40003\""

# supported NAME: is section NAME the output of a working subcommand? Echoes why not.
unsupported() {
	local rc out
	rc=$(sec_rc "$1")
	out=$(sec "$1")
	if [ -z "$rc" ]; then
		echo "no $1 output from the VM"
	elif [ "$rc" = 127 ] || [ "$rc" = 126 ]; then
		echo "wgaudit could not be executed (rc $rc): $(echo "$out" | head -1)"
	elif [ "$rc" != 0 ] && echo "$out" | grep -qiE 'unknown (sub)?command|not implemented|unsupported|usage'; then
		echo "not supported by this wgaudit (rc $rc): $(echo "$out" | head -1)"
	fi
}
# all_on_one_line FILE ERE...: is there a line matching every ERE?
all_on_one_line() {
	local f=$1 re
	shift
	local tmp
	tmp=$(cat "$f")
	for re in "$@"; do
		tmp=$(printf '%s\n' "$tmp" | grep -E -- "$re") || return 1
	done
	[ -n "$tmp" ]
}
# check_table PREFIX FILE TABLE MODE [TAGS]: MODE line = all EREs of a row on
# one line; each = every ERE somewhere. With TAGS (ERE), rows have a tag
# column and only matching rows are checked.
check_table() {
	local prefix=$1 f=$2 table=$3 mode=$4 tags=${5:-} name tag rest res re ok
	while IFS=$'\t' read -r name rest; do
		[ -n "$name" ] || continue
		if [ -n "$tags" ]; then
			tag=${rest%%$'\t'*}
			rest=${rest#*$'\t'}
			echo "$tag" | grep -qxE "$tags" || continue
		fi
		IFS=$'\t' read -r -a res <<< "$rest"
		ok=1
		if [ "$mode" = line ]; then
			all_on_one_line "$f" "${res[@]}" || ok=0
		else
			for re in "${res[@]}"; do grep -qE -- "$re" "$f" || ok=0; done
		fi
		if [ $ok = 1 ]; then
			pass "$prefix/$name"
		else
			fail "$prefix/$name" "expected $( [ "$mode" = line ] && echo 'one line matching all of' || echo 'each of'): ${res[*]}"
		fi
	done <<< "$table"
}
skip_table() {	# PREFIX TABLE TAGS WHY
	local name tag rest
	while IFS=$'\t' read -r name tag rest; do
		[ -n "$name" ] && echo "$tag" | grep -qxE "$3" && skip "$1/$name" "$4"
	done <<< "$2"
}

if ! grep -q '^WGAUDIT present' "$OUT"; then
	skip wgaudit "no wgaudit binary in the VM (${WGAUDIT:-build/rel/wgaudit} not built when build.sh ran)"
else
	why=$(unsupported wgaudit-check)
	if [ -n "$why" ]; then
		skip wgaudit/check "$why"
	else
		sec wgaudit-check > "$RUN/check.jsonl"
		if [ "$(sec_rc wgaudit-check)" = 0 ] &&
			all_on_one_line "$RUN/check.jsonl" "\"peer\": ?\"${PUB_CLI}\"" "${T}\"PEER_(ACTIVE|HANDSHAKE)\""; then
			pass wgaudit/check
		else
			fail wgaudit/check "rc $(sec_rc wgaudit-check), no PEER_ACTIVE/PEER_HANDSHAKE naming the client's key after the handshake: $(head -c 300 "$RUN/check.jsonl" | tr '\n' ' ')"
		fi
	fi
	why=$(unsupported wgaudit-status)
	if [ -n "$why" ]; then
		skip wgaudit/status "$why"
	else
		sec wgaudit-status > "$RUN/status.txt"
		check_table wgaudit/status "$RUN/status.txt" "$STATUS_EXPECT" each
	fi
	why=$(unsupported wgaudit-status-json)
	if [ -n "$why" ]; then
		skip wgaudit/status-json "$why"
	else
		sec wgaudit-status-json > "$RUN/status.json"
		check_table wgaudit/status-json "$RUN/status.json" "$STATUS_JSON_EXPECT" each
	fi
	why=$(unsupported wgaudit-doctor)
	if [ -n "$why" ]; then
		skip wgaudit/doctor "$why"
	else
		sec wgaudit-doctor > "$RUN/doctor.json"
		check_table wgaudit/doctor "$RUN/doctor.json" "$DOCTOR_EXPECT" each
	fi
	san=$(grep -hE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer|double free|Aborted' "$OUT" | head -3)
	if [ -z "$san" ]; then
		pass wgaudit/no-sanitizer-or-abort-reports
	else
		fail wgaudit/no-sanitizer-or-abort-reports "$(echo "$san" | tr '\n' ' ')"
	fi
	sec wgaudit-events > "$RUN/events.jsonl"
	sec wgaudit-run-log > "$RUN/run.log"
	if [ ! -s "$RUN/events.jsonl" ] && grep -qiE 'unknown (sub)?command|not implemented|unsupported|usage' "$RUN/run.log"; then
		skip wgaudit/run "not supported by this wgaudit: $(head -1 "$RUN/run.log")"
	elif [ ! -s "$RUN/events.jsonl" ]; then
		fail wgaudit/run "no events in /tmp/events.jsonl; run log: $(head -c 300 "$RUN/run.log" | tr '\n' ' ')"
	else
		if grep -q '^WGAUDIT run rc=0$' "$OUT"; then
			pass wgaudit/run-exit-on-sigterm
		else
			fail wgaudit/run-exit-on-sigterm "$(grep -E '^WGAUDIT (run rc|did not)' "$OUT" | tr '\n' ' ')"
		fi
		bad=$(grep -cvE '^\{.*\}$' "$RUN/events.jsonl")
		if [ "$bad" = 0 ]; then pass wgaudit/events-are-json-lines
		else fail wgaudit/events-are-json-lines "$bad lines are not {...}"; fi
		check_table wgaudit/events "$RUN/events.jsonl" "$AGENT_EXPECT" line poll
		# kmsg-derived events: only if this build reads /dev/kmsg at all.
		if grep -qE '"source": ?"kmsg"' "$RUN/events.jsonl" || grep -qiE 'running:.*(kmsg|kernel log on)' "$RUN/run.log"; then
			check_table wgaudit/events "$RUN/events.jsonl" "$AGENT_EXPECT" line 'kmsg|daemon'
		else
			skip_table wgaudit/events "$AGENT_EXPECT" 'kmsg|daemon' \
				"this wgaudit run reads no /dev/kmsg (no kmsg events; banner: $(grep -m1 'running:' "$RUN/run.log" | head -c 120))"
		fi
		while IFS=$'\t' read -r name re; do
			[ -n "$name" ] || continue
			if grep -qE -- "$re" "$RUN/events.jsonl"; then
				fail "wgaudit/events/$name" "a line matches /$re/: $(grep -E -- "$re" "$RUN/events.jsonl" | head -1 | head -c 300)"
			else
				pass "wgaudit/events/$name"
			fi
		done <<< "$AGENT_REJECT"
	fi
fi

# --- eBPF source (dynamic debug off, default net_ratelimit) -------------------------
PUB_B1=$(pub b1) PUB_B2=$(pub b2) PUB_B9=$(pub b9) PUB_B9NEW=$(pub b9new)
BIP='192\.168\.242\.2'
BPF_EXPECT="\
agent-started-bpf	${T}\"AGENT_STARTED\"	\"kernel_source\": ?\"bpf\"
first-handshake-has-key	${T}\"HANDSHAKE_INITIATION_RECEIVED\"	\"source\": ?\"bpf\"	\"peer\": ?\"${PUB_B1}\"	\"endpoint\": ?\"${BIP}:40011\"
keypair-created-has-key	${T}\"KEYPAIR_CREATED\"	\"source\": ?\"bpf\"	\"peer\": ?\"${PUB_B1}\"
removed-key-claimed-peer	${T}\"INVALID_HANDSHAKE_INITIATION\"	\"source\": ?\"bpf\"	\"reason\": ?\"unknown_peer\"	\"claimed_peer\": ?\"${PUB_B2}\"	\"endpoint\": ?\"${BIP}:40012\"
alert-unknown-peer-key	${T}\"ALERT_UNKNOWN_PEER_KEY\"	\"claimed_peer\": ?\"${PUB_B2}\"	\"endpoint\": ?\"${BIP}:40012\"	\"count\": ?\"?[0-9]
invalid-mac-reason	${T}\"INVALID_MAC\"	\"source\": ?\"bpf\"	\"reason\": ?\"bad_mac\"	\"endpoint\": ?\"${BIP}:50021\"	\"count\": ?\"?[0-9]
valid-mac1-flood-verdict	\"source\": ?\"bpf\"	\"endpoint\": ?\"${BIP}:50022\"	\"reason\": ?\"(decrypt_failed|under_load)\"
endpoint-change-as-it-happens	${T}\"PEER_ENDPOINT_CHANGED\"	\"source\": ?\"bpf\"	\"peer\": ?\"${PUB_B1}\"	\"endpoint\": ?\"${BIP}:40013\"	\"prev_endpoint\": ?\"${BIP}:40011\"
peer-removed-by-wg	${T}\"PEER_REMOVED\"	\"source\": ?\"bpf\"	\"peer\": ?\"${PUB_B2}\"	\"comm\": ?\"wg\"	\"uid\": ?\"?0\"?[,}]
handshake-dropped-queue-full	${T}\"HANDSHAKE_DROPPED\"	\"source\": ?\"bpf\"	\"iface\": ?\"wgb0\"	\"endpoint\": ?\"${BIP}:50041\"	\"count\": ?\"?[0-9]
listen-port-changed-by-unit	${T}\"IFACE_CHANGED\"	\"source\": ?\"bpf\"	\"iface\": ?\"wgb9\"	\"listen_port\": ?\"?51831\"?,	\"prev_listen_port\": ?\"?51830\"?,	\"pid\": ?\"?[1-9]	\"comm\": ?\"wg\"	\"uid\": ?\"?0\"?,	\"unit\": ?\"wg-quick@wgb9\.service\"
private-key-replaced-by-unit	${T}\"IFACE_CHANGED\"	\"source\": ?\"bpf\"	\"iface\": ?\"wgb9\"	\"private_key\": ?\"replaced\"	\"pubkey\": ?\"${PUB_B9NEW}\"	\"prev_pubkey\": ?\"${PUB_B9}\"	\"comm\": ?\"wg\"	\"unit\": ?\"wg-quick@wgb9\.service\"
peer-added-by-unit	${T}\"PEER_ADDED\"	\"source\": ?\"bpf\"	\"iface\": ?\"wgb9\"	\"peer\": ?\"${PUB_B1}\"	\"comm\": ?\"wg\"	\"unit\": ?\"wg-quick@wgb9\.service\"
private-key-removed-by-unit	${T}\"IFACE_CHANGED\"	\"source\": ?\"bpf\"	\"iface\": ?\"wgb9\"	\"private_key\": ?\"removed\"	\"prev_pubkey\": ?\"${PUB_B9NEW}\"	\"unit\": ?\"wg-quick@wgb9\.service\"
private-key-first-set-no-unit	${T}\"IFACE_CHANGED\"	\"source\": ?\"bpf\"	\"iface\": ?\"wgb9\"	\"private_key\": ?\"set\"	\"pubkey\": ?\"${PUB_B9}\"	\"listen_port\": ?\"?51830\"?,	\"prev_listen_port\": ?\"?0\"?,	\"comm\": ?\"wg\""
if grep -q '^WGAUDIT present' "$OUT"; then
	sec wgaudit-bpf-events > "$RUN/events-bpf.jsonl"
	sec wgaudit-bpf-log > "$RUN/run-bpf.log"
	if grep -q '^DYNDBG-BPF 0 ' "$OUT" && grep -q '^RATELIMIT-BPF cost=5 burst=10$' "$OUT"; then
		pass bpf/dyndbg-off-default-ratelimit
	else
		fail bpf/dyndbg-off-default-ratelimit "$(grep -E '^(DYNDBG|RATELIMIT)-BPF' "$OUT" | tr '\n' ' ')"
	fi
	# Started before the module loaded: attached at the next poll, then
	# dropped what attaching needed.
	sec wgaudit-late-log > "$RUN/run-late.log"
	sec wgaudit-late-events > "$RUN/events-late.jsonl"
	if all_on_one_line "$RUN/events-late.jsonl" "${T}\"AGENT_STARTED\"" "\"kernel_source\": ?\"kmsg\"" \
		"\"bpf\": ?\"the wireguard module is not loaded" &&
		[ "$(grep -E "${T}\"INVALID_MAC\"" "$RUN/events-late.jsonl" | grep -E '"source": ?"bpf"' |
			grep -E '"iface": ?"wgz"' | grep -E '"endpoint": ?"127\.0\.0\.1:50099"' |
			sed -n 's/.*"count": *"*\([0-9][0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')" = 5 ]; then
		pass bpf/attaches-when-module-loads-later
	else
		fail bpf/attaches-when-module-loads-later "log: $(tr '\n' ' ' < "$RUN/run-late.log" | head -c 400)"
	fi
	# The same agent's polls: the genl family asked for again each poll
	# until the module came, then wgz read through netlink (the listen
	# port is in no rtnetlink or kernel-log message).
	if grep -E "${T}\"IFACE_(CREATED|CHANGED)\"" "$RUN/events-late.jsonl" |
		grep -E '"source": ?"(poll|rtnl)"' | grep -E '"iface": ?"wgz"' |
		grep -qE '"listen_port": ?"?51899"?' &&
		! grep -q 'netlink unavailable' "$RUN/run-late.log"; then
		pass netlink/found-when-module-loads-later
	else
		fail netlink/found-when-module-loads-later "no poll event for wgz with its port: $(grep -F wgz "$RUN/events-late.jsonl" | head -c 400)"
	fi
	# Restarted mid-flood (init's BPFRESTART line).
	rs=$(grep '^BPFRESTART ' "$OUT" | tail -1)
	rv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< " $rs"; }
	if [ -n "$rs" ] && [ "$(rv rc)" = 0 ] && [ "$(rv attached)" = 2 ] &&
		[ "$(rv sender_at_attach)" = running ] && [ "$(rv after)" -gt "$(rv before)" ] &&
		[ "$(rv after)" -le 15000 ]; then
		pass bpf/restart-mid-flood-attached-and-counting
	else
		fail bpf/restart-mid-flood-attached-and-counting "${rs:-no BPFRESTART line}"
	fi
	if [ -n "$rs" ] && [ "$(rv added_before)" = "$(rv added_after)" ]; then
		pass bpf/restart-announces-nothing-again
	else
		fail bpf/restart-announces-nothing-again "${rs:-no BPFRESTART line}"
	fi
	sec wgaudit-bpf-events > "$RUN/events-bpf.jsonl"
	dup=$(sed -n 's/.*"event_id":"\([^"]*\)".*/\1/p' "$RUN/events-bpf.jsonl" | sort | uniq -d | wc -l)
	if [ -s "$RUN/events-bpf.jsonl" ] && [ "$dup" = 0 ]; then
		pass bpf/restart-no-event-twice
	else
		fail bpf/restart-no-event-twice "$dup event_ids twice in the jsonl output across the restart"
	fi
	# The drop programs sit on the data path: only when asked for.
	if grep -q 'eBPF: attached to the wireguard module (handshake drops: off)' "$RUN/run-late.log" &&
		grep -q 'eBPF: attached to the wireguard module (handshake drops: on)' "$RUN/run-bpf.log"; then
		pass bpf/drop-programs-only-when-configured
	else
		fail bpf/drop-programs-only-when-configured "$(grep -h 'eBPF: attached' "$RUN/run-late.log" "$RUN/run-bpf.log" | tr '\n' ' ')"
	fi
	if grep -q 'privileges: kept .*CAP_SYS_ADMIN' "$RUN/run-late.log" &&
		tail -n +"$(grep -n 'eBPF: attached' "$RUN/run-late.log" | head -1 | cut -d: -f1)" "$RUN/run-late.log" |
		grep 'privileges: kept' | grep -qv 'CAP_SYS_ADMIN\|CAP_BPF\|CAP_PERFMON'; then
		pass bpf/capabilities-dropped-once-attached
	else
		fail bpf/capabilities-dropped-once-attached "$(grep -E 'privileges|eBPF' "$RUN/run-late.log" | tr '\n' ' ')"
	fi
	if grep -qE '^MAPS-BPF mod=[1-9][0-9]* libbpf=[1-9]' "$OUT"; then
		pass bpf/module-loaded-when-attached
	else
		fail bpf/module-loaded-when-attached "$(grep '^MAPS-BPF' "$OUT" || echo "no MAPS-BPF line")"
	fi
	if grep -q '^MAPS-NOBPF 0$' "$OUT"; then
		pass bpf/module-not-loaded-when-off
	else
		fail bpf/module-not-loaded-when-off "$(grep '^MAPS-NOBPF' "$OUT" || echo "no MAPS-NOBPF line")"
	fi
	# The binary alone: a clear refusal naming the file, the agent runs on.
	if grep -q '^BPFMOD-missing alive=1 mapped=0 .*eBPF unavailable: cannot load wgaudit-bpf.so (/tmp/alone/wgaudit-bpf.so: No such file' "$OUT"; then
		pass bpf/missing-module-refused
	else
		fail bpf/missing-module-refused "$(grep '^BPFMOD-missing' "$OUT" || echo "no BPFMOD-missing line")"
	fi
	if grep -q '^BPFMOD-writable alive=1 mapped=0 .*eBPF unavailable: .*wgaudit-bpf.so: writable by others' "$OUT"; then
		pass bpf/writable-module-refused
	else
		fail bpf/writable-module-refused "$(grep '^BPFMOD-writable' "$OUT" || echo "no BPFMOD-writable line")"
	fi
	if [ ! -s "$RUN/events-bpf.jsonl" ]; then
		fail bpf/events "no events from the eBPF agent; log: $(head -c 300 "$RUN/run-bpf.log" | tr '\n' ' ')"
	else
		check_table bpf "$RUN/events-bpf.jsonl" "$BPF_EXPECT" line
		# A unit only where the process had one: the lab's shell is in
		# the root cgroup; a removed key leaves no pubkey.
		bad=$(grep -E '"source": ?"bpf"' "$RUN/events-bpf.jsonl" | grep -E '"unit"' |
			grep -vcE '"unit": ?"wg-quick@wgb9\.service"')
		nopub=$(grep -E '"private_key": ?"removed"' "$RUN/events-bpf.jsonl" | grep -cE '"pubkey"')
		if [ "$bad" = 0 ] && [ "$nopub" = 0 ]; then
			pass bpf/unit-only-from-the-units-cgroup
		else
			fail bpf/unit-only-from-the-units-cgroup "$bad events with another unit, $nopub removed keys with a pubkey"
		fi
	fi
	# Exact: the counts of every eBPF event from a flood's source port add up
	# to the packets sent from it.
	for port in 50021 50022 50041; do
		l=$(grep "^BPFSUM port=$port " "$OUT" | tail -1)
		sum=$(echo "$l" | sed -n 's/.* sum=\([0-9]*\).*/\1/p')
		sent=$(echo "$l" | sed -n 's/.* sent=\([0-9]*\).*/\1/p')
		if [ -n "$sum" ] && [ "$sum" = "$sent" ]; then
			pass "bpf/flood-counted-exactly-port-$port"
		else
			fail "bpf/flood-counted-exactly-port-$port" "${l:-no BPFSUM line} (UDP InDatagrams $(sed -n 's/^UDPIN-BPF //p' "$OUT"))"
		fi
	done
	# The queue-full drops: some, and (above) counted with the rest exactly.
	nd=$(sed -n 's/^BPFDROP sum=\([0-9]*\).*/\1/p' "$OUT" | tail -1)
	if [ "${nd:-0}" -gt 0 ]; then
		pass bpf/handshake-queue-full-drops-seen
	else
		fail bpf/handshake-queue-full-drops-seen "no HANDSHAKE_DROPPED counted: $(grep -E '^(BPFDROP|DROPSEND|BPFSUM port=50041)' "$OUT" | tr '\n' ' ')"
	fi
	echo "# bpf: queue-full flood: $(grep -E '^(BPFSUM port=50041|BPFDROP)' "$OUT" | tr '\n' ' ')"
	bn=$(sed -n 's/^BENCH bpf agent_cpu_ns=\([0-9]*\).*/\1/p' "$OUT")
	kn=$(sed -n 's/^BENCH kmsg agent_cpu_ns=\([0-9]*\).*/\1/p' "$OUT")
	kseen=$(sed -n 's/^BENCH kmsg .* seen=\([0-9]*\).*/\1/p' "$OUT")
	bwall=$(sed -n 's/^BENCH bpf .* wall=\([0-9.]*\).*/\1/p' "$OUT")
	kwall=$(sed -n 's/^BENCH kmsg .* wall=\([0-9.]*\).*/\1/p' "$OUT")
	bseen=$(grep '^BPFSUM port=50031 ' "$OUT" | sed -n 's/.* sum=\([0-9]*\).*/\1/p')
	if [ -n "$bn" ] && [ -n "$kn" ] && [ "${kn:-0}" -gt 0 ]; then
		ratio=$(awk -v b="$bn" -v k="$kn" 'BEGIN { printf "%.4f", b / k }')
		echo "# bench: agent CPU per 10000 handshake packets: bpf $(awk -v n="$bn" 'BEGIN { printf "%.1f", n / 1e6 }') ms" \
			"(counted $bseen, ${bwall:-?} s), kmsg $(awk -v n="$kn" 'BEGIN { printf "%.1f", n / 1e6 }') ms (events $kseen, ${kwall:-?} s," \
			"message_cost=0, dynamic debug on); ratio bpf/kmsg $ratio"
		if [ "$bseen" = 10000 ] && [ "$kseen" = 10000 ] &&
			awk -v r="$ratio" 'BEGIN { exit !(r <= 0.1) }'; then
			pass bpf/bench-cpu-ratio-at-most-0.1
		else
			fail bpf/bench-cpu-ratio-at-most-0.1 "ratio $ratio, bpf counted ${bseen:-?}/10000, kmsg saw ${kseen:-?}/10000"
		fi
	else
		fail bpf/bench-cpu-ratio-at-most-0.1 "no BENCH lines: $(grep '^BENCH' "$OUT" | tr '\n' ' ')"
	fi
	# kernel.bpf_stats_enabled: the programs' own time per handshake message
	# against the module's time in wg_receive_handshake_packet.
	st=$(grep -m1 'eBPF stats:' "$RUN/run-bpf.log")
	pn=$(echo "$st" | sed -n 's/.*programs \([0-9]*\) ns\/message.*/\1/p')
	mn=$(echo "$st" | sed -n 's/.*wg_receive_handshake_packet \([0-9]*\) ns\/message.*/\1/p')
	if [ -n "$pn" ] && [ -n "$mn" ] && [ "$mn" -gt 0 ]; then
		echo "# bench: per handshake message (kernel.bpf_stats_enabled): programs $pn ns," \
			"wg_receive_handshake_packet $mn ns (nested programs included); ratio" \
			"$(awk -v p="$pn" -v m="$mn" 'BEGIN { printf "%.3f", p / m }')"
	else
		echo "# bench: no eBPF run-time statistics in the agent's log"
	fi
fi

# --- wgaudit --all-namespaces in the VM's root namespace ----------------------------
# One agent outside every lab namespace: peers of srv and cli, kernel lines of
# both resolved to their namespace, a namespace made (and removed) while it ran.
PUB_SRV=$(pub srv)
ALLNS_EXPECT="\
peer-active-srv	${T}\"PEER_ACTIVE\"	\"iface\": ?\"wg0\"	\"netns\": ?\"srv\"	\"peer\": ?\"${PUB_CLI}\"
peer-active-cli	${T}\"PEER_ACTIVE\"	\"iface\": ?\"wgc0\"	\"netns\": ?\"cli\"	\"peer\": ?\"${PUB_SRV}\"
kmsg-resolved-srv	\"source\": ?\"kmsg\"	\"iface\": ?\"wg0\"	\"netns\": ?\"srv\"	\"peer\": ?\"${PUB_CLI}\"
kmsg-resolved-cli	\"source\": ?\"kmsg\"	\"iface\": ?\"wgc0\"	\"netns\": ?\"cli\"	\"peer\": ?\"${PUB_SRV}\"
kmsg-resolved-cli6	\"source\": ?\"kmsg\"	\"iface\": ?\"wgc6\"	\"netns\": ?\"cli6\"
late-namespace-iface	${T}\"IFACE_CREATED\"	\"source\": ?\"(poll|rtnl|inotify)\"	\"iface\": ?\"wg0\"	\"netns\": ?\"late\"
late-namespace-peer	${T}\"PEER_ADDED\"	\"netns\": ?\"late\"	\"peer\": ?\"${PUB_SRV}\"
session-closed-srv	${T}\"PEER_SESSION\"	\"iface\": ?\"wg0\"	\"netns\": ?\"srv\"	\"peer\": ?\"${PUB_CLI}\"
late-namespace-gone	${T}\"IFACE_DESTROYED\"	\"iface\": ?\"wg0\"	\"netns\": ?\"late\"
same-name-ambiguity-said	\"source\": ?\"kmsg\"	\"iface\": ?\"wg0\"	\"netns_unresolved\": ?\"[^\"]*late	\"netns_unresolved\": ?\"[^\"]*srv"
# No event may put a client key on the late namespace's wg0 (its only peer
# is srv's key): a srv line attributed there would.
ALLNS_REJECT="\
no-srv-peer-in-late	\"netns\": ?\"late\".*\"peer\": ?\"${PUB_CLI}\""
if ! grep -q '^WGAUDIT present' "$OUT"; then
	skip wgaudit-allns "no wgaudit binary in the VM"
else
	sec wgaudit-allns-events > "$RUN/events-allns.jsonl"
	sec wgaudit-allns-log > "$RUN/run-allns.log"
	if [ ! -s "$RUN/events-allns.jsonl" ]; then
		fail wgaudit-allns/run "no events; log: $(head -c 300 "$RUN/run-allns.log" | tr '\n' ' ')"
	else
		grep -q '^WGAUDIT all-namespaces run rc=0$' "$OUT" && pass wgaudit-allns/exit-on-sigterm ||
			fail wgaudit-allns/exit-on-sigterm "$(grep -E '^WGAUDIT all-namespaces' "$OUT" | tr '\n' ' ')"
		check_table wgaudit-allns "$RUN/events-allns.jsonl" "$ALLNS_EXPECT" line
		while IFS=$'\t' read -r name re; do
			[ -n "$name" ] || continue
			if grep -qE -- "$re" "$RUN/events-allns.jsonl"; then
				fail "wgaudit-allns/$name" "a line matches /$re/"
			else
				pass "wgaudit-allns/$name"
			fi
		done <<< "$ALLNS_REJECT"
		# Every polled event of the lab's interfaces says its namespace.
		n=$(grep -E '"source": ?"(poll|rtnl|inotify)"' "$RUN/events-allns.jsonl" |
			grep -E '"iface": ?"(wg0|wgc0|wgc6)"' | grep -vc '"netns"')
		[ "$n" = 0 ] && pass wgaudit-allns/polled-events-carry-netns ||
			fail wgaudit-allns/polled-events-carry-netns "$n polled events of wg0/wgc0/wgc6 without netns"
	fi
	sec wgaudit-status-allns > "$RUN/status-allns.json"
	check_table wgaudit-allns/status "$RUN/status-allns.json" "\
srv-wg0	\"name\":\"wg0\",\"netns\":\"srv\"
cli-wgc0	\"name\":\"wgc0\",\"netns\":\"cli\"
namespaces-listed	\"namespaces\":\\[.*\"netns\":\"cli6\"" each
	# With eBPF attached, other namespaces' kernel-log lines are not taken
	# for duplicates of its (root-namespace-only) verdicts.
	if grep -q 'eBPF: attached' "$RUN/run-allns.log"; then
		check_table wgaudit-allns/with-ebpf "$RUN/events-allns.jsonl" "\
kmsg-handshake-kept	${T}\"HANDSHAKE_INITIATION_RECEIVED\"	\"source\": ?\"kmsg\"	\"netns\": ?\"srv\"" line
	else
		skip wgaudit-allns/with-ebpf "eBPF not attached: $(grep -m1 'eBPF' "$RUN/run-allns.log")"
	fi
	# The agent never stays in another namespace: same as pid 1, start and end.
	ok=1
	for when in start end; do
		l=$(grep "^ALLNS-NETNS $when " "$OUT")
		set -- $l
		[ -n "$l" ] && [ "$3" = "$5" ] || ok=0
	done
	[ $ok = 1 ] && pass wgaudit-allns/own-namespace-unchanged ||
		fail wgaudit-allns/own-namespace-unchanged "$(grep '^ALLNS-NETNS' "$OUT" | tr '\n' ' ')"
	grep -q 'privileges: kept.*CAP_SYS_ADMIN' "$RUN/run-allns.log" && pass wgaudit-allns/keeps-cap-sys-admin ||
		fail wgaudit-allns/keeps-cap-sys-admin "$(grep -m1 'privileges' "$RUN/run-allns.log")"
	grep -q 'privileges: kept.*CAP_SYS_ADMIN' "$RUN/run.log" && fail wgaudit/no-cap-sys-admin-by-default "$(grep -m1 privileges "$RUN/run.log")" ||
		pass wgaudit/no-cap-sys-admin-by-default
fi

# --- wgaudit replay of this run's kernel log (host side) ---------------------------
WGA=${WGAUDIT:-$TOP/build/rel/wgaudit}
if [ ! -x "$WGA" ]; then
	skip wgaudit/replay "no wgaudit binary on the host ($WGA)"
elif [ ! -s "$RUN/kmsg.txt" ]; then
	skip wgaudit/replay "no kernel log captured"
else
	"$WGA" replay --kmsg "$RUN/kmsg.txt" --json > "$RUN/replay.jsonl" 2> "$RUN/replay.err"
	rrc=$?
	if [ $rrc != 0 ] && grep -qiE 'unknown (sub)?command|not implemented|unsupported|usage' "$RUN/replay.err" "$RUN/replay.jsonl"; then
		skip wgaudit/replay "not supported by this wgaudit (rc $rrc): $(head -1 "$RUN/replay.err")"
	elif [ $rrc != 0 ]; then
		fail wgaudit/replay "rc $rrc: $(head -3 "$RUN/replay.err" | tr '\n' ' ')"
	else
		pass wgaudit/replay
		check_table wgaudit/replay "$RUN/replay.jsonl" "$AGENT_EXPECT" line kmsg
		while IFS=$'\t' read -r name re; do
			[ -n "$name" ] || continue
			if grep -qE -- "$re" "$RUN/replay.jsonl"; then
				fail "wgaudit/replay/$name" "a line matches /$re/: $(grep -E -- "$re" "$RUN/replay.jsonl" | head -1 | head -c 300)"
			else
				pass "wgaudit/replay/$name"
			fi
		done <<< "$AGENT_REJECT"
	fi
fi

# --- dynamic debug through /proc with debugfs unmounted (init's DYNDBGPROC block)
if ! grep -q '^DYNDBGPROC before' "$OUT"; then
	skip dyndbg-proc "the VM ran no /proc dynamic debug block (no wgaudit, or no /proc/dynamic_debug/control)"
else
	dd_before=$(sed -n 's/^DYNDBGPROC before //p' "$OUT" | tail -1)
	dd_after=$(sed -n 's/^DYNDBGPROC after //p' "$OUT" | tail -1)
	sec dyndbg-proc-log > "$RUN/dyndbg-proc.log"
	if [ "$dd_before" = 0 ] && ! grep -q '^DYNDBGPROC debugfs still mounted' "$OUT"; then
		pass dyndbg-proc/setup-off-and-unmounted
	else
		fail dyndbg-proc/setup-off-and-unmounted "call sites on before the agent: ${dd_before:-?}; $(grep '^DYNDBGPROC debugfs still' "$OUT")"
	fi
	if [ "${dd_after:-0}" -gt 0 ] 2> /dev/null; then
		pass dyndbg-proc/agent-enabled-wireguard-call-sites
	else
		fail dyndbg-proc/agent-enabled-wireguard-call-sites "${dd_after:-?} wireguard lines with =p in /proc/dynamic_debug/control; log: $(head -c 300 "$RUN/dyndbg-proc.log" | tr '\n' ' ')"
	fi
	if grep -q 'dynamic debug enabled through /proc/dynamic_debug/control' "$RUN/dyndbg-proc.log" &&
		grep -q '^DYNDBGPROC debugfs unmounted' "$OUT"; then
		pass dyndbg-proc/through-proc-without-mounting-debugfs
	else
		fail dyndbg-proc/through-proc-without-mounting-debugfs "$(grep '^DYNDBGPROC debugfs' "$OUT" | tr '\n' ' ') log: $(grep -i 'dynamic debug' "$RUN/dyndbg-proc.log" | head -2 | tr '\n' ' ')"
	fi
fi

# --- a second boot under lockdown=integrity (init's WGALAB=lockdown block) --------
# eBPF attached under integrity (its kernel reads are only confidentiality's
# to forbid), dynamic debug through /proc with debugfs closed, doctor saying
# so; raised to confidentiality, a new agent on the kernel log, saying why.
LD=$RUN/lockdown
if ! grep -q "^WGAUDIT present" "$OUT"; then
	skip lockdown "no wgaudit in the VM"
else
	t_ld=$(date +%s.%N)
	[ $boot = 1 ] && boot_vm "$LD" "lockdown=integrity WGALAB=lockdown"
	unbundle "$LD"
	LO=$LD/out.clean
	echo "# lockdown boot: vm wall $(elapsed "$t_ld") s, qemu rc $qrc"
	lsec() { awk -v n="$1" '$0 == "=== BEGIN " n { on = 1; next } on && index($0, "=== END " n " rc=") == 1 { exit } on' "$LO"; }
	lsec lockdown-integrity-events > "$LD/events1.jsonl"
	lsec lockdown-integrity-log > "$LD/run1.log"
	lsec lockdown-confidentiality-events > "$LD/events2.jsonl"
	lsec lockdown-confidentiality-log > "$LD/run2.log"
	lsec lockdown-doctor > "$LD/doctor.json"
	PUB_B9=$(sed -n "s/^PUBKEY b9 //p" "$LO" | head -1 | sed 's/+/[+]/g')
	lcheck() {	# NAME FILE ERE...: one line of FILE matches every ERE
		n=$1 f=$2
		shift 2
		if all_on_one_line "$f" "$@"; then pass "lockdown/$n"
		else fail "lockdown/$n" "no line of $(basename "$f") matches all of: $*"; fi
	}
	grep -q '^=== DONE' "$LO" && pass lockdown/vm-scenario-completed ||
		fail lockdown/vm-scenario-completed "no DONE marker; last steps: $(grep '^STEP' "$LO" | tail -2 | tr '\n' ' ')"
	grep -q '^KEYLEAKS 0$' "$LO" && pass lockdown/no-private-key-shipped ||
		fail lockdown/no-private-key-shipped "$(grep -E '^KEYLEAK' "$LO" | tr '\n' ' ')"
	lcheck integrity-active "$LO" '^LOCKDOWN none \[integrity\] confidentiality$'
	lcheck debugfs-closed "$LO" '^LOCKDOWN debugfs closed$'
	lcheck ebpf-attached-under-integrity "$LD/events1.jsonl" "${T}\"AGENT_STARTED\"" '"kernel_source": ?"bpf"'
	lcheck ebpf-handshake-with-key "$LD/events1.jsonl" "${T}\"HANDSHAKE_INITIATION_RECEIVED\"" \
		'"source": ?"bpf"' "\"peer\": ?\"${PUB_B9}\"" '"endpoint": ?"192\.168\.250\.2:40100"'
	lcheck dyndbg-through-proc "$LD/run1.log" 'dynamic debug enabled through /proc/dynamic_debug/control'
	lcheck doctor-names-lockdown "$LD/doctor.json" '"check":"lockdown","status":"warn"' "lockdown is 'integrity'" 'eBPF is allowed'
	lsec lockdown-doctor-netns > "$LD/doctor-netns.json"
	lcheck doctor-in-netns-cannot-tell "$LD/doctor-netns.json" '"check":"lockdown","status":"warn"' 'securityfs not mounted'
	lcheck confidentiality-raised "$LO" '^LOCKDOWN none integrity \[confidentiality\]$'
	lcheck fallback-kmsg-says-why "$LD/events2.jsonl" "${T}\"AGENT_STARTED\"" '"kernel_source": ?"kmsg"' \
		'"bpf": ?"[^"]*lockdown \(confidentiality\)'
	lcheck kmsg-handshake-under-confidentiality "$LD/events2.jsonl" "${T}\"HANDSHAKE_INITIATION_RECEIVED\"" \
		'"source": ?"kmsg"' '"endpoint": ?"192\.168\.250\.2:40100"'
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LD/run1.log" "$LD/run2.log"; then
		fail lockdown/agents-clean "$(grep -hE 'Sanitizer|runtime error' "$LD/run1.log" "$LD/run2.log" | head -2)"
	else
		pass lockdown/agents-clean
	fi
fi

# --- fixtures ---------------------------------------------------------------------
# From the module's first record to the end: real records, including the few
# unrelated ones in between (veth link-up lines) a parser must skip.
if [ $record = 1 ]; then
	ver=$(echo "$KVER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
	if [ -s "$RUN/kmsg.txt" ] && grep -q '^KEYLEAKS 0$' "$OUT" && [ -n "$ver" ]; then
		raw=tests/data/kmsg-real-$ver.txt
		dm=tests/data/kmsg-real-$ver-dmesg.txt
		awk '/^[0-9]+,[0-9]+,[0-9]+,[^;]*;wireguard: WireGuard .* loaded/ { on = 1 } on' "$RUN/kmsg.txt" > "$raw"
		# dmesg(1) style "[%5lu.%06lu] text", kernel-facility records only.
		awk -F';' '/^[0-7],[0-9]+,[0-9]+,/ {
			split($1, h, ","); us = h[3]; t = substr($0, length($1) + 2)
			printf "[%5d.%06d] %s\n", int(us / 1000000), us % 1000000, t }' "$raw" > "$dm"
		echo "# recorded $raw ($(wc -l < "$raw") lines) and $dm ($(wc -l < "$dm") lines)"
	else
		fail record-fixtures "no clean kernel log to record"
	fi
fi
echo "# total wall $(elapsed "$t_start") s"
[ $nfail = 0 ]
