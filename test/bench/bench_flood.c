// SPDX-License-Identifier: GPL-2.0
/* bench_flood.c - a bounded SYN flood, pktgen-like, for bench_e2e.sh and bench_synflood.sh */

/*
 * bench_flood -i IFACE -s SRC|-r CIDR -d DST -p PORT -m DST_MAC -t SECONDS
 *             [-j THREADS] [-M xdp|packet]
 *
 * Sends TCP SYNs from SRC to DST:PORT on IFACE for SECONDS, then prints
 * "sent N packets in S s: R pps", with THREADS senders each pinned to its
 * own CPU of those it may run on (by default one per such CPU). The
 * source port varies over 256 values, checksums stay valid.
 * With -r CIDR every SYN comes from a random address of CIDR and a random
 * port of 1024-65535 instead: a spoofed flood, a new flow per packet, that
 * per-source limits cannot see.
 *  - xdp (default): BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs
 *    bench_flood.bpf.c, which redirects every frame out of IFACE. On a
 *    veth the frames reach the peer as xdp_frames, no skb made: what a
 *    NIC's driver hands to XDP, so a receiver's XDP program sees them
 *    before any skb exists, and the kernel stack (nftables) pays for
 *    building one. The peer needs NAPI (an XDP program, or GRO on).
 *    "Sent" counts the runs; frames a full ring refuses are lost silently.
 *  - packet: an AF_PACKET socket, the qdisc bypassed, frames sent 256 at
 *    a time with sendmmsg(): far fewer syscalls per packet than hping3
 *    --flood, but every frame is an skb before it leaves, and on a veth
 *    its receiver's work runs in the sender's softirq. A frame the device
 *    refuses (a full ring) is counted as not sent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "bench_flood.skel.h"
#include "clock.h"
#include "frames.h"
#include "log.h"

#define FRAME_LEN	60	/* Ethernet minimum without FCS: 14 + 20 + 20 + 6 */
#define BURST		256
#define THREADS_MAX	64
#define SECONDS_MAX	3600
#define SPORT_BASE	1024
#define XDP_REPEAT	(1 << 16)	/* runs per test-run call: a few ms */
#define RAND_SPORT_MIN	1024

struct flood {
	int ifindex;
	unsigned char src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	struct in_addr src, dst;
	unsigned int rand_mask;	/* host order: the source bits drawn */
	bool rand;		/* -r: a random source address and port */
	unsigned short port;
	double seconds;
	int prog_fd;		/* the XDP sender, or -1: AF_PACKET */
};

struct worker {
	pthread_t tid;
	const struct flood *f;
	int index;
	unsigned long long sent;
	int err;
};

/* A SYN from @src:@sport, every checksum computed. */
static void syn_build(const struct flood *f, struct in_addr src,
		      unsigned short sport, unsigned char *b)
{
	unsigned char *ip = b + ETH_HLEN, *tcp = ip + 20;

	memset(b, 0, FRAME_LEN);
	memcpy(b, f->dst_mac, ETH_ALEN);
	memcpy(b + ETH_ALEN, f->src_mac, ETH_ALEN);
	put16(b + 12, ETH_P_IP);
	ip[0] = 0x45;
	put16(ip + 2, 40);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &f->dst, 4);
	put16(ip + 10, ~sum_fold(sum16(ip, 20, 0)));
	put16(tcp, sport);
	put16(tcp + 2, f->port);
	put16(tcp + 4, sport * 7919u);	/* seq: anything */
	tcp[12] = 5 << 4;
	tcp[13] = 0x02;			/* SYN */
	put16(tcp + 14, 64240);
	put16(tcp + 16, ~sum_fold(sum16(tcp, 20,
					sum_pseudo(ip, IPPROTO_TCP, 20))));
}

static double now_s(void)
{
	return scmlb_mono_ns() / 1e9;
}

/*
 * The CPUs this process may run on, as its parent allowed: a sender never
 * goes to a CPU kept for other work (taskset, a cpuset).
 */
static cpu_set_t allowed;

/* Sender @index on the index-th allowed CPU, round robin. */
static void pin_cpu(int index)
{
	int n = CPU_COUNT(&allowed), cpu;
	cpu_set_t set;

	if (n < 1)
		return;
	index %= n;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &allowed) && !index--)
			break;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

