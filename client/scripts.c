/*
 * scripts.c - the text of the generated launch scripts (see scripts.h and
 * docs/launch.md).
 *
 * A script is four parts: a head (shebang, our marker line, #SBATCH or
 * "# flux:" directives, a comment saying how to run it), the settings taken
 * from the config as shell variables (every value single-quoted), the two
 * launcher functions server_start/server_stop (the only part that differs
 * between Slurm, Flux and mpirun), and the flow they all share. Keeping the
 * config values in variables at the top leaves the rest of the text
 * constant, so it reads as a normal hand-written script and shellcheck sees
 * all of it. The text is built in a memory stream (open_memstream).
 */
#include "scripts.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"

const char *
scripts_kind_name(enum scripts_kind kind)
{
	switch (kind) {
	case SCRIPTS_SLURM:
		return "slurm";
	case SCRIPTS_FLUX:
		return "flux";
	case SCRIPTS_MPIRUN:
		return "mpirun";
	}
	return "?";
}

/* ---- slurm_pmi ------------------------------------------------------- */

/* Is name one of the comma-separated items of list? */
static bool
list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/*
 * Does Open MPI have a PMIx client that talks to a real PMIx server
 * (Slurm's pmix plugin)? "isolated" is for singletons and "flux" talks
 * Flux's PMI; s1/s2 are PMI-1/PMI-2.
 */
static bool
has_pmix_client(const char *list)
{
	static const char *const not_pmix[] = {"isolated", "flux", "s1", "s2",
	                                       "cray"};
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool other = len > 0;

		for (size_t i = 0; i < sizeof(not_pmix) / sizeof(not_pmix[0]);
		     i++)
			if (len == strlen(not_pmix[i]) &&
			    strncmp(p, not_pmix[i], len) == 0)
				other = false;
		if (other)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/*
 * A value that goes into a "#SBATCH --opt=value" line unquoted: a blank
 * would end the option and a newline would start a line of its own.
 */
static int
check_directive(const struct cfg *cfg, const char *key, const char *value,
                struct cc_err *err)
{
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return cc_err_set(
			        err, CC_ECONFIG,
			        "config '%s': key '%s': expected no blanks or control characters (it goes into an #SBATCH line), got \"%s\"",
			        cfg->path, key, value);
	return CC_OK;
}

static int
check_pmi(const struct cfg *cfg, const char *ompi_pmix, struct cc_err *err)
{
	const char *pmi = cfg->slurm_pmi;
	const char *need = NULL;

	if (!ompi_pmix || !*ompi_pmix)
		return CC_OK; /* not Open MPI: we know no rule */
	if (strcmp(pmi, "pmix") == 0 || strncmp(pmi, "pmix_v", 6) == 0) {
		if (!has_pmix_client(ompi_pmix))
			need = "a PMIx client (pmix component ext3x or pmix3x)";
	} else if (strcmp(pmi, "pmi2") == 0) {
		if (!list_has(ompi_pmix, "s2"))
			need = "PMI-2 support (pmix component s2)";
	} else if (strcmp(pmi, "none") == 0 || strcmp(pmi, "") == 0) {
		if (!list_has(ompi_pmix, "s1"))
			need = "PMI-1 support (pmix component s1)";
	}
	if (!need)
		return CC_OK;
	return cc_err_set(
	        err, CC_ECONFIG,
	        "config '%s': key 'slurm_pmi': srun --mpi=%s needs %s, which the Open MPI clustcc was built with lacks (its pmix components: %s); use \"pmix\"",
	        cfg->path, pmi, need, ompi_pmix);
}

int
scripts_check(const struct cfg *cfg, const char *ompi_pmix, struct cc_err *err)
{
	int rc = check_directive(cfg, "slurm_partition", cfg->slurm_partition,
	                         err);

	if (rc == CC_OK)
		rc = check_directive(cfg, "slurm_time", cfg->slurm_time, err);
	if (rc == CC_OK)
		rc = check_pmi(cfg, ompi_pmix, err);
	return rc;
}

/* ---- text helpers ------------------------------------------------------ */

static void put_escaped(FILE *f, const char *s, size_t n);

/* s in single quotes for bash: ' becomes '\''. */
static void
put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	put_escaped(f, s, strlen(s));
	fputc('\'', f);
}

