// SPDX-License-Identifier: GPL-2.0
// netlink.c - links, routes and neighbours through rtnetlink (libmnl)

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "netlink.h"

/*
 * Non-dump replies are a single message, but RTM_NEWLINK for a device with
 * many VFs or long alt-name lists can outgrow MNL_SOCKET_BUFFER_SIZE, and a
 * truncated datagram is lost. 32 KiB is what later libmnl calls
 * MNL_SOCKET_DUMP_SIZE.
 */
#define SCMLB_NL_BUF_SIZE	32768
#define SCMLB_NL_EXT_ACK_SIZE	256

/* How often a pending neighbour entry is looked at again. */
#define SCMLB_NL_NEIGH_POLL_MS	10

struct scmlb_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char ext_ack[SCMLB_NL_EXT_ACK_SIZE];
	char buf[SCMLB_NL_BUF_SIZE];
};

/* One request in flight: who parses its replies and what went wrong. */
struct nl_call {
	struct scmlb_nl *nl;
	mnl_cb_t parse;
	void *arg;
	int error;		/* first -errno from the kernel or a parser */
};

/* Attribute table filled by nl_attr_cb(). */
struct nl_attrs {
	const struct nlattr **tb;
	unsigned int max;
	/* expected type per attribute, MNL_TYPE_UNSPEC to accept anything */
	const enum mnl_attr_data_type *policy;
};

static int nl_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nl_attrs *attrs = data;
	unsigned int type = mnl_attr_get_type(attr);

	/* Attributes newer than our table are of no use to us, not errors. */
	if (mnl_attr_type_valid(attr, attrs->max) < 0)
		return MNL_CB_OK;

	if (attrs->policy && attrs->policy[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(attr, attrs->policy[type]) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}

	attrs->tb[type] = attr;
	return MNL_CB_OK;
}

static int nl_parse(const struct nlmsghdr *nlh, size_t hdr_len,
		    const struct nlattr **tb, unsigned int max,
		    const enum mnl_attr_data_type *policy)
{
	struct nl_attrs attrs = { .tb = tb, .max = max, .policy = policy };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < hdr_len)
		return -EPROTO;
	if (mnl_attr_parse(nlh, hdr_len, nl_attr_cb, &attrs) != MNL_CB_OK)
		return -EPROTO;
	return 0;
}

static void nl_save_ext_ack(struct scmlb_nl *nl, const struct nlmsghdr *nlh,
			    const struct nlmsgerr *err)
{
	static const enum mnl_attr_data_type policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = MNL_TYPE_NUL_STRING,
	};
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t hdr_len = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;

	/* Unless capped, the whole request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		hdr_len += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}

	if (nl_parse(nlh, MNL_ALIGN(hdr_len), tb, NLMSGERR_ATTR_MAX,
		     policy) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return;

	strncpy(nl->ext_ack, mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]),
		sizeof(nl->ext_ack) - 1);
	nl->ext_ack[sizeof(nl->ext_ack) - 1] = '\0';
}

static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *call = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		if (!call->error)
			call->error = -EPROTO;
		return MNL_CB_STOP;
	}

	/* The ack (error 0) always comes last, so it ends the request. */
	if (err->error == 0)
		return MNL_CB_STOP;

	nl_save_ext_ack(call->nl, nlh, err);
	call->error = err->error < 0 ? err->error : -err->error;
	return MNL_CB_STOP;
}

/* The end of a dump, which carries the dump's own error, if any. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *call = data;
	const int *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err) && *err < 0 &&
	    !call->error)
		call->error = *err;
	return MNL_CB_STOP;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *call = data;
	int err;

	/*
	 * A parse failure is recorded rather than returned so that the
	 * trailing ack is still read; otherwise it would be taken for the
	 * answer to the next request and fail its sequence check.
	 */
	if (!call->parse || call->error)
		return MNL_CB_OK;
	err = call->parse(nlh, call->arg);
	if (err < 0)
		call->error = err;
	return MNL_CB_OK;
}

