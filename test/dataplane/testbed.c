// SPDX-License-Identifier: GPL-2.0
/* testbed.c - namespaces, the data plane unpinned, set up as the tools do */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "backends.h"
#include "clock.h"
#include "conntrack.h"
#include "frames.h"
#include "maps.h"
#include "netlink.h"
#include "progs.h"
#include "scheduler.h"
#include "scmlb.skel.h"
#include "services.h"
#include "testbed.h"

/**
 * tb_pin_cpu() - keep the process on the first CPU it may use
 *
 * One CPU: the LRU conntrack keeps per-CPU free lists, and a test that
 * wandered over CPUs could see its small table evict flows.
 *
 * Return: 0 or -errno.
 */
int tb_pin_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
		;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/**
 * tb_run_cmd() - run a shell command, saying so on TAP when it fails
 * @fmt: printf format of the command
 *
 * Return: 0, or -EIO when it failed.
 */
int tb_run_cmd(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (!system(cmd))
		return 0;
	printf("# '%s' failed\n", cmd);
	return -EIO;
}

/* IPv6 would chatter (router solicitations) on the peers we listen on. */
static void ipv6_off(void)
{
	static const char *const knobs[] = {
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		f = fopen(knobs[i], "w");
		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
}

/**
 * tb_bpffs_setup() - enter a new mount namespace with a fresh bpffs
 *
 * Pins made on /sys/fs/bpf then vanish with the process, and no real
 * instance's are touched.
 *
 * Return: 0 or -errno.
 */
int tb_bpffs_setup(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

/**
 * tb_net_setup() - enter a new network namespace with a veth per name
 * @names:   our ends; each peer is the name with "-p" appended
 * @n:       how many
 * @ifindex: set to the ifindex of each of our ends
 *
 * Return: 0 or -errno.
 */
int tb_net_setup(const char *const *names, int n, __u32 *ifindex)
{
	int i, err = 0;

	/* the veths and the devmap entries vanish with the process */
	if (unshare(CLONE_NEWNET))
		return -errno;
	ipv6_off();
	err = tb_run_cmd("ip link set lo up");
	for (i = 0; i < n && !err; i++) {
		err = tb_run_cmd("ip link add %s type veth peer name %s-p",
				 names[i], names[i]);
		if (!err)
			err = tb_run_cmd("ip link set %s up", names[i]);
		if (!err)
			err = tb_run_cmd("ip link set %s-p up", names[i]);
		ifindex[i] = if_nametoindex(names[i]);
		if (!err && !ifindex[i])
			err = -ENODEV;
	}
	return err;
}

/**
 * tb_bpf_setup() - load the data plane with no pin path, as a run sees it
 * @skel:    set to the loaded skeleton; the caller destroys it
 * @ctx:     gets the fds of every map, as scmlb_maps_open() would set them
 * @ct_size: flows the conntrack table holds
 * @ifindex: interfaces a frame may be redirected to
 * @n:       how many
 *
 * Return: 0 or -errno.
 */
int tb_bpf_setup(struct scmlb_bpf **skel, struct scmlb_ctx *ctx,
		 __u32 ct_size, const __u32 *ifindex, int n)
{
	struct bpf_program *pmain, *pentry;
	struct scmlb_bpf *s;
	struct bpf_map *map;
	int err, i;

	s = scmlb_bpf__open();
	*skel = s;
	if (!s)
		return -errno;
	pmain = s->progs.scmlb_main;
	pentry = s->progs.scmlb_entry;
	/* no pin path: the instance must not touch, or be, a real one */
	bpf_object__for_each_map(map, s->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
	}
	/* as lib/progs.c: conntrack's sizes, one expected_attach_type */
	err = scmlb_progs_ct_size(s, ct_size);
	if (!err)
		err = bpf_program__set_expected_attach_type(pmain, 0);
	if (!err)
		err = bpf_program__set_expected_attach_type(s->progs.scmlb_main6,
							    0);
	if (!err)
		err = bpf_program__set_expected_attach_type(s->progs.scmlb_icmp6,
							    0);
	if (!err)
		err = bpf_program__set_expected_attach_type(s->progs.scmlb_syn_proxy,
							    0);
	if (!err)
		err = bpf_program__set_expected_attach_type(s->progs.scmlb_syn_proxy6,
							    0);
	if (!err)
		err = bpf_program__set_expected_attach_type(pentry, 0);
	if (!err)
		err = scmlb_bpf__load(s);
	/* IPv6 frames and handshakes go on from scmlb_main, as attached */
	if (!err)
		err = scmlb_progs_fill(s);
	if (err)
		return err;

	scmlb_progs_maps(s, &ctx->maps);
	/* every interface a frame is redirected to, as scmlb_iface_add() */
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(ctx->maps.tx_ports, &ifindex[i],
					&ifindex[i], BPF_ANY))
			return -errno;
	return 0;
}

/**
 * tb_start() - a data-plane test's start: root, one CPU, veths, the data
 *		plane loaded
 * @s:      what to set up, and where it goes
 * @status: set to the exit status so far: 0 when the cases are to run
 *
 * Prints TAP's plan of a skipped test when not root, a "Bail out!" line
 * when a step fails.
 *
 * Return: whether to run the cases.
 */
bool tb_start(const struct tb_setup *s, int *status)
{
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	*status = 0;
	if (geteuid()) {
		printf("1..0 # SKIP needs root (BPF, a network namespace)\n");
		return false;
	}
	*status = 1;
	err = tb_pin_cpu();
	if (!err)
		err = tb_net_setup(s->names, s->n, s->ifindex);
	if (err) {
		printf("Bail out! network namespace: %s\n", strerror(-err));
		return false;
	}
	err = tb_bpf_setup(s->skel, s->ctx, s->ct_size, s->ifindex, s->n);
	if (!err && s->setup)
		err = s->setup();
	if (err) {
		printf("Bail out! loading the data plane: %s\n",
		       strerror(-err));
		return false;
	}
	*status = 0;
	return true;
}

/**
 * tb_run() - a data-plane test's whole run: tb_start(), a TAP line a
 *	      case, the data plane unloaded
 * @s:     what to set up, and where it goes
 * @cases: a table of @n entries of @size bytes, each opening with its
 *	   description (a const char *); run in order, numbered from 1
 * @n:     how many
 * @size:  the size of one
 * @run:   runs one
 *
 * Return: the test's exit status.
 */
int tb_run(const struct tb_setup *s, const void *cases, size_t n,
	   size_t size, enum tap_result (*run)(const void *c))
{
	const char *c = cases;
	enum tap_result res;
	int failed;
	size_t i;

	if (!tb_start(s, &failed))
		return failed;
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++, c += size) {
		notes_reset();
		res = run(c);
		failed += tap_case(i + 1, *(const char *const *)c, res, NULL);
	}
	scmlb_bpf__destroy(*s->skel);
	return failed ? 1 : 0;
}

