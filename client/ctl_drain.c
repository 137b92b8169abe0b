/*
 * ctl_drain.c - `clustcc-ctl drain`: tell the head to stop accepting
 * compiles, then (unless --no-wait) wait until it has finished every job,
 * stopped all ranks and removed its port file.
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "ctl.h"
#include "exitcode.h"
#include "monotime.h"
#include "rpc.h"

/* The head removes the port file as its last act; wait for that. */
static int
wait_gone(const char *path, const struct portfile *pf, int64_t timeout_ms)
{
	int64_t deadline = monotime_ms() + timeout_ms;
	struct timespec nap = {0, 50 * 1000000L};

	while (monotime_ms() < deadline) {
		struct portfile now;

		if (portfile_read(path, &now, NULL) != CC_OK)
			return EXIT_OK;
		if (now.pid != pf->pid)
			return EXIT_OK; /* a new server has taken over */
		nanosleep(&nap, NULL);
	}
	fprintf(stderr,
	        "clustcc-ctl: server (pid %lld) still running after %lld s; its port file '%s' is still there\n",
	        (long long)pf->pid, (long long)(timeout_ms / 1000), path);
	return EXIT_FAILURE_GENERIC;
}

int
ctl_drain(const struct ctl_opts *o)
{
	Clustcc__Request req = CLUSTCC__REQUEST__INIT;
	Clustcc__DrainRequest dr = CLUSTCC__DRAIN_REQUEST__INIT;
	struct ctl_call call;
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
	/* In-flight compiles may take as long as a compile may. */
	rc = wait_gone(call.path, &call.pf,
	               o->timeout_ms > 600000 ? o->timeout_ms : 600000);
	if (rc == EXIT_OK)
		fprintf(stderr, "clustcc-ctl: server stopped\n");
	return rc;
}
