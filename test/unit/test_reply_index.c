// SPDX-License-Identifier: GPL-2.0
/* test_reply_index.c - TAP tests of lb_reply_index: what it holds, its repair */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "reply_index.h"
#include "tap.h"

/* constants in network order (x86: byte-swapped), for static tables */
#define IP4(a, b, c, d) __builtin_bswap32((__u32)(a) << 24 | (__u32)(b) << 16 | \
					  (__u32)(c) << 8 | (__u32)(d))
#define PORT(p)		__builtin_bswap16(p)
/* a backend as scmlb-lb set stores it */
#define BACKEND(i, s)	.id = (i), .family = SCMLB_AF_INET, .service_id = (s)
#define VIP(n)		IP4(203, 0, 113, n)
#define BE(n)		IP4(10, 0, 0, n)

/* Services by id, as scmlb_services_list() gives them. */
static const struct scmlb_service svcs[] = {
	{ .id = 1, .family = SCMLB_AF_INET, .vip = { VIP(1) } },	/* any/any */
	{ .id = 2, .family = SCMLB_AF_INET, .proto = IPPROTO_TCP,
	  .port = PORT(443), .vip = { VIP(2) } },
	{ .id = 3, .family = SCMLB_AF_INET, .proto = IPPROTO_TCP,
	  .port = PORT(443), .vip = { VIP(3) } },
	{ .id = 4, .family = SCMLB_AF_INET, .proto = IPPROTO_TCP,
	  .vip = { VIP(4) } },					/* tcp any */
	{ .id = 5, .family = SCMLB_AF_INET, .proto = IPPROTO_TCP,
	  .vip = { VIP(5) } },					/* tcp any */
	{ .id = 6, .family = SCMLB_AF_INET, .proto = IPPROTO_TCP,
	  .port = PORT(80), .vip = { VIP(6) } },
	{ .id = 7, .family = SCMLB_AF_INET, .proto = IPPROTO_UDP,
	  .port = PORT(53), .vip = { VIP(7) } },
	{ .id = 8, .family = SCMLB_AF_INET, .proto = IPPROTO_UDP,
	  .port = PORT(53), .vip = { VIP(8) } },
	{ .id = 9, .family = SCMLB_AF_INET, .proto = IPPROTO_UDP,
	  .port = PORT(54), .vip = { VIP(9) } },
	{ .id = 10, .family = SCMLB_AF_INET, .proto = IPPROTO_TCP,
	  .port = PORT(80), .vip = { VIP(10) }, .forward = SCMLB_FWD_DR },
	{ .id = 11, .family = SCMLB_AF_INET, .proto = IPPROTO_UDP,
	  .port = PORT(123), .vip = { VIP(11) } },
};

#define N_SVCS (sizeof(svcs) / sizeof(svcs[0]))

/* Backends as scmlb-lb set makes them: a port service's have a port. */
static const struct scmlb_backend bes[] = {
	/* 10.0.0.1: only in the any/any service */
	{ BACKEND(11, 1), .addr = { BE(1) } },
	/* 10.0.0.2:8443 only in tcp:443 of VIP 2 */
	{ BACKEND(12, 2), .addr = { BE(2) }, .port = PORT(8443) },
	/* 10.0.0.3: any/any, and tcp:443 of VIP 3 on its 443 */
	{ BACKEND(13, 1), .addr = { BE(3) } },
	{ BACKEND(14, 3), .addr = { BE(3) }, .port = PORT(443) },
	/* 10.0.0.4: two tcp any-port services, tcp:80 of VIP 6, udp:123 */
	{ BACKEND(15, 4), .addr = { BE(4) } },
	{ BACKEND(16, 5), .addr = { BE(4) } },
	{ BACKEND(17, 6), .addr = { BE(4) }, .port = PORT(80) },
	{ BACKEND(23, 11), .addr = { BE(4) }, .port = PORT(123) },
	/* 10.0.0.5:5353 in two udp:53 services, :5354 in one */
	{ BACKEND(18, 7), .addr = { BE(5) }, .port = PORT(5353) },
	{ BACKEND(19, 8), .addr = { BE(5) }, .port = PORT(5353) },
	{ BACKEND(20, 9), .addr = { BE(5) }, .port = PORT(5354) },
	/* a dr service's, and one of a service that is gone */
	{ BACKEND(21, 10), .addr = { BE(6) }, .port = PORT(80) },
	{ BACKEND(22, 99), .addr = { BE(7) } },
};

#define N_BES (sizeof(bes) / sizeof(bes[0]))

