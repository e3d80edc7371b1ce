// SPDX-License-Identifier: GPL-2.0
/* scmlb-testapp.c - HTTP, TCP echo and UDP echo server run on every backend */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG		"scmlb-testapp"

#define LISTEN_BACKLOG	4096
#define MAX_EVENTS	256
#define UDP_BURST	64		/* datagrams per wakeup, for fairness */

/*
 * One allocation per connection holds every buffer it will ever need, so
 * the request path never calls malloc.  HTTP splits it into an input half
 * (which bounds the header size) and an output half.
 */
#define CONN_BUF	16384
#define HDR_MAX		8192
#define HTTP_IN_CAP	HDR_MAX
#define HTTP_OUT_CAP	(CONN_BUF - HTTP_IN_CAP)
#define NAME_MAX_LEN	255
/* Longest response we build: fixed headers plus the longest body. */
#define RESP_MAX	(160 + NAME_MAX_LEN + 1)

_Static_assert(RESP_MAX * 4 <= HTTP_OUT_CAP, "output buffer too small");

enum item_kind {
	KIND_SIGNAL,
	KIND_HTTP_LISTEN,
	KIND_ECHO_LISTEN,
	KIND_UDP,
	KIND_HTTP,
	KIND_ECHO,
};

/* Head of everything registered with epoll, so events can be dispatched. */
struct ep_item {
	int kind;
	int fd;
};

enum conn_state {
	CONN_OPEN,
	CONN_CLOSING,	/* flush the output, then close */
	CONN_LINGER,	/* write side shut; wait for the peer's EOF */
};

struct conn {
	struct ep_item item;
	struct conn *prev, *next;
	uint32_t events;		/* what epoll is currently asked for */
	uint8_t state;
	uint8_t name_len;		/* 0 until the address is cached */
	uint32_t in_len;
	uint32_t out_off, out_len;
	uint64_t body_left;		/* request body left to discard */
	char name[INET6_ADDRSTRLEN];
	char buf[];
};

struct http_req {
	bool keep_alive;
	bool http10;
	bool head;
};

static struct {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char addr_text[INET6_ADDRSTRLEN];
	uint16_t http_port, echo_port, udp_port;
	char *name;		/* with a trailing newline */
	size_t name_len;
	const char *health_file;
} cfg = {
	.addr_text = "0.0.0.0",
	.http_port = 8080,
	.echo_port = 7070,
	.udp_port = 9090,
};

static int epfd = -1;
static int reserve_fd = -1;
static bool running = true;
static struct conn *conns;

static int set_events(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return 0;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->item.fd, &ev) < 0)
		return -errno;
	c->events = events;
	return 0;
}

static int conn_open(int kind, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c;
	int one = 1;
	int err = 0;

	c = malloc(sizeof(*c) + CONN_BUF);
	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->item.kind = kind;
	c->item.fd = fd;
	c->events = EPOLLIN;

	/* Responses go out in one send; Nagle would only add latency. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		goto out;
	}
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
out:
	if (err)
		free(c);
	return err;
}

static void conn_close(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->item.fd);
	free(c);
}

/* Returns 0 once everything is sent, -EAGAIN if the socket is full. */
static int conn_flush(struct conn *c, const char *out)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->item.fd, out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c->out_off += n;
	}
	c->out_off = 0;
	c->out_len = 0;
	return 0;
}

static char *http_out(struct conn *c)
{
	return c->buf + HTTP_IN_CAP;
}

static void out_put(struct conn *c, const void *data, size_t len)
{
	memcpy(http_out(c) + c->out_len, data, len);
	c->out_len += len;
}

#define OUT_STR(c, s)	out_put(c, s, sizeof(s) - 1)

static void out_u32(struct conn *c, uint32_t v)
{
	char tmp[10];
	char *p = tmp + sizeof(tmp);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	out_put(c, p, tmp + sizeof(tmp) - p);
}

