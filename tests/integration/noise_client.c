/*
 * noise_client.c - throws noise at a live head and counts what comes back:
 *   random    random byte messages of random length
 *   truncated every proper prefix of a valid compile request
 *   bitflip   copies of that request with 1-3 bits flipped
 *   badtoken  the valid request with wrong tokens (changed digit, prefix,
 *             longer, upper case, empty, random)
 *   oversize  requests just over max_msg_bytes (typed refusal expected)
 *             and far over it (nng drops them: no reply expected)
 *   rawtcp    connections to the tcp port that speak no SP protocol:
 *             random bytes, a bad SP header, a huge length, one left open
 * then sends the valid request and expects a compiled object back.
 *   usage: noise_client PORT_FILE MAX_MSG_BYTES N SEED
 * Prints one line per kind with its outcomes, then "refused <reason> <n>"
 * for every refusal received (random_input.sh compares them with status).
 * Exits 0 only if every kind behaved as expected. random_input.sh.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "portfile.h"

#define N_REFUSALS 16
#define REPLY_MS   60000 /* a flipped request may run a compile */

/* Outcomes of one kind of noise. */
struct tally {
	const char *kind;
	int sent;
	int compiled; /* a CompileResult came back */
	int other;    /* a status/drain/empty reply */
	int no_reply; /* timeout or connection dropped */
	int skipped;  /* a mutation that decodes as a drain request */
	int refused[N_REFUSALS];
};

static int open_socket(nng_socket *s, int recv_ms);

static int failures;
static int total_refused[N_REFUSALS];
static struct portfile pf;
static nng_socket sock;      /* every request but the huge one */
static nng_socket huge_sock; /* the huge one, dropped by the server */
static uint8_t *base;
static size_t base_len;

static void
check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static uint32_t
rnd(void)
{
	return (uint32_t)rand();
}

/* Send one message on the shared REQ socket and file the outcome. */
static void
send_one(struct tally *t, const void *buf, size_t len)
{
	Clustcc__Response *resp = NULL;
	nng_msg *msg = NULL;

	t->sent++;
	if (nng_msg_alloc(&msg, len) != 0) {
		t->no_reply++;
		return;
	}
	memcpy(nng_msg_body(msg), buf, len);
	if (nng_sendmsg(sock, msg, 0) != 0) {
		nng_msg_free(msg);
		t->no_reply++;
		return;
	}
	if (nng_recvmsg(sock, &msg, 0) != 0) {
		t->no_reply++;
		return;
	}
	if (codec_unpack_response(nng_msg_body(msg), nng_msg_len(msg), 0, &resp,
	                          NULL) != CC_OK) {
		t->other++;
	} else if (resp->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE) {
		unsigned why = (unsigned)resp->refusal;

		if (why < N_REFUSALS) {
			t->refused[why]++;
			total_refused[why]++;
		}
	} else if (resp->body_case == CLUSTCC__RESPONSE__BODY_COMPILE) {
		t->compiled++;
	} else {
		t->other++;
	}
	codec_free(resp);
	nng_msg_free(msg);
}

static int
refusals(const struct tally *t)
{
	int n = 0;

	for (int i = 0; i < N_REFUSALS; i++)
		n += t->refused[i];
	return n;
}

static void
print_tally(const struct tally *t)
{
	printf("%-9s sent %5d  refused %5d  compiled %3d  other %3d  no-reply %3d  skipped %3d  (",
	       t->kind, t->sent, refusals(t), t->compiled, t->other,
	       t->no_reply, t->skipped);
	for (int i = 0; i < N_REFUSALS; i++) {
		if (t->refused[i])
			printf(" %s %d",
			       codec_refusal_name((Clustcc__Refusal)i),
			       t->refused[i]);
	}
	printf(" )\n");
}

/* The valid compile request every mutation starts from (packed in base). */
static int
make_base(const char *token, uint8_t **buf, size_t *len)
{
	static char gcc[PATH_MAX];
	static char *args[] = {(char *)"-O2", (char *)"-Wall"};
	static char *env[] = {(char *)"LANG=C"};
	static const char src[] =
	        "# 1 \"noise.c\"\nint noise(int x)\n{\n\treturn x * 3;\n}\n";
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__CompileRequest c = CLUSTCC__COMPILE_REQUEST__INIT;
	Clustcc__CompilerId id = CLUSTCC__COMPILER_ID__INIT;
	struct stat st;

	/* The identity of this machine's gcc, as clustcc-gcc sends it. */
	if (!realpath("/usr/bin/gcc", gcc) || stat(gcc, &st) != 0)
		return -1;
	id.path = gcc;
	id.size = (uint64_t)st.st_size;
	id.mtime_ns =
	        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	c.compiler = &id;
	c.language = (char *)"c";
	c.n_args = 2;
	c.args = args;
	c.n_env = 1;
	c.env = env;
	c.source.data = (uint8_t *)src;
	c.source.len = sizeof(src) - 1;
	c.cwd = (char *)"/";
	c.source_name = (char *)"noise.c";
	req.version = CODEC_PROTOCOL_VERSION;
	req.token = (char *)token;
	req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req.compile = &c;
	return codec_pack(&req.base, 0, buf, len, NULL) == CC_OK ? 0 : -1;
}

