/*
 * hostile_client.c - a raw nng client that attacks the head and checks
 * that each attack gets the typed refusal it should and that the server
 * keeps serving.
 *
 *   usage: hostile_client PORT_FILE MAX_MSG_BYTES [ATTACK [ARG...]]
 *
 * Without ATTACK it runs the basic cases (server_modes.sh). With one, it
 * runs that attack (attack.sh) and prints one summary line
 *   RESULT <attack> <tries> <outcome>=<count> ...
 * where an outcome is a refusal name, "served" (a real answer) or
 * "no_reply". Every try also prints "ok:" or "FAIL:"; the exit status is 0
 * only if every try got what it should.
 *
 * Attacks: tokens, versions, garbage, forbidden_args, traversal,
 * not_allowed SH_ARG LINK CWD, oversized, pipeline SLOW_CC N LIMIT,
 * timeout HANG_CC, huge_output BIG_CC (CWD: a directory the ranks see,
 * for exact mode).
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <limits.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec.h"
#include "portfile.h"
#include "rpc.h"

#define OUTCOMES    18 /* refusal values 0..15, no_reply, other */
#define NO_REPLY    16
#define REPLY_OTHER 17

static int failures;
static size_t max_msg;

struct tally {
	const char *attack;
	int tries;
	int count[OUTCOMES];
};

static void
check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static const char *
outcome_name(int o)
{
	if (o == 0)
		return "served";
	if (o == NO_REPLY)
		return "no_reply";
	if (o == REPLY_OTHER)
		return "other";
	return codec_refusal_name((Clustcc__Refusal)o);
}

static void
print_tally(const struct tally *t)
{
	printf("RESULT %s %d", t->attack, t->tries);
	for (int o = 0; o < OUTCOMES; o++) {
		if (t->count[o])
			printf(" %s=%d", outcome_name(o), t->count[o]);
	}
	printf("\n");
}

/* Send raw bytes on a fresh REQ socket; return the decoded reply or NULL. */
static Clustcc__Response *
send_raw(const struct portfile *pf, const void *buf, size_t len, int wait_ms)
{
	Clustcc__Response *resp = NULL;
	nng_socket s;
	nng_msg *msg = NULL;

	if (nng_req0_open(&s) != 0)
		return NULL;
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, wait_ms);
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0);
	if (nng_dial(s, pf->endpoint, NULL, 0) == 0 &&
	    nng_msg_alloc(&msg, len) == 0) {
		memcpy(nng_msg_body(msg), buf, len);
		if (nng_sendmsg(s, msg, 0) != 0)
			nng_msg_free(msg);
		else if (nng_recvmsg(s, &msg, 0) == 0) {
			codec_unpack_response(nng_msg_body(msg),
			                      nng_msg_len(msg), 0, &resp, NULL);
			nng_msg_free(msg);
		}
	}
	nng_close(s);
	return resp;
}

static int
outcome_of(const Clustcc__Response *resp)
{
	if (!resp)
		return NO_REPLY;
	if ((unsigned)resp->refusal < NO_REPLY)
		return (int)resp->refusal;
	return REPLY_OTHER;
}

/* One try of t: send buf, count what came back, check it is want. */
static void
try_raw(struct tally *t, const struct portfile *pf, const void *buf, size_t len,
        int want, const char *what)
{
	Clustcc__Response *resp = send_raw(pf, buf, len, 30000);
	int got = outcome_of(resp);

	t->tries++;
	t->count[got]++;
	check(got == want, what);
	if (got != want)
		printf("  got %s, want %s: %s\n", outcome_name(got),
		       outcome_name(want), resp ? resp->message : "");
	codec_free(resp);
}

static void
try_request(struct tally *t, const struct portfile *pf, Clustcc__Request *req,
            int want, const char *what)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (codec_pack(&req->base, 0, &buf, &len, NULL) != CC_OK) {
		check(0, what);
		return;
	}
	try_raw(t, pf, buf, len, want, what);
	free(buf);
}

/* ---- a compile request the tests can bend ------------------------------- */