static void http_respond(struct conn *c, const struct http_req *req,
			 int status, const char *body, size_t body_len)
{
	switch (status) {
	case 200:
		OUT_STR(c, "HTTP/1.1 200 OK\r\n");
		break;
	case 400:
		OUT_STR(c, "HTTP/1.1 400 Bad Request\r\n");
		break;
	case 404:
		OUT_STR(c, "HTTP/1.1 404 Not Found\r\n");
		break;
	case 501:
		OUT_STR(c, "HTTP/1.1 501 Not Implemented\r\n");
		break;
	default:
		OUT_STR(c, "HTTP/1.1 503 Service Unavailable\r\n");
		break;
	}
	OUT_STR(c, "Content-Type: text/plain\r\nContent-Length: ");
	out_u32(c, body_len);
	if (!req->keep_alive)
		OUT_STR(c, "\r\nConnection: close");
	else if (req->http10)
		OUT_STR(c, "\r\nConnection: keep-alive");
	OUT_STR(c, "\r\n\r\n");
	if (!req->head)
		out_put(c, body, body_len);
	if (!req->keep_alive)
		c->state = CONN_CLOSING;
}

static void http_error(struct conn *c, int status)
{
	static const struct http_req req = { .keep_alive = false };

	if (status == 400)
		http_respond(c, &req, status, "bad request\n", 12);
	else
		http_respond(c, &req, status, "not implemented\n", 16);
}

/* The default name is whichever of our addresses the client reached. */
static void conn_cache_name(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *a = NULL;
	int family = AF_UNSPEC;

	if (getsockname(c->item.fd, (struct sockaddr *)&ss, &len) == 0) {
		family = ss.ss_family;
		if (family == AF_INET) {
			a = &((struct sockaddr_in *)&ss)->sin_addr;
		} else if (family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
			struct in6_addr *a6 = &sin6->sin6_addr;

			/* A dual-stack socket still serves IPv4 clients. */
			if (IN6_IS_ADDR_V4MAPPED(a6)) {
				family = AF_INET;
				a = &a6->s6_addr[12];
			} else {
				a = a6;
			}
		}
	}
	if (!a || !inet_ntop(family, a, c->name, sizeof(c->name)))
		strcpy(c->name, "unknown");
	c->name_len = strlen(c->name);
	c->name[c->name_len++] = '\n';
}

static bool token_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !strncasecmp(s, lit, len);
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static void parse_connection(struct http_req *req, const char *v, size_t len)
{
	while (len) {
		const char *comma = memchr(v, ',', len);
		size_t tlen = comma ? (size_t)(comma - v) : len;
		const char *t = v;
		size_t n = tlen;

		trim(&t, &n);
		if (token_eq(t, n, "close"))
			req->keep_alive = false;
		else if (token_eq(t, n, "keep-alive"))
			req->keep_alive = true;
		if (!comma)
			break;
		v += tlen + 1;
		len -= tlen + 1;
	}
}

static int parse_content_length(const char *v, size_t len, uint64_t *out)
{
	uint64_t n = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' || n > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		n = n * 10 + (v[i] - '0');
	}
	*out = n;
	return 0;
}

/*
 * Handles one complete request head (request line through the empty line)
 * and queues its response.
 */