static void
random_messages(int n)
{
	struct tally t = {.kind = "random"};
	uint8_t buf[4096];

	for (int i = 0; i < n; i++) {
		size_t len = rnd() % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd();
		send_one(&t, buf, len);
	}
	print_tally(&t);
	check(refusals(&t) == t.sent, "every random message is refused");
}

static void
truncated(void)
{
	struct tally t = {.kind = "truncated"};

	for (size_t len = 0; len < base_len; len++)
		send_one(&t, base, len);
	print_tally(&t);
	check(refusals(&t) == t.sent, "every truncation is refused");
}

/* A mutation with the right token may be a drain: the owner's right. */
static bool
is_drain(const uint8_t *buf, size_t len)
{
	Clustcc__Request *req = NULL;
	Clustcc__Refusal why;
	bool drain = false;

	if (codec_unpack_request(buf, len, 0, pf.token, &req, &why, NULL) ==
	    CC_OK)
		drain = req->body_case == CLUSTCC__REQUEST__BODY_DRAIN;
	codec_free(req);
	return drain;
}

static void
bit_flips(int n)
{
	struct tally t = {.kind = "bitflip"};
	uint8_t *buf = malloc(base_len);

	for (int i = 0; buf && i < n; i++) {
		int flips = 1 + (int)(rnd() % 3);

		memcpy(buf, base, base_len);
		for (int f = 0; f < flips; f++) {
			size_t bit = rnd() % (base_len * 8);

			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		if (is_drain(buf, base_len)) {
			t.skipped++;
			continue;
		}
		send_one(&t, buf, base_len);
	}
	free(buf);
	print_tally(&t);
	check(t.no_reply == 0, "every bit-flipped request gets a reply");
}

static void
bad_tokens(int n)
{
	struct tally t = {.kind = "badtoken"};
	char tok[2 * PORTFILE_TOKEN_HEX + 2];

	for (int i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;

		snprintf(tok, sizeof(tok), "%s", pf.token);
		switch (i % 6) {
		case 0: /* one digit changed */
			tok[rnd() % PORTFILE_TOKEN_HEX] ^= 0x01;
			break;
		case 1: /* a prefix */
			tok[rnd() % PORTFILE_TOKEN_HEX] = '\0';
			break;
		case 2: /* the token and more */
			strcat(tok, "0");
			break;
		case 3: /* upper case */
			for (char *p = tok; *p; p++)
				if (*p >= 'a' && *p <= 'f')
					*p = (char)(*p - 'a' + 'A');
			break;
		case 4:
			tok[0] = '\0';
			break;
		default:
			for (int j = 0; j < PORTFILE_TOKEN_HEX; j++)
				tok[j] = "0123456789abcdef"[rnd() % 16];
			break;
		}
		if (strcmp(tok, pf.token) == 0 ||
		    make_base(tok, &buf, &len) != 0) {
			t.skipped++;
			free(buf);
			continue;
		}
		send_one(&t, buf, len);
		free(buf);
	}
	print_tally(&t);
	check(t.refused[CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN] == t.sent,
	      "every wrong token is refused as bad_token");
}

/*
 * Over the limit: up to 1 MiB over gets a typed refusal (the frontend's
 * nng limit has that slack); far over, nng drops the connection.
 */
static void
oversize(size_t max_msg_bytes)
{
	struct tally near = {.kind = "oversize"};
	struct tally far = {.kind = "hugesize"};
	size_t over[] = {1, 4096, 512 * 1024};
	size_t huge = max_msg_bytes + 4 * 1024 * 1024;
	uint8_t *buf = malloc(huge);

	if (!buf) {
		check(false, "allocate oversize messages");
		return;
	}
	for (size_t i = 0; i < huge; i++)
		buf[i] = (uint8_t)rnd();
	/* A valid request's start, so only the size is wrong. */
	memcpy(buf, base, base_len);
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++)
		send_one(&near, buf, max_msg_bytes + over[i]);
	print_tally(&near);
	check(near.refused[CLUSTCC__REFUSAL__REFUSAL_TOO_BIG] == near.sent,
	      "requests over max_msg_bytes are refused as too_big");

	/*
	 * Dropped without a reply: on its own socket, so the others stay
	 * usable; wait less for it.
	 */
	if (open_socket(&huge_sock, 5000) == 0) {
		nng_socket main_sock = sock;

		sock = huge_sock;
		send_one(&far, buf, huge);
		sock = main_sock;
	}
	print_tally(&far);
	free(buf);
	check(far.no_reply == 1, "a request far over the limit is dropped");
}

