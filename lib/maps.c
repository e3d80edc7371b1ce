// SPDX-License-Identifier: GPL-2.0
/* maps.c - the pin directory on bpffs, its lock, and the pinned maps with their layout check */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "maps.h"
#include "owner.h"

#define BPFFS_ROOT "/sys/fs/bpf"
#define NETNS_RUN_DIR "/run/netns"	/* where ip netns keeps names */
#define LOCK_WAIT_MS 30000

/* Every pinned map: its name in maps.h and what a compatible one looks like. */
static const struct map_desc {
	const char *name;
	size_t fd_offset;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
} map_descs[] = {
	{ "lb_config", offsetof(struct scmlb_maps, config), BPF_MAP_TYPE_ARRAY,
	  sizeof(__u32), sizeof(struct scmlb_config) },
	{ "lb_vips", offsetof(struct scmlb_maps, vips), BPF_MAP_TYPE_HASH,
	  sizeof(struct scmlb_vip_key), sizeof(struct scmlb_vip) },
	{ "lb_vip_hint", offsetof(struct scmlb_maps, vip_hint), BPF_MAP_TYPE_ARRAY,
	  sizeof(__u32), sizeof(struct scmlb_vip_hint) },
	{ "lb_svc_ids", offsetof(struct scmlb_maps, svc_ids), BPF_MAP_TYPE_HASH,
	  sizeof(struct scmlb_svc_key), sizeof(__u32) },
	{ "lb_services", offsetof(struct scmlb_maps, services),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_service) },
	{ "lb_backends", offsetof(struct scmlb_maps, backends),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_backend) },
	{ "lb_tables", offsetof(struct scmlb_maps, tables_4_7),
	  BPF_MAP_TYPE_ARRAY_OF_MAPS, sizeof(__u32), sizeof(__u32) },
	{ "lb_rr", offsetof(struct scmlb_maps, rr), BPF_MAP_TYPE_ARRAY,
	  sizeof(__u32), sizeof(__u32) },
	{ "lb_tx_ports", offsetof(struct scmlb_maps, tx_ports),
	  BPF_MAP_TYPE_DEVMAP_HASH, sizeof(__u32), sizeof(__u32) },
	{ "lb_ifaces", offsetof(struct scmlb_maps, ifaces), BPF_MAP_TYPE_HASH,
	  sizeof(__u32), sizeof(__u32) },
	{ "lb_progs", offsetof(struct scmlb_maps, progs),
	  BPF_MAP_TYPE_PROG_ARRAY, sizeof(__u32), sizeof(__u32) },
	{ "ct_flows", offsetof(struct scmlb_maps, ct), BPF_MAP_TYPE_LRU_HASH,
	  sizeof(struct scmlb_flow_key), sizeof(struct scmlb_flow) },
	{ "ct_replies", offsetof(struct scmlb_maps, ct_replies),
	  BPF_MAP_TYPE_LRU_HASH, sizeof(struct scmlb_flow_key),
	  sizeof(struct scmlb_flow) },
	{ "ct_opening", offsetof(struct scmlb_maps, ct_opening),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32),
	  sizeof(struct scmlb_opening_slot) },
	{ "ct_opening_rep", offsetof(struct scmlb_maps, ct_opening_rep),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32),
	  sizeof(struct scmlb_opening_slot) },
	{ "ct_frags", offsetof(struct scmlb_maps, ct_frags),
	  BPF_MAP_TYPE_LRU_HASH, sizeof(struct scmlb_frag_key),
	  sizeof(struct scmlb_frag) },
	{ "stat_pkts", offsetof(struct scmlb_maps, stats),
	  BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct scmlb_stats) },
	{ "fw_nets", offsetof(struct scmlb_maps, fw_nets), BPF_MAP_TYPE_LPM_TRIE,
	  sizeof(struct scmlb_fw_key), sizeof(__u32) },
	{ "fw_hint", offsetof(struct scmlb_maps, fw_hint), BPF_MAP_TYPE_ARRAY,
	  sizeof(__u32), sizeof(struct scmlb_fw_hint) },
	{ "fw_net_info", offsetof(struct scmlb_maps, fw_net_info),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_fw_net) },
	{ "fw_rules", offsetof(struct scmlb_maps, fw_rules), BPF_MAP_TYPE_ARRAY,
	  sizeof(__u32), sizeof(struct scmlb_fw_rule) },
	{ "fw_drops", offsetof(struct scmlb_maps, fw_drops),
	  BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u64) },
	{ "lb_be_stats", offsetof(struct scmlb_maps, be_stats),
	  BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
	  sizeof(struct scmlb_backend_stats) },
	{ "dos_policies", offsetof(struct scmlb_maps, dos_policies),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_dos_policy) },
	{ "dos_counts", offsetof(struct scmlb_maps, dos_counts),
	  BPF_MAP_TYPE_LRU_HASH, sizeof(struct scmlb_dos_key),
	  sizeof(struct scmlb_dos_count) },
	{ "dos_drops", offsetof(struct scmlb_maps, dos_drops),
	  BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u64) },
	/* layout 4.1 */
	{ "dos_block", offsetof(struct scmlb_maps, dos_block),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_dos_block) },
	{ "dos_syn_budget", offsetof(struct scmlb_maps, syn_budget),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_syn_budget) },
	{ "dos_syn_pool", offsetof(struct scmlb_maps, syn_pool),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64) },
	{ "dos_syn_cpu", offsetof(struct scmlb_maps, syn_cpu),
	  BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct scmlb_syn_cpu) },
	{ "fw_expires", offsetof(struct scmlb_maps, fw_expires),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_fw_expiry) },
	/* layout 4.4 */
	{ "lb_reply_index", offsetof(struct scmlb_maps, reply_index),
	  BPF_MAP_TYPE_HASH, sizeof(struct scmlb_reply_key),
	  sizeof(struct scmlb_reply_to) },
	/* layout 4.5: IPv6 */
	{ "lb_progs6", offsetof(struct scmlb_maps, progs6),
	  BPF_MAP_TYPE_PROG_ARRAY, sizeof(__u32), sizeof(__u32) },
	{ "ct6_flows", offsetof(struct scmlb_maps, ct6), BPF_MAP_TYPE_LRU_HASH,
	  sizeof(struct scmlb_flow6_key), sizeof(struct scmlb_flow) },
	{ "ct6_replies", offsetof(struct scmlb_maps, ct6_replies),
	  BPF_MAP_TYPE_LRU_HASH, sizeof(struct scmlb_flow6_key),
	  sizeof(struct scmlb_flow) },
	{ "ct6_opening", offsetof(struct scmlb_maps, ct6_opening),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32),
	  sizeof(struct scmlb_opening6_slot) },
	{ "ct6_opening_rep", offsetof(struct scmlb_maps, ct6_opening_rep),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32),
	  sizeof(struct scmlb_opening6_slot) },
	{ "ct6_frags", offsetof(struct scmlb_maps, ct6_frags),
	  BPF_MAP_TYPE_LRU_HASH, sizeof(struct scmlb_frag6_key),
	  sizeof(struct scmlb_frag6) },
	{ "fw6_nets", offsetof(struct scmlb_maps, fw6_nets),
	  BPF_MAP_TYPE_LPM_TRIE, sizeof(struct scmlb_fw6_key), sizeof(__u32) },
	{ "fw6_net_info", offsetof(struct scmlb_maps, fw6_net_info),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_fw6_net) },
	{ "fw6_hint", offsetof(struct scmlb_maps, fw6_hint), BPF_MAP_TYPE_ARRAY,
	  sizeof(__u32), sizeof(struct scmlb_fw6_hint) },
	{ "dos6_counts", offsetof(struct scmlb_maps, dos6_counts),
	  BPF_MAP_TYPE_LRU_HASH, sizeof(struct scmlb_dos6_key),
	  sizeof(struct scmlb_dos_count) },
	{ "dos6_prefix", offsetof(struct scmlb_maps, dos6_prefix),
	  BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct scmlb_dos6_prefix) },
	{ "stat6_pkts", offsetof(struct scmlb_maps, stats6),
	  BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(struct scmlb_stats) },
	/* layout 4.6: the SYN proxy */
	{ "lb_progs4", offsetof(struct scmlb_maps, progs4),
	  BPF_MAP_TYPE_PROG_ARRAY, sizeof(__u32), sizeof(__u32) },
	{ "lb_svc_stats", offsetof(struct scmlb_maps, svc_stats),
	  BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
	  sizeof(struct scmlb_svc_stats) },
	/* layout 4.7: the SYN proxy for IPv6 */
	{ "ct6_proxy", offsetof(struct scmlb_maps, ct6_proxy),
	  BPF_MAP_TYPE_LRU_HASH, sizeof(struct scmlb_flow6_key),
	  sizeof(struct scmlb_proxy_nums) },
	/* layout 4.8: two ids to a table's entry */
	{ "lb_pair_tables", offsetof(struct scmlb_maps, tables),
	  BPF_MAP_TYPE_ARRAY_OF_MAPS, sizeof(__u32), sizeof(__u32) },
};