static void http_request(struct conn *c, const char *head, uint32_t len)
{
	const char *hdr_end = head + len - 2;	/* the final empty line */
	const char *line = head, *eol, *sp1, *sp2, *target, *ver, *q;
	struct http_req req = { 0 };
	size_t ll, tlen, mlen;
	bool unhealthy;

	eol = memchr(line, '\n', hdr_end - line);
	if (!eol)
		goto bad;
	ll = eol - line;
	if (ll && line[ll - 1] == '\r')
		ll--;
	sp1 = memchr(line, ' ', ll);
	if (!sp1)
		goto bad;
	mlen = sp1 - line;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', line + ll - target);
	if (!sp2)
		goto bad;
	tlen = sp2 - target;
	ver = sp2 + 1;
	if (line + ll - ver != 8 || memcmp(ver, "HTTP/1.", 7) ||
	    (ver[7] != '0' && ver[7] != '1'))
		goto bad;
	req.http10 = ver[7] == '0';
	req.keep_alive = !req.http10;

	for (line = eol + 1; line < hdr_end; line = eol + 1) {
		const char *colon, *v;
		size_t vlen;

		eol = memchr(line, '\n', hdr_end - line);
		if (!eol)
			goto bad;
		ll = eol - line;
		if (ll && line[ll - 1] == '\r')
			ll--;
		colon = memchr(line, ':', ll);
		if (!colon)
			goto bad;
		v = colon + 1;
		vlen = line + ll - v;
		trim(&v, &vlen);
		if (token_eq(line, colon - line, "connection")) {
			parse_connection(&req, v, vlen);
		} else if (token_eq(line, colon - line, "content-length")) {
			if (parse_content_length(v, vlen, &c->body_left))
				goto bad;
		} else if (token_eq(line, colon - line, "transfer-encoding")) {
			/* Undecoded chunks leave requests unframed. */
			http_error(c, 501);
			return;
		}
	}

	q = memchr(target, '?', tlen);
	if (q)
		tlen = q - target;
	req.head = mlen == 4 && !memcmp(head, "HEAD", 4);
	if (!req.head && (mlen != 3 || memcmp(head, "GET", 3)))
		goto not_found;

	if (tlen == 4 && !memcmp(target, "/who", 4)) {
		if (cfg.name) {
			/* The buffer has room for the name plus its newline. */
			http_respond(c, &req, 200, cfg.name, cfg.name_len + 1);
			return;
		}
		if (!c->name_len)
			conn_cache_name(c);
		http_respond(c, &req, 200, c->name, c->name_len);
		return;
	}
	if (tlen == 7 && !memcmp(target, "/health", 7)) {
		unhealthy = cfg.health_file && !access(cfg.health_file, F_OK);
		if (unhealthy)
			http_respond(c, &req, 503, "unhealthy\n", 10);
		else
			http_respond(c, &req, 200, "ok\n", 3);
		return;
	}
not_found:
	http_respond(c, &req, 404, "not found\n", 10);
	return;
bad:
	http_error(c, 400);
}

/*
 * Consumes every complete request in the input buffer.  Returns true when
 * it stopped early because the output buffer is full; the rest of the
 * input is then kept for after the flush.
 */
static bool http_parse(struct conn *c)
{
	char *in = c->buf;
	uint32_t pos = 0;
	bool stalled = false;

	while (c->state == CONN_OPEN && pos < c->in_len) {
		uint32_t avail = c->in_len - pos;
		const char *end;

		if (c->body_left) {
			uint32_t n = avail;

			if (n > c->body_left)
				n = c->body_left;

			pos += n;
			c->body_left -= n;
			continue;
		}
		/* RFC 9112 2.2: tolerate stray CRLFs between requests. */
		if (in[pos] == '\r' || in[pos] == '\n') {
			pos++;
			continue;
		}
		if (c->out_len + RESP_MAX > HTTP_OUT_CAP) {
			stalled = true;
			break;
		}
		end = memmem(in + pos, avail, "\r\n\r\n", 4);
		if (!end) {
			if (avail >= HDR_MAX)
				http_error(c, 400);
			break;
		}
		end += 4;
		http_request(c, in + pos, end - (in + pos));
		pos = end - in;
	}

	if (c->state != CONN_OPEN)
		pos = c->in_len;
	if (pos) {
		memmove(in, in + pos, c->in_len - pos);
		c->in_len -= pos;
	}
	return stalled;
}

/*
 * Closing with unread data makes the kernel send a RST, which can destroy
 * the response before the client reads it; so half-close and wait for the
 * peer to finish instead.
 */
static void http_linger(struct conn *c)
{
	if (shutdown(c->item.fd, SHUT_WR) < 0 || set_events(c, EPOLLIN) < 0) {
		conn_close(c);
		return;
	}
	c->state = CONN_LINGER;
}

static void http_service(struct conn *c)
{
	bool stalled;
	int err;

	do {
		stalled = http_parse(c);
		err = conn_flush(c, http_out(c));
		if (err == -EAGAIN) {
			if (set_events(c, EPOLLOUT) < 0)
				conn_close(c);
			return;
		}
		if (err) {
			conn_close(c);
			return;
		}
	} while (stalled);

	if (c->state == CONN_CLOSING)
		http_linger(c);
	else if (set_events(c, EPOLLIN) < 0)
		conn_close(c);
}

