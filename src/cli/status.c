// SPDX-License-Identifier: GPL-2.0
/* status.c - `wgaudit status [--json]`: a live view of every WireGuard
 * interface in scope, read once from netlink/UAPI (no daemon needed), with
 * state computed by the agent's rule and friendly names from the config
 * file comments ("# Name = alice"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "conf/conf.h"
#include "base/wgdev.h"
#include "base/wgconf.h"
#include "sources/uapi.h"
#include "sources/wgnl.h"
#include "base/util.h"

#define MAX_IFACES 256
#define MAX_CONF_BYTES (4u << 20)

/* Friendly names from CONFIG_DIR/IFACE.conf comments; ci left empty when
 * there is no readable file (wgconf_parse sorts the peers by key). */
static void load_names(const struct conf *c, const char *iface, struct conf_iface *ci)
{
	char path[512], err[256];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(ci, 0, sizeof(*ci));
	snprintf(path, sizeof(path), "%s/%s.conf", c->config_dir, iface);
	f = fopen(path, "re");
	if (!f)
		return;
	buf = malloc(MAX_CONF_BYTES);
	if (buf)
		len = fread(buf, 1, MAX_CONF_BYTES, f);
	fclose(f);
	if (!buf || len >= MAX_CONF_BYTES || wgconf_parse(buf, len, ci, err, sizeof(err)) < 0)
		conf_iface_release(ci);
	if (buf)
		wipe(buf, len);	/* the file holds the private key */
	free(buf);
}

static const char *peer_name(const struct conf_iface *ci, const uint8_t *key)
{
	const struct conf_peer *p = conf_iface_peer(ci, key);

	return p && p->name[0] ? p->name : NULL;
}

static bool wanted(const struct conf *c, const char *name)
{
	if (!c->n_ifaces)
		return true;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (!strcmp(c->ifaces[i], name))
			return true;
	return false;
}

static const char *peer_state(const struct conf *c, int64_t now, int64_t lh)
{
	if (!lh)
		return "never";
	return (now - lh) * 1000 <= (int64_t)c->active_ms ? "active" : "inactive";
}

/* Interface names (a UAPI socket's file name), friendly names from
 * config files: untrusted text, escaped for JSON or the terminal. */
static void json_str(const char *s)
{
	putchar('"');
	str_escape(s, strlen(s), STR_ESC_JSON, str_put_file, stdout);
	putchar('"');
}

static void text_str(const char *s)
{
	str_escape(s, strlen(s), STR_ESC_TEXT, str_put_file, stdout);
}

static void print_text(const struct conf *c, const struct wg_device *d,
		       const struct conf_iface *ci, int64_t now)
{
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STR_LEN], ago[96], rx[32], tx[32];
	char aips[1024];

	printf("interface: ");
	text_str(d->name);
	printf(" (%s)\n", d->impl == WG_IMPL_KERNEL ? "kernel" : "userspace");
	if (d->has_public_key) {
		key_to_base64(b64, d->public_key);
		printf("  public key: %s\n", b64);
	}
	printf("  listening port: %u\n  peers: %zu\n", d->listen_port, d->n_peers);
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct wg_peer *p = &d->peers[i];

		key_to_base64(b64, p->public_key);
		endpoint_format(ep, &p->endpoint);
		fmt_ago(ago, sizeof(ago), now, p->last_handshake_sec);
		fmt_bytes(rx, sizeof(rx), p->rx_bytes);
		fmt_bytes(tx, sizeof(tx), p->tx_bytes);
		wg_peer_format_aips(d, p, aips, sizeof(aips));
		printf("\npeer: %s\n", b64);
		if (peer_name(ci, p->public_key)) {
			printf("  name: ");
			text_str(peer_name(ci, p->public_key));
			putchar('\n');
		}
		printf("  state: %s\n", peer_state(c, now, p->last_handshake_sec));
		if (ep[0])
			printf("  endpoint: %s\n", ep);
		printf("  allowed ips: %s\n", aips[0] ? aips : "(none)");
		printf("  latest handshake: %s\n", ago);
		printf("  transfer: %s received, %s sent\n", rx, tx);
		if (p->keepalive)
			printf("  persistent keepalive: every %u seconds\n", p->keepalive);
	}
	printf("\n");
}

