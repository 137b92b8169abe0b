/*
 * ctl_drain.c - `clustcc-ctl drain`: tell the head to stop accepting
 * compiles, then (unless --no-wait) wait until it has finished every job,
 * stopped all ranks and removed its port file. If that takes longer than
 * --timeout, it asks the (still draining) server what is left and names
 * it: the server's pid and the jobs still in flight, by rank.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "ctl.h"
#include "exitcode.h"
#include "monotime.h"
#include "rpc.h"

/* Without --timeout, in-flight compiles may take as long as a compile may. */
#define DRAIN_DEFAULT_WAIT_MS 600000

/* The head removes the port file as its last act; wait for that. */
static bool
wait_gone(const char *path, const struct portfile *pf, int64_t timeout_ms)
{
	int64_t deadline = monotime_ms() + timeout_ms;
	struct timespec nap = {0, 50 * 1000000L};

	while (monotime_ms() < deadline) {
		struct portfile now;

		if (portfile_read(path, &now, NULL) != CC_OK)
			return true;
		if (now.pid != pf->pid)
			return true; /* a new server has taken over */
		nanosleep(&nap, NULL);
	}
	return false;
}

/* "ranks 1, 2" of the running jobs, each rank once. */
static void
busy_ranks(const Clustcc__StatusReply *st, char *buf, size_t size)
{
	size_t used = 0, n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < st->n_ranks && used < size; i++) {
		if (!st->ranks[i]->running)
			continue;
		used += (size_t)snprintf(buf + used, size - used, "%s%u",
		                         n++ ? ", " : "", st->ranks[i]->rank);
	}
	if (n == 0)
		snprintf(buf, size, "no rank");
}

/* Name what did not finish, from a last status of the server. */
static void
report_left(const struct ctl_opts *o, const struct portfile *pf,
            int64_t waited_ms)
{
	struct ctl_opts quick = *o;
	struct ctl_call call;
	const Clustcc__StatusReply *st;
	unsigned running = 0;
	char ranks[256];

	quick.timeout_ms = 5000;
	if (ctl_fetch_status(&quick, &call) != EXIT_OK) {
		fprintf(stderr,
		        "clustcc-ctl: timeout after %lld s: server pid %lld still running and not answering\n",
		        (long long)(waited_ms / 1000), (long long)pf->pid);
		return;
	}
	st = call.resp->status;
	for (size_t i = 0; i < st->n_ranks; i++)
		running += st->ranks[i]->running;
	busy_ranks(st, ranks, sizeof(ranks));
	fprintf(stderr,
	        "clustcc-ctl: timeout after %lld s: server pid %lld still running, %u jobs in flight on %s%s, %u queued\n",
	        (long long)(waited_ms / 1000), (long long)pf->pid, running,
	        strchr(ranks, ',') ? "ranks " : "rank ", ranks,
	        st->queue_depth);
	for (size_t i = 0; i < st->n_jobs; i++)
		fprintf(stderr,
		        "clustcc-ctl:   job %llu on rank %u for %.1f s: %s\n",
		        (unsigned long long)st->jobs[i]->job_id,
		        st->jobs[i]->rank,
		        (double)st->jobs[i]->running_ms / 1000.0,
		        st->jobs[i]->source_name);
	codec_free(call.resp);
}

int
ctl_drain(const struct ctl_opts *o)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__DrainRequest dr = CLUSTCC__DRAIN_REQUEST__INIT;
	struct ctl_call call;
	int64_t wait_ms =
	        o->timeout_given ? o->timeout_ms : DRAIN_DEFAULT_WAIT_MS;
	int rc;

	req.body_case = CLUSTCC__REQUEST__BODY_DRAIN;
	req.drain = &dr;
	rc = ctl_call(o, &req, CLUSTCC__RESPONSE__BODY_DRAIN, "drain", &call);
	if (rc != EXIT_OK)
		return rc;
	fprintf(stderr, "clustcc-ctl: draining; %u jobs in flight\n",
	        call.resp->drain->in_flight);
	codec_free(call.resp);
	if (!o->wait)
		return EXIT_OK;
	if (!wait_gone(call.path, &call.pf, wait_ms)) {
		report_left(o, &call.pf, wait_ms);
		return EXIT_FAILURE_GENERIC;
	}
	fprintf(stderr, "clustcc-ctl: server stopped\n");
	return EXIT_OK;
}
