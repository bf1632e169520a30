// SPDX-License-Identifier: GPL-2.0
/* ifkey.c - interface keys and namespace labels. See ifkey.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base/ifkey.h"

bool netns_name_ok(const char *name)
{
	size_t n = 0;

	if (!name || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	/* A narrow alphabet: labels go into syslog structured data and
	 * interface keys, and can never look like "ino:..." (no ':'). */
	for (; name[n]; n++) {
		char c = name[n];

		if (n + 1 >= NETNS_LABEL_LEN)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

void netns_label(char out[static NETNS_LABEL_LEN], const char *name, uint64_t ino)
{
	if (netns_name_ok(name))
		snprintf(out, NETNS_LABEL_LEN, "%s", name);
	else
		snprintf(out, NETNS_LABEL_LEN, "ino:%llu", (unsigned long long)ino);
}

int ifkey_format(char out[static IFKEY_LEN], const char *iface, const char *netns)
{
	size_t il = iface ? strlen(iface) : 0, nl = netns ? strlen(netns) : 0;

	out[0] = '\0';
	if (!il || il >= IFNAMSIZ || nl >= NETNS_LABEL_LEN || strchr(iface, '/') ||
	    (netns && strchr(netns, '/')))
		return -EINVAL;
	if (nl)
		snprintf(out, IFKEY_LEN, "%s/%s", iface, netns);
	else
		snprintf(out, IFKEY_LEN, "%s", iface);
	return 0;
}

int ifkey_split(const char *key, char iface[static IFNAMSIZ],
		char netns[static NETNS_LABEL_LEN])
{
	const char *slash = strchr(key, '/');
	size_t il = slash ? (size_t)(slash - key) : strlen(key);

	iface[0] = netns[0] = '\0';
	if (!il || il >= IFNAMSIZ || (slash && (!slash[1] ||
	    strlen(slash + 1) >= NETNS_LABEL_LEN || strchr(slash + 1, '/'))))
		return -EINVAL;
	memcpy(iface, key, il);
	iface[il] = '\0';
	if (slash)
		snprintf(netns, NETNS_LABEL_LEN, "%s", slash + 1);
	return 0;
}

bool ifkey_is_iface(const char *key, const char *iface)
{
	size_t il = strlen(iface);

	return !strncmp(key, iface, il) && (key[il] == '\0' || key[il] == '/');
}

const char *ifkey_netns(const char *key)
{
	const char *slash = strchr(key, '/');

	return slash ? slash + 1 : "";
}
