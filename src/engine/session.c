// SPDX-License-Identifier: GPL-2.0
/* session.c - PEER_SESSION from the tracker's peer events. See session.h.
 *
 * One record per peer seen (hash table keyed by interface and public
 * key): the counters last known, so a session that opens counts its bytes
 * from the counters before it (the handshake that opened it included), and
 * the open session if any (allocated only while open). An idle peer costs
 * 72 bytes (from a pool: no malloc header): its interface is a number into a
 * small table of names, not the 64-byte key itself, which was ~45 % of
 * the record at 10,000 peers. Only an open session is persisted: at its
 * open, each handshake and each new endpoint; deleted at its close. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/event.h"
#include "base/log.h"
#include "base/pool.h"
#include "engine/session.h"
#include "engine/tracker.h"

struct sess {
	uint8_t key[WG_KEY_LEN];
	uint32_t ifx;			/* its interface: sessions.ifs[ifx] */
	bool known;			/* last_rx/tx hold real counters */
	uint64_t last_rx, last_tx;
	struct session_rec *r;		/* the open session; NULL when none */
	struct sess *next;
};

/* One interface key (ifkey: sessions of two namespaces' wg0 apart) and
 * how many records use it; a slot with none is free for the next name. */
struct sess_if {
	char name[IFKEY_LEN];
	size_t refs;
};

struct sessions {
	struct session_state st;
	bool persist;
	const struct event_sink *sink;
	struct sess **b;
	size_t nb, n, nopen;
	struct sess_if *ifs;
	size_t nifs;
	struct pool recs;		/* the struct sess records: 72 bytes each, not 80 */
};

static size_t sess_hash(uint32_t ifx, const uint8_t *key)
{
	uint64_t h;

	memcpy(&h, key + 8, sizeof(h));	/* curve points: already uniform */
	return (size_t)((h ^ ifx) * 1099511628211ull);
}

static const char *sess_iface(const struct sessions *s, const struct sess *e)
{
	return s->ifs[e->ifx].name;
}

/* The slot of iface, or -1 when no record has it. */
static long if_find(const struct sessions *s, const char *iface)
{
	for (size_t i = 0; i < s->nifs; i++)
		if (s->ifs[i].refs && !strcmp(s->ifs[i].name, iface))
			return (long)i;
	return -1;
}

/* The slot of iface, taken for one more record; -1 on ENOMEM. */
static long if_ref(struct sessions *s, const char *iface)
{
	long i = if_find(s, iface);
	size_t j;

	if (i < 0) {
		for (j = 0; j < s->nifs && s->ifs[j].refs; j++)
			;
		if (j == s->nifs) {
			struct sess_if *n;

			if (s->nifs >= UINT32_MAX)
				return -1;
			n = realloc(s->ifs, (s->nifs + 1) * sizeof(*n));
			if (!n)
				return -1;
			s->ifs = n;
			s->nifs++;
		}
		snprintf(s->ifs[j].name, sizeof(s->ifs[j].name), "%s", iface);
		s->ifs[j].refs = 0;
		i = (long)j;
	}
	s->ifs[i].refs++;
	return i;
}

static struct sess *sess_find(const struct sessions *s, const char *iface, const uint8_t *key)
{
	long ifx = s->nb ? if_find(s, iface) : -1;

	if (ifx < 0)
		return NULL;
	for (struct sess *e = s->b[sess_hash((uint32_t)ifx, key) & (s->nb - 1)]; e; e = e->next)
		if (e->ifx == (uint32_t)ifx && !memcmp(e->key, key, WG_KEY_LEN))
			return e;
	return NULL;
}

static struct sess *sess_get(struct sessions *s, const char *iface, const uint8_t *key)
{
	struct sess *e = sess_find(s, iface, key);
	size_t h;
	long ifx;

	if (e || strlen(iface) >= IFKEY_LEN)
		return e;
	/* Up to two records a bucket: looked up once per event, not per
	 * poll, so the longer chains cost little; 10k peers fit 8192
	 * buckets (64 KiB) instead of 16384. */
	if (s->n + 1 > 2 * s->nb) {
		size_t nb = s->nb ? s->nb * 2 : 256;
		struct sess **b = calloc(nb, sizeof(*b));

		if (!b)
			return NULL;
		for (size_t i = 0; i < s->nb; i++) {
			for (struct sess *q = s->b[i], *next; q; q = next) {
				next = q->next;
				h = sess_hash(q->ifx, q->key) & (nb - 1);
				q->next = b[h];
				b[h] = q;
			}
		}
		free(s->b);
		s->b = b;
		s->nb = nb;
	}
	e = pool_alloc(&s->recs);
	if (!e)
		return NULL;
	ifx = if_ref(s, iface);
	if (ifx < 0) {
		pool_free(&s->recs, e);
		return NULL;
	}
	e->ifx = (uint32_t)ifx;
	memcpy(e->key, key, WG_KEY_LEN);
	h = sess_hash(e->ifx, key) & (s->nb - 1);
	e->next = s->b[h];
	s->b[h] = e;
	s->n++;
	return e;
}