/*
 * Send @nlh and feed each reply message to @parse until the kernel's ack.
 * @parse returns 0 or -errno. Every request carries NLM_F_ACK: a non-dump
 * GET is otherwise answered by a single message with nothing marking the
 * end, and we could not tell "done" from "more to come".
 */
static int nl_request(struct scmlb_nl *nl, struct nlmsghdr *nlh,
		      mnl_cb_t parse, void *arg)
{
	/* Not const: mnl_cb_run2() takes a non-const array. */
	static mnl_cb_t ctl_cb[NLMSG_DONE + 1] = {
		[NLMSG_ERROR] = nl_error_cb,
		[NLMSG_DONE] = nl_done_cb,
	};
	struct nl_call call = { .nl = nl, .parse = parse, .arg = arg };
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t len;
	int ret;

	nl->ext_ack[0] = '\0';

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	do {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ret = mnl_cb_run2(nl->buf, len, seq, nl->portid, nl_data_cb,
				  &call, ctl_cb, MNL_ARRAY_SIZE(ctl_cb));
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
	} while (ret > MNL_CB_STOP);

	return call.error;
}

static struct nlmsghdr *nl_put_header(struct scmlb_nl *nl, uint16_t type,
				      uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/**
 * scmlb_nl_open() - open the rtnetlink socket used for all queries
 * @out: receives the new handle
 *
 * Return: 0 or -errno.
 */
int scmlb_nl_open(struct scmlb_nl **out)
{
	struct scmlb_nl *nl;
	int one = 1;
	int err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;

	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock) {
		err = -errno;
		goto out;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}

	/*
	 * Extended acks give the user the kernel's reason for a refusal;
	 * capped acks stop it from echoing our whole request back at us.
	 * Kernels without either simply answer as before, so neither is fatal.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	*out = nl;
	return 0;
out:
	scmlb_nl_close(nl);
	return err;
}

/**
 * scmlb_nl_close() - close the socket and free the handle
 * @nl: handle from scmlb_nl_open(), or NULL
 */
void scmlb_nl_close(struct scmlb_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

/**
 * scmlb_nl_ext_ack() - the kernel's explanation for the last failure
 * @nl: handle
 *
 * Return: the extended-ack message of the last failed request, or "" if
 * the kernel gave none. Valid until the next request on @nl.
 */
const char *scmlb_nl_ext_ack(const struct scmlb_nl *nl)
{
	return nl ? nl->ext_ack : "";
}

static int link_parse(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
		[IFLA_ADDRESS] = MNL_TYPE_BINARY,
	};
	const struct nlattr *tb[IFLA_MAX + 1];
	struct scmlb_link *link = data;
	const struct ifinfomsg *ifm;
	int err;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	err = nl_parse(nlh, sizeof(*ifm), tb, IFLA_MAX, policy);
	if (err < 0)
		return err;

	ifm = mnl_nlmsg_get_payload(nlh);
	memset(link, 0, sizeof(*link));
	link->ifindex = ifm->ifi_index;
	link->type = ifm->ifi_type;
	link->up = ifm->ifi_flags & IFF_UP;
	if (tb[IFLA_IFNAME])
		strncpy(link->name, mnl_attr_get_str(tb[IFLA_IFNAME]),
			sizeof(link->name) - 1);
	if (tb[IFLA_ADDRESS] &&
	    mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == sizeof(link->mac))
		memcpy(link->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]),
		       sizeof(link->mac));
	return 0;
}

static int link_get(struct scmlb_nl *nl, int ifindex, const char *name,
		    struct scmlb_link *out)
{
	struct scmlb_link link = { 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int err;

