/*
 * hostile_client.c - sends the head every kind of bad request and checks
 * that each gets a typed refusal and that the server keeps serving.
 *   usage: hostile_client PORT_FILE MAX_MSG_BYTES
 * Prints one line per case; exits 0 only if every case behaved.
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

static int failures;

static void
check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

/* Send raw bytes on a fresh REQ socket; return the decoded reply or NULL. */
static Clustcc__Response *
send_raw(const struct portfile *pf, const void *buf, size_t len)
{
	Clustcc__Response *resp = NULL;
	nng_socket s;
	nng_msg *msg = NULL;

	if (nng_req0_open(&s) != 0)
		return NULL;
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000);
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

static void
expect_refusal(const struct portfile *pf, const void *buf, size_t len,
               Clustcc__Refusal want, const char *what)
{
	Clustcc__Response *resp = send_raw(pf, buf, len);

	check(resp && resp->refusal == want, what);
	if (resp && resp->refusal != want)
		printf("  got refusal '%s': %s\n",
		       codec_refusal_name(resp->refusal), resp->message);
	codec_free(resp);
}

static void
send_request(const struct portfile *pf, Clustcc__Request *req,
             const char *token, Clustcc__Refusal want, const char *what)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	req->token = (char *)token;
	if (codec_pack(&req->base, 0, &buf, &len, NULL) != CC_OK) {
		check(0, what);
		return;
	}
	expect_refusal(pf, buf, len, want, what);
	free(buf);
}

static void
compile_cases(const struct portfile *pf, size_t max_msg_bytes)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__CompileRequest c = CLUSTCC__COMPILE_REQUEST__INIT;
	Clustcc__CompilerId id = CLUSTCC__COMPILER_ID__INIT;
	char *args[] = {(char *)"-fplugin=/tmp/evil.so"};
	uint8_t *big = calloc(1, max_msg_bytes + 100);
	char gcc[PATH_MAX];
	struct stat st;

	/* The real identity of this machine's gcc, so only the args are wrong.
	 */
	if (!realpath("/usr/bin/gcc", gcc) || stat(gcc, &st) != 0) {
		check(0, "find /usr/bin/gcc");
		free(big);
		return;
	}
	req.version = CODEC_PROTOCOL_VERSION;
	req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req.compile = &c;
	c.compiler = &id;
	c.language = (char *)"c";
	id.path = (char *)"gcc";
	send_request(pf, &req, pf->token, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	             "relative compiler path is malformed");
	id.path = gcc;
	c.language = (char *)"fortran";
	send_request(pf, &req, pf->token, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	             "unknown language is malformed");
	c.language = (char *)"c";
	id.size = (uint64_t)st.st_size + 1;
	id.mtime_ns =
	        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	send_request(pf, &req, pf->token,
	             CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH,
	             "a different compiler at the same path is refused");
	id.size = (uint64_t)st.st_size;
	c.n_args = 1;
	c.args = args;
	send_request(pf, &req, pf->token,
	             CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG,
	             "-fplugin= never reaches a worker's compiler");
	c.n_args = 0;
	if (big) {
		c.source.data = big;
		c.source.len = max_msg_bytes + 100;
		send_request(
		        pf, &req, pf->token, CLUSTCC__REFUSAL__REFUSAL_TOO_BIG,
		        "a request over max_msg_bytes is refused as too big");
	}
	free(big);
}

int
main(int argc, char **argv)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct portfile pf;
	uint8_t garbage[512];
	struct cc_err err;

	if (argc != 3 || portfile_read(argv[1], &pf, &err) != CC_OK) {
		fprintf(stderr,
		        "usage: hostile_client PORT_FILE MAX_MSG_BYTES\n");
		return 2;
	}
	srand(42);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)rand();
	expect_refusal(&pf, garbage, sizeof(garbage),
	               CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	               "random bytes are malformed");
	expect_refusal(&pf, "", 0, CLUSTCC__REFUSAL__REFUSAL_VERSION,
	               "an empty message has no version");
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	req.version = CODEC_PROTOCOL_VERSION;
	send_request(&pf, &req, "0000", CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN,
	             "a wrong token is refused");
	req.version = 99;
	send_request(&pf, &req, pf.token, CLUSTCC__REFUSAL__REFUSAL_VERSION,
	             "a wrong version is refused");
	req.version = CODEC_PROTOCOL_VERSION;
	req.body_case = CLUSTCC__REQUEST__BODY__NOT_SET;
	send_request(&pf, &req, pf.token, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
	             "a request without a body is malformed");
	compile_cases(&pf, strtoul(argv[2], NULL, 10));

	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	check(rpc_call(&pf, &req, 10000, 1 << 20, &resp, &err) == CC_OK &&
	              resp->body_case == CLUSTCC__RESPONSE__BODY_STATUS,
	      "the server still answers status afterwards");
	codec_free(resp);
	printf("%d failures\n", failures);
	return failures ? 1 : 0;
}
