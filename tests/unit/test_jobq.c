/*
 * test_jobq.c - FIFO order, pop_all, the wake-up fd, concurrent pushes
 * (each job arrives exactly once, in order per producer) and that
 * jobq_free() frees what is still queued (ASan/LSan report a leak).
 */
#include "jobq.h"

#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monotime.h"

static struct job *
new_job(uint64_t id)
{
	struct job *j = calloc(1, sizeof(*j));

	cr_assert_not_null(j);
	j->id = id;
	j->rank = -1;
	return j;
}

static struct jobq *
new_queue(void)
{
	struct cc_err err;
	struct jobq *q = jobq_new(&err);

	cr_assert_not_null(q, "jobq_new: %s", err.msg);
	return q;
}

/* True if the wake fd is readable right now. */
static bool
wake_pending(const struct jobq *q)
{
	struct pollfd p = {.fd = jobq_wait_fd(q), .events = POLLIN};
	int n = poll(&p, 1, 0);

	cr_assert_geq(n, 0);
	return n == 1 && (p.revents & POLLIN);
}

static void
free_list(struct job *j)
{
	while (j) {
		struct job *next = j->next;

		job_free(j);
		j = next;
	}
}

Test(jobq, pop_all_returns_jobs_oldest_first)
{
	struct jobq *q = new_queue();
	struct job *list, *j;
	uint64_t want = 1;

	for (uint64_t id = 1; id <= 5; id++)
		jobq_push(q, new_job(id));
	list = jobq_pop_all(q);
	for (j = list; j; j = j->next)
		cr_assert_eq(j->id, want++, "got job %llu, want %llu",
		             (unsigned long long)j->id,
		             (unsigned long long)want - 1);
	cr_assert_eq(want, 6, "%llu jobs popped", (unsigned long long)want - 1);
	free_list(list);
	jobq_free(q);
}

Test(jobq, pop_all_empties_the_queue)
{
	struct jobq *q = new_queue();
	struct job *list;

	cr_assert_null(jobq_pop_all(q));
	jobq_push(q, new_job(1));
	jobq_push(q, new_job(2));
	list = jobq_pop_all(q);
	cr_assert_not_null(list);
	cr_assert_null(jobq_pop_all(q), "second pop_all returned jobs");
	/* The tail was reset too: a new push starts a new list. */
	jobq_push(q, new_job(3));
	free_list(list);
	list = jobq_pop_all(q);
	cr_assert_not_null(list);
	cr_assert_eq(list->id, 3);
	cr_assert_null(list->next);
	free_list(list);
	jobq_free(q);
}

Test(jobq, push_makes_wait_fd_readable)
{
	struct jobq *q = new_queue();

	cr_assert_not(wake_pending(q), "fresh queue is readable");
	jobq_push(q, new_job(1));
	cr_assert(wake_pending(q));
	jobq_free(q);
}

Test(jobq, wake_makes_wait_fd_readable_and_clear_empties_it)
{
	struct jobq *q = new_queue();

	jobq_wake(q);
	cr_assert(wake_pending(q));
	jobq_clear_wakeups(q);
	cr_assert_not(wake_pending(q));
	cr_assert_null(jobq_pop_all(q), "a wake-up queued a job");
	jobq_free(q);
}

Test(jobq, many_wakeups_coalesce_and_never_block)
{
	struct jobq *q = new_queue();
	int64_t start = monotime_ms();

	/* Far more than a pipe holds: a full pipe must not block. */
	for (int i = 0; i < 200000; i++)
		jobq_wake(q);
	cr_assert_lt(monotime_ms() - start, 10000);
	cr_assert(wake_pending(q));
	jobq_clear_wakeups(q);
	cr_assert_not(wake_pending(q));
	jobq_free(q);
}

#define PRODUCERS         4
#define JOBS_PER_PRODUCER 2500

struct producer {
	struct jobq *q;
	int index;
};

static void *
produce(void *arg)
{
	struct producer *p = arg;

	for (int i = 0; i < JOBS_PER_PRODUCER; i++) {
		struct job *j = calloc(1, sizeof(*j));

		if (!j)
			abort();
		j->id = (uint64_t)p->index * JOBS_PER_PRODUCER + (uint64_t)i;
		jobq_push(p->q, j);
	}
	return NULL;
}

/* Count the jobs of list into seen[], checking per-producer order. */
static int
consume(struct job *list, unsigned char *seen, int64_t *last)
{
	int n = 0;

	while (list) {
		struct job *next = list->next;
		int64_t id = (int64_t)list->id;
		int who = (int)(id / JOBS_PER_PRODUCER);

		cr_assert_lt(id, PRODUCERS * JOBS_PER_PRODUCER);
		cr_assert_eq(seen[id], 0, "job %lld arrived twice",
		             (long long)id);
		cr_assert_gt(id, last[who], "producer %d out of order", who);
		seen[id] = 1;
		last[who] = id;
		job_free(list);
		list = next;
		n++;
	}
	return n;
}

Test(jobq, concurrent_pushes_arrive_exactly_once)
{
	struct jobq *q = new_queue();
	pthread_t tid[PRODUCERS];
	struct producer prod[PRODUCERS];
	unsigned char *seen = calloc(PRODUCERS * JOBS_PER_PRODUCER, 1);
	int64_t last[PRODUCERS];
	int64_t deadline = monotime_ms() + 30000;
	int total = 0;

	cr_assert_not_null(seen);
	for (int i = 0; i < PRODUCERS; i++) {
		last[i] = -1;
		prod[i].q = q;
		prod[i].index = i;
		cr_assert_eq(pthread_create(&tid[i], NULL, produce, &prod[i]),
		             0);
	}
	/* Consume while they push, as the dispatcher does. */
	while (total < PRODUCERS * JOBS_PER_PRODUCER) {
		struct pollfd p = {.fd = jobq_wait_fd(q), .events = POLLIN};

		cr_assert_lt(monotime_ms(), deadline, "only %d jobs arrived",
		             total);
		(void)poll(&p, 1, 100);
		jobq_clear_wakeups(q);
		total += consume(jobq_pop_all(q), seen, last);
	}
	for (int i = 0; i < PRODUCERS; i++)
		cr_assert_eq(pthread_join(tid[i], NULL), 0);
	cr_assert_eq(total, PRODUCERS * JOBS_PER_PRODUCER);
	cr_assert_null(jobq_pop_all(q));
	for (int i = 0; i < PRODUCERS; i++)
		cr_assert_eq(last[i], (int64_t)(i + 1) * JOBS_PER_PRODUCER - 1);
	free(seen);
	jobq_free(q);
}

/* A job holding a real unpacked request, so job_free must free both. */
static struct job *
new_job_with_request(uint64_t id)
{
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__Refusal refusal;
	struct job *j = new_job(id);
	uint8_t *buf;
	size_t len;

	req.version = CODEC_PROTOCOL_VERSION;
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	cr_assert_eq(codec_pack(&req.base, 0, &buf, &len, NULL), CC_OK);
	cr_assert_eq(codec_unpack_request(buf, len, 0, NULL, &j->req, &refusal,
	                                  NULL),
	             CC_OK);
	free(buf);
	return j;
}

Test(jobq, free_releases_queued_jobs_and_requests)
{
	struct jobq *q = new_queue();

	for (uint64_t id = 0; id < 100; id++)
		jobq_push(q, new_job_with_request(id));
	/* LeakSanitizer fails the test if anything queued is leaked. */
	jobq_free(q);
}

Test(jobq, free_and_job_free_accept_null)
{
	jobq_free(NULL);
	job_free(NULL);
}