	nlh = nl_put_header(nl, RTM_GETLINK, 0);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* Statistics are the bulk of a link dump and nothing here needs them. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	err = nl_request(nl, nlh, link_parse, &link);
	if (err < 0)
		goto out;
	if (!link.ifindex) {
		err = -EPROTO;
		goto out;
	}
	*out = link;
out:
	return err;
}

/**
 * scmlb_nl_link_by_name() - look up a network interface by name
 * @nl: handle
 * @name: interface name
 * @out: filled on success
 *
 * Return: 0, -ENODEV if there is no such link, -EINVAL for a name that
 * cannot be an interface name, or another -errno.
 */
int scmlb_nl_link_by_name(struct scmlb_nl *nl, const char *name,
			  struct scmlb_link *out)
{
	size_t len = name ? strnlen(name, IF_NAMESIZE) : 0;

	if (!len || len >= IF_NAMESIZE)
		return -EINVAL;
	return link_get(nl, 0, name, out);
}

/**
 * scmlb_nl_link_by_index() - look up a network interface by index
 * @nl: handle
 * @ifindex: interface index
 * @out: filled on success
 *
 * Return: 0, -ENODEV if there is no such link, -EINVAL for an index below
 * 1, or another -errno.
 */
int scmlb_nl_link_by_index(struct scmlb_nl *nl, int ifindex,
			   struct scmlb_link *out)
{
	if (ifindex <= 0)
		return -EINVAL;
	return link_get(nl, ifindex, NULL, out);
}

struct route_reply {
	bool found;
	bool via;		/* RTA_VIA: a gateway of the other family */
	unsigned char family;	/* AF_INET or AF_INET6, as asked */
	unsigned char type;	/* RTN_* */
	struct scmlb_route route;
};

/* Bytes of an address of @family: 4 or 16. */
static size_t addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* An address attribute of @family into @out (4 words, IPv4 in word 0). */
static bool attr_addr(const struct nlattr *attr, int family, __be32 *out)
{
	if (!attr || mnl_attr_get_payload_len(attr) != addr_len(family))
		return false;
	memcpy(out, mnl_attr_get_payload(attr), addr_len(family));
	return true;
}

static int route_parse(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[RTA_MAX + 1] = {
		[RTA_OIF] = MNL_TYPE_U32,
		[RTA_GATEWAY] = MNL_TYPE_BINARY,
		[RTA_PREFSRC] = MNL_TYPE_BINARY,
	};
	const struct nlattr *tb[RTA_MAX + 1];
	struct route_reply *reply = data;
	const struct rtmsg *rtm;
	int err;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	err = nl_parse(nlh, sizeof(*rtm), tb, RTA_MAX, policy);
	if (err < 0)
		return err;

	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != reply->family)
		return -EPROTO;

	reply->found = true;
	reply->type = rtm->rtm_type;
	reply->via = tb[RTA_VIA];
	if (tb[RTA_OIF])
		reply->route.oif = mnl_attr_get_u32(tb[RTA_OIF]);
	reply->route.has_gateway = attr_addr(tb[RTA_GATEWAY], reply->family,
					     reply->route.gateway);
	attr_addr(tb[RTA_PREFSRC], reply->family, reply->route.prefsrc);
	return 0;
}

/**
 * scmlb_nl_route_get() - ask the kernel how it would reach an address
 * @nl:     handle
 * @family: AF_INET or AF_INET6
 * @dst:    the destination, network byte order (IPv4 in word 0)
 * @out:    filled on success
 *
 * Same lookup as ``ip route get``: the answer is the route actually used
 * for a packet to @dst, after policy routing.
 *
 * Return: 0 for a unicast route; -EADDRNOTAVAIL when @dst is a local
 * address; -EAFNOSUPPORT for a route through a gateway of the other
 * family (RTA_VIA); -EHOSTUNREACH for any other route type (broadcast, multicast,
 * ...); the kernel's error when it has no usable route (typically
 * -ENETUNREACH, -EHOSTUNREACH for an unreachable route, -EACCES for a
 * prohibit route, -EINVAL for a blackhole route); or another -errno.
 */
int scmlb_nl_route_get(struct scmlb_nl *nl, int family, const __be32 *dst,
		       struct scmlb_route *out)
{
	struct route_reply reply = { .family = family };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int err;

