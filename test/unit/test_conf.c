// SPDX-License-Identifier: GPL-2.0
/* test_conf.c - TAP tests for lib/conf.c: the lines save prints and restore reads, fuzzed */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "conf.h"
#include "dos.h"
#include "log.h"
#include "tap.h"

#define SEED		0x5ca1ab1eULL
#define FUZZ_SECONDS	15	/* each fuzz test stops after this, done or not */
#define FUZZ_RANDOM	200000	/* files of random lines */
#define FUZZ_MUTATED	200000	/* mutations of a valid file */

static __u64 rng_state = SEED;

/* splitmix64: the same sequence on every run and machine. */
static __u64 rnd(void)
{
	__u64 x = (rng_state += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What parsing @len bytes of @text gives, with what it printed on stderr in @err. */
static int parse_buf(const char *text, size_t len, struct scmlb_conf *c,
		     char *err, size_t size)
{
	FILE *in = fmemopen((void *)text, len, "r");
	FILE *saved = stderr, *capture = tmpfile();
	size_t n = 0;
	int ret;

	if (!in || !capture) {
		perror("fmemopen/tmpfile");
		exit(1);
	}
	stderr = capture;
	ret = scmlb_conf_parse(in, c);
	stderr = saved;
	fclose(in);
	if (err) {
		rewind(capture);
		n = fread(err, 1, size - 1, capture);
		err[n] = '\0';
	}
	fclose(capture);
	return ret;
}

static int parse_text(const char *text, struct scmlb_conf *c, char *err,
		      size_t size)
{
	return parse_buf(text, strlen(text), c, err, size);
}

/* @c as scmlb-save prints it, in a string the caller frees. */
static char *print_conf(const struct scmlb_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || scmlb_conf_print(c, f)) {
		perror("print");
		exit(1);
	}
	fclose(f);
	return buf;
}

/* Parsed, printed, parsed again and printed again: the same text. */
static bool round_trip(const struct scmlb_conf *c, char **printed)
{
	struct scmlb_conf again;
	char *first = print_conf(c), *second;
	bool same;

	if (parse_text(first, &again, NULL, 0) != SCMLB_EXIT_OK) {
		free(first);
		return false;
	}
	second = print_conf(&again);
	same = !strcmp(first, second);
	scmlb_conf_free(&again);
	free(second);
	if (printed)
		*printed = first;
	else
		free(first);
	return same;
}

static const char *const valid = "# a comment\n"
	"attach -u eth0 -v 203.0.113.11 -m native --conntrack-size 1024\n"
	"\n"
	"fw set -n 10.1.2.3/8 -t tcp -d 22\n"
	"fw set --network 0.0.0.0/0 --protocol udp -s 1000-2000\n"
	"  # a comment after blanks\n"
	"fw set -t icmp\n"
	"dos set -p tcp -t syn -l 1000\n"
	"dos-protection set -p udp --block-time 1h30m\n"
	"dos set -b 0 -p icmp\n"
	"dos set --global -p tcp -t syn -l 5000\n"
	"svc set -v 203.0.113.12 -t tcp -P 80 -S maglev\n"
	"  svc\tset -v 203.0.113.12 -t udp -P 53 --scheduler wrr\n"
	"lb set -n web1 -a 10.0.4.2 -s 1 -c http://10.0.4.2:8080/health\n"
	"lb -s 2 set -n web2 -a 10.0.5.2 -w 3\n"
	"lb set -s 2 -n web3 -a 10.0.5.2 -p 8080\n"
	"lb drain -i 2\n"
	"lb set -s 3 --name dns --address 10.0.6.2 --weight=7\r\n";

static const char *const expected =
	"attach -u eth0 -v 203.0.113.11 -m native --conntrack-size 1024\n"
	"fw set -n 10.0.0.0/8 -t tcp -d 22\n"
	"fw set -n 0.0.0.0/0 -t udp -s 1000-2000\n"
	"fw set -n 0.0.0.0/0 -t icmp\n"
	"dos set -p tcp -t syn -l 1000 -b 10m\n"
	"dos set -p udp -l 256 -b 1h30m\n"
	"dos set -p icmp -l 256 -b 0\n"
	"dos set -p tcp -t syn --global -l 5000\n"
	"svc set -v 203.0.113.12 -t tcp -P 80 -S maglev\n"
	"svc set -v 203.0.113.12 -t udp -P 53 -S wrr\n"
	"lb set -n web1 -a 10.0.4.2 -c http://10.0.4.2:8080/health -s 1 -w 1\n"
	"lb set -n web2 -a 10.0.5.2 -s 2 -w 3 -p 80\n"
	"lb drain -i 2\n"
	"lb set -n web3 -a 10.0.5.2 -s 2 -w 1 -p 8080\n"
	"lb set -n dns -a 10.0.6.2 -s 3 -w 7 -p 53\n";

static void test_valid(void)
{
	struct scmlb_conf c;
	char err[512], *printed = NULL, *body;
	int ret = parse_text(valid, &c, err, sizeof(err));

	ok(ret == SCMLB_EXIT_OK && !*err, "a valid file parses (%s)", err);
	ok(c.n_svcs == 3 && c.svcs[0].attach && c.n_bes == 4 &&
	   c.n_rules == 3 && c.n_policies == 4 && c.lines == 18,
	   "it has 3 services (attach -v's first), 4 backends, 3 rules, 4 policies");
	ok(c.policies[0].block == SCMLB_DOS_DEFAULT_BLOCK &&
	   c.policies[1].block == 5400 && c.policies[2].block == 0 &&
	   c.policies[3].class == SCMLB_DOS_SYN_GLOBAL &&
	   c.policies[3].limit == 5000,
	   "block times: 10m by default, 1h30m, 0; --global is the budget");
	ok(c.bes[1].be.status == SCMLB_BACKEND_DRAINED &&
	   c.bes[0].be.status == SCMLB_BACKEND_AVAILABLE,
	   "lb drain -i 2 drains the file's second backend");
	ok(c.bes[1].be.port == __builtin_bswap16(80) && c.bes[1].be.weight == 3 &&
	   c.bes[0].be.port == 0 && c.bes[0].be.weight == 1,
	   "defaults as scmlb-lb set: the service's port, weight 1");
	ok(round_trip(&c, &printed), "printed and parsed again, it prints the same");
	body = printed ? strstr(printed, "\nattach ") : NULL;
	ok(printed && !strncmp(printed, "# scmlb-save " SCMLB_VERSION ", layout ", 21) &&
	   body && !strcmp(body + 1, expected),
	   "scmlb-save's lines: header, attach, rules, policies, services, backends");
	if (body && strcmp(body + 1, expected))
		diag("got:\n%s", body + 1);
	free(printed);
	scmlb_conf_free(&c);
}

/* Each bad line, after two good ones: exit 2, one line naming line 3. */
static void test_bad_lines(void)
{
	static const struct {
		const char *line;
		const char *says;
	} bad[] = {
		{ "lb get", "unknown command 'get' for 'lb': expected set or drain" },
		{ "frob", "unknown command 'frob'" },
		{ "lb set -n a", "missing option '--address'" },
		{ "lb set -n a -a 10.0.0.9 --pin-dir /x", "'--pin-dir'" },
		{ "lb set -n a -a 10.0.0.9 --help", "'--help'" },
		{ "lb set -n a -a 10.0.0.9 -w 0", "invalid weight '0'" },
		{ "lb set -n a -a 10.0.0.9 -s 3", "invalid service '3'" },
		{ "lb set -n a -a 10.0.0.9 -p 80", "invalid port '80'" },
		{ "lb set -n a -a 203.0.113.11", "it is the VIP of line 1" },
		{ "lb set -n b -a 10.0.4.2", "line 2 has it in service 1 already" },
		{ "lb drain -i 2", "invalid id '2'" },
		{ "svc set -v 10.0.4.2", "backend of line 2" },
		{ "svc set -v 203.0.113.11", "line 1 has it already" },
		{ "svc set -v 1.2.3.4 -P 80", "a port needs --protocol" },
		{ "attach -u eth1", "a second attach line" },
		{ "fw set -t icmp -d 80", "icmp has no ports" },
		{ "fw set -d 9000-8000", "start is greater than end" },
		{ "dos set -p tcp", "missing option '--type'" },
		{ "dos set -p udp --global", "invalid option '--global'" },
		{ "dos set -p tcp -t ack --global", "invalid option '--global'" },
		{ "dos set -p tcp -t syn --global -b 1m",
		  "invalid option '--block-time'" },
		{ "dos set -p udp -b 1500ms", "invalid block time '1500ms'" },
		{ "dos set -p udp -b -1", "invalid block time '-1'" },
		{ "lb set -n a\x01 -a 10.0.0.9", "invalid character 0x01" },
		{ "lb set -n \xc3\xa9 -a 10.0.0.9", "invalid character 0xc3" },
		{ "lb set extra -n a -a 10.0.0.9", "unexpected argument 'extra'" },
		{ "lb set -n a -a 10.0.0.9 # not a comment", "unexpected argument '#'" },
	};
	char text[512], err[512];
	struct scmlb_conf c;
	size_t i, fails = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret;

		snprintf(text, sizeof(text), "attach -u eth0 -v 203.0.113.11\n"
			 "lb set -n w -a 10.0.4.2\n%s\nlb set -n z -a 10.0.6.2\n",
			 bad[i].line);
		ret = parse_text(text, &c, err, sizeof(err));
		if (ret != SCMLB_EXIT_USAGE || !strstr(err, bad[i].says) ||
		    strncmp(err, "scmlb-restore: line 3: ", 23) ||
		    strchr(err, '\n') != err + strlen(err) - 1) {
			diag("'%s': status %d, stderr '%s'", bad[i].line, ret, err);
			fails++;
		}
		scmlb_conf_free(&c);
	}
	ok(!fails, "%zu bad lines exit 2 with one line naming line 3", i);

	snprintf(text, sizeof(text), "lb set -n a -a 10.0.0.1\n");
	ok(parse_text(text, &c, err, sizeof(err)) == SCMLB_EXIT_USAGE &&
	   strstr(err, "line 1: no service"), "a backend before any service");
	scmlb_conf_free(&c);
	{
		char *big = malloc(SCMLB_CONF_LINE_MAX + 64);

		memset(big, 'x', SCMLB_CONF_LINE_MAX + 10);
		strcpy(big + SCMLB_CONF_LINE_MAX + 10, "\n");
		ok(parse_text(big, &c, err, sizeof(err)) == SCMLB_EXIT_USAGE &&
		   strstr(err, "line 1: longer than"), "a line too long");
		scmlb_conf_free(&c);
		free(big);
	}
	ok(parse_buf("fw set\n\nfw\0 set\n", 14, &c, err, sizeof(err)) ==
	   SCMLB_EXIT_USAGE && strstr(err, "line 3: invalid character 0x00"),
	   "a NUL byte");
	scmlb_conf_free(&c);
}