/* NAME='value'  # comment */
static void
put_var(FILE *f, const char *name, const char *value, const char *comment)
{
	fprintf(f, "%s=", name);
	put_quoted(f, value);
	if (comment)
		fprintf(f, "  # %s", comment);
	fputc('\n', f);
}

/* s[0..n) escaped for the inside of bash single quotes. */
static void
put_escaped(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'')
			fputs("'\\''", f);
		else
			fputc(s[i], f);
	}
}

/*
 * One spec with the toolchain: "%<tc>" goes after the root's part, before
 * the first "^dep", because Spack binds a compiler to the node written
 * just before it ("hdf5 ^mpich %clustcc" would build only mpich with it).
 * A root that already names a compiler ('%') is left alone.
 */
static void
put_spec(FILE *f, const char *spec, const char *toolchain)
{
	const char *dep = strchr(spec, '^');
	size_t root = dep ? (size_t)(dep - spec) : strlen(spec);

	if (!*toolchain || memchr(spec, '%', root)) {
		put_quoted(f, spec);
		return;
	}
	while (root > 0 && spec[root - 1] == ' ')
		root--;
	fputc('\'', f);
	put_escaped(f, spec, root);
	fputs(" %", f);
	put_escaped(f, toolchain, strlen(toolchain));
	if (dep) {
		fputc(' ', f);
		put_escaped(f, dep, strlen(dep));
	}
	fputc('\'', f);
}

static int
max_int(int a, int b)
{
	return a > b ? a : b;
}

/* ---- part 1: the head ------------------------------------------------- */

static void
put_head(FILE *f, enum scripts_kind kind, const struct cfg *cfg,
         const struct scripts_paths *p)
{
	int ranks = 1 + cfg->num_workers;
	int cpus = max_int(cfg->head_rank_cpus, cfg->worker_rank_cpus);

	fprintf(f, "#!/bin/bash\n%s\n", SCRIPTS_MARKER);
	if (kind == SCRIPTS_SLURM) {
		fputs("#SBATCH --job-name=clustcc\n", f);
		if (*cfg->slurm_partition)
			fprintf(f, "#SBATCH --partition=%s\n",
			        cfg->slurm_partition);
		fprintf(f, "#SBATCH --ntasks=%d\n#SBATCH --cpus-per-task=%d\n",
		        ranks, cpus);
		if (*cfg->slurm_time)
			fprintf(f, "#SBATCH --time=%s\n", cfg->slurm_time);
	} else if (kind == SCRIPTS_FLUX) {
		fprintf(f, "# flux: -n %d\n# flux: -c %d\n", ranks, cpus);
	}
	fprintf(f,
	        "#\n# clustcc %s launch script, generated by `clustcc-ctl config scripts` from\n#   %s\n",
	        scripts_kind_name(kind), p->config);
	switch (kind) {
	case SCRIPTS_SLURM:
		fputs("# Run:  sbatch THIS_FILE [COMMAND [ARG...]]\n", f);
		break;
	case SCRIPTS_FLUX:
		fprintf(f,
		        "# Run:  flux batch -n %d -c %d THIS_FILE [COMMAND [ARG...]]\n#   or, inside an instance (flux start, flux alloc):  THIS_FILE [COMMAND...]\n",
		        ranks, cpus);
		break;
	case SCRIPTS_MPIRUN:
		fputs("# Run:  THIS_FILE [COMMAND [ARG...]]   (a workstation, or inside salloc)\n",
		      f);
		break;
	}
	fputs("#\n"
	      "# It starts clustcc-server as one MPI job (rank 0 is the head, the\n"
	      "# other ranks are workers), waits for the head's port file, runs the\n"
	      "# build here with CLUSTCC_PORT_FILE exported, drains the server and\n"
	      "# exits with the build's status. Without COMMAND the build is\n"
	      "# `spack install` of the config's specs with the clustcc toolchain;\n"
	      "# with COMMAND (e.g. make -j16), COMMAND runs instead, with CC and CXX\n"
	      "# set to the clustcc wrapper. Each failure is reported by name.\n"
	      "# Time limits in seconds, from the environment:\n"
	      "#   CLUSTCC_START_TIMEOUT  server start, until the port file (120)\n"
	      "#   CLUSTCC_DRAIN_TIMEOUT  drain after the build (600)\n"
	      "# See docs/launch.md.\n"
	      "set -euo pipefail\n\n",
	      f);
}

