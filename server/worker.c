/*
 * worker.c - a worker rank. It holds at most as many running compiles as
 * the head gives it (the head counts slots), polls MPI and its children,
 * and sleeps between polls: a blocking MPI_Recv would spin a core that a
 * compiler should have. Worst-case added latency per job is the sleep cap
 * of backoff.h; bench/idle_cpu.sh and bench/remote_overhead.sh measure
 * both sides of that trade.
 */
#define LOG_MODULE "worker"
#include "worker.h"

#include <stdlib.h>

#include "backoff.h"
#include "codec.h"
#include "log.h"
#include "runner.h"
#include "runset.h"
#include "scratch.h"

struct worker {
	struct transport *t;
	const struct cfg *cfg;
	struct runner_opts runner_opts;
	int rank;
	struct runset running;
	bool stopping;
};

static void
send_result(struct worker *w, uint8_t *buf, size_t len)
{
	struct cc_err err;

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
	log_debug("job %llu: start %s", (unsigned long long)job->job_id,
	          job->compile->source_name);
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

/* transport_msg_fn: a message from the head. */
static void
on_head_msg(int src, int tag, const uint8_t *buf, size_t len, void *arg)
{
	struct worker *w = arg;

	if (tag == TRANSPORT_TAG_JOB)
		start_job(w, buf, len);
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
	log_info("worker rank %d stopping", w.rank);
	return 0;
}
