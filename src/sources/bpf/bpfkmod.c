// SPDX-License-Identifier: GPL-2.0
/* bpfkmod.c - is there a wireguard module to attach to, and can this
 * kernel take the programs (see bpf.h)? In the binary, not the module:
 * the answers decide whether wgaudit-bpf.so (libbpf, libelf, libz) is
 * loaded at all, and `wgaudit doctor` asks them too. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/util.h"
#include "sources/bpf/bpf.h"

#define MODULE_DIR	"/sys/module/wireguard"

bool wgbpf_module_loaded(void)
{
	return access(MODULE_DIR, F_OK) == 0;
}

bool wgbpf_module_installed(void)
{
	static const char *const where[] = {
		"kernel/drivers/net/wireguard/wireguard.ko", "updates/dkms/wireguard.ko",
		"extra/wireguard.ko",
	};
	static const char *const ext[] = { "", ".xz", ".zst", ".gz" };
	struct utsname u;
	char path[512];

	if (uname(&u) < 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(where); i++)
		for (size_t j = 0; j < ARRAY_SIZE(ext); j++) {
			snprintf(path, sizeof(path), "/lib/modules/%s/%s%s", u.release, where[i], ext[j]);
			if (access(path, F_OK) == 0)
				return true;
		}
	return false;
}

/* Lockdown "confidentiality" takes bpf_probe_read_kernel away. */
static bool locked_down_confidential(void)
{
	char buf[128];
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	bool ret = false;

	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		ret = strstr(buf, "[confidentiality]") != NULL;
	fclose(f);
	return ret;
}

int wgbpf_preflight(char *why, size_t len)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		snprintf(why, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return -ENOENT;
	}
	if (!wgbpf_module_loaded()) {
		snprintf(why, len, "the wireguard module is not loaded (yet)");
		return -ESRCH;
	}
	if (access("/sys/kernel/btf/wireguard", R_OK) < 0) {
		snprintf(why, len, "the wireguard module has no BTF (/sys/kernel/btf/wireguard)");
		return -ENOENT;
	}
	if (locked_down_confidential()) {
		snprintf(why, len, "kernel lockdown (confidentiality) forbids BPF kernel reads");
		return -EPERM;
	}
	return 0;
}