/* A line of random words from the grammar's vocabulary and random bytes. */
static void random_line(char *buf, size_t size)
{
	static const char *const words[] = {
		"attach", "svc", "lb", "fw", "dos", "set", "drain", "get",
		"delete", "-u", "-v", "-m", "--conntrack-size", "-t", "-P", "-S",
		"--forward", "-n", "-a", "-c", "-s", "-w", "-p", "-i", "-d", "-l",
		"--name", "--address=10.0.0.1", "eth0", "203.0.113.11",
		"10.0.4.2", "10.0.0.0/8", "tcp", "udp", "icmp", "any", "syn", "rr",
		"wrr", "maglev", "nat", "dr", "native", "skb", "0", "1", "2", "80",
		"65535", "65536", "1-2", "http://h/x", "#", "--", "-", "--json",
		"--pin-dir", "--help", "--version", "-h", "-x", "",
	};
	size_t len = 0, n = rnd() % 12, i;

	for (i = 0; i < n && len + 40 < size; i++) {
		if (rnd() % 8) {
			len += snprintf(buf + len, size - len, "%s ",
					words[rnd() % (sizeof(words) / sizeof(words[0]))]);
		} else {
			size_t k = rnd() % 6;

			while (k-- && len + 2 < size)
				buf[len++] = (char)(rnd() % 255 + 1);
			buf[len++] = ' ';
		}
	}
	buf[len] = '\0';
}

