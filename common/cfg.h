/*
 * cfg.h - the run's JSON config (cJSON): key table, defaults, validation.
 *
 * One table row per key drives parsing, defaults, validation, the skeleton
 * written by `clustcc-ctl config new` and the key documentation. Unknown
 * keys are errors that suggest the nearest known key; `//` comments are
 * accepted (the original tool's documented example has them). Every error
 * names the file, the key, what was expected and what was found; JSON
 * syntax errors give line:column. After cfg_load_file() succeeds nothing
 * else re-validates. Stateless, thread-safe.
 */
#ifndef CLUSTCC_COMMON_CFG_H
#define CLUSTCC_COMMON_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ccerr.h"
#include "log.h"

struct cfg {
	char *path; /* the file it was loaded from */

	/* Keys of the original tool (launch scripts and the server). */
	char *slurm_partition;  /* "" = cluster default */
	char *slurm_pmi;        /* default "pmix" */
	char *slurm_time;       /* default "01:00:00" */
	char *slurm_batch_file; /* default "clustcc.sbatch" */
	char *launch_file;      /* default "clustcc-launch.sh" */
	int total_cpus;         /* default 0 = not set */
	char *flux_exe;         /* default "flux" */
	char *spack_exe;        /* default "spack" */
	char *port_file;        /* required */
	char **specs;           /* NULL-terminated; default empty */
	size_t n_specs;
	int num_workers;      /* worker ranks; default 1, >= 0 */
	int head_rank_cpus;   /* default 1, >= 1 */
	int head_rank_tasks;  /* compiles the head runs itself; default 0 */
	int worker_rank_cpus; /* concurrent compiles per worker; default 1 */
	enum log_level logging_level; /* default warning */
	char *logging_prefix; /* "" = log to stderr; else <prefix>.<rank>.log */
	char *spack_env;      /* optional; NULL if absent */
	char *spack_toolchain; /* "%<name>" appended to specs; "" = none */
	char *mpirun_file;     /* generated mpirun script; "" = none */

	/* Keys of this implementation. */
	char *endpoint;       /* nng listen URL; default "tcp://0.0.0.0:0" */
	char *advertise_host; /* host clients dial; "" = gethostname() */
	size_t max_msg_bytes; /* default 256 MiB; >= 64 KiB */
	int64_t compile_timeout_ms; /* per compile on a rank; default 600000 */
	int max_queued_jobs; /* requests in flight at the head; default 1024 */
	char *scratch_dir; /* worker scratch root; default "" = $TMPDIR or /tmp
	                    */
	bool exact_mode;   /* verified compile in the client's cwd; default true
	                    */
	bool shipped_debug; /* -g compiles in shipped mode too; default false */
	/* Absolute paths or fnmatch patterns of the compilers a rank may run;
	 * empty (default) = gcc, g++, cc, c++ on the rank's PATH. */
	char **allowed_compilers;
	size_t n_allowed_compilers;
	int max_jobs_per_connection; /* requests in flight on one nng pipe */
	/* TLS for a tls+tcp:// endpoint: absolute PEM paths; "" = none. */
	char *tls_cert_file; /* self-signed; clients pin it (port file) */
	char *tls_key_file;
};

/*
 * Load and validate path. On success *out is a new struct cfg (free with
 * cfg_free). Errors: CC_ENOENT / CC_ESYS (file), CC_ECONFIG (content), with
 * err->msg like
 *   config '/p/cfg.json': key 'worker_rank_cpus': expected an integer >= 1, got
 * -2 config '/p/cfg.json': unknown key 'slurm_partiton', did you mean
 * 'slurm_partition'? config '/p/cfg.json': line 3, column 7: JSON syntax error
 */
int cfg_load_file(const char *path, struct cfg **out, struct cc_err *err);

/* Same as cfg_load_file() but from a string; name is used in messages. */
int cfg_load_string(const char *name, const char *json, struct cfg **out,
                    struct cc_err *err);

/* Free everything (NULL allowed). */
void cfg_free(struct cfg *cfg);

/*
 * Write a complete skeleton config (every key, its default, with a //
 * comment line of help above each) to path. Refuses to overwrite: CC_EEXIST
 * if path exists. The skeleton loads with cfg_load_file() as written.
 */
int cfg_write_skeleton(const char *path, struct cc_err *err);

/* Print every key with type, default and help, one block per key. */
void cfg_print_keys(FILE *out);

#endif
