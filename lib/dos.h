/* SPDX-License-Identifier: GPL-2.0 */
/* dos.h - DoS policies, and turning sources over a limit into firewall rules */
#ifndef SCMLB_LIB_DOS_H
#define SCMLB_LIB_DOS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "fw.h"
#include "maps.h"

/*
 * The global budget of new half-open TCP flows, listed and saved as a
 * policy of a class of its own, beyond the data plane's classes.
 */
#define SCMLB_DOS_SYN_GLOBAL SCMLB_DOS_CLASSES
#define SCMLB_DOS_POLICIES (SCMLB_DOS_CLASSES + 1)

/* How long a policy's rules stay by default: scmlb-dos set -b 10m. */
#define SCMLB_DOS_DEFAULT_BLOCK 600

/* A policy as listed, with the firewall rules it added. */
struct scmlb_dos_entry {
	__u32 id;
	__u32 class;			/* enum scmlb_dos_class, or SCMLB_DOS_SYN_GLOBAL */
	__u32 limit;
	__u32 block;			/* seconds its rules stay; 0: until deleted */
	__u8 prefix_len;		/* IPv6 sources counted per /N; 0: budget */
	bool triggered;			/* it has rules; the budget: it ran out
					 * this second or the one before */
	__u32 *rules;			/* rule ids, by id */
	size_t n_rules;
};

/* A firewall rule scmlb_dos_enforce() added for a source over a limit. */
struct scmlb_dos_added {
	__u32 rule;			/* the rule's id */
	__u32 policy;			/* the policy's id */
	__u32 class;			/* enum scmlb_dos_class */
	__u32 limit;			/* the policy's limit */
	__be32 addr[4];			/* the source (IPv4 in addr[0]) ... */
	char network[SCMLB_FW_NETWORK_LEN]; /* ... dropped as ADDR/32, or
					 * an IPv6 PREFIX/len (--prefix-len) */
	__s64 expires;			/* CLOCK_REALTIME seconds; 0: never */
};

/* A rule of a DoS policy that scmlb_dos_expire() removed. */
struct scmlb_dos_expired {
	__u32 rule;
	__u32 policy;
	__u32 class;
	char network[SCMLB_FW_NETWORK_LEN];
	__s64 expires;
};

int scmlb_dos_class_parse(__u8 proto, const char *type, bool global,
			  __u32 *class, const char **why);
const char *scmlb_dos_class_proto(__u32 class);
const char *scmlb_dos_class_type(__u32 class);

int scmlb_dos_policy_add(struct scmlb_ctx *ctx, __u32 class, __u32 limit,
			 __u32 block, __u8 prefix_len, __u32 *id);
int scmlb_dos_policy_delete(struct scmlb_ctx *ctx, __u32 id);
int scmlb_dos_policy_set(struct scmlb_ctx *ctx, __u32 id, __u32 limit,
			 __u32 block, __u8 prefix_len);
int scmlb_dos_policies_list(const struct scmlb_ctx *ctx,
			    struct scmlb_dos_entry *out, size_t *n);
void scmlb_dos_entries_free(struct scmlb_dos_entry *list, size_t n);
int scmlb_dos_enforce(struct scmlb_ctx *ctx, struct scmlb_dos_added **added,
		      size_t *n_added);
__s64 scmlb_dos_expiry(__s64 now, __u32 block);
bool scmlb_dos_expired(__s64 expires, __s64 now);
int scmlb_dos_expire(struct scmlb_ctx *ctx, __s64 now,
		     struct scmlb_dos_expired **out, size_t *n);

#endif /* SCMLB_LIB_DOS_H */
