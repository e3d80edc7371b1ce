// SPDX-License-Identifier: GPL-2.0
// test_netlink.c - TAP tests for lib/netlink.c, run by test_netlink.sh

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "announce.h"
#include "netlink.h"
#include "tap.h"

#define NEIGH_TIMEOUT_MS	500
/* Scheduling and the last poll interval; generous so CI noise never trips. */
#define NEIGH_SLACK_MS		200

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static __be32 ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	return a.s_addr;
}

/* An IPv4 address as the library takes either family's: 4 words, IPv4 in word 0. */
static const __be32 *v4(__be32 a)
{
	static __be32 words[8][4];
	static int n;
	__be32 *w = words[n++ % 8];

	w[0] = a;
	w[1] = w[2] = w[3] = 0;
	return w;
}

static const __be32 *v6(const char *s)
{
	static __be32 words[8][4];
	static int n;
	__be32 *w = words[n++ % 8];

	if (inet_pton(AF_INET6, s, w) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	return w;
}

static void parse_mac(const char *s, unsigned char mac[6])
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
		fprintf(stderr, "bad MAC %s\n", s);
		exit(2);
	}
}

static const char *fmt_mac(const unsigned char mac[6])
{
	static char buf[4][18];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return p;
}

struct neigh_state {
	bool found;
	uint16_t state;
};

static int neigh_state_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct neigh_state *st = data;

	st->found = true;
	st->state = ndm->ndm_state;
	return MNL_CB_OK;
}

/*
 * Independent of the code under test: the raw state of one neighbour
 * entry, so we can tell what the library left behind.
 */
static int neigh_state(int ifindex, __be32 addr, struct neigh_state *st)
{
	char buf[8192];
	struct mnl_socket *sock;
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	unsigned int portid;
	ssize_t len;
	int ret;

	memset(st, 0, sizeof(*st));
	sock = mnl_socket_open(NETLINK_ROUTE);
	if (!sock)
		return -errno;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(sock);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put_u32(nlh, NDA_DST, addr);

	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		len = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		if (len < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, len, 1, portid, neigh_state_cb, st);
	} while (ret > MNL_CB_STOP);
	ret = ret < 0 ? (errno == ENOENT ? 0 : -errno) : 0;
out:
	mnl_socket_close(sock);
	return ret;
}

/* Test-only ARP tuning; the library itself never touches /proc. */
static int write_sysctl(const char *ifname, const char *key, const char *val)
{
	char path[256];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/neigh/%s/%s", ifname,
		 key);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f) < 0 && !err)
		err = -errno;
	return err;
}

static void test_links(struct scmlb_nl *nl, const char *ifname, int ifindex,
		       const unsigned char mac[6])
{
	struct scmlb_link link;
	int err;

	memset(&link, 0xaa, sizeof(link));
	err = scmlb_nl_link_by_name(nl, ifname, &link);
	ok(err == 0, "link_by_name(%s) succeeds (%d)", ifname, err);
	ok(link.ifindex == ifindex, "link_by_name ifindex %d == %d",
	   link.ifindex, ifindex);
	ok(!strcmp(link.name, ifname), "link_by_name name '%s'", link.name);
	ok(!memcmp(link.mac, mac, 6), "link_by_name mac %s == %s",
	   fmt_mac(link.mac), fmt_mac(mac));
	ok(link.type == 1, "link_by_name type ARPHRD_ETHER (%u)", link.type);
	ok(link.up, "link_by_name link is up");

	memset(&link, 0xaa, sizeof(link));
	err = scmlb_nl_link_by_index(nl, ifindex, &link);
	ok(err == 0, "link_by_index(%d) succeeds (%d)", ifindex, err);
	ok(!strcmp(link.name, ifname) && link.ifindex == ifindex,
	   "link_by_index name '%s' ifindex %d", link.name, link.ifindex);
	ok(!memcmp(link.mac, mac, 6) && link.up,
	   "link_by_index mac %s, up", fmt_mac(link.mac));

	memset(&link, 0xaa, sizeof(link));
	err = scmlb_nl_link_by_index(nl, 1, &link);
	ok(err == 0 && !strcmp(link.name, "lo") &&
	   !memcmp(link.mac, "\0\0\0\0\0\0", 6) && link.type == 772,
	   "link_by_index(1) is lo, zero mac, ARPHRD_LOOPBACK (%d, %s)", err,
	   link.name);

	err = scmlb_nl_link_by_name(nl, "scmlbt-down-a", &link);
	ok(err == 0 && !link.up, "link that is down has up == false (%d)",
	   err);

	err = scmlb_nl_link_by_name(nl, "scmlbt-nothere", &link);
	ok(err == -ENODEV, "missing link by name -> -ENODEV (%d, '%s')", err,
	   scmlb_nl_ext_ack(nl));
	err = scmlb_nl_link_by_index(nl, 99999, &link);
	ok(err == -ENODEV, "missing link by index -> -ENODEV (%d)", err);
	err = scmlb_nl_link_by_name(nl, "waytoolongforaninterface", &link);
	ok(err == -EINVAL, "over-long name -> -EINVAL (%d)", err);
}

