// SPDX-License-Identifier: GPL-2.0
/* confread.c - the INI configuration file: read it whole (bounded), hand
 * inih one line at a time, take the section headers, and print each error
 * as "file:line: key: message". What a key means and how its value is
 * checked is conf.c's (conf_apply), shared through conf_int.h.
 *
 * Why a custom line reader around inih: inih reports only the line number
 * of its *first* error, its handler gets no line number unless the library
 * was built with INI_HANDLER_LINENO (Debian's libinih 55 is not: ini.h
 * defaults it to 0 and the handler typedef has four arguments), and with a
 * fixed line buffer (Debian: ini_max_line 200, ini_use_stack 1) it silently
 * splits a long line into two "lines", the tail parsed as a new key. So
 * conf_reader() below hands inih exactly one physical line per call, after
 * it has
 *   - counted it (p->line is the line the handler is looking at, because
 *     inih calls the handler for a line before it reads the next one),
 *   - stripped the CR of CRLF files, a UTF-8 BOM and leading blanks (the
 *     last keeps inih's multi-line continuation off: an indented key is a
 *     key, not a continuation of the previous value),
 *   - rejected NUL bytes, over-long lines and lines inih would reject
 *     ("no = or :", "[" without "]") with a message of its own,
 *   - taken section headers itself, so "[output "x"]" twice is seen twice
 *     (inih's handler cannot tell two equal headers apart) and section
 *     names are not cut at inih's 50 bytes.
 * inih then does what it is good at: splitting "key = value ; comment".
 * The library's option globals (ini_max_line, ...) are left alone.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "base/readfile.h"
#include "base/util.h"

#define CONF_MAX_FILE		(1u << 20)	/* a config is a few KiB */
#define CONF_MAX_ERRORS		50	/* then stop: garbage in, not a config */

struct conf_parser {
	struct conf *c;
	const char *name;	/* for messages */
	FILE *err;		/* NULL: count only */
	const char *buf;
	size_t len;
	size_t pos;
	unsigned line;
	int errors;
	enum conf_sect sect;
	int out;		/* index of the current [output], -1 */
	unsigned out_line;	/* its header line */
	bool out_url;		/* it has a url */
};