static enum tap_result tb_case_run(const void *c)
{
	return ((const struct tb_case *)c)->run() ? RES_OK : RES_FAIL;
}

/**
 * tb_main() - tb_run() of a table of struct tb_case
 * @s:     what to set up, and where it goes
 * @cases: the cases
 * @n:     how many
 *
 * Return: the test's exit status.
 */
int tb_main(const struct tb_setup *s, const struct tb_case *cases, size_t n)
{
	return tb_run(s, cases, n, sizeof(*cases), tb_case_run);
}

/**
 * tb_backend_macs() - the MACs of backends 1..@n-1 and of our interfaces
 *		       toward them: 02:00:00:00:b0:NN and 02:00:00:00:f0:NN
 * @mac:    the backends'; [0] left as it is
 * @if_mac: ours
 * @n:      entries in each
 */
void tb_backend_macs(__u8 (*mac)[ETH_ALEN], __u8 (*if_mac)[ETH_ALEN], int n)
{
	int i;

	for (i = 1; i < n; i++) {
		memset(mac[i], 0, ETH_ALEN);
		memset(if_mac[i], 0, ETH_ALEN);
		mac[i][0] = if_mac[i][0] = 0x02;
		mac[i][4] = 0xb0;
		if_mac[i][4] = 0xf0;
		mac[i][5] = if_mac[i][5] = i;
	}
}

/* A service added with scmlb_service_add(), as scmlb-svc set does. */
static int tb_service_add(struct scmlb_ctx *ctx, __u32 vip, __u8 proto,
			  __u16 port, __u8 scheduler, __u32 *id)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET,
		.proto = proto,
		.port = htons(port),
		.vip = { htonl(vip) },
		.scheduler = scheduler,
	};
	int err = scmlb_service_add(ctx, &svc);

	*id = svc.id;
	return err;
}

/**
 * tb_wipe() - no flow, backend or service left, as before scmlb-attach
 * @ctx: the instance
 *
 * What lib/ refuses to add twice goes, so that tb_instance() can start
 * over; firewall rules and DoS policies stay.
 *
 * Return: 0 or -errno.
 */
int tb_wipe(struct scmlb_ctx *ctx)
{
	struct scmlb_service *svcs = NULL, no_svc = { 0 };
	struct scmlb_backend *bes = NULL, no_be = { 0 };
	struct scmlb_flow_key fkey;
	struct scmlb_svc_key skey;
	struct scmlb_vip_key vkey;
	__u32 slot, zero = 0;
	size_t n = 0, i;
	int err;

	err = tb_map_clear(ctx->maps.ct, &fkey);
	if (!err)
		err = tb_map_clear(ctx->maps.ct_replies, &fkey);
	if (!err)
		err = tb_ct_clear(ctx->maps.ct_opening);
	if (!err)
		err = tb_ct_clear(ctx->maps.ct_opening_rep);
	if (!err)
		err = scmlb_backends_list(ctx, &bes, &n);
	for (i = 0; !err && i < n; i++) {
		slot = bes[i].id % SCMLB_MAX_BACKENDS;
		if (bpf_map_update_elem(ctx->maps.backends, &slot, &no_be,
					BPF_ANY))
			err = -errno;
	}
	free(bes);
	if (!err)
		err = scmlb_services_list(ctx, &svcs, &n);
	for (i = 0; !err && i < n; i++) {
		slot = svcs[i].id % SCMLB_MAX_SERVICES;
		if (bpf_map_delete_elem(ctx->maps.tables, &slot) &&
		    errno != ENOENT)
			err = -errno;
		else if (bpf_map_update_elem(ctx->maps.rr, &slot, &zero,
					     BPF_ANY) ||
			 bpf_map_update_elem(ctx->maps.services, &slot, &no_svc,
					     BPF_ANY))
			err = -errno;
	}
	free(svcs);
	if (!err)
		err = tb_map_clear(ctx->maps.svc_ids, &skey);
	return err ? err : tb_map_clear(ctx->maps.vips, &vkey);
}

/**
 * tb_instance() - write lb_config as scmlb-attach -v does: the VIP's
 *		   service 1 on the upstream, no backend, rule or policy
 * @ctx:      the instance; its cfg becomes what was written
 * @vip:      host order
 * @ifindex:  the upstream interface
 * @mac:      its MAC
 * @ct_size:  conntrack entries
 * @clock_fd: the clock program, to take hz and the clock reference from;
 *	      -1: none
 *
 * Return: 0 or -errno.
 */