#define N_MAPS (sizeof(map_descs) / sizeof(map_descs[0]))

/* Why the bpffs is hidden here, with the namespace to enter: for -EXDEV. */
static char hidden_why[512];

static int *map_fd(struct scmlb_maps *maps, const struct map_desc *d)
{
	return (int *)((char *)maps + d->fd_offset);
}

/**
 * scmlb_pin_dir() - the pin directory a tool works on
 * @opt: the --pin-dir value, or NULL
 *
 * Return: @opt, else $SCMLB_PIN_DIR, else /sys/fs/bpf/scmlb.
 */
const char *scmlb_pin_dir(const char *opt)
{
	const char *env = getenv("SCMLB_PIN_DIR");

	if (opt)
		return opt;
	return env && *env ? env : SCMLB_DEFAULT_PIN_DIR;
}

/* Why the pin directory cannot be used, in a few words. */
const char *scmlb_pin_dir_why(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		return "permission denied: scmlb tools must run as root";
	case -ENOTSUP:
		return "not on a BPF filesystem";
	case -ENOTDIR:
		return "not a directory";
	case -EXDEV:
		return hidden_why;
	default:
		return strerror(-err);
	}
}

int scmlb_pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/* The name in /run/netns of the network namespace we are in; "" if none. */
static void netns_name(char *buf, size_t size)
{
	struct stat self, st;
	char path[4096];
	struct dirent *de;
	DIR *d;

	*buf = '\0';
	if (stat("/proc/self/ns/net", &self))
		return;
	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    scmlb_pin_path(path, sizeof(path), NETNS_RUN_DIR, de->d_name) ||
		    stat(path, &st))
			continue;
		if (st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
			snprintf(buf, size, "%s", de->d_name);
			break;
		}
	}
	closedir(d);
}

