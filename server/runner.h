/*
 * runner.h - run one compile on this rank as a polled child process: the
 * worker loop and the head's own compile slots both use it.
 *
 * runner_start() checks the job (an allow-listed compiler, the same build
 * as the client's, no forbidden argument),
 * writes the preprocessed source to a private scratch directory and starts
 * the compile: in exact mode the client's own command in the client's cwd
 * once a preprocessing check proves this rank sees the same inputs, else
 * the shipped source (see runner.c and docs/DESIGN.md). runner_poll()
 * never blocks. When done, runner_finish() packs a WorkerResult: exit
 * code, stdout, stderr and every file the compiler wrote into the scratch
 * directory, or a refusal if it crashed or timed out. Main thread only.
 */
#ifndef CLUSTCC_SERVER_RUNNER_H
#define CLUSTCC_SERVER_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allowlist.h"
#include "ccerr.h"
#include "codec.h"

struct runner;

/* How this rank may compile (from the config). */
struct runner_opts {
	const char *scratch_root; /* scratch_dir */
	bool exact_mode;          /* exact_mode */
	bool shipped_debug;       /* shipped_debug */
	/* allowed_compilers (borrowed); NULL: every compiler is refused */
	const struct allowlist *compilers;
	/*
	 * max_msg_bytes: a compile whose files in scratch (the source aside)
	 * grow past this is killed, so it cannot fill the disk; 0 = no check
	 */
	size_t max_output_bytes;
};

/*
 * Start job (borrowed; not needed after the call) in a new directory under
 * opts->scratch_root. On success *out is the caller's. On failure returns a
 * code, sets *refusal and err says why; nothing is left behind.
 */
int runner_start(const Clustcc__WorkerJob *job, const struct runner_opts *opts,
                 struct runner **out, Clustcc__Refusal *refusal,
                 struct cc_err *err);

/* Poll without blocking; *done once the compiler exited or timed out. */
void runner_poll(struct runner *r, bool *done);

/*
 * Pack the WorkerResult of a finished runner into *buf (caller's) and free
 * the runner and its scratch directory. rank is recorded in the result.
 * Returns CC_ENOMEM or CC_ETOOBIG (result over max_bytes: packed as a
 * refusal instead, still CC_OK) only on allocation failure.
 */
int runner_finish(struct runner *r, int rank, size_t max_bytes, uint8_t **buf,
                  size_t *len);

/* Kill the compiler, remove the scratch directory, free (NULL allowed). */
void runner_abort(struct runner *r);

uint64_t runner_job_id(const struct runner *r);

/* Pack a WorkerResult that only refuses (for jobs that could not start). */
int runner_pack_refusal(uint64_t job_id, int rank, Clustcc__Refusal refusal,
                        const char *message, uint8_t **buf, size_t *len);

/*
 * True if arg must never be run on a worker (loads or writes host files).
 * "-Xassembler" is forbidden here; runner_start() lets it through only
 * followed by an assembler option that names no file.
 */
bool runner_arg_is_forbidden(const char *arg);

/*
 * True if args produce debug info that records the compiler's switches
 * (DW_AT_producer), which shipped mode cannot reproduce exactly.
 */
bool runner_records_switches(char **args, size_t n);

#endif