/* Live frames of one test run each go out through the interface. */
static void *worker_xdp(void *arg)
{
	struct worker *w = arg;
	const struct flood *f = w->f;
	unsigned char frame[FRAME_LEN];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = frame,
		    .data_size_in = sizeof(frame),
		    .repeat = XDP_REPEAT,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	double end;

	pin_cpu(w->index);
	syn_build(f, f->src, SPORT_BASE, frame);
	end = now_s() + f->seconds;
	while (now_s() < end) {
		if (bpf_prog_test_run_opts(f->prog_fd, &opts)) {
			w->err = -errno;
			break;
		}
		w->sent += XDP_REPEAT;
	}
	return NULL;
}

/* xorshift64: a sender thread's own cheap random numbers */
static unsigned long long rand_next(unsigned long long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* -r: the burst's frames from fresh random sources */
static void burst_randomize(const struct flood *f, unsigned long long *state,
			    unsigned char (*frames)[FRAME_LEN])
{
	struct in_addr src;
	unsigned long long r;
	int i;

	for (i = 0; i < BURST; i++) {
		r = rand_next(state);
		src.s_addr = htonl((ntohl(f->src.s_addr) & ~f->rand_mask) |
				   ((unsigned int)r & f->rand_mask));
		syn_build(f, src, RAND_SPORT_MIN +
			  (r >> 32) % (65536 - RAND_SPORT_MIN), frames[i]);
	}
}

static void *worker_packet(void *arg)
{
	struct worker *w = arg;
	const struct flood *f = w->f;
	static __thread unsigned char frames[BURST][FRAME_LEN];
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = f->ifindex,
		.sll_halen = ETH_ALEN,
	};
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];
	unsigned long long state = 0x9e3779b97f4a7c15ull * (w->index + 1);
	double end;
	int fd, one = 1, i, n;

	pin_cpu(w->index);
	memcpy(to.sll_addr, f->dst_mac, ETH_ALEN);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		w->err = -errno;
		goto out;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BURST; i++) {
		syn_build(f, f->src, SPORT_BASE + i, frames[i]);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	end = now_s() + f->seconds;
	while (now_s() < end) {
		if (f->rand)
			burst_randomize(f, &state, frames);
		n = sendmmsg(fd, msgs, BURST, 0);
		if (n > 0) {
			w->sent += n;
		} else if (errno != ENOBUFS && errno != EAGAIN &&
			   errno != EINTR) {
			w->err = -errno;
			break;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[ETH_ALEN];
	char end;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &end) != ETH_ALEN)
		return -EINVAL;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

static int iface_mac(const char *name, unsigned char *mac)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

/* The XDP sender, loaded with the frame's source and checksums. */
static int xdp_load(struct flood *f, struct bench_flood_bpf **skel)
{
	unsigned char frame[FRAME_LEN];
	struct bench_flood_bpf *s;
	int err;

	syn_build(f, f->src, SPORT_BASE, frame);
	s = bench_flood_bpf__open();
	if (!s)
		return -errno;
	memcpy(s->bss->flood_hdr, frame, sizeof(s->bss->flood_hdr));
	s->rodata->flood_ifindex = f->ifindex;
	s->rodata->flood_saddr = ntohl(f->src.s_addr);
	s->rodata->flood_rand_mask = f->rand_mask;
	s->rodata->flood_rand = f->rand;
	s->rodata->flood_sport = SPORT_BASE;
	s->rodata->flood_ip_check = frame[ETH_HLEN + 10] << 8 |
				    frame[ETH_HLEN + 11];
	s->rodata->flood_check = frame[ETH_HLEN + 20 + 16] << 8 |
				 frame[ETH_HLEN + 20 + 17];
	err = bench_flood_bpf__load(s);
	if (err) {
		bench_flood_bpf__destroy(s);
		return err;
	}
	f->prog_fd = bpf_program__fd(s->progs.bench_flood);
	*skel = s;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bench_flood -i IFACE -s SRC|-r CIDR -d DST -p PORT "
		"-m DST_MAC -t SECONDS [-j THREADS] [-M xdp|packet]\n"
		"Send TCP SYNs from SRC to DST:PORT on IFACE for SECONDS (at most %d)\n"
		"with THREADS senders, one per CPU it may run on (default: as many\n"
		"as those CPUs), then print how many were sent. -r: each SYN from a\n"
		"random address of CIDR and a random port (spoofed sources). -M: live\n"
		"XDP frames redirected out of IFACE (default; no skb) or an AF_PACKET\n"
		"socket (an skb per frame).\n",
		SECONDS_MAX);
}

