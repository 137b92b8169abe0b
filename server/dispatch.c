/*
 * dispatch.c - the head's scheduler loop.
 *
 * Every request reaches this thread through the jobq, so all scheduling
 * state (slots, queue, in-flight jobs, counters) has one owner and no
 * locks. Compiles wait in a FIFO until slots_pick() finds a free slot;
 * a job placed on rank 0 runs as a child of this process (runner), one on
 * a worker rank is sent over MPI. Results from both come back as packed
 * WorkerResults and take the same path to the client. The loop sleeps in
 * poll() on the jobq's wake-up fd, so a new request wakes it at once; while
 * jobs run on workers it wakes every backoff step to poll MPI.
 *
 * Shutdown: a drain (request or first signal) refuses new compiles and
 * ends the loop once every job is answered; a second signal stops at once:
 * every queued and running job is answered with a refusal (the client
 * compiles locally), compilers are killed and the workers told to abandon
 * theirs.
 *
 * Logs: at info, one line per compile when it is answered (where it ran,
 * exact or shipped, run and total time, outcome); at debug also when it is
 * queued, sent to a rank and replied to.
 */
#define LOG_MODULE "dispatch"
#include "dispatch.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "log.h"
#include "monotime.h"
#include "runner.h"
#include "runset.h"
#include "slots.h"
#include "worker.h"

#define MAX_LOCAL_REASONS 64
#define REFUSAL_KINDS     16
#define IDLE_POLL_MS      200
#define STOP_WAIT_MS      10000
/* The recent rate spans RATE_SAMPLES - 1 steps of RATE_STEP_MS: 10 s. */
#define RATE_SAMPLES    11
#define RATE_STEP_MS    1000
#define STATUS_MAX_JOBS 1024
/* After a stop-now, results already on the wire are taken and dropped. */
#define LATE_RESULT_MS 500

/* A compile placed on a rank, awaiting its result. */
struct flight {
	struct job *job;
	char *source;    /* the client's source name (logs, status) */
	int64_t sent_ms; /* monotime_ms() when it was placed */
};

/* Completed count at one time: the recent jobs-per-second window. */
struct rate_sample {
	int64_t ms;
	uint64_t completed;
};

struct reason_count {
	char *name;
	uint64_t count;
};

struct head {
	const struct dispatch_ctx *ctx;
	const struct cfg *cfg;
	struct slots *slots;
	struct job *pending_head, *pending_tail;
	size_t n_pending;
	struct flight *inflight; /* jobs placed on a rank */
	size_t n_inflight, cap_inflight;
	struct runset local; /* head-local compiles */
	struct runner_opts runner_opts;
	struct allowlist *compilers; /* runner_opts.compilers, owned */
	bool draining;
	int64_t start_ms;
	uint64_t received, completed;
	uint64_t
	        refused[REFUSAL_KINDS]; /* by the head or a worker, by reason */
	struct reason_count reasons[MAX_LOCAL_REASONS];
	size_t n_reasons;
	struct rate_sample rate[RATE_SAMPLES]; /* ring, oldest at rate_at */
	size_t rate_at;
};

static const char *
flight_source(const struct flight *fl)
{
	return fl->source ? fl->source : "?";
}

/* ---- replies ---------------------------------------------------------- */

static void
reply_response(struct head *h, struct job *job, Clustcc__Response *resp)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct cc_err err;
	int rc;

	resp->version = CODEC_PROTOCOL_VERSION;
	rc = codec_pack(&resp->base, h->cfg->max_msg_bytes, &buf, &len, &err);
	if (rc != CC_OK) {
		log_error("job %llu: cannot pack reply: %s",
		          (unsigned long long)job->id, err.msg);
		rc = codec_pack_refusal(CLUSTCC__REFUSAL__REFUSAL_INTERNAL,
		                        err.msg, &buf, &len);
		if (rc != CC_OK)
			return; /* out of memory: the client times out */
	}
	frontend_reply(h->ctx->fe, job->slot, buf, len);
}

