// SPDX-License-Identifier: GPL-2.0
/* Config watcher: the live watcher in a temp dir with an in-memory state:
 * baseline, change, atomic replace, delete, create, restart continuity and
 * a rescan that catches what inotify did not say; secrets never in events
 * or state. The parser of the files' public parts is test_wgconf.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "test.h"
#include "base/event.h"
#include "sources/confwatch.h"
#include "wgconftest.h"

/* ---- helpers ----------------------------------------------------------- */

/* In-memory stand-in for the agent's store meta. */
struct kv {
	int n;
	char *k[64], *v[64];
	int sets;
};

static int kv_get(void *ctx, const char *key, char *val, size_t len)
{
	struct kv *m = ctx;

	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->k[i], key)) {
			if (strlen(m->v[i]) >= len)
				return -ENOSPC;
			memcpy(val, m->v[i], strlen(m->v[i]) + 1);
			return 0;
		}
	return -ENOENT;
}

static int kv_set(void *ctx, const char *key, const char *val)
{
	struct kv *m = ctx;

	m->sets++;
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->k[i], key)) {
			free(m->v[i]);
			m->v[i] = strdup(val);
			return 0;
		}
	if (m->n == 64)
		return -ENOSPC;
	m->k[m->n] = strdup(key);
	m->v[m->n++] = strdup(val);
	return 0;
}

static const char *kv_val(struct kv *m, const char *key)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->k[i], key))
			return m->v[i];
	return NULL;
}

static void kv_free(struct kv *m)
{
	for (int i = 0; i < m->n; i++) {
		free(m->k[i]);
		free(m->v[i]);
	}
	m->n = 0;
}

struct sink_log {
	int n;
	struct event ev[32];
};

static int collect(void *ctx, struct event *ev)
{
	struct sink_log *l = ctx;

	if (l->n < 32)
		l->ev[l->n++] = *ev;
	return 0;
}

static int count(const struct sink_log *l, enum event_type t)
{
	int n = 0;

	for (int i = 0; i < l->n; i++)
		n += l->ev[i].type == t;
	return n;
}

static const struct event *find(const struct sink_log *l, enum event_type t)
{
	for (int i = 0; i < l->n; i++)
		if (l->ev[i].type == t)
			return &l->ev[i];
	return NULL;
}

static const char *field(const struct event *ev, const char *k)
{
	const char *v = ev ? event_get(ev, k) : NULL;

	return v;
}

struct fx {
	char dir[64];
	struct kv kv;
	struct confwatch_state st;
	struct sink_log log;
	struct event_sink sink;
	struct confwatch *cw;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/wga-confwatch-XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	f->st.get = kv_get;
	f->st.set = kv_set;
	f->st.ctx = &f->kv;
	f->sink.emit = collect;
	f->sink.ctx = &f->log;
}

static void fx_path(const struct fx *f, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", f->dir, name);
}

