// SPDX-License-Identifier: GPL-2.0
/* ifcheck.c - which interfaces XDP can forward balanced packets through, and which need tc */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "ifcheck.h"
#include "maps.h"
#include "tc.h"

/*
 * The "netdev" generic netlink family (kernel 6.3+): its uapi header is
 * newer than the distribution's, so the few numbers used are here.
 */
#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_NDO_XMIT (1ULL << 2)

static const char why_skb[] =
	"skb mode: generic XDP cannot redirect a GSO packet larger than the "
	"MTU, and does not know partial checksums";
static const char why_veth[] =
	"a veth: its peer's packets carry partial checksums, which an XDP "
	"redirect loses, and a peer without GRO or an XDP program drops the "
	"frames XDP redirects to it";
static const char why_xmit[] =
	"its driver drops the frames XDP redirects to it";
static const char why_veth_xmit[] =
	"a veth whose peer has neither GRO nor an XDP program: the kernel "
	"drops the frames XDP redirects to it";
static const char why_veth_mode[] =
	"native XDP on a veth would turn off GSO on its peer, and gains "
	"nothing where packets are socket buffers already";

/* The driver of @ifindex, as ethtool -i names it. */
static int iface_driver(int ifindex, char *drv, size_t size)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -errno;
	ifr.ifr_data = (void *)&info;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	if (!err)
		snprintf(drv, size, "%s", info.driver);
	return err;
}

/* One generic netlink request and its single reply, parsed by @cb. */
static int genl_call(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf,
		     size_t size, mnl_cb_t cb, void *arg)
{
	unsigned int portid = mnl_socket_get_portid(nl);
	int ret;

	nlh->nlmsg_seq = time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(nl, buf, size);
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, nlh->nlmsg_seq, portid, cb, arg);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *genl_put(char *buf, __u16 type, __u8 cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	/* the ack ends the reply */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

struct genl_u64 {
	__u16 type;		/* the attribute wanted */
	__u64 value;
	bool found;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct genl_u64 *want = data;

	if (mnl_attr_get_type(attr) != want->type)
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(attr) == sizeof(__u16))
		want->value = mnl_attr_get_u16(attr);
	else if (mnl_attr_get_payload_len(attr) == sizeof(__u32))
		want->value = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_payload_len(attr) == sizeof(__u64))
		want->value = mnl_attr_get_u64(attr);
	else
		return MNL_CB_OK;
	want->found = true;
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, data);
	return MNL_CB_OK;
}

/**
 * scmlb_ifcheck_xdp_xmit() - whether @ifindex takes frames XDP redirects to it
 * @ifindex: the interface
 *
 * Its xdp_features as the kernel reports them: for a veth, whether its
 * peer has GRO on or an XDP program.
 *
 * Return: 1 or 0; -EOPNOTSUPP when the kernel does not say (before 6.3),
 * or another -errno.
 */
int scmlb_ifcheck_xdp_xmit(int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genl_u64 want = { .type = CTRL_ATTR_FAMILY_ID };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int err;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	nlh = genl_put(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME);
	err = genl_call(nl, nlh, buf, sizeof(buf), msg_cb, &want);
	if (err == -ENOENT || (!err && !want.found)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (err)
		goto out;
	nlh = genl_put(buf, want.value, NETDEV_CMD_DEV_GET);
	mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, ifindex);
	want = (struct genl_u64){ .type = NETDEV_A_DEV_XDP_FEATURES };
	err = genl_call(nl, nlh, buf, sizeof(buf), msg_cb, &want);
	if (!err)
		err = !want.found ? -EOPNOTSUPP :
		      !!(want.value & NETDEV_XDP_ACT_NDO_XMIT);
out:
	mnl_socket_close(nl);
	return err;
}

/* Whether @ifindex is a veth; -errno when ethtool cannot say. */
static int is_veth(int ifindex)
{
	char drv[32];
	int err;

	err = iface_driver(ifindex, drv, sizeof(drv));
	if (err)
		return err == -EOPNOTSUPP ? 0 : err;
	return !strcmp(drv, "veth");
}

/**
 * scmlb_ifcheck_mode() - the XDP mode scmlb runs in on @ifindex
 * @ifindex: an interface scmlb attaches to
 * @mode:    the instance's enum scmlb_attach_mode, as -m chose it
 * @why:     set to the reason when it is not @mode
 *
 * Native XDP on a veth makes the kernel turn off GSO and TSO on its peer,
 * so a container behind it would send every packet, balanced or not, in
 * MTU-sized pieces; and it gains nothing there, where packets are socket
 * buffers before XDP sees them. So a veth gets generic XDP, unless a
 * native program is there already (its peer has lost GSO anyway, and
 * the interface's dispatcher is native).
 *
 * Return: enum scmlb_attach_mode, or -errno.
 */