static void http_on_read(struct conn *c)
{
	ssize_t n;

	if (c->state == CONN_LINGER) {
		n = recv(c->item.fd, c->buf, CONN_BUF, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}

	/* Reading is only enabled while the input buffer has room. */
	n = recv(c->item.fd, c->buf + c->in_len, HTTP_IN_CAP - c->in_len, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(c);
		return;
	}
	if (n == 0) {
		conn_close(c);
		return;
	}
	c->in_len += n;
	http_service(c);
}

static void http_on_write(struct conn *c)
{
	int err = conn_flush(c, http_out(c));

	if (err == -EAGAIN)
		return;
	if (err) {
		conn_close(c);
		return;
	}
	http_service(c);
}

/*
 * Only one of reading and writing is enabled at a time: a peer that does
 * not read its echo stops being read, so nothing is ever dropped.
 */
static void echo_flush(struct conn *c)
{
	int err = conn_flush(c, c->buf);

	if (err == -EAGAIN)
		err = set_events(c, EPOLLOUT);
	else if (!err)
		err = set_events(c, EPOLLIN);
	if (err)
		conn_close(c);
}

static void echo_on_read(struct conn *c)
{
	ssize_t n = recv(c->item.fd, c->buf, CONN_BUF, 0);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(c);
		return;
	}
	if (n == 0) {
		conn_close(c);
		return;
	}
	c->out_off = 0;
	c->out_len = n;
	echo_flush(c);
}

static void conn_event(struct conn *c, uint32_t events)
{
	bool http = c->item.kind == KIND_HTTP;

	if (events & EPOLLERR)
		conn_close(c);
	else if (c->events & EPOLLIN)
		http ? http_on_read(c) : echo_on_read(c);
	else
		http ? http_on_write(c) : echo_flush(c);
}

/*
 * Out of descriptors, a level-triggered listener would wake us forever;
 * spend the reserve descriptor to accept and drop one client instead.
 */
static void shed_connection(int lfd)
{
	int fd;

	if (reserve_fd < 0)
		return;
	close(reserve_fd);
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_all(struct ep_item *l)
{
	int kind = l->kind == KIND_HTTP_LISTEN ? KIND_HTTP : KIND_ECHO;

	for (;;) {
		int fd = accept4(l->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				shed_connection(l->fd);
			return;
		}
		if (conn_open(kind, fd) < 0)
			close(fd);
	}
}

static void udp_echo(int fd)
{
	static char buf[65536];

	for (int i = 0; i < UDP_BURST; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return;
		/* A reply the socket cannot take is lost, as UDP allows. */
		sendto(fd, buf, n, MSG_DONTWAIT,
		       (struct sockaddr *)&peer, plen);
	}
}

static void format_endpoint(char *buf, size_t size, uint16_t port)
{
	if (cfg.addr.ss_family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", cfg.addr_text, port);
	else
		snprintf(buf, size, "%s:%u", cfg.addr_text, port);
}

static int listen_on(int type, uint16_t port, struct ep_item *item)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = item };
	struct sockaddr_storage ss = cfg.addr;
	char where[INET6_ADDRSTRLEN + 8];
	const char *what;
	int one = 1;
	int fd, err;

	format_endpoint(where, sizeof(where), port);
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(port);

	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, PROG ": cannot create socket for %s: %s\n",
			where, strerror(-err));
		return err;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		what = "set SO_REUSEADDR on";
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&ss, cfg.addr_len) < 0) {
		what = "bind";
		goto out;
	}
	if (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0) {
		what = "listen on";
		goto out;
	}
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		what = "poll";
		goto out;
	}
	item->fd = fd;
	return 0;
out:
	err = -errno;
	fprintf(stderr, PROG ": cannot %s %s: %s\n", what, where,
		strerror(-err));
	close(fd);
	return err;
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v == 0 || v > 65535) {
		fprintf(stderr, PROG ": invalid port '%s'\n", s);
		return -EINVAL;
	}
	*port = v;
	return 0;
}

static int parse_bind(const char *s)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cfg.addr;

	memset(&cfg.addr, 0, sizeof(cfg.addr));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		cfg.addr_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		cfg.addr_len = sizeof(*sin6);
	} else {
		fprintf(stderr, PROG ": invalid address '%s'\n", s);
		return -EINVAL;
	}
	snprintf(cfg.addr_text, sizeof(cfg.addr_text), "%s", s);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [options]\n"
		"Test backend: HTTP (/who, /health), TCP echo and UDP echo.\n"
		"\n"
		"  --bind ADDR          listen address (default 0.0.0.0)\n"
		"  --http-port N        HTTP port (default 8080)\n"
		"  --echo-port N        TCP echo port (default 7070)\n"
		"  --udp-port N         UDP echo port (default 9090)\n"
		"  --name TEXT          /who answer (default: the local\n"
		"                       address the client connected to)\n"
		"  --health-file PATH   /health answers 503 while PATH exists\n"
		"  -h, --help           show this help\n");
}

