# SPDX-License-Identifier: GPL-2.0
# lib-rsyslog.sh - a private rsyslogd on 127.0.0.1 for integration tests.
# Sourced after lib.sh. It loads no imuxsock/imklog, has its own config,
# pid file and work dir under DIR, listens on loopback only and writes what
# it receives, one line per message, with the fields rsyslog parsed:
#   app=%app-name%|host=%hostname%|sev=%syslogseverity-text%|fac=%syslogfacility-text%|msgid=%msgid%|sd=%structured-data%|msg=%msg%
# so a test asserts on rsyslog's parse, not on our bytes.
#
#   rsyslog_start DIR TCPPORT UDPPORT   start; 0 when both ports listen
#   rsyslog_stop DIR                    stop (only the pid we started)
#   rsyslog_wait_lines DIR N [SECS]     wait until N messages were written
#   rsyslog_out DIR                     path of the received-messages file
#   rsyslog_free_port tcp|udp           an unused loopback port
#   rsyslog_field LINE NAME             one field of a received line

RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}

rsyslog_out() { echo "$1/received.log"; }

rsyslog_free_port() {
	python3 - "$1" <<'EOF'
import socket, sys
t = socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, t)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

_rsyslog_listening() {	# proto port
	local flag=-ltn
	[ "$1" = udp ] && flag=-lun
	ss -H $flag "sport = :$2" 2>/dev/null | grep -q .
}

# _rsyslog_sink DIR: what every private rsyslogd writes, one line per
# message with the fields rsyslog parsed (shared by the TLS library).
_rsyslog_sink() {
	cat <<CONF
template(name="wgaFields" type="string"
	string="app=%app-name%|host=%hostname%|sev=%syslogseverity-text%|fac=%syslogfacility-text%|msgid=%msgid%|sd=%structured-data%|msg=%msg%\n")
*.* action(type="omfile" file="$1/received.log" template="wgaFields"
	flushOnTXEnd="on" asyncWriting="off")
CONF
}

# _rsyslog_launch DIR PROTO:PORT...: check DIR/rsyslog.conf, start rsyslogd
# on it, return 0 once every PROTO:PORT listens.
_rsyslog_launch() {
	local dir=$1 l ok
	shift
	"$RSYSLOGD" -N1 -f "$dir/rsyslog.conf" > "$dir/check.log" 2>&1 || {
		echo "rsyslogd rejects the config: $(tail -3 "$dir/check.log")" >&2
		return 1
	}
	"$RSYSLOGD" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" \
		> "$dir/rsyslogd.log" 2>&1 &
	echo $! > "$dir/rsyslogd.bgpid"
	for _ in $(seq 100); do
		ok=1
		for l in "$@"; do
			_rsyslog_listening "${l%%:*}" "${l#*:}" || ok=0
		done
		[ $ok = 1 ] && return 0
		kill -0 "$(cat "$dir/rsyslogd.bgpid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "rsyslogd did not start: $(tail -3 "$dir/rsyslogd.log")" >&2
	rsyslog_stop "$dir"
	return 1
}

rsyslog_start() {
	local dir=$1 tport=$2 uport=$3
	[ -x "$RSYSLOGD" ] || { echo "rsyslogd not installed" >&2; return 1; }
	mkdir -p "$dir/work"
	: > "$dir/received.log"
	{
		echo "global(workDirectory=\"$dir/work\" maxMessageSize=\"64k\")"
		echo 'module(load="imtcp")'
		echo 'module(load="imudp")'
		echo "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$tport\")"
		echo "input(type=\"imudp\" address=\"127.0.0.1\" port=\"$uport\")"
		_rsyslog_sink "$dir"
	} > "$dir/rsyslog.conf"
	_rsyslog_launch "$dir" "tcp:$tport" "udp:$uport"
}

rsyslog_stop() {
	local dir=$1 pid
	[ -f "$dir/rsyslogd.bgpid" ] || return 0
	pid=$(cat "$dir/rsyslogd.bgpid")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -f "$dir/rsyslogd.bgpid"
	return 0
}

rsyslog_wait_lines() {
	local dir=$1 n=$2 secs=${3:-10} i
	for i in $(seq $((secs * 10))); do
		[ "$(wc -l < "$dir/received.log")" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# rsyslog_field LINE NAME: the value of NAME= up to the next '|name='
# (msg is last and may itself contain '|').
rsyslog_field() {
	local line=$1 name=$2
	case $name in
	msg) printf '%s\n' "${line#*|msg=}" ;;
	sd) line=${line#*|sd=}; printf '%s\n' "${line%%|msg=*}" ;;
	*) printf '%s\n' "$line" | sed -n "s/.*\(^\||\)$name=\([^|]*\)|.*/\2/p" ;;
	esac
}