/* Every file parses to exit 0 or 2; what parses prints and parses again the same. */
static void test_fuzz_random(void)
{
	char text[4096], line[512], err[512];
	size_t i, done = 0, accepted = 0, bad = 0;
	double start = now_s();
	struct scmlb_conf c;

	for (i = 0; i < FUZZ_RANDOM && now_s() - start < FUZZ_SECONDS; i++) {
		size_t len = 0, lines = rnd() % 5 + 1, k;
		int ret;

		if (rnd() % 2)
			len = snprintf(text, sizeof(text), "attach -u eth0 -v 203.0.113.11\n");
		for (k = 0; k < lines; k++) {
			random_line(line, sizeof(line));
			len += snprintf(text + len, sizeof(text) - len, "%s\n", line);
		}
		ret = parse_text(text, &c, err, sizeof(err));
		if (ret == SCMLB_EXIT_OK) {
			accepted++;
			if (!round_trip(&c, NULL)) {
				diag("accepted but no round trip: %s", text);
				bad++;
			}
		} else if (ret != SCMLB_EXIT_USAGE || !strstr(err, "line ")) {
			diag("status %d, stderr '%s' for: %s", ret, err, text);
			bad++;
		}
		scmlb_conf_free(&c);
		done++;
	}
	ok(!bad && done >= 1000, "%zu random files: exit 0 (%zu, each a round trip) "
	   "or 2 naming a line", done, accepted);
}