/* ---- part 2: the settings --------------------------------------------- */

static void
put_settings(FILE *f, enum scripts_kind kind, const struct cfg *cfg,
             const struct scripts_paths *p)
{
	fputs("# ---- settings, from the config -------------------------------------\n",
	      f);
	put_var(f, "BIN", p->bin_dir,
	        "clustcc-server, clustcc-ctl, clustcc-gcc");
	put_var(f, "CONFIG", p->config, NULL);
	put_var(f, "BASE_DIR", p->base_dir,
	        "the server runs here: relative paths in the config");
	put_var(f, "PORT_FILE", p->port_file, NULL);
	fprintf(f, "NUM_RANKS=%d  # 1 head + num_workers %d\n",
	        1 + cfg->num_workers, cfg->num_workers);
	fprintf(f,
	        "CPUS_PER_RANK=%d  # one launch gives every rank the same: max(head_rank_cpus %d, worker_rank_cpus %d)\n",
	        max_int(cfg->head_rank_cpus, cfg->worker_rank_cpus),
	        cfg->head_rank_cpus, cfg->worker_rank_cpus);
	if (kind == SCRIPTS_SLURM)
		put_var(f, "SRUN_MPI", cfg->slurm_pmi, "slurm_pmi");
	if (kind == SCRIPTS_FLUX)
		put_var(f, "FLUX", cfg->flux_exe, "flux_exe");
	put_var(f, "SPACK", cfg->spack_exe, "spack_exe");
	put_var(f, "SPACK_ENV", cfg->spack_env ? cfg->spack_env : "",
	        "spack_env; \"\" = none");
	fprintf(f, "SPECS=(");
	for (size_t i = 0; i < cfg->n_specs; i++) {
		if (i)
			fputc(' ', f);
		put_spec(f, cfg->specs[i], cfg->spack_toolchain);
	}
	fprintf(f, ")  # specs, with spack_toolchain '%s'\n",
	        cfg->spack_toolchain);
	fputs("START_TIMEOUT=${CLUSTCC_START_TIMEOUT:-120}\n"
	      "DRAIN_TIMEOUT=${CLUSTCC_DRAIN_TIMEOUT:-600}\n\n",
	      f);
}

/* ---- part 3: the launcher --------------------------------------------- */

static const char launcher_slurm[] =
        "# ---- launcher: Slurm ------------------------------------------------\n"
        "# One srun step, so all ranks share one MPI_COMM_WORLD (separately\n"
        "# launched steps cannot connect under srun). A heterogeneous step\n"
        "# (srun ... : ...) could give the head its own CPU count, but it never\n"
        "# starts on a single node; so every rank gets CPUS_PER_RANK. The build\n"
        "# runs in this batch shell, outside any step: it needs no --overlap.\n"
        "server_start() {\n"
        "\t(cd \"$BASE_DIR\" && exec srun --mpi=\"$SRUN_MPI\" --ntasks=\"$NUM_RANKS\" \\\n"
        "\t\t--cpus-per-task=\"$CPUS_PER_RANK\" --kill-on-bad-exit=1 \\\n"
        "\t\t\"$BIN/clustcc-server\" --config \"$CONFIG\") < /dev/null &\n"
        "\tSERVER_PID=$!\n"
        "}\n"
        "# srun passes SIGTERM on to the ranks; killing srun ends the step.\n"
        "server_stop() { kill -\"$1\" \"$SERVER_PID\" 2> /dev/null || true; }\n\n";

