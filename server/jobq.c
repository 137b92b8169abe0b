/*
 * jobq.c - a mutex-protected FIFO plus a self-pipe for wake-ups. The
 * mutex is held only to link or unlink, never across nng or MPI calls.
 * The pipe is non-blocking on both ends: a full pipe already means "wake
 * up", so a failed write is fine.
 */
#define _GNU_SOURCE /* pipe2(): O_CLOEXEC|O_NONBLOCK atomically at creation */
#define LOG_MODULE  "jobq"
#include "jobq.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct jobq {
	pthread_mutex_t lock;
	struct job *head, *tail;
	int pipe_fd[2];
};

struct jobq *
jobq_new(struct cc_err *err)
{
	struct jobq *q = calloc(1, sizeof(*q));

	if (!q) {
		cc_err_set(err, CC_ENOMEM, "out of memory");
		return NULL;
	}
	if (pipe2(q->pipe_fd, O_CLOEXEC | O_NONBLOCK) != 0) {
		cc_err_sys(err, CC_ESYS, errno, "cannot create wake-up pipe");
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void
jobq_free(struct jobq *q)
{
	struct job *j;

	if (!q)
		return;
	j = jobq_pop_all(q);
	while (j) {
		struct job *next = j->next;

		job_free(j);
		j = next;
	}
	close(q->pipe_fd[0]);
	close(q->pipe_fd[1]);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

void
jobq_push(struct jobq *q, struct job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	pthread_mutex_unlock(&q->lock);
	jobq_wake(q);
}

struct job *
jobq_pop_all(struct jobq *q)
{
	struct job *list;

	pthread_mutex_lock(&q->lock);
	list = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->lock);
	return list;
}

void
jobq_wake(struct jobq *q)
{
	char c = 1;
	ssize_t n = write(q->pipe_fd[1], &c, 1);

	(void)n; /* EAGAIN: the pipe is full, a wake-up is pending anyway */
}

int
jobq_wait_fd(const struct jobq *q)
{
	return q->pipe_fd[0];
}

void
jobq_clear_wakeups(struct jobq *q)
{
	char buf[256];

	while (read(q->pipe_fd[0], buf, sizeof(buf)) > 0)
		;
}

void
job_free(struct job *job)
{
	if (!job)
		return;
	codec_free(job->req);
	free(job);
}
