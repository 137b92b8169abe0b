/*
 * slots.h - slot accounting and placement: which rank runs the next job.
 * Pure: no MPI, no nng, no locks; owned by the dispatcher thread.
 *
 * Rank 0 (the head) has head_rank_tasks slots, every worker rank
 * worker_rank_cpus. A job always goes to the least-loaded rank (lowest
 * running/slots), ties broken towards worker ranks and then the rank that
 * has done the fewest jobs, so load spreads evenly.
 */
#ifndef CLUSTCC_SERVER_SLOTS_H
#define CLUSTCC_SERVER_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

struct slots_rank {
	int slots;
	int running;
	uint64_t done;   /* finished with a compiler exit (any code) */
	uint64_t failed; /* could not run: crashed, timed out */
	uint64_t exact;  /* of done: compiled in exact mode */
};

struct slots;

/* nranks ranks; rank 0 gets head_slots, the others worker_slots. */
struct slots *slots_new(int nranks, int head_slots, int worker_slots);
void slots_free(struct slots *s);

/* Rank for the next job, or -1 if every slot is busy. */
int slots_pick(const struct slots *s);

/* A job started / finished on rank (ok: the compiler ran to an exit). */
void slots_start(struct slots *s, int rank);
void slots_finish(struct slots *s, int rank, bool ok);

/* One of rank's done jobs was compiled in exact mode. */
void slots_count_exact(struct slots *s, int rank);

/* A job left rank without running by policy (a refusal): neither counts. */
void slots_release(struct slots *s, int rank);

int slots_nranks(const struct slots *s);
int slots_running(const struct slots *s);
const struct slots_rank *slots_rank(const struct slots *s, int rank);

#endif
