/*
 * test_rpc.c - the client's side of a call: a missing or unreachable
 * server fails fast with CC_ENNG, and an unreachable one is remembered for
 * RPC_DOWN_SECONDS so later wrappers do not wait again; a head that is
 * stopped (accepts, never speaks; or stops answering pings while a
 * compile waits) is given up in seconds, one that answers pings is not.
 */
#include "rpc.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monotime.h"
#include "testutil.h"

static char *tmpdir;

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("rpc");
	setenv("TMPDIR", tmpdir, 1);
}

static void
teardown(void)
{
	unsetenv("TMPDIR");
	tu_tmpdir_free(tmpdir);
}

TestSuite(rpc, .init = setup, .fini = teardown);

static void
fake_server(struct portfile *pf, const char *endpoint, char fill)
{
	memset(pf, 0, sizeof(*pf));
	snprintf(pf->endpoint, sizeof(pf->endpoint), "%s", endpoint);
	memset(pf->token, fill, PORTFILE_TOKEN_HEX);
	pf->pid = 1;
}

Test(rpc, missing_ipc_server_fails_fast)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct portfile pf;
	char url[256];
	struct cc_err err;
	int64_t t0 = monotime_ms();

	snprintf(url, sizeof(url), "ipc://%s/none.ipc", tmpdir);
	fake_server(&pf, url, 'a');
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	cr_assert_eq(rpc_call(&pf, &req, 10000, 1 << 20, &resp, &err), CC_ENNG);
	cr_assert_null(resp);
	cr_assert(strstr(err.msg, "none.ipc"), "message names the endpoint: %s",
	          err.msg);
	cr_assert_lt(monotime_ms() - t0, 2000);
}

Test(rpc, refused_tcp_port_fails_fast)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct portfile pf;
	struct cc_err err;

	/* Port 1 on loopback: nothing listens there, the kernel refuses. */
	fake_server(&pf, "tcp://127.0.0.1:1", 'b');
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	cr_assert_eq(rpc_call(&pf, &req, 10000, 1 << 20, &resp, &err), CC_ENNG);
}

Test(rpc, unreachable_mark_is_per_server)
{
	struct portfile a, b;

	fake_server(&a, "tcp://127.0.0.1:1", 'c');
	fake_server(&b, "tcp://127.0.0.1:1", 'd');
	cr_assert_not(rpc_server_down(&a));
	rpc_mark_down(&a);
	cr_assert(rpc_server_down(&a));
	cr_assert_not(rpc_server_down(&b), "another server is not marked");
}

Test(rpc, find_server_without_a_port_file)
{
	struct portfile pf;
	struct cc_err err;

	unsetenv("CLUSTCC_PORT_FILE");
	cr_assert_eq(rpc_find_server(NULL, &pf, &err), CC_ENOENT);
	cr_assert(strstr(err.msg, "CLUSTCC_PORT_FILE"));
}

/*
 * A head whose kernel accepts connections but which never speaks (a
 * stopped process): a listening socket nobody accepts on.
 */
Test(rpc, silent_listener_is_given_up_after_the_handshake_timeout)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	struct portfile pf;
	struct cc_err err;
	char url[64];
	int64_t t0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(fd, 16), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", ntohs(sa.sin_port));
	fake_server(&pf, url, 'c');
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	t0 = monotime_ms();
	cr_assert_eq(rpc_call(&pf, &req, 60000, 1 << 20, &resp, &err), CC_ENNG);
	cr_assert(strstr(err.msg, "no handshake") != NULL, "%s", err.msg);
	/* 3 s, not nng's 10 s; slack for a loaded machine. */
	cr_assert_lt(monotime_ms() - t0, 8000);
	close(fd);
}

/* A REP head in this process: takes one request and never answers it. */
struct fake_head {
	nng_socket sock;
	nng_ctx parked, pinger;
	bool answer_pings;
	pthread_t thread;
	char url[256];
};