static void
reply_refusal(struct head *h, struct job *job, Clustcc__Refusal why,
              const char *text)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;

	resp.refusal = why;
	resp.message = (char *)text;
	reply_response(h, job, &resp);
	job_free(job);
}

/* ---- status, drain, local notices --------------------------------------- */

static void
count_reason(struct head *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n_reasons; i++) {
		if (strcmp(h->reasons[i].name, name) == 0) {
			h->reasons[i].count++;
			return;
		}
	}
	if (h->n_reasons == MAX_LOCAL_REASONS || strlen(name) > 64)
		name = "other";
	for (i = 0; i < h->n_reasons; i++) {
		if (strcmp(h->reasons[i].name, name) == 0) {
			h->reasons[i].count++;
			return;
		}
	}
	if (h->n_reasons == MAX_LOCAL_REASONS)
		return;
	h->reasons[h->n_reasons].name = strdup(name);
	if (!h->reasons[h->n_reasons].name)
		return;
	h->reasons[h->n_reasons++].count = 1;
}

static void
count_refusal(struct head *h, Clustcc__Refusal why)
{
	if ((unsigned)why < REFUSAL_KINDS)
		h->refused[why]++;
}

static uint64_t
refused_total(struct head *h, Clustcc__Refusal why)
{
	return frontend_refused(h->ctx->fe, why) + h->refused[why];
}

/*
 * A job left rank: done, failed (the rank could not run it), or refused by
 * policy (compiler mismatch, not_exact, ...), which is no failure.
 */
static void
end_on_rank(struct head *h, int rank, Clustcc__Refusal why)
{
	if (why == CLUSTCC__REFUSAL__REFUSAL_NONE ||
	    why == CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED ||
	    why == CLUSTCC__REFUSAL__REFUSAL_INTERNAL) {
		slots_finish(h->slots, rank,
		             why == CLUSTCC__REFUSAL__REFUSAL_NONE);
		return;
	}
	slots_release(h->slots, rank);
	count_refusal(h, why);
}

/* Take a rate sample once per RATE_STEP_MS. */
static void
sample_rate(struct head *h, int64_t now)
{
	size_t newest = (h->rate_at + RATE_SAMPLES - 1) % RATE_SAMPLES;

	if (now - h->rate[newest].ms < RATE_STEP_MS)
		return;
	h->rate[h->rate_at].ms = now;
	h->rate[h->rate_at].completed = h->completed;
	h->rate_at = (h->rate_at + 1) % RATE_SAMPLES;
}

/*
 * Results sent since the oldest sample still in the ring (at most 10 s
 * ago; the start of the server before the ring has filled).
 */
static void
recent_rate(const struct head *h, int64_t now, Clustcc__StatusReply *st)
{
	const struct rate_sample *old = &h->rate[h->rate_at];

	if (old->ms == 0) /* ring not full yet: the oldest is slot 0 */
		old = &h->rate[0];
	st->recent_ms = (uint64_t)(now - old->ms);
	st->recent_completed = h->completed - old->completed;
}

/* The running jobs of status; *jobs and *ptrs are the caller's. */
static int
running_jobs(const struct head *h, int64_t now, Clustcc__StatusReply *st,
             Clustcc__JobStatus **jobs, Clustcc__JobStatus ***ptrs)
{
	size_t n = h->n_inflight < STATUS_MAX_JOBS ? h->n_inflight
	                                           : STATUS_MAX_JOBS;

	*jobs = calloc(n ? n : 1, sizeof(**jobs));
	*ptrs = calloc(n ? n : 1, sizeof(**ptrs));
	if (!*jobs || !*ptrs)
		return CC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct flight *fl = &h->inflight[i];
		Clustcc__JobStatus *js = &(*jobs)[i];

		clustcc__job_status__init(js);
		js->job_id = fl->job->id;
		js->rank = (uint32_t)fl->job->rank;
		js->source_name = (char *)flight_source(fl);
		js->running_ms = (uint64_t)(now - fl->sent_ms);
		(*ptrs)[i] = js;
	}
	st->n_jobs = n;
	st->jobs = *ptrs;
	return CC_OK;
}

