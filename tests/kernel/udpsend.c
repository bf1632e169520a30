// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend - send crafted WireGuard-looking UDP datagrams, for the kernel lab.
 *
 *   udpsend [-t TYPE] [-n COUNT] [-s SRCPORT] [-i USEC] [-k PUBKEY] ADDR PORT
 *
 * TYPE (what the receiving kernel logs, see WIREGUARD-FACTS.md section 1):
 *   init      148-byte type-1 initiation, random body and MACs -> #16 "Invalid MAC"
 *   init-mac  same, but mac1 valid for -k PUBKEY (the responder's public key)
 *             -> mac check passes, decryption fails -> #17 "Invalid handshake initiation"
 *   resp-mac  92-byte type-2 response with valid mac1 and an unknown receiver
 *             index -> #19 "Invalid handshake response"
 *   cookie    64-byte type-3 cookie reply -> #15 "Receiving cookie response"
 *   garbage   random length (1..200) random bytes whose type field is never
 *             1..4 -> dropped silently
 *
 *   udpsend -t notip [-n COUNT] IFNAME
 *             an ARP-typed frame written into a WireGuard interface through a
 *             packet socket -> #3 "Invalid IP packet" (sender side, wg_xmit)
 *
 * Starving the handshake workers, so that the module's handshake queue
 * fills and it drops (#27 "Dropping handshake packet"):
 *   -P CPU    run pinned to CPU at SCHED_FIFO priority 10 (with any type)
 *   udpsend -t spin -P CPU -n MAXMS STOPFILE
 *             busy-loop at SCHED_FIFO on CPU until STOPFILE exists (at most
 *             MAXMS ms); STOPFILE.on is created once spinning
 *   udpsend -t sched -n PRIO PID...   set SCHED_FIFO PRIO on those tasks
 *             (PRIO 0: SCHED_OTHER again)
 * ADDR is numeric IPv4 or IPv6. Statically linked so the VM needs no libc for it.
 * Randomness only has to make packets differ, not be secret: xorshift.
 */
#define _GNU_SOURCE	/* sched_setaffinity, CPU_SET */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* BLAKE2s (RFC 7693), just enough for WireGuard's mac1. */
struct b2s {
	uint32_t h[8], t[2];
	uint8_t buf[64];
	size_t buflen, outlen;
};

static const uint32_t b2s_iv[8] = {
	0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
	0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
};

static const uint8_t b2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void b2s_compress(struct b2s *s, int last)
{
	uint32_t m[16], v[16];
	int i, r;

	for (i = 0; i < 16; i++)
		m[i] = le32(s->buf + 4 * i);
	for (i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = b2s_iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
#define G(a, b, c, d, x, y) do { \
	v[a] += v[b] + (x); v[d] = ror32(v[d] ^ v[a], 16); \
	v[c] += v[d]; v[b] = ror32(v[b] ^ v[c], 12); \
	v[a] += v[b] + (y); v[d] = ror32(v[d] ^ v[a], 8); \
	v[c] += v[d]; v[b] = ror32(v[b] ^ v[c], 7); } while (0)
	for (r = 0; r < 10; r++) {
		const uint8_t *sg = b2s_sigma[r];

		G(0, 4, 8, 12, m[sg[0]], m[sg[1]]);
		G(1, 5, 9, 13, m[sg[2]], m[sg[3]]);
		G(2, 6, 10, 14, m[sg[4]], m[sg[5]]);
		G(3, 7, 11, 15, m[sg[6]], m[sg[7]]);
		G(0, 5, 10, 15, m[sg[8]], m[sg[9]]);
		G(1, 6, 11, 12, m[sg[10]], m[sg[11]]);
		G(2, 7, 8, 13, m[sg[12]], m[sg[13]]);
		G(3, 4, 9, 14, m[sg[14]], m[sg[15]]);
	}
#undef G
	for (i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static void b2s_update(struct b2s *s, const uint8_t *in, size_t len)
{
	while (len) {
		size_t n;

		if (s->buflen == 64) {	/* keep the last block for final */
			s->t[0] += 64;
			if (s->t[0] < 64)
				s->t[1]++;
			b2s_compress(s, 0);
			s->buflen = 0;
		}
		n = 64 - s->buflen;
		if (n > len)
			n = len;
		memcpy(s->buf + s->buflen, in, n);
		s->buflen += n;
		in += n;
		len -= n;
	}
}

static void b2s_init(struct b2s *s, size_t outlen, const uint8_t *key, size_t keylen)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->h, b2s_iv, sizeof(s->h));
	s->h[0] ^= 0x01010000 ^ (uint32_t)keylen << 8 ^ (uint32_t)outlen;
	s->outlen = outlen;
	if (keylen) {
		uint8_t block[64] = { 0 };

		memcpy(block, key, keylen);
		b2s_update(s, block, 64);
	}
}

static void b2s_final(struct b2s *s, uint8_t *out)
{
	size_t i;

	s->t[0] += s->buflen;
	if (s->t[0] < s->buflen)
		s->t[1]++;
	memset(s->buf + s->buflen, 0, 64 - s->buflen);
	b2s_compress(s, 1);
	for (i = 0; i < s->outlen; i++)
		out[i] = s->h[i / 4] >> (8 * (i % 4));
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(uint8_t *p, size_t len)
{
	while (len--)
		*p++ = (uint8_t)rng();
}

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* A WireGuard key is 44 base64 chars ending in '='. */
static int key_from_base64(uint8_t key[32], const char *b64)
{
	uint32_t acc = 0;
	int bits = 0, i, n = 0;

	if (strlen(b64) != 44 || b64[43] != '=')
		return -EINVAL;
	for (i = 0; i < 43; i++) {
		int v = b64_val(b64[i]);

		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < 32)
				key[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n == 32 ? 0 : -EINVAL;
}

/* mac1 = BLAKE2s-128(key = BLAKE2s-256("mac1----" || Spub_r), msg up to mac1). */
static void set_mac1(uint8_t *msg, size_t len, const uint8_t pub[32])
{
	static const uint8_t label[8] = "mac1----";
	uint8_t mac_key[32];
	struct b2s s;

	b2s_init(&s, 32, NULL, 0);
	b2s_update(&s, label, sizeof(label));
	b2s_update(&s, pub, 32);
	b2s_final(&s, mac_key);
	b2s_init(&s, 16, mac_key, 32);
	b2s_update(&s, msg, len - 32);	/* macs are the last 32 bytes */
	b2s_final(&s, msg + len - 32);
	memset(msg + len - 16, 0, 16);	/* no mac2: not under load */
}

static size_t build(uint8_t *pkt, const char *type, const uint8_t *pub)
{
	size_t len;

	if (!strcmp(type, "init") || !strcmp(type, "init-mac")) {
		len = 148;
		fill_random(pkt, len);
		memcpy(pkt, "\x01\0\0\0", 4);
		if (pub)
			set_mac1(pkt, len, pub);
	} else if (!strcmp(type, "resp-mac")) {
		len = 92;
		fill_random(pkt, len);
		memcpy(pkt, "\x02\0\0\0", 4);
		set_mac1(pkt, len, pub);
	} else if (!strcmp(type, "cookie")) {
		len = 64;
		fill_random(pkt, len);
		memcpy(pkt, "\x03\0\0\0", 4);
	} else {
		len = 1 + rng() % 200;
		fill_random(pkt, len);
		if (len >= 4 && pkt[0] >= 1 && pkt[0] <= 4)
			pkt[0] = 0x42;
	}
	return len;
}

/* Numeric IPv4 or IPv6 (brackets allowed) and a port: no resolver in a static binary. */
static int parse_addr(struct sockaddr_storage *ss, socklen_t *len, const char *host, const char *port)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(host);
	char *end;
	unsigned long p = strtoul(port, &end, 10);

	if (*end || !p || p > 65535 || n + 1 > sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, n + 1);
	if (buf[0] == '[' && n > 2 && buf[n - 1] == ']') {
		buf[n - 1] = 0;
		memmove(buf, buf + 1, n - 1);
	}
	if (inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

/* Not IPv4/IPv6, so wg_xmit() refuses it before any peer lookup. */
static int send_notip(const char *ifname, unsigned long count)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP) };
	uint8_t frame[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };	/* an ARP request header */
	unsigned long i, sent = 0;
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "udpsend: no interface %s\n", ifname);
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ARP));
	if (fd < 0) {
		perror("udpsend: packet socket");
		return 1;
	}
	for (i = 0; i < count; i++)
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) >= 0)
			sent++;
	/* wg_xmit drops it and returns an error: "sent" counts attempts the stack took. */
	printf("udpsend: wrote %lu/%lu non-IP frames into %s\n", sent, count, ifname);
	close(fd);
	return 0;
}

