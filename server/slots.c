/*
 * slots.c - see slots.h. O(ranks) per pick: at thousands of ranks a pick
 * costs microseconds against compiles of hundreds of milliseconds; a heap
 * would be the next step if profiles ever show it.
 */
#include "slots.h"

#include <stdlib.h>

struct slots {
	int nranks;
	int running;
	struct slots_rank *ranks;
};

struct slots *
slots_new(int nranks, int head_slots, int worker_slots)
{
	struct slots *s;

	if (nranks < 1 || head_slots < 0 || worker_slots < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ranks = calloc((size_t)nranks, sizeof(*s->ranks));
	if (!s->ranks) {
		free(s);
		return NULL;
	}
	s->nranks = nranks;
	s->ranks[0].slots = head_slots;
	for (int r = 1; r < nranks; r++)
		s->ranks[r].slots = worker_slots;
	return s;
}

void
slots_free(struct slots *s)
{
	if (!s)
		return;
	free(s->ranks);
	free(s);
}

/* True if rank a is a better place for the next job than rank b. */
static bool
better(const struct slots *s, int a, int b)
{
	const struct slots_rank *ra = &s->ranks[a], *rb = &s->ranks[b];
	/* Compare running/slots without division: ra.run*rb.slots. */
	long long la = (long long)ra->running * rb->slots;
	long long lb = (long long)rb->running * ra->slots;

	if (la != lb)
		return la < lb;
	if ((a == 0) != (b == 0))
		return b == 0;
	return ra->done + ra->failed < rb->done + rb->failed;
}

int
slots_pick(const struct slots *s)
{
	int best = -1;

	for (int r = 0; r < s->nranks; r++) {
		if (s->ranks[r].running >= s->ranks[r].slots)
			continue;
		if (best < 0 || better(s, r, best))
			best = r;
	}
	return best;
}

void
slots_start(struct slots *s, int rank)
{
	s->ranks[rank].running++;
	s->running++;
}

void
slots_count_exact(struct slots *s, int rank)
{
	s->ranks[rank].exact++;
}

void
slots_release(struct slots *s, int rank)
{
	if (s->ranks[rank].running > 0) {
		s->ranks[rank].running--;
		s->running--;
	}
}

void
slots_finish(struct slots *s, int rank, bool ok)
{
	slots_release(s, rank);
	if (ok)
		s->ranks[rank].done++;
	else
		s->ranks[rank].failed++;
}

int
slots_nranks(const struct slots *s)
{
	return s->nranks;
}

int
slots_running(const struct slots *s)
{
	return s->running;
}

const struct slots_rank *
slots_rank(const struct slots *s, int rank)
{
	if (rank < 0 || rank >= s->nranks)
		return NULL;
	return &s->ranks[rank];
}