/* What the index must hold: exact ports of one service, no any-port one. */
static const struct want {
	__u8 proto;
	__be32 addr;
	__u16 port;			/* host order */
	__u32 service;
	__u32 backend;
	__u16 vport;			/* host order */
} wants[] = {
	{ IPPROTO_TCP, BE(2), 8443, 2, 12, 443 },
	{ IPPROTO_UDP, BE(4), 123, 11, 23, 123 },
	{ IPPROTO_UDP, BE(5), 5354, 9, 20, 54 },
};

#define N_WANTS (sizeof(wants) / sizeof(wants[0]))

static struct scmlb_reply_entry want_entry(const struct want *w)
{
	struct scmlb_reply_entry e = { 0 };
	const struct scmlb_service *s = NULL;
	size_t i;

	for (i = 0; i < N_SVCS; i++)
		if (svcs[i].id == w->service)
			s = &svcs[i];
	e.key.family = SCMLB_AF_INET;
	e.key.proto = w->proto;
	e.key.port = htons(w->port);
	e.key.addr[0] = w->addr;
	if (s) {
		e.to.vip[0] = s->vip[0];
		e.to.port = htons(w->vport);
		e.to.service_id = w->service;
		e.to.backend_id = w->backend;
	}
	return e;
}

static const struct scmlb_reply_entry *
find(const struct scmlb_reply_entry *e, size_t n,
     const struct scmlb_reply_key *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(&e[i].key, key, sizeof(*key)))
			return &e[i];
	return NULL;
}

static void test_build(void)
{
	struct scmlb_reply_entry *got = NULL, w;
	const struct scmlb_reply_entry *g;
	bool all = true, sorted = true;
	size_t n, i;
	int err;

	err = scmlb_reply_index_build(svcs, N_SVCS, bes, N_BES, &got, &n);
	ok(!err, "build: %s", err ? strerror(-err) : "ok");
	for (i = 0; !err && i < N_WANTS; i++) {
		w = want_entry(&wants[i]);
		g = find(got, n, &w.key);
		if (!g || memcmp(&g->to, &w.to, sizeof(w.to))) {
			diag("key %zu of the wanted ones: %s", i,
			     g ? "another value" : "missing");
			all = false;
		}
	}
	ok(!err && all, "every unambiguous source maps to its service's VIP "
	   "and port, also at an address whose other protocol has any-port "
	   "services");
	ok(!err && n == N_WANTS, "nothing else: any-port services, an exact "
	   "port at an address an any-port service has for its protocol, a "
	   "port two services share, a dr service and a gone service give no "
	   "key (%zu entries, %zu wanted)", n, N_WANTS);
	for (i = 1; !err && i < n; i++)
		if (memcmp(&got[i - 1].key, &got[i].key, sizeof(got[i].key)) == 0)
			sorted = false;
	ok(!err && sorted, "no key twice");
	free(got);
}

/* Maps of the sizes the data plane has, unpinned. */
static int maps_make(struct scmlb_ctx *ctx)
{
	ctx->maps.services = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb_services",
					    sizeof(__u32),
					    sizeof(struct scmlb_service),
					    SCMLB_MAX_SERVICES, NULL);
	ctx->maps.backends = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb_backends",
					    sizeof(__u32),
					    sizeof(struct scmlb_backend),
					    SCMLB_MAX_BACKENDS, NULL);
	ctx->maps.reply_index = bpf_map_create(BPF_MAP_TYPE_HASH,
					       "lb_reply_index",
					       sizeof(struct scmlb_reply_key),
					       sizeof(struct scmlb_reply_to),
					       SCMLB_REPLY_INDEX_SIZE, NULL);
	if (ctx->maps.services < 0 || ctx->maps.backends < 0 ||
	    ctx->maps.reply_index < 0)
		return -errno;
	return 0;
}

static int tables_write(const struct scmlb_ctx *ctx)
{
	__u32 slot;
	size_t i;

	for (i = 0; i < N_SVCS; i++) {
		slot = svcs[i].id % SCMLB_MAX_SERVICES;
		if (bpf_map_update_elem(ctx->maps.services, &slot, &svcs[i], 0))
			return -errno;
	}
	for (i = 0; i < N_BES; i++) {
		slot = bes[i].id % SCMLB_MAX_BACKENDS;
		if (bpf_map_update_elem(ctx->maps.backends, &slot, &bes[i], 0))
			return -errno;
	}
	return 0;
}

