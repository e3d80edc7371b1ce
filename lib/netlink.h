/* SPDX-License-Identifier: GPL-2.0 */
/* netlink.h - links, routes and neighbours through rtnetlink (libmnl) */
#ifndef SCMLB_NETLINK_H
#define SCMLB_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

struct scmlb_nl;

/* One network interface as rtnetlink reports it. */
struct scmlb_link {
	int ifindex;
	char name[IF_NAMESIZE];
	unsigned char mac[6];	/* all zero when the link has no address */
	unsigned short type;	/* ARPHRD_* */
	bool up;		/* IFF_UP */
};

/*
 * Where the kernel would send a packet for an address; addresses of the
 * destination's family, IPv4 in word 0.
 */
struct scmlb_route {
	int oif;		/* output interface */
	bool has_gateway;	/* false when the destination is on-link */
	__be32 gateway[4];	/* IPv6: often link-local, on oif */
	__be32 prefsrc[4];	/* 0 when the kernel gave none */
};

/* A route without a next hop, as scmlb adds its own (one per VIP). */
struct scmlb_kroute {
	__u32 table;
	__u32 priority;		/* the metric */
	__u8 family;		/* AF_INET or AF_INET6 */
	__be32 dst[4];		/* IPv4 in word 0 */
	__u8 dst_len;
	__u8 protocol;		/* RTPROT_* */
	__u8 type;		/* RTN_*: RTN_BLACKHOLE */
};

int scmlb_nl_open(struct scmlb_nl **out);
void scmlb_nl_close(struct scmlb_nl *nl);
const char *scmlb_nl_ext_ack(const struct scmlb_nl *nl);

int scmlb_nl_link_by_name(struct scmlb_nl *nl, const char *name,
			  struct scmlb_link *out);
int scmlb_nl_link_by_index(struct scmlb_nl *nl, int ifindex,
			   struct scmlb_link *out);
int scmlb_nl_route_get(struct scmlb_nl *nl, int family, const __be32 *dst,
		       struct scmlb_route *out);
int scmlb_nl_route_add(struct scmlb_nl *nl, const struct scmlb_kroute *r);
int scmlb_nl_route_del(struct scmlb_nl *nl, const struct scmlb_kroute *r);
int scmlb_nl_route_list(struct scmlb_nl *nl, __u32 table, __u8 protocol,
			struct scmlb_kroute **out, size_t *n);
int scmlb_nl_neigh_resolve(struct scmlb_nl *nl, int ifindex, int family,
			   const __be32 *addr, unsigned int timeout_ms,
			   unsigned char mac[6]);

#endif /* SCMLB_NETLINK_H */