struct compile {
	Clustcc__Request req;
	Clustcc__CompileRequest c;
	Clustcc__CompilerId id;
	char path[PATH_MAX];
};

/* Fill id with path's real identity (so only what a test changes is bad). */
static int
identify(Clustcc__CompilerId *id, const char *path, char *buf)
{
	struct stat st;

	if (!realpath(path, buf) || stat(buf, &st) != 0)
		return -1;
	clustcc__compiler_id__init(id);
	id->path = buf;
	id->size = (uint64_t)st.st_size;
	id->mtime_ns =
	        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 0;
}

static void
compile_init(struct compile *k, const struct portfile *pf, const char *cc)
{
	static char src[] = "int hostile_x;\n";

	clustcc__request__init(&k->req);
	clustcc__compile_request__init(&k->c);
	k->req.version = CODEC_PROTOCOL_VERSION;
	k->req.token = (char *)pf->token;
	k->req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	k->req.compile = &k->c;
	k->c.compiler = &k->id;
	k->c.language = (char *)"c";
	k->c.source.data = (uint8_t *)src;
	k->c.source.len = sizeof(src) - 1;
	k->c.source_name = (char *)"hostile.c";
	if (identify(&k->id, cc, k->path) != 0) {
		check(0, "identify the compiler");
		exit(1);
	}
}

/* ---- attacks ---------------------------------------------------------- */

static void
attack_tokens(const struct portfile *pf)
{
	struct tally t = {.attack = "tokens"};
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	struct compile k;
	char wrong[PORTFILE_TOKEN_HEX + 1], shorter[PORTFILE_TOKEN_HEX];
	char longer[PORTFILE_TOKEN_HEX + 2];
	const char *tokens[] = {wrong, "", "00", shorter, longer, NULL};
	const char *names[] = {
	        "a wrong token",          "a missing token",
	        "a short token",          "the token less a digit",
	        "the token plus a digit", "no token field"};

	memcpy(wrong, pf->token, sizeof(wrong));
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a'; /* differs in one digit */
	memcpy(shorter, pf->token, PORTFILE_TOKEN_HEX - 1);
	shorter[PORTFILE_TOKEN_HEX - 1] = '\0';
	snprintf(longer, sizeof(longer), "%s0", pf->token);
	req.version = CODEC_PROTOCOL_VERSION;
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	compile_init(&k, pf, "/usr/bin/gcc");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char what[128];

		/* protobuf-c packs an empty string for a NULL one. */
		req.token = (char *)(tokens[i] ? tokens[i] : "");
		k.req.token = req.token;
		snprintf(what, sizeof(what), "status with %s is refused",
		         names[i]);
		try_request(&t, pf, &req, CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN,
		            what);
		snprintf(what, sizeof(what), "compile with %s is refused",
		         names[i]);
		try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN,
		            what);
	}
	req.token = (char *)pf->token;
	try_request(&t, pf, &req, 0, "the right token is served");
	print_tally(&t);
}

static void
attack_versions(const struct portfile *pf)
{
	struct tally t = {.attack = "versions"};
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	const uint32_t versions[] = {0, CODEC_PROTOCOL_VERSION - 1,
	                             CODEC_PROTOCOL_VERSION + 1, 99,
	                             UINT32_MAX};

	req.token = (char *)pf->token;
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char what[64];

		if (versions[i] == CODEC_PROTOCOL_VERSION)
			continue;
		req.version = versions[i];
		snprintf(what, sizeof(what), "protocol version %u is refused",
		         versions[i]);
		try_request(&t, pf, &req, CLUSTCC__REFUSAL__REFUSAL_VERSION,
		            what);
	}
	print_tally(&t);
}

