/*
 * worker.c - a worker rank. It holds at most as many running compiles as
 * the head gives it (the head counts slots), polls MPI and its children,
 * and sleeps between polls: a blocking MPI_Recv would spin a core that a
 * compiler should have. Worst-case added latency per job is the sleep cap
 * of backoff.h; bench/idle_cpu.sh and bench/remote_overhead.sh measure
 * both sides of that trade.
 *
 * At info it logs one line per job when the result goes back (source,
 * exact or shipped, run time, outcome); at debug also when a job starts.
 * It remembers the source name of each running job for that line.
 */
#define LOG_MODULE "worker"
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "codec.h"
#include "log.h"
#include "monotime.h"
#include "runner.h"
#include "runset.h"
#include "scratch.h"

/* A running job, for its log line. */
struct wjob {
	uint64_t id;
	char *source;
	int64_t start_ms;
};

struct worker {
	struct transport *t;
	const struct cfg *cfg;
	struct runner_opts runner_opts;
	int rank;
	struct runset running;
	struct wjob *jobs; /* one per running compile (same count) */
	size_t n_jobs, cap_jobs;
	bool stopping;
};

/*
 * Remember job id's source name; best effort (only logs use it), and only
 * when log_result() will take it back (the level is set once at start).
 */
static void
remember_job(struct worker *w, uint64_t id, const char *source)
{
	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	if (w->n_jobs == w->cap_jobs) {
		size_t cap = w->cap_jobs ? w->cap_jobs * 2 : 8;
		struct wjob *p = realloc(w->jobs, cap * sizeof(*p));

		if (!p)
			return;
		w->jobs = p;
		w->cap_jobs = cap;
	}
	w->jobs[w->n_jobs++] = (struct wjob){id, strdup(source), monotime_ms()};
}

/* Forget job id; *out gets its record (source is then the caller's). */
static bool
forget_job(struct worker *w, uint64_t id, struct wjob *out)
{
	for (size_t i = 0; i < w->n_jobs; i++) {
		if (w->jobs[i].id == id) {
			*out = w->jobs[i];
			w->jobs[i] = w->jobs[--w->n_jobs];
			return true;
		}
	}
	return false;
}

static void
forget_all_jobs(struct worker *w)
{
	for (size_t i = 0; i < w->n_jobs; i++)
		free(w->jobs[i].source);
	free(w->jobs);
	w->jobs = NULL;
	w->n_jobs = w->cap_jobs = 0;
}

/* The one info line of a job this rank ran; buf is its WorkerResult. */
static void
log_result(struct worker *w, const uint8_t *buf, size_t len)
{
	Clustcc__WorkerResult *wr = NULL;
	struct wjob j = {0};
	char outcome[160];

	if (!log_enabled(LOG_LEVEL_INFO) ||
	    codec_unpack_worker_result(buf, len, &wr, NULL) != CC_OK)
		return;
	if (!forget_job(w, wr->job_id, &j))
		j = (struct wjob){wr->job_id, NULL, monotime_ms()};
	if (wr->refusal != CLUSTCC__REFUSAL__REFUSAL_NONE)
		snprintf(outcome, sizeof(outcome), "refused %s: %s",
		         codec_refusal_name(wr->refusal), wr->message);
	else if (wr->result && wr->result->exit_code != 0)
		snprintf(outcome, sizeof(outcome), "compile error rc %d",
		         wr->result->exit_code);
	else
		snprintf(outcome, sizeof(outcome), "ok");
	log_info("job %llu: %s: %s, run %lld ms, total %lld ms: %s",
	         (unsigned long long)wr->job_id, j.source ? j.source : "?",
	         wr->result && wr->result->exact ? "exact" : "shipped",
	         (long long)(wr->result ? wr->result->run_ms : 0),
	         (long long)(monotime_ms() - j.start_ms), outcome);
	free(j.source);
	codec_free(wr);
}

static void
send_result(struct worker *w, uint8_t *buf, size_t len)
{
	struct cc_err err;

	log_result(w, buf, len);
	if (transport_send(w->t, 0, TRANSPORT_TAG_RESULT, buf, len, &err))
		log_error("cannot send result to the head: %s", err.msg);
}

