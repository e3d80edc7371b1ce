// SPDX-License-Identifier: GPL-2.0
/* tc.c - scmlb_tc at the tc ingress hook of an interface: attach, find, remove */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include "tc.h"

/*
 * Our filter's place at clsact ingress: priority 1 runs it before
 * filters of the usual priorities, so a handed-off packet meets it
 * first; the handle tells it from other bpf filters there.
 */
#define TC_PRIO 1
#define TC_HANDLE 0x5c1b

#define TC_PROG_NAME "scmlb_tc"

static void tc_hook(struct bpf_tc_hook *hook, int ifindex, int where)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = where;
}

static void tc_opts(struct bpf_tc_opts *opts, int prog_fd, __u32 flags)
{
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->prog_fd = prog_fd;
	opts->flags = flags;
	opts->handle = TC_HANDLE;
	opts->priority = TC_PRIO;
}

/**
 * scmlb_tc_prog_id() - the program of our filter on @ifindex
 * @ifindex: the interface
 * @id:      set to its id, 0 when there is no filter at our place
 *
 * Return: 0 or -errno.
 */
int scmlb_tc_prog_id(int ifindex, __u32 *id)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	tc_hook(&hook, ifindex, BPF_TC_INGRESS);
	tc_opts(&opts, 0, 0);
	*id = 0;
	err = bpf_tc_query(&hook, &opts);
	/* no clsact qdisc (EINVAL) or no such filter (ENOENT) */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (!err)
		*id = opts.prog_id;
	return err;
}

/**
 * scmlb_tc_attach() - make @prog_fd our filter at tc ingress of @ifindex
 * @ifindex:    the interface
 * @prog_fd:    scmlb_tc
 * @made_qdisc: set when this call made the clsact qdisc
 *
 * A filter of ours that is there already is replaced in place: no
 * packet meets the hook without one.
 *
 * Return: 0 or -errno.
 */
int scmlb_tc_attach(int ifindex, int prog_fd, bool *made_qdisc)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	tc_hook(&hook, ifindex, BPF_TC_INGRESS);
	err = bpf_tc_hook_create(&hook);
	*made_qdisc = !err;
	if (err && err != -EEXIST)
		return err;
	tc_opts(&opts, prog_fd, BPF_TC_F_REPLACE);
	err = bpf_tc_attach(&hook, &opts);
	if (err && *made_qdisc) {
		tc_hook(&hook, ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS);
		bpf_tc_hook_destroy(&hook);
		*made_qdisc = false;
	}
	return err;
}

/* Whether the program with @id is scmlb_tc, of whichever instance. */
static bool is_ours(__u32 id)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	bool ours;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strcmp(info.name, TC_PROG_NAME);
	close(fd);
	return ours;
}

/* filter dump callback: one more filter */
static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)data)++;
	return MNL_CB_OK;
}

/* How many filters sit at clsact @parent of @ifindex, or -errno. */
static int filters_at(struct mnl_socket *nl, int ifindex, __u32 parent)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int seq = time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;
	int n = 0, ret;

	nlh->nlmsg_type = RTM_GETTFILTER;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, seq, portid, count_cb, &n);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : n;
}

/*
 * Remove the clsact qdisc of @ifindex when no filter is left on it;
 * filters of others keep it.
 */
static int drop_empty_qdisc(int ifindex)
{
	struct bpf_tc_hook hook;
	struct mnl_socket *nl;
	int in, out;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return -errno;
	}
	in = filters_at(nl, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	out = in < 0 ? in :
	      filters_at(nl, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	mnl_socket_close(nl);
	if (in < 0 || out < 0)
		return in < 0 ? in : out;
	if (in + out)
		return 0;
	tc_hook(&hook, ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS);
	return bpf_tc_hook_destroy(&hook);
}

/**
 * scmlb_tc_detach() - remove our filter from @ifindex
 * @ifindex:    the interface
 * @drop_qdisc: scmlb made the clsact qdisc: remove it too when no other
 *              filter uses it
 *
 * A filter at our place that runs another program is not ours and stays.
 *
 * Return: 0 (also when there was none) or -errno.
 */
int scmlb_tc_detach(int ifindex, bool drop_qdisc)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	__u32 id;
	int err;

	err = scmlb_tc_prog_id(ifindex, &id);
	if (err || !id)
		return err == -ENODEV ? 0 : err;
	if (!is_ours(id))
		return 0;
	tc_hook(&hook, ifindex, BPF_TC_INGRESS);
	tc_opts(&opts, 0, 0);
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT)
		return err;
	return drop_qdisc ? drop_empty_qdisc(ifindex) : 0;
}
