// SPDX-License-Identifier: GPL-2.0
/* decap.c - scmlb-decap's program on a backend's interfaces, through libxdp */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "decap.h"
#include "ifcheck.h"
#include "maps.h"
#include "scmlb_decap.h"
#include "scmlb_decap.skel.h"

/*
 * scmlb-decap's program on @ifindex, from the interface's multiprog state
 * (@mp, closed by the caller); NULL when it is not there. By name: no
 * pin directory records it, and one copy per interface is all there is.
 */
static struct xdp_program *find_decap(int ifindex, struct xdp_multiprog **mp)
{
	struct xdp_program *p = NULL;

	*mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(*mp)) {
		*mp = NULL;
		return NULL;
	}
	if (xdp_multiprog__is_legacy(*mp)) {
		p = xdp_multiprog__main_prog(*mp);
		return p && !strcmp(xdp_program__name(p), SCMLB_DECAP_PROG_NAME) ?
		       p : NULL;
	}
	while ((p = xdp_multiprog__next_prog(p, *mp)))
		if (!strcmp(xdp_program__name(p), SCMLB_DECAP_PROG_NAME))
			return p;
	return NULL;
}

/*
 * Whether @ifindex runs a single program that is not ours: without
 * libxdp's dispatcher an interface has one program, which stays.
 */
static bool held_by_other(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool held;

	if (libxdp_get_error(mp))
		return false;
	held = xdp_multiprog__is_legacy(mp) && xdp_multiprog__main_prog(mp);
	xdp_multiprog__close(mp);
	return held;
}

/**
 * scmlb_decap_explain_busy() - which program keeps @ifindex from us
 * @ifindex: the interface, on which attaching failed with -EBUSY
 * @buf:     "it runs XDP program 42 'xdp_pass': ..."
 * @size:    its room
 */
void scmlb_decap_explain_busy(int ifindex, char *buf, size_t size)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;

	p = libxdp_get_error(mp) ? NULL : xdp_multiprog__main_prog(mp);
	if (p)
		snprintf(buf, size, "it runs XDP program %u '%s' without "
			 "libxdp's dispatcher: one program per interface, "
			 "unload it first", xdp_program__id(p),
			 xdp_program__name(p));
	else
		snprintf(buf, size, "%s", strerror(EBUSY));
	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
}

/**
 * scmlb_decap_attach() - load scmlb-decap's program and attach it to @ifindex
 * @ifindex:   a backend's interface
 * @mode:      enum scmlb_attach_mode as asked for
 * @used_mode: set to the mode it runs in: skb on a veth (scmlb_ifcheck_mode())
 * @why:       set to the reason when that is not @mode, else NULL
 *
 * The program stays after this process exits, until scmlb_decap_detach().
 *
 * Return: 0, -EEXIST when it is there already, -EBUSY when another program
 * holds the interface (scmlb_decap_explain_busy() says which), or -errno.
 */
int scmlb_decap_attach(int ifindex, __u8 mode, __u8 *used_mode,
		       const char **why)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts,
			    .prog_name = SCMLB_DECAP_PROG_NAME);
	struct scmlb_decap_bpf *skel = NULL;
	struct xdp_multiprog *mp;
	struct xdp_program *xp;
	int m, err;

	xp = find_decap(ifindex, &mp);
	xdp_multiprog__close(mp);
	if (xp)
		return -EEXIST;
	if (held_by_other(ifindex))
		return -EBUSY;
	m = scmlb_ifcheck_mode(ifindex, mode, why);
	if (m < 0)
		return m;
	*used_mode = m;
	skel = scmlb_decap_bpf__open();
	if (!skel)
		return -errno;
	opts.obj = skel->obj;
	xp = xdp_program__create(&opts);
	err = libxdp_get_error(xp);
	if (!err) {
		err = xdp_program__attach(xp, ifindex, m == SCMLB_MODE_SKB ?
					  XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
		xdp_program__close(xp);
	}
	scmlb_decap_bpf__destroy(skel);
	return err;
}

/**
 * scmlb_decap_detach() - take scmlb-decap's program off @ifindex
 * @ifindex: the interface
 *
 * Other programs in the interface's dispatcher stay.
 *
 * Return: 0, -ENOENT when it is not there, or -errno.
 */
int scmlb_decap_detach(int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err;

	p = find_decap(ifindex, &mp);
	err = p ? xdp_program__detach(p, ifindex,
				      xdp_multiprog__attach_mode(mp), 0) :
		  -ENOENT;
	xdp_multiprog__close(mp);
	return err;
}