static void
send_refusal(struct worker *w, uint64_t job_id, Clustcc__Refusal why,
             const char *msg)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (runner_pack_refusal(job_id, w->rank, why, msg, &buf, &len) == CC_OK)
		send_result(w, buf, len);
}

static void
start_job(struct worker *w, const uint8_t *buf, size_t len)
{
	Clustcc__WorkerJob *job = NULL;
	Clustcc__Refusal why = CLUSTCC__REFUSAL__REFUSAL_INTERNAL;
	struct runner *r = NULL;
	struct cc_err err;

	if (codec_unpack_worker_job(buf, len, &job, &err) != CC_OK) {
		log_error("bad job from the head: %s", err.msg);
		return; /* no job id to answer; the client times out */
	}
	log_debug("job %llu: %s: started", (unsigned long long)job->job_id,
	          job->compile->source_name);
	remember_job(w, job->job_id, job->compile->source_name);
	if (scratch_check_space(w->cfg->scratch_dir,
	                        SCRATCH_MIN_FREE_BYTES +
	                                2 * (uint64_t)job->compile->source.len,
	                        &err) != CC_OK) {
		/* Not the user's error: the client compiles locally. */
		log_warn("job %llu: refused: %s",
		         (unsigned long long)job->job_id, err.msg);
		send_refusal(w, job->job_id,
		             CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED, err.msg);
	} else if (runner_start(job, &w->runner_opts, &r, &why, &err) !=
	           CC_OK) {
		log_warn("job %llu: refused: %s",
		         (unsigned long long)job->job_id, err.msg);
		send_refusal(w, job->job_id, why, err.msg);
	} else if (runset_add(&w->running, r) != CC_OK) {
		send_refusal(w, job->job_id, CLUSTCC__REFUSAL__REFUSAL_INTERNAL,
		             "out of memory");
	}
	codec_free(job);
}

/* The head stops at once: kill every compiler, send no results. */
static void
stop_now(struct worker *w)
{
	log_warn("told to stop now: killing %zu running compiles",
	         w->running.n);
	for (size_t i = 0; i < w->n_jobs; i++)
		log_info("job %llu: %s: abandoned after %lld ms",
		         (unsigned long long)w->jobs[i].id,
		         w->jobs[i].source ? w->jobs[i].source : "?",
		         (long long)(monotime_ms() - w->jobs[i].start_ms));
	runset_release(&w->running);
	forget_all_jobs(w);
	w->stopping = true;
}

/* transport_msg_fn: a message from the head. */
static void
on_head_msg(int src, int tag, const uint8_t *buf, size_t len, void *arg)
{
	struct worker *w = arg;

	if (tag == TRANSPORT_TAG_JOB)
		start_job(w, buf, len);
	else if (tag == TRANSPORT_TAG_STOP && len == 1 &&
	         buf[0] == WORKER_STOP_NOW)
		stop_now(w);
	else if (tag == TRANSPORT_TAG_STOP)
		w->stopping = true;
	else
		log_warn("ignoring message with tag %d from rank %d", tag, src);
}

/* runset_done_fn: a finished compile goes back to the head. */
static void
result_done(uint8_t *buf, size_t len, void *arg)
{
	send_result(arg, buf, len);
}

int
worker_run(struct transport *t, const struct cfg *cfg)
{
	struct allowlist *compilers = allowlist_for_rank(cfg);
	struct worker w = {
	        .t = t,
	        .cfg = cfg,
	        .runner_opts = {cfg->scratch_dir, cfg->exact_mode,
	                        cfg->shipped_debug, compilers,
	                        cfg->max_msg_bytes},
	        .rank = transport_rank(t),
	};
	struct backoff idle;

	backoff_reset(&idle);
	log_info("worker rank %d ready, %d slots", w.rank,
	         cfg->worker_rank_cpus);
	while (!w.stopping || w.running.n > 0) {
		bool active = transport_recv_all(t, on_head_msg, &w);

		active |= runset_poll(&w.running, w.rank, cfg->max_msg_bytes,
		                      result_done, &w);
		transport_progress(t);
		if (active)
			backoff_reset(&idle);
		else
			backoff_sleep(&idle);
	}
	runset_release(&w.running);
	allowlist_free(compilers);
	forget_all_jobs(&w);
	log_info("worker rank %d stopping", w.rank);
	return 0;
}