static void test_routes(struct scmlb_nl *nl, int ifindex, __be32 local,
			__be32 peer, __be32 unreach)
{
	struct scmlb_route rt;
	int err;

	memset(&rt, 0xaa, sizeof(rt));
	err = scmlb_nl_route_get(nl, AF_INET, v4(peer), &rt);
	ok(err == 0, "route_get(peer) succeeds (%d)", err);
	ok(rt.oif == ifindex, "route_get oif %d == %d", rt.oif, ifindex);
	ok(!rt.has_gateway, "route_get no gateway");
	ok(rt.prefsrc[0] == local, "route_get prefsrc is the local address");

	err = scmlb_nl_route_get(nl, AF_INET, v4(unreach), &rt);
	ok(err == -ENETUNREACH || err == -EHOSTUNREACH,
	   "route_get(no route) fails with -ENETUNREACH/-EHOSTUNREACH (%d)",
	   err);

	err = scmlb_nl_route_get(nl, AF_INET, v4(local), &rt);
	ok(err == -EADDRNOTAVAIL, "route_get(local) -> -EADDRNOTAVAIL (%d)",
	   err);

	err = scmlb_nl_route_get(nl, AF_INET, v4(ip("127.0.0.1")), &rt);
	ok(err == -EADDRNOTAVAIL, "route_get(127.0.0.1) -> -EADDRNOTAVAIL (%d)",
	   err);

	err = scmlb_nl_route_get(nl, AF_INET, v4(ip("10.99.0.255")), &rt);
	ok(err == -EHOSTUNREACH, "route_get(broadcast) -> -EHOSTUNREACH (%d)",
	   err);

	/* Set up by the driver script; the kernel refuses these itself. */
	err = scmlb_nl_route_get(nl, AF_INET, v4(ip("10.98.1.1")), &rt);
	ok(err < 0, "route_get(unreachable route) fails (%d %s)", err,
	   strerror(-err));
	err = scmlb_nl_route_get(nl, AF_INET, v4(ip("10.98.2.1")), &rt);
	ok(err < 0, "route_get(blackhole route) fails (%d %s)", err,
	   strerror(-err));
	err = scmlb_nl_route_get(nl, AF_INET, v4(ip("10.98.3.1")), &rt);
	ok(err < 0, "route_get(prohibit route) fails (%d %s)", err,
	   strerror(-err));
}