/* Random messages and every truncation of a valid compile request. */
static void
attack_garbage(const struct portfile *pf)
{
	struct tally t = {.attack = "garbage"};
	struct compile k;
	uint8_t buf[1024], *valid = NULL;
	size_t len = 0;
	int bad = 0;

	srand(4711);
	for (int i = 0; i < 100; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(buf)) + 1;
		Clustcc__Response *resp;

		for (size_t j = 0; j < n; j++)
			buf[j] = (uint8_t)rand();
		resp = send_raw(pf, buf, n, 30000);
		t.tries++;
		t.count[outcome_of(resp)]++;
		bad += !resp || resp->refusal == 0;
		codec_free(resp);
	}
	compile_init(&k, pf, "/usr/bin/gcc");
	if (codec_pack(&k.req.base, 0, &valid, &len, NULL) != CC_OK)
		exit(1);
	for (size_t cut = 0; cut < len; cut++) {
		Clustcc__Response *resp = send_raw(pf, valid, cut, 30000);

		t.tries++;
		t.count[outcome_of(resp)]++;
		bad += !resp || resp->refusal == 0;
		codec_free(resp);
	}
	free(valid);
	check(bad == 0, "every random or truncated message got a refusal");
	print_tally(&t);
}

/* The forbidden list of server/runner.c, as an attacker would spell it. */
static const char *const forbidden[] = {
        "-fplugin=/tmp/evil.so",
        "-fplugin-arg-evil-x=1",
        "-B/tmp/evil",
        "-B",
        "-specs=/tmp/evil.specs",
        "-specs",
        "--specs=/tmp/evil.specs",
        "-wrapper",
        "-iplugindir=/tmp",
        "@/tmp/args",
        "-o",
        "-save-temps",
        "-dumpdir",
        "-MD",
        "-MF/tmp/x.d",
        "-aux-info",
        "-fopt-info-all=/tmp/x",
        "-fcallgraph-info",
        "-gsplit-dwarf",
        "-Wp,-MD,/tmp/x.d",
        "-Xpreprocessor",
        "-Wa,-adhln=/tmp/x.lst",
        "-Xassembler",
        "-fdump-tree-all",
        "-fstack-usage",
        "-time=/tmp/x",
        "-fmodule-mapper=|/tmp/evil",
        "-fmodules-ts",
        "-fprofile-note=/tmp/x.gcno",
        "--pref=/tmp/evil",
        "--plugin=/tmp/evil.so",
        "--output=/tmp/x.o",
};

static void
attack_forbidden_args(const struct portfile *pf, const char *cwd)
{
	struct tally t = {.attack = "forbidden_args"};
	static const char *const vectors[] = {"args", "check_args",
	                                      "exact_args"};
	size_t n = sizeof(forbidden) / sizeof(forbidden[0]);
	struct compile k;

	compile_init(&k, pf, "/usr/bin/gcc");
	k.c.cwd = (char *)cwd;
	for (size_t i = 0; i < n; i++) {
		for (size_t v = 0; v < 3; v++) {
			char *c_args[] = {(char *)"-E", (char *)forbidden[i],
			                  (char *)"x.c"};
			char *e_args[] = {(char *)"-c", (char *)forbidden[i],
			                  (char *)"x.c"};
			char *s_args[] = {(char *)"-O2", (char *)forbidden[i]};
			char what[256];

			k.c.n_args = v == 0 ? 2 : 0;
			k.c.args = s_args;
			k.c.n_check_args = v == 1 ? 3 : 0;
			k.c.check_args = c_args;
			k.c.n_exact_args = v == 2 ? 3 : 0;
			k.c.exact_args = e_args;
			snprintf(what, sizeof(what), "'%s' in %s is refused",
			         forbidden[i], vectors[v]);
			try_request(&t, pf, &k.req,
			            CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG,
			            what);
		}
	}
	print_tally(&t);
}

