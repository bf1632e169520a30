// SPDX-License-Identifier: GPL-2.0
/* bpf.h - the eBPF source: programs on the WireGuard module's functions
 * (wg.bpf.c), their ring buffer and fold map read into events with
 * source=bpf. Built only with libbpf, bpftool and clang (HAVE_BPF), as
 * wgaudit-bpf.so (bpf_lazy.c stands in for it in the binary: loaded once
 * wgbpf_preflight passes); otherwise wgbpf_open says so and the agent
 * keeps the kernel log. */
#ifndef WGAUDIT_BPF_H
#define WGAUDIT_BPF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_sink;
struct wgbpf;

/* Load and attach in the calling process's network namespace. 0, or
 * -errno with the reason in why: -ENOTSUP (built without libbpf),
 * -ESRCH (the wireguard module is not loaded yet: try again when it is),
 * -ENOENT (no BTF for the kernel or the module), -EPERM (capabilities or
 * lockdown), other (load or attach failed). */
/* drops: also the handshake-drop programs (drop_*), which run on every
 * datagram the module receives, data included ([bpf] handshake_drops). */
int wgbpf_open(bool drops, struct wgbpf **out, char *why, size_t len);
void wgbpf_free(struct wgbpf *b);
/* The fd to wait on (readable when records are waiting). */
int wgbpf_fd(const struct wgbpf *b);
/* Take every waiting record, and emit the fold entries of every second
 * that is over. Call when the fd is readable and at wgbpf_deadline_us. */
int wgbpf_read(struct wgbpf *b, const struct event_sink *sink);
/* CLOCK_MONOTONIC µs when the oldest pending second can be emitted; 0
 * when nothing is pending. */
int64_t wgbpf_deadline_us(const struct wgbpf *b);
/* Did the program of that name (wg.bpf.c) load? Optional ones may not. */
bool wgbpf_prog_loaded(const struct wgbpf *b, const char *name);
/* What wgbpf_open checks before loading anything: BTF for the kernel and
 * the module, the module loaded, no lockdown. 0, or its -errno and why. */
int wgbpf_preflight(char *why, size_t len);
/* Is the module there to attach to (/sys/module/wireguard)? */
bool wgbpf_module_loaded(void);
/* Is there a wireguard.ko for the running kernel that could load later? */
bool wgbpf_module_installed(void);
#endif
