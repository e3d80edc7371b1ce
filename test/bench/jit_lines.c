// SPDX-License-Identifier: GPL-2.0
/*
 * jit_lines.c - write a loaded BPF program's JIT image and line table
 *
 * jit_lines NAME PREFIX: for every loaded program named NAME, write
 * PREFIX.TAG.bin, its main function's JIT image, and PREFIX.TAG.lines,
 * one line per line-info record of that function: the offset in the
 * image (hex), file:line, and the source text. profile.sh maps perf's
 * samples (symbol+offset) to source lines with them. The tag tells
 * apart programs of the same name that other builds loaded.
 *
 * Exit status: 0 one or more written, 1 none loaded, 2 bad usage or a
 * failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

/* The arrays bpf_obj_get_info_by_fd() fills for one program. */
struct jit_info {
	struct bpf_prog_info info;
	__u64 *jited_lines;		/* kernel address of each line record */
	struct bpf_line_info *lines;
	__u64 *ksyms;			/* each function's start */
	__u32 *func_lens;		/* each function's JIT length */
	unsigned char *image;
};

static void jit_info_free(struct jit_info *j)
{
	free(j->jited_lines);
	free(j->lines);
	free(j->ksyms);
	free(j->func_lens);
	free(j->image);
}

/* Fill @j for program @fd, whose counts @counts has. */
static int jit_info_get(int fd, const struct bpf_prog_info *counts,
			struct jit_info *j)
{
	struct bpf_prog_info *info = &j->info;
	__u32 len = sizeof(*info);

	memset(j, 0, sizeof(*j));
	j->jited_lines = calloc(counts->nr_jited_line_info + 1, sizeof(__u64));
	j->lines = calloc(counts->nr_line_info + 1, sizeof(*j->lines));
	j->ksyms = calloc(counts->nr_jited_ksyms + 1, sizeof(__u64));
	j->func_lens = calloc(counts->nr_jited_func_lens + 1, sizeof(__u32));
	j->image = malloc(counts->jited_prog_len + 1);
	if (!j->jited_lines || !j->lines || !j->ksyms || !j->func_lens ||
	    !j->image)
		return -ENOMEM;
	info->nr_jited_line_info = counts->nr_jited_line_info;
	info->jited_line_info = (__u64)(unsigned long)j->jited_lines;
	info->jited_line_info_rec_size = sizeof(__u64);
	info->nr_line_info = counts->nr_line_info;
	info->line_info = (__u64)(unsigned long)j->lines;
	info->line_info_rec_size = sizeof(*j->lines);
	info->nr_jited_ksyms = counts->nr_jited_ksyms;
	info->jited_ksyms = (__u64)(unsigned long)j->ksyms;
	info->nr_jited_func_lens = counts->nr_jited_func_lens;
	info->jited_func_lens = (__u64)(unsigned long)j->func_lens;
	info->jited_prog_len = counts->jited_prog_len;
	info->jited_prog_insns = (__u64)(unsigned long)j->image;
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "?";
}

/* Write PREFIX.TAG.bin and PREFIX.TAG.lines of the program in @j. */
static int jit_write(const struct jit_info *j, const char *prefix,
		     const char *tag)
{
	const struct bpf_prog_info *info = &j->info;
	__u32 main_len = info->nr_jited_func_lens ? j->func_lens[0] :
						    info->jited_prog_len;
	__u64 start = info->nr_jited_ksyms ? j->ksyms[0] : 0;
	struct btf *btf = btf__load_from_kernel_by_id(info->btf_id);
	char path[4096];
	FILE *f;
	__u32 i;

	if (!btf || !start)
		return -1;
	snprintf(path, sizeof(path), "%s.%s.bin", prefix, tag);
	f = fopen(path, "w");
	if (!f || fwrite(j->image, 1, main_len, f) != main_len || fclose(f))
		goto fail;
	snprintf(path, sizeof(path), "%s.%s.lines", prefix, tag);
	f = fopen(path, "w");
	if (!f)
		goto fail;
	/* jited_line_info pairs with line_info record by record */
	for (i = 0; i < info->nr_jited_line_info && i < info->nr_line_info; i++) {
		const struct bpf_line_info *l = &j->lines[i];
		const char *src = btf__name_by_offset(btf, l->line_off);
		__u64 off = j->jited_lines[i] - start;

		/* the main function's records only: subprograms have symbols of their own */
		if (j->jited_lines[i] < start || off >= main_len)
			continue;
		fprintf(f, "%llx\t%s:%u\t%s\n", (unsigned long long)off,
			base_name(btf__name_by_offset(btf, l->file_name_off)),
			BPF_LINE_INFO_LINE_NUM(l->line_col), src ? src : "");
	}
	if (fclose(f))
		goto fail;
	btf__free(btf);
	return 0;
fail:
	btf__free(btf);
	return -1;
}

int main(int argc, char **argv)
{
	int written = 0, failed = 0;
	__u32 id = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: jit_lines NAME PREFIX\n");
		return 2;
	}
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info counts = {};
		__u32 len = sizeof(counts);
		struct jit_info j;
		char tag[2 * BPF_TAG_SIZE + 1];
		int fd, k;

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone since */
		if (bpf_obj_get_info_by_fd(fd, &counts, &len) ||
		    strcmp(counts.name, argv[1]) || !counts.jited_prog_len) {
			close(fd);
			continue;
		}
		for (k = 0; k < BPF_TAG_SIZE; k++)
			sprintf(tag + 2 * k, "%02x", counts.tag[k]);
		if (jit_info_get(fd, &counts, &j) || jit_write(&j, argv[2], tag))
			failed = 1;
		else
			written++;
		jit_info_free(&j);
		close(fd);
	}
	if (failed)
		fprintf(stderr, "jit_lines: a program of name %s could not be written\n",
			argv[1]);
	return written ? 0 : failed ? 2 : 1;
}