/* Names that would put a file outside the scratch directory. */
static void
attack_traversal(const struct portfile *pf, const char *cwd)
{
	struct tally t = {.attack = "traversal"};
	static const char *const pairs[][2] = {
	        {"-o", "../../escape.o"},     {"-o", "/tmp/escape.o"},
	        {"-o../escape.o", NULL},      {"-MF", "../escape.d"},
	        {"-MF../escape.d", NULL},     {"-dumpbase", "../escape"},
	        {"-dumpdir", "../"},          {"-save-temps=cwd", NULL},
	        {"-aux-info", "../escape.h"},
	};
	struct compile k;

	compile_init(&k, pf, "/usr/bin/gcc");
	k.c.cwd = (char *)cwd;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char *e_args[] = {(char *)"-c", (char *)pairs[i][0],
		                  (char *)pairs[i][1], (char *)"x.c"};
		char what[256];

		if (!pairs[i][1])
			e_args[2] = (char *)"-O2";
		k.c.n_exact_args = 4;
		k.c.exact_args = e_args;
		snprintf(what, sizeof(what), "exact_args '%s %s' are refused",
		         pairs[i][0], pairs[i][1] ? pairs[i][1] : "");
		try_request(&t, pf, &k.req,
		            CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG, what);
	}
	/* source_name only names the source in logs: it is compiled. */
	k.c.n_exact_args = 0;
	k.c.cwd = (char *)"";
	k.c.source_name = (char *)"../../../escape.c";
	try_request(
	        &t, pf, &k.req, 0,
	        "a source_name with ../ is only a name: compiled in scratch");
	k.c.source_name = (char *)"hostile.c";
	k.id.path = (char *)"../../bin/sh";
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	            "a relative compiler path is malformed");
	print_tally(&t);
}

/* distcc's CVE-2004-2687: name /bin/sh as the compiler. */
static void
attack_not_allowed(const struct portfile *pf, const char *sh_arg,
                   const char *link, const char *cwd)
{
	struct tally t = {.attack = "compiler_not_allowed"};
	const char *compilers[] = {"/bin/sh", "/bin/bash", "/usr/bin/env",
	                           link};
	char *sh_args[] = {(char *)"-c", (char *)sh_arg};
	/* "sh -c CMD -E": the -E a check must have is only $0 to sh. */
	char *check_args[] = {(char *)"-c", (char *)sh_arg, (char *)"-E"};
	struct compile k;

	for (size_t i = 0; i < sizeof(compilers) / sizeof(compilers[0]); i++) {
		char what[PATH_MAX + 64];

		compile_init(&k, pf, compilers[i]);
		k.id.path = (char *)compilers[i]; /* as the attacker names it */
		k.c.n_args = 2;
		k.c.args = sh_args;
		snprintf(what, sizeof(what), "'%s -c ...' (shipped) is refused",
		         compilers[i]);
		try_request(&t, pf, &k.req,
		            CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED,
		            what);
		k.c.n_args = 0;
		k.c.cwd = (char *)cwd;
		k.c.n_check_args = 3;
		k.c.check_args = check_args;
		k.c.n_exact_args = 2;
		k.c.exact_args = sh_args;
		snprintf(what, sizeof(what), "'%s -c ...' (exact) is refused",
		         compilers[i]);
		try_request(&t, pf, &k.req,
		            CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED,
		            what);
	}
	print_tally(&t);
}

static void
attack_oversized(const struct portfile *pf)
{
	struct tally t = {.attack = "oversized"};
	char **many = calloc(CODEC_MAX_ARGS + 1, sizeof(*many));
	char *long_arg = malloc(CODEC_MAX_ARG_BYTES + 1);
	char *env[CODEC_MAX_ENV + 1];
	uint8_t *big = calloc(1, max_msg + (2u << 20));
	struct compile k;

	if (!many || !long_arg || !big)
		exit(1);
	for (size_t i = 0; i <= CODEC_MAX_ARGS; i++)
		many[i] = (char *)"-O2";
	for (size_t i = 0; i <= CODEC_MAX_ENV; i++)
		env[i] = (char *)"LANG=C";
	memset(long_arg, 'D', CODEC_MAX_ARG_BYTES);
	long_arg[0] = '-';
	long_arg[CODEC_MAX_ARG_BYTES] = '\0';
	compile_init(&k, pf, "/usr/bin/gcc");
	k.c.n_args = CODEC_MAX_ARGS + 1;
	k.c.args = many;
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	            "more than CODEC_MAX_ARGS args are refused");
	k.c.n_args = 0;
	k.c.n_exact_args = CODEC_MAX_ARGS + 1;
	k.c.exact_args = many;
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	            "more than CODEC_MAX_ARGS exact_args are refused");
	k.c.n_exact_args = 0;
	k.c.n_args = 1;
	k.c.args = &long_arg;
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	            "an argument of 128 KiB is refused");
	k.c.n_args = 0;
	k.c.n_env = CODEC_MAX_ENV + 1;
	k.c.env = env;
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	            "more than CODEC_MAX_ENV env entries are refused");
	k.c.n_env = 0;
	k.c.source.data = big;
	k.c.source.len = max_msg + 100;
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_TOO_BIG,
	            "a request just over max_msg_bytes is refused as too big");
	/* Past nng's receive limit the head never buffers it: no reply. */
	{
		Clustcc__Response *resp =
		        send_raw(pf, big, max_msg + (2u << 20), 3000);

		t.tries++;
		t.count[outcome_of(resp)]++;
		check(!resp,
		      "a request far over max_msg_bytes is dropped unread");
		codec_free(resp);
	}
	print_tally(&t);
	free(many);
	free(long_arg);
	free(big);
}

