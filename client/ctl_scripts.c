/*
 * ctl_scripts.c - `clustcc-ctl config scripts CONFIG [--out DIR]`: load and
 * validate the config, check slurm_pmi against the MPI we were built with,
 * and write the Slurm batch file, the Flux launch file and the mpirun
 * script (client/scripts.c makes the text) next to the config or in DIR.
 * The scripts embed absolute paths: the config, its directory, the port
 * file, and the directory of this clustcc-ctl (/proc/self/exe), where
 * clustcc-server and clustcc-gcc are installed beside it.
 */
/* realpath() is XSI, not in _POSIX_C_SOURCE alone. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl.h"
#include "exitcode.h"
#include "scripts.h"

/*
 * Open MPI's pmix components (ompi_info), found by CMake at configure
 * time; "" when clustcc was not built against Open MPI.
 */
#ifndef CLUSTCC_OMPI_PMIX
#define CLUSTCC_OMPI_PMIX ""
#endif

/* The directory part of path, in place ("/a/b" -> "/a", "/a" -> "/"). */
static void
strip_last(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash == path)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/* path if absolute, else dir/path, into buf. */
static int
resolve(const char *dir, const char *path, char *buf, size_t size)
{
	int n = path[0] == '/' ? snprintf(buf, size, "%s", path)
	                       : snprintf(buf, size, "%s/%s", dir, path);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The directory of this executable, where the other programs are too. */
static int
find_bin_dir(char *buf, size_t size)
{
	static const char *const progs[] = {"clustcc-server", "clustcc-gcc"};
	char prog[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n < 0) {
		fprintf(stderr,
		        "clustcc-ctl: cannot find its own directory: readlink '/proc/self/exe': %s\n",
		        strerror(errno));
		return EXIT_FAILURE_GENERIC;
	}
	buf[n] = '\0';
	strip_last(buf);
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (resolve(buf, progs[i], prog, sizeof(prog)) != 0 ||
		    access(prog, X_OK) != 0) {
			fprintf(stderr,
			        "clustcc-ctl: '%s' is not an executable next to clustcc-ctl; the scripts need it there\n",
			        prog);
			return EXIT_FAILURE_GENERIC;
		}
	}
	return EXIT_OK;
}

struct where {
	char bin[PATH_MAX];
	char config[PATH_MAX];
	char base[PATH_MAX];
	char port[PATH_MAX];
	char out[PATH_MAX];
};

/* Fill w from the command line and the config; EXIT_OK or a printed error. */
static int
find_paths(const char *config, const char *out_dir, const struct cfg *cfg,
           struct where *w)
{
	int rc = find_bin_dir(w->bin, sizeof(w->bin));

	if (rc != EXIT_OK)
		return rc;
	if (!realpath(config, w->config)) {
		fprintf(stderr, "clustcc-ctl: config '%s': %s\n", config,
		        strerror(errno));
		return EXIT_CONFIG;
	}
	snprintf(w->base, sizeof(w->base), "%s", w->config);
	strip_last(w->base);
	if (resolve(w->base, cfg->port_file, w->port, sizeof(w->port)) != 0) {
		fprintf(stderr,
		        "clustcc-ctl: config '%s': key 'port_file': path too long\n",
		        cfg->path);
		return EXIT_CONFIG;
	}
	if (!out_dir) {
		snprintf(w->out, sizeof(w->out), "%s", w->base);
	} else if (!realpath(out_dir, w->out)) {
		fprintf(stderr, "clustcc-ctl: --out '%s': %s\n", out_dir,
		        strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Render and write one script; "" as name means the config wants none. */
static int
write_one(enum scripts_kind kind, const char *name, const char *key,
          const struct cfg *cfg, const struct where *w)
{
	struct scripts_paths paths = {.bin_dir = w->bin,
	                              .config = w->config,
	                              .base_dir = w->base,
	                              .port_file = w->port};
	char path[PATH_MAX];
	char *text = NULL;
	struct cc_err err;
	int rc;

	if (!*name)
		return EXIT_OK;
	if (resolve(w->out, name, path, sizeof(path)) != 0) {
		fprintf(stderr,
		        "clustcc-ctl: config '%s': key '%s': path too long\n",
		        cfg->path, key);
		return EXIT_CONFIG;
	}
	rc = scripts_render(kind, cfg, &paths, &text, &err);
	if (rc == CC_OK)
		rc = scripts_write(path, text, &err);
	free(text);
	if (rc != CC_OK) {
		fprintf(stderr, "clustcc-ctl: %s\n", err.msg);
		return rc == CC_EEXIST ? EXIT_USAGE : EXIT_FAILURE_GENERIC;
	}
	fprintf(stderr, "clustcc-ctl: wrote the %s script '%s' (%s)\n",
	        scripts_kind_name(kind), path, key);
	return EXIT_OK;
}

/* bad: the offending argument, or NULL when CONFIG is missing. */
static int
scripts_usage(const char *bad)
{
	if (bad)
		fprintf(stderr,
		        "clustcc-ctl: config scripts: unexpected argument '%s'\n",
		        bad);
	else
		fprintf(stderr,
		        "clustcc-ctl: config scripts: missing CONFIG\n");
	fprintf(stderr,
	        "usage: clustcc-ctl config scripts CONFIG [--out DIR]\ntry 'clustcc-ctl --help'\n");
	return EXIT_USAGE;
}

int
ctl_config_scripts(int argc, char **argv)
{
	const char *config = NULL, *out_dir = NULL;
	struct cfg *cfg = NULL;
	struct where *w = NULL;
	struct cc_err err;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out_dir = argv[++i];
		else if (strncmp(argv[i], "--out=", 6) == 0)
			out_dir = argv[i] + 6;
		else if (argv[i][0] != '-' && !config)
			config = argv[i];
		else
			return scripts_usage(argv[i]);
	}
	if (!config)
		return scripts_usage(NULL);
	if (cfg_load_file(config, &cfg, &err) != CC_OK) {
		fprintf(stderr, "clustcc-ctl: %s\n", err.msg);
		return EXIT_CONFIG;
	}
	rc = EXIT_CONFIG;
	if (scripts_check(cfg, CLUSTCC_OMPI_PMIX, &err) != CC_OK) {
		fprintf(stderr, "clustcc-ctl: %s\n", err.msg);
		goto out;
	}
	rc = EXIT_FAILURE_GENERIC;
	w = malloc(sizeof(*w));
	if (!w) {
		fprintf(stderr, "clustcc-ctl: out of memory\n");
		goto out;
	}
	rc = find_paths(config, out_dir, cfg, w);
	if (rc == EXIT_OK)
		rc = write_one(SCRIPTS_SLURM, cfg->slurm_batch_file,
		               "slurm_batch_file", cfg, w);
	if (rc == EXIT_OK)
		rc = write_one(SCRIPTS_FLUX, cfg->launch_file, "launch_file",
		               cfg, w);
	if (rc == EXIT_OK)
		rc = write_one(SCRIPTS_MPIRUN, cfg->mpirun_file, "mpirun_file",
		               cfg, w);
out:
	free(w);
	cfg_free(cfg);
	return rc;
}
