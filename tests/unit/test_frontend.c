/*
 * test_frontend.c - the frontend's threads without MPI: many nng clients
 * at once against a frontend whose callbacks run on nng's threads, while a
 * dispatcher thread drains the jobq and replies (as dispatch.c does).
 * Every valid request must get its own answer back, every bad token a
 * bad_token refusal from the callback, and the refusal counter must match.
 * Run under TSan (build-tsan, label 'tsan') this is the race test for
 * frontend.c + jobq.c; shutting down with requests in flight is too.
 */
#include "frontend.h"

#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "jobq.h"
#include "monotime.h"
#include "rpc.h"
#include "testutil.h"

#define TOKEN      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define N_CLIENTS  8
#define N_REQUESTS 60
#define BAD_EVERY  5 /* every 5th request carries a wrong token */
#define N_SLOTS    4 /* fewer than clients: requests wait for a slot */
#define RECV_MS    60000

struct rig {
	char *dir;
	char url[256];
	struct cfg *cfg;
	struct jobq *q;
	struct frontend *fe;
	pthread_t dispatcher;
	_Atomic bool stop;
	_Atomic int answered; /* jobs the dispatcher replied to */
	_Atomic int held_n;   /* jobs the dispatcher holds (reply == false) */
	bool reply;           /* false: the dispatcher holds every job */
	struct job *held;     /* jobs not answered (reply == false) */
};

struct client {
	struct rig *rig;
	int id;
	int ok, refused, wrong;
};

/* Echo a LocalNotice's reason in the reply message. */
static void
answer(struct rig *r, struct job *job)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	uint8_t *buf = NULL;
	size_t len = 0;

	resp.version = CODEC_PROTOCOL_VERSION;
	if (job->req->body_case == CLUSTCC__REQUEST__BODY_LOCAL)
		resp.message = job->req->local->reason;
	cr_assert_eq(codec_pack(&resp.base, 0, &buf, &len, NULL), CC_OK);
	frontend_reply(r->fe, job->slot, buf, len);
	atomic_fetch_add(&r->answered, 1);
	job_free(job);
}

static void *
dispatch_main(void *arg)
{
	struct rig *r = arg;
	struct pollfd p = {.fd = jobq_wait_fd(r->q), .events = POLLIN};

	while (!atomic_load(&r->stop)) {
		struct job *job;

		if (poll(&p, 1, 20) < 0)
			continue;
		jobq_clear_wakeups(r->q);
		job = jobq_pop_all(r->q);
		while (job) {
			struct job *next = job->next;

			if (r->reply) {
				answer(r, job);
			} else {
				job->next = r->held;
				r->held = job;
				atomic_fetch_add(&r->held_n, 1);
			}
			job = next;
		}
	}
	return NULL;
}

static void
rig_start(struct rig *r, bool reply)
{
	char json[512];
	char url[256];
	struct cc_err err;

	memset(r, 0, sizeof(*r));
	r->reply = reply;
	r->dir = tu_tmpdir_new("frontend");
	snprintf(r->url, sizeof(r->url), "ipc://%s/fe.ipc", r->dir);
	snprintf(json, sizeof(json),
	         "{\"port_file\": \"%s/port\", \"endpoint\": \"%s\"}", r->dir,
	         r->url);
	cr_assert_eq(cfg_load_string("t.json", json, &r->cfg, &err), CC_OK,
	             "%s", err.msg);
	r->q = jobq_new(&err);
	cr_assert_not_null(r->q, "%s", err.msg);
	cr_assert_eq(frontend_start(r->cfg, r->q, TOKEN, N_SLOTS, &r->fe, url,
	                            sizeof(url), &err),
	             CC_OK, "%s", err.msg);
	cr_assert_str_eq(url, r->url);
	cr_assert_eq(pthread_create(&r->dispatcher, NULL, dispatch_main, r), 0);
}

