// SPDX-License-Identifier: GPL-2.0
/* scope.c - what a configuration selects (its interfaces, namespaces) and
 * what a reload may change of it. See conf.h. */
#include <net/if.h>
#include <stddef.h>
#include <string.h>
#include "base/ifkey.h"
#include "base/log.h"
#include "base/util.h"
#include "conf/conf.h"

bool conf_iface_wanted(const struct conf *c, const char *name)
{
	if (!c->n_ifaces)
		return true;
	for (size_t i = 0; i < c->n_ifaces; i++)
		if (!strcmp(c->ifaces[i], name))
			return true;
	return false;
}

bool conf_in_scope(void *ctx, const char *key)
{
	const struct conf *c = ctx;
	char name[IFNAMSIZ], ns[NETNS_LABEL_LEN];

	if (ifkey_split(key, name, ns) < 0 || (ns[0] && !c->all_namespaces))
		return false;
	return conf_iface_wanted(c, name);
}

void conf_keep_restart_only(struct conf *n, const struct conf *old)
{
	static const struct { const char *name; size_t off, len; } fields[] = {
#define F(f) { #f, offsetof(struct conf, f), sizeof(((struct conf *)0)->f) }
		F(state_dir), F(uapi_dir), F(config_dir), F(kmsg), F(kmsg_accept_user),
		F(enable_dyndbg), F(wggo_log), F(flood_packets), F(bpf), F(bpf_drops), F(all_namespaces),
		F(metrics_listen), F(metrics_user), F(metrics_password_file), F(metrics_tls_cert), F(metrics_tls_key),
#undef F
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *nf = (char *)n + fields[i].off;
		const char *of = (const char *)old + fields[i].off;

		if (memcmp(nf, of, fields[i].len)) {
			log_warnx("reload: %s changed: takes effect at the next restart", fields[i].name);
			memcpy(nf, of, fields[i].len);
		}
	}
}