/* host and port of a tcp:// endpoint; false for other transports. */
static bool
tcp_addr(const char *url, struct addrinfo **ai)
{
	char host[256], *colon;
	const char *p = url + 6;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};

	if (strncmp(url, "tcp://", 6) != 0 || strlen(p) >= sizeof(host))
		return false;
	snprintf(host, sizeof(host), "%s", p);
	colon = strrchr(host, ':');
	if (!colon)
		return false;
	*colon = '\0';
	return getaddrinfo(host, colon + 1, &hints, ai) == 0;
}

/* Returns the connected fd, or -1. */
static int
raw_connect(const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void
raw_tcp(int n, int *held_fd)
{
	struct addrinfo *ai = NULL;
	int connected = 0, written = 0;
	uint8_t buf[2048];
	/* SP header for REQ (0x30) to REP, then a 2^62-byte message. */
	static const uint8_t sp_huge[] = {0,    'S', 'P', 0, 0, 0x30, 0, 0,
	                                  0x40, 0,   0,   0, 0, 0,    0, 0};

	if (!tcp_addr(pf.endpoint, &ai)) {
		printf("rawtcp    skipped: endpoint '%s' is not tcp\n",
		       pf.endpoint);
		return;
	}
	for (int i = 0; i < n; i++) {
		int fd = raw_connect(ai);
		size_t len = 1 + rnd() % sizeof(buf);

		if (fd < 0)
			continue;
		connected++;
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd();
		if (i % 4 == 1) { /* a valid-looking SP header, then junk */
			memcpy(buf, sp_huge, 8);
			len = len < 8 ? 8 : len;
		} else if (i % 4 == 2) {
			memcpy(buf, sp_huge, sizeof(sp_huge));
			len = sizeof(sp_huge);
		}
		if (write(fd, buf, len) == (ssize_t)len)
			written++;
		close(fd);
	}
	/* One connection that says nothing stays open while we go on. */
	*held_fd = raw_connect(ai);
	freeaddrinfo(ai);
	printf("rawtcp    connections %d  written %d  silent-held %s\n",
	       connected, written, *held_fd >= 0 ? "yes" : "no");
	check(connected == n && written == n,
	      "the port accepts raw connections and their bytes");
}

static int
open_socket(nng_socket *s, int recv_ms)
{
	if (nng_req0_open(s) != 0)
		return -1;
	nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, recv_ms);
	nng_socket_set_ms(*s, NNG_OPT_REQ_RESENDTIME, 10 * REPLY_MS);
	nng_socket_set_size(*s, NNG_OPT_RECVMAXSZ, 0);
	return nng_dial(*s, pf.endpoint, NULL, 0) == 0 ? 0 : -1;
}

static void
still_compiles(void)
{
	struct tally t = {.kind = "valid"};

	send_one(&t, base, base_len);
	print_tally(&t);
	check(t.compiled == 1, "a valid request still compiles afterwards");
}

int
main(int argc, char **argv)
{
	struct cc_err err;
	size_t max_msg_bytes;
	int n, held = -1;

	if (argc != 5 || portfile_read(argv[1], &pf, &err) != CC_OK) {
		fprintf(stderr,
		        "usage: noise_client PORT_FILE MAX_MSG_BYTES N SEED\n");
		return 2;
	}
	/* Line by line, so a hang shows which kind it happened in. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	max_msg_bytes = strtoul(argv[2], NULL, 10);
	n = atoi(argv[3]);
	srand((unsigned)strtoul(argv[4], NULL, 10));
	if (open_socket(&sock, REPLY_MS) != 0 ||
	    make_base(pf.token, &base, &base_len) != 0) {
		fprintf(stderr, "noise_client: cannot reach '%s' or find gcc\n",
		        pf.endpoint);
		return 1;
	}
	random_messages(n);
	truncated();
	bit_flips(n);
	bad_tokens(n);
	raw_tcp(n, &held);
	oversize(max_msg_bytes);
	still_compiles();
	/*
	 * No nng_close(): in nng 1.5.2 it can wait forever for a pipe to
	 * finish closing (nanomsg/nng#1543, fixed after 1.5.2); seen here
	 * about one run in five, on this socket and on the huge one.
	 * Exiting closes both.
	 */
	if (held >= 0)
		close(held);
	for (int i = 0; i < N_REFUSALS; i++) {
		if (total_refused[i])
			printf("refused %s %d\n",
			       codec_refusal_name((Clustcc__Refusal)i),
			       total_refused[i]);
	}
	free(base);
	printf("%d failures\n", failures);
	return failures ? 1 : 0;
}