static const char launcher_flux[] =
        "# ---- launcher: Flux -------------------------------------------------\n"
        "# One flux job, so all ranks share one MPI_COMM_WORLD; every rank gets\n"
        "# CPUS_PER_RANK cores. `flux job attach` follows the job and exits with\n"
        "# its status, so the flow below treats it like the server process.\n"
        "# Open MPI 5 needs the flux-pmix plugin: add -o pmi=pmix to the submit.\n"
        "JOBID=\n"
        "server_start() {\n"
        "\tJOBID=$(cd \"$BASE_DIR\" && \"$FLUX\" submit -n \"$NUM_RANKS\" -c \"$CPUS_PER_RANK\" \\\n"
        "\t\t\"$BIN/clustcc-server\" --config \"$CONFIG\") \\\n"
        "\t\t|| die \"flux submit of the server failed\"\n"
        "\t\"$FLUX\" job attach \"$JOBID\" < /dev/null &\n"
        "\tSERVER_PID=$!\n"
        "}\n"
        "server_stop() {\n"
        "\tif [ \"$1\" = KILL ]; then\n"
        "\t\tkill -KILL \"$SERVER_PID\" 2> /dev/null || true\n"
        "\telse\n"
        "\t\t\"$FLUX\" job cancel \"$JOBID\" 2> /dev/null || true\n"
        "\tfi\n"
        "}\n\n";

static const char launcher_mpirun[] =
        "# ---- launcher: mpirun -----------------------------------------------\n"
        "# One mpirun, so all ranks share one MPI_COMM_WORLD. Inside a Slurm\n"
        "# allocation mpirun takes the hosts from it. --oversubscribe (Open\n"
        "# MPI) because the head mostly waits: 1 + num_workers ranks may exceed\n"
        "# the cores. Extra mpirun options: CLUSTCC_MPIRUN_ARGS (split on blanks).\n"
        "if [ \"$(id -u)\" = 0 ]; then\n"
        "\t# mpirun refuses to run as root unless told (containers often are)\n"
        "\texport OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1\n"
        "fi\n"
        "read -r -a MPIRUN_ARGS <<< \"${CLUSTCC_MPIRUN_ARGS:-}\"\n"
        "server_start() {\n"
        "\t(cd \"$BASE_DIR\" && exec mpirun --oversubscribe -n \"$NUM_RANKS\" \\\n"
        "\t\t\"${MPIRUN_ARGS[@]}\" \"$BIN/clustcc-server\" --config \"$CONFIG\") \\\n"
        "\t\t< /dev/null &\n"
        "\tSERVER_PID=$!\n"
        "}\n"
        "# mpirun passes SIGTERM on to the ranks; killing mpirun ends them all.\n"
        "server_stop() { kill -\"$1\" \"$SERVER_PID\" 2> /dev/null || true; }\n\n";

/* ---- part 4: the flow ------------------------------------------------- */

/*
 * Split in pieces: ISO C guarantees string literals of 4095 bytes only
 * (-Woverlength-strings).
 */