/*
 * n compile requests at once on one socket (one pipe), each in its own REQ
 * context; slow_cc holds every accepted one long enough for the rest to
 * arrive. Those over max_jobs_per_connection are refused as busy.
 */
static void
attack_pipeline(const struct portfile *pf, const char *slow_cc, int n,
                int limit)
{
	struct tally t = {.attack = "pipeline"};
	nng_socket s;
	nng_ctx *ctx = calloc((size_t)n, sizeof(*ctx));
	nng_aio **aio = calloc((size_t)n, sizeof(*aio));
	struct compile k;
	uint8_t *buf = NULL;
	size_t len = 0;
	int busy = 0, served = 0;

	compile_init(&k, pf, slow_cc);
	if (!ctx || !aio || codec_pack(&k.req.base, 0, &buf, &len, NULL) ||
	    nng_req0_open(&s) != 0)
		exit(1);
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if (nng_dial(s, pf->endpoint, NULL, 0) != 0) {
		check(0, "dial");
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		nng_msg *msg;

		if (nng_ctx_open(&ctx[i], s) ||
		    nng_aio_alloc(&aio[i], NULL, NULL) ||
		    nng_msg_alloc(&msg, len))
			exit(1);
		memcpy(nng_msg_body(msg), buf, len);
		nng_aio_set_msg(aio[i], msg);
		nng_ctx_send(ctx[i], aio[i]);
	}
	for (int i = 0; i < n; i++) {
		nng_aio_wait(aio[i]);
		nng_aio_set_timeout(aio[i], 120000);
		nng_ctx_recv(ctx[i], aio[i]);
	}
	for (int i = 0; i < n; i++) {
		Clustcc__Response *resp = NULL;
		nng_msg *msg;

		nng_aio_wait(aio[i]);
		if (nng_aio_result(aio[i]) == 0) {
			msg = nng_aio_get_msg(aio[i]);
			codec_unpack_response(nng_msg_body(msg),
			                      nng_msg_len(msg), 0, &resp, NULL);
			nng_msg_free(msg);
		}
		t.tries++;
		t.count[outcome_of(resp)]++;
		busy += resp && resp->refusal == CLUSTCC__REFUSAL__REFUSAL_BUSY;
		served += resp && resp->refusal == 0;
		codec_free(resp);
		nng_ctx_close(ctx[i]);
		nng_aio_free(aio[i]);
	}
	nng_close(s);
	printf("  %d requests on one pipe: %d served, %d busy\n", n, served,
	       busy);
	check(served == limit, "max_jobs_per_connection requests are served");
	check(busy == n - limit, "the rest are refused as busy");
	print_tally(&t);
	free(buf);
	free(ctx);
	free(aio);
}

/*
 * A compiler that hangs (killed at compile_timeout_ms) or writes more than
 * max_msg_bytes (killed when its outputs pass it): worker_failed.
 */
static void
attack_killed(const struct portfile *pf, const char *name, const char *cc)
{
	struct tally t = {.attack = name};
	struct compile k;
	char what[128];

	compile_init(&k, pf, cc);
	snprintf(what, sizeof(what), "%s: killed and the job refused", name);
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED,
	            what);
	print_tally(&t);
}

