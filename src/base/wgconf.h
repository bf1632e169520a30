// SPDX-License-Identifier: GPL-2.0
/* wgconf.h - the public view of a wg-quick / wg(8) config file, and its
 * pure parser. Vocabulary shared by the config watcher (sources/), the
 * checks (engine/) and `status` (cli/). Never a private or preshared key. */
#ifndef WGAUDIT_WGCONF_H
#define WGAUDIT_WGCONF_H
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include "base/util.h"

#define WGCONF_NAME_LEN 64
/* Bounds on untrusted input. A larger file is not read: its event carries
 * error=too_large and size, new_sha256 "", and the last good public view
 * is kept (never peers "removed" because a file could not be parsed).
 * Longer lines and further peers are skipped and reported in err. */
#define WGCONF_FILE_MAX	(4u << 20)
#define WGCONF_LINE_MAX	65536u
#define WGCONF_MAX_PEERS	32768u
#define WGCONF_MAX_FILES	256u

/* The public view of one [Peer] section. */
struct conf_peer {
	uint8_t public_key[WG_KEY_LEN];
	char name[WGCONF_NAME_LEN];	/* "# Name = alice" / "# friendly_name = alice", "" */
	char allowed_ips[1024];
	char endpoint[128];		/* as written (may be a host name) */
};

/* The public view of one IFACE.conf. peers are sorted by public key and
 * unique (a repeated [Peer] for one key is merged as wg(8) does: allowed
 * IPs appended, last endpoint wins, first name wins). */
struct conf_iface {
	char name[IFNAMSIZ];		/* from the file name */
	char path[256];
	char sha256[65];		/* hex */
	uint16_t listen_port;		/* 0 = not set */
	char addresses[512];		/* wg-quick Address = ..., comma-joined */
	size_t n_peers;
	struct conf_peer *peers;
};

/* The [Peer] with this key in ci (binary search: peers are sorted), or
 * NULL. For checks that hold a conf_iface already. */
const struct conf_peer *conf_iface_peer(const struct conf_iface *ci,
					const uint8_t key[static WG_KEY_LEN]);

/* Pure parser of one file's text (tests, fuzzing). 0; or -EINVAL with
 * "LINE: message" (first problem, "(and N more)") in err, and out still
 * holds every part that did parse (release it either way); or -ENOMEM with
 * out empty. name, path and sha256 are left "" (the watcher fills them).
 * Messages never quote a value. PrivateKey / PresharedKey values are
 * neither copied nor inspected. Names come from "# Name = x" / "#Name: x"
 * above a [Peer] header or inside the section, "# friendly_name = x"
 * (prometheus_wireguard_exporter; section-scoped, wins), and the installer
 * markers "### Client x", "# BEGIN_PEER x", "### begin x ###". */
int wgconf_parse(const char *buf, size_t len, struct conf_iface *out,
		    char *err, size_t errlen);
void conf_iface_release(struct conf_iface *ci);
#endif