	nlh = nl_put_header(nl, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = addr_len(family) * 8;
	mnl_attr_put(nlh, RTA_DST, addr_len(family), dst);

	err = nl_request(nl, nlh, route_parse, &reply);
	if (err < 0)
		goto out;
	if (!reply.found) {
		err = -EPROTO;
		goto out;
	}

	switch (reply.type) {
	case RTN_UNICAST:
		if (reply.via) {
			err = -EAFNOSUPPORT;
			goto out;
		}
		break;
	case RTN_LOCAL:
		err = -EADDRNOTAVAIL;
		goto out;
	default:
		err = -EHOSTUNREACH;
		goto out;
	}
	*out = reply.route;
out:
	return err;
}

/* Fill the header and attributes every request about one kroute shares. */
static struct nlmsghdr *kroute_put(struct scmlb_nl *nl, uint16_t type,
				   uint16_t flags, const struct scmlb_kroute *r)
{
	struct nlmsghdr *nlh = nl_put_header(nl, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst_len;
	/* tables past 255 exist only as RTA_TABLE */
	rtm->rtm_table = r->table < 256 ? r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_type = r->type;
	/* a delete matches any scope */
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE :
						RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	mnl_attr_put(nlh, RTA_DST, addr_len(r->family), r->dst);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->priority);
	return nlh;
}

/**
 * scmlb_nl_route_add() - add a route that has no next hop (a blackhole)
 * @nl: handle
 * @r:  the route: table, destination, protocol, type and metric
 *
 * Return: 0, also when the very same route is there already, or -errno.
 */
int scmlb_nl_route_add(struct scmlb_nl *nl, const struct scmlb_kroute *r)
{
	struct nlmsghdr *nlh;
	int err;

	nlh = kroute_put(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
	err = nl_request(nl, nlh, NULL, NULL);
	return err == -EEXIST ? 0 : err;
}

/**
 * scmlb_nl_route_del() - delete the route that matches @r exactly
 * @nl: handle
 * @r:  table, destination, protocol, type and metric of the route
 *
 * A route of another protocol or metric for the same destination is
 * left alone.
 *
 * Return: 0, also when there is no such route, or -errno.
 */
int scmlb_nl_route_del(struct scmlb_nl *nl, const struct scmlb_kroute *r)
{
	struct nlmsghdr *nlh;
	int err;

	nlh = kroute_put(nl, RTM_DELROUTE, 0, r);
	err = nl_request(nl, nlh, NULL, NULL);
	return err == -ESRCH ? 0 : err;
}

/* What a dump of routes collects: those of one family, table and protocol. */
struct kroute_list {
	unsigned char family;
	__u32 table;
	__u8 protocol;
	struct scmlb_kroute *routes;
	size_t n;
	size_t cap;
};

static int kroute_parse(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[RTA_MAX + 1] = {
		[RTA_TABLE] = MNL_TYPE_U32,
		[RTA_DST] = MNL_TYPE_BINARY,
		[RTA_PRIORITY] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[RTA_MAX + 1];
	struct kroute_list *list = data;
	struct scmlb_kroute r = { 0 };
	const struct rtmsg *rtm;
	void *grown;
	int err;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	err = nl_parse(nlh, sizeof(*rtm), tb, RTA_MAX, policy);
	if (err < 0)
		return err;
	rtm = mnl_nlmsg_get_payload(nlh);
	r.table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) :
				  rtm->rtm_table;
	/* kernels without strict checking send every route */
	if (rtm->rtm_family != list->family ||
	    rtm->rtm_protocol != list->protocol || r.table != list->table)
		return 0;
	r.family = rtm->rtm_family;
	r.dst_len = rtm->rtm_dst_len;
	r.protocol = rtm->rtm_protocol;
	r.type = rtm->rtm_type;
	attr_addr(tb[RTA_DST], r.family, r.dst);
	if (tb[RTA_PRIORITY])
		r.priority = mnl_attr_get_u32(tb[RTA_PRIORITY]);

	if (list->n == list->cap) {
		list->cap = list->cap ? 2 * list->cap : 16;
		grown = reallocarray(list->routes, list->cap, sizeof(r));
		if (!grown)
			return -ENOMEM;
		list->routes = grown;
	}
	list->routes[list->n++] = r;
	return 0;
}

/* One family's dump into @list; -ENOENT when the table does not exist. */
static int kroute_dump(struct scmlb_nl *nl, struct kroute_list *list)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = nl_put_header(nl, RTM_GETROUTE, NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = list->family;
	rtm->rtm_protocol = list->protocol;
	rtm->rtm_table = list->table < 256 ? list->table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, RTA_TABLE, list->table);
	return nl_request(nl, nlh, kroute_parse, list);
}

/**
 * scmlb_nl_route_list() - the IPv4 and IPv6 routes of one table and protocol
 * @nl:       handle
 * @table:    routing table
 * @protocol: RTPROT_* the routes were added with
 * @out:      receives an array to free(), NULL when empty: IPv4's, then
 *            IPv6's
 * @n:        receives its length
 *
 * The kernel filters the dump where it can (strict checking, 4.20 and
 * later), so a large main table costs nothing here.
 *
 * Return: 0 (an empty list when the table does not exist) or -errno.
 */
int scmlb_nl_route_list(struct scmlb_nl *nl, __u32 table, __u8 protocol,
			struct scmlb_kroute **out, size_t *n)
{
	static const unsigned char families[] = { AF_INET, AF_INET6 };
	struct kroute_list list = { .table = table, .protocol = protocol };
	int one = 1, zero = 0;
	bool strict;
	size_t f;
	int err = 0;