static void
still_serving(const struct portfile *pf)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct cc_err err;

	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	check(rpc_call(pf, &req, 10000, 1 << 20, &resp, &err) == CC_OK &&
	              resp->body_case == CLUSTCC__RESPONSE__BODY_STATUS,
	      "the server still answers status afterwards");
	codec_free(resp);
}

/* ---- the basic cases (server_modes.sh) -------------------------------- */

static void
basic_cases(const struct portfile *pf)
{
	struct tally t = {.attack = "basic"};
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	struct compile k;
	char *args[] = {(char *)"-fplugin=/tmp/evil.so"};
	uint8_t garbage[512];

	srand(42);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)rand();
	try_raw(&t, pf, garbage, sizeof(garbage),
	        CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	        "random bytes are malformed");
	try_raw(&t, pf, "", 0, CLUSTCC__REFUSAL__REFUSAL_VERSION,
	        "an empty message has no version");
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	req.version = CODEC_PROTOCOL_VERSION;
	req.token = (char *)"0000";
	try_request(&t, pf, &req, CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN,
	            "a wrong token is refused");
	req.token = (char *)pf->token;
	req.version = 99;
	try_request(&t, pf, &req, CLUSTCC__REFUSAL__REFUSAL_VERSION,
	            "a wrong version is refused");
	req.version = CODEC_PROTOCOL_VERSION;
	req.body_case = CLUSTCC__REQUEST__BODY__NOT_SET;
	try_request(&t, pf, &req, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	            "a request without a body is malformed");
	compile_init(&k, pf, "/usr/bin/gcc");
	k.c.language = (char *)"fortran";
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	            "unknown language is malformed");
	k.c.language = (char *)"c";
	k.id.size++;
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH,
	            "a different compiler at the same path is refused");
	k.id.size--;
	k.c.n_args = 1;
	k.c.args = args;
	try_request(&t, pf, &k.req, CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG,
	            "-fplugin= never reaches a worker's compiler");
	print_tally(&t);
	attack_oversized(pf);
}

int
main(int argc, char **argv)
{
	struct portfile pf;
	struct cc_err err;
	const char *attack = argc > 3 ? argv[3] : "";

	if (argc < 3 || portfile_read(argv[1], &pf, &err) != CC_OK) {
		fprintf(stderr, "usage: hostile_client PORT_FILE MAX_MSG_BYTES "
		                "[ATTACK [ARG...]]\n");
		return 2;
	}
	max_msg = strtoul(argv[2], NULL, 10);
	if (!attack[0])
		basic_cases(&pf);
	else if (strcmp(attack, "tokens") == 0)
		attack_tokens(&pf);
	else if (strcmp(attack, "versions") == 0)
		attack_versions(&pf);
	else if (strcmp(attack, "garbage") == 0)
		attack_garbage(&pf);
	else if (strcmp(attack, "forbidden_args") == 0 && argc == 5)
		attack_forbidden_args(&pf, argv[4]);
	else if (strcmp(attack, "traversal") == 0 && argc == 5)
		attack_traversal(&pf, argv[4]);
	else if (strcmp(attack, "not_allowed") == 0 && argc == 7)
		attack_not_allowed(&pf, argv[4], argv[5], argv[6]);
	else if (strcmp(attack, "oversized") == 0)
		attack_oversized(&pf);
	else if (strcmp(attack, "pipeline") == 0 && argc == 7)
		attack_pipeline(&pf, argv[4], atoi(argv[5]), atoi(argv[6]));
	else if (strcmp(attack, "timeout") == 0 && argc == 5)
		attack_killed(&pf, "hung_compiler", argv[4]);
	else if (strcmp(attack, "huge_output") == 0 && argc == 5)
		attack_killed(&pf, "huge_output", argv[4]);
	else {
		fprintf(stderr,
		        "hostile_client: unknown attack '%s' or wrong arguments\n",
		        attack);
		return 2;
	}
	still_serving(&pf);
	printf("%d failures\n", failures);
	return failures ? 1 : 0;
}