/*
 * Whether the sysfs on /sys is the one `ip netns exec @ns` mounts: it
 * names the namespace as its source ("- sysfs NS rw" in mountinfo).
 */
static bool sysfs_of_netns(const char *ns)
{
	char line[4096], type[64] = "", source[256] = "";
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return false;
	/* "ID PARENT DEV ROOT MOUNTPOINT OPTIONS... - TYPE SOURCE ..." */
	while (fgets(line, sizeof(line), f)) {
		char mnt[64], t[64], src[256], *sep = strstr(line, " - ");

		/* the last mount on /sys is the one on top */
		if (sep && sscanf(line, "%*s %*s %*s %*s %63s", mnt) == 1 &&
		    !strcmp(mnt, "/sys") &&
		    sscanf(sep + 3, "%63s %255s", t, src) == 2) {
			memcpy(type, t, sizeof(type));
			memcpy(source, src, sizeof(source));
		}
	}
	fclose(f);
	return !strcmp(type, "sysfs") && !strcmp(source, ns);
}

/*
 * Mount a bpffs on /sys/fs/bpf when @dir lives there and none is mounted,
 * unless this mount namespace merely hides the host's: one of
 * `ip netns exec` (a fresh sysfs), or one where XDP already runs. A bpffs
 * mounted there would vanish with the tool, and whatever it attached
 * would be an orphan.
 */