static void
answer_status(struct head *h, struct job *job)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__StatusReply st = CLUSTCC__STATUS_REPLY__INIT;
	int n = slots_nranks(h->slots);
	Clustcc__RankStatus *ranks = calloc((size_t)n, sizeof(*ranks));
	Clustcc__RankStatus **rank_ptrs = calloc((size_t)n, sizeof(*rank_ptrs));
	Clustcc__ReasonCount refusals[REFUSAL_KINDS], local[MAX_LOCAL_REASONS];
	Clustcc__ReasonCount *refusal_ptrs[REFUSAL_KINDS];
	Clustcc__ReasonCount *local_ptrs[MAX_LOCAL_REASONS];
	Clustcc__JobStatus *jobs = NULL, **job_ptrs = NULL;
	int64_t now = monotime_ms();

	if (!ranks || !rank_ptrs ||
	    running_jobs(h, now, &st, &jobs, &job_ptrs) != CC_OK) {
		free(ranks);
		free(rank_ptrs);
		free(jobs);
		free(job_ptrs);
		reply_refusal(h, job, CLUSTCC__REFUSAL__REFUSAL_INTERNAL,
		              "out of memory");
		return;
	}
	for (int r = 0; r < n; r++) {
		const struct slots_rank *sr = slots_rank(h->slots, r);

		clustcc__rank_status__init(&ranks[r]);
		ranks[r].rank = (uint32_t)r;
		ranks[r].slots = (uint32_t)sr->slots;
		ranks[r].running = (uint32_t)sr->running;
		ranks[r].done = sr->done;
		ranks[r].failed = sr->failed;
		ranks[r].exact = sr->exact;
		rank_ptrs[r] = &ranks[r];
	}
	st.n_ranks = (size_t)n;
	st.ranks = rank_ptrs;
	for (int why = 1; why < REFUSAL_KINDS; why++) {
		uint64_t c = refused_total(h, (Clustcc__Refusal)why);

		if (!c)
			continue;
		clustcc__reason_count__init(&refusals[st.n_refusals]);
		refusals[st.n_refusals].reason =
		        (char *)codec_refusal_name((Clustcc__Refusal)why);
		refusals[st.n_refusals].count = c;
		refusal_ptrs[st.n_refusals] = &refusals[st.n_refusals];
		st.refused += c;
		st.n_refusals++;
	}
	st.refusals = refusal_ptrs;
	for (size_t i = 0; i < h->n_reasons; i++) {
		clustcc__reason_count__init(&local[i]);
		local[i].reason = h->reasons[i].name;
		local[i].count = h->reasons[i].count;
		local_ptrs[i] = &local[i];
	}
	st.n_local_reasons = h->n_reasons;
	st.local_reasons = local_ptrs;
	st.queue_depth = (uint32_t)h->n_pending;
	st.uptime_ms = (uint64_t)(now - h->start_ms);
	frontend_bytes(h->ctx->fe, &st.bytes_in, &st.bytes_out);
	recent_rate(h, now, &st);
	st.draining = h->draining;
	st.received = h->received;
	st.completed = h->completed;
	st.pid = (uint32_t)getpid();
	st.version = (char *)CLUSTCC_VERSION;
	resp.body_case = CLUSTCC__RESPONSE__BODY_STATUS;
	resp.status = &st;
	reply_response(h, job, &resp);
	job_free(job);
	free(ranks);
	free(rank_ptrs);
	free(jobs);
	free(job_ptrs);
}

static void
start_drain(struct head *h, const char *why)
{
	if (h->draining)
		return;
	h->draining = true;
	log_warn(
	        "draining (%s): %zu queued, %d running; new compiles are refused",
	        why, h->n_pending, slots_running(h->slots));
}

static void
answer_drain(struct head *h, struct job *job)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__DrainReply dr = CLUSTCC__DRAIN_REPLY__INIT;

	start_drain(h, "drain request");
	dr.in_flight =
	        (uint32_t)(h->n_pending + (size_t)slots_running(h->slots));
	resp.body_case = CLUSTCC__RESPONSE__BODY_DRAIN;
	resp.drain = &dr;
	reply_response(h, job, &resp);
	job_free(job);
}