/* open/write/close: one IN_CLOSE_WRITE. */
static void fx_write(const struct fx *f, const char *name, const char *text)
{
	char p[256];
	int fd;

	fx_path(f, name, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

/* What editors and config managers do: write aside, rename over. */
static void fx_replace(const struct fx *f, const char *name, const char *text)
{
	char tmp[256], p[256];

	fx_write(f, ".tmp-replace", text);
	fx_path(f, ".tmp-replace", tmp, sizeof(tmp));
	fx_path(f, name, p, sizeof(p));
	if (rename(tmp, p) < 0)
		abort();
}

static void fx_unlink(const struct fx *f, const char *name)
{
	char p[256];

	fx_path(f, name, p, sizeof(p));
	unlink(p);
}

static void fx_open(struct fx *f)
{
	CHECK_INT(confwatch_open(f->dir, &f->st, &f->cw), 0);
}

static void fx_close(struct fx *f)
{
	confwatch_free(f->cw);
	f->cw = NULL;
}

static void fx_done(struct fx *f)
{
	char cmd[128];

	fx_close(f);
	kv_free(&f->kv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		printf("     could not remove %s\n", f->dir);
}

static void sha_hex(const char *s, char out[65])
{
	static const char h[] = "0123456789abcdef";
	uint8_t md[32];

	EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = h[md[i] >> 4];
		out[2 * i + 1] = h[md[i] & 15];
	}
	out[64] = '\0';
}

static char *conf_text(const char *priv, int npeers, char (*keys)[WG_KEY_B64_LEN],
		       const char *extra)
{
	size_t cap = 512 + (size_t)npeers * 200 + (extra ? strlen(extra) : 0);
	char *s = malloc(cap);
	size_t o;

	o = (size_t)snprintf(s, cap, "[Interface]\nAddress = 10.1.0.1/24\n"
			     "ListenPort = 51820\nPrivateKey = %s\n", priv);
	for (int i = 0; i < npeers; i++)
		o += (size_t)snprintf(s + o, cap - o,
				      "\n# Name = peer%d\n[Peer]\nPublicKey = %s\n"
				      "AllowedIPs = 10.1.%d.%d/32\n", i, keys[i],
				      i / 250, i % 250 + 2);
	if (extra)
		snprintf(s + o, cap - o, "%s", extra);
	return s;
}

/* ---- the watcher -------------------------------------------------------- */

static void drain(int fd)
{
	char b[4096];

	while (read(fd, b, sizeof(b)) > 0)
		;
}

TEST(live_baseline_change_replace_delete_create)
{
	char keys[3][WG_KEY_B64_LEN], priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char h1[65], h2[65], h3[65];
	char *t1, *t2, *t3;
	const struct event *ev;
	const struct conf_iface *ci;
	uint8_t k[WG_KEY_LEN];
	struct fx f;

	fx_init(&f);
	genkey(priv, pub, NULL);
	for (int i = 0; i < 3; i++)
		pubkey(keys[i]);
	t1 = conf_text(priv, 2, keys, NULL);
	t2 = conf_text(priv, 3, keys, NULL);
	sha_hex(t1, h1);
	sha_hex(t2, h2);
	fx_write(&f, "wg0.conf", t1);
	fx_write(&f, "not-a-conf.txt", "x");
	fx_write(&f, "wg0.conf.bak", "x");
	fx_write(&f, "much-too-long-name.conf", t1);
	fx_open(&f);
	CHECK(confwatch_fd(f.cw) >= 0);
	/* Known at open, before any rescan. */
	ci = confwatch_iface(f.cw, "wg0");
	CHECK(ci != NULL);
	CHECK_STR(ci ? ci->sha256 : NULL, h1);
	CHECK(confwatch_iface(f.cw, "much-too-long-name") == NULL);
	CHECK(confwatch_iface(f.cw, "wg9") == NULL);
	CHECK_INT(f.log.n, 0);
	CHECK_INT(f.kv.sets, 0);

	/* First run over the dir: a silent baseline. */
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 0);
	{
		char key[128];

		snprintf(key, sizeof(key), "confhash:%s/wg0.conf", f.dir);
		CHECK_STR(kv_val(&f.kv, key), h1);
		snprintf(key, sizeof(key), "conffiles:%s", f.dir);
		CHECK_STR(kv_val(&f.kv, key), "wg0");
	}
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);	/* the opening writes */
	CHECK_INT(f.log.n, 0);

	/* Peer lookups. */
	key_from_base64(k, keys[1], 44);
	CHECK_STR(confwatch_peer_name(f.cw, "wg0", k), "peer1");
	key_from_base64(k, keys[2], 44);
	CHECK(confwatch_peer_name(f.cw, "wg0", k) == NULL);
	CHECK(confwatch_peer_name(f.cw, "wg1", k) == NULL);

	/* Add a peer in place. */
	fx_write(&f, "wg0.conf", t2);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	CHECK_INT(count(&f.log, EV_CONFIG_FILE_CHANGED), 1);
	/* The alert is a check's decision (engine/checks/config.c), not the
	 * watcher's: the source reports the change only. */
	CHECK_INT(count(&f.log, EV_ALERT_CONFIG_CHANGED), 0);
	ev = find(&f.log, EV_CONFIG_FILE_CHANGED);
	CHECK(ev && ev->source == SRC_INOTIFY && ev->severity == LOG_NOTICE);
	CHECK_STR(field(ev, "iface"), "wg0");
	CHECK_STR(field(ev, "old_sha256"), h1);
	CHECK_STR(field(ev, "new_sha256"), h2);
	CHECK_STR(field(ev, "peers_added"), keys[2]);
	CHECK(field(ev, "peers_removed") == NULL);
	CHECK(field(ev, "peers_changed") == NULL);
	CHECK(field(ev, "listen_port") == NULL);
	CHECK(field(ev, "addresses") == NULL);
	CHECK_STR(field(ev, "summary"), "1 peer added");
	CHECK(confwatch_peer_name(f.cw, "wg0", k) != NULL);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);

	/* Atomic replace: one peer gone, one moved, new port and address. */
	t3 = malloc(1024);
	snprintf(t3, 1024, "[Interface]\nAddress = 10.1.0.1/24, fd00::1/64\n"
		 "ListenPort = 51821\nPrivateKey = %s\n\n"
		 "# Name = peer0\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.1.0.2/32\n\n"
		 "# Name = peer1\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.1.0.9/32\n",
		 priv, keys[0], keys[1]);
	sha_hex(t3, h3);
	f.log.n = 0;
	fx_replace(&f, "wg0.conf", t3);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	ev = find(&f.log, EV_CONFIG_FILE_CHANGED);
	CHECK_STR(field(ev, "old_sha256"), h2);
	CHECK_STR(field(ev, "new_sha256"), h3);
	CHECK(field(ev, "peers_added") == NULL);
	CHECK_STR(field(ev, "peers_removed"), keys[2]);
	CHECK_STR(field(ev, "peers_changed"), keys[1]);
	CHECK_STR(field(ev, "listen_port"), "51821");
	CHECK_STR(field(ev, "prev_listen_port"), "51820");
	CHECK_STR(field(ev, "addresses"), "10.1.0.1/24,fd00::1/64");
	CHECK_STR(field(ev, "prev_addresses"), "10.1.0.1/24");
	CHECK_STR(field(ev, "summary"),
		  "1 peer removed, 1 changed, listen port changed, addresses changed");

	/* Delete. */
	f.log.n = 0;
	fx_unlink(&f, "wg0.conf");
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	ev = find(&f.log, EV_CONFIG_FILE_CHANGED);
	CHECK_STR(field(ev, "old_sha256"), h3);
	CHECK_STR(field(ev, "new_sha256"), "");
	CHECK(field(ev, "peers_removed") && strstr(field(ev, "peers_removed"), keys[0]));
	CHECK(strncmp(field(ev, "summary") ? field(ev, "summary") : "", "file deleted", 12) == 0);
	CHECK(confwatch_iface(f.cw, "wg0") == NULL);
	CHECK(confwatch_peer_name(f.cw, "wg0", k) == NULL);

	/* A new interface file while running is a creation, not a baseline. */
	f.log.n = 0;
	fx_write(&f, "wg1.conf", t1);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	ev = find(&f.log, EV_CONFIG_FILE_CHANGED);
	CHECK_STR(field(ev, "iface"), "wg1");
	CHECK_STR(field(ev, "old_sha256"), "");
	CHECK_STR(field(ev, "new_sha256"), h1);
	CHECK(strncmp(field(ev, "summary") ? field(ev, "summary") : "",
		      "file created, 2 peers added", 27) == 0);

	free(t1);
	free(t2);
	free(t3);
	fx_done(&f);
}

