/* SPDX-License-Identifier: GPL-2.0 */
/* conntrack.h - read and flush the flow tables */
#ifndef SCMLB_CONNTRACK_H
#define SCMLB_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>

#include "maps.h"

/* One entry of ct_flows or ct_replies (or their half-open twins). */
struct scmlb_ct_entry {
	struct scmlb_flow_key key;
	struct scmlb_flow flow;
};

/*
 * A snapshot of ct_flows or ct_replies: every entry, and (when asked for)
 * an index that finds an entry by its key.
 */
struct scmlb_ct_table {
	struct scmlb_ct_entry *e;
	size_t n;
	size_t cap;
	size_t *slots;			/* open addressing: entry index + 1, 0 free */
	size_t n_slots;			/* a power of two */
};

int scmlb_ct_read(int fd, bool index, struct scmlb_ct_table *t);

typedef int (*scmlb_ct_walk_fn)(const struct scmlb_flow_key *key,
				const struct scmlb_flow *flow, void *arg);
int scmlb_ct_walk(int fd, scmlb_ct_walk_fn fn, void *arg);
int scmlb_ct_opening_walk(int fd, scmlb_ct_walk_fn fn, void *arg);
int scmlb_ct_opening_get(int fd, const struct scmlb_flow_key *key,
			 struct scmlb_flow *flow);
int scmlb_ct_opening_put(int fd, const struct scmlb_flow_key *key,
			 const struct scmlb_flow *flow);
int scmlb_ct_opening_clear(int fd, const struct scmlb_flow_key *key);
int scmlb_ct_walk_flows(const struct scmlb_ctx *ctx, scmlb_ct_walk_fn fn,
			void *arg);
int scmlb_ct_read_flows(const struct scmlb_ctx *ctx,
			struct scmlb_ct_table *clients,
			struct scmlb_ct_table *replies);
void scmlb_ct_free(struct scmlb_ct_table *t);
const struct scmlb_ct_entry *scmlb_ct_find(const struct scmlb_ct_table *t,
					   const struct scmlb_flow_key *key);
struct scmlb_flow_key scmlb_ct_reply_key(const struct scmlb_ct_entry *client);
const char *scmlb_ct_state_name(__u8 state);

int scmlb_ct_flush(const struct scmlb_ctx *ctx, size_t *flows);

/* IPv6 flows (ct6_*): listings and counts */
typedef int (*scmlb_ct6_walk_fn)(const struct scmlb_flow6_key *key,
				 const struct scmlb_flow *flow, void *arg);
int scmlb_ct6_walk_flows(const struct scmlb_ctx *ctx, scmlb_ct6_walk_fn fn,
			 void *arg);
struct scmlb_flow6_key scmlb_ct6_reply_key(const struct scmlb_flow6_key *key,
					   const struct scmlb_flow *flow);
int scmlb_ct6_reply(const struct scmlb_ctx *ctx,
		    const struct scmlb_flow6_key *rkey, struct scmlb_flow *flow);

#endif /* SCMLB_CONNTRACK_H */