	strict = !mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &one,
					sizeof(one));
	for (f = 0; !err && f < sizeof(families); f++) {
		list.family = families[f];
		err = kroute_dump(nl, &list);
		/* a table is made by its first route (of each family) */
		if (err == -ENOENT) {
			nl->ext_ack[0] = '\0';
			err = 0;
		}
	}
	if (strict)
		mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &zero,
				      sizeof(zero));
	if (err) {
		free(list.routes);
		return err;
	}
	*out = list.routes;
	*n = list.n;
	return 0;
}

struct neigh_reply {
	bool found;
	uint16_t state;		/* NUD_* */
	bool has_mac;
	unsigned char mac[6];
};

static int neigh_parse(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type policy[NDA_MAX + 1] = {
		[NDA_DST] = MNL_TYPE_BINARY,
		[NDA_LLADDR] = MNL_TYPE_BINARY,
	};
	const struct nlattr *tb[NDA_MAX + 1];
	struct neigh_reply *reply = data;
	const struct ndmsg *ndm;
	int err;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	err = nl_parse(nlh, sizeof(*ndm), tb, NDA_MAX, policy);
	if (err < 0)
		return err;

	ndm = mnl_nlmsg_get_payload(nlh);
	memset(reply, 0, sizeof(*reply));
	reply->found = true;
	reply->state = ndm->ndm_state;
	if (tb[NDA_LLADDR] &&
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) == sizeof(reply->mac)) {
		memcpy(reply->mac, mnl_attr_get_payload(tb[NDA_LLADDR]),
		       sizeof(reply->mac));
		reply->has_mac = true;
	}
	return 0;
}

/* Read one neighbour entry; a missing one is !found rather than -ENOENT. */
static int neigh_get(struct scmlb_nl *nl, int ifindex, int family,
		     const __be32 *addr, struct neigh_reply *reply)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int err;

	memset(reply, 0, sizeof(*reply));
	nlh = nl_put_header(nl, RTM_GETNEIGH, 0);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = family;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, addr_len(family), addr);

	err = nl_request(nl, nlh, neigh_parse, reply);
	if (err == -ENOENT) {
		nl->ext_ack[0] = '\0';
		err = 0;
	}
	return err;
}