int tb_instance(struct scmlb_ctx *ctx, __u32 vip, __u32 ifindex,
		const __u8 *mac, __u32 ct_size, int clock_fd)
{
	struct scmlb_config cfg = {
		.layout_version = SCMLB_LAYOUT_VERSION,
		.upstream_ifindex = ifindex,
		.mode = SCMLB_MODE_NATIVE,
		.conntrack_size = ct_size,
	};
	__u32 id;
	int err = 0;

	memcpy(cfg.upstream_mac, mac, ETH_ALEN);
	if (clock_fd >= 0) {
		err = scmlb_clock_calibrate(clock_fd, &cfg);
		if (!err && !cfg.hz)
			err = -EIO;
	}
	if (!err)
		err = scmlb_config_write(ctx, &cfg);
	if (!err)
		ctx->cfg = cfg;
	/* attach -v: service 1 takes every port of the VIP, round robin */
	if (!err)
		err = tb_service_add(ctx, vip, 0, 0, SCMLB_SCHED_RR, &id);
	if (!err)
		err = scmlb_config_refresh(ctx);
	if (!err) {
		ctx->cfg.attach_service = id;
		err = scmlb_config_commit(ctx);
	}
	return err;
}

/**
 * tb_one_arm_set() - backends behind the upstream, or not
 * @ctx: the instance, as tb_instance() left it
 * @on:  scmlb-attach's one-arm flag (SCMLB_CFG_UPSTREAM_BACKENDS) set
 *
 * Return: 0 or -errno.
 */
int tb_one_arm_set(struct scmlb_ctx *ctx, bool on)
{
	if (on)
		ctx->cfg.flags |= SCMLB_CFG_UPSTREAM_BACKENDS;
	else
		ctx->cfg.flags &= ~SCMLB_CFG_UPSTREAM_BACKENDS;
	return scmlb_config_write(ctx, &ctx->cfg);
}

/**
 * tb_services_add() - add services, as scmlb-svc set does
 * @ctx:   the instance, as tb_instance() left it
 * @specs: the services; the first is the one tb_instance() made
 * @n:     how many
 * @ids:   set to the id of each
 *
 * Return: 0 or -errno.
 */
int tb_services_add(struct scmlb_ctx *ctx, const struct tb_svc_spec *specs,
		    int n, __u32 *ids)
{
	int i, err = 0;

	ids[0] = ctx->cfg.attach_service;
	for (i = 1; i < n && !err; i++)
		err = tb_service_add(ctx, specs[i].vip, specs[i].proto,
				     specs[i].port, specs[i].sched, &ids[i]);
	return err;
}

/**
 * tb_backend_add() - add an available backend with scmlb_backend_add(), as
 *		      scmlb-lb add does
 * @ctx:     the instance
 * @n:       its name is "be@n"
 * @addr:    its address, host order
 * @ifindex: our interface toward it
 * @mac:     its MAC
 * @if_mac:  the MAC of @ifindex
 * @id:      set to the id it got; may be NULL
 *
 * Return: 0 or -errno.
 */
int tb_backend_add(struct scmlb_ctx *ctx, int n, __u32 addr, __u32 ifindex,
		   const __u8 *mac, const __u8 *if_mac, __u32 *id)
{
	return tb_backend_add_to(ctx, 1, 1, 0, n, addr, ifindex, mac, if_mac,
				 id);
}

/* Add @be, available, with its MACs and name "be@n", as scmlb-lb add does. */
static int backend_store(struct scmlb_ctx *ctx, struct scmlb_backend *be,
			 int n, const __u8 *mac, const __u8 *if_mac, __u32 *id)
{
	int err;

	be->status = SCMLB_BACKEND_AVAILABLE;
	memcpy(be->mac, mac, ETH_ALEN);
	memcpy(be->if_mac, if_mac, ETH_ALEN);
	snprintf(be->name, sizeof(be->name), "be%d", n);
	err = scmlb_backend_add(ctx, be);
	if (id)
		*id = be->id;
	return err;
}

/**
 * tb_backend_add_to() - tb_backend_add() into a given service
 * @ctx:     the instance
 * @svc:     the service's id
 * @weight:  1..65535
 * @port:    its port, host order; 0: the client's
 * @n:       its name is "be@n"
 * @addr:    its address, host order
 * @ifindex: our interface toward it
 * @mac:     its MAC
 * @if_mac:  the MAC of @ifindex
 * @id:      set to the id it got; may be NULL
 *
 * Return: 0 or -errno.
 */
int tb_backend_add_to(struct scmlb_ctx *ctx, __u32 svc, __u16 weight,
		      __u16 port, int n, __u32 addr, __u32 ifindex,
		      const __u8 *mac, const __u8 *if_mac, __u32 *id)
{
	struct scmlb_backend be = {
		.service_id = svc,
		.addr = { htonl(addr) },
		.port = htons(port),
		.weight = weight,
		.family = SCMLB_AF_INET,
		.ifindex = ifindex,
	};

	return backend_store(ctx, &be, n, mac, if_mac, id);
}

/**
 * tb_service6_add() - add an IPv6 service, as scmlb-svc set does
 * @ctx:     the instance
 * @vip:     its VIP, text
 * @proto:   IPPROTO_TCP or IPPROTO_UDP; 0: any
 * @port:    host order; 0: every port
 * @sched:   enum scmlb_scheduler
 * @forward: enum scmlb_forward
 * @id:      set to the id it got
 *
 * Return: 0 or -errno.
 */
int tb_service6_add(struct scmlb_ctx *ctx, const char *vip, __u8 proto,
		    __u16 port, __u8 sched, __u8 forward, __u32 *id)
{
	struct scmlb_service svc = {
		.family = SCMLB_AF_INET6,
		.proto = proto,
		.port = htons(port),
		.scheduler = sched,
		.forward = forward,
	};
	int err;

	ip6_pton(vip, (__u8 *)svc.vip);
	err = scmlb_service_add(ctx, &svc);
	*id = svc.id;
	return err;
}

