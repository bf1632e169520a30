// SPDX-License-Identifier: GPL-2.0
/* status.c - `wgaudit status [--json]`: a live view of every WireGuard
 * interface in scope, read once from netlink/UAPI (no daemon needed), with
 * state computed by the agent's rule and friendly names from the config
 * file comments ("# Name = alice"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "conf/conf.h"
#include "base/wgdev.h"
#include "base/wgconf.h"
#include "sources/netns.h"
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
		       const struct conf_iface *ci, int64_t now, const char *netns)
{
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STR_LEN], ago[96], rx[32], tx[32];
	char aips[1024];

	printf("interface: ");
	text_str(d->name);
	printf(" (%s)\n", d->impl == WG_IMPL_KERNEL ? "kernel" : "userspace");
	if (netns) {
		printf("  netns: ");
		text_str(netns);
		putchar('\n');
	}
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
		       const struct conf_iface *ci, int64_t now, bool first, const char *netns)
{
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STR_LEN], aips[1024];

	printf("%s{\"name\":", first ? "" : ",");
	json_str(d->name);
	if (netns) {
		printf(",\"netns\":");
		json_str(netns);
	}
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

static void mark_found(const struct conf *c, const char *name, bool *found)
{
	for (size_t i = 0; i < c->n_ifaces; i++)
		found[i] |= !strcmp(name, c->ifaces[i]);
}

static int open_nl_inside(void *ctx)
{
	return wgnl_open(ctx);
}

/* --all-namespaces: every other namespace's kernel interfaces, through a
 * wgnl opened inside it (by netns_run_in's thread: ours never moves). The
 * namespaces seen stay in s for the JSON list. Config-file names are
 * this namespace's: not applied there. 0 or 1 (a failure was printed). */
static int status_namespaces(const struct conf *c, const struct cli_opts *o,
			     struct netns_scan *s, struct wg_device *dev,
			     char (*names)[IFNAMSIZ], int64_t now, size_t *shown, bool *found)
{
	struct conf_iface none;
	uint64_t dev_ino;
	int status = 0, ret;

	memset(&none, 0, sizeof(none));
	if (netns_self_ino(&s->self_ino, &dev_ino) < 0 ||
	    netns_scan_run((s->nsfs_dev = dev_ino, s), "/run/netns", "/proc") < 0) {
		fprintf(stderr, "wgaudit: --all-namespaces: cannot list namespaces: %s\n",
			strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct netns_entry *e = &s->v[i];
		struct wgnl *nl = NULL;
		size_t n = 0;

		ret = netns_run_in(e->path, e->ino, open_nl_inside, &nl);
		if (ret < 0) {
			if (ret != -ENOENT)	/* no module: nothing to show anywhere */
				fprintf(stderr, "wgaudit: netns %s: %s\n", e->label, strerror(-ret));
			continue;
		}
		ret = wgnl_list(nl, names, MAX_IFACES, &n);
		if (ret < 0) {
			fprintf(stderr, "wgaudit: netns %s: listing: %s\n", e->label, strerror(-ret));
			status = 1;
		}
		for (size_t j = 0; j < n && ret >= 0; j++) {
			if (!conf_iface_wanted(c, names[j]))
				continue;
			mark_found(c, names[j], found);
			if (wgnl_get_device(nl, names[j], dev) < 0) {
				fprintf(stderr, "wgaudit: netns %s: %s: cannot read\n", e->label, names[j]);
				status = 1;
				continue;
			}
			if (o->json)
				print_json(c, dev, &none, now, *shown == 0, e->label);
			else
				print_text(c, dev, &none, now, e->label);
			(*shown)++;
			wg_device_clear(dev);
		}
		wgnl_free(nl);
	}
	return status;
}

int cmd_status(struct conf *c, const struct cli_opts *o)
{
	struct netns_scan scan;
	bool found[CONF_MAX_IFACES] = { false };
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
		if (!conf_iface_wanted(c, names[i]))
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
				print_json(c, &dev, &ci, now, shown == 0, NULL);
			else
				print_text(c, &dev, &ci, now, NULL);
			conf_iface_release(&ci);
		}
		shown++;
		mark_found(c, names[i], found);
		wg_device_clear(&dev);
	}
	memset(&scan, 0, sizeof(scan));
	if (c->all_namespaces && netns_scan_init(&scan, 0) == 0)
		status |= status_namespaces(c, o, &scan, &dev, names, now, &shown, found);
	if (o->json && c->all_namespaces) {
		printf("],\"namespaces\":[");
		for (size_t i = 0; i < scan.n; i++) {
			printf("%s{\"netns\":", i ? "," : "");
			json_str(scan.v[i].label);
			printf(",\"inode\":%llu}", (unsigned long long)scan.v[i].ino);
		}
		printf("]}\n");
	} else if (o->json) {
		printf("]}\n");
	} else if (!shown) {
		printf("no WireGuard interfaces%s\n", c->n_ifaces ? " matching --interface" : "");
	}
	netns_scan_release(&scan);
	for (size_t i = 0; i < c->n_ifaces; i++) {
		if (!found[i]) {
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
