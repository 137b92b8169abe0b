/*
 * test_slots.c - placement: least-loaded rank first, ties to worker ranks
 * and then to the rank that has done the fewest jobs, -1 when full, and
 * the counters that status reports.
 */
#include "slots.h"

#include <criterion/criterion.h>
#include <stddef.h>

static struct slots *
new_slots(int nranks, int head_slots, int worker_slots)
{
	struct slots *s = slots_new(nranks, head_slots, worker_slots);

	cr_assert_not_null(s, "slots_new(%d, %d, %d)", nranks, head_slots,
	                   worker_slots);
	return s;
}

/* Start n jobs on rank. */
static void
start_n(struct slots *s, int rank, int n)
{
	for (int i = 0; i < n; i++)
		slots_start(s, rank);
}

Test(slots, new_gives_head_and_worker_slots)
{
	struct slots *s = new_slots(4, 1, 8);

	cr_assert_eq(slots_nranks(s), 4);
	cr_assert_eq(slots_running(s), 0);
	cr_assert_eq(slots_rank(s, 0)->slots, 1);
	for (int r = 1; r < 4; r++) {
		cr_assert_eq(slots_rank(s, r)->slots, 8);
		cr_assert_eq(slots_rank(s, r)->running, 0);
		cr_assert_eq(slots_rank(s, r)->done, 0);
		cr_assert_eq(slots_rank(s, r)->failed, 0);
	}
	slots_free(s);
}

Test(slots, picks_least_loaded_rank)
{
	/* Loads: head 1/2, rank 1 3/4, rank 2 1/4, rank 3 2/4. */
	struct slots *s = new_slots(4, 2, 4);

	start_n(s, 0, 1);
	start_n(s, 1, 3);
	start_n(s, 2, 1);
	start_n(s, 3, 2);
	cr_assert_eq(slots_pick(s), 2);
	/* 2/4 ties rank 3 and the head: workers first, then the lower rank. */
	slots_start(s, 2);
	cr_assert_eq(slots_pick(s), 2);
	/* Rank 2 at 3/4: rank 3 (2/4) ties the head (1/2): the worker. */
	slots_start(s, 2);
	cr_assert_eq(slots_pick(s), 3);
	slots_free(s);
}

Test(slots, load_is_a_ratio_not_a_count)
{
	/* Head 0/1 idle beats a worker at 1/16 busy. */
	struct slots *s = new_slots(2, 1, 16);

	slots_start(s, 1);
	cr_assert_eq(slots_pick(s), 0);
	slots_free(s);
}

Test(slots, ties_go_to_worker_ranks_before_the_head)
{
	struct slots *s = new_slots(3, 4, 4);

	/* All idle: any worker, never the head. */
	cr_assert_eq(slots_pick(s), 1);
	/* Equal load everywhere (1/4): still a worker. */
	start_n(s, 0, 1);
	start_n(s, 1, 1);
	start_n(s, 2, 1);
	cr_assert_neq(slots_pick(s), 0);
	cr_assert_geq(slots_pick(s), 1);
	slots_free(s);
}

Test(slots, equal_workers_each_get_a_job_before_any_gets_two)
{
	enum { WORKERS = 5 };
	struct slots *s = new_slots(WORKERS + 1, 0, 3);
	int count[WORKERS + 1] = {0};

	for (int round = 1; round <= 3; round++) {
		for (int i = 0; i < WORKERS; i++) {
			int r = slots_pick(s);

			cr_assert_geq(r, 1, "round %d: pick %d", round, r);
			cr_assert_eq(count[r], round - 1,
			             "rank %d got job %d before others got %d",
			             r, count[r] + 1, round);
			count[r]++;
			slots_start(s, r);
		}
	}
	cr_assert_eq(slots_pick(s), -1);
	slots_free(s);
}