/**
 * tb_backend6_add() - tb_backend_add_to() of an IPv6 backend, weight 1
 * @ctx:     the instance
 * @svc:     the service's id
 * @port:    its port, host order; 0: the client's
 * @n:       its name is "be@n"
 * @addr:    its address, text
 * @ifindex: our interface toward it
 * @mac:     its MAC
 * @if_mac:  the MAC of @ifindex
 * @id:      set to the id it got; may be NULL
 *
 * Return: 0 or -errno.
 */
int tb_backend6_add(struct scmlb_ctx *ctx, __u32 svc, __u16 port, int n,
		    const char *addr, __u32 ifindex, const __u8 *mac,
		    const __u8 *if_mac, __u32 *id)
{
	struct scmlb_backend be = {
		.service_id = svc,
		.port = htons(port),
		.weight = 1,
		.family = SCMLB_AF_INET6,
		.ifindex = ifindex,
	};

	ip6_pton(addr, (__u8 *)be.addr);
	return backend_store(ctx, &be, n, mac, if_mac, id);
}

/**
 * tb_sched_backend() - an IPv4 backend as the table builders take it
 * @sb:     filled
 * @id:     its id
 * @addr:   host order
 * @port:   the port its table places it by, host order
 * @weight: 1..65535
 */
void tb_sched_backend(struct scmlb_sched_backend *sb, __u32 id, __u32 addr,
		      __u16 port, __u16 weight)
{
	__be32 a = htonl(addr);

	memset(sb, 0, sizeof(*sb));
	sb->id = id;
	sb->family = SCMLB_AF_INET;
	memcpy(sb->addr, &a, sizeof(a));
	sb->port = htons(port);
	sb->weight = weight;
}

/**
 * tb_fw_rule_parse() - the rule scmlb-fw set makes of its options, with the
 *			same parsers
 * @network:  -n, or NULL: 0.0.0.0/0
 * @proto:    -t, or NULL: any
 * @src_port: -s, or NULL: any
 * @dst_port: -d, or NULL: any
 * @rule:     set to the rule, id 0
 * @why:      set when an option is rejected
 *
 * Return: 0, or -EINVAL with @why set.
 */
int tb_fw_rule_parse(const char *network, const char *proto,
		     const char *src_port, const char *dst_port,
		     struct scmlb_fw_rule *rule, const char **why)
{
	struct scmlb_port_range src = { 0 }, dst = { 0 };
	struct scmlb_cidr net = { 0 };
	__u8 l4 = 0;
	int err = 0;

	if (network)
		err = scmlb_parse_cidr(network, &net, why);
	if (!err && proto)
		err = scmlb_parse_l4_proto(proto, &l4, why);
	if (!err && src_port)
		err = scmlb_parse_port_range(src_port, &src, why);
	if (!err && dst_port)
		err = scmlb_parse_port_range(dst_port, &dst, why);
	if (err)
		return err;
	*rule = (struct scmlb_fw_rule){
		.addr = net.addr[0],
		.prefixlen = net.prefixlen,
		.proto = l4,
		.src_from = src.from,
		.src_to = src.to,
		.dst_from = dst.from,
		.dst_to = dst.to,
	};
	return 0;
}

/**
 * tb_map_clear() - delete every entry of a hash or LPM map
 * @fd:  the map
 * @key: room for one of its keys
 *
 * Return: 0 or -errno.
 */
int tb_map_clear(int fd, void *key)
{
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	return 0;
}

/* Whether @fd is a half-open map: direct-mapped slots, reached by key in lib. */
static bool ct_is_opening(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       info.type == BPF_MAP_TYPE_ARRAY;
}

/**
 * tb_ct_lookup() - a conntrack entry by its key, in any conntrack map
 * @fd:  ct_flows, ct_replies, ct_opening or ct_opening_rep
 * @key: the entry's key
 * @f:   set to the entry
 *
 * Return: as bpf_map_lookup_elem() (0, or -errno with errno set).
 */
int tb_ct_lookup(int fd, const struct scmlb_flow_key *key,
		 struct scmlb_flow *f)
{
	return ct_is_opening(fd) ? scmlb_ct_opening_get(fd, key, f) :
				   bpf_map_lookup_elem(fd, key, f);
}

/* Write a conntrack entry, as bpf_map_update_elem(..., BPF_ANY). */
int tb_ct_update(int fd, const struct scmlb_flow_key *key,
		 const struct scmlb_flow *f)
{
	return ct_is_opening(fd) ? scmlb_ct_opening_put(fd, key, f) :
				   bpf_map_update_elem(fd, key, f, BPF_ANY);
}

/* Delete a conntrack entry, as bpf_map_delete_elem(). */
int tb_ct_delete(int fd, const struct scmlb_flow_key *key)
{
	return ct_is_opening(fd) ? scmlb_ct_opening_clear(fd, key) :
				   bpf_map_delete_elem(fd, key);
}

/* scmlb_ct_opening_walk()'s: empty the slot of every entry it meets. */
static int opening_clear_one(const struct scmlb_flow_key *key,
			     const struct scmlb_flow *f, void *arg)
{
	int err = scmlb_ct_opening_clear(*(int *)arg, key);

	(void)f;
	return err == -ENOENT ? 0 : err;	/* the slot changed meanwhile */
}

/**
 * tb_ct_clear() - empty a conntrack map, whatever its kind
 * @fd: ct_flows, ct_replies, ct_opening or ct_opening_rep
 *
 * Return: 0 or -errno.
 */
