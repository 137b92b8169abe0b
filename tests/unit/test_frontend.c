/*
 * test_frontend.c - the head's nng endpoint at shutdown: a request is
 * handed to the dispatcher until frontend_close_intake(), and refused as
 * draining by the frontend itself after it, so no request waits for a
 * dispatcher that has stopped (found by bench/load.sh drain: such clients
 * saw their connection reset when the socket closed). Real nng sockets on
 * an ipc endpoint in a private directory; no MPI.
 */
#include "frontend.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monotime.h"
#include "rpc.h"
#include "testutil.h"

static char *tmpdir;
static struct cfg *cfg;
static struct jobq *q;
static struct frontend *fe;
static struct portfile pf;

static void
setup(void)
{
	char json[1024];
	struct cc_err err;

	tmpdir = tu_tmpdir_new("frontend");
	snprintf(
	        json, sizeof(json),
	        "{\"port_file\": \"%s/port\", \"endpoint\": \"ipc://%s/s.ipc\"}",
	        tmpdir, tmpdir);
	cr_assert_eq(cfg_load_string("test", json, &cfg, &err), CC_OK, "%s",
	             err.msg);
	q = jobq_new(&err);
	cr_assert_not_null(q);
	memset(&pf, 0, sizeof(pf));
	memset(pf.token, 'f', PORTFILE_TOKEN_HEX);
	pf.pid = 1;
	cr_assert_eq(frontend_start(cfg, q, pf.token, 4, &fe, pf.endpoint,
	                            sizeof(pf.endpoint), &err),
	             CC_OK, "%s", err.msg);
}

static void
teardown(void)
{
	frontend_free(fe);
	jobq_free(q);
	cfg_free(cfg);
	tu_tmpdir_free(tmpdir);
}

TestSuite(frontend, .init = setup, .fini = teardown);

struct call {
	pthread_t tid;
	int rc;
	Clustcc__Response *resp;
};

static void *
status_call(void *arg)
{
	struct call *c = arg;
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	struct cc_err err;

	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	c->rc = rpc_call(&pf, &req, 20000, 1 << 20, &c->resp, &err);
	return NULL;
}

/* The next job the frontend pushes, waiting up to 10 s. */
static struct job *
wait_job(void)
{
	int64_t deadline = monotime_ms() + 10000;
	struct timespec nap = {0, 5000000};
	struct job *job;

	while (!(job = jobq_pop_all(q)) && monotime_ms() < deadline)
		nanosleep(&nap, NULL);
	return job;
}

Test(frontend, request_goes_to_the_jobq_and_the_reply_back)
{
	struct call c = {0};
	struct job *job;
	uint8_t *buf = NULL;
	size_t len = 0;

	cr_assert_eq(pthread_create(&c.tid, NULL, status_call, &c), 0);
	job = wait_job();
	cr_assert_not_null(job, "the request reached the jobq");
	cr_assert_eq(job->req->body_case, CLUSTCC__REQUEST__BODY_STATUS);
	cr_assert_null(job->next);
	cr_assert_eq(codec_pack_refusal(CLUSTCC__REFUSAL__REFUSAL_BUSY, "test",
	                                &buf, &len),
	             CC_OK);
	frontend_reply(fe, job->slot, buf, len);
	job_free(job);
	pthread_join(c.tid, NULL);
	cr_assert_eq(c.rc, CC_OK);
	cr_assert_eq(c.resp->refusal, CLUSTCC__REFUSAL__REFUSAL_BUSY);
	codec_free(c.resp);
}

Test(frontend, after_close_intake_requests_are_refused_as_draining)
{
	struct call c = {0};

	frontend_close_intake(fe);
	status_call(&c);
	cr_assert_eq(c.rc, CC_OK, "answered, not left waiting (rc %d)", c.rc);
	cr_assert_eq(c.resp->refusal, CLUSTCC__REFUSAL__REFUSAL_DRAINING);
	cr_assert_null(jobq_pop_all(q), "nothing was handed to the dispatcher");
	cr_assert_eq(frontend_refused(fe, CLUSTCC__REFUSAL__REFUSAL_DRAINING),
	             1);
	codec_free(c.resp);
}

Test(frontend, flush_lingers_after_a_late_request)
{
	struct call c = {0};
	int64_t t0;

	frontend_close_intake(fe);
	status_call(&c);
	cr_assert_eq(c.rc, CC_OK);
	codec_free(c.resp);
	/* A request just came: more may be on their way; answer them too. */
	t0 = monotime_ms();
	frontend_flush(fe, 5000);
	cr_assert_geq(monotime_ms() - t0, 100, "flush returned at once");
}