static void sess_drop(struct sessions *s, struct sess *e)
{
	for (struct sess **pp = &s->b[sess_hash(e->ifx, e->key) & (s->nb - 1)]; *pp;
	     pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			s->n--;
			s->ifs[e->ifx].refs--;
			free(e->r);
			pool_free(&s->recs, e);
			return;
		}
	}
}

/* ---- persisted form ---- */

static void rec_key(const struct session_rec *r, char *out, size_t len)
{
	char b64[WG_KEY_B64_LEN];

	key_to_base64(b64, r->key);
	snprintf(out, len, SESSION_KEY_PREFIX "%s:%s", r->iface, b64);
}

void session_rec_format(const struct session_rec *r, char *val, size_t len)
{
	/* The name last: it is the one word that may hold spaces. */
	snprintf(val, len, "%lld %llu %llu %llu %llu %llu %s %s", (long long)r->start_us,
		 (unsigned long long)r->rx0, (unsigned long long)r->tx0,
		 (unsigned long long)r->rx, (unsigned long long)r->tx,
		 (unsigned long long)r->handshakes, r->endpoints[0] ? r->endpoints : "-",
		 r->name);
}

/* The next space-separated word of *p as a number. */
static int next_u64(const char **p, uint64_t *v)
{
	size_t n = strcspn(*p, " ");
	int ret = parse_u64(*p, n, UINT64_MAX, v);

	*p += n + ((*p)[n] == ' ');
	return ret;
}

int session_rec_parse(const char *key, const char *val, struct session_rec *out)
{
	size_t pl = strlen(SESSION_KEY_PREFIX), il;
	const char *colon, *p = val;
	uint64_t start;

	memset(out, 0, sizeof(*out));
	if (strncmp(key, SESSION_KEY_PREFIX, pl))
		return -EINVAL;
	key += pl;
	colon = strrchr(key, ':');	/* the last: a netns label may hold one (ino:N) */
	il = colon ? (size_t)(colon - key) : 0;
	if (!il || il >= IFKEY_LEN || key_from_base64(out->key, colon + 1, strlen(colon + 1)) < 0)
		return -EINVAL;
	memcpy(out->iface, key, il);
	if (next_u64(&p, &start) < 0 || start > INT64_MAX || next_u64(&p, &out->rx0) < 0 ||
	    next_u64(&p, &out->tx0) < 0 || next_u64(&p, &out->rx) < 0 ||
	    next_u64(&p, &out->tx) < 0 || next_u64(&p, &out->handshakes) < 0)
		return -EINVAL;
	out->start_us = (int64_t)start;
	il = strcspn(p, " ");
	if (!il || il >= sizeof(out->endpoints))
		return -EINVAL;
	if (il != 1 || p[0] != '-')
		memcpy(out->endpoints, p, il);
	p += il + (p[il] == ' ');
	snprintf(out->name, sizeof(out->name), "%s", p);
	return 0;
}

/* Save the open session r, or forget it (closed). */
static void persist(struct sessions *s, const struct session_rec *r, bool open)
{
	char key[128], val[SESSION_VAL_LEN];

	if (!s->persist)
		return;
	rec_key(r, key, sizeof(key));
	if (!open) {
		if (s->st.del(s->st.ctx, key) < 0)
			log_warnx("sessions: cannot forget %s", key);
		return;
	}
	session_rec_format(r, val, sizeof(val));
	if (s->st.set(s->st.ctx, key, val) < 0)
		log_warnx("sessions: cannot save %s", key);
}

static int load_one(void *ctx, const char *key, const char *val)
{
	struct sessions *s = ctx;
	struct session_rec r;
	struct sess *e;

	if (session_rec_parse(key, val, &r) < 0) {
		log_warnx("sessions: ignoring a malformed saved session (%s)", key);
		return 0;
	}
	e = sess_get(s, r.iface, r.key);
	if (!e || (!e->r && !(e->r = malloc(sizeof(*e->r)))))
		return -ENOMEM;
	*e->r = r;
	e->known = true;
	e->last_rx = r.rx;
	e->last_tx = r.tx;
	s->nopen++;
	return 0;
}