int tb_ct_clear(int fd)
{
	struct scmlb_flow_key key;

	if (ct_is_opening(fd))
		return scmlb_ct_opening_walk(fd, opening_clear_one, &fd);
	return tb_map_clear(fd, &key);
}

/**
 * tb_flow_key() - a conntrack key
 * @saddr: the source address, host order (a client's entry: the client)
 * @daddr: the destination, host order (a client's entry: the VIP)
 * @sport: the source port
 * @dport: the destination port
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: the key, in network order, its padding zero.
 */
struct scmlb_flow_key tb_flow_key(__u32 saddr, __u32 daddr, __u16 sport,
				  __u16 dport, __u8 proto)
{
	return (struct scmlb_flow_key){
		.src_addr = htonl(saddr),
		.dst_addr = htonl(daddr),
		.src_port = htons(sport),
		.dst_port = htons(dport),
		.proto = proto,
		.family = SCMLB_AF_INET,
	};
}

/**
 * tb_frame_key() - the conntrack key of a client's frame
 * @f: the frame
 *
 * Return: the key of the flow @f belongs to.
 */
struct scmlb_flow_key tb_frame_key(const struct frame *f)
{
	return tb_flow_key(f->saddr, f->daddr, f->sport, f->dport, f->proto);
}

/* @key's entry in @established, else (TCP) in @half_open. */
static int ct_get(int established, int half_open,
		  const struct scmlb_flow_key *key, struct scmlb_flow *f)
{
	if (!bpf_map_lookup_elem(established, key, f))
		return 0;
	return key->proto == IPPROTO_TCP ?
	       tb_ct_lookup(half_open, key, f) : -1;
}

/**
 * tb_ct_client_get() - a client's entry where the data plane finds it
 * @ctx: the instance
 * @key: the flow as the client sends it
 * @f:   set to the entry: ct_flows', else (TCP) ct_opening's
 *
 * Return: 0, or -1 when neither holds it (as bpf_map_lookup_elem()).
 */
int tb_ct_client_get(const struct scmlb_ctx *ctx,
		     const struct scmlb_flow_key *key, struct scmlb_flow *f)
{
	return ct_get(ctx->maps.ct, ctx->maps.ct_opening, key, f);
}

/* A reply entry where the data plane finds it, as tb_ct_client_get(). */
int tb_ct_reply_get(const struct scmlb_ctx *ctx,
		    const struct scmlb_flow_key *rkey, struct scmlb_flow *r)
{
	return ct_get(ctx->maps.ct_replies, ctx->maps.ct_opening_rep, rkey, r);
}

/* flow_read_in()'s search: the reply entry leading back to a client's key. */
struct reply_search {
	const struct scmlb_flow_key *key;
	struct tb_flow *out;
};

static int reply_match(const struct scmlb_flow_key *k,
		       const struct scmlb_flow *f, void *arg)
{
	struct reply_search *rs = arg;
	struct scmlb_flow_key back = *k;

	/* the client's key the reply entry leads back to */
	back.src_addr = k->dst_addr;
	back.dst_addr = f->nat_addr[0];
	back.src_port = k->dst_port;
	back.dst_port = f->nat_port;
	if (memcmp(&back, rs->key, sizeof(back)))
		return 0;
	rs->out->has_reply = true;
	rs->out->rkey = *k;
	rs->out->reply = *f;
	return 1;	/* found: the walk stops */
}