/* Stop the dispatcher first: frontend_reply() is the main thread's. */
static void
rig_stop(struct rig *r)
{
	atomic_store(&r->stop, true);
	cr_assert_eq(pthread_join(r->dispatcher, NULL), 0);
	frontend_free(r->fe);
	while (r->held) {
		struct job *next = r->held->next;

		job_free(r->held);
		r->held = next;
	}
	jobq_free(r->q);
	cfg_free(r->cfg);
	tu_tmpdir_free(r->dir);
}

static nng_socket
client_socket(const struct rig *r, int recv_ms)
{
	nng_socket s;

	cr_assert_eq(nng_req0_open(&s), 0);
	cr_assert_eq(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, recv_ms), 0);
	cr_assert_eq(nng_dial(s, r->url, NULL, 0), 0);
	return s;
}

/* One request; returns the decoded response or NULL on timeout. */
static Clustcc__Response *
call(nng_socket s, const char *token, char *reason)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__LocalNotice ln = CLUSTCC__LOCAL_NOTICE__INIT;
	Clustcc__Response *resp = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	nng_msg *msg = NULL;

	req.version = CODEC_PROTOCOL_VERSION;
	req.token = (char *)token;
	req.body_case = CLUSTCC__REQUEST__BODY_LOCAL;
	req.local = &ln;
	ln.reason = reason;
	if (codec_pack(&req.base, 0, &buf, &len, NULL) != CC_OK ||
	    nng_msg_alloc(&msg, len) != 0) {
		free(buf);
		return NULL;
	}
	memcpy(nng_msg_body(msg), buf, len);
	free(buf);
	if (nng_sendmsg(s, msg, 0) != 0) {
		nng_msg_free(msg);
		return NULL;
	}
	if (nng_recvmsg(s, &msg, 0) != 0)
		return NULL;
	codec_unpack_response(nng_msg_body(msg), nng_msg_len(msg), 0, &resp,
	                      NULL);
	nng_msg_free(msg);
	return resp;
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	nng_socket s = client_socket(c->rig, RECV_MS);

	for (int i = 0; i < N_REQUESTS; i++) {
		bool bad = i % BAD_EVERY == 0;
		char reason[64];
		Clustcc__Response *resp;

		snprintf(reason, sizeof(reason), "client %d request %d", c->id,
		         i);
		resp = call(s, bad ? "0000" : TOKEN, reason);
		if (!resp)
			c->wrong++;
		else if (bad &&
		         resp->refusal == CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN)
			c->refused++;
		else if (!bad && resp->refusal == 0 &&
		         strcmp(resp->message, reason) == 0)
			c->ok++;
		else
			c->wrong++;
		codec_free(resp);
	}
	nng_close(s);
	return NULL;
}

Test(frontend, concurrent_clients_each_get_their_own_answer)
{
	struct rig r;
	struct client c[N_CLIENTS];
	pthread_t t[N_CLIENTS];
	int bad_per_client = (N_REQUESTS + BAD_EVERY - 1) / BAD_EVERY;
	int ok = 0, refused = 0, wrong = 0;

	rig_start(&r, true);
	for (int i = 0; i < N_CLIENTS; i++) {
		c[i] = (struct client){.rig = &r, .id = i};
		cr_assert_eq(pthread_create(&t[i], NULL, client_main, &c[i]),
		             0);
	}
	for (int i = 0; i < N_CLIENTS; i++) {
		cr_assert_eq(pthread_join(t[i], NULL), 0);
		ok += c[i].ok;
		refused += c[i].refused;
		wrong += c[i].wrong;
	}
	cr_expect_eq(wrong, 0, "%d requests got a wrong answer or none", wrong);
	cr_expect_eq(refused, N_CLIENTS * bad_per_client);
	cr_expect_eq(ok, N_CLIENTS * (N_REQUESTS - bad_per_client));
	cr_expect_eq(atomic_load(&r.answered), ok);
	cr_expect_eq(
	        frontend_refused(r.fe, CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN),
	        (uint64_t)refused);
	rig_stop(&r);
}