static int parse_args(int argc, char **argv)
{
	enum { OPT_BIND = 256, OPT_HTTP, OPT_ECHO, OPT_UDP, OPT_NAME,
	       OPT_HEALTH };
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, OPT_BIND },
		{ "http-port", required_argument, NULL, OPT_HTTP },
		{ "echo-port", required_argument, NULL, OPT_ECHO },
		{ "udp-port", required_argument, NULL, OPT_UDP },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "health-file", required_argument, NULL, OPT_HEALTH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, err = 0;

	while (!err && (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_BIND:
			err = parse_bind(optarg);
			break;
		case OPT_HTTP:
			err = parse_port(optarg, &cfg.http_port);
			break;
		case OPT_ECHO:
			err = parse_port(optarg, &cfg.echo_port);
			break;
		case OPT_UDP:
			err = parse_port(optarg, &cfg.udp_port);
			break;
		case OPT_NAME:
			cfg.name_len = strlen(optarg);
			if (!cfg.name_len || cfg.name_len > NAME_MAX_LEN ||
			    strpbrk(optarg, "\r\n")) {
				fprintf(stderr, PROG ": invalid name '%s'\n",
					optarg);
				err = -EINVAL;
				break;
			}
			/* Keep the trailing newline next to the name. */
			if (asprintf(&cfg.name, "%s\n", optarg) < 0)
				err = -ENOMEM;
			break;
		case OPT_HEALTH:
			cfg.health_file = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			/* getopt_long has already said what was wrong. */
			err = -EINVAL;
			break;
		}
	}
	if (!err && optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
			argv[optind]);
		err = -EINVAL;
	}
	return err;
}

/* Benchmarks hold far more connections than the usual soft limit of 1024. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct ep_item sig = { KIND_SIGNAL, -1 };
	struct ep_item http = { KIND_HTTP_LISTEN, -1 };
	struct ep_item echo = { KIND_ECHO_LISTEN, -1 };
	struct ep_item udp = { KIND_UDP, -1 };
	struct epoll_event events[MAX_EVENTS];
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sig };
	int ret = 1;
	sigset_t mask;

	parse_bind("0.0.0.0");
	if (parse_args(argc, argv))
		return 1;

	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		fprintf(stderr, PROG ": cannot create epoll: %s\n",
			strerror(errno));
		return 1;
	}

	/* A signalfd turns shutdown into an ordinary event of the loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig.fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, sig.fd, &ev) < 0) {
		fprintf(stderr, PROG ": cannot watch signals: %s\n",
			strerror(errno));
		goto out;
	}

	if (listen_on(SOCK_STREAM, cfg.http_port, &http) ||
	    listen_on(SOCK_STREAM, cfg.echo_port, &echo) ||
	    listen_on(SOCK_DGRAM, cfg.udp_port, &udp))
		goto out;

	while (running) {
		int n = epoll_wait(epfd, events, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": epoll_wait: %s\n",
				strerror(errno));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			struct ep_item *item = events[i].data.ptr;

			switch (item->kind) {
			case KIND_SIGNAL:
				running = false;
				break;
			case KIND_HTTP_LISTEN:
			case KIND_ECHO_LISTEN:
				accept_all(item);
				break;
			case KIND_UDP:
				udp_echo(item->fd);
				break;
			default:
				conn_event((struct conn *)item,
					   events[i].events);
				break;
			}
		}
	}
	ret = 0;
out:
	while (conns)
		conn_close(conns);
	if (udp.fd >= 0)
		close(udp.fd);
	if (echo.fd >= 0)
		close(echo.fd);
	if (http.fd >= 0)
		close(http.fd);
	if (sig.fd >= 0)
		close(sig.fd);
	close(epfd);
	free(cfg.name);
	return ret;
}
