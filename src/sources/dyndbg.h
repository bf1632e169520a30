// SPDX-License-Identifier: GPL-2.0
/* dyndbg.h - turn on WireGuard's dynamic debug messages (the handshake,
 * keypair and invalid-packet lines are pr_debug/net_dbg_ratelimited). */
#ifndef WGAUDIT_DYNDBG_H
#define WGAUDIT_DYNDBG_H
#include <stddef.h>

/* Since 5.9 the kernel has the control file in procfs too, with or
 * without debugfs; under lockdown (Secure Boot) debugfs refuses with
 * EPERM but the procfs one still works. */
#define DYNDBG_PROC	"/proc/dynamic_debug/control"
#define DYNDBG_CONTROL	"/sys/kernel/debug/dynamic_debug/control"

/* Writes "module wireguard +p" to control; mounts debugfs first when
 * control is DYNDBG_CONTROL and missing. 0, or -errno with a sentence for
 * the operator in why (no CONFIG_DYNAMIC_DEBUG, lockdown, module not
 * loaded, ...). */
int dyndbg_enable(const char *control, char *why, size_t len);

/* dyndbg_enable() on proc, then on debugfs if proc failed (either may be
 * NULL). On success *used is the path that worked and why says why the
 * first one failed ("" if it did not); on failure why names both. Stops
 * at -EINVAL (no call sites matched: the other file would say the same). */
int dyndbg_enable_any(const char *proc, const char *debugfs, const char **used,
		      char *why, size_t len);
#endif
