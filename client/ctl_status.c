/*
 * ctl_status.c - `clustcc-ctl status`: ask the head for its counters and
 * print them as a table or as JSON (cJSON), once or every few seconds
 * (--watch). The JSON keys are a stable interface documented in
 * docs/status.md; STATUS_SCHEMA changes only when a key changes meaning
 * or goes away (new keys may be added without a bump).
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "ctl.h"
#include "exitcode.h"
#include "monotime.h"
#include "rpc.h"

#define STATUS_SCHEMA 1

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double
per_second(uint64_t count, uint64_t ms)
{
	return ms ? (double)count * 1000.0 / (double)ms : 0.0;
}

/* Human-readable byte count: "512 B", "1.5 KiB", "3.2 MiB". */
static void
format_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void
print_ranks(const Clustcc__StatusReply *st)
{
	unsigned long long slots = 0, running = 0, done = 0, failed = 0;
	unsigned long long exact = 0;

	printf("%6s %6s %6s %10s %8s %10s\n", "rank", "slots", "busy", "done",
	       "failed", "exact");
	for (size_t i = 0; i < st->n_ranks; i++) {
		const Clustcc__RankStatus *r = st->ranks[i];

		printf("%6u %6u %6u %10llu %8llu %10llu\n", r->rank, r->slots,
		       r->running, (unsigned long long)r->done,
		       (unsigned long long)r->failed,
		       (unsigned long long)r->exact);
		slots += r->slots;
		running += r->running;
		done += r->done;
		failed += r->failed;
		exact += r->exact;
	}
	printf("%6s %6llu %6llu %10llu %8llu %10llu\n", "total", slots, running,
	       done, failed, exact);
}

static void
print_table(const Clustcc__StatusReply *st)
{
	char in[32], out[32];

	format_bytes(st->bytes_in, in, sizeof(in));
	format_bytes(st->bytes_out, out, sizeof(out));
	printf("clustcc-server %s, pid %u, up %.1f s%s\n", st->version, st->pid,
	       (double)st->uptime_ms / 1000.0,
	       st->draining ? ", DRAINING" : "");
	print_ranks(st);
	printf("queue depth %u; jobs/s %.2f since start", st->queue_depth,
	       per_second(st->completed, st->uptime_ms));
	/* A window under a second (just started) says nothing new. */
	if (st->recent_ms >= 1000)
		printf(", %.2f over the last %.0f s",
		       per_second(st->recent_completed, st->recent_ms),
		       (double)st->recent_ms / 1000.0);
	printf("\n");
	printf("bytes in %s (requests), out %s (replies)\n", in, out);
	printf("compiles received %llu, completed %llu, refused %llu\n",
	       (unsigned long long)st->received,
	       (unsigned long long)st->completed,
	       (unsigned long long)st->refused);
	for (size_t i = 0; i < st->n_refusals; i++)
		printf("  refused %-20s %llu\n", st->refusals[i]->reason,
		       (unsigned long long)st->refusals[i]->count);
	for (size_t i = 0; i < st->n_local_reasons; i++)
		printf("  local   %-20s %llu\n", st->local_reasons[i]->reason,
		       (unsigned long long)st->local_reasons[i]->count);
	for (size_t i = 0; i < st->n_jobs; i++)
		printf("  running job %llu on rank %u for %.1f s: %s\n",
		       (unsigned long long)st->jobs[i]->job_id,
		       st->jobs[i]->rank,
		       (double)st->jobs[i]->running_ms / 1000.0,
		       st->jobs[i]->source_name);
}

static cJSON *
counts_json(Clustcc__ReasonCount **rc, size_t n)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; o && i < n; i++)
		cJSON_AddNumberToObject(o, rc[i]->reason, (double)rc[i]->count);
	return o;
}

