// SPDX-License-Identifier: GPL-2.0
/* wgdev.c - the observation arrays behind struct wg_device.
 * A poll fills the same arrays every time: clear keeps the capacity and
 * growth doubles, so a steady-state poll does not allocate. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/wgdev.h"

void wg_device_clear(struct wg_device *dev)
{
	struct wg_peer *peers = dev->peers;
	struct wg_allowedip *aips = dev->aips;
	size_t cap_peers = dev->cap_peers, cap_aips = dev->cap_aips;

	memset(dev, 0, sizeof(*dev));
	dev->peers = peers;
	dev->cap_peers = cap_peers;
	dev->aips = aips;
	dev->cap_aips = cap_aips;
}

void wg_device_release(struct wg_device *dev)
{
	if (!dev)
		return;
	free(dev->peers);
	free(dev->aips);
	memset(dev, 0, sizeof(*dev));
}

/* Make room for one more element of size elem in *arr; doubles. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap : first;
	while (ncap <= n) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		ncap *= 2;
	}
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct wg_peer *wg_device_new_peer(struct wg_device *dev)
{
	struct wg_peer *p;

	if (grow((void **)&dev->peers, &dev->cap_peers, dev->n_peers,
		 sizeof(*dev->peers), 4) < 0)
		return NULL;
	p = &dev->peers[dev->n_peers++];
	memset(p, 0, sizeof(*p));
	p->endpoint.sa.sa_family = AF_UNSPEC;
	p->aip_first = (uint32_t)dev->n_aips;
	return p;
}

int wg_device_add_aip(struct wg_device *dev, const struct wg_allowedip *aip)
{
	struct wg_peer *p;

	if (!dev->n_peers)
		return -EINVAL;
	p = &dev->peers[dev->n_peers - 1];
	/* Slices are contiguous only while appends go to the last peer. */
	if (p->aip_first + p->aip_count != dev->n_aips)
		return -EINVAL;
	if (dev->n_aips >= UINT32_MAX)
		return -ENOMEM;
	if (grow((void **)&dev->aips, &dev->cap_aips, dev->n_aips,
		 sizeof(*dev->aips), 8) < 0)
		return -ENOMEM;
	dev->aips[dev->n_aips++] = *aip;
	p->aip_count++;
	return 0;
}

void wg_device_drop_peers(struct wg_device *dev, size_t n)
{
	size_t off = n < dev->n_peers ? dev->peers[n].aip_first : dev->n_aips;

	if (!n)
		return;
	memmove(dev->aips, dev->aips + off, (dev->n_aips - off) * sizeof(*dev->aips));
	dev->n_aips -= off;
	memmove(dev->peers, dev->peers + n, (dev->n_peers - n) * sizeof(*dev->peers));
	dev->n_peers -= n;
	for (size_t i = 0; i < dev->n_peers; i++)
		dev->peers[i].aip_first -= (uint32_t)off;
}

int wg_stream_offer(struct wg_stream *s, struct wg_device *dev)
{
	size_t n;
	int ret;

	if (!s || s->keep || dev->n_peers <= s->chunk)
		return 0;
	n = dev->n_peers - 1;
	ret = s->flush(s->ctx, dev, n);
	if (ret < 0)
		return ret;
	if (ret > 0)
		s->keep = true;
	else
		wg_device_drop_peers(dev, n);
	return 0;
}

/* One "addr/cidr" into tmp; 0 or -EINVAL. */
static int format_aip(const struct wg_allowedip *a, char *tmp, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	size_t n;

	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	n = ip_format(addr, a->family, a->family == AF_INET6 ? (const void *)&a->ip6 :
		      (const void *)&a->ip4);
	/* "ADDR/CIDR" without printf: this runs for every allowed IP of every
	 * peer (10k peers: ~3k instructions each through snprintf). */
	if (n + 5 > len)
		return -EINVAL;
	memcpy(tmp, addr, n);
	tmp[n++] = '/';
	if (a->cidr >= 100)
		tmp[n++] = (char)('0' + a->cidr / 100);
	if (a->cidr >= 10)
		tmp[n++] = (char)('0' + a->cidr / 10 % 10);
	tmp[n++] = (char)('0' + a->cidr % 10);
	tmp[n] = '\0';
	return 0;
}

void wg_peer_format_aips(const struct wg_device *dev, const struct wg_peer *p,
			 char *out, size_t len)
{
	size_t used = 0;

	if (!len)
		return;
	out[0] = '\0';
	for (uint32_t i = 0; i < p->aip_count; i++) {
		char one[INET6_ADDRSTRLEN + 8];
		size_t n, need;

		if ((size_t)p->aip_first + i >= dev->n_aips)
			break;
		if (format_aip(&dev->aips[p->aip_first + i], one, sizeof(one)) < 0)
			continue;
		n = strlen(one);
		need = n + (used ? 1 : 0);
		/* Truncate on an entry boundary: a cut address would lie. */
		if (used + need >= len)
			break;
		if (used)
			out[used++] = ',';
		memcpy(out + used, one, n);
		used += n;
		out[used] = '\0';
	}
}