TEST(secrets_never_in_events_or_state)
{
	char keys[2][WG_KEY_B64_LEN], priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char psk[WG_KEY_B64_LEN];
	uint8_t raw[WG_KEY_LEN], rawpsk[WG_KEY_LEN];
	char extra[256], *t1, *t2;
	struct fx f;

	fx_init(&f);
	genkey(priv, pub, raw);
	RAND_bytes(rawpsk, sizeof(rawpsk));
	key_to_base64(psk, rawpsk);
	pubkey(keys[0]);
	pubkey(keys[1]);
	snprintf(extra, sizeof(extra), "PresharedKey = %s\n", psk);
	t1 = conf_text(priv, 1, keys, extra);
	t2 = conf_text(priv, 2, keys, extra);
	fx_write(&f, "wg0.conf", t1);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	fx_write(&f, "wg0.conf", t2);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	fx_unlink(&f, "wg0.conf");
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	fx_write(&f, "wg0.conf", t1);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 3);
	for (int i = 0; i < f.log.n; i++) {
		const struct event *ev = &f.log.ev[i];

		CHECK(!memmem(ev, sizeof(*ev), priv, 43));
		CHECK(!memmem(ev, sizeof(*ev), psk, 43));
		CHECK(!memmem(ev, sizeof(*ev), raw, sizeof(raw)));
		CHECK(!memmem(ev, sizeof(*ev), rawpsk, sizeof(rawpsk)));
	}
	for (int i = 0; i < f.kv.n; i++) {
		CHECK(!strstr(f.kv.v[i], priv) && !strstr(f.kv.v[i], psk));
		CHECK(!memmem(f.kv.v[i], strlen(f.kv.v[i]), priv, 20));
	}
	{
		const struct conf_iface *ci = confwatch_iface(f.cw, "wg0");

		CHECK(ci != NULL);
		CHECK(ci && !iface_holds(ci, priv, 43) && !iface_holds(ci, psk, 43));
		CHECK(ci && !iface_holds(ci, raw, sizeof(raw)));
	}
	free(t1);
	free(t2);
	fx_done(&f);
}

