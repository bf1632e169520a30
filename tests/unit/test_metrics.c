// SPDX-License-Identifier: GPL-2.0
/* Prometheus text: exporter-compatible names and labels, escaping of
 * untrusted names, buffers reused between renders. */
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "outputs/metrics.h"

static const uint8_t k1[32] = { 1 }, k2[32] = { 2 }, dk[32] = { 3 };
static union endpoint ep;

static int ifaces(void *ctx, metrics_iface_fn emit, void *rctx)
{
	struct metrics_iface i = { .name = "wg0", .public_key = dk, .listen_port = 51820 };

	return emit(rctx, &i);
}

static int peers(void *ctx, metrics_peer_fn emit, void *rctx)
{
	struct metrics_peer p = { .iface = "wg0", .public_key = k1, .endpoint = &ep,
		.allowed_ips = "10.0.0.2/32,fd00::2/128", .name = "al\"ice\n\\ \xff",
		.last_handshake = 1700000000, .rx = 123, .tx = 456, .state = METRICS_ACTIVE };
	union endpoint none = { .sa.sa_family = AF_UNSPEC };
	int ret = emit(rctx, &p);

	p = (struct metrics_peer){ .iface = "wg0", .public_key = k2, .endpoint = &none,
		.allowed_ips = "", .name = "", .state = METRICS_NEVER };
	return ret ? ret : emit(rctx, &p);
}

static char *render(enum metrics_names n, struct metrics_text *t)
{
	static uint64_t ev[EV__COUNT];
	struct metrics_output o = { .name = "jsonl:-", .backlog = 7, .sent = 9, .connected = true };
	struct metrics_view v = { ifaces, peers, NULL, ev, &o, 1, 2, 0 };
	size_t len;
	char *s;

	ev[EV_ALERT_ROGUE_PEER] = 3;
	if (metrics_render(&v, n, t) < 0)
		return NULL;
	len = metrics_text_len(t);
	s = malloc(len + 1);
	if (!s)
		return NULL;
	/* Read in odd-sized pieces, as the HTTP layer does. */
	for (size_t pos = 0, got; pos < len; pos += got)
		got = metrics_text_read(t, pos, s + pos, len - pos < 7 ? len - pos : 7);
	s[len] = '\0';
	return s;
}

TEST(mdlayher_names)
{
	struct metrics_text t = { 0 };
	char *s;

	endpoint_parse("192.0.2.1:51820", 15, &ep);
	s = render(METRICS_MDLAYHER, &t);
	CHECK(s != NULL);
	CHECK(strstr(s, "# TYPE wireguard_peer_receive_bytes_total counter\n"));
	CHECK(strstr(s, "wireguard_device_info{device=\"wg0\",public_key=\"AwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"} 1\n"));
	CHECK(strstr(s, "wireguard_peer_info{device=\"wg0\",public_key=\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
		     "endpoint=\"192.0.2.1:51820\",name=\"al\\\"ice\\n\\\\ ?\"} 1\n"));
	CHECK(strstr(s, "wireguard_peer_allowed_ips_info{device=\"wg0\",public_key=\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
		     "allowed_ips=\"fd00::2/128\",family=\"IPv6\"} 1\n"));
	/* The exporter's label sets exactly: the name is on peer_info only. */
	CHECK(strstr(s, "wireguard_peer_transmit_bytes_total{device=\"wg0\",public_key=\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"} 456\n"));
	CHECK(strstr(s, "wireguard_peer_last_handshake_seconds{device=\"wg0\",public_key=\"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"} 0\n"));
	CHECK(!strstr(s, "wgaudit_peer_active"));	/* per peer: the handshake age says it */
	CHECK(strstr(s, "wireguard_peer_info{device=\"wg0\",public_key=\"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",endpoint=\"\",name=\"\"} 1\n"));
	CHECK(strstr(s, "wgaudit_peers{device=\"wg0\",state=\"active\"} 1\n"));
	CHECK(strstr(s, "wgaudit_peers{device=\"wg0\",state=\"never\"} 1\n"));
	CHECK(strstr(s, "wgaudit_alerts_total{type=\"ALERT_ROGUE_PEER\"} 3\n"));
	CHECK(strstr(s, "wgaudit_journal_backlog_events{output=\"jsonl:-\"} 7\n"));
	CHECK(strstr(s, "wgaudit_sessions_open 2\n"));
	CHECK(!strstr(s, "wireguard_sent_bytes_total"));
	free(s);
	/* A second render reuses the buffers and says the same. */
	{
		char *p = t.fam[0].p, *again = render(METRICS_MDLAYHER, &t);

		CHECK(again != NULL);
		CHECK(t.fam[0].p == p);
		free(again);
	}
	metrics_text_free(&t);
}

TEST(mindflavor_names)
{
	struct metrics_text t = { 0 };
	char *s = render(METRICS_MINDFLAVOR, &t);

	CHECK(s != NULL);
	CHECK(strstr(s, "# HELP wireguard_sent_bytes_total Bytes sent to the peer\n# TYPE wireguard_sent_bytes_total counter\n"));
	CHECK(strstr(s, "wireguard_sent_bytes_total{interface=\"wg0\",public_key=\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
		     "allowed_ips=\"10.0.0.2/32,fd00::2/128\",friendly_name=\"al\\\"ice\\n\\\\ ?\"} 456\n"));
	CHECK(strstr(s, "wireguard_received_bytes_total{interface=\"wg0\",public_key=\"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
		     "allowed_ips=\"\"} 0\n"));	/* no name: no friendly_name label, as the exporter */
	CHECK(strstr(s, "wireguard_latest_handshake_seconds{"));
	CHECK(strstr(s, "wireguard_sent_bytes_total") < strstr(s, "wireguard_received_bytes_total"));
	CHECK(!strstr(s, "wireguard_peer_info"));
	free(s);
	metrics_text_free(&t);
}
TEST_MAIN()
