/*
 * transport.h - head <-> worker messages over MPI. The only module that
 * calls MPI_* after start-up; only the thread that called transport_init()
 * may enter it (MPI_THREAD_FUNNELED). Nothing here blocks for long: sends
 * are MPI_Isend completed by transport_progress(), receives are
 * MPI_Iprobe followed by the MPI_Recv of a message already there.
 */
#ifndef CLUSTCC_SERVER_TRANSPORT_H
#define CLUSTCC_SERVER_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccerr.h"

enum transport_tag {
	TRANSPORT_TAG_JOB = 1,    /* head -> worker: packed WorkerJob */
	TRANSPORT_TAG_RESULT = 2, /* worker -> head: packed WorkerResult */
	TRANSPORT_TAG_STOP = 3,   /* head -> worker: finish and exit (empty) */
};

struct transport;

/* MPI_Init_thread(FUNNELED), errors returned not fatal. */
int transport_init(int *argc, char ***argv, struct transport **out,
                   struct cc_err *err);

int transport_rank(const struct transport *t);
int transport_size(const struct transport *t);

/* Library version string of the MPI implementation (for --version). */
void transport_library_version(char *buf, size_t size);

/*
 * Start sending len bytes of buf to dest with tag. Takes ownership of buf
 * in every case (freed once sent, or at once on failure).
 */
int transport_send(struct transport *t, int dest, int tag, uint8_t *buf,
                   size_t len, struct cc_err *err);

/* Complete finished sends; returns how many are still pending. */
int transport_progress(struct transport *t);

/* Called for a received message; buf (may be NULL) is freed after it. */
typedef void transport_msg_fn(int src, int tag, const uint8_t *buf, size_t len,
                              void *arg);

/*
 * Receive every message waiting now and hand each to fn. Returns true if
 * there was any; receive errors are logged.
 */
bool transport_recv_all(struct transport *t, transport_msg_fn *fn, void *arg);

/*
 * Finish pending sends (polling, at most wait_ms), free, MPI_Finalize.
 * If MPI_Finalize has not returned after 30 s (a rank that never gets
 * there), the process exits 0 without it. NULL allowed.
 */
void transport_finalize(struct transport *t, int64_t wait_ms);

/* Tear down the whole MPI job after a fatal error. */
_Noreturn void transport_abort(struct transport *t, int code);

#endif