TEST(restart_reports_change_while_down_once)
{
	char keys[3][WG_KEY_B64_LEN], priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char *t1, *t2;
	const struct event *ev;
	struct fx f;

	fx_init(&f);
	genkey(priv, pub, NULL);
	for (int i = 0; i < 3; i++)
		pubkey(keys[i]);
	t1 = conf_text(priv, 2, keys, NULL);
	t2 = conf_text(priv, 3, keys, NULL);
	fx_write(&f, "wg0.conf", t1);
	fx_write(&f, "wg1.conf", t1);
	fx_write(&f, "wg2.conf", t1);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 0);
	fx_close(&f);

	/* While down: wg0 gains a peer, wg1 is deleted, wg3 appears. */
	fx_write(&f, "wg0.conf", t2);
	fx_unlink(&f, "wg1.conf");
	fx_write(&f, "wg3.conf", t1);

	fx_open(&f);
	CHECK_INT(f.log.n, 0);		/* nothing at open */
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(count(&f.log, EV_CONFIG_FILE_CHANGED), 3);
	CHECK_INT(count(&f.log, EV_ALERT_CONFIG_CHANGED), 0);
	for (int i = 0; i < f.log.n; i++) {
		ev = &f.log.ev[i];
		if (ev->type != EV_CONFIG_FILE_CHANGED)
			continue;
		if (!strcmp(field(ev, "iface"), "wg0")) {
			CHECK_STR(field(ev, "peers_added"), keys[2]);
			CHECK_STR(field(ev, "summary"), "1 peer added");
		} else if (!strcmp(field(ev, "iface"), "wg1")) {
			CHECK_STR(field(ev, "new_sha256"), "");
			CHECK_INT(strlen(field(ev, "old_sha256")), 64);
		} else {
			CHECK_STR(field(ev, "iface"), "wg3");
			CHECK_STR(field(ev, "old_sha256"), "");
		}
	}
	/* Once. */
	f.log.n = 0;
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 0);
	fx_close(&f);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 0);
	free(t1);
	free(t2);
	fx_done(&f);
}

TEST(rescan_catches_what_inotify_missed)
{
	char keys[2][WG_KEY_B64_LEN], priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char *t1, *t2;
	struct fx f;

	fx_init(&f);
	genkey(priv, pub, NULL);
	pubkey(keys[0]);
	pubkey(keys[1]);
	t1 = conf_text(priv, 2, keys, NULL);
	t2 = conf_text(priv, 1, keys, NULL);
	fx_write(&f, "wg0.conf", t1);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	fx_write(&f, "wg0.conf", t2);
	drain(confwatch_fd(f.cw));	/* the notification is lost */
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 0);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	CHECK_STR(field(find(&f.log, EV_CONFIG_FILE_CHANGED), "peers_removed"), keys[1]);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	free(t1);
	free(t2);
	fx_done(&f);
}

