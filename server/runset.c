/*
 * runset.c - an unordered array of runners; a finished one is replaced by
 * the last, so a poll is O(running) and never moves memory around.
 */
#include "runset.h"

#include <stdlib.h>

#include "ccerr.h"

int
runset_add(struct runset *set, struct runner *r)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		struct runner **p = realloc(set->runners, cap * sizeof(*p));

		if (!p) {
			runner_abort(r);
			return CC_ENOMEM;
		}
		set->runners = p;
		set->cap = cap;
	}
	set->runners[set->n++] = r;
	return CC_OK;
}

bool
runset_poll(struct runset *set, int rank, size_t max_bytes,
            runset_done_fn *done, void *arg)
{
	bool any = false;
	size_t i = 0;

	while (i < set->n) {
		struct runner *r = set->runners[i];
		uint8_t *buf = NULL;
		size_t len = 0;
		bool finished = false;

		runner_poll(r, &finished);
		if (!finished) {
			i++;
			continue;
		}
		any = true;
		set->runners[i] = set->runners[--set->n];
		if (runner_finish(r, rank, max_bytes, &buf, &len) == CC_OK)
			done(buf, len, arg);
	}
	return any;
}

void
runset_release(struct runset *set)
{
	for (size_t i = 0; i < set->n; i++)
		runner_abort(set->runners[i]);
	free(set->runners);
	set->runners = NULL;
	set->n = set->cap = 0;
}
