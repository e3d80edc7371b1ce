// SPDX-License-Identifier: GPL-2.0
/* test_addr.c - addresses of either family: what -a and -v take and refuse, RFC 5952 output */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "args.h"
#include "output.h"
#include "tap.h"

/* Text in, the family it parses to (0: refused), the text it prints as. */
static const struct {
	const char *in;
	__u8 family;
	const char *out;
} cases[] = {
	{ "10.0.4.2", SCMLB_AF_INET, "10.0.4.2" },
	{ "2001:db8::1", SCMLB_AF_INET6, "2001:db8::1" },
	/* RFC 5952: lowercase, leading zeros dropped, the longest zero run */
	{ "2001:DB8:0:0:1:0:0:1", SCMLB_AF_INET6, "2001:db8::1:0:0:1" },
	{ "2001:0db8:0000:0000:0000:0000:0000:0011", SCMLB_AF_INET6,
	  "2001:db8::11" },
	/* the first of two equal runs; one zero field is never "::" */
	{ "2001:db8:0:0:1:0:0:2", SCMLB_AF_INET6, "2001:db8::1:0:0:2" },
	{ "2001:db8:0:1:1:1:1:1", SCMLB_AF_INET6, "2001:db8:0:1:1:1:1:1" },
	{ "2001:0:0:1:0:0:0:1", SCMLB_AF_INET6, "2001:0:0:1::1" },
	{ "fd00::a:b", SCMLB_AF_INET6, "fd00::a:b" },
	/* refused: not another host's unicast address, or not an address */
	{ "::", 0, NULL },
	{ "::1", 0, NULL },
	{ "::ffff:10.0.4.2", 0, NULL },
	{ "ff02::1", 0, NULL },
	{ "fe80::1", 0, NULL },
	{ "febf::1", 0, NULL },
	{ "2001:db8::1%eth0", 0, NULL },
	{ "2001:db8::1::2", 0, NULL },
	{ "2001:db8:1", 0, NULL },
	{ "[2001:db8::1]", 0, NULL },
	{ "10.0.4", 0, NULL },
	{ "", 0, NULL },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Health-check URLs with IPv6 literals: taken (1) or refused (0). */
static const struct {
	const char *url;
	bool good;
} urls[] = {
	{ "http://[2001:db8::2]:8080/health", true },
	{ "http://[2001:db8::2]/", true },
	{ "http://[2001:db8::2]", true },
	{ "http://10.0.4.2:8080/health", true },
	{ "http://[2001:db8::2/", false },
	{ "http://[2001:db8::2]x/", false },
	{ "http://[zz::2]/", false },
	{ "http://[]/", false },
	{ "http://2001:db8::2/", false },
};

#define N_URLS (sizeof(urls) / sizeof(urls[0]))

int main(void)
{
	char buf[SCMLB_ADDR_LEN];
	struct scmlb_addr a;
	const char *why;
	size_t i;
	int err;

	printf("1..%zu\n", N_CASES + N_URLS + 4);
	for (i = 0; i < N_CASES; i++) {
		why = NULL;
		memset(&a, 0xaa, sizeof(a));
		err = scmlb_parse_addr(cases[i].in, &a, &why);
		if (!cases[i].family) {
			ok(err == -EINVAL && why && *why, "'%s' refused: %s",
			   cases[i].in, why ? why : "(no reason)");
			continue;
		}
		buf[0] = '\0';
		if (!err)
			scmlb_format_addr(buf, sizeof(buf), a.family, a.addr);
		ok(!err && a.family == cases[i].family &&
		   !strcmp(buf, cases[i].out), "'%s' is %s (%s)", cases[i].in,
		   cases[i].out, buf);
	}
	/* IPv4 keeps the other words 0, as the maps' keys need */
	scmlb_parse_addr("10.0.4.2", &a, &why);
	ok(a.addr[0] == inet_addr("10.0.4.2") && !a.addr[1] && !a.addr[2] &&
	   !a.addr[3], "IPv4 in word 0, the rest 0");
	/* a VIP: IPv4's unicast check stays, IPv6 takes what -a takes */
	err = scmlb_parse_vip("224.0.0.1", &a, &why);
	ok(err == -EINVAL && !strcmp(why, "not a unicast address"),
	   "VIP 224.0.0.1 refused: %s", why);
	ok(!scmlb_parse_vip("2001:db8::11", &a, &why) &&
	   a.family == SCMLB_AF_INET6, "VIP 2001:db8::11 taken");
	ok(scmlb_addr_equal(SCMLB_AF_INET6, a.addr, SCMLB_AF_INET6, a.addr) &&
	   !scmlb_addr_equal(SCMLB_AF_INET, a.addr, SCMLB_AF_INET6, a.addr),
	   "addresses of another family are never equal");
	for (i = 0; i < N_URLS; i++) {
		const char *url = NULL;

		why = NULL;
		err = scmlb_parse_http_url(urls[i].url, &url, &why);
		ok(urls[i].good ? !err && url == urls[i].url : err == -EINVAL,
		   "URL '%s' %s %s", urls[i].url,
		   urls[i].good ? "taken" : "refused:", why ? why : "");
	}
	return failed ? 1 : 0;
}