TEST(reordered_allowed_ips_are_not_a_change)
{
	char pub[WG_KEY_B64_LEN], t1[512], t2[512], t3[512];
	struct fx f;

	fx_init(&f);
	pubkey(pub);
	snprintf(t1, sizeof(t1), "[Interface]\nListenPort = 51820\n[Peer]\nPublicKey = %s\n"
		 "AllowedIPs = 10.0.0.2/32, fd00::2/128\n", pub);
	snprintf(t2, sizeof(t2), "[Interface]\nListenPort = 51820\n[Peer]\nPublicKey = %s\n"
		 "AllowedIPs = fd00::2/128,10.0.0.2/32\n", pub);
	snprintf(t3, sizeof(t3), "[Interface]\nListenPort = 51820\n[Peer]\nPublicKey = %s\n"
		 "AllowedIPs = fd00::2/128,10.0.0.3/32\n", pub);
	fx_write(&f, "wg0.conf", t1);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	fx_write(&f, "wg0.conf", t2);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	/* The bytes changed (hash alert), the peer did not. */
	CHECK_INT(count(&f.log, EV_CONFIG_FILE_CHANGED), 1);
	CHECK(field(find(&f.log, EV_CONFIG_FILE_CHANGED), "peers_changed") == NULL ||
	      !strcmp(field(find(&f.log, EV_CONFIG_FILE_CHANGED), "peers_changed"), ""));
	f.log.n = 0;
	fx_write(&f, "wg0.conf", t3);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_STR(field(find(&f.log, EV_CONFIG_FILE_CHANGED), "peers_changed"), pub);
	fx_done(&f);
}

TEST(dir_missing_then_created_and_removed)
{
	char keys[1][WG_KEY_B64_LEN], priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char sub[128], *t1;
	struct fx f;
	struct confwatch *cw;

	fx_init(&f);
	genkey(priv, pub, NULL);
	pubkey(keys[0]);
	t1 = conf_text(priv, 1, keys, NULL);
	snprintf(sub, sizeof(sub), "%s/wireguard", f.dir);
	CHECK_INT(confwatch_open(sub, &f.st, &cw), 0);
	CHECK_INT(confwatch_rescan(cw, &f.sink), 0);	/* saves an empty list */
	CHECK(mkdir(sub, 0700) == 0);
	{
		char p[256];
		FILE *fp;

		snprintf(p, sizeof(p), "%s/wg0.conf", sub);
		fp = fopen(p, "w");
		fputs(t1, fp);
		fclose(fp);
	}
	CHECK_INT(confwatch_read(cw, &f.sink), 0);
	CHECK_INT(f.log.n, 0);				/* no watch yet */
	CHECK_INT(confwatch_rescan(cw, &f.sink), 0);	/* watch added, file new */
	CHECK_INT(f.log.n, 1);
	CHECK_STR(field(find(&f.log, EV_CONFIG_FILE_CHANGED), "old_sha256"), "");
	/* The whole directory goes away: each file is reported deleted. */
	f.log.n = 0;
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sub);
		CHECK_INT(system(cmd), 0);
	}
	CHECK_INT(confwatch_read(cw, &f.sink), 0);
	CHECK_INT(count(&f.log, EV_CONFIG_FILE_CHANGED), 1);
	CHECK_STR(field(find(&f.log, EV_CONFIG_FILE_CHANGED), "new_sha256"), "");
	confwatch_free(cw);
	free(t1);
	fx_done(&f);
}