Test(slots, short_jobs_rotate_over_workers_by_jobs_done)
{
	/* Each job finishes before the next: load is always 0, done decides. */
	enum { WORKERS = 4 };
	struct slots *s = new_slots(WORKERS + 1, 2, 2);
	int count[WORKERS + 1] = {0};

	for (int i = 0; i < 4 * WORKERS; i++) {
		int r = slots_pick(s);

		cr_assert_geq(r, 1, "job %d went to rank %d", i, r);
		cr_assert_eq(count[r], i / WORKERS,
		             "job %d: rank %d already ran %d", i, r, count[r]);
		count[r]++;
		slots_start(s, r);
		slots_finish(s, r, i % 3 != 0);
	}
	for (int r = 1; r <= WORKERS; r++)
		cr_assert_eq(slots_rank(s, r)->done + slots_rank(s, r)->failed,
		             4);
	cr_assert_eq(slots_rank(s, 0)->done, 0);
	slots_free(s);
}

Test(slots, pick_is_minus_one_when_every_slot_is_busy)
{
	struct slots *s = new_slots(3, 1, 2);

	for (int i = 0; i < 5; i++) {
		int r = slots_pick(s);

		cr_assert_geq(r, 0, "no slot after %d jobs", i);
		slots_start(s, r);
	}
	cr_assert_eq(slots_running(s), 5);
	cr_assert_eq(slots_pick(s), -1);
	cr_assert_eq(slots_rank(s, 0)->running, 1);
	cr_assert_eq(slots_rank(s, 1)->running, 2);
	cr_assert_eq(slots_rank(s, 2)->running, 2);
	/* A finish frees exactly that slot. */
	slots_finish(s, 1, true);
	cr_assert_eq(slots_pick(s), 1);
	slots_free(s);
}

Test(slots, finish_counts_done_failed_and_running)
{
	struct slots *s = new_slots(2, 1, 4);

	start_n(s, 1, 3);
	cr_assert_eq(slots_running(s), 3);
	slots_finish(s, 1, true);
	slots_finish(s, 1, false);
	cr_assert_eq(slots_rank(s, 1)->running, 1);
	cr_assert_eq(slots_rank(s, 1)->done, 1);
	cr_assert_eq(slots_rank(s, 1)->failed, 1);
	cr_assert_eq(slots_running(s), 1);
	slots_finish(s, 1, true);
	cr_assert_eq(slots_running(s), 0);
	cr_assert_eq(slots_rank(s, 1)->done, 2);
	/* A stray finish never drives running below zero. */
	slots_finish(s, 1, false);
	cr_assert_eq(slots_rank(s, 1)->running, 0);
	cr_assert_eq(slots_running(s), 0);
	cr_assert_eq(slots_rank(s, 1)->failed, 2);
	slots_free(s);
}

Test(slots, head_with_zero_slots_is_never_picked)
{
	struct slots *s = new_slots(3, 0, 1);
	struct slots *alone = new_slots(1, 0, 8);

	cr_assert_eq(slots_pick(s), 1);
	slots_start(s, 1);
	cr_assert_eq(slots_pick(s), 2);
	slots_start(s, 2);
	cr_assert_eq(slots_pick(s), -1, "head with 0 slots was picked");
	cr_assert_eq(slots_pick(alone), -1);
	slots_free(alone);
	slots_free(s);
}

Test(slots, invalid_arguments_give_null)
{
	struct slots *s = new_slots(2, 1, 1);

	cr_assert_null(slots_new(0, 1, 1));
	cr_assert_null(slots_new(-3, 1, 1));
	cr_assert_null(slots_new(2, -1, 1));
	cr_assert_null(slots_new(2, 1, -1));
	cr_assert_null(slots_rank(s, -1));
	cr_assert_null(slots_rank(s, 2));
	cr_assert_not_null(slots_rank(s, 1));
	slots_free(s);
	slots_free(NULL);
}

Test(slots, release_frees_the_slot_without_counting)
{
	struct slots *s = slots_new(2, 0, 1);
	const struct slots_rank *r;

	cr_assert_not_null(s);
	slots_start(s, 1);
	cr_assert_eq(slots_pick(s), -1);
	slots_release(s, 1);
	r = slots_rank(s, 1);
	cr_assert_eq(r->running, 0);
	cr_assert_eq(r->done, 0);
	cr_assert_eq(r->failed, 0);
	cr_assert_eq(slots_pick(s), 1);
	slots_free(s);
}