static int ensure_bpffs(const char *dir)
{
	size_t root_len = strlen(BPFFS_ROOT);
	char ns[NAME_MAX + 1];

	if (strncmp(dir, BPFFS_ROOT, root_len) ||
	    (dir[root_len] && dir[root_len] != '/'))
		return 0;
	if (on_bpffs(BPFFS_ROOT))
		return 0;
	netns_name(ns, sizeof(ns));
	if ((*ns && sysfs_of_netns(ns)) || scmlb_xdp_anywhere()) {
		snprintf(hidden_why, sizeof(hidden_why),
			 "no BPF filesystem on %s here, as under 'ip netns exec', "
			 "which remounts /sys: run the tool with "
			 "'nsenter --net=" NETNS_RUN_DIR "/%s'", BPFFS_ROOT,
			 *ns ? ns : "NAME");
		return -EXDEV;
	}
	pr_debug("mounting a bpffs on %s", BPFFS_ROOT);
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static int prepare(const char *dir, bool create, bool *created)
{
	struct stat st;
	int err;

	*created = false;
	err = ensure_bpffs(dir);
	if (err)
		return err;
	if (stat(dir, &st)) {
		if (errno != ENOENT || !create)
			return -errno;
		if (mkdir(dir, 0700))
			return errno == EEXIST ? prepare(dir, false, created) : -errno;
		*created = true;
	} else if (!S_ISDIR(st.st_mode)) {
		return -ENOTDIR;
	}
	if (!on_bpffs(dir)) {
		if (*created)
			rmdir(dir);
		*created = false;
		return -ENOTSUP;
	}
	return 0;
}

/**
 * scmlb_pin_dir_prepare() - make sure the pin directory can hold pins
 * @dir:    the pin directory
 * @create: create it (mode 0700) when missing
 *
 * Mounts a bpffs on /sys/fs/bpf when needed, as bpftool does, but not
 * where /sys hides the host's (scmlb_pin_dir_why() says so).
 *
 * Return: 0; -ENOENT when @dir is missing and not to be created; -ENOTSUP
 * when it is not on a bpffs; -EXDEV when /sys hides the bpffs; another
 * -errno.
 */
int scmlb_pin_dir_prepare(const char *dir, bool create)
{
	bool created;

	return prepare(dir, create, &created);
}

/*
 * scmlb-restore runs scmlb-attach (and scmlb-detach to take an attach
 * back) while it holds the lock, and passes them the
 * pin directory it locked as fd $SCMLB_LOCK_FD. That fd counts only when it
 * is this pin directory; LOCK_EX on it again is a no-op for its holder, and
 * never turns the holder's lock into a shared one.
 */
static int inherited_lock(struct scmlb_ctx *ctx)
{
	const char *env = getenv(SCMLB_LOCK_FD_ENV);
	struct stat fd_st, dir_st;
	char *end;
	long fd;

	if (!env || !*env)
		return -ENOENT;
	errno = 0;
	fd = strtol(env, &end, 10);
	if (errno || *end || fd < 0 || fd > INT_MAX)
		return -EINVAL;
	if (fstat((int)fd, &fd_st) || stat(ctx->pin_dir, &dir_st) ||
	    !S_ISDIR(fd_st.st_mode) || fd_st.st_dev != dir_st.st_dev ||
	    fd_st.st_ino != dir_st.st_ino)
		return -EBADF;
	if (flock((int)fd, LOCK_EX | LOCK_NB))
		return -errno;
	ctx->dir_fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
	return ctx->dir_fd < 0 ? -errno : 0;
}

/**
 * scmlb_lock() - take the pin directory's lock
 * @ctx:       the run; ctx->pin_dir must exist
 * @exclusive: a writer's lock, or a reader's
 *
 * flock() on the directory: the kernel drops it when its holder dies, so
 * a killed tool never leaves it behind. A tool that scmlb-restore runs
 * works under the lock it was passed ($SCMLB_LOCK_FD) instead.
 *
 * Return: 0, -ETIMEDOUT after waiting 30 s, or another -errno.
 */
int scmlb_lock(struct scmlb_ctx *ctx, bool exclusive)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int waited_ms = 0;

	if (!inherited_lock(ctx))
		return 0;
	ctx->dir_fd = open(ctx->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->dir_fd < 0)
		return -errno;
	while (flock(ctx->dir_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
		if (errno != EWOULDBLOCK)
			return -errno;
		if (waited_ms >= LOCK_WAIT_MS)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
		waited_ms += 10;
	}
	return 0;
}

/**
 * scmlb_pin_dir_lock() - make the pin directory usable, then lock it
 * @ctx:       the run
 * @create:    create the directory when it is missing (scmlb-attach);
 *             ctx->dir_created tells whether this run made it
 * @exclusive: a writer's lock, or a reader's
 *
 * Return: 0, or what scmlb_pin_dir_prepare() and scmlb_lock() return.
 */
int scmlb_pin_dir_lock(struct scmlb_ctx *ctx, bool create, bool exclusive)
{
	int err = prepare(ctx->pin_dir, create, &ctx->dir_created);

	return err ? err : scmlb_lock(ctx, exclusive);
}

void scmlb_unlock(struct scmlb_ctx *ctx)
{
	if (ctx->dir_fd >= 0)
		close(ctx->dir_fd);
	ctx->dir_fd = -1;
}

static int check_map(int fd, const struct map_desc *d)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != d->type || info.key_size != d->key_size ||
	    info.value_size != d->value_size) {
		pr_debug("map %s: type %u key %u value %u, expected %u %u %u",
			 d->name, info.type, info.key_size, info.value_size,
			 d->type, d->key_size, d->value_size);
		return -EPROTO;
	}
	return 0;
}

