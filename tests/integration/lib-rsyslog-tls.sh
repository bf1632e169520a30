# SPDX-License-Identifier: GPL-2.0
# lib-rsyslog-tls.sh - a private rsyslogd with the TLS stream driver on
# 127.0.0.1, for tests of syslog+tls:// (RFC 5425). Sourced after lib.sh and
# lib-rsyslog.sh (it reuses rsyslog_stop / rsyslog_wait_lines / rsyslog_out /
# rsyslog_field and the same received-line template).
#
#   tls_make_pki DIR          throwaway PKI, generated now (delete DIR after):
#                             ca.pem (trusted), server.pem/.key (CN/SAN
#                             localhost + IP 127.0.0.1, signed by ca),
#                             other-ca.pem (unknown to everyone),
#                             client.pem/.key (clientAuth, signed by ca),
#                             rogue-client.pem/.key (signed by other-ca)
#   rsyslog_tls_start DIR PKI PORT MTLSPORT
#                             PORT: server auth only ("anon" for clients);
#                             MTLSPORT: client certificate required and
#                             verified against ca.pem ("x509/certvalid").
#                             0 when both listen.
#   rsyslog_tls_driver        which driver is installed: ossl, gtls or ""

RSYSLOG_MODDIR=${RSYSLOG_MODDIR:-$(dirname "$(find /usr/lib /usr/lib64 -name lmnsd_ptcp.so 2>/dev/null | head -1)")}

rsyslog_tls_driver() {
	if [ -e "$RSYSLOG_MODDIR/lmnsd_ossl.so" ]; then echo ossl
	elif [ -e "$RSYSLOG_MODDIR/lmnsd_gtls.so" ]; then echo gtls
	fi
}

_tls_sign() {	# dir name subj ca ext-lines
	local d=$1 n=$2 subj=$3 ca=$4 ext=$5
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "$subj" -keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null || return 1
	printf '%b\n' "$ext" > "$d/$n.ext"
	openssl x509 -req -in "$d/$n.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" \
		-CAcreateserial -days 2 -extfile "$d/$n.ext" -out "$d/$n.pem" 2>/dev/null
}

tls_make_pki() {
	local d=$1 c
	mkdir -p "$d" && chmod 700 "$d" || return 1
	for c in ca other-ca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=wgaudit test $c" -days 2 \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout "$d/$c.key" -out "$d/$c.pem" 2>/dev/null || return 1
	done
	_tls_sign "$d" server "/CN=localhost" ca \
		"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1" || return 1
	_tls_sign "$d" client "/CN=wgaudit-client" ca \
		"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth" || return 1
	_tls_sign "$d" rogue-client "/CN=wgaudit-client" other-ca \
		"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth" || return 1
	chmod 600 "$d"/*.key
}

rsyslog_tls_start() {
	local dir=$1 pki=$2 port=$3 mport=$4 drv
	drv=$(rsyslog_tls_driver)
	[ -x "$RSYSLOGD" ] || { echo "rsyslogd not installed" >&2; return 1; }
	[ -n "$drv" ] || { echo "no rsyslog TLS driver (install rsyslog-openssl or rsyslog-gnutls)" >&2; return 1; }
	mkdir -p "$dir/work"
	: > "$dir/received.log"
	cat > "$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir/work" maxMessageSize="64k"
	DefaultNetstreamDriver="$drv"
	DefaultNetstreamDriverCAFile="$pki/ca.pem"
	DefaultNetstreamDriverCertFile="$pki/server.pem"
	DefaultNetstreamDriverKeyFile="$pki/server.key")
module(load="imtcp" StreamDriver.Name="$drv" StreamDriver.Mode="1")
input(type="imtcp" address="127.0.0.1" port="$port" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="$mport" streamDriver.authMode="x509/certvalid")
$(_rsyslog_sink "$dir")
CONF
	_rsyslog_launch "$dir" "tcp:$port" "tcp:$mport"
}
