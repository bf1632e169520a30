#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What is not used is not loaded: an agent without a TLS output or --metrics
# maps neither OpenSSL nor libmicrohttpd, one without the wireguard kernel
# module (or with [bpf] enabled = no) no libbpf/libelf, and none maps
# libsystemd; the first TLS output loads wgaudit-tls.so (and with it
# libssl); a missing or tampered module is a clear error naming the files
# tried, never a crash. No WireGuard lab: the agent gets an empty UAPI
# directory and no interface. wgaudit-bpf.so loaded when the module is
# there, missing or world-writable: the kernel lab (tests/kernel, bpf/*).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip modules "needs root"; exit 0; }
LAB=$(mktemp -d /tmp/wga-mod.XXXXXX)
chmod 700 "$LAB"
AGENT_PID=
trap '[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$LAB"' EXIT
mkdir -p "$LAB/uapi" "$LAB/etc"
BINDIR=$(dirname "$WGAUDIT")
conf() {	# extra lines...
	printf '[agent]\ninterfaces = wgamod0\nuapi_dir = %s\nconfig_dir = %s\ninterval = 300ms\n[kmsg]\nenabled = no\n' \
		"$LAB/uapi" "$LAB/etc" > "$LAB/w.conf"
	printf '%s\n' "$@" >> "$LAB/w.conf"
}
maps_has() { grep -q "$2" "/proc/$1/maps" 2>/dev/null; }
start() {	# binary state-dir
	"$1" run -c "$LAB/w.conf" --state-dir "$2" > "$LAB/agent.out" 2>&1 &
	AGENT_PID=$!
	wait_for 20 grep -q '"type":"AGENT_STARTED"' "$LAB/events.jsonl"
}
stop() { kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=; rm -f "$LAB/events.jsonl"; }

[ -f "$BINDIR/wgaudit-tls.so" ] || { fail modules_built "no $BINDIR/wgaudit-tls.so beside $WGAUDIT"; exit 1; }

# Every symbol a module leaves undefined is exported by the binary (or
# comes from a library the module needs): else dlopen fails, and for
# wgaudit-bpf.so only on a host with the wireguard kernel module.
if out=$(bash "$(dirname "$0")/../lint/modsyms.sh" "$WGAUDIT" "$BINDIR"/wgaudit-*.so); then
	pass modules_find_their_symbols
else
	fail modules_find_their_symbols "$(echo "$out" | grep FAIL | head -3 | tr '\n' ' ')"
fi
NOTUSED='libssl|libcrypto|libmicrohttpd|libgnutls|libbpf|libelf|libsystemd|libgcrypt|wgaudit-[a-z]*\.so'

# [bpf] as by default (auto): without the wireguard kernel module there is
# nothing to attach to, and libbpf stays out (with the module loaded here,
# the case asks for [bpf] enabled = no instead).
if [ -e /sys/module/wireguard ]; then
	conf '[output "local"]' "url = jsonl:$LAB/events.jsonl" '[bpf]' 'enabled = no'
else
	conf '[output "local"]' "url = jsonl:$LAB/events.jsonl"
fi
if start "$WGAUDIT" "$LAB/s1"; then
	if grep -qE "$NOTUSED" "/proc/$AGENT_PID/maps"; then
		fail unused_not_loaded "mapped: $(grep -oE "($NOTUSED)[^ ]*" /proc/$AGENT_PID/maps | sort -u | tr '\n' ' ')"
	else
		pass unused_not_loaded
	fi
else
	fail unused_not_loaded "agent did not start: $(tail -3 "$LAB/agent.out")"
fi
stop

# [bpf] enabled = yes on a host without the module (or without BTF): it
# says why and waits or uses the kernel log, loading nothing.
if [ ! -e /sys/module/wireguard ]; then
	conf '[output "local"]' "url = jsonl:$LAB/events.jsonl" '[bpf]' 'enabled = yes'
	if start "$WGAUDIT" "$LAB/s5" && wait_for 10 grep -q 'eBPF' "$LAB/agent.out"; then
		if grep -qE 'libbpf|libelf|wgaudit-bpf\.so' "/proc/$AGENT_PID/maps"; then
			fail bpf_waiting_loads_nothing "mapped: $(grep -oE '(libbpf|libelf|wgaudit-bpf)[^ ]*' /proc/$AGENT_PID/maps | sort -u | tr '\n' ' ')"
		else
			pass bpf_waiting_loads_nothing
		fi
	else
		fail bpf_waiting_loads_nothing "agent did not start or said nothing of eBPF: $(tail -3 "$LAB/agent.out")"
	fi
	stop