/*
 * Read lb_config even when another scmlb made it: every layout keeps the
 * version first, so it can be named in the error.
 */
static int read_any_config(struct scmlb_ctx *ctx)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	__u64 buf[512];

	memset(&ctx->cfg, 0, sizeof(ctx->cfg));
	if (bpf_obj_get_info_by_fd(ctx->maps.config, &info, &len))
		return -errno;
	if (info.key_size != sizeof(__u32) || info.value_size > sizeof(buf) ||
	    info.value_size < sizeof(__u32))
		return -EPROTO;
	if (bpf_map_lookup_elem(ctx->maps.config, &zero, buf))
		return -errno;
	memcpy(&ctx->cfg.layout_version, buf, sizeof(__u32));
	if (info.value_size != sizeof(ctx->cfg))
		return ctx->cfg.layout_version ? -EPROTO : -ENOENT;
	memcpy(&ctx->cfg, buf, sizeof(ctx->cfg));
	return 0;
}

/**
 * scmlb_maps_open_unpublished() - open the pinned maps, whatever their state
 * @ctx: the run; fills ctx->maps and ctx->cfg
 *
 * For scmlb-attach and scmlb-detach, which also handle an instance whose
 * attach was killed before it published its configuration, and maps of an
 * older layout. Maps that are not pinned get fd -1.
 *
 * Return: 0, -ENOENT when lb_config is not pinned, -EPROTO when it is not
 * ours, or another -errno.
 */
int scmlb_maps_open_unpublished(struct scmlb_ctx *ctx)
{
	char path[4096];
	size_t i;
	int err;

	memset(&ctx->maps, 0xff, sizeof(ctx->maps));
	for (i = 0; i < N_MAPS; i++) {
		int *fd = map_fd(&ctx->maps, &map_descs[i]);

		err = scmlb_pin_path(path, sizeof(path), ctx->pin_dir,
				     map_descs[i].name);
		if (err)
			goto err;
		*fd = bpf_obj_get(path);
		if (*fd < 0 && (errno != ENOENT || fd == &ctx->maps.config)) {
			err = -errno;
			goto err;
		}
	}
	err = read_any_config(ctx);
	if (err)
		goto err;
	return 0;
err:
	scmlb_maps_close(ctx);
	return err;
}

/**
 * scmlb_layout_check() - whether this scmlb can work on the maps it opened
 * @ctx: the run, after scmlb_maps_open_unpublished()
 *
 * Return: 0; -ENOENT when nothing is attached (or the attach is not yet
 * published); -EPROTO for another major layout; -ESTALE for an older
 * minor layout, or when maps of a newer minor layout are missing
 * (scmlb-attach upgrades them).
 */
