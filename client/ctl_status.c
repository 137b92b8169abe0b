/*
 * ctl_status.c - `clustcc-ctl status`: ask the head for its counters and
 * print them as a table or as JSON (cJSON).
 */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec.h"
#include "ctl.h"
#include "exitcode.h"
#include "rpc.h"

static void
print_table(const Clustcc__StatusReply *st)
{
	unsigned long long slots = 0, running = 0, done = 0, failed = 0;
	unsigned long long exact = 0;

	printf("clustcc-server %s, pid %u, up %.1f s%s\n", st->version, st->pid,
	       (double)st->uptime_ms / 1000.0,
	       st->draining ? ", DRAINING" : "");
	printf("%6s %6s %8s %10s %8s %10s\n", "rank", "slots", "running",
	       "done", "failed", "exact");
	for (size_t i = 0; i < st->n_ranks; i++) {
		const Clustcc__RankStatus *r = st->ranks[i];

		printf("%6u %6u %8u %10llu %8llu %10llu\n", r->rank, r->slots,
		       r->running, (unsigned long long)r->done,
		       (unsigned long long)r->failed,
		       (unsigned long long)r->exact);
		slots += r->slots;
		running += r->running;
		done += r->done;
		failed += r->failed;
		exact += r->exact;
	}
	printf("%6s %6llu %8llu %10llu %8llu %10llu\n", "total", slots, running,
	       done, failed, exact);
	printf("queue depth %u; compiles received %llu, completed %llu, refused %llu\n",
	       st->queue_depth, (unsigned long long)st->received,
	       (unsigned long long)st->completed,
	       (unsigned long long)st->refused);
	for (size_t i = 0; i < st->n_refusals; i++)
		printf("  refused %-20s %llu\n", st->refusals[i]->reason,
		       (unsigned long long)st->refusals[i]->count);
	for (size_t i = 0; i < st->n_local_reasons; i++)
		printf("  local   %-20s %llu\n", st->local_reasons[i]->reason,
		       (unsigned long long)st->local_reasons[i]->count);
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

static int
print_json(const Clustcc__StatusReply *st)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "version", st->version);
	cJSON_AddNumberToObject(o, "pid", st->pid);
	cJSON_AddNumberToObject(o, "uptime_ms", (double)st->uptime_ms);
	cJSON_AddBoolToObject(o, "draining", st->draining);
	cJSON_AddNumberToObject(o, "queue_depth", st->queue_depth);
	cJSON_AddNumberToObject(o, "received", (double)st->received);
	cJSON_AddNumberToObject(o, "completed", (double)st->completed);
	cJSON_AddNumberToObject(o, "refused", (double)st->refused);
	cJSON_AddItemToObject(o, "ranks", ranks_json(st));
	cJSON_AddItemToObject(o, "refusals",
	                      counts_json(st->refusals, st->n_refusals));
	cJSON_AddItemToObject(
	        o, "local_reasons",
	        counts_json(st->local_reasons, st->n_local_reasons));
	text = cJSON_Print(o);
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
ctl_status(const struct ctl_opts *o)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__StatusRequest sr = CLUSTCC__STATUS_REQUEST__INIT;
	struct ctl_call call;
	int rc;

	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &sr;
	rc = ctl_call(o, &req, CLUSTCC__RESPONSE__BODY_STATUS, "status", &call);
	if (rc != EXIT_OK)
		return rc;
	rc = o->json ? print_json(call.resp->status)
	             : (print_table(call.resp->status), EXIT_OK);
	codec_free(call.resp);
	return rc;
}