/* @text with one random change: a byte, a word cut or doubled, a line moved. */
static void mutate(char *text, size_t size)
{
	size_t len = strlen(text), at, n;

	if (!len)
		return;
	at = rnd() % len;
	switch (rnd() % 6) {
	case 0:		/* a byte changed */
		text[at] = (char)(rnd() % 255 + 1);
		break;
	case 1:		/* a stretch cut out */
		n = rnd() % 12 + 1;
		if (at + n > len)
			n = len - at;
		memmove(text + at, text + at + n, len - at - n + 1);
		break;
	case 2:		/* a stretch doubled */
		n = rnd() % 24 + 1;
		if (at + n > len)
			n = len - at;
		if (len + n + 1 <= size) {
			memmove(text + at + n, text + at, len - at + 1);
		}
		break;
	case 3:		/* a digit */
		text[at] = (char)('0' + rnd() % 10);
		break;
	case 4:		/* a blank or a newline */
		text[at] = rnd() % 2 ? ' ' : '\n';
		break;
	default:	/* a dash */
		text[at] = '-';
		break;
	}
}

static void test_fuzz_mutated(void)
{
	size_t i, done = 0, accepted = 0, bad = 0;
	char text[8192], err[512];
	double start = now_s();
	struct scmlb_conf c;

	for (i = 0; i < FUZZ_MUTATED && now_s() - start < FUZZ_SECONDS; i++) {
		int k, times = (int)(rnd() % 3) + 1, ret;

		snprintf(text, sizeof(text), "%s", valid);
		for (k = 0; k < times; k++)
			mutate(text, sizeof(text));
		ret = parse_text(text, &c, err, sizeof(err));
		if (ret == SCMLB_EXIT_OK) {
			accepted++;
			if (!round_trip(&c, NULL)) {
				diag("accepted but no round trip: %s", text);
				bad++;
			}
		} else if (ret != SCMLB_EXIT_USAGE || !strstr(err, "line ")) {
			diag("status %d, stderr '%s' for: %s", ret, err, text);
			bad++;
		}
		scmlb_conf_free(&c);
		done++;
	}
	ok(!bad && done >= 1000 && accepted && accepted < done,
	   "%zu mutations of a valid file: exit 0 (%zu, each a round trip) or 2 "
	   "naming a line", done, accepted);
}

int main(void)
{
	scmlb_log_init("scmlb-restore");
	printf("1..13\n");
	test_valid();
	test_bad_lines();
	test_fuzz_random();
	test_fuzz_mutated();
	return failed ? 1 : 0;
}