int scmlb_layout_check(const struct scmlb_ctx *ctx)
{
	size_t i;
	int err;

	/* attach publishes the layout version last: 0 means half attached */
	if (!ctx->cfg.layout_version)
		return -ENOENT;
	if (ctx->cfg.layout_version >> 16 != SCMLB_LAYOUT_MAJOR)
		return -EPROTO;
	/*
	 * An older minor's programs may read maps the tools no longer write
	 * (lb_tables before 4.8), even when a killed upgrade pinned the new
	 * ones.
	 */
	if ((ctx->cfg.layout_version & 0xffff) < SCMLB_LAYOUT_MINOR)
		return -ESTALE;
	for (i = 0; i < N_MAPS; i++) {
		int fd = *map_fd((struct scmlb_maps *)&ctx->maps, &map_descs[i]);

		if (fd < 0)
			return -ESTALE;
		err = check_map(fd, &map_descs[i]);
		if (err)
			return err;
	}
	return 0;
}

/**
 * scmlb_maps_open() - open every pinned map and check that we understand it
 * @ctx: the run; fills ctx->maps and ctx->cfg
 *
 * Return: 0, or what scmlb_maps_open_unpublished() and scmlb_layout_check()
 * return.
 */
int scmlb_maps_open(struct scmlb_ctx *ctx)
{
	int err;

	err = scmlb_maps_open_unpublished(ctx);
	if (!err)
		err = scmlb_layout_check(ctx);
	if (err)
		scmlb_maps_close(ctx);
	return err;
}

void scmlb_maps_close(struct scmlb_ctx *ctx)
{
	size_t i;

	for (i = 0; i < N_MAPS; i++) {
		int *fd = map_fd(&ctx->maps, &map_descs[i]);

		if (*fd > 0)
			close(*fd);
		*fd = -1;
	}
}

/**
 * scmlb_maps_nth() - the @i-th pinned map of the layout, in maps.h's order
 * @ctx:  the run, with the maps open
 * @i:    from 0
 * @name: set to the map's name
 *
 * Return: its fd (-1 when it is not open), or -ENOENT past the last map.
 */
int scmlb_maps_nth(const struct scmlb_ctx *ctx, size_t i, const char **name)
{
	if (i >= N_MAPS)
		return -ENOENT;
	*name = map_descs[i].name;
	return *(const int *)((const char *)&ctx->maps + map_descs[i].fd_offset);
}

/*
 * Names of maps earlier layouts pinned: scmlb-detach removes those of any
 * layout, as it can be told to detach an old one.
 */
static const char *const old_map_names[] = { "lb_rotation" };

/* What kind of BPF object @fd is: "bpf-map", "bpf-prog", ... */
static bool fd_is(int fd, const char *kind)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, kind) ||
	       (!strncmp(target, "anon_inode:", 11) &&
		!strcmp(target + 11, kind));
}

/*
 * Whether the pin @name in @dir is scmlb's: a map by that name (of the
 * current layout's type and sizes when the layout has it), or the entry
 * program. Another tool's pin of the same name stays.
 */
static bool pin_is_ours(const char *dir, const char *name,
			const struct map_desc *desc, const char *prog)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
	} info;
	__u32 len = sizeof(info);
	char path[4096];
	bool ours = false;
	int fd;

	if (scmlb_pin_path(path, sizeof(path), dir, name))
		return false;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		goto out;
	if (prog)
		ours = fd_is(fd, "bpf-prog") &&
		       !strncmp(info.prog.name, prog, BPF_OBJ_NAME_LEN - 1);
	else
		ours = fd_is(fd, "bpf-map") &&
		       !strncmp(info.map.name, name, BPF_OBJ_NAME_LEN - 1) &&
		       (!desc || !check_map(fd, desc));
out:
	close(fd);
	return ours;
}