static void print_json(const struct conf *c, const struct wg_device *d,
		       const struct conf_iface *ci, int64_t now, bool first)
{
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STR_LEN], aips[1024];

	printf("%s{\"name\":", first ? "" : ",");
	json_str(d->name);
	printf(",\"impl\":\"%s\"", d->impl == WG_IMPL_KERNEL ? "kernel" : "userspace");
	if (d->has_public_key) {
		key_to_base64(b64, d->public_key);
		printf(",\"public_key\":\"%s\"", b64);
	}
	printf(",\"listen_port\":%u,\"peers\":[", d->listen_port);
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct wg_peer *p = &d->peers[i];

		key_to_base64(b64, p->public_key);
		endpoint_format(ep, &p->endpoint);
		wg_peer_format_aips(d, p, aips, sizeof(aips));
		printf("%s{\"public_key\":\"%s\",\"name\":", i ? "," : "", b64);
		if (peer_name(ci, p->public_key))
			json_str(peer_name(ci, p->public_key));
		else
			printf("null");
		printf(",\"endpoint\":");
		if (ep[0])
			json_str(ep);
		else
			printf("null");
		printf(",\"allowed_ips\":");
		json_str(aips);
		printf(",\"last_handshake\":%lld,\"rx\":%llu,\"tx\":%llu,"
		       "\"keepalive\":%u,\"state\":\"%s\"}",
		       (long long)p->last_handshake_sec, (unsigned long long)p->rx_bytes,
		       (unsigned long long)p->tx_bytes, p->keepalive,
		       peer_state(c, now, p->last_handshake_sec));
	}
	printf("]}");
}

int cmd_status(struct conf *c, const struct cli_opts *o)
{
	char (*names)[IFNAMSIZ] = calloc(MAX_IFACES, IFNAMSIZ);
	struct wg_device dev;
	struct wgnl *nl = NULL;
	struct uapi *uapi = NULL;
	size_t nk = 0, nu = 0, shown = 0;
	int64_t now = now_realtime_us() / 1000000;
	int status = 0, ret;

	memset(&dev, 0, sizeof(dev));
	if (!names)
		return 1;
	ret = wgnl_open(&nl);
	if (ret == 0 && (ret = wgnl_list(nl, names, MAX_IFACES, &nk)) < 0) {
		fprintf(stderr, "wgaudit: listing kernel interfaces: %s\n", strerror(-ret));
		status = 1;
	} else if (ret < 0 && ret != -ENOENT) {
		fprintf(stderr, "wgaudit: kernel WireGuard netlink: %s\n", strerror(-ret));
	}
	ret = uapi_list(c->uapi_dir, names + nk, MAX_IFACES - nk, &nu);
	if (ret < 0 && ret != -ENOENT) {
		fprintf(stderr, "wgaudit: listing %s: %s\n", c->uapi_dir, strerror(-ret));
		status = 1;
	}
	if (o->json)
		printf("{\"time\":%lld,\"interfaces\":[", (long long)now);
	for (size_t i = 0; i < nk + nu; i++) {
		if (!wanted(c, names[i]))
			continue;
		ret = i < nk ? wgnl_get_device(nl, names[i], &dev)
			     : !uapi && !(uapi = uapi_new()) ? -ENOMEM
			     : uapi_get_device(uapi, c->uapi_dir, names[i], &dev);
		if (ret < 0) {
			fprintf(stderr, "wgaudit: %s: %s\n", names[i], strerror(-ret));
			status = 1;
			continue;
		}
		{
			struct conf_iface ci;

			load_names(c, names[i], &ci);
			if (o->json)
				print_json(c, &dev, &ci, now, shown == 0);
			else
				print_text(c, &dev, &ci, now);
			conf_iface_release(&ci);
		}
		shown++;
		wg_device_clear(&dev);
	}
	if (o->json)
		printf("]}\n");
	else if (!shown)
		printf("no WireGuard interfaces%s\n", c->n_ifaces ? " matching --interface" : "");
	for (size_t i = 0; i < c->n_ifaces; i++) {
		bool found = false;

		for (size_t j = 0; j < nk + nu; j++)
			found |= !strcmp(names[j], c->ifaces[i]);
		if (!found) {
			fprintf(stderr, "wgaudit: %s: no such WireGuard interface\n", c->ifaces[i]);
			status = 1;
		}
	}
	wg_device_release(&dev);
	wgnl_free(nl);
	uapi_free(uapi);
	free(names);
	return status;
}
