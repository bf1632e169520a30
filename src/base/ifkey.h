// SPDX-License-Identifier: GPL-2.0
/* ifkey.h - an interface's identity across network namespaces: "wg0" in
 * the agent's own namespace (so state from before --all-namespaces stays
 * valid), "wg0/LABEL" in another one. '/' can be in neither an interface
 * name (the kernel's dev_valid_name) nor a namespace label, so the split
 * is exact. Pure, no I/O. */
#ifndef WGAUDIT_IFKEY_H
#define WGAUDIT_IFKEY_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A namespace label: a /run/netns name of at most 47 characters from
 * [A-Za-z0-9._-], else "ino:<inode>" (20 digits at most). */
#define NETNS_LABEL_LEN		48
#define IFKEY_LEN		(IFNAMSIZ + NETNS_LABEL_LEN)

/* key = iface, or iface "/" netns when netns is neither NULL nor "".
 * 0, or -EINVAL for an empty or too long name or label. */
int ifkey_format(char out[static IFKEY_LEN], const char *iface, const char *netns);
/* The parts of a key; netns "" for the agent's own namespace. 0 or -EINVAL. */
int ifkey_split(const char *key, char iface[static IFNAMSIZ],
		char netns[static NETNS_LABEL_LEN]);
/* Whether key names interface iface (in any namespace). */
bool ifkey_is_iface(const char *key, const char *iface);
/* The netns part of key: a pointer into key, "" for the own namespace. */
const char *ifkey_netns(const char *key);

/* The label of a namespace: name when it is a usable label, else
 * "ino:<ino>" (name NULL: not named). */
void netns_label(char out[static NETNS_LABEL_LEN], const char *name, uint64_t ino);
/* Whether name may be used as a label as it is. */
bool netns_name_ok(const char *name);
#endif
