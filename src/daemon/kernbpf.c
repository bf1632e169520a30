// SPDX-License-Identifier: GPL-2.0
/* kernbpf.c - the agent's eBPF wiring (see kernbpf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/event.h"
#include "base/log.h"
#include "base/util.h"
#include "conf/conf.h"
#include "daemon/kernbpf.h"
#include "sources/bpf/bpf.h"

static void kernbpf_read(void *ctx, int fd, uint32_t events)
{
	struct kernbpf *kb = ctx;
	int ret = wgbpf_read(kb->bpf, kb->sink);
	int64_t at;

	if (ret < 0 && ret != -EINTR)
		log_warnx("eBPF: %s", strerror(-ret));
	at = wgbpf_deadline_us(kb->bpf);
	if (at)
		loop_timer_arm(kb->loop, &kb->timer, at);
}

static void kernbpf_timer(void *ctx)
{
	kernbpf_read(ctx, -1, 0);
}

static void kernbpf_attach(struct kernbpf *kb)
{
	int ret = wgbpf_open(kb->want_drops, &kb->bpf, kb->why, sizeof(kb->why));

	kb->err = ret;
	/* Waiting keeps CAP_SYS_ADMIN, CAP_BPF and CAP_PERFMON: only for a
	 * module that can come (installed for this kernel), or when asked. */
	if (ret == -ESRCH && !kb->required && !wgbpf_module_installed()) {
		snprintf(kb->why, sizeof(kb->why),
			 "the wireguard module is not loaded and not installed for this kernel");
		kb->err = -ENOENT;
		log_info("eBPF: %s; using the kernel log", kb->why);
		return;
	}
	if (ret == -ESRCH) {
		log_info("eBPF: %s; attaching when it loads", kb->why);
		return;
	}
	if (ret < 0) {
		if (kb->required)
			log_warnx("eBPF unavailable: %s; using the kernel log", kb->why);
		else
			log_info("eBPF unavailable: %s; using the kernel log", kb->why);
		return;
	}
	if (loop_add_fd(kb->loop, wgbpf_fd(kb->bpf), EPOLLIN, kernbpf_read, kb) < 0) {
		kb->err = -errno;
		snprintf(kb->why, sizeof(kb->why), "epoll: %s", strerror(-kb->err));
		log_warnx("eBPF: %s", kb->why);
		wgbpf_free(kb->bpf);
		kb->bpf = NULL;
		return;
	}
	kb->drops = wgbpf_prog_loaded(kb->bpf, "drop_mark");
	snprintf(kb->why, sizeof(kb->why), "attached to the wireguard module");
	log_info("eBPF: attached to the wireguard module (handshake drops: %s)",
		 kb->drops ? "on" : kb->want_drops ? "refused by this kernel" : "off");
}

void kernbpf_open(struct kernbpf *kb, int mode, bool drops, struct loop *loop,
		  const struct event_sink *sink)
{
	memset(kb, 0, sizeof(*kb));
	kb->want_drops = drops;
	kb->loop = loop;
	kb->sink = sink;
	kb->timer.cb = kernbpf_timer;
	kb->timer.ctx = kb;
	kb->required = mode == CONF_YES;
	if (mode == CONF_NO) {
		snprintf(kb->why, sizeof(kb->why), "disabled ([bpf] enabled = no)");
		kb->err = -ENOTSUP;
		return;
	}
	kernbpf_attach(kb);
}

bool kernbpf_waiting(const struct kernbpf *kb)
{
	return !kb->bpf && kb->err == -ESRCH;
}

bool kernbpf_tick(struct kernbpf *kb)
{
	bool attached = false;

	/* The module loaded after we started (the first `ip link add`). */
	if (kernbpf_waiting(kb) && wgbpf_module_loaded()) {
		kernbpf_attach(kb);
		attached = kb->bpf != NULL;
	}
	if (kb->bpf)
		kernbpf_read(kb, -1, 0);
	return attached;
}

/* With eBPF attached the kernel's verdicts come from it, exact and with
 * keys: the same messages' log lines (when dynamic debug is on) would say
 * it twice. */
bool kernbpf_duplicate(const struct kernbpf *kb, const struct event *ev)
{
	if (!kb->bpf || ev->source != SRC_KMSG)
		return false;
	switch (ev->type) {
	case EV_INVALID_MAC:
	case EV_INVALID_HANDSHAKE_INITIATION:
	case EV_HANDSHAKE_INITIATION_RECEIVED:
	case EV_INVALID_HANDSHAKE_RESPONSE:
	case EV_HANDSHAKE_RESPONSE_RECEIVED:
	case EV_COOKIE_SENT:
	case EV_COOKIE_RECEIVED:
	case EV_KEYPAIR_CREATED:
		return true;
	case EV_HANDSHAKE_DROPPED:	/* only if this kernel took those programs */
		return kb->drops;
	default:
		return false;
	}
}

void kernbpf_close(struct kernbpf *kb)
{
	if (!kb->loop)
		return;		/* never opened */
	loop_timer_cancel(kb->loop, &kb->timer);
	if (kb->bpf)
		loop_del_fd(kb->loop, wgbpf_fd(kb->bpf));
	wgbpf_free(kb->bpf);
	kb->bpf = NULL;
}