/* Whether the map holds exactly the wanted entries. */
static bool index_exact(const struct scmlb_ctx *ctx)
{
	struct scmlb_reply_key key, next;
	struct scmlb_reply_entry w;
	struct scmlb_reply_to to;
	size_t n = 0, i;
	bool first = true;

	while (!bpf_map_get_next_key(ctx->maps.reply_index,
				     first ? NULL : &key, &next)) {
		key = next;
		first = false;
		n++;
	}
	for (i = 0; i < N_WANTS; i++) {
		w = want_entry(&wants[i]);
		if (bpf_map_lookup_elem(ctx->maps.reply_index, &w.key, &to) ||
		    memcmp(&to, &w.to, sizeof(to)))
			return false;
	}
	if (n != N_WANTS)
		diag("the map holds %zu entries, %zu wanted", n, N_WANTS);
	return n == N_WANTS;
}

/*
 * An IPv6 port service's backend gets a key of its own family; a backend
 * of the other family (which scmlb-lb refuses) gets none.
 */
static void test_build_ipv6(void)
{
	const struct scmlb_service svc6[] = {
		{ .id = 1, .family = SCMLB_AF_INET6, .proto = IPPROTO_TCP,
		  .port = PORT(443), .vip = { htonl(0x20010db8), 0, 0, htonl(0x11) } },
	};
	const struct scmlb_backend be6[] = {
		{ .id = 1, .family = SCMLB_AF_INET6, .service_id = 1,
		  .addr = { htonl(0x20010db8), htonl(4), 0, htonl(2) },
		  .port = PORT(8443) },
		{ BACKEND(2, 1), .addr = { BE(9) }, .port = PORT(8443) },
	};
	struct scmlb_reply_entry *got = NULL;
	size_t n = 0;
	int err;

	err = scmlb_reply_index_build(svc6, 1, be6, 2, &got, &n);
	ok(!err && n == 1 && got[0].key.family == SCMLB_AF_INET6 &&
	   got[0].key.proto == IPPROTO_TCP && got[0].key.port == PORT(8443) &&
	   !memcmp(got[0].key.addr, be6[0].addr, 16) &&
	   !memcmp(got[0].to.vip, svc6[0].vip, 16) &&
	   got[0].to.port == PORT(443) && got[0].to.backend_id == 1,
	   "build: an IPv6 backend's key is IPv6, to its IPv6 VIP (%zu entries)",
	   n);
	free(got);
}

static void test_sync(void)
{
	struct scmlb_ctx ctx = { .dir_fd = -1 };
	struct scmlb_reply_entry stale, changed, lost;
	/* what an older scmlb wrote for an any-port service's backend */
	struct scmlb_reply_key any_port = { SCMLB_AF_INET, IPPROTO_TCP, 0,
					    { BE(1) } };
	struct scmlb_reply_to any_to = { { VIP(1) }, 0, 0, 1, 11 };
	struct scmlb_reply_to junk = { { VIP(9) }, 0, 0, 9, 99 };
	int err;

	memset(&ctx.maps, 0xff, sizeof(ctx.maps));
	err = maps_make(&ctx);
	if (!err)
		err = tables_write(&ctx);
	if (!err)
		err = scmlb_reply_index_sync(&ctx);
	ok(!err && index_exact(&ctx), "sync on an empty map: the wanted "
	   "entries (%s)", err ? strerror(-err) : "ok");

	/* what a tool killed half-way, or an older one, may leave */
	stale.key = any_port;
	changed = want_entry(&wants[0]);
	lost = want_entry(&wants[2]);
	if (!err && (bpf_map_update_elem(ctx.maps.reply_index, &stale.key,
					 &any_to, 0) ||
		     bpf_map_update_elem(ctx.maps.reply_index, &changed.key,
					 &junk, 0) ||
		     bpf_map_delete_elem(ctx.maps.reply_index, &lost.key)))
		err = -errno;
	if (!err)
		err = scmlb_reply_index_sync(&ctx);
	ok(!err && index_exact(&ctx), "sync repairs an older any-port key, "
	   "a wrong value and a missing entry");
	if (!err)
		err = scmlb_reply_index_sync(&ctx);
	ok(!err && index_exact(&ctx), "sync again changes nothing");
	scmlb_maps_close(&ctx);
}

int main(void)
{
	printf("1..8\n");
	test_build();
	test_build_ipv6();
	if (geteuid()) {
		/* no BPF maps without root: say so, do not pass */
		ok(false, "sync: needs root to create BPF maps");
		ok(false, "sync repair: needs root");
		ok(false, "sync idempotent: needs root");
	} else {
		test_sync();
	}
	return failed ? 1 : 0;
}
