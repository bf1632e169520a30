// SPDX-License-Identifier: GPL-2.0
/* map.c - the string-keyed hash map the checks keep their state in. */
#include <stdlib.h>
#include <string.h>

#include "engine/checks/checks_int.h"

struct ckmap_ent {
	struct ckmap_ent *next;
	uint32_t hash;
	char *key;			/* points after the value */
	_Alignas(16) unsigned char val[];
};

static uint32_t ckmap_hash(const char *s)
{
	/* FNV-1a. Keys an attacker picks (flood source addresses) live in
	 * maps with a small max, so a chain stays short even if crafted. */
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

void ckmap_init(struct ckmap *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

void ckmap_release(struct ckmap *m)
{
	for (size_t i = 0; i < m->nb; i++) {
		struct ckmap_ent *e = m->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(m->b);
	m->b = NULL;
	m->n = m->nb = 0;
}

static struct ckmap_ent **ckmap_slot(const struct ckmap *m, const char *key, uint32_t h)
{
	struct ckmap_ent **pp;

	if (!m->nb)
		return NULL;
	for (pp = &m->b[h & (m->nb - 1)]; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && !strcmp((*pp)->key, key))
			return pp;
	return NULL;
}

void *ckmap_get(const struct ckmap *m, const char *key)
{
	struct ckmap_ent **pp = ckmap_slot(m, key, ckmap_hash(key));

	return pp ? (*pp)->val : NULL;
}

static int ckmap_grow(struct ckmap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64;
	struct ckmap_ent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < m->nb; i++) {
		struct ckmap_ent *e = m->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

void *ckmap_put(struct ckmap *m, const char *key, size_t valsize, bool *created)
{
	uint32_t h = ckmap_hash(key);
	struct ckmap_ent **pp = ckmap_slot(m, key, h), *e;
	size_t vs = (valsize + 15) & ~(size_t)15, kl = strlen(key);

	if (created)
		*created = false;
	if (pp)
		return (*pp)->val;
	if (m->n >= m->max)
		return NULL;
	if (m->n >= m->nb && ckmap_grow(m) < 0)
		return NULL;
	e = calloc(1, sizeof(*e) + vs + kl + 1);
	if (!e)
		return NULL;
	e->hash = h;
	e->key = (char *)e->val + vs;
	memcpy(e->key, key, kl + 1);
	e->next = m->b[h & (m->nb - 1)];
	m->b[h & (m->nb - 1)] = e;
	m->n++;
	if (created)
		*created = true;
	return e->val;
}

void ckmap_del(struct ckmap *m, const char *key)
{
	struct ckmap_ent **pp = ckmap_slot(m, key, ckmap_hash(key)), *e;

	if (!pp)
		return;
	e = *pp;
	*pp = e->next;
	free(e);
	m->n--;
}

void ckmap_sweep(struct ckmap *m, bool (*fn)(const char *key, void *val, void *arg), void *arg)
{
	for (size_t i = 0; i < m->nb; i++) {
		struct ckmap_ent **pp = &m->b[i];

		while (*pp) {
			struct ckmap_ent *e = *pp;

			if (fn(e->key, e->val, arg)) {
				*pp = e->next;
				free(e);
				m->n--;
			} else {
				pp = &e->next;
			}
		}
	}
}