int scmlb_ifcheck_mode(int ifindex, __u8 mode, const char **why)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int veth;

	*why = NULL;
	if (mode != SCMLB_MODE_NATIVE)
		return mode;
	veth = is_veth(ifindex);
	if (veth <= 0)
		return veth < 0 ? veth : mode;
	if (!bpf_xdp_query(ifindex, 0, &q) && q.drv_prog_id)
		return mode;
	*why = why_veth_mode;
	return SCMLB_MODE_SKB;
}

/**
 * scmlb_ifcheck_path() - whether balanced packets through @ifindex need scmlb_tc
 * @ifindex: an interface scmlb attaches to
 * @mode:    the instance's enum scmlb_attach_mode
 * @why:     set to the reason when they do
 *
 * XDP forwards a flow itself only between interfaces that take XDP
 * frames and whose packets have complete checksums (as off a wire); a
 * flow through any other is handed to scmlb_tc (xdp/handoff.h).
 *
 * Return: SCMLB_IF_SKB, 0 (XDP forwards them), or -errno.
 */
int scmlb_ifcheck_path(int ifindex, __u8 mode, const char **why)
{
	int err;

	*why = NULL;
	if (mode == SCMLB_MODE_SKB) {
		*why = why_skb;
		return SCMLB_IF_SKB;
	}
	err = is_veth(ifindex);
	if (err < 0)
		return err;
	if (err) {
		*why = why_veth;
		return SCMLB_IF_SKB;
	}
	err = scmlb_ifcheck_xdp_xmit(ifindex);
	if (err == 0) {
		*why = why_xmit;
		return SCMLB_IF_SKB;
	}
	return err == -EOPNOTSUPP || err > 0 ? 0 : err;
}

/* @ifindex's value in the instance's lb_ifaces; 0 when it has none. */
static __u32 iface_flags(const char *pin_dir, int ifindex)
{
	__u32 key = ifindex, flags = 0;
	char path[4096];
	int fd;

	if (scmlb_pin_path(path, sizeof(path), pin_dir, "lb_ifaces"))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &key, &flags))
		flags = 0;
	close(fd);
	return flags;
}

/* The id of the instance's pinned scmlb_tc, or 0. */
static __u32 pinned_tc_id(const char *pin_dir)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	char path[4096];
	int fd;

	if (scmlb_pin_path(path, sizeof(path), pin_dir, SCMLB_PIN_TC))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/**
 * scmlb_ifcheck_warning() - what will lose balanced packets on an interface
 * @pin_dir: the instance
 * @ifindex: an interface it is attached to (a key of lb_tx_ports)
 * @mode:    the instance's enum scmlb_attach_mode
 * @buf:     set to the warning, one line naming the interface
 * @size:    of @buf
 *
 * For scmlb-status. A flow through an interface that needs scmlb_tc
 * (scmlb_ifcheck_path()) but is forwarded by XDP there, as by an older
 * scmlb, loses packets: a veth whose peer has neither GRO nor an XDP
 * program drops every frame XDP redirects to it, and a peer's partial
 * checksums arrive wrong. So does one whose scmlb_tc was removed.
 *
 * Return: 1 with @buf set, 0 when nothing is wrong, or -errno.
 */
int scmlb_ifcheck_warning(const char *pin_dir, int ifindex, __u8 mode,
			  char *buf, size_t size)
{
	__u32 flags = iface_flags(pin_dir, ifindex), id;
	char name[IF_NAMESIZE];
	const char *why;
	int need, err;

	if (!if_indextoname(ifindex, name))
		return -errno;
	need = scmlb_ifcheck_path(ifindex, mode, &why);
	if (need < 0)
		return need;
	/* the worse of a veth's two troubles, when it has it now */
	if (why == why_veth && !scmlb_ifcheck_xdp_xmit(ifindex))
		why = why_veth_xmit;
	if (need && !(flags & SCMLB_IF_SKB)) {
		snprintf(buf, size, "'%s': %s; but scmlb forwards through it "
			 "with XDP: run scmlb-attach again", name, why);
		return 1;
	}
	if (!(flags & SCMLB_IF_TC))
		return 0;
	err = scmlb_tc_prog_id(ifindex, &id);
	if (err)
		return err;
	if (!id || id != pinned_tc_id(pin_dir)) {
		snprintf(buf, size, "scmlb's tc program is not on '%s': flows "
			 "through it stall: run scmlb-attach again", name);
		return 1;
	}
	return 0;
}