static cJSON *
ranks_json(const Clustcc__StatusReply *st)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < st->n_ranks; i++) {
		const Clustcc__RankStatus *r = st->ranks[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "rank", r->rank);
		cJSON_AddNumberToObject(o, "slots", r->slots);
		cJSON_AddNumberToObject(o, "running", r->running);
		cJSON_AddNumberToObject(o, "done", (double)r->done);
		cJSON_AddNumberToObject(o, "failed", (double)r->failed);
		cJSON_AddNumberToObject(o, "exact", (double)r->exact);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *
jobs_json(const Clustcc__StatusReply *st)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < st->n_jobs; i++) {
		const Clustcc__JobStatus *j = st->jobs[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "job_id", (double)j->job_id);
		cJSON_AddNumberToObject(o, "rank", j->rank);
		cJSON_AddStringToObject(o, "source", j->source_name);
		cJSON_AddNumberToObject(o, "running_ms", (double)j->running_ms);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *
status_json(const Clustcc__StatusReply *st)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "schema", STATUS_SCHEMA);
	cJSON_AddStringToObject(o, "version", st->version);
	cJSON_AddNumberToObject(o, "pid", st->pid);
	cJSON_AddNumberToObject(o, "uptime_ms", (double)st->uptime_ms);
	cJSON_AddBoolToObject(o, "draining", st->draining);
	cJSON_AddNumberToObject(o, "queue_depth", st->queue_depth);
	cJSON_AddNumberToObject(o, "received", (double)st->received);
	cJSON_AddNumberToObject(o, "completed", (double)st->completed);
	cJSON_AddNumberToObject(o, "refused", (double)st->refused);
	cJSON_AddNumberToObject(o, "bytes_in", (double)st->bytes_in);
	cJSON_AddNumberToObject(o, "bytes_out", (double)st->bytes_out);
	cJSON_AddNumberToObject(o, "jobs_per_s",
	                        per_second(st->completed, st->uptime_ms));
	cJSON_AddNumberToObject(
	        o, "recent_jobs_per_s",
	        per_second(st->recent_completed, st->recent_ms));
	cJSON_AddNumberToObject(o, "recent_window_ms", (double)st->recent_ms);
	cJSON_AddItemToObject(o, "ranks", ranks_json(st));
	cJSON_AddItemToObject(o, "jobs", jobs_json(st));
	cJSON_AddItemToObject(o, "refusals",
	                      counts_json(st->refusals, st->n_refusals));
	cJSON_AddItemToObject(
	        o, "local_reasons",
	        counts_json(st->local_reasons, st->n_local_reasons));
	return o;
}

static int
print_json(const Clustcc__StatusReply *st)
{
	cJSON *o = status_json(st);
	char *text = o ? cJSON_Print(o) : NULL;

	cJSON_Delete(o);
	if (!text) {
		fprintf(stderr, "clustcc-ctl: out of memory\n");
		return EXIT_FAILURE_GENERIC;
	}
	printf("%s\n", text);
	free(text);
	return EXIT_OK;
}

int
ctl_fetch_status(const struct ctl_opts *o, struct ctl_call *call)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest sr = CLUSTCC__STATUS_REQUEST__INIT;

	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &sr;
	return ctl_call(o, &req, CLUSTCC__RESPONSE__BODY_STATUS, "status",
	                call);
}

static int
status_once(const struct ctl_opts *o)
{
	struct ctl_call call;
	int rc = ctl_fetch_status(o, &call);

	if (rc != EXIT_OK)
		return rc;
	if (o->json) {
		rc = print_json(call.resp->status);
	} else {
		print_table(call.resp->status);
		rc = EXIT_OK;
	}
	codec_free(call.resp);
	fflush(stdout);
	return rc;
}

/* Sleep ms, in short naps so Ctrl-C ends the wait at once. */
static void
nap_ms(int64_t ms)
{
	int64_t deadline = monotime_ms() + ms;
	struct timespec step = {0, 100 * 1000000L};

	while (!interrupted && monotime_ms() < deadline)
		nanosleep(&step, NULL);
}

/*
 * Like `top`: on a terminal, clear and redraw in place; otherwise (a log
 * file, a pipe) one block per refresh, blocks separated by a blank line.
 */
static int
watch(const struct ctl_opts *o)
{
	bool tty = isatty(STDOUT_FILENO);
	struct sigaction sa = {0};
	bool first = true;

	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!interrupted) {
		int rc;

		if (tty)
			printf("\033[H\033[2J");
		else if (!first)
			printf("\n");
		rc = status_once(o);
		if (rc == EXIT_NO_SERVER && !first) {
			fprintf(stderr, "clustcc-ctl: the server went away\n");
			return rc;
		}
		if (rc != EXIT_OK)
			return rc;
		first = false;
		nap_ms(o->watch_ms);
	}
	return EXIT_OK;
}

int
ctl_status(const struct ctl_opts *o)
{
	return o->watch_ms > 0 ? watch(o) : status_once(o);
}