int main(int argc, char **argv)
{
	struct flood f = { .prog_fd = -1 };
	struct bench_flood_bpf *skel = NULL;
	bool xdp = true;
	struct worker *w;
	const char *iface = NULL;
	unsigned long long total = 0;
	long threads;
	double t0, secs;
	bool have_mac = false;
	struct scmlb_cidr cidr;
	const char *why;
	char *end;
	int c, i, err = 0;

	scmlb_log_init("bench_flood");
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		CPU_ZERO(&allowed);
	threads = CPU_COUNT(&allowed);
	while ((c = getopt(argc, argv, "i:s:r:d:p:m:t:j:M:h")) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 's':
		case 'd':
			if (inet_pton(AF_INET, optarg, c == 's' ? &f.src : &f.dst) != 1) {
				pr_err("invalid address '%s'", optarg);
				return 2;
			}
			f.rand = f.rand && c != 's';	/* the last of -s, -r */
			break;
		case 'r':
			if (scmlb_parse_cidr(optarg, &cidr, &why)) {
				pr_err("invalid network '%s': %s", optarg, why);
				return 2;
			}
			f.src.s_addr = cidr.addr[0];
			f.rand_mask = cidr.prefixlen == 32 ?
				      0 : 0xffffffffu >> cidr.prefixlen;
			f.rand = true;
			break;
		case 'p':
			f.port = strtoul(optarg, &end, 10);
			if (*end || !f.port) {
				pr_err("invalid port '%s'", optarg);
				return 2;
			}
			break;
		case 'm':
			if (parse_mac(optarg, f.dst_mac)) {
				pr_err("invalid MAC '%s'", optarg);
				return 2;
			}
			have_mac = true;
			break;
		case 't':
			f.seconds = strtod(optarg, &end);
			if (*end || !(f.seconds > 0) || f.seconds > SECONDS_MAX) {
				pr_err("invalid duration '%s'", optarg);
				return 2;
			}
			break;
		case 'j':
			threads = strtol(optarg, &end, 10);
			if (*end || threads < 1 || threads > THREADS_MAX) {
				pr_err("invalid thread count '%s'", optarg);
				return 2;
			}
			break;
		case 'M':
			if (strcmp(optarg, "xdp") && strcmp(optarg, "packet")) {
				pr_err("invalid mode '%s': xdp or packet", optarg);
				return 2;
			}
			xdp = !strcmp(optarg, "xdp");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!iface || (!f.src.s_addr && !f.rand) || !f.dst.s_addr || !f.port || !have_mac ||
	    !f.seconds || optind < argc) {
		usage(stderr);
		return 2;
	}
	if (threads < 1)
		threads = 1;
	f.ifindex = if_nametoindex(iface);
	if (!f.ifindex || iface_mac(iface, f.src_mac)) {
		pr_err("no interface '%s'", iface);
		return 1;
	}
	if (xdp) {
		err = xdp_load(&f, &skel);
		if (err) {
			pr_err("cannot load the XDP sender: %s",
				strerror(-err));
			return 1;
		}
	}
	w = calloc(threads, sizeof(*w));
	if (!w) {
		bench_flood_bpf__destroy(skel);
		return 1;
	}
	t0 = now_s();
	for (i = 0; i < threads; i++) {
		w[i].f = &f;
		w[i].index = i;
		if (pthread_create(&w[i].tid, NULL,
				   xdp ? worker_xdp : worker_packet, &w[i])) {
			threads = i;
			err = -EAGAIN;
			break;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].sent;
		if (w[i].err && !err)
			err = w[i].err;
	}
	secs = now_s() - t0;
	free(w);
	bench_flood_bpf__destroy(skel);
	if (err) {
		pr_err("flood failed: %s", strerror(-err));
		return 1;
	}
	printf("sent %llu packets in %.2f s: %.0f pps\n", total, secs,
	       total / secs);
	return 0;
}