static int unpin_ours(const char *dir, const char *name,
		      const struct map_desc *desc, const char *prog)
{
	char path[4096];

	if (!pin_is_ours(dir, name, desc, prog))
		return 0;
	if (scmlb_pin_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

/**
 * scmlb_maps_unpin() - remove scmlb's pins from @dir
 * @dir:        the pin directory
 * @remove_dir: then remove the directory, if nothing else is left in it
 *
 * Only what scmlb pins goes: its maps by name (of the current layout's
 * types and sizes, or of an earlier layout's names) and its programs
 * (the entry, scmlb_tc). Pins of other tools in the same directory stay, and so does
 * the directory that holds them.
 *
 * Return: 0 or -errno.
 */
int scmlb_maps_unpin(const char *dir, bool remove_dir)
{
	int err = 0, e;
	size_t i;

	for (i = 0; i < N_MAPS; i++) {
		e = unpin_ours(dir, map_descs[i].name, &map_descs[i], NULL);
		err = err ? err : e;
	}
	for (i = 0; i < sizeof(old_map_names) / sizeof(old_map_names[0]); i++) {
		e = unpin_ours(dir, old_map_names[i], NULL, NULL);
		err = err ? err : e;
	}
	e = unpin_ours(dir, SCMLB_PIN_ENTRY, NULL, "scmlb_entry");
	err = err ? err : e;
	/* scmlb_tc, and its next version an upgrade killed before the rename */
	e = unpin_ours(dir, SCMLB_PIN_TC, NULL, "scmlb_tc");
	err = err ? err : e;
	e = unpin_ours(dir, SCMLB_PIN_TC "_new", NULL, "scmlb_tc");
	err = err ? err : e;
	/* a directory others still use, or a mount point, stays */
	if (!err && remove_dir && rmdir(dir) && errno != ENOENT &&
	    errno != ENOTEMPTY && errno != EBUSY)
		err = -errno;
	return err;
}

/**
 * scmlb_tx_ports_open() - open the pinned interface map of any layout
 * @dir: the pin directory
 *
 * Every layout keeps lb_tx_ports a devmap hash by ifindex, so scmlb-detach
 * can find the interfaces of maps it does not otherwise understand.
 *
 * Return: the fd, or -errno.
 */
int scmlb_tx_ports_open(const char *dir)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[4096];
	int fd;

	if (scmlb_pin_path(path, sizeof(path), dir, "lb_tx_ports"))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_DEVMAP_HASH || info.key_size != sizeof(__u32)) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int scmlb_config_read(const struct scmlb_ctx *ctx, struct scmlb_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(ctx->maps.config, &zero, cfg) ? -errno : 0;
}

int scmlb_config_write(const struct scmlb_ctx *ctx,
		       const struct scmlb_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(ctx->maps.config, &zero, cfg, BPF_ANY) ?
	       -errno : 0;
}

/* ctx->cfg as lb_config holds it now: the start of a change of it. */
int scmlb_config_refresh(struct scmlb_ctx *ctx)
{
	return scmlb_config_read(ctx, &ctx->cfg);
}

/* Store ctx->cfg; when that fails, ctx->cfg goes back to what is stored. */
int scmlb_config_commit(struct scmlb_ctx *ctx)
{
	int err = scmlb_config_write(ctx, &ctx->cfg);

	if (err)
		scmlb_config_refresh(ctx);
	return err;
}

/**
 * scmlb_config_set_flag() - set or clear one of lb_config's flags
 * @ctx:  the run, holding the exclusive lock
 * @flag: enum scmlb_config_flags
 * @on:   set it, or clear it
 *
 * Return: 0 or -errno.
 */
int scmlb_config_set_flag(struct scmlb_ctx *ctx, __u8 flag, bool on)
{
	int err = scmlb_config_refresh(ctx);

	if (err || !!(ctx->cfg.flags & flag) == on)
		return err;
	if (on)
		ctx->cfg.flags |= flag;
	else
		ctx->cfg.flags &= ~flag;
	return scmlb_config_commit(ctx);
}

/**
 * scmlb_array_read() - read the first @n values of an array map at once
 * @fd:         the map (array or per-CPU array)
 * @n:          how many entries, from key 0
 * @value_size: bytes per entry as the kernel copies it (per-CPU: rounded
 *              up to 8, times the possible CPUs)
 * @out:        room for @n values
 *
 * Return: 0 or -errno.
 */
int scmlb_array_read(int fd, __u32 n, size_t value_size, void *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 batch, count, done = 0;
	__u32 *keys;
	int err = 0;

	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	while (done < n) {
		count = n - done;
		if (bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch,
					 keys + done, (char *)out + done * value_size,
					 &count, &opts) && errno != ENOENT) {
			err = -errno;
			break;
		}
		done += count;
		if (!count)
			break;
	}
	free(keys);
	return err;
}