static void test_neigh(struct scmlb_nl *nl, const char *ifname, int ifindex,
		       __be32 peer, const unsigned char peer_mac[6],
		       __be32 dead, __be32 dead2)
{
	struct neigh_state st;
	unsigned char mac[6];
	int64_t t0, dt;
	int err;

	err = neigh_state(ifindex, peer, &st);
	ok(err == 0 && !st.found, "peer not in neighbour table before (%d)",
	   err);

	memset(mac, 0, sizeof(mac));
	t0 = now_ms();
	err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET, v4(peer), NEIGH_TIMEOUT_MS, mac);
	dt = now_ms() - t0;
	ok(err == 0, "neigh_resolve(peer) from empty table succeeds (%d, '%s')",
	   err, scmlb_nl_ext_ack(nl));
	ok(!memcmp(mac, peer_mac, 6), "neigh_resolve mac %s == %s",
	   fmt_mac(mac), fmt_mac(peer_mac));
	diag("resolution took %lld ms", (long long)dt);

	err = neigh_state(ifindex, peer, &st);
	ok(err == 0 && st.found && st.state == NUD_REACHABLE,
	   "peer entry is REACHABLE, not PERMANENT (state 0x%x)", st.state);

	memset(mac, 0, sizeof(mac));
	t0 = now_ms();
	err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET, v4(peer), NEIGH_TIMEOUT_MS, mac);
	dt = now_ms() - t0;
	ok(err == 0 && !memcmp(mac, peer_mac, 6) && dt < 5,
	   "cached neigh_resolve answers at once (%d, %lld ms)", err,
	   (long long)dt);

	t0 = now_ms();
	err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET, v4(dead), NEIGH_TIMEOUT_MS, mac);
	dt = now_ms() - t0;
	ok(err == -EHOSTUNREACH, "neigh_resolve(dead host) -> -EHOSTUNREACH (%d)",
	   err);
	ok(dt >= NEIGH_TIMEOUT_MS - 20 && dt <= NEIGH_TIMEOUT_MS + NEIGH_SLACK_MS,
	   "neigh_resolve(dead host) gave up after %lld ms (timeout %d)",
	   (long long)dt, NEIGH_TIMEOUT_MS);

	err = neigh_state(ifindex, dead, &st);
	ok(err == 0 && !(st.found && (st.state & NUD_PERMANENT)),
	   "no PERMANENT entry left for dead host (found %d, state 0x%x)",
	   st.found, st.state);
	diag("dead host entry: found %d state 0x%x", st.found, st.state);

	memset(mac, 0, sizeof(mac));
	err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET, v4(ip("10.99.0.50")),
				     NEIGH_TIMEOUT_MS, mac);
	ok(err == 0 && !memcmp(mac, "\x02\0\0\0\0\x50", 6),
	   "static entry answers with its MAC (%d, %s)", err, fmt_mac(mac));
	err = neigh_state(ifindex, ip("10.99.0.50"), &st);
	ok(err == 0 && st.found && st.state == NUD_PERMANENT,
	   "static entry is still PERMANENT (state 0x%x)", st.state);

	/* A second attempt must restart ARP, not trust the earlier entry. */
	t0 = now_ms();
	err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET, v4(dead), 100, mac);
	dt = now_ms() - t0;
	ok(err == -EHOSTUNREACH && dt >= 80,
	   "repeated neigh_resolve(dead host) -> -EHOSTUNREACH (%d, %lld ms)",
	   err, (long long)dt);

	/*
	 * One probe 100 ms apart lets the kernel declare FAILED well before
	 * our timeout, so this exercises the NUD_FAILED path, not the clock.
	 */
	err = write_sysctl(ifname, "mcast_solicit", "1");
	if (!err)
		err = write_sysctl(ifname, "retrans_time_ms", "100");
	t0 = now_ms();
	if (!err)
		err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET, v4(dead2), 3000, mac);
	dt = now_ms() - t0;
	ok(err == -EHOSTUNREACH && dt < 1000,
	   "neigh_resolve stops when the kernel marks FAILED (%d, %lld ms)",
	   err, (long long)dt);
	err = neigh_state(ifindex, dead2, &st);
	ok(err == 0 && st.found && st.state == NUD_FAILED,
	   "failed entry is FAILED, not PERMANENT (state 0x%x)", st.state);

	err = scmlb_nl_neigh_resolve(nl, 99999, AF_INET, v4(peer), NEIGH_TIMEOUT_MS, mac);
	ok(err == -ENODEV && scmlb_nl_ext_ack(nl)[0],
	   "neigh_resolve(bad ifindex) -> -ENODEV with ext ack (%d, '%s')",
	   err, scmlb_nl_ext_ack(nl));

	err = scmlb_nl_link_by_index(nl, ifindex, &(struct scmlb_link){ 0 });
	ok(err == 0 && !scmlb_nl_ext_ack(nl)[0],
	   "ext ack is cleared by a successful request");
}

