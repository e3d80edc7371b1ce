// SPDX-License-Identifier: GPL-2.0
/* test_ifcheck.c - TAP tests of lib/ifcheck.c and lib/tc.c on veths in a namespace of their own */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ifcheck.h"
#include "maps.h"
#include "progs.h"
#include "scmlb.skel.h"
#include "tap.h"
#include "tc.h"
#include "testbed.h"

#define PIN_DIR "/sys/fs/bpf/ifcheck"

static const char *const names[] = { "ifc-a" };

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* The modes and paths of a veth, and whether it takes XDP frames. */
static void veth_checks(int ifx, int clock_fd)
{
	const char *why;
	int ret;

	ret = scmlb_ifcheck_mode(ifx, SCMLB_MODE_NATIVE, &why);
	ok(ret == SCMLB_MODE_SKB && why && strstr(why, "GSO"),
	   "native instance, a veth: generic XDP there, because of its peer's GSO");
	ret = scmlb_ifcheck_mode(ifx, SCMLB_MODE_SKB, &why);
	ok(ret == SCMLB_MODE_SKB && !why, "skb instance, a veth: skb, no note");

	ret = bpf_xdp_attach(ifx, clock_fd, XDP_FLAGS_DRV_MODE, NULL);
	ok(!ret, "a native XDP program goes on the veth (%s)", strerror(-ret));
	ret = scmlb_ifcheck_mode(ifx, SCMLB_MODE_NATIVE, &why);
	ok(ret == SCMLB_MODE_NATIVE && !why,
	   "a veth with a native XDP program already: native");
	bpf_xdp_detach(ifx, XDP_FLAGS_DRV_MODE, NULL);

	ret = scmlb_ifcheck_path(ifx, SCMLB_MODE_NATIVE, &why);
	ok(ret == SCMLB_IF_SKB && why && starts(why, "a veth"),
	   "native instance, a veth: its flows are handed off to scmlb_tc");
	ret = scmlb_ifcheck_path(ifx, SCMLB_MODE_SKB, &why);
	ok(ret == SCMLB_IF_SKB && why && starts(why, "skb mode"),
	   "skb instance: every flow is handed off");

	ret = scmlb_ifcheck_xdp_xmit(ifx);
	if (ret == -EOPNOTSUPP) {
		printf("ok %d # SKIP the kernel reports no xdp_features\n",
		       ++test_num);
		printf("ok %d # SKIP the kernel reports no xdp_features\n",
		       ++test_num);
		return;
	}
	ok(ret == 0, "a veth whose peer has no GRO takes no XDP frames (%d)",
	   ret);
	tb_run_cmd("ethtool -K ifc-a-p gro on >/dev/null");
	ret = scmlb_ifcheck_xdp_xmit(ifx);
	ok(ret == 1, "with GRO on its peer, it does (%d)", ret);
	tb_run_cmd("ethtool -K ifc-a-p gro off >/dev/null");
}

/* scmlb_ifcheck_warning() on an instance's pinned maps and scmlb_tc. */
static void warning_checks(int ifx, int tc_fd, int ifaces)
{
	__u32 key = ifx, flags = SCMLB_IF_TC | SCMLB_IF_SKB, id = 0;
	char buf[512] = "";
	bool made;
	int ret;

	ret = scmlb_ifcheck_warning(PIN_DIR, ifx, SCMLB_MODE_NATIVE, buf,
				    sizeof(buf));
	ok(ret == 1 && !strcmp(buf, "'ifc-a': a veth whose peer has neither "
			       "GRO nor an XDP program: the kernel drops the "
			       "frames XDP redirects to it; but scmlb forwards "
			       "through it with XDP: run scmlb-attach again"),
	   "a veth scmlb forwards with XDP (an older scmlb's), no GRO on "
	   "its peer: warned that frames are dropped");
	diag("%s", buf);
	tb_run_cmd("ethtool -K ifc-a-p gro on >/dev/null");
	ret = scmlb_ifcheck_warning(PIN_DIR, ifx, SCMLB_MODE_NATIVE, buf,
				    sizeof(buf));
	ok(ret == 1 && starts(buf, "'ifc-a': a veth: its peer's packets "
			      "carry partial checksums") &&
	   strstr(buf, "; but scmlb forwards through it with XDP: run "
		  "scmlb-attach again"),
	   "with GRO on its peer: warned of the checksums");
	diag("%s", buf);
	tb_run_cmd("ethtool -K ifc-a-p gro off >/dev/null");

	ret = scmlb_tc_attach(ifx, tc_fd, &made);
	ok(!ret && made, "scmlb_tc goes on, in a clsact qdisc it makes");
	ret = scmlb_tc_prog_id(ifx, &id);
	ok(!ret && id, "scmlb_tc_prog_id() finds it (id %u)", id);
	bpf_map_update_elem(ifaces, &key, &flags, BPF_ANY);
	buf[0] = 0;
	ret = scmlb_ifcheck_warning(PIN_DIR, ifx, SCMLB_MODE_NATIVE, buf,
				    sizeof(buf));
	ok(ret == 0, "handed off, scmlb_tc in place: no warning (%d %s)", ret,
	   buf);

	ret = scmlb_tc_detach(ifx, false);
	ok(!ret, "scmlb_tc comes off, the qdisc stays");
	ret = scmlb_ifcheck_warning(PIN_DIR, ifx, SCMLB_MODE_NATIVE, buf,
				    sizeof(buf));
	ok(ret == 1 && !strcmp(buf, "scmlb's tc program is not on 'ifc-a': "
			       "flows through it stall: run scmlb-attach again"),
	   "scmlb_tc missing where flows are handed off: warned");
	diag("%s", buf);

	ret = scmlb_tc_attach(ifx, tc_fd, &made);
	ok(!ret && !made, "on again, in the qdisc that is there");
	ret = scmlb_tc_detach(ifx, true);
	ok(!ret && !tb_run_cmd("! tc qdisc show dev ifc-a | grep -q clsact"),
	   "off with the qdisc scmlb made, when nothing else uses it");
}

int main(void)
{
	struct scmlb_bpf *skel = NULL;
	__u32 ifx;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		printf("1..0 # SKIP needs root (BPF, a network namespace)\n");
		return 0;
	}
	err = tb_bpffs_setup();
	if (!err)
		err = tb_net_setup(names, 1, &ifx);
	if (!err)
		err = scmlb_progs_open(PIN_DIR, 1024, false, &skel);
	if (!err)
		err = scmlb_progs_load(skel);
	if (err) {
		printf("Bail out! setting up: %s\n", strerror(-err));
		return 1;
	}
	printf("1..17\n");
	veth_checks(ifx, bpf_program__fd(skel->progs.scmlb_clock));
	warning_checks(ifx, bpf_program__fd(skel->progs.scmlb_tc),
		       bpf_map__fd(skel->maps.lb_ifaces));
	scmlb_progs_close(skel);
	return failed ? 1 : 0;
}