/* Blocking receive on a context (nng 1.5 has only the aio form). */
static int
ctx_recv(nng_ctx ctx, nng_msg **msg)
{
	nng_aio *aio = NULL;
	int rv = nng_aio_alloc(&aio, NULL, NULL);

	if (rv != 0)
		return rv;
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	if (rv == 0)
		*msg = nng_aio_get_msg(aio);
	nng_aio_free(aio);
	return rv;
}

static int
ctx_send(nng_ctx ctx, nng_msg *msg)
{
	nng_aio *aio = NULL;
	int rv = nng_aio_alloc(&aio, NULL, NULL);

	if (rv != 0)
		return rv;
	nng_aio_set_msg(aio, msg);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	rv = nng_aio_result(aio);
	nng_aio_free(aio);
	return rv;
}

static void *
fake_head_run(void *arg)
{
	struct fake_head *h = arg;
	nng_msg *msg = NULL;

	if (ctx_recv(h->parked, &msg) != 0)
		return NULL;
	nng_msg_free(msg); /* the compile: held, never answered */
	while (h->answer_pings && ctx_recv(h->pinger, &msg) == 0) {
		uint8_t *buf = NULL;
		size_t len = 0;

		nng_msg_free(msg);
		if (codec_pack_pong(&buf, &len) != CC_OK ||
		    nng_msg_alloc(&msg, len) != 0)
			break;
		memcpy(nng_msg_body(msg), buf, len);
		free(buf);
		if (ctx_send(h->pinger, msg) != 0)
			nng_msg_free(msg);
	}
	return NULL;
}

static void
fake_head_start(struct fake_head *h, bool answer_pings)
{
	h->answer_pings = answer_pings;
	snprintf(h->url, sizeof(h->url), "ipc://%s/head.ipc", tmpdir);
	cr_assert_eq(nng_rep0_open(&h->sock), 0);
	cr_assert_eq(nng_listen(h->sock, h->url, NULL, 0), 0);
	cr_assert_eq(nng_ctx_open(&h->parked, h->sock), 0);
	cr_assert_eq(nng_ctx_open(&h->pinger, h->sock), 0);
	cr_assert_eq(pthread_create(&h->thread, NULL, fake_head_run, h), 0);
}

static void
fake_head_stop(struct fake_head *h)
{
	nng_close(h->sock); /* ends the thread's receives */
	pthread_join(h->thread, NULL);
}

static int
watched_status(const char *url, int64_t timeout_ms, int64_t ping_ms,
               bool *unresponsive, struct cc_err *err)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response *resp = NULL;
	struct rpc_wait wait = {timeout_ms, ping_ms, unresponsive};
	struct portfile pf;
	int rc;

	fake_server(&pf, url, 'd');
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	rc = rpc_call_watched(&pf, &req, &wait, 1 << 20, &resp, err);
	codec_free(resp);
	return rc;
}

Test(rpc, head_that_stops_answering_pings_is_given_up)
{
	struct fake_head h;
	struct cc_err err;
	bool unresponsive = false;
	int64_t t0 = monotime_ms();

	fake_head_start(&h, false);
	cr_assert_eq(watched_status(h.url, 60000, 200, &unresponsive, &err),
	             CC_ENNG);
	cr_assert(unresponsive);
	cr_assert(strstr(err.msg, "stopped answering") != NULL, "%s", err.msg);
	/* One period and one ping timeout, not the 60 s deadline. */
	cr_assert_lt(monotime_ms() - t0, 10000);
	fake_head_stop(&h);
}

Test(rpc, head_that_answers_pings_is_waited_for_until_the_deadline)
{
	struct fake_head h;
	struct cc_err err;
	bool unresponsive = true;
	int64_t t0 = monotime_ms();

	fake_head_start(&h, true);
	cr_assert_eq(watched_status(h.url, 1500, 200, &unresponsive, &err),
	             CC_ETIMEDOUT);
	cr_assert_not(unresponsive);
	cr_assert_geq(monotime_ms() - t0, 1400);
	fake_head_stop(&h);
}