static void conf_error(struct conf_parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void conf_error(struct conf_parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (!p->err)
		return;
	fprintf(p->err, "%s:%u: ", p->name, line);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

static void conf_section_end(struct conf_parser *p)
{
	if (p->sect == SECT_OUTPUT && p->out >= 0 && !p->out_url)
		conf_error(p, p->out_line, "url: missing in [output \"%s\"]",
			   p->c->output_names[p->out]);
	else if (p->sect == SECT_OUTPUT && p->out >= 0 && p->c->outputs[p->out].sd_id[0] &&
		 !strncmp(p->c->outputs[p->out].url, "jsonl", 5))
		conf_error(p, p->out_line, "sd_id: applies to syslog outputs only, not [output \"%s\"] (%s)",
			   p->c->output_names[p->out], p->c->outputs[p->out].url);
	if (p->sect == SECT_ALLOW && p->out >= 0 && !p->out_url) {
		const struct conf_allow *a = &p->c->allows[p->out];

		conf_error(p, p->out_line, "endpoints: missing in [allow \"%s%s%s\"]",
			   a->iface, a->peer[0] ? " " : "", a->peer);
	}
	p->out = -1;
	p->out_url = false;
}

static bool conf_is_name(const char *s, size_t len)
{
	if (!len || len >= sizeof(((struct conf *)0)->output_names[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* [allow "IFACE"] or [allow "IFACE PUBKEY"]; name is what follows "allow". */
static void conf_allow_begin(struct conf_parser *p, char *name)
{
	static const char usage[] = "[allow]: needs an interface and optionally a peer's "
		"public key in quotes, e.g. [allow \"wg0\"] or [allow \"wg0 BASE64KEY=\"]";
	char show[CONF_SHOW_LEN * 4 + 8], err[256];
	uint8_t key[WG_KEY_LEN];
	struct conf_allow *a;
	size_t len = strlen(name), ilen;
	char *peer;

	if (len < 3 || name[0] != '"' || name[len - 1] != '"') {
		conf_error(p, p->line, "%s", usage);
		return;
	}
	name[len - 1] = '\0';
	name++;
	ilen = strcspn(name, " \t");
	peer = name + ilen;
	peer += strspn(peer, " \t");
	if (conf_check_iface("[allow]", name, ilen, err, sizeof(err)) < 0) {
		conf_error(p, p->line, "%s", err);
		return;
	}
	if (*peer && key_from_base64(key, peer, strlen(peer)) < 0) {
		conf_error(p, p->line, "[allow]: \"%s\" is not a public key (44 base64 characters)",
			   conf_show(show, sizeof(show), peer));
		return;
	}
	name[ilen] = '\0';
	for (size_t i = 0; i < p->c->n_allows; i++) {
		a = &p->c->allows[i];
		if (!strcmp(a->iface, name) && !strcmp(a->peer, peer)) {
			conf_error(p, p->line, "[allow \"%s%s%s\"]: duplicate section", name,
				   *peer ? " " : "", peer);
			return;
		}
	}
	if (p->c->n_allows >= CONF_MAX_ALLOWS) {
		conf_error(p, p->line, "[allow \"%s\"]: too many [allow] sections (max %d)",
			   name, CONF_MAX_ALLOWS);
		return;
	}
	a = &p->c->allows[p->c->n_allows];
	memset(a, 0, sizeof(*a));
	memcpy(a->iface, name, ilen + 1);
	snprintf(a->peer, sizeof(a->peer), "%s", peer);
	p->sect = SECT_ALLOW;
	p->out = (int)p->c->n_allows++;
	p->out_line = p->line;
}

/* The text between [ and ], trimmed: agent | kmsg | journal | checks |
 * output "NAME" | allow "IFACE [PUBKEY]". */
static void conf_section_begin(struct conf_parser *p, char *s)
{
	char show[CONF_SHOW_LEN * 4 + 8];
	char *name, cut;
	size_t len;
	int out;

	conf_section_end(p);
	p->sect = SECT_BAD;
	len = strcspn(s, " \t\"");
	cut = s[len];
	name = s + len;
	name += strspn(name, " \t");
	s[len] = '\0';
	if (conf_sect_from_name(s) == SECT_BAD ||
	    (conf_sect_from_name(s) != SECT_OUTPUT && conf_sect_from_name(s) != SECT_ALLOW &&
	     *name)) {
		s[len] = cut;
		conf_error(p, p->line, "[%s]: unknown section (use [agent], [kmsg], [journal], "
			   "[checks], [bpf], [metrics], [output \"NAME\"] or [allow \"IFACE\"])",
			   conf_show(show, sizeof(show), s));
		return;
	}
	if (conf_sect_from_name(s) == SECT_ALLOW) {
		conf_allow_begin(p, name);
		return;
	}
	if (conf_sect_from_name(s) != SECT_OUTPUT) {
		p->sect = conf_sect_from_name(s);
		return;
	}
	len = strlen(name);
	if (len < 2 || name[0] != '"' || name[len - 1] != '"' ||
	    !conf_is_name(name + 1, len - 2)) {
		conf_error(p, p->line, "[output]: needs a name in quotes, e.g. "
			   "[output \"collector\"] (letters, digits, '_', '.', '-'; max %zu bytes)",
			   sizeof(p->c->output_names[0]) - 1);
		return;
	}
	name[len - 1] = '\0';
	name++;
	for (size_t i = 0; i < p->c->n_outputs; i++) {
		if (!strcmp(p->c->output_names[i], name)) {
			conf_error(p, p->line, "[output \"%s\"]: duplicate output name", name);
			return;
		}
	}
	out = conf_output_add(p->c, name);
	if (out < 0) {
		conf_error(p, p->line, "[output \"%s\"]: too many outputs (max %d)", name,
			   CONF_MAX_OUTPUTS);
		return;
	}
	p->sect = SECT_OUTPUT;
	p->out = out;
	p->out_line = p->line;
}

/* inih's find_chars_or_comment(): ';' starts a comment only after a blank. */
static bool conf_has_assign(const char *s)
{
	bool was_space = false;

	for (; *s; s++) {
		if (*s == '=' || *s == ':')
			return true;
		if (was_space && *s == ';')
			return false;
		was_space = isspace((unsigned char)*s);
	}
	return false;
}

/* A "[...]" line: the header (comment after "]" allowed), else an error. */
static void conf_header_line(struct conf_parser *p, char *line)
{
	char *end = strchr(line, ']');
	char *rest;

	if (!end) {
		char show[CONF_SHOW_LEN * 4 + 8];

		conf_error(p, p->line, "%s: section header without \"]\"",
			   conf_show(show, sizeof(show), line));
		conf_section_end(p);
		p->sect = SECT_BAD;
		return;
	}
	*end = '\0';
	rest = end + 1;
	rest += strspn(rest, " \t");
	if (*rest && *rest != ';' && *rest != '#') {
		char show[CONF_SHOW_LEN * 4 + 8];

		conf_error(p, p->line, "%s: text after the section header",
			   conf_show(show, sizeof(show), rest));
		conf_section_end(p);
		p->sect = SECT_BAD;
		return;
	}
	line++;
	line += strspn(line, " \t");
	for (size_t n = strlen(line); n && (line[n - 1] == ' ' || line[n - 1] == '\t'); n--)
		line[n - 1] = '\0';
	conf_section_begin(p, line);
}

/* The ini_reader: one physical line per call (see the top of the file). */
static char *conf_reader(char *str, int num, void *stream)
{
	struct conf_parser *p = stream;

	for (;;) {
		const char *start = p->buf + p->pos, *nl;
		size_t len, skip;

		if (p->pos >= p->len || p->errors >= CONF_MAX_ERRORS) {
			if (p->pos < p->len && p->err)
				fprintf(p->err, "%s:%u: too many errors, giving up\n",
					p->name, p->line);
			p->pos = p->len;
			conf_section_end(p);
			return NULL;
		}
		nl = memchr(start, '\n', p->len - p->pos);
		len = nl ? (size_t)(nl - start) : p->len - p->pos;
		p->pos += len + (nl ? 1 : 0);
		p->line++;
		while (len && (start[len - 1] == '\r' || start[len - 1] == ' ' ||
			       start[len - 1] == '\t'))
			len--;
		if (p->line == 1 && len >= 3 && !memcmp(start, "\xef\xbb\xbf", 3)) {
			start += 3;
			len -= 3;
		}
		skip = 0;
		while (skip < len && (start[skip] == ' ' || start[skip] == '\t'))
			skip++;
		start += skip;
		len -= skip;
		if (memchr(start, '\0', len)) {
			conf_error(p, p->line, "line contains a NUL byte (not a text file?)");
			continue;
		}
		if (num < 3 || len > (size_t)num - 2) {
			conf_error(p, p->line, "line too long (max %d bytes)", num > 2 ? num - 2 : 0);
			continue;
		}
		memcpy(str, start, len);
		str[len] = '\0';
		if (!len || str[0] == ';' || str[0] == '#')
			continue;
		if (str[0] == '[') {
			conf_header_line(p, str);
			continue;
		}
		if (!conf_has_assign(str)) {
			char show[CONF_SHOW_LEN * 4 + 8];

			conf_error(p, p->line, "%s: expected \"key = value\" or \"[section]\"",
				   conf_show(show, sizeof(show), str));
			continue;
		}
		str[len] = '\n';
		str[len + 1] = '\0';
		return str;
	}
}

static int conf_handler(void *user, const char *section, const char *name,
			const char *value)
{
	struct conf_parser *p = user;
	char err[512], v[512];
	size_t len = strlen(value);

	(void)section;	/* ours is p->sect, see the top of the file */
	if (p->sect == SECT_BAD)
		return 1;
	if (p->sect == SECT_NONE) {
		char show[CONF_SHOW_LEN * 4 + 8];

		conf_error(p, p->line, "%s: outside any section (put it under [agent])",
			   conf_show(show, sizeof(show), name));
		return 1;
	}
	/* Optional double quotes around a value: hostname = "gw 1" reads gw 1. */
	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		value++;
		len -= 2;
	}
	if (len >= sizeof(v))
		len = sizeof(v) - 1;	/* still too long for any field: reported */
	memcpy(v, value, len);
	v[len] = '\0';
	if (p->sect == SECT_OUTPUT && conf_key_eq(name, "url"))
		p->out_url = true;	/* a bad one is reported, not also "missing" */
	if (p->sect == SECT_ALLOW && conf_key_eq(name, "endpoints")) {
		p->out_url = true;
		if (!v[strspn(v, " \t,")]) {
			conf_error(p, p->line, "endpoints: is empty (list prefixes; "
				   "0.0.0.0/0 ::/0 allows every endpoint)");
			return 1;
		}
	}
	if (conf_apply(p->c, p->sect, p->out, name, v, err, sizeof(err)) < 0)
		conf_error(p, p->line, "%s", err);
	return 1;	/* errors are ours to count; inih's count would double them */
}

int conf_parse(struct conf *c, const char *name, const char *buf, size_t len, FILE *err)
{
	struct conf_parser p = {
		.c = c, .name = name, .err = err, .buf = buf, .len = len,
		.sect = SECT_NONE, .out = -1,
	};
	int ret;

	ret = ini_parse_stream(conf_reader, &p, conf_handler, &p);
	if (ret < 0)
		return ret == -2 ? -ENOMEM : -EIO;
	/* ret > 0: inih refused a line the reader let through. The reader
	 * mirrors inih's rules so this should not happen; inih's number counts
	 * only the lines it was handed, so it is not a file line: count it. */
	if (ret > 0 && !p.errors)
		conf_error(&p, p.line, "a line inih could not parse");
	return p.errors;
}

/* The whole file, bounded; NUL-terminated for the messages' sake. */
static int conf_read_file(const char *path, char **out, size_t *outlen)
{
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ret = read_bounded(fd, CONF_MAX_FILE, 0, false, out, outlen);
	close(fd);
	return ret;
}

int conf_load(struct conf *c, const char *path, bool missing_ok)
{
	char *buf;
	size_t len = 0;
	int ret;

	ret = conf_read_file(path, &buf, &len);
	if (ret == -ENOENT && missing_ok)
		return 0;
	if (ret == -EFBIG) {
		fprintf(stderr, "%s: file too large for a config file (max %u bytes)\n",
			path, CONF_MAX_FILE);
		return ret;
	}
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-ret));
		return ret;
	}
	if (strlen(path) >= sizeof(c->path)) {
		fprintf(stderr, "%s: path too long (max %zu bytes)\n", path, sizeof(c->path) - 1);
		free(buf);
		return -ENAMETOOLONG;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	ret = conf_parse(c, path, buf, len, stderr);
	free(buf);
	return ret;
}