static void
answer_local(struct head *h, struct job *job)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;

	count_reason(h, job->req->local->reason);
	reply_response(h, job, &resp);
	job_free(job);
}

/* ---- compiles ------------------------------------------------------------ */

/* The one info line of a compile answered without running. */
static void
log_not_run(const struct job *job, Clustcc__Refusal why)
{
	log_info("job %llu: %s: not run, total %lld ms: refused %s",
	         (unsigned long long)job->id, job->req->compile->source_name,
	         (long long)(monotime_ms() - job->received_ms),
	         codec_refusal_name(why));
}

static void
enqueue_compile(struct head *h, struct job *job)
{
	if (h->draining) {
		log_not_run(job, CLUSTCC__REFUSAL__REFUSAL_DRAINING);
		count_refusal(h, CLUSTCC__REFUSAL__REFUSAL_DRAINING);
		reply_refusal(h, job, CLUSTCC__REFUSAL__REFUSAL_DRAINING,
		              "server is draining");
		return;
	}
	if (h->n_pending >= (size_t)h->cfg->max_queued_jobs) {
		log_not_run(job, CLUSTCC__REFUSAL__REFUSAL_BUSY);
		count_refusal(h, CLUSTCC__REFUSAL__REFUSAL_BUSY);
		reply_refusal(h, job, CLUSTCC__REFUSAL__REFUSAL_BUSY,
		              "compile queue is full");
		return;
	}
	h->received++;
	job->next = NULL;
	if (h->pending_tail)
		h->pending_tail->next = job;
	else
		h->pending_head = job;
	h->pending_tail = job;
	h->n_pending++;
	log_debug("job %llu: %s: queued (%zu waiting)",
	          (unsigned long long)job->id, job->req->compile->source_name,
	          h->n_pending);
}

static void
handle_request(struct head *h, struct job *job)
{
	switch (job->req->body_case) {
	case CLUSTCC__REQUEST__BODY_COMPILE:
		enqueue_compile(h, job);
		break;
	case CLUSTCC__REQUEST__BODY_STATUS:
		answer_status(h, job);
		break;
	case CLUSTCC__REQUEST__BODY_DRAIN:
		answer_drain(h, job);
		break;
	case CLUSTCC__REQUEST__BODY_LOCAL:
		answer_local(h, job);
		break;
	default:
		reply_refusal(h, job, CLUSTCC__REFUSAL__REFUSAL_MALFORMED,
		              "request has no body");
	}
}

static int
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return CC_OK;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return CC_ENOMEM;
	*arr = p;
	*cap = ncap;
	return CC_OK;
}