/* tb_flow_read() in one pair of maps: a client's and a replies'. */
static int flow_read_in(int client_fd, int reply_fd,
			const struct scmlb_flow_key *key, struct tb_flow *out)
{
	struct scmlb_ct_entry e = { .key = *key };
	struct reply_search rs = { key, out };
	int err;

	if (!tb_ct_lookup(client_fd, key, &e.flow)) {
		out->has_client = true;
		out->client = e.flow;
		out->rkey = scmlb_ct_reply_key(&e);
		out->has_reply = !tb_ct_lookup(reply_fd, &out->rkey,
					       &out->reply);
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
	err = ct_is_opening(reply_fd) ?
	      scmlb_ct_opening_walk(reply_fd, reply_match, &rs) :
	      scmlb_ct_walk(reply_fd, reply_match, &rs);
	return err < 0 ? err : 0;
}

/**
 * tb_flow_read() - the conntrack entries of a client's flow
 * @ctx: the instance
 * @key: the flow as the client sends it
 * @out: its entries; the reply entry is the one the client's entry names,
 *	 or without a client's entry any that leads back to @key; those of
 *	 ct_flows and ct_replies, else the half-open ones (out->opening)
 *
 * Return: 0 or -errno.
 */
int tb_flow_read(const struct scmlb_ctx *ctx, const struct scmlb_flow_key *key,
		 struct tb_flow *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = flow_read_in(ctx->maps.ct, ctx->maps.ct_replies, key, out);
	if (err || out->has_client || out->has_reply)
		return err;
	out->opening = true;
	err = flow_read_in(ctx->maps.ct_opening, ctx->maps.ct_opening_rep, key,
			   out);
	out->opening = out->has_client || out->has_reply;
	return err;
}

/* One entry of a flow against what it must hold; notes what differs. */
static bool flow_entry_ok(const char *which, const struct scmlb_flow *f,
			  __u8 flags, const scmlb_addr_t nat_addr,
			  __be16 nat_port, const struct tb_flow_want *w)
{
	bool ok = true;

	/* the direction flags of TCP states are the state tests' concern */
	if ((f->flags & (SCMLB_FLOW_REPLY | SCMLB_FLOW_DIRECT |
			 SCMLB_FLOW_HANDOFF | SCMLB_FLOW_HALF_OPEN)) != flags) {
		note("conntrack %s: flags 0x%x, expected 0x%x", which,
		     f->flags, flags);
		ok = false;
	}
	if (f->backend_id != w->backend_id ||
	    f->service_id != w->service_id) {
		note("conntrack %s: backend id %u of service %u, expected %u "
		     "of %u", which, f->backend_id, f->service_id,
		     w->backend_id, w->service_id);
		ok = false;
	}
	if (memcmp(f->nat_addr, nat_addr, sizeof(f->nat_addr)) ||
	    f->nat_port != nat_port) {
		note("conntrack %s: NAT to %08x %08x %08x %08x port %u, "
		     "expected %08x port %u", which, ntohl(f->nat_addr[0]),
		     ntohl(f->nat_addr[1]), ntohl(f->nat_addr[2]),
		     ntohl(f->nat_addr[3]), ntohs(f->nat_port),
		     ntohl(nat_addr[0]), ntohs(nat_port));
		ok = false;
	}
	if (memcmp(f->client_mac, w->client_mac, ETH_ALEN)) {
		note("conntrack %s: client MAC ..:%02x, expected ..:%02x",
		     which, f->client_mac[5], w->client_mac[5]);
		ok = false;
	}
	return ok;
}

/**
 * tb_flow_check() - whether a flow's conntrack entries are as expected
 * @ctx:  the instance
 * @key:  the flow as the client sends it
 * @want: what its entries hold; NULL: it has none, either way
 *
 * The client's entry is keyed @key and leads to the backend, the reply
 * entry is keyed backend -> client and leads back to the VIP; both in
 * the half-open maps when the flow is opening (or @want says so), in
 * ct_flows and ct_replies otherwise, and never in the others. Notes what
 * differs.
 *
 * Return: whether all is as expected.
 */
bool tb_flow_check(const struct scmlb_ctx *ctx,
		   const struct scmlb_flow_key *key,
		   const struct tb_flow_want *want)
{
	struct scmlb_flow_key rkey;
	scmlb_addr_t be_addr = { 0 }, vip_addr = { 0 };
	struct scmlb_flow c, r, other;
	bool has_c, has_r, half, ok;
	struct tb_flow f;
	__u8 path;
	int err;

	if (!want) {
		err = tb_flow_read(ctx, key, &f);
		if (err)
			note("reading conntrack: %s", strerror(-err));
		if (f.has_client)
			note("conntrack: expected no entry, got the client's, "
			     "%s to id %u", scmlb_ct_state_name(f.client.state),
			     f.client.backend_id);
		if (f.has_reply)
			note("conntrack: expected no entry, got a reply entry "
			     "from id %u", f.reply.backend_id);
		return !err && !f.has_client && !f.has_reply;
	}
	half = want->half_open || want->state == SCMLB_CT_OPENING;
	rkey = tb_flow_key(want->be_addr, ntohl(key->src_addr),
			   want->be_port, ntohs(key->src_port), key->proto);
	has_c = !tb_ct_lookup(half ? ctx->maps.ct_opening : ctx->maps.ct,
			      key, &c);
	has_r = !tb_ct_lookup(half ? ctx->maps.ct_opening_rep :
				     ctx->maps.ct_replies, &rkey, &r);
	if (!has_c)
		note("conntrack: no client's entry for the flow in %s",
		     half ? "ct_opening" : "ct_flows");
	if (!has_r)
		note("conntrack: no reply entry from the backend in %s",
		     half ? "ct_opening_rep" : "ct_replies");
	/* a flow is half-open or established, never both */
	if (!tb_ct_lookup(half ? ctx->maps.ct : ctx->maps.ct_opening,
			  key, &other)) {
		note("conntrack: the flow is in %s too (%s)",
		     half ? "ct_flows" : "ct_opening",
		     scmlb_ct_state_name(other.state));
		return false;
	}
	if (!has_c || !has_r)
		return false;
	ok = c.state == want->state;
	if (!ok)
		note("conntrack state: expected %s, got %s",
		     scmlb_ct_state_name(want->state),
		     scmlb_ct_state_name(c.state));
	path = want->path ? want->path : SCMLB_FLOW_DIRECT;
	if (half)
		path |= SCMLB_FLOW_HALF_OPEN;
	be_addr[0] = htonl(want->be_addr);
	ok &= flow_entry_ok("client's entry", &c, path, be_addr,
			    htons(want->be_port), want);
	vip_addr[0] = key->dst_addr;
	ok &= flow_entry_ok("reply entry", &r, SCMLB_FLOW_REPLY | path,
			    vip_addr, key->dst_port, want);
	if (c.packets + r.packets != want->packets) {
		note("conntrack packets: expected %llu both ways, got %llu "
		     "(client's entry) + %llu (reply entry)",
		     (unsigned long long)want->packets,
		     (unsigned long long)c.packets,
		     (unsigned long long)r.packets);
		ok = false;
	}
	return ok;
}

/**
 * tb_flow_forget() - delete both conntrack entries of a flow
 * @ctx: the instance
 * @key: the flow as the client sends it
 *
 * Return: 0 or -errno.
 */
int tb_flow_forget(const struct scmlb_ctx *ctx,
		   const struct scmlb_flow_key *key)
{
	struct tb_flow f;
	int err = tb_flow_read(ctx, key, &f);

	if (!err && f.has_client &&
	    tb_ct_delete(f.opening ? ctx->maps.ct_opening : ctx->maps.ct, key))
		err = -errno;
	if (!err && f.has_reply &&
	    tb_ct_delete(f.opening ? ctx->maps.ct_opening_rep :
				     ctx->maps.ct_replies, &f.rkey))
		err = -errno;
	return err;
}

/* Add map @fd's entry @proto, over @ncpu CPUs (@v holds them), to @sum. */
static int stats_add(int fd, __u32 proto, struct scmlb_stats *v, int ncpu,
		     struct scmlb_stats *sum)
{
	size_t i;
	int cpu;

	if (bpf_map_lookup_elem(fd, &proto, v))
		return -errno;
	for (cpu = 0; cpu < ncpu; cpu++)
		for (i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			((__u64 *)sum)[i] += ((__u64 *)&v[cpu])[i];
	return 0;
}

/*
 * Sum protocols @first up to @last of the maps @fds (-1: left out), over
 * the CPUs, into @sum.
 */
static int stats_sum(const int fds[2], __u32 first, __u32 last,
		     struct scmlb_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0, fam;
	struct scmlb_stats *v;
	__u32 proto;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	for (fam = 0; fam < 2 && !err; fam++)
		for (proto = first; fds[fam] >= 0 && proto < last && !err;
		     proto++)
			err = stats_add(fds[fam], proto, v, ncpu, sum);
	free(v);
	return err;
}

/**
 * tb_stats_read_proto() - one protocol's packet counters, summed over the CPUs
 * @ctx:   holds the fds of stat_pkts and stat6_pkts: both families summed
 * @proto: enum scmlb_stat_proto
 * @sum:   the totals
 *
 * Return: 0 or -errno.
 */
int tb_stats_read_proto(const struct scmlb_ctx *ctx, __u32 proto,
			struct scmlb_stats *sum)
{
	/* both families', as scmlb-stat shows them */
	const int fds[2] = { ctx->maps.stats, ctx->maps.stats6 };

	return stats_sum(fds, proto, proto + 1, sum);
}

/**
 * tb_stats6_read() - IPv6's packet counters alone, every protocol and CPU
 *		      summed
 * @ctx: holds the fd of stat6_pkts
 * @sum: the totals
 *
 * Return: 0 or -errno.
 */
int tb_stats6_read(const struct scmlb_ctx *ctx, struct scmlb_stats *sum)
{
	const int fds[2] = { -1, ctx->maps.stats6 };

	return stats_sum(fds, 0, SCMLB_STAT_PROTOS, sum);
}

/**
 * tb_stats_read() - the packet counters of every protocol, summed over the CPUs
 * @ctx: holds the fd of stat_pkts
 * @sum: the totals
 *
 * Return: 0 or -errno.
 */
int tb_stats_read(const struct scmlb_ctx *ctx, struct scmlb_stats *sum)
{
	struct scmlb_stats one;
	__u32 proto;
	size_t i;
	int err = 0;

	memset(sum, 0, sizeof(*sum));
	for (proto = 0; !err && proto < SCMLB_STAT_PROTOS; proto++) {
		err = tb_stats_read_proto(ctx, proto, &one);
		for (i = 0; !err && i < sizeof(*sum) / sizeof(__u64); i++)
			((__u64 *)sum)[i] += ((__u64 *)&one)[i];
	}
	return err;
}

static const struct {
	const char *name;
	size_t off;
} stat_fields[TB_STATS_N] = {
#define STAT_FIELD(i, f) [i] = { #f, offsetof(struct scmlb_stats, f) }
	STAT_FIELD(TB_RX_ICMP, rx_icmp),
	STAT_FIELD(TB_RX_TCP, rx_tcp),
	STAT_FIELD(TB_RX_UDP, rx_udp),
	STAT_FIELD(TB_RX_OTHER, rx_other),
	STAT_FIELD(TB_PASSED, passed),
	STAT_FIELD(TB_FW_DROPPED, fw_dropped),
	STAT_FIELD(TB_DOS_DROPPED, dos_dropped),
	STAT_FIELD(TB_FORWARDED, forwarded),
	STAT_FIELD(TB_RETURNED, returned),
	STAT_FIELD(TB_NODEST_DROPPED, nodest_dropped),
	STAT_FIELD(TB_TX_ERRORS, tx_errors),
	STAT_FIELD(TB_FRAGS_UNMATCHED, frags_unmatched),
	STAT_FIELD(TB_SYN_BUDGET_DROPPED, syn_budget_dropped),
	STAT_FIELD(TB_RETURNED_STATELESS, returned_stateless),
	STAT_FIELD(TB_STATELESS_UNROUTED, stateless_unrouted),
	STAT_FIELD(TB_TOO_BIG, too_big),
#undef STAT_FIELD
};

/**
 * tb_stat_name() - a counter's name
 * @i: the counter
 *
 * Return: its field's name in struct scmlb_stats.
 */
const char *tb_stat_name(enum tb_stat i)
{
	return stat_fields[i].name;
}

/**
 * tb_stat_get() - a counter's value
 * @s: the counters
 * @i: which one
 *
 * Return: its value in @s.
 */
__u64 tb_stat_get(const struct scmlb_stats *s, enum tb_stat i)
{
	return *(const __u64 *)((const char *)s + stat_fields[i].off);
}

/**
 * tb_stat_of() - one counter, both families, every protocol and CPU summed
 * @ctx: the instance
 * @i:   the counter
 *
 * Return: its value; ~0 when the counters cannot be read (no delta a case
 * expects comes out of that).
 */
__u64 tb_stat_of(const struct scmlb_ctx *ctx, enum tb_stat i)
{
	struct scmlb_stats s;

	return tb_stats_read(ctx, &s) ? ~0ULL : tb_stat_get(&s, i);
}

/**
 * tb_stats_rx() - count frames in the rx counter of their protocol
 * @s: the counters
 * @f: the frame, whole
 * @n: how many of it
 */
void tb_stats_rx(struct scmlb_stats *s, const struct frame *f, __u64 n)
{
	if (f->eth_proto || (f->ip_version && f->ip_version != 4))
		s->rx_other += n;
	else if (f->proto == IPPROTO_TCP)
		s->rx_tcp += n;
	else if (f->proto == IPPROTO_UDP)
		s->rx_udp += n;
	else if (f->proto == IPPROTO_ICMP)
		s->rx_icmp += n;
	else
		s->rx_other += n;
}

/**
 * tb_frag_unmatched() - whether a frame is a later fragment to @vip, which
 *			 the data plane counts when it passes it (no first
 *			 fragment of its datagram was balanced)
 * @f:   the frame
 * @vip: the instance's VIP
 *
 * Return: 1 or 0.
 */
int tb_frag_unmatched(const struct frame *f, __u32 vip)
{
	return !f->eth_proto && (!f->ip_version || f->ip_version == 4) &&
	       (f->frag_off & 0x1fff) && f->daddr == vip;
}

/**
 * tb_stats_delta_ok() - whether each counter grew by what was expected
 * @before: the counters before
 * @after:  and after
 * @want:   how much each must have grown
 *
 * Notes each counter that grew otherwise.
 *
 * Return: whether all grew as @want says.
 */
bool tb_stats_delta_ok(const struct scmlb_stats *before,
		       const struct scmlb_stats *after,
		       const struct scmlb_stats *want)
{
	bool ok = true;
	__u64 d;
	int i;

	for (i = 0; i < TB_STATS_N; i++) {
		d = tb_stat_get(after, i) - tb_stat_get(before, i);
		if (d == tb_stat_get(want, i))
			continue;
		note("counter %s grew by %llu, expected %llu", tb_stat_name(i),
		     (unsigned long long)d,
		     (unsigned long long)tb_stat_get(want, i));
		ok = false;
	}
	return ok;
}

/* ---- live frames: redirected for real, caught on the veths' peers ---- */

/**
 * tb_peer_open() - a packet socket on the peer of one of our veth ends
 * @name: our end; its peer is "@name-p"
 *
 * A veth takes redirected frames only when its peer runs NAPI, which GRO
 * turns on: this turns it on.
 *
 * Return: the socket, or -errno.
 */
int tb_peer_open(const char *name)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
	};
	char peer[IF_NAMESIZE];
	int fd, err;

	if (tb_run_cmd("ethtool -K %s-p gro on >/dev/null", name))
		return -EIO;
	snprintf(peer, sizeof(peer), "%s-p", name);
	sll.sll_ifindex = if_nametoindex(peer);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Forget what the peers' sockets @fds (@n of them) have caught so far. */
void tb_peers_drain(const int *fds, int n)
{
	__u8 buf[2 * FRAME_MAX];
	int i;

	for (i = 0; i < n; i++)
		while (recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
}

/*
 * An IPv6 frame of ours: TCP, UDP or a fragment, not the neighbour
 * discovery or MLD the kernel sends on a veth of its own accord.
 */
static bool peer_ip6_data(const __u8 *buf, ssize_t len)
{
	__u8 nh = len >= ETH_HLEN + 40 ? buf[ETH_HLEN + 6] : 0;

	return get16(buf + 12) == ETH_P_IPV6 &&
	       (nh == IPPROTO_TCP || nh == IPPROTO_UDP ||
		nh == IPPROTO_FRAGMENT);
}

/**
 * tb_peer_capture() - the first IPv4 frame, or IPv6 data frame, one of the
 *		       peers receives
 * @fds:   the peers' sockets
 * @n:     how many
 * @ms:    how long to wait for it
 * @which: set to the index of the peer that got it
 * @buf:   the frame, 2 * FRAME_MAX bytes
 * @len:   its length
 *
 * Nothing else speaks IPv4 in the test's namespace, and the kernel's own
 * IPv6 is neighbour discovery and MLD; the rest is ignored.
 *
 * Return: 0, -ETIMEDOUT, or another -errno.
 */
int tb_peer_capture(const int *fds, int n, int ms, int *which, __u8 *buf,
		    __u32 *len)
{
	struct pollfd pfd[8];
	int i, ready;
	ssize_t got;

	if (n > 8)
		return -EINVAL;
	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	for (; ms > 0; ms -= 50) {
		ready = poll(pfd, n, 50);
		if (ready < 0 && errno != EINTR)
			return -errno;
		for (i = 0; ready > 0 && i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			got = recv(fds[i], buf, 2 * FRAME_MAX, MSG_DONTWAIT);
			if (got >= ETH_HLEN && (get16(buf + 12) == ETH_P_IP ||
						peer_ip6_data(buf, got))) {
				*which = i;
				*len = got;
				return 0;
			}
		}
	}
	return -ETIMEDOUT;
}

/*
 * Run @frame through the XDP program @fd with BPF_F_TEST_XDP_LIVE_FRAMES:
 * a redirect really happens, and the frame comes out of a veth's peer.
 */
int tb_prog_run_live(int fd, __u32 ifindex, const __u8 *frame, __u32 len)
{
	struct xdp_md md = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frame,
		    .data_size_in = len,
		    .ctx_in = &md,
		    .ctx_size_in = sizeof(md),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .repeat = 1);

	return bpf_prog_test_run_opts(fd, &opts);
}

/**
 * tb_if_mac() - an interface's MAC, as the kernel has it (in this
 *		 namespace: /sys shows another one's)
 * @ifindex: the interface
 * @mac:     set to its MAC
 *
 * Return: 0 or -errno.
 */
int tb_if_mac(__u32 ifindex, __u8 *mac)
{
	struct scmlb_link link;
	struct scmlb_nl *nl;
	int err = scmlb_nl_open(&nl);

	if (err)
		return err;
	err = scmlb_nl_link_by_index(nl, ifindex, &link);
	if (!err)
		memcpy(mac, link.mac, ETH_ALEN);
	scmlb_nl_close(nl);
	return err;
}
