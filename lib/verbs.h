/* SPDX-License-Identifier: GPL-2.0 */
/* verbs.h - the verbs of a configuration: one grammar for their tools, save and restore */
#ifndef SCMLB_VERBS_H
#define SCMLB_VERBS_H

#include <stdbool.h>
#include <linux/types.h>

#include "args.h"
#include "maps.h"

/*
 * Each SCMLB_*_CMD(run) is a whole entry of a tool's verb table: the tool
 * puts its own do_<verb>() in it, scmlb-restore a function it never runs,
 * so both parse a line with the same options and the same checks.
 */

/* scmlb-attach -u IFACE [-v VIP] [-m MODE] [--conntrack-size N] */
struct scmlb_attach_opts {
	const char *upstream;
	struct scmlb_addr vip;	/* family 0: not given */
	__u8 mode;		/* 0: not given */
	__u32 ct_size;		/* 0: not given */
};

extern const struct scmlb_opt scmlb_attach_table[];

#define SCMLB_ATTACH_CMD(run)						\
	{ NULL, "attach scmlb", scmlb_attach_table,			\
	  sizeof(struct scmlb_attach_opts),				\
	  SCMLB_CMD_NO_MAPS | SCMLB_CMD_ANNOUNCE, NULL, (run) }

/* scmlb-svc set -v VIP [-t PROTO] [-P PORT] [-S SCHED] [--forward F] [--syn-proxy] */
struct scmlb_svc_set_opts {
	struct scmlb_addr vip;
	__u8 proto;		/* 0: any */
	__be16 port;		/* 0: every port */
	__u8 scheduler;
	__u8 forward;
	bool syn_proxy;
};

extern const struct scmlb_opt scmlb_svc_set_table[];
int scmlb_svc_set_check(const void *opts);
struct scmlb_service scmlb_svc_set_service(const struct scmlb_svc_set_opts *o);

#define SCMLB_SVC_SET_CMD(run)						\
	{ "set", "add a service", scmlb_svc_set_table,			\
	  sizeof(struct scmlb_svc_set_opts),				\
	  SCMLB_CMD_WRITE | SCMLB_CMD_ANNOUNCE,				\
	  scmlb_svc_set_check, (run) }

/* scmlb-lb set -n NAME -a ADDR [-c URL] [-s ID] [-w N] [-p PORT] */
struct scmlb_lb_set_opts {
	const char *name;
	struct scmlb_addr addr;
	const char *healthcheck;
	__u32 service;		/* 0: the only one */
	__u16 weight;		/* 0: 1 */
	__u32 port;		/* 0: not given, else SCMLB_LB_PORT_GIVEN | port */
};

#define SCMLB_LB_PORT_GIVEN 0x10000

extern const struct scmlb_opt scmlb_lb_set_table[];
int scmlb_lb_set_port_check(const struct scmlb_lb_set_opts *o,
			    const struct scmlb_service *svc, __u32 number);
int scmlb_lb_set_family_check(const struct scmlb_lb_set_opts *o,
			      const struct scmlb_service *svc, __u32 number);

#define SCMLB_LB_SET_CMD(run)						\
	{ "set", "add a backend and put it into rotation",		\
	  scmlb_lb_set_table, sizeof(struct scmlb_lb_set_opts),		\
	  SCMLB_CMD_WRITE | SCMLB_CMD_ANNOUNCE, NULL, (run) }

/* scmlb-lb drain, undrain and delete -i ID */
struct scmlb_lb_id_opts {
	__u32 id;
};

extern const struct scmlb_opt scmlb_lb_id_table[];

#define SCMLB_LB_DRAIN_CMD(run)						\
	{ "drain", "stop new connections to a backend",			\
	  scmlb_lb_id_table, sizeof(struct scmlb_lb_id_opts),		\
	  SCMLB_CMD_WRITE | SCMLB_CMD_ANNOUNCE, NULL, (run) }

/* scmlb-fw set [-n CIDR] [-t PROTO] [-s PORTS] [-d PORTS] */
struct scmlb_fw_set_opts {
	struct scmlb_cidr network;	/* zeroed: 0.0.0.0/0 */
	__u8 proto;
	struct scmlb_port_range src;
	struct scmlb_port_range dst;
};

extern const struct scmlb_opt scmlb_fw_set_table[];
int scmlb_fw_set_check(const void *opts);

#define SCMLB_FW_SET_CMD(run)						\
	{ "set", "add a rule; prints its id", scmlb_fw_set_table,	\
	  sizeof(struct scmlb_fw_set_opts), SCMLB_CMD_WRITE,		\
	  scmlb_fw_set_check, (run) }

/* scmlb-dos set -p PROTO [-t TYPE] [--global] [-l N] [-b DURATION] [--prefix-len N] */
struct scmlb_dos_set_opts {
	__u8 proto;
	const char *type;
	bool global;		/* the global budget of new flows */
	__u32 limit;		/* 0: not given */
	__u64 block;		/* 0: not given, else SCMLB_DOS_BLOCK_GIVEN | seconds */
	__u32 class;		/* from proto, type and global, by the check */
	__u8 prefix_len;	/* IPv6 sources: 32..128; 0: not given */
};

#define SCMLB_DOS_BLOCK_GIVEN (1ULL << 32)

#define SCMLB_DOS_DEFAULT_LIMIT 256

/* An IPv6 source counts per /128 unless --prefix-len says otherwise. */
#define SCMLB_DOS_DEFAULT_PREFIX_LEN 128

extern const struct scmlb_opt scmlb_dos_set_table[];
int scmlb_dos_set_check(const void *opts);
__u32 scmlb_dos_set_block(const struct scmlb_dos_set_opts *o);
__u8 scmlb_dos_set_prefix_len(const struct scmlb_dos_set_opts *o);

#define SCMLB_DOS_SET_CMD(run)						\
	{ "set", "add a policy; prints its id", scmlb_dos_set_table,	\
	  sizeof(struct scmlb_dos_set_opts), SCMLB_CMD_WRITE,		\
	  scmlb_dos_set_check, (run) }

int scmlb_opt_flag(const struct scmlb_opt *table, size_t offset, char *buf,
		   size_t size);

#endif /* SCMLB_VERBS_H */
