/*
 * scripts.h - the text of the launch scripts that `clustcc-ctl config
 * scripts` generates from a loaded config: the Slurm batch file, the Flux
 * launch file and the plain mpirun script (docs/launch.md). All three run
 * the same flow: start the server as one MPI_COMM_WORLD, wait (bounded)
 * for its port file, run the build with CLUSTCC_PORT_FILE exported, drain,
 * and exit with the build's status. Pure text: no files are read; writing
 * is scripts_write(). Stateless, thread-safe.
 */
#ifndef CLUSTCC_CLIENT_SCRIPTS_H
#define CLUSTCC_CLIENT_SCRIPTS_H

#include <stddef.h>

#include "ccerr.h"
#include "cfg.h"

/* The line that marks a file as ours (its second line). */
#define SCRIPTS_MARKER \
	"# clustcc-generated-script: edit the config and regenerate; this file is overwritten"

enum scripts_kind {
	SCRIPTS_SLURM,  /* sbatch batch file, srun --mpi=<slurm_pmi> */
	SCRIPTS_FLUX,   /* flux batch / flux start, flux submit */
	SCRIPTS_MPIRUN, /* a workstation or an interactive allocation */
};

/* Absolute paths the scripts embed; borrowed. */
struct scripts_paths {
	const char *bin_dir;   /* holds clustcc-server, clustcc-ctl, -gcc */
	const char *config;    /* the config file */
	const char *base_dir;  /* the config's directory: the server's cwd */
	const char *port_file; /* cfg->port_file resolved against base_dir */
};

/* "slurm", "flux", "mpirun". */
const char *scripts_kind_name(enum scripts_kind kind);

/*
 * What cfg_load_file() cannot know about the scripts. slurm_partition and
 * slurm_time go into #SBATCH lines: no blanks or control characters.
 * cfg->slurm_pmi is checked against the PMI support of the MPI clustcc was
 * built with. ompi_pmix lists Open MPI's pmix components, comma-separated, as
 * ompi_info reports them ("ext3x,isolated,flux"); NULL or "" means the MPI
 * is not Open MPI or is unknown, and then every value is accepted. With
 * Open MPI: pmix and pmix_v* need a PMIx component (not isolated/flux),
 * pmi2 needs s2, none needs s1. CC_ECONFIG names the config and the key.
 */
int scripts_check(const struct cfg *cfg, const char *ompi_pmix,
                  struct cc_err *err);

/*
 * The script of one kind as a new NUL-terminated string (free() it), or
 * CC_ENOMEM. cfg must have passed cfg_load_file().
 */
int scripts_render(enum scripts_kind kind, const struct cfg *cfg,
                   const struct scripts_paths *paths, char **out,
                   struct cc_err *err);

/*
 * Write text to path atomically, mode 0755. An existing file is replaced
 * only if it carries SCRIPTS_MARKER in its first lines; otherwise
 * CC_EEXIST naming path (a user's own script is never overwritten).
 * CC_ESYS on I/O errors.
 */
int scripts_write(const char *path, const char *text, struct cc_err *err);

#endif