TEST(many_peers_event_stays_bounded)
{
	enum { N = 300 };
	char (*keys)[WG_KEY_B64_LEN] = malloc(N * WG_KEY_B64_LEN);
	char priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char *t1, *t2;
	const struct event *ev;
	struct fx f;

	fx_init(&f);
	genkey(priv, pub, NULL);
	for (int i = 0; i < N; i++)
		pubkey(keys[i]);
	/* Of 200 peers, 100 stay (50 of them with new allowed IPs), 100 go;
	 * 100 come. */
	t1 = conf_text(priv, 200, keys, NULL);
	t2 = conf_text(priv, 0, keys, NULL);
	{
		size_t l = strlen(t2) + 200 * 100 + 1;
		char *t = malloc(l);
		size_t o = (size_t)snprintf(t, l, "%s", t2);

		for (int i = 0; i < 100; i++)
			o += (size_t)snprintf(t + o, l - o,
					      "[Peer]\nPublicKey = %s\nAllowedIPs = 10.1.%d.%d/32\n"
					      "[Peer]\nPublicKey = %s\nAllowedIPs = 10.2.0.%d/32\n",
					      keys[i], i < 50 ? 1 : 0, i < 50 ? 1 : i + 2,
					      keys[200 + i], i);
		free(t2);
		t2 = t;
	}
	fx_write(&f, "wg0.conf", t1);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	fx_replace(&f, "wg0.conf", t2);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	ev = find(&f.log, EV_CONFIG_FILE_CHANGED);
	CHECK(ev != NULL);
	if (ev) {
		CHECK(ev->used <= EVENT_BUF_LEN);
		CHECK_STR(field(ev, "peers_added_count"), "100");
		CHECK_STR(field(ev, "peers_removed_count"), "100");
		CHECK_STR(field(ev, "peers_changed_count"), "50");
		CHECK(field(ev, "peers_added") && strlen(field(ev, "peers_added")) >= 44);
		CHECK(field(ev, "peers_changed") && strlen(field(ev, "peers_changed")) >= 44);
		CHECK_STR(field(ev, "summary"), "100 peers added, 100 removed, 50 changed");
		CHECK_STR(field(ev, "iface"), "wg0");
		CHECK_INT(strlen(field(ev, "new_sha256") ? field(ev, "new_sha256") : ""), 64);
	}
	free(t1);
	free(t2);
	free(keys);
	fx_done(&f);
}

TEST(too_large_file_keeps_last_view)
{
	char keys[1][WG_KEY_B64_LEN], priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char p[256], *t1;
	const struct event *ev;
	const struct conf_iface *ci;
	struct fx f;
	int fd;

	fx_init(&f);
	genkey(priv, pub, NULL);
	pubkey(keys[0]);
	t1 = conf_text(priv, 1, keys, NULL);
	fx_write(&f, "wg0.conf", t1);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	fx_path(&f, "wg0.conf", p, sizeof(p));
	fd = open(p, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, (off_t)WGCONF_FILE_MAX + 1) == 0);
	close(fd);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	ev = find(&f.log, EV_CONFIG_FILE_CHANGED);
	CHECK_STR(field(ev, "error"), "too_large");
	CHECK_STR(field(ev, "new_sha256"), "");
	CHECK(field(ev, "peers_removed") == NULL);
	ci = confwatch_iface(f.cw, "wg0");
	CHECK(ci && ci->n_peers == 1);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 1);
	/* Back to normal: reported against the last good view. */
	fx_write(&f, "wg0.conf", t1);
	CHECK_INT(confwatch_read(f.cw, &f.sink), 0);
	CHECK_INT(f.log.n, 2);
	free(t1);
	fx_done(&f);
}

TEST(unreadable_is_not_deleted)
{
	char keys[1][WG_KEY_B64_LEN], priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN];
	char p[256], *t1;
	struct fx f;

	fx_init(&f);
	genkey(priv, pub, NULL);
	pubkey(keys[0]);
	t1 = conf_text(priv, 1, keys, NULL);
	fx_write(&f, "wg0.conf", t1);
	fx_open(&f);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);
	/* A FIFO where the file was: unreadable, which is not a deletion. */
	fx_unlink(&f, "wg0.conf");
	fx_path(&f, "wg0.conf", p, sizeof(p));
	CHECK(mkfifo(p, 0600) == 0);
	CHECK_INT(confwatch_rescan(f.cw, &f.sink), 0);	/* a FIFO must not block */
	CHECK_INT(f.log.n, 0);
	CHECK(confwatch_iface(f.cw, "wg0") != NULL);
	unlink(p);
	free(t1);
	fx_done(&f);
}

TEST_MAIN()