int sessions_new(const struct session_state *st, const struct event_sink *sink,
		 struct sessions **out)
{
	struct sessions *s = calloc(1, sizeof(*s));
	int ret = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->sink = sink;
	pool_init(&s->recs, sizeof(struct sess));
	if (st && st->set && st->del && st->scan) {
		s->st = *st;
		s->persist = true;
		ret = st->scan(st->ctx, SESSION_KEY_PREFIX, load_one, s);
	}
	if (ret < 0) {
		sessions_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void sessions_free(struct sessions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nb; i++)
		for (struct sess *e = s->b[i], *next; e; e = next) {
			next = e->next;
			free(e->r);
		}
	pool_release(&s->recs);
	free(s->b);
	free(s->ifs);
	free(s);
}

size_t sessions_open_count(const struct sessions *s)
{
	return s ? s->nopen : 0;
}

void sessions_seed(struct sessions *s, const char *iface,
		   const uint8_t key[static WG_KEY_LEN], uint64_t rx, uint64_t tx)
{
	struct sess *e = sess_get(s, iface, key);

	if (!e || e->r || e->known)
		return;		/* what an event said is newer */
	e->known = true;
	e->last_rx = rx;
	e->last_tx = tx;
}

static int seed_one(void *ctx, const struct tracker_peer_info *p)
{
	sessions_seed(ctx, p->iface, p->public_key, p->rx, p->tx);
	return 0;
}

void sessions_seed_tracker(struct sessions *s, const struct tracker *t)
{
	if (s && t)
		tracker_for_each_peer(t, seed_one, s);
}

/* ---- events ---- */

static void add_endpoint(struct session_rec *r, const char *ep)
{
	size_t n = strlen(r->endpoints), el;
	const char *p = r->endpoints;

	if (!ep || !ep[0])
		return;
	el = strlen(ep);
	while (*p) {	/* distinct: a roam back to an earlier one adds nothing */
		size_t l = strcspn(p, ",");

		if (l == el && !memcmp(p, ep, el))
			return;
		p += l + (p[l] == ',');
	}
	if (n + el + 2 > sizeof(r->endpoints))
		return;		/* SESSION_MAX_ENDPOINTS full: the first ones stay */
	if (n)
		r->endpoints[n++] = ',';
	memcpy(r->endpoints + n, ep, el + 1);
}

static bool ev_u64(const struct event *ev, const char *k, uint64_t *v)
{
	return event_get_u64(ev, k, UINT64_MAX, v) == 0;
}

static void open_session(struct sessions *s, struct sess *e, const struct event *ev,
			 uint64_t rx, uint64_t tx)
{
	struct session_rec *r = calloc(1, sizeof(*r));
	const char *lh = event_get(ev, "last_handshake");
	int64_t hs_us;

	/* From the handshake that made it active, not from the poll that saw
	 * it (up to one interval later). */
	if (!r) {
		log_warnx("sessions: out of memory: a session of %s is not recorded",
			  sess_iface(s, e));
		return;
	}
	snprintf(r->iface, sizeof(r->iface), "%s", sess_iface(s, e));
	memcpy(r->key, e->key, WG_KEY_LEN);
	r->start_us = lh && parse_rfc3339_us(lh, strlen(lh), &hs_us) == 0 &&
		      hs_us <= ev->time_us ? hs_us : ev->time_us;
	r->rx0 = e->known && e->last_rx <= rx ? e->last_rx : rx;
	r->tx0 = e->known && e->last_tx <= tx ? e->last_tx : tx;
	r->rx = rx;
	r->tx = tx;
	r->handshakes = 1;	/* the one that made it active */
	r->endpoints[0] = '\0';
	add_endpoint(r, event_get(ev, "endpoint"));
	snprintf(r->name, sizeof(r->name), "%s",
		 event_get(ev, "peer_name") ? event_get(ev, "peer_name") : "");
	e->r = r;
	s->nopen++;
	persist(s, r, true);
}

static void close_session(struct sessions *s, struct sess *e, const struct event *ev,
			  const char *reason)
{
	struct session_rec *r = e->r;
	struct event out;
	char ts[32], b64[WG_KEY_B64_LEN];
	int64_t end = ev->time_us > r->start_us ? ev->time_us : r->start_us;
	const char *last;

	event_init(&out, EV_PEER_SESSION, ev->source);
	out.time_us = ev->time_us;
	key_to_base64(b64, r->key);
	{
		char ifn[IFNAMSIZ], ns[NETNS_LABEL_LEN];

		if (ifkey_split(r->iface, ifn, ns) == 0) {
			event_set(&out, "iface", ifn);
			if (ns[0])
				event_set(&out, "netns", ns);
		} else {
			event_set(&out, "iface", r->iface);
		}
	}
	event_set(&out, "peer", b64);
	last = strrchr(r->endpoints, ',');
	last = last ? last + 1 : r->endpoints;
	if (last[0])
		event_set(&out, "endpoint", last);
	fmt_rfc3339_us(ts, r->start_us);
	event_set(&out, "session_start", ts);
	fmt_rfc3339_us(ts, end);
	event_set(&out, "session_end", ts);
	event_set_u64(&out, "duration", (uint64_t)((end - r->start_us) / 1000000));
	/* Counters only go down when the peer was re-added: count from 0. */
	event_set_u64(&out, "rx_bytes", r->rx >= r->rx0 ? r->rx - r->rx0 : r->rx);
	event_set_u64(&out, "tx_bytes", r->tx >= r->tx0 ? r->tx - r->tx0 : r->tx);
	event_set(&out, "endpoints", r->endpoints);
	event_set_u64(&out, "handshakes", r->handshakes);
	event_set(&out, "reason", reason);
	s->nopen--;
	persist(s, r, false);
	free(r);
	e->r = NULL;
	if (event_emit(s->sink, &out) < 0)
		log_warnx("sessions: PEER_SESSION could not be journaled");
}

static void iface_gone(struct sessions *s, const struct event *ev, const char *iface)
{
	long ifx = if_find(s, iface);

	if (ifx < 0)
		return;
	for (size_t i = 0; i < s->nb; i++) {
		for (struct sess *e = s->b[i], *next; e; e = next) {
			next = e->next;
			if (e->ifx != (uint32_t)ifx)
				continue;
			if (e->r)
				close_session(s, e, ev, "iface_destroyed");
			sess_drop(s, e);
		}
	}
}

void sessions_event(struct sessions *s, const struct event *ev)
{
	char ifkey[IFKEY_LEN];
	const char *iface, *b64;
	uint8_t key[WG_KEY_LEN];
	uint64_t rx = 0, tx = 0;
	bool counters;
	struct sess *e;

	switch (ev->type) {
	case EV_PEER_ADDED: case EV_PEER_ACTIVE: case EV_PEER_INACTIVE:
	case EV_PEER_HANDSHAKE: case EV_PEER_ENDPOINT_CHANGED: case EV_PEER_TRANSFER:
	case EV_PEER_REMOVED: case EV_IFACE_DESTROYED:
		break;
	default:
		return;		/* the common case: one switch */
	}
	iface = event_get(ev, "iface");
	/* Keyed like the tracker: the name, plus the namespace if another. */
	if (!iface || ifkey_format(ifkey, iface, event_get(ev, "netns")) < 0)
		return;
	iface = ifkey;
	if (ev->type == EV_IFACE_DESTROYED) {
		iface_gone(s, ev, iface);
		return;
	}
	b64 = event_get(ev, "peer");
	if (!b64 || key_from_base64(key, b64, strlen(b64)) < 0 || !(e = sess_get(s, iface, key)))
		return;
	counters = ev_u64(ev, "rx", &rx) && ev_u64(ev, "tx", &tx);
	if (e->r && counters) {
		e->r->rx = rx;
		e->r->tx = tx;
	}
	switch (ev->type) {
	case EV_PEER_ACTIVE:
		if (!e->r && counters)
			open_session(s, e, ev, rx, tx);
		else if (e->r)
			add_endpoint(e->r, event_get(ev, "endpoint"));
		break;
	case EV_PEER_HANDSHAKE:
		if (e->r) {
			e->r->handshakes++;
			persist(s, e->r, true);
		}
		break;
	case EV_PEER_ENDPOINT_CHANGED:
		if (e->r) {
			add_endpoint(e->r, event_get(ev, "endpoint"));
			persist(s, e->r, true);
		}
		break;
	case EV_PEER_INACTIVE:
	case EV_PEER_REMOVED:
		if (e->r)
			close_session(s, e, ev, ev->type == EV_PEER_REMOVED ? "removed" : "inactive");
		break;
	default:
		break;
	}
	if (ev->type == EV_PEER_REMOVED) {
		sess_drop(s, e);
		return;
	}
	/* Outside a session, a handshake or roam carries the counters of the
	 * pass that opens the next one: keep the ones from before it. */
	if (counters && (e->r || ev->type == EV_PEER_ADDED || ev->type == EV_PEER_TRANSFER ||
			 ev->type == EV_PEER_INACTIVE)) {
		e->known = true;
		e->last_rx = rx;
		e->last_tx = tx;
	}
}
