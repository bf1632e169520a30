// SPDX-License-Identifier: GPL-2.0
/* Config files' public parts (base/wgconf.c): real wg-quick files (names in
 * every style, CRLF, comments, repeated keys), secrets never copied,
 * hostile input, bounds. The watcher over them is test_confwatch.c's. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "test.h"
#include "base/util.h"
#include "base/wgconf.h"
#include "wgconftest.h"

#define K_ALICE "x2enSDBsVA6bCW5qBO7OjKzQHy06VnNTyGgFp2wWI4A="
#define K_BOB	"zqRBmidvFloHhkxqLUqrPUGErKuHfE99ikB6pP1b5UU="
#define K_CAROL	"17+kgLBbt8B9Xe3bmVQSEkjsJmXqxngMRB3NIj+Jrfo="
#define K_DAN	"o17Ep2alxw86PHf8Tloo9URVQTF0z2PxpWEqUblBXpA="

/* ---- helpers ----------------------------------------------------------- */

static const struct conf_peer *peer_by(const struct conf_iface *ci, const char *b64)
{
	uint8_t k[WG_KEY_LEN];

	if (key_from_base64(k, b64, strlen(b64)) < 0)
		return NULL;
	for (size_t i = 0; i < ci->n_peers; i++)
		if (!memcmp(ci->peers[i].public_key, k, WG_KEY_LEN))
			return &ci->peers[i];
	return NULL;
}

static bool sorted_unique(const struct conf_iface *ci)
{
	for (size_t i = 1; i < ci->n_peers; i++)
		if (memcmp(ci->peers[i - 1].public_key, ci->peers[i].public_key,
			   WG_KEY_LEN) >= 0)
			return false;
	return true;
}

/* ---- parser ------------------------------------------------------------ */

static void check_server(const struct conf_iface *ci)
{
	const struct conf_peer *p;

	CHECK_INT(ci->listen_port, 51820);
	CHECK_STR(ci->addresses, "10.8.0.1/24,fd42:42:42::1/64,10.9.0.1/24");
	CHECK_INT(ci->n_peers, 4);
	CHECK(sorted_unique(ci));
	p = peer_by(ci, K_ALICE);
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->name, "alice");
		CHECK_STR(p->allowed_ips, "10.8.0.2/32,fd42:42:42::2/128");
		CHECK_STR(p->endpoint, "");
	}
	p = peer_by(ci, K_BOB);
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->name, "bob's phone");
		CHECK_STR(p->allowed_ips, "10.8.0.3/32,fd42:42:42::3/128");
		CHECK_STR(p->endpoint, "198.51.100.7:40123");
	}
	p = peer_by(ci, K_CAROL);
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->name, "carol");
		CHECK_STR(p->allowed_ips, "10.8.0.4/32,10.10.0.0/16");
		CHECK_STR(p->endpoint, "[2001:db8::7]:51820");
	}
	p = peer_by(ci, K_DAN);
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->name, "");
		CHECK_STR(p->endpoint, "vpn.example.net:51820");
	}
	CHECK(!iface_holds(ci, "redacted", 8));
}