static const char *const flow[] = {
        "# ---- the flow (the same for Slurm, Flux and mpirun) -----------------\n"
        "log() { printf 'clustcc: %s\\n' \"$*\" >&2; }\n"
        "die() { log \"error: $*\"; exit 1; }\n"
        "SERVER_PID=\n"
        "\n"
        "server_running() { [ -n \"$SERVER_PID\" ] && kill -0 \"$SERVER_PID\" 2> /dev/null; }\n"
        "\n"
        "# wait_server SECONDS: until the server has exited; its status in\n"
        "# SERVER_RC, or 'running' if it is still there after SECONDS.\n"
        "wait_server() {\n"
        "\tlocal deadline=$((SECONDS + $1))\n"
        "\twhile server_running && [ \"$SECONDS\" -lt \"$deadline\" ]; do\n"
        "\t\tsleep 0.5\n"
        "\tdone\n"
        "\tif server_running; then\n"
        "\t\tSERVER_RC=running\n"
        "\t\treturn\n"
        "\tfi\n"
        "\tSERVER_RC=0\n"
        "\twait \"$SERVER_PID\" || SERVER_RC=$?\n"
        "\tSERVER_PID=\n"
        "}\n"
        "\n"
        "# Whatever ends this script (an error, scancel, Ctrl-C), the server\n"
        "# must not outlive it: TERM, 10 s of grace, then KILL.\n"
        "cleanup() {\n"
        "\tlocal rc=$?\n"
        "\tif server_running; then\n"
        "\t\tlog \"stopping the server\"\n"
        "\t\tserver_stop TERM\n"
        "\t\twait_server 10\n"
        "\t\tif [ \"$SERVER_RC\" = running ]; then\n"
        "\t\t\tserver_stop KILL\n"
        "\t\tfi\n"
        "\tfi\n"
        "\texit \"$rc\"\n"
        "}\n"
        "trap cleanup EXIT\n"
        "trap 'exit 143' TERM\n"
        "trap 'exit 130' INT\n"
        "\n"
        "if [ $# -eq 0 ] && [ ${#SPECS[@]} -eq 0 ] && [ -z \"$SPACK_ENV\" ]; then\n"
        "\tdie \"nothing to build: the config has no specs and no spack_env, and no COMMAND was given\"\n"
        "fi\n"
        "\n"
        "# 1. Start the server. A port file left by a dead server would be\n"
        "# taken for the new one's, so only a live server's file stops us.\n"
        "if [ -e \"$PORT_FILE\" ]; then\n"
        "\tif \"$BIN/clustcc-ctl\" --port-file \"$PORT_FILE\" --timeout 5 status > /dev/null 2>&1; then\n"
        "\t\tdie \"a clustcc server already answers through the port file '$PORT_FILE'; drain it or use another port_file\"\n"
        "\tfi\n"
        "\tlog \"removing the stale port file '$PORT_FILE'\"\n"
        "\trm -f -- \"$PORT_FILE\"\n"
        "fi\n"
        "log \"starting clustcc-server: $NUM_RANKS ranks, $CPUS_PER_RANK CPUs each\"\n"
        "server_start\n"
        "deadline=$((SECONDS + START_TIMEOUT))\n"
        "until [ -s \"$PORT_FILE\" ]; do\n"
        "\tif ! server_running; then\n"
        "\t\twait_server 0\n"
        "\t\tdie \"the server exited with code $SERVER_RC before publishing its port file '$PORT_FILE'\"\n"
        "\tfi\n"
        "\tif [ \"$SECONDS\" -ge \"$deadline\" ]; then\n"
        "\t\tdie \"the server never published its port file '$PORT_FILE' within $START_TIMEOUT s\"\n"
        "\tfi\n"
        "\tsleep 0.5\n"
        "done\n"
        "export CLUSTCC_PORT_FILE=\"$PORT_FILE\"\n"
        "log \"server up: CLUSTCC_PORT_FILE=$PORT_FILE\"\n"
        "\n",
        "# 2. The build. A failed build must still drain the server.\n"
        "build_rc=0\n"
        "if [ $# -gt 0 ]; then\n"
        "\tlog \"running: $*\"\n"
        "\tCC=\"$BIN/clustcc-gcc gcc\" CXX=\"$BIN/clustcc-gcc g++\" \"$@\" || build_rc=$?\n"
        "else\n"
        "\tspack_args=()\n"
        "\tif [ -n \"$SPACK_ENV\" ]; then\n"
        "\t\tspack_args=(-e \"$SPACK_ENV\")\n"
        "\tfi\n"
        "\tlog \"running: $SPACK ${spack_args[*]} install ${SPECS[*]}\"\n"
        "\t\"$SPACK\" \"${spack_args[@]}\" install \"${SPECS[@]}\" || build_rc=$?\n"
        "fi\n"
        "\n"
        "# 3. Drain: clients compile locally from now on, in-flight compiles\n"
        "# finish, all ranks stop and the head removes its port file.\n"
        "\"$BIN/clustcc-ctl\" --port-file \"$PORT_FILE\" status >&2 || log \"warning: status failed\"\n"
        "drain_rc=0\n"
        "timeout \"$DRAIN_TIMEOUT\" \"$BIN/clustcc-ctl\" --port-file \"$PORT_FILE\" \\\n"
        "\t--timeout \"$DRAIN_TIMEOUT\" drain || drain_rc=$?\n"
        "wait_server 60\n"
        "\n"
        "# 4. Report, most important first, and exit with the build's status.\n"
        "if [ \"$build_rc\" -ne 0 ]; then\n"
        "\tlog \"error: the build failed with code $build_rc\"\n"
        "\t[ \"$drain_rc\" -eq 0 ] || log \"error: drain failed too (code $drain_rc)\"\n"
        "\texit \"$build_rc\"\n"
        "fi\n"
        "if [ \"$drain_rc\" -eq 124 ]; then\n"
        "\tdie \"drain did not finish within $DRAIN_TIMEOUT s\"\n"
        "elif [ \"$drain_rc\" -ne 0 ]; then\n"
        "\tdie \"drain failed: clustcc-ctl exited with code $drain_rc\"\n"
        "fi\n"
        "if [ \"$SERVER_RC\" != 0 ]; then\n"
        "\tdie \"the server did not exit cleanly after the drain (status: $SERVER_RC)\"\n"
        "fi\n"
        "log \"build done, server drained\"\n",
};

