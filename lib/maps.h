/* SPDX-License-Identifier: GPL-2.0 */
/* maps.h - the pin directory, its lock and the pinned maps */
#ifndef SCMLB_LIB_MAPS_H
#define SCMLB_LIB_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "scmlb_structs.h"

#define SCMLB_DEFAULT_PIN_DIR "/sys/fs/bpf/scmlb"
#define SCMLB_PIN_ENTRY "prog_entry"	/* the entry program, for new interfaces */
#define SCMLB_LOCK_FD_ENV "SCMLB_LOCK_FD"	/* a lock scmlb-restore passes on */
#define SCMLB_PIN_TC "prog_tc"		/* scmlb_tc, for new interfaces */

/* "MAJOR.MINOR" of a layout version, for messages */
#define SCMLB_LAYOUT_FMT "%u.%u"
#define SCMLB_LAYOUT_ARGS(v) (unsigned int)((v) >> 16), (unsigned int)((v) & 0xffff)

/* File descriptors of the pinned maps; -1 when not open. */
struct scmlb_maps {
	int config;
	int vips;
	int vip_hint;
	int svc_ids;
	int services;
	int backends;
	int tables_4_7;			/* lb_tables, empty since 4.8 */
	int rr;
	int tx_ports;
	int progs;
	int ct;
	int ct_replies;
	int ct_opening;			/* half-open flows, by the client's key */
	int ct_opening_rep;		/* and by the backend's */
	int ct_frags;
	int stats;
	int fw_nets;
	int fw_net_info;
	int fw_rules;
	int fw_drops;
	int dos_policies;
	int dos_counts;
	int dos_drops;
	int be_stats;
	int fw_hint;
	int ifaces;
	int dos_block;			/* layout 4.1 */
	int syn_budget;
	int syn_pool;
	int syn_cpu;
	int fw_expires;
	int reply_index;			/* layout 4.3 */
	int progs6;			/* layout 4.5: IPv6 */
	int ct6;
	int ct6_replies;
	int ct6_opening;
	int ct6_opening_rep;
	int ct6_frags;
	int fw6_nets;
	int fw6_net_info;
	int fw6_hint;
	int dos6_counts;
	int dos6_prefix;
	int stats6;
	int progs4;			/* layout 4.6: the SYN proxy */
	int svc_stats;
	int ct6_proxy;			/* layout 4.7: IPv6's SYN proxy */
	int tables;			/* layout 4.8: lb_pair_tables */
};

struct scmlb_batch;

/* What a verb works with: set up by scmlb_run(). */
struct scmlb_ctx {
	const char *pin_dir;
	bool json;
	int dir_fd;			/* the pin directory, holding the lock */
	bool dir_created;		/* this run made the pin directory */
	struct scmlb_maps maps;
	struct scmlb_config cfg;	/* lb_config when the maps were opened */
	struct scmlb_batch *batch;	/* scmlb_batch_begin()'s, or NULL */
};

const char *scmlb_pin_dir(const char *opt);
const char *scmlb_pin_dir_why(int err);
int scmlb_pin_dir_prepare(const char *dir, bool create);
int scmlb_lock(struct scmlb_ctx *ctx, bool exclusive);
int scmlb_pin_dir_lock(struct scmlb_ctx *ctx, bool create, bool exclusive);
void scmlb_unlock(struct scmlb_ctx *ctx);
int scmlb_maps_open(struct scmlb_ctx *ctx);
int scmlb_maps_open_unpublished(struct scmlb_ctx *ctx);
int scmlb_layout_check(const struct scmlb_ctx *ctx);
void scmlb_maps_close(struct scmlb_ctx *ctx);
int scmlb_maps_nth(const struct scmlb_ctx *ctx, size_t i, const char **name);
int scmlb_maps_unpin(const char *dir, bool remove_dir);
int scmlb_tx_ports_open(const char *dir);
int scmlb_pin_path(char *buf, size_t size, const char *dir, const char *name);

/* scmlb_map_batches()'s callback: one key and its value. */
typedef int (*scmlb_map_batch_fn)(const void *key, const void *val, void *arg);

int scmlb_map_batches(int fd, __u32 batch, size_t key_size, size_t val_size,
		      scmlb_map_batch_fn fn, void *arg);
int scmlb_array_read(int fd, __u32 n, size_t value_size, void *out);
int scmlb_slots_list(int fd, __u32 slots, size_t value_size, void **out,
		     size_t *n);
int scmlb_percpu_read_sum(int fd, __u32 key, __u64 *sums, size_t n);
int scmlb_percpu_zero(int fd, __u32 key, size_t value_size);

int scmlb_config_read(const struct scmlb_ctx *ctx, struct scmlb_config *cfg);
int scmlb_config_write(const struct scmlb_ctx *ctx,
		       const struct scmlb_config *cfg);
int scmlb_config_refresh(struct scmlb_ctx *ctx);
int scmlb_config_commit(struct scmlb_ctx *ctx);
int scmlb_config_set_flag(struct scmlb_ctx *ctx, __u8 flag, bool on);

#endif /* SCMLB_LIB_MAPS_H */