/**
 * scmlb_percpu_read_sum() - read a per-CPU entry of __u64 counters, summed
 * @fd:   a per-CPU array whose values are @n __u64s
 * @key:  the entry
 * @sums: the @n counters added up over the possible CPUs
 * @n:    counters in a value
 *
 * Return: 0 or -errno.
 */
int scmlb_percpu_read_sum(int fd, __u32 key, __u64 *sums, size_t n)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	__u64 *vals;
	size_t i;

	if (ncpus < 0)
		return ncpus;
	vals = calloc((size_t)ncpus * n, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		free(vals);
		return -errno;
	}
	memset(sums, 0, n * sizeof(*sums));
	for (c = 0; c < ncpus; c++)
		for (i = 0; i < n; i++)
			sums[i] += vals[(size_t)c * n + i];
	free(vals);
	return 0;
}

/**
 * scmlb_percpu_zero() - set a per-CPU entry to zero on every CPU
 * @fd:         a per-CPU array
 * @key:        the entry
 * @value_size: bytes of a value, a multiple of 8
 *
 * Return: 0 or -errno.
 */
int scmlb_percpu_zero(int fd, __u32 key, size_t value_size)
{
	int ncpus = libbpf_num_possible_cpus();
	void *zeros;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	zeros = calloc(ncpus, value_size);
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

static int cmp_slot_id(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/**
 * scmlb_map_batches() - call @fn on every key and value of a map, read in batches
 * @fd:       a hash (or LRU hash) map
 * @batch:    entries per lookup: a walk over a million flows needs a
 *            batch of memory, not the whole table
 * @key_size: bytes of a key
 * @val_size: bytes of a value
 * @fn:       called for each entry; a nonzero return stops the walk
 * @arg:      passed to @fn
 *
 * Return: 0, what @fn returned, or -errno.
 */
int scmlb_map_batches(int fd, __u32 batch, size_t key_size, size_t val_size,
		      scmlb_map_batch_fn fn, void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	char *keys, *vals;
	__u32 token, count, i;
	bool first = true;
	int err = 0, ret;

	keys = calloc(batch, key_size);
	vals = calloc(batch, val_size);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = batch;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					   keys, vals, &count, &opts);
		if (ret && errno != ENOENT) {
			err = -errno;
			goto out;
		}
		first = false;
		for (i = 0; i < count && !err; i++)
			err = fn(keys + i * key_size, vals + i * val_size, arg);
		if (err || ret)	/* ENOENT: that was the last batch */
			break;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/**
 * scmlb_slots_list() - the used entries of an array whose values start with
 *			a __u32 id (0: free), sorted by id
 * @fd:         the array
 * @slots:      its entries
 * @value_size: bytes of a value
 * @out:        set to the used values, an array the caller frees
 * @n:          set to their number
 *
 * Return: 0 or -errno.
 */
int scmlb_slots_list(int fd, __u32 slots, size_t value_size, void **out,
		     size_t *n)
{
	char *all = calloc(slots, value_size);
	size_t i, used = 0;
	int err;

	*out = NULL;
	*n = 0;
	if (!all)
		return -ENOMEM;
	err = scmlb_array_read(fd, slots, value_size, all);
	if (err) {
		free(all);
		return err;
	}
	for (i = 0; i < slots; i++) {
		const char *v = all + i * value_size;

		if (!*(const __u32 *)v)
			continue;
		if (used != i)
			memcpy(all + used * value_size, v, value_size);
		used++;
	}
	/* ids wrap around the slots */
	qsort(all, used, value_size, cmp_slot_id);
	*out = all;
	*n = used;
	return 0;
}