fi

# libsystemd is not linked, yet the agent still speaks to systemd: a real
# datagram socket as $NOTIFY_SOCKET gets READY=1, the watchdog pings
# ($WATCHDOG_USEC) and STOPPING=1.
python3 - "$LAB/notify.sock" "$LAB/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a", buffering=1) as log:
    try:
        while True:
            log.write(s.recv(4096).decode() + "\n")
    except socket.timeout:
        pass
PY
NPID=$!
wait_for 10 test -S "$LAB/notify.sock"
conf '[output "local"]' "url = jsonl:$LAB/events.jsonl"
NOTIFY_SOCKET=$LAB/notify.sock WATCHDOG_USEC=1000000 "$WGAUDIT" run -c "$LAB/w.conf" --state-dir "$LAB/s6" \
	> "$LAB/agent.out" 2>&1 &
AGENT_PID=$!
if wait_for 20 grep -q '^READY=1$' "$LAB/notify.log" && wait_for 10 grep -q '^WATCHDOG=1$' "$LAB/notify.log" &&
	! grep -qE 'libsystemd|libgcrypt' "/proc/$AGENT_PID/maps"; then
	kill "$AGENT_PID"
	if wait_for 10 grep -q '^STOPPING=1$' "$LAB/notify.log"; then
		pass systemd_notify_without_libsystemd
	else
		fail systemd_notify_without_libsystemd "no STOPPING=1: $(tr '\n' ' ' < "$LAB/notify.log")"
	fi
else
	fail systemd_notify_without_libsystemd "got: $(tr '\n' ' ' < "$LAB/notify.log" 2>/dev/null); $(tail -2 "$LAB/agent.out")"
fi
stop
kill "$NPID" 2>/dev/null
wait "$NPID" 2>/dev/null

# A TLS output (to a closed port: the context is made at open, the
# connection just keeps retrying) loads the module and OpenSSL with it.
conf '[output "local"]' "url = jsonl:$LAB/events.jsonl" '[output "siem"]' 'url = syslog+tls://127.0.0.1:9'
if start "$WGAUDIT" "$LAB/s2" && maps_has "$AGENT_PID" 'wgaudit-tls.so' && maps_has "$AGENT_PID" 'libssl'; then
	pass tls_output_loads_module
else
	fail tls_output_loads_module "$(tail -3 "$LAB/agent.out")"
fi
stop

# The binary alone, without its modules (nor an installed copy): the TLS
# output is refused at start with the files it looked for.
mkdir -p "$LAB/bin"
cp "$WGAUDIT" "$LAB/bin/wgaudit"
"$LAB/bin/wgaudit" run -c "$LAB/w.conf" --state-dir "$LAB/s3" > "$LAB/alone.out" 2>&1 &
p=$!
if wait_for 20 sh -c "! kill -0 $p 2>/dev/null"; then
	wait "$p"; rc=$?
	if [ "$rc" != 0 ] && grep -q "wgaudit-tls.so" "$LAB/alone.out" && grep -qF "$LAB/bin/wgaudit-tls.so" "$LAB/alone.out"; then
		pass missing_module_is_an_error
	else
		fail missing_module_is_an_error "rc=$rc: $(tail -2 "$LAB/alone.out")"
	fi
else
	kill "$p"; fail missing_module_is_an_error "the agent kept running without TLS"
fi

# A module others could have replaced is not loaded.
cp "$BINDIR/wgaudit-tls.so" "$LAB/bin/"
chmod 0666 "$LAB/bin/wgaudit-tls.so"
"$LAB/bin/wgaudit" run -c "$LAB/w.conf" --state-dir "$LAB/s4" > "$LAB/tamper.out" 2>&1 &
p=$!
if wait_for 20 sh -c "! kill -0 $p 2>/dev/null"; then
	wait "$p"; rc=$?
	if [ "$rc" != 0 ] && grep -q "writable by others" "$LAB/tamper.out"; then
		pass writable_module_refused
	else
		fail writable_module_refused "rc=$rc: $(tail -2 "$LAB/tamper.out")"
	fi
else
	kill "$p"; fail writable_module_refused "the agent loaded a world-writable module"
fi
exit $T_FAILED