/* IPv6 routes and neighbours, set up by the driver script (issue 16). */
static void test_ipv6(struct scmlb_nl *nl, int ifindex,
		      const unsigned char peer_mac[6])
{
	struct scmlb_route rt;
	unsigned char mac[6];
	int err;

	memset(&rt, 0xaa, sizeof(rt));
	err = scmlb_nl_route_get(nl, AF_INET6, v6("2001:db8:99::2"), &rt);
	ok(err == 0 && rt.oif == ifindex && !rt.has_gateway &&
	   !memcmp(rt.prefsrc, v6("2001:db8:99::1"), 16),
	   "route_get(IPv6 peer) on-link, prefsrc the local address (%d)", err);
	memset(&rt, 0xaa, sizeof(rt));
	err = scmlb_nl_route_get(nl, AF_INET6, v6("2001:db8:98::7"), &rt);
	ok(err == 0 && rt.oif == ifindex && rt.has_gateway &&
	   !memcmp(rt.gateway, v6("fe80::b"), 16),
	   "route_get(IPv6 behind a link-local gateway) names it (%d)", err);
	err = scmlb_nl_route_get(nl, AF_INET6, v6("2001:db8:99::1"), &rt);
	ok(err == -EADDRNOTAVAIL, "route_get(local IPv6) -> -EADDRNOTAVAIL (%d)",
	   err);
	err = scmlb_nl_route_get(nl, AF_INET, v4(ip("10.96.0.9")), &rt);
	ok(err == -EAFNOSUPPORT,
	   "route_get(IPv4 via an IPv6 gateway) -> -EAFNOSUPPORT (%d)", err);
	memset(mac, 0, sizeof(mac));
	err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET6, v6("2001:db8:99::2"),
				     NEIGH_TIMEOUT_MS, mac);
	ok(err == 0 && !memcmp(mac, peer_mac, 6),
	   "neigh_resolve(IPv6 peer) by neighbour discovery (%d, %s)", err,
	   fmt_mac(mac));
	memset(mac, 0, sizeof(mac));
	err = scmlb_nl_neigh_resolve(nl, ifindex, AF_INET6, v6("fe80::b"),
				     NEIGH_TIMEOUT_MS, mac);
	ok(err == 0 && !memcmp(mac, peer_mac, 6),
	   "neigh_resolve(link-local gateway) on the route's oif (%d, %s)",
	   err, fmt_mac(mac));
}

/*
 * Independent of the code under test: `ip -o route show table TABLE` as
 * one string, each line with its trailing blanks cut, for strstr().
 */
static const char *ip_routes(unsigned int table)
{
	static char buf[4096];
	char cmd[128], line[256];
	size_t len = 0;
	FILE *f;

	buf[0] = '\0';
	snprintf(cmd, sizeof(cmd), "ip -4 -o route show table %u; "
		 "ip -6 -o route show table %u", table, table);
	f = popen(cmd, "r");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		while (n && line[n - 1] == ' ')
			n--;
		line[n] = '\0';
		len += snprintf(buf + len, sizeof(buf) - len, "%s|", line);
		if (len >= sizeof(buf))
			break;
	}
	pclose(f);
	return buf;
}

/*
 * Set up by the driver script in table 248: 10.97.0.1 of another
 * protocol with metric 5, 10.97.0.2 of protocol 248 with metric 6
 * (another instance); in main, 10.97.0.3 of protocol 248 with metric 5.
 * This instance's metric is 5.
 */