static int fifo(pid_t pid, int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	/* prio 0: back to the default policy */
	if (sched_setscheduler(pid, prio ? SCHED_FIFO : SCHED_OTHER, &sp) < 0) {
		fprintf(stderr, "udpsend: SCHED_FIFO for %d: %s\n", (int)pid, strerror(errno));
		return -1;
	}
	return 0;
}

static int pin_fifo(long cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		fprintf(stderr, "udpsend: CPU %ld: %s\n", cpu, strerror(errno));
		return -1;
	}
	return fifo(0, 10);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Keep a CPU from everything below SCHED_FIFO until told to stop. */
static int spin(const char *stop, unsigned long max_ms)
{
	char on[4096];
	double end = now_ms() + (double)max_ms;
	unsigned long n = 0;
	int fd;

	snprintf(on, sizeof(on), "%s.on", stop);
	fd = open(on, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	while (now_ms() < end)
		if (++n % 4096 == 0 && access(stop, F_OK) == 0)
			break;
	printf("udpsend: spun %s\n", access(stop, F_OK) == 0 ? "until told to stop" : "until the time limit");
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: udpsend [-t init|init-mac|resp-mac|cookie|garbage] [-n COUNT] "
		"[-s SRCPORT] [-i USEC] [-k PUBKEY] [-P CPU] ADDR PORT\n       udpsend -t notip [-n COUNT] IFNAME\n"
		"       udpsend -t spin -P CPU -n MAXMS STOPFILE\n       udpsend -t sched -n PRIO PID...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *type = "init", *pubkey = NULL;
	unsigned long count = 1, interval = 0, sport = 0, i, sent = 0;
	struct sockaddr_storage dst = { 0 }, src = { 0 };
	socklen_t alen;
	uint8_t pub[32], pkt[256];
	struct timeval tv;
	long cpu = -1;
	int opt, fd;

	while ((opt = getopt(argc, argv, "t:n:s:i:k:P:")) != -1) {
		switch (opt) {
		case 't': type = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 's': sport = strtoul(optarg, NULL, 10); break;
		case 'i': interval = strtoul(optarg, NULL, 10); break;
		case 'k': pubkey = optarg; break;
		case 'P': cpu = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!strcmp(type, "sched") && argc - optind >= 1) {
		int rc = 0;

		for (int a = optind; a < argc; a++)
			if (fifo((pid_t)strtol(argv[a], NULL, 10), (int)count) < 0)
				rc = 1;
		return rc;
	}
	if (cpu >= 0 && pin_fifo(cpu) < 0)
		return 1;
	if (!strcmp(type, "spin") && argc - optind == 1 && cpu >= 0)
		return spin(argv[optind], count);
	if (!strcmp(type, "notip") && argc - optind == 1)
		return send_notip(argv[optind], count);
	if (argc - optind != 2 || sport > 65535)
		usage();
	if (strcmp(type, "init") && strcmp(type, "init-mac") && strcmp(type, "resp-mac") &&
	    strcmp(type, "cookie") && strcmp(type, "garbage"))
		usage();
	if (!strcmp(type, "init-mac") || !strcmp(type, "resp-mac")) {
		if (!pubkey || key_from_base64(pub, pubkey)) {
			fprintf(stderr, "udpsend: %s needs -k with a base64 public key\n", type);
			return 2;
		}
	}
	if (parse_addr(&dst, &alen, argv[optind], argv[optind + 1])) {
		fprintf(stderr, "udpsend: bad address or port: %s %s\n", argv[optind], argv[optind + 1]);
		return 2;
	}
	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 1;
	}
	if (sport) {
		src.ss_family = dst.ss_family;
		if (dst.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&src)->sin6_port = htons((uint16_t)sport);
		else
			((struct sockaddr_in *)&src)->sin_port = htons((uint16_t)sport);
		if (bind(fd, (struct sockaddr *)&src, alen) < 0) {
			perror("udpsend: bind");
			return 1;
		}
	}
	gettimeofday(&tv, NULL);
	rng_state = (uint64_t)tv.tv_sec * 1000003u ^ (uint64_t)tv.tv_usec ^ (uint64_t)getpid() << 32;
	if (!rng_state)
		rng_state = 1;
	for (i = 0; i < count; i++) {
		size_t len = build(pkt, type, pubkey ? pub : NULL);

		if (!strcmp(type, "init"))	/* random MACs: no key involved */
			fill_random(pkt + 116, 32);
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, alen) == (ssize_t)len)
			sent++;
		if (interval)
			usleep((useconds_t)interval);
	}
	printf("udpsend: sent %lu/%lu %s to %s port %s\n", sent, count, type,
	       argv[optind], argv[optind + 1]);
	close(fd);
	return sent ? 0 : 1;
}