static int
run_on_head(struct head *h, const Clustcc__WorkerJob *wj, struct cc_err *err,
            Clustcc__Refusal *why)
{
	struct runner *r = NULL;
	int rc;

	rc = runner_start(wj, &h->runner_opts, &r, why, err);
	if (rc == CC_OK && runset_add(&h->local, r) != CC_OK) {
		*why = CLUSTCC__REFUSAL__REFUSAL_INTERNAL;
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	return rc;
}

static int
send_to_worker(struct head *h, int rank, const Clustcc__WorkerJob *wj,
               struct cc_err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = codec_pack(&wj->base, h->cfg->max_msg_bytes, &buf, &len, err);

	if (rc != CC_OK)
		return rc;
	return transport_send(h->ctx->t, rank, TRANSPORT_TAG_JOB, buf, len,
	                      err);
}

/* Start job on rank; on failure the job is answered with a refusal. */
static void
place(struct head *h, struct job *job, int rank)
{
	Clustcc__WorkerJob wj = CLUSTCC__WORKER_JOB__INIT;
	Clustcc__Refusal why = CLUSTCC__REFUSAL__REFUSAL_INTERNAL;
	struct flight *fl;
	struct cc_err err;
	int rc;

	wj.job_id = job->id;
	wj.compile = job->req->compile;
	wj.timeout_ms = h->cfg->compile_timeout_ms;
	if (grow((void **)&h->inflight, &h->cap_inflight, h->n_inflight,
	         sizeof(*h->inflight)) != CC_OK) {
		reply_refusal(h, job, why, "out of memory");
		return;
	}
	rc = rank == 0 ? run_on_head(h, &wj, &err, &why)
	               : send_to_worker(h, rank, &wj, &err);
	if (rc != CC_OK) {
		log_info(
		        "job %llu: %s: not started on rank %d, total %lld ms: refused %s: %s",
		        (unsigned long long)job->id,
		        job->req->compile->source_name, rank,
		        (long long)(monotime_ms() - job->received_ms),
		        codec_refusal_name(why), err.msg);
		slots_start(h->slots, rank);
		end_on_rank(h, rank, why);
		reply_refusal(h, job, why, err.msg);
		return;
	}
	log_debug("job %llu: %s: sent to rank %d after %lld ms queued",
	          (unsigned long long)job->id, job->req->compile->source_name,
	          rank, (long long)(monotime_ms() - job->received_ms));
	slots_start(h->slots, rank);
	job->rank = rank;
	fl = &h->inflight[h->n_inflight++];
	fl->job = job;
	fl->sent_ms = monotime_ms();
	/* NULL (out of memory) only costs the name in logs and status. */
	fl->source = strdup(job->req->compile->source_name);
	/* The source is on its way; keep only what the reply needs. */
	codec_free(job->req);
	job->req = NULL;
}

static void
place_pending(struct head *h)
{
	int rank;

	while (h->pending_head && (rank = slots_pick(h->slots)) >= 0) {
		struct job *job = h->pending_head;

		h->pending_head = job->next;
		if (!h->pending_head)
			h->pending_tail = NULL;
		h->n_pending--;
		place(h, job, rank);
	}
}

/* Remove the flight of job id into *out; false if there is none. */
static bool
take_inflight(struct head *h, uint64_t id, struct flight *out)
{
	for (size_t i = 0; i < h->n_inflight; i++) {
		if (h->inflight[i].job->id == id) {
			*out = h->inflight[i];
			h->inflight[i] = h->inflight[--h->n_inflight];
			return true;
		}
	}
	return false;
}

/* The one info line of a compile that ran (or was refused) on a rank. */
static void
log_job_end(const struct flight *fl, const Clustcc__WorkerResult *wr)
{
	const Clustcc__CompileResult *res = wr->result;
	long long total = (long long)(monotime_ms() - fl->job->received_ms);
	char outcome[160];
	/* A rank that could not run a job is worth a warning. */
	enum log_level level =
	        wr->refusal == CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED ||
	                        wr->refusal ==
	                                CLUSTCC__REFUSAL__REFUSAL_INTERNAL
	                ? LOG_LEVEL_WARNING
	                : LOG_LEVEL_INFO;

	if (!log_enabled(level))
		return;
	if (wr->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE)
		snprintf(outcome, sizeof(outcome), "refused %s: %s",
		         codec_refusal_name(wr->refusal), wr->message);
	else if (res && res->exit_code != 0)
		snprintf(outcome, sizeof(outcome), "compile error rc %d",
		         res->exit_code);
	else
		snprintf(outcome, sizeof(outcome), "ok");
	log_write(level, LOG_MODULE,
	          "job %llu: %s: rank %d, %s, run %lld ms, total %lld ms: %s",
	          (unsigned long long)fl->job->id, flight_source(fl),
	          fl->job->rank, res && res->exact ? "exact" : "shipped",
	          (long long)(res ? res->run_ms : 0), total, outcome);
}

/* A packed WorkerResult arrived from rank (0 = a head-local compile). */
static void
complete(struct head *h, int rank, const uint8_t *buf, size_t len)
{
	Clustcc__WorkerResult *wr = NULL;
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	struct flight fl;
	struct job *job;
	struct cc_err err;

	if (codec_unpack_worker_result(buf, len, &wr, &err) != CC_OK) {
		log_error("bad result from rank %d: %s", rank, err.msg);
		return;
	}
	if (!take_inflight(h, wr->job_id, &fl)) {
		log_error("result for unknown job %llu from rank %d",
		          (unsigned long long)wr->job_id, rank);
		codec_free(wr);
		return;
	}
	job = fl.job;
	log_job_end(&fl, wr);
	end_on_rank(h, job->rank, wr->refusal);
	if (wr->result && wr->result->exact)
		slots_count_exact(h->slots, job->rank);
	if (wr->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE) {
		resp.refusal = wr->refusal;
		resp.message = wr->message;
	} else {
		resp.body_case = CLUSTCC__RESPONSE__BODY_COMPILE;
		resp.compile = wr->result;
	}
	reply_response(h, job, &resp);
	log_debug("job %llu: replied", (unsigned long long)job->id);
	h->completed++;
	job_free(job);
	free(fl.source);
	codec_free(wr);
}

/* runset_done_fn: a head-local compile finished. */
static void
local_done(uint8_t *buf, size_t len, void *arg)
{
	complete(arg, 0, buf, len);
	free(buf);
}

/* transport_msg_fn: a message from a worker rank. */
static void
on_worker_msg(int src, int tag, const uint8_t *buf, size_t len, void *arg)
{
	if (tag == TRANSPORT_TAG_RESULT)
		complete(arg, src, buf, len);
	else
		log_warn("ignoring tag %d from rank %d", tag, src);
}

static bool
take_requests(struct head *h)
{
	struct job *job = jobq_pop_all(h->ctx->q);
	bool any = job != NULL;

	jobq_clear_wakeups(h->ctx->q);
	while (job) {
		struct job *next = job->next;

		handle_request(h, job);
		job = next;
	}
	return any;
}

/* Sleep until a request arrives or it is time to poll MPI again. */
static void
wait_for_work(struct head *h, struct backoff *b)
{
	struct pollfd pfd = {.fd = jobq_wait_fd(h->ctx->q), .events = POLLIN};
	/*
	 * Not in the || below: with a compile always running (any real
	 * load) completed sends were never reaped, and the head kept every
	 * sent job and its MPI request: 26 KiB a job (bench/load.sh).
	 */
	int sending = transport_progress(h->ctx->t);
	bool busy = slots_running(h->slots) > 0 || sending > 0;
	long us = backoff_next_us(b);
	int ms = busy ? (int)((us + 999) / 1000) : IDLE_POLL_MS;

	(void)poll(&pfd, 1, ms);
}

/*
 * Tell every worker to stop: an empty STOP lets its running compiles
 * finish (after a drain there are none); a STOP carrying the byte
 * WORKER_STOP_NOW makes it kill them and exit (worker.c).
 */
static void
stop_workers(struct head *h, bool now)
{
	int n = transport_size(h->ctx->t);

	for (int r = 1; r < n; r++) {
		uint8_t *buf = now ? malloc(1) : NULL;
		struct cc_err err;

		/* Out of memory: a plain STOP still ends the rank, later. */
		if (buf)
			buf[0] = WORKER_STOP_NOW;
		if (transport_send(h->ctx->t, r, TRANSPORT_TAG_STOP, buf,
		                   buf ? 1 : 0, &err) != CC_OK)
			log_error("cannot stop rank %d: %s", r, err.msg);
	}
}

/* transport_msg_fn: after a stop-now nothing is waiting for results. */
static void
drop_late_msg(int src, int tag, const uint8_t *buf, size_t len, void *arg)
{
	(void)buf;
	(void)arg;
	log_debug("dropped a late message (tag %d, %zu bytes) from rank %d",
	          tag, len, src);
}

/*
 * Second signal: answer every queued and running compile with a refusal
 * so its client compiles locally at once, kill the head's compilers and
 * make the workers kill theirs.
 */
static void
stop_now(struct head *h)
{
	struct timespec nap = {0, 10 * 1000000L};
	int64_t deadline;

	log_warn("stopping now: abandoning %zu queued and %zu running compiles",
	         h->n_pending, h->n_inflight);
	/* From here the callbacks refuse by themselves; answer what is queued. */
	frontend_close_intake(h->ctx->fe);
	(void)take_requests(h); /* draining: new compiles are refused */
	runset_release(&h->local);
	while (h->pending_head) {
		struct job *job = h->pending_head;

		h->pending_head = job->next;
		h->n_pending--;
		log_not_run(job, CLUSTCC__REFUSAL__REFUSAL_DRAINING);
		count_refusal(h, CLUSTCC__REFUSAL__REFUSAL_DRAINING);
		reply_refusal(h, job, CLUSTCC__REFUSAL__REFUSAL_DRAINING,
		              "server is stopping: compile locally");
	}
	h->pending_tail = NULL;
	while (h->n_inflight > 0) {
		struct flight fl = h->inflight[--h->n_inflight];

		log_info(
		        "job %llu: %s: rank %d, abandoned after %lld ms: refused draining",
		        (unsigned long long)fl.job->id, flight_source(&fl),
		        fl.job->rank, (long long)(monotime_ms() - fl.sent_ms));
		slots_release(h->slots, fl.job->rank);
		reply_refusal(h, fl.job, CLUSTCC__REFUSAL__REFUSAL_DRAINING,
		              "server is stopping: compile locally");
		free(fl.source);
	}
	stop_workers(h, true);
	/* Results already sent would stay unreceived at MPI_Finalize. */
	deadline = monotime_ms() + LATE_RESULT_MS;
	while (monotime_ms() < deadline) {
		(void)transport_recv_all(h->ctx->t, drop_late_msg, h);
		(void)transport_progress(h->ctx->t);
		nanosleep(&nap, NULL);
	}
}

static void
free_head(struct head *h)
{
	struct job *job = h->pending_head;

	while (job) {
		struct job *next = job->next;

		job_free(job);
		job = next;
	}
	for (size_t i = 0; i < h->n_inflight; i++) {
		job_free(h->inflight[i].job);
		free(h->inflight[i].source);
	}
	runset_release(&h->local);
	allowlist_free(h->compilers);
	for (size_t i = 0; i < h->n_reasons; i++)
		free(h->reasons[i].name);
	free(h->inflight);
	slots_free(h->slots);
}

int
dispatch_run(const struct dispatch_ctx *ctx)
{
	struct head h = {.ctx = ctx, .cfg = ctx->cfg};
	struct backoff b;

	h.slots = slots_new(transport_size(ctx->t), ctx->cfg->head_rank_tasks,
	                    ctx->cfg->worker_rank_cpus);
	if (!h.slots) {
		log_error("out of memory");
		return 1;
	}
	h.start_ms = monotime_ms();
	h.rate[0] = (struct rate_sample){h.start_ms, 0};
	h.rate_at = 1;
	h.compilers = allowlist_for_rank(ctx->cfg);
	h.runner_opts = (struct runner_opts){
	        ctx->cfg->scratch_dir, ctx->cfg->exact_mode,
	        ctx->cfg->shipped_debug, h.compilers, ctx->cfg->max_msg_bytes};
	backoff_reset(&b);
	for (;;) {
		bool active = take_requests(&h);

		if (*ctx->stop_requested >= 2) {
			start_drain(&h, "signal");
			stop_now(&h);
			free_head(&h);
			log_warn("stopped at once by a second signal");
			return 0;
		}
		if (*ctx->stop_requested)
			start_drain(&h, "signal");
		sample_rate(&h, monotime_ms());
		place_pending(&h);
		active |= runset_poll(&h.local, 0, ctx->cfg->max_msg_bytes,
		                      local_done, &h);
		active |= transport_recv_all(ctx->t, on_worker_msg, &h);
		if (h.draining && !h.pending_head && h.n_inflight == 0)
			break;
		if (active)
			backoff_reset(&b);
		else
			wait_for_work(&h, &b);
	}
	/*
	 * Requests that arrived since the last pass would wait for an answer
	 * nobody gives until the socket closes under them (the client sees a
	 * reset): the frontend now refuses by itself; answer what is queued.
	 */
	frontend_close_intake(ctx->fe);
	take_requests(&h);
	log_warn(
	        "drain complete: %llu compiles served; stopping %d worker ranks",
	        (unsigned long long)h.completed, transport_size(ctx->t) - 1);
	stop_workers(&h, false);
	free_head(&h);
	return 0;
}
