// SPDX-License-Identifier: GPL-2.0
/* scmlb-decap - on a backend of an ipip service: XDP that takes IPIP and ip6ip6 apart */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <net/if_arp.h>

#include <xdp/libxdp.h>

#include "args.h"
#include "decap.h"
#include "log.h"
#include "maps.h"
#include "netlink.h"

/* scmlb-decap attach -i IFACE [-m MODE] */
struct attach_opts {
	const char *iface;
	__u8 mode;		/* 0: not given */
};

/* scmlb-decap detach -i IFACE */
struct detach_opts {
	const char *iface;
};

#define IFACE_OPT(type)							\
	{ "interface", 'i', "IFACE", "interface", scmlb_parse_ifname,	\
	  offsetof(type, iface), true,					\
	  "the backend's interface that IPIP and ip6ip6 packets arrive on" }

static const struct scmlb_opt attach_table[] = {
	IFACE_OPT(struct attach_opts),
	{ "mode", 'm', "native|skb", "mode", scmlb_parse_mode,
	  offsetof(struct attach_opts, mode), false,
	  "XDP mode: native (default; skb on a veth) or skb" },
	{ 0 },
};

static const struct scmlb_opt detach_table[] = {
	IFACE_OPT(struct detach_opts),
	{ 0 },
};

static const char *mode_name(__u8 mode)
{
	return mode == SCMLB_MODE_SKB ? "skb" : "native";
}

/* @name's interface, which must carry Ethernet: the header stays. */
static int find_link(const char *name, struct scmlb_link *link)
{
	struct scmlb_nl *nl;
	int err;

	err = scmlb_nl_open(&nl);
	if (!err)
		err = scmlb_nl_link_by_name(nl, name, link);
	scmlb_nl_close(nl);
	if (err) {
		pr_err("cannot use interface '%s': %s", name,
		       err == -ENODEV ? "no such interface" : strerror(-err));
		return err;
	}
	if (link->type != ARPHRD_ETHER) {
		pr_err("cannot use interface '%s': not an Ethernet interface",
		       name);
		return -EINVAL;
	}
	return 0;
}

static int do_attach(struct scmlb_ctx *ctx, const void *opts)
{
	const struct attach_opts *o = opts;
	__u8 mode = o->mode ? o->mode : SCMLB_MODE_NATIVE, used = mode;
	const char *skb_why = NULL;
	struct scmlb_link link;
	char why[256];
	int err;

	(void)ctx;
	if (find_link(o->iface, &link))
		return SCMLB_EXIT_FAIL;
	err = scmlb_decap_attach(link.ifindex, mode, &used, &skb_why);
	if (err == -EEXIST) {
		pr_err("already attached to '%s': run scmlb-decap detach first",
		       link.name);
		return SCMLB_EXIT_FAIL;
	}
	if (err == -EBUSY) {
		scmlb_decap_explain_busy(link.ifindex, why, sizeof(why));
		pr_err("cannot attach to '%s': %s", link.name, why);
		return SCMLB_EXIT_FAIL;
	}
	if (err) {
		libxdp_strerror(err, why, sizeof(why));
		pr_err("cannot attach to '%s' in %s mode: %s", link.name,
		       mode_name(used), why);
		return SCMLB_EXIT_FAIL;
	}
	printf("attached to '%s' (%s mode)\n", link.name, mode_name(used));
	if (skb_why)
		printf("note: XDP runs in skb mode on '%s': %s\n", link.name,
		       skb_why);
	return SCMLB_EXIT_OK;
}

static int do_detach(struct scmlb_ctx *ctx, const void *opts)
{
	const struct detach_opts *o = opts;
	struct scmlb_link link;
	int err;

	(void)ctx;
	if (find_link(o->iface, &link))
		return SCMLB_EXIT_FAIL;
	err = scmlb_decap_detach(link.ifindex);
	if (err == -ENOENT) {
		printf("nothing attached to '%s'\n", link.name);
		return SCMLB_EXIT_OK;
	}
	if (err) {
		pr_err("cannot detach from '%s': %s", link.name, strerror(-err));
		return SCMLB_EXIT_FAIL;
	}
	printf("detached from '%s'\n", link.name);
	return SCMLB_EXIT_OK;
}

static const struct scmlb_cmd decap_cmds[] = {
	{ "attach", "take IPIP and ip6ip6 packets for this host apart on an interface",
	  attach_table, sizeof(struct attach_opts),
	  SCMLB_CMD_NO_MAPS | SCMLB_CMD_NO_PIN_DIR, NULL, do_attach },
	{ "detach", "remove scmlb-decap's program from an interface",
	  detach_table, sizeof(struct detach_opts),
	  SCMLB_CMD_NO_MAPS | SCMLB_CMD_NO_PIN_DIR, NULL, do_detach },
	{ 0 },
};

static const struct scmlb_tool decap_tool = {
	"scmlb-decap", "decapsulate IPIP and ip6ip6 on a backend of an ipip service",
	decap_cmds,
	"An IPIP or ip6ip6 packet whose inner destination this host keeps (a\n"
	"VIP on lo) reaches the kernel as its inner packet; every other packet\n"
	"goes on untouched. Other XDP programs stay. Counters: bpftool map dump\n"
	"name decap_stats.\n",
};

int main(int argc, char **argv)
{
	return scmlb_run(&decap_tool, argc, argv);
}
