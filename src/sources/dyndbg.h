// SPDX-License-Identifier: GPL-2.0
/* dyndbg.h - turn on WireGuard's dynamic debug messages (the handshake,
 * keypair and invalid-packet lines are pr_debug/net_dbg_ratelimited). */
#ifndef WGAUDIT_DYNDBG_H
#define WGAUDIT_DYNDBG_H
#include <stddef.h>

#define DYNDBG_CONTROL "/sys/kernel/debug/dynamic_debug/control"

/* Mounts debugfs when needed, writes "module wireguard +p". 0, or -errno
 * with a sentence for the operator in why (no CONFIG_DYNAMIC_DEBUG,
 * lockdown, module not loaded, ...). */
int dyndbg_enable(const char *control, char *why, size_t len);
#endif