TEST(parses_wg_quick_server)
{
	struct conf_iface ci;
	char err[128];
	size_t len;
	char *buf = test_read_data("wgconf-server.conf", &len);

	CHECK(buf != NULL);
	if (!buf)
		return;
	CHECK_INT(wgconf_parse(buf, len, &ci, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	check_server(&ci);
	CHECK_STR(ci.name, "");
	CHECK_STR(ci.sha256, "");
	for (size_t i = 0; i < ci.n_peers; i++)
		CHECK(conf_iface_peer(&ci, ci.peers[i].public_key) == &ci.peers[i]);
	{
		uint8_t k[WG_KEY_LEN] = { 0 };

		CHECK(conf_iface_peer(&ci, k) == NULL);
		CHECK(conf_iface_peer(NULL, k) == NULL);
	}
	conf_iface_release(&ci);
	free(buf);
}

TEST(parses_crlf_and_bom_the_same)
{
	struct conf_iface ci;
	char err[128];
	size_t len;
	char *buf = test_read_data("wgconf-crlf.conf", &len);

	CHECK(buf != NULL);
	if (!buf)
		return;
	CHECK(memchr(buf, '\r', len) != NULL);
	CHECK_INT(wgconf_parse(buf, len, &ci, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	check_server(&ci);
	conf_iface_release(&ci);
	free(buf);
}

TEST(parses_installer_name_markers)
{
	struct conf_iface ci;
	const struct conf_peer *p;
	char err[128];
	size_t len;
	char *buf = test_read_data("wgconf-installers.conf", &len);

	CHECK(buf != NULL);
	if (!buf)
		return;
	CHECK_INT(wgconf_parse(buf, len, &ci, err, sizeof(err)), 0);
	CHECK_INT(ci.listen_port, 49152);
	CHECK_STR(ci.addresses, "10.66.66.1/24,fd42:42:42::1/64");
	CHECK_INT(ci.n_peers, 3);
	p = peer_by(&ci, "q84Ms0vjrptpVJjjKlyxuoV9PjV6/kMd1+gEgkVC1/o=");
	CHECK_STR(p ? p->name : NULL, "dave");
	p = peer_by(&ci, "vFFLNCew47wOdkLraZ6I6jNshaw7IkA8C7H3xG/Rdas=");
	CHECK_STR(p ? p->name : NULL, "erin");
	CHECK_STR(p ? p->allowed_ips : NULL, "10.66.66.3/32,fd42:42:42::3/128");
	p = peer_by(&ci, "1UrVi0Yt9+y3WdNkiFZwy/Puf8zDlnbLTL6oA8lp9ps=");
	CHECK_STR(p ? p->name : NULL, "frank");
	CHECK(!iface_holds(&ci, "redacted", 8));
	conf_iface_release(&ci);
	free(buf);
}

TEST(name_rules)
{
	/* Above the header goes to the next peer; inside to the current one;
	 * friendly_name wins; a name in [Interface] names nobody; control
	 * bytes are neutralised and long names cut. */
	char text[2048];
	struct conf_iface ci;
	char a[WG_KEY_B64_LEN], b[WG_KEY_B64_LEN], c[WG_KEY_B64_LEN], d[WG_KEY_B64_LEN];
	const struct conf_peer *p;

	pubkey(a);
	pubkey(b);
	pubkey(c);
	pubkey(d);
	snprintf(text, sizeof(text),
		 "[Interface]\n# Name = server\nListenPort = 1\n"
		 "[Peer]\nPublicKey = %s\n#   NAME   =   second  \n"
		 "[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.2/32\n"
		 "# name = ignored-above-friendly\n"
		 "[Peer]\n# Name = lost\n#friendly_name=winner\nPublicKey = %s\n"
		 "[Peer]\nPublicKey = %s\n# Name = x\tbell\x07 and a very long tail that goes past sixty-three bytes for sure\n",
		 a, b, c, d);
	CHECK_INT(wgconf_parse(text, strlen(text), &ci, NULL, 0), 0);
	CHECK_INT(ci.n_peers, 4);
	p = peer_by(&ci, a);
	CHECK_STR(p ? p->name : NULL, "");
	p = peer_by(&ci, b);
	CHECK_STR(p ? p->name : NULL, "second");
	p = peer_by(&ci, c);
	CHECK_STR(p ? p->name : NULL, "winner");
	p = peer_by(&ci, d);
	CHECK(p && strlen(p->name) == WGCONF_NAME_LEN - 1);
	CHECK(p && !strchr(p->name, '\a') && !strchr(p->name, '\t'));
	CHECK(p && !strncmp(p->name, "x?bell? and", 11));
	conf_iface_release(&ci);
}

TEST(repeated_peer_merged_and_bad_parts_reported)
{
	char text[2048], err[160];
	char a[WG_KEY_B64_LEN];
	struct conf_iface ci;
	const struct conf_peer *p;

	pubkey(a);
	snprintf(text, sizeof(text),
		 "[Interface]\nListenPort = 70000\nAddress = 10.0.0.1/24\n"
		 "[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.2/32\nEndpoint = 192.0.2.1:1\n"
		 "[Peer]\nPublicKey = not-a-key\nAllowedIPs = 10.0.0.9/32\n"
		 "[Peer]\nAllowedIPs = 10.0.0.8/32\n"
		 "garbage line\n"
		 "[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.3/32\nEndpoint = 192.0.2.2:2\n"
		 "[Strange]\nPublicKey = %s\n",
		 a, a, a);
	CHECK_INT(wgconf_parse(text, strlen(text), &ci, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "2: ListenPort: not a port number (and 4 more)");
	CHECK_INT(ci.listen_port, 0);
	CHECK_STR(ci.addresses, "10.0.0.1/24");
	CHECK_INT(ci.n_peers, 1);
	p = peer_by(&ci, a);
	CHECK_STR(p ? p->allowed_ips : NULL, "10.0.0.2/32,10.0.0.3/32");
	CHECK_STR(p ? p->endpoint : NULL, "192.0.2.2:2");
	conf_iface_release(&ci);
}

TEST(secrets_never_copied)
{
	char priv[WG_KEY_B64_LEN], pub[WG_KEY_B64_LEN], psk[WG_KEY_B64_LEN];
	char peer[WG_KEY_B64_LEN], text[1024], err[256];
	uint8_t raw[WG_KEY_LEN], rawpsk[WG_KEY_LEN];
	struct conf_iface ci;
	size_t len;
	char *fx;

	genkey(priv, pub, raw);
	RAND_bytes(rawpsk, sizeof(rawpsk));
	key_to_base64(psk, rawpsk);
	pubkey(peer);
	/* Also a secret where parsing goes wrong right after it, and in a
	 * section where the key does not belong. */
	snprintf(text, sizeof(text),
		 "[Interface]\r\nprivatekey=%s\r\nListenPort = 51820\r\n"
		 "[Peer]\r\nPublicKey = %s\r\nPresharedKey   =   %s   # psk\r\n"
		 "PRIVATEKEY = %s\r\nbogus\r\n"
		 "[Peer]\r\nPresharedKey = %s\r\n",
		 priv, peer, psk, priv, psk);
	CHECK_INT(wgconf_parse(text, strlen(text), &ci, err, sizeof(err)), -EINVAL);
	CHECK_INT(ci.n_peers, 1);
	CHECK(!iface_holds(&ci, priv, 43));
	CHECK(!iface_holds(&ci, psk, 43));
	CHECK(!iface_holds(&ci, raw, sizeof(raw)));
	CHECK(!iface_holds(&ci, rawpsk, sizeof(rawpsk)));
	CHECK(!memmem(err, sizeof(err), priv, 10));
	CHECK(!memmem(err, sizeof(err), psk, 10));
	conf_iface_release(&ci);

	fx = test_read_data("wgconf-server.conf", &len);
	if (fx) {
		CHECK_INT(wgconf_parse(fx, len, &ci, err, sizeof(err)), 0);
		CHECK(!iface_holds(&ci, "(redacted-test-value)", 21));
		CHECK(!iface_holds(&ci, "(redacted-test-psk)", 19));
		conf_iface_release(&ci);
		free(fx);
	}
}

TEST(hostile_input_bounded)
{
	struct conf_iface ci;
	char err[160];
	size_t n = 300000;
	char *buf = malloc(n);
	int ret;

	/* Binary noise. */
	for (int round = 0; round < 20; round++) {
		RAND_bytes((unsigned char *)buf, (int)n);
		ret = wgconf_parse(buf, n, &ci, err, sizeof(err));
		CHECK(ret == 0 || ret == -EINVAL);
		conf_iface_release(&ci);
	}
	/* One line longer than the bound, then a valid one. */
	memset(buf, 'A', n);
	memcpy(buf, "Address = ", 10);
	memcpy(buf + n - 20, "\nListenPort = 7\n   ", 19);
	buf[n - 1] = '\n';
	CHECK_INT(wgconf_parse(buf, n, &ci, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "1: longer than 65536 bytes, skipped");
	CHECK_STR(ci.addresses, "");
	conf_iface_release(&ci);
	/* A NUL in a line. */
	CHECK_INT(wgconf_parse("[Interface]\nListenPort = 5\0 0\n",
				  sizeof("[Interface]\nListenPort = 5\0 0\n") - 1, &ci, err,
				  sizeof(err)), -EINVAL);
	CHECK_STR(err, "2: NUL byte, skipped");
	conf_iface_release(&ci);
	/* An over-long list is cut at an item boundary. */
	{
		char t[4096] = "[Interface]\nAddress = ";
		size_t o = strlen(t);

		for (int i = 0; i < 200; i++)
			o += (size_t)snprintf(t + o, sizeof(t) - o, "10.0.%d.1/24,", i);
		CHECK_INT(wgconf_parse(t, o, &ci, err, sizeof(err)), -EINVAL);
		CHECK(strlen(ci.addresses) < sizeof(ci.addresses));
		CHECK(ci.addresses[strlen(ci.addresses) - 1] == '4');
		conf_iface_release(&ci);
	}
	/* Beyond the file bound. */
	CHECK_INT(wgconf_parse(buf, WGCONF_FILE_MAX + 1, &ci, err, sizeof(err)),
		  -EINVAL);
	free(buf);
}

TEST(peer_count_bounded)
{
	/* More [Peer] sections than the bound: the rest skipped, said once. */
	size_t per = 64, np = WGCONF_MAX_PEERS + 100;
	char *buf = malloc(np * per + 1), err[160];
	struct conf_iface ci;
	size_t o = 0;
	uint8_t k[WG_KEY_LEN] = { 0 };

	for (size_t i = 0; i < np; i++) {
		char b64[WG_KEY_B64_LEN];

		k[0] = (uint8_t)(i >> 16);
		k[1] = (uint8_t)(i >> 8);
		k[2] = (uint8_t)i;
		key_to_base64(b64, k);
		o += (size_t)sprintf(buf + o, "[Peer]\nPublicKey=%s\n", b64);
	}
	CHECK(o <= WGCONF_FILE_MAX);
	CHECK_INT(wgconf_parse(buf, o, &ci, err, sizeof(err)), -EINVAL);
	CHECK_INT(ci.n_peers, WGCONF_MAX_PEERS);
	CHECK(sorted_unique(&ci));
	CHECK(strstr(err, "more than 32768 peers") != NULL);
	CHECK(strstr(err, "and") == NULL);
	conf_iface_release(&ci);
	free(buf);
}

TEST_MAIN()
