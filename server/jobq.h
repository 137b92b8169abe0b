/*
 * jobq.h - hand-off of requests from nng's callback threads to the head's
 * main (dispatcher) thread, with a wake-up the dispatcher can poll().
 *
 * jobq_push() and jobq_wake() may be called from any thread (jobq_wake also
 * from a signal handler); jobq_pop_all() and jobq_clear_wakeups() only
 * from the dispatcher. Wake-ups coalesce, so the dispatcher drains the
 * whole queue on every wake (libuv uv_async_send, redis bio.c).
 */
#ifndef CLUSTCC_SERVER_JOBQ_H
#define CLUSTCC_SERVER_JOBQ_H

#include <stdint.h>

#include "ccerr.h"
#include "codec.h"

struct fe_slot;

/* One client request waiting for the dispatcher's answer. */
struct job {
	uint64_t id;
	Clustcc__Request *req; /* owned: freed by job_free() */
	struct fe_slot *slot;  /* the frontend slot that will send the reply */
	int64_t received_ms;   /* monotime_ms() when it arrived */
	int rank;              /* where it runs, -1 while queued */
	struct job *next;      /* queue link, owned by whoever holds the job */
};

struct jobq;

/* New empty queue; NULL with err set on failure. */
struct jobq *jobq_new(struct cc_err *err);

/* Free the queue and every job still in it (NULL allowed). */
void jobq_free(struct jobq *q);

/* Append job (takes ownership) and wake the dispatcher. Any thread. */
void jobq_push(struct jobq *q, struct job *job);

/* Take every queued job, oldest first, as a list linked by ->next. */
struct job *jobq_pop_all(struct jobq *q);

/* Wake the dispatcher without a job. Async-signal-safe. */
void jobq_wake(struct jobq *q);

/* The fd that becomes readable on a wake-up (for poll()). */
int jobq_wait_fd(const struct jobq *q);

/* Consume pending wake-up bytes. Dispatcher only. */
void jobq_clear_wakeups(struct jobq *q);

/* Free a job and its request (NULL allowed). */
void job_free(struct job *job);

#endif
