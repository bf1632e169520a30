// SPDX-License-Identifier: GPL-2.0
/* relpframe.c - the RELP frame codec (see relpframe.h). The grammar is
 * librelp's doc/relp.html:
 *
 *	RELP-FRAME = HEADER DATA TRAILER
 *	HEADER     = TXNR SP COMMAND SP DATALEN
 *	DATA       = [SP 1*OCTET]	; DATALEN bytes, absent when 0
 *	TRAILER    = LF
 *	TXNR       = 1*9DIGIT, COMMAND = 1*32ALPHA, DATALEN = 1*9DIGIT
 *
 * A peer that breaks it is cut off: with no resync marker in the stream,
 * guessing where the next frame starts would turn garbage into records.
 * Each field is checked as soon as its bytes are there, so garbage is
 * refused at once, not after DATALEN bytes of it were buffered.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/relpframe.h"
#include "base/util.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Digits at *pos up to SP (or LF when lf_ok). 1 done (at the separator),
 * 0 need more, -EINVAL. */
static int num_field(const char *buf, size_t len, size_t *pos, bool lf_ok,
		     uint64_t *out)
{
	size_t start = *pos, i;

	for (i = start; i < len && is_digit(buf[i]); i++)
		if (i - start >= 9)
			return -EINVAL;
	if (i == len)
		return 0;
	if (i == start || !(buf[i] == ' ' || (lf_ok && buf[i] == '\n')))
		return -EINVAL;
	if (parse_u64(buf + start, i - start, RELP_TXNR_MAX, out) < 0)
		return -EINVAL;
	*pos = i;
	return 1;
}

ssize_t relp_frame_parse(const char *buf, size_t len, size_t max_data,
			 struct relp_frame *f)
{
	size_t pos = 0, cmd_start, need;
	uint64_t txnr, dlen;
	int ret;

	memset(f, 0, sizeof(*f));
	ret = num_field(buf, len, &pos, false, &txnr);
	if (ret <= 0)
		return ret;
	cmd_start = ++pos;
	while (pos < len && is_alpha(buf[pos])) {
		if (pos - cmd_start >= RELP_CMD_MAX)
			return -EINVAL;
		pos++;
	}
	if (pos == len)
		return 0;
	if (pos == cmd_start || buf[pos] != ' ')
		return -EINVAL;
	memcpy(f->cmd, buf + cmd_start, pos - cmd_start);
	pos++;
	/* DATALEN 0 ends with LF at once (librelp: "0 serverclose 0\n") */
	ret = num_field(buf, len, &pos, true, &dlen);
	if (ret <= 0)
		return ret;
	if (dlen > max_data)
		return -EMSGSIZE;
	if (dlen == 0) {
		if (buf[pos] != '\n')
			return -EINVAL;
		f->txnr = (uint32_t)txnr;
		f->data = buf + pos;
		return (ssize_t)(pos + 1);
	}
	if (buf[pos] != ' ')
		return -EINVAL;
	pos++;
	need = pos + dlen + 1;
	if (len < need)
		return 0;
	if (buf[need - 1] != '\n')
		return -EINVAL;
	f->txnr = (uint32_t)txnr;
	f->data = buf + pos;
	f->datalen = dlen;
	return (ssize_t)need;
}

ssize_t relp_frame_put(char *out, size_t cap, uint32_t txnr, const char *cmd,
		       const char *data, size_t datalen)
{
	size_t cl = strlen(cmd), n;
	int h;

	if (txnr > RELP_TXNR_MAX || cl == 0 || cl > RELP_CMD_MAX ||
	    datalen > RELP_TXNR_MAX)
		return -EINVAL;
	for (size_t i = 0; i < cl; i++)
		if (!is_alpha(cmd[i]))
			return -EINVAL;
	h = snprintf(out, cap, datalen ? "%u %s %zu " : "%u %s %zu", txnr, cmd, datalen);
	if (h < 0 || (size_t)h >= cap)
		return -ENOSPC;
	n = (size_t)h;
	if (cap - n < datalen + 1)
		return -ENOSPC;
	if (datalen)
		memcpy(out + n, data, datalen);
	n += datalen;
	out[n++] = '\n';
	return (ssize_t)n;
}

int relp_rsp_code(const char *data, size_t len, int *code)
{
	uint64_t v;

	*code = 0;
	if (len == 0) {
		*code = 200;
		return 0;
	}
	if (len < 3 || parse_u64(data, 3, 999, &v) < 0 || v < 100)
		return -EINVAL;
	if (len > 3 && data[3] != ' ' && data[3] != '\n')
		return -EINVAL;
	*code = (int)v;
	return 0;
}

int relp_offer_get(const char *data, size_t len, const char *name,
		   const char **val, size_t *vlen)
{
	size_t nl = strlen(name), pos = 0;

	*val = NULL;
	*vlen = 0;
	while (pos < len) {
		const char *line = data + pos;
		const char *end = memchr(line, '\n', len - pos);
		size_t ll = end ? (size_t)(end - line) : len - pos;

		if (ll > nl && !memcmp(line, name, nl) && line[nl] == '=') {
			*val = line + nl + 1;
			*vlen = ll - nl - 1;
			return 0;
		}
		/* an offer without '=' (a bare name) has no value: not it */
		pos += ll + 1;
	}
	return -ENOENT;
}

int relp_commands_have(const char *val, size_t vlen, const char *cmd)
{
	size_t cl = strlen(cmd), pos = 0;

	while (pos <= vlen) {
		const char *c = memchr(val + pos, ',', vlen - pos);
		size_t tl = c ? (size_t)(c - (val + pos)) : vlen - pos;

		if (tl == cl && !memcmp(val + pos, cmd, cl))
			return 1;
		if (!c)
			break;
		pos += tl + 1;
	}
	return 0;
}