/*
 * Shut down while every slot holds a job and clients still wait: no
 * crash, no hang, nothing leaked (jobs are freed by their holder).
 */
Test(frontend, free_with_requests_in_flight)
{
	struct rig r;
	nng_socket s[N_SLOTS + 2];
	char reason[] = "held";

	rig_start(&r, false);
	for (int i = 0; i < N_SLOTS + 2; i++) {
		s[i] = client_socket(&r, RECV_MS);
		nng_msg *msg = NULL;
		Clustcc__Request req = CLUSTCC__REQUEST__INIT;
		Clustcc__LocalNotice ln = CLUSTCC__LOCAL_NOTICE__INIT;
		uint8_t *buf = NULL;
		size_t len = 0;

		req.version = CODEC_PROTOCOL_VERSION;
		req.token = (char *)TOKEN;
		req.body_case = CLUSTCC__REQUEST__BODY_LOCAL;
		req.local = &ln;
		ln.reason = reason;
		cr_assert_eq(codec_pack(&req.base, 0, &buf, &len, NULL), CC_OK);
		cr_assert_eq(nng_msg_alloc(&msg, len), 0);
		memcpy(nng_msg_body(msg), buf, len);
		free(buf);
		cr_assert_eq(nng_sendmsg(s[i], msg, 0), 0);
	}
	/*
	 * Every slot ends up parked with its job in the dispatcher; the two
	 * extra requests wait in nng for a slot that never comes free.
	 */
	for (int tries = 0; tries < 3000; tries++) {
		if (atomic_load(&r.held_n) >= N_SLOTS)
			break;
		nng_msleep(10);
	}
	nng_msleep(200); /* would a seventh job slip through? */
	cr_expect_eq(atomic_load(&r.held_n), N_SLOTS);
	rig_stop(&r);
	for (int i = 0; i < N_SLOTS + 2; i++)
		nng_close(s[i]);
}

/*
 * Shutdown: a request is handed to the dispatcher until
 * frontend_close_intake(), and refused as draining by the frontend itself
 * after it, so no request waits for a dispatcher that has stopped (found by
 * bench/load.sh drain: such clients saw their connection reset when the
 * socket closed). Each test sets up its own frontend on an ipc endpoint
 * (explicit calls, not a TestSuite .init: the TSan stand-in for Criterion
 * runs this file too).
 */
static char *tmpdir;
static struct cfg *cfg;
static struct jobq *q;
static struct frontend *fe;
static struct portfile pf;

static void
intake_setup(void)
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
intake_teardown(void)
{
	frontend_free(fe);
	jobq_free(q);
	cfg_free(cfg);
	tu_tmpdir_free(tmpdir);
}

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

	intake_setup();
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
	intake_teardown();
}

Test(frontend, after_close_intake_requests_are_refused_as_draining)
{
	struct call c = {0};

	intake_setup();
	frontend_close_intake(fe);
	status_call(&c);
	cr_assert_eq(c.rc, CC_OK, "answered, not left waiting (rc %d)", c.rc);
	cr_assert_eq(c.resp->refusal, CLUSTCC__REFUSAL__REFUSAL_DRAINING);
	cr_assert_null(jobq_pop_all(q), "nothing was handed to the dispatcher");
	cr_assert_eq(frontend_refused(fe, CLUSTCC__REFUSAL__REFUSAL_DRAINING),
	             1);
	codec_free(c.resp);
	intake_teardown();
}

Test(frontend, flush_lingers_after_a_late_request)
{
	struct call c = {0};
	int64_t t0;

	intake_setup();
	frontend_close_intake(fe);
	status_call(&c);
	cr_assert_eq(c.rc, CC_OK);
	codec_free(c.resp);
	/* A request just came: more may be on their way; answer them too. */
	t0 = monotime_ms();
	frontend_flush(fe, 5000);
	cr_assert_geq(monotime_ms() - t0, 100, "flush returned at once");
	intake_teardown();
}