int
scripts_render(enum scripts_kind kind, const struct cfg *cfg,
               const struct scripts_paths *paths, char **out,
               struct cc_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int bad;

	if (!f)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	put_head(f, kind, cfg, paths);
	put_settings(f, kind, cfg, paths);
	fputs(kind == SCRIPTS_SLURM  ? launcher_slurm
	      : kind == SCRIPTS_FLUX ? launcher_flux
	                             : launcher_mpirun,
	      f);
	for (size_t i = 0; i < sizeof(flow) / sizeof(flow[0]); i++)
		fputs(flow[i], f);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(text);
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	}
	*out = text;
	return CC_OK;
}

/* ---- writing ------------------------------------------------------------ */

/* Is the existing file at path one of ours? Reads its first 1 KiB. */
static int
is_ours(const char *path, bool *ours, struct cc_err *err)
{
	char head[1024];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT) {
			*ours = true; /* nothing to protect */
			return CC_OK;
		}
		return cc_err_sys(err, CC_ESYS, errno, "cannot read '%s'",
		                  path);
	}
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	*ours = strstr(head, SCRIPTS_MARKER) != NULL;
	return CC_OK;
}

int
scripts_write(const char *path, const char *text, struct cc_err *err)
{
	bool ours = false;
	int rc = is_ours(path, &ours, err);

	if (rc != CC_OK)
		return rc;
	if (!ours)
		return cc_err_set(
		        err, CC_EEXIST,
		        "refusing to overwrite '%s': it was not generated by clustcc-ctl (no '# clustcc-generated-script' line); move it away or choose another file name in the config",
		        path);
	return atomicfile_write(path, text, strlen(text), 0755, 1, err);
}