/*
 * Make the kernel start ARP for @addr as if a packet were waiting for it.
 * NTF_USE makes neigh_add() call neigh_event_send(), which moves the entry
 * to INCOMPLETE and sends the first probe. With NTF_USE the kernel ignores
 * ndm_state apart from stripping NUD_PERMANENT from the existing entry, so
 * the entry stays a normal, garbage-collected one whatever we pass; NUD_NONE
 * says we assert nothing. NLM_F_CREATE is needed because the entry usually
 * does not exist yet (-ENOENT otherwise); NLM_F_REPLACE would make no
 * difference. Without NTF_USE no probe is sent: an INCOMPLETE entry created
 * that way just sits there.
 */
static int neigh_trigger(struct scmlb_nl *nl, int ifindex, int family,
			 const __be32 *addr)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	nlh = nl_put_header(nl, RTM_NEWNEIGH, NLM_F_CREATE);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, addr_len(family), addr);

	return nl_request(nl, nlh, NULL, NULL);
}

static bool neigh_usable(const struct neigh_reply *reply)
{
	/* The kernel's NUD_VALID, which the uapi headers do not export. */
	const uint16_t valid = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE |
			       NUD_PROBE | NUD_STALE | NUD_DELAY;

	return reply->found && (reply->state & valid) && reply->has_mac;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/**
 * scmlb_nl_neigh_resolve() - find the MAC address of an on-link neighbour
 * @nl: handle
 * @ifindex: interface the neighbour is on
 * @family: AF_INET or AF_INET6
 * @addr: neighbour's address, network byte order (IPv4 in word 0)
 * @timeout_ms: how long to wait for ARP or neighbour discovery to complete
 * @mac: receives the neighbour's MAC address
 *
 * Uses the kernel's entry when it already holds a usable one; otherwise
 * asks the kernel to resolve @addr (no packet is sent from user space) and
 * waits for the outcome. Leaves no static entry behind.
 *
 * Return: 0, -EHOSTUNREACH when resolution fails or does not finish within
 * @timeout_ms, or another -errno (e.g. -ENODEV for a bad @ifindex).
 */
int scmlb_nl_neigh_resolve(struct scmlb_nl *nl, int ifindex, int family,
			   const __be32 *addr, unsigned int timeout_ms,
			   unsigned char mac[6])
{
	int64_t deadline = now_ms() + timeout_ms;
	struct neigh_reply reply;
	int64_t left;
	int err;

	if (ifindex <= 0)
		return -EINVAL;

	err = neigh_get(nl, ifindex, family, addr, &reply);
	if (err < 0)
		goto out;
	if (neigh_usable(&reply))
		goto found;
	/*
	 * A static entry without a MAC will never gain one, and NTF_USE
	 * would strip NUD_PERMANENT from configuration that is not ours.
	 */
	if (reply.found && (reply.state & (NUD_PERMANENT | NUD_NOARP))) {
		err = -EHOSTUNREACH;
		goto out;
	}

	err = neigh_trigger(nl, ifindex, family, addr);
	if (err < 0)
		goto out;

	/* Look at once: on a fast link the reply is in before the ack. */
	for (;;) {
		err = neigh_get(nl, ifindex, family, addr, &reply);
		if (err < 0)
			goto out;
		if (neigh_usable(&reply))
			goto found;
		/*
		 * The trigger left the entry INCOMPLETE, so FAILED (or the
		 * entry vanishing) is the kernel giving up, not a stale state.
		 */
		if (!reply.found || (reply.state & NUD_FAILED)) {
			err = -EHOSTUNREACH;
			goto out;
		}

		left = deadline - now_ms();
		if (left <= 0) {
			err = -EHOSTUNREACH;
			goto out;
		}
		sleep_ms(left < SCMLB_NL_NEIGH_POLL_MS ?
			 left : SCMLB_NL_NEIGH_POLL_MS);
	}

found:
	memcpy(mac, reply.mac, sizeof(reply.mac));
	err = 0;
out:
	return err;
}
