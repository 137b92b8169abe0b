/*
 * transport.c - MPI point-to-point for clustcc. Blocking MPI calls spin a
 * core in Open MPI (research/slurm-mpi.md: MPI_Recv 65-100% of a core,
 * MPI_Test + usleep(1000) 1.3%), so callers poll these non-blocking entry
 * points and sleep between polls. MPI_ERRORS_RETURN is set on
 * MPI_COMM_WORLD so a failed call is an error code, not an abort.
 */
#define LOG_MODULE "transport"
#include "transport.h"

#include <limits.h>
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"

struct pending_send {
	MPI_Request req;
	uint8_t *buf;
};

struct transport {
	int rank;
	int size;
	struct pending_send *sends;
	size_t n_sends, cap_sends;
};

static int
mpi_fail(struct cc_err *err, int rc, const char *what)
{
	char text[MPI_MAX_ERROR_STRING];
	int n = 0;

	if (MPI_Error_string(rc, text, &n) != MPI_SUCCESS)
		snprintf(text, sizeof(text), "MPI error %d", rc);
	cc_err_set(err, CC_EMPI, "%s: %s", what, text);
	if (err)
		err->sys = rc;
	return CC_EMPI;
}

int
transport_init(int *argc, char ***argv, struct transport **out,
               struct cc_err *err)
{
	struct transport *t;
	int provided = 0, rc;

	rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
	if (rc != MPI_SUCCESS)
		return mpi_fail(err, rc, "MPI_Init_thread");
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	if (provided < MPI_THREAD_FUNNELED) {
		MPI_Finalize();
		return cc_err_set(
		        err, CC_EMPI,
		        "MPI provides thread level %d, clustcc needs MPI_THREAD_FUNNELED",
		        provided);
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		MPI_Finalize();
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &t->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &t->size);
	*out = t;
	return CC_OK;
}

int
transport_rank(const struct transport *t)
{
	return t->rank;
}

int
transport_size(const struct transport *t)
{
	return t->size;
}

void
transport_library_version(char *buf, size_t size)
{
	char v[MPI_MAX_LIBRARY_VERSION_STRING];
	int n = 0;

	if (MPI_Get_library_version(v, &n) != MPI_SUCCESS)
		snprintf(v, sizeof(v), "unknown");
	v[strcspn(v, "\n,")] = '\0';
	snprintf(buf, size, "%s", v);
}

static int
grow_sends(struct transport *t)
{
	size_t cap = t->cap_sends ? t->cap_sends * 2 : 16;
	struct pending_send *p;

	if (t->n_sends < t->cap_sends)
		return CC_OK;
	p = realloc(t->sends, cap * sizeof(*p));
	if (!p)
		return CC_ENOMEM;
	t->sends = p;
	t->cap_sends = cap;
	return CC_OK;
}

int
transport_send(struct transport *t, int dest, int tag, uint8_t *buf, size_t len,
               struct cc_err *err)
{
	struct pending_send *s;
	int rc;

	if (len > INT_MAX) {
		free(buf);
		return cc_err_set(err, CC_ETOOBIG,
		                  "message of %zu bytes is too large for MPI",
		                  len);
	}
	if (grow_sends(t) != CC_OK) {
		free(buf);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	s = &t->sends[t->n_sends];
	rc = MPI_Isend(buf, (int)len, MPI_BYTE, dest, tag, MPI_COMM_WORLD,
	               &s->req);
	if (rc != MPI_SUCCESS) {
		free(buf);
		return mpi_fail(err, rc, "MPI_Isend");
	}
	s->buf = buf;
	t->n_sends++;
	return CC_OK;
}

int
transport_progress(struct transport *t)
{
	size_t i = 0;

	while (i < t->n_sends) {
		int flag = 0;

		if (MPI_Test(&t->sends[i].req, &flag, MPI_STATUS_IGNORE) !=
		    MPI_SUCCESS)
			flag = 1; /* a failed send will not complete: drop it */
		if (!flag) {
			i++;
			continue;
		}
		free(t->sends[i].buf);
		t->sends[i] = t->sends[--t->n_sends];
	}
	return (int)t->n_sends;
}

/*
 * Receive one waiting message, if any: *got false when none. On a message,
 * *buf (caller's, may be NULL for an empty message), *len, *src and *tag.
 */
static int
transport_recv(struct transport *t, bool *got, int *src, int *tag,
               uint8_t **buf, size_t *len, struct cc_err *err)
{
	MPI_Status st;
	uint8_t *p = NULL;
	int flag = 0, count = 0, rc;

	(void)t;
	*got = false;
	rc = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag,
	                &st);
	if (rc != MPI_SUCCESS)
		return mpi_fail(err, rc, "MPI_Iprobe");
	if (!flag)
		return CC_OK;
	MPI_Get_count(&st, MPI_BYTE, &count);
	if (count > 0 && !(p = malloc((size_t)count)))
		return cc_err_set(err, CC_ENOMEM,
		                  "out of memory for a %d-byte message", count);
	rc = MPI_Recv(p, count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG,
	              MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	if (rc != MPI_SUCCESS) {
		free(p);
		return mpi_fail(err, rc, "MPI_Recv");
	}
	*got = true;
	*src = st.MPI_SOURCE;
	*tag = st.MPI_TAG;
	*buf = p;
	*len = (size_t)count;
	return CC_OK;
}

bool
transport_recv_all(struct transport *t, transport_msg_fn *fn, void *arg)
{
	bool any = false;

	for (;;) {
		uint8_t *buf = NULL;
		size_t len = 0;
		int src = 0, tag = 0;
		bool got = false;
		struct cc_err err;

		if (transport_recv(t, &got, &src, &tag, &buf, &len, &err) !=
		    CC_OK) {
			log_error("%s", err.msg);
			return any;
		}
		if (!got)
			return any;
		any = true;
		fn(src, tag, buf, len, arg);
		free(buf);
	}
}

/*
 * MPI_Finalize is collective in Open MPI (a PMIx fence): if another rank
 * never gets there (lost, stuck), every rank would hang in it after a
 * finished drain. The port file is gone and every job answered by then,
 * so after FINALIZE_GRACE_S the process exits without it instead.
 */
#define FINALIZE_GRACE_S 30

static void *
finalize_watchdog(void *arg)
{
	(void)arg;
	sleep(FINALIZE_GRACE_S);
	log_error("MPI_Finalize has not returned after %d s (another rank "
	          "never reached it?); exiting without it",
	          FINALIZE_GRACE_S);
	_exit(0);
	return NULL;
}

void
transport_finalize(struct transport *t, int64_t wait_ms)
{
	pthread_t watchdog;

	int64_t deadline = monotime_ms() + wait_ms;
	struct timespec nap = {0, 1000000};

	if (!t)
		return;
	while (transport_progress(t) > 0 && monotime_ms() < deadline)
		nanosleep(&nap, NULL);
	for (size_t i = 0; i < t->n_sends; i++) {
		MPI_Cancel(&t->sends[i].req);
		MPI_Request_free(&t->sends[i].req);
		free(t->sends[i].buf);
	}
	free(t->sends);
	free(t);
	if (pthread_create(&watchdog, NULL, finalize_watchdog, NULL) == 0)
		pthread_detach(watchdog);
	MPI_Finalize();
}

_Noreturn void
transport_abort(struct transport *t, int code)
{
	(void)t;
	MPI_Abort(MPI_COMM_WORLD, code);
	exit(code);
}