static void test_announce(struct scmlb_nl *nl)
{
	const char *others[] = {
		"blackhole 10.97.0.1 proto static metric 5|",
		"blackhole 10.97.0.2 proto 248 metric 6|",
	};
	/* in address order, IPv4 first, as announce_routes() takes them */
	struct scmlb_addr ab[] = {
		{ SCMLB_AF_INET, { ip("10.97.1.1") } },
		{ SCMLB_AF_INET, { ip("10.97.1.2") } },
		{ SCMLB_AF_INET6, { 0 } },
	};
	struct scmlb_addr bc[] = {
		{ SCMLB_AF_INET, { ip("10.97.1.2") } },
		{ SCMLB_AF_INET, { ip("10.97.1.3") } },
		{ SCMLB_AF_INET6, { 0 } },
	};
	struct scmlb_kroute r = {
		.table = 248, .priority = 5, .family = AF_INET,
		.dst = { ip("10.97.9.9") }, .dst_len = 32, .protocol = 248,
		.type = RTN_BLACKHOLE,
	};
	struct scmlb_kroute *list = NULL;
	const char *now;
	size_t n = 99;
	int err;

	memcpy(ab[2].addr, v6("2001:db8:97::1"), 16);
	memcpy(bc[2].addr, v6("2001:db8:97::2"), 16);
	err = scmlb_nl_route_list(nl, 248, 248, &list, &n);
	ok(err == 0 && n == 1 && list[0].dst[0] == ip("10.97.0.2") &&
	   list[0].priority == 6 && list[0].dst_len == 32 &&
	   list[0].type == RTN_BLACKHOLE && list[0].table == 248,
	   "route_list: only table 248's route of protocol 248 (%d, %zu)",
	   err, n);
	free(list);
	list = NULL;
	err = scmlb_nl_route_list(nl, 4000, 248, &list, &n);
	ok(err == 0 && n == 0 && !list,
	   "route_list of a table that does not exist is empty (%d, %zu)",
	   err, n);

	err = scmlb_nl_route_add(nl, &r);
	ok(err == 0 && strstr(ip_routes(248), "blackhole 10.97.9.9 proto 248 metric 5|"),
	   "route_add adds a blackhole of protocol 248 (%d)", err);
	err = scmlb_nl_route_add(nl, &r);
	ok(err == 0, "route_add of a route that is there succeeds (%d)", err);
	err = scmlb_nl_route_del(nl, &r);
	ok(err == 0 && !strstr(ip_routes(248), "10.97.9.9 "),
	   "route_del deletes it (%d)", err);
	err = scmlb_nl_route_del(nl, &r);
	ok(err == 0, "route_del of a route that is not there succeeds (%d)",
	   err);

	err = scmlb_announce_routes(nl, 248, 5, ab, 3);
	now = ip_routes(248);
	ok(err == 0 && strstr(now, "blackhole 10.97.1.1 proto 248 metric 5|") &&
	   strstr(now, "blackhole 10.97.1.2 proto 248 metric 5|") &&
	   strstr(now, "blackhole 2001:db8:97::1 dev lo proto 248 metric 5 ") &&
	   strstr(now, others[0]) && strstr(now, others[1]),
	   "announce_routes adds a route per VIP, others untouched (%d: %s)",
	   err, now);
	err = scmlb_announce_routes(nl, 248, 5, bc, 3);
	now = ip_routes(248);
	ok(err == 0 && !strstr(now, "10.97.1.1 ") &&
	   !strstr(now, "2001:db8:97::1 ") &&
	   strstr(now, "blackhole 10.97.1.2 proto 248 metric 5|") &&
	   strstr(now, "blackhole 10.97.1.3 proto 248 metric 5|") &&
	   strstr(now, "blackhole 2001:db8:97::2 dev lo proto 248 metric 5 ") &&
	   strstr(now, others[0]) && strstr(now, others[1]),
	   "announce_routes deletes a VIP's route, adds the new one (%d: %s)",
	   err, now);
	err = scmlb_announce_routes(nl, 248, 5, bc, 3);
	ok(err == 0 && !strcmp(ip_routes(248), now),
	   "announce_routes again changes nothing (%d)", err);
	err = scmlb_announce_routes(nl, 248, 5, NULL, 0);
	now = ip_routes(248);
	ok(err == 0 && !strstr(now, "10.97.1.") && !strstr(now, "2001:db8:97:") &&
	   strstr(now, others[0]) &&
	   strstr(now, others[1]),
	   "announce_routes of no VIP withdraws this instance's only (%d: %s)",
	   err, now);
	ok(strstr(ip_routes(254), "blackhole 10.97.0.3 proto 248 metric 5|") != NULL,
	   "another table's route of the same protocol and metric is untouched");
}

int main(int argc, char **argv)
{
	unsigned char mac[6], peer_mac[6];
	struct scmlb_nl *nl = NULL;
	int ifindex, err;

	if (argc != 9) {
		fprintf(stderr, "usage: %s IFNAME IFINDEX MAC LOCAL_IP PEER_IP "
			"PEER_MAC DEAD_IP DEAD_IP2\n", argv[0]);
		return 2;
	}
	ifindex = atoi(argv[2]);
	parse_mac(argv[3], mac);
	parse_mac(argv[6], peer_mac);

	printf("1..60\n");

	err = scmlb_nl_open(&nl);
	ok(err == 0 && nl, "scmlb_nl_open (%d)", err);
	if (err) {
		printf("Bail out! cannot open netlink\n");
		return 1;
	}
	ok(!strcmp(scmlb_nl_ext_ack(nl), ""), "ext ack empty after open");

	test_links(nl, argv[1], ifindex, mac);
	test_routes(nl, ifindex, ip(argv[4]), ip(argv[5]), ip("192.0.2.1"));
	test_neigh(nl, argv[1], ifindex, ip(argv[5]), peer_mac, ip(argv[7]),
		   ip(argv[8]));
	test_ipv6(nl, ifindex, peer_mac);
	test_announce(nl);

	scmlb_nl_close(nl);
	scmlb_nl_close(NULL);
	ok(true, "scmlb_nl_close(NULL) is a no-op");

	return failed ? 1 : 0;
}
