/*
 * test_scripts.c - the generated launch scripts: every kind passes bash -n
 * and shellcheck, the #SBATCH lines follow the config, specs get the
 * toolchain in the right place, hostile paths stay quoted (checked by
 * letting bash read the settings back), slurm_pmi is checked against Open
 * MPI's components, and a file that is not ours is never overwritten.
 */
#include "scripts.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"

static char *tmpdir;

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("scripts");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(scripts, .init = setup, .fini = teardown);

static struct cfg *
load(const char *json)
{
	struct cfg *cfg = NULL;
	struct cc_err err;
	int rc = cfg_load_string("t.json", json, &cfg, &err);

	cr_assert_eq(rc, CC_OK, "%s", err.msg);
	return cfg;
}

static const struct scripts_paths plain = {
        .bin_dir = "/opt/clustcc/bin",
        .config = "/home/me/c.json",
        .base_dir = "/home/me",
        .port_file = "/home/me/clustcc.port",
};

static char *
render(enum scripts_kind kind, const struct cfg *cfg,
       const struct scripts_paths *p)
{
	char *text = NULL;
	struct cc_err err;

	cr_assert_eq(scripts_render(kind, cfg, p, &text, &err), CC_OK, "%s",
	             err.msg);
	cr_assert_not_null(text);
	return text;
}

/* Write text to tmpdir/name and return the path (static buffer). */
static const char *
save(const char *name, const char *text)
{
	static char path[4096];

	tu_path(path, sizeof(path), tmpdir, name);
	tu_write_text(path, text);
	return path;
}

/* Run "<cmd> '<path>'"; its exit status. */
static int
run(const char *cmd, const char *path)
{
	char line[8192];
	int st;

	snprintf(line, sizeof(line), "%s '%s' >&2", cmd, path);
	st = system(line);
	cr_assert_neq(st, -1);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define FULL_CFG                                                        \
	"{\"port_file\": \"p\", \"num_workers\": 3,"                    \
	" \"head_rank_cpus\": 1, \"worker_rank_cpus\": 4,"              \
	" \"slurm_partition\": \"debug\", \"slurm_time\": \"0:30:00\"," \
	" \"specs\": [\"zlib\", \"hdf5 +mpi ^mpich\"],"                 \
	" \"spack_env\": \"/home/me/env\"}"

ParameterizedTestParameters(scripts, passes_bash_n_and_shellcheck)
{
	static enum scripts_kind kinds[] = {SCRIPTS_SLURM, SCRIPTS_FLUX,
	                                    SCRIPTS_MPIRUN};

	return cr_make_param_array(enum scripts_kind, kinds,
	                           sizeof(kinds) / sizeof(kinds[0]));
}

ParameterizedTest(enum scripts_kind *kind, scripts,
                  passes_bash_n_and_shellcheck)
{
	struct cfg *cfg = load(FULL_CFG);
	char *text = render(*kind, cfg, &plain);
	const char *path = save("s.sh", text);

	cr_expect(strncmp(text, "#!/bin/bash\n" SCRIPTS_MARKER "\n",
	                  strlen("#!/bin/bash\n" SCRIPTS_MARKER "\n")) == 0);
	cr_expect_not_null(strstr(text, "set -euo pipefail\n"));
	cr_expect_not_null(strstr(text, "trap cleanup EXIT\n"));
	cr_expect_eq(run("bash -n", path), 0, "bash -n failed:\n%s", text);
	cr_expect_eq(run("shellcheck", path), 0, "shellcheck failed (%s)",
	             scripts_kind_name(*kind));
	free(text);
	cfg_free(cfg);
}

Test(scripts, sbatch_lines_follow_the_config)
{
	struct cfg *cfg = load(FULL_CFG);
	char *text = render(SCRIPTS_SLURM, cfg, &plain);

	cr_expect_not_null(strstr(text, "#SBATCH --partition=debug\n"));
	cr_expect_not_null(strstr(text, "#SBATCH --ntasks=4\n"));
	cr_expect_not_null(strstr(text, "#SBATCH --cpus-per-task=4\n"));
	cr_expect_not_null(strstr(text, "#SBATCH --time=0:30:00\n"));
	cr_expect_not_null(strstr(text, "SRUN_MPI='pmix'"));
	cr_expect_not_null(strstr(
	        text, "srun --mpi=\"$SRUN_MPI\" --ntasks=\"$NUM_RANKS\""));
	free(text);
	cfg_free(cfg);
}

Test(scripts, empty_partition_is_left_out)
{
	struct cfg *cfg = load("{\"port_file\": \"p\"}");
	char *text = render(SCRIPTS_SLURM, cfg, &plain);

	cr_expect_null(strstr(text, "--partition"));
	cr_expect_not_null(strstr(text, "#SBATCH --ntasks=2\n"));
	free(text);
	cfg_free(cfg);
}

Test(scripts, only_slurm_has_sbatch_lines)
{
	struct cfg *cfg = load(FULL_CFG);
	char *flux = render(SCRIPTS_FLUX, cfg, &plain);
	char *mpirun = render(SCRIPTS_MPIRUN, cfg, &plain);

	cr_expect_null(strstr(flux, "#SBATCH"));
	cr_expect_null(strstr(mpirun, "#SBATCH"));
	cr_expect_not_null(strstr(flux, "# flux: -n 4\n# flux: -c 4\n"));
	cr_expect_not_null(strstr(flux, "\"$FLUX\" submit -n \"$NUM_RANKS\""));
	cr_expect_not_null(strstr(mpirun, "mpirun --oversubscribe -n"));
	free(flux);
	free(mpirun);
	cfg_free(cfg);
}

/*
 * Let bash read the settings block back: whatever the paths and specs
 * hold, the variables must come out exactly as given.
 */
static char *
settings_as_bash_sees_them(const char *script_path)
{
	char out[4096], cmd[8192];

	tu_path(out, sizeof(out), tmpdir, "vars.out");
	snprintf(
	        cmd, sizeof(cmd),
	        "bash -c 'set -eu; source <(sed -n \"/^# ---- settings/,/^DRAIN_TIMEOUT/p\" \"$1\"); printf \"[%%s]\\n\" \"$BIN\" \"$CONFIG\" \"$BASE_DIR\" \"$PORT_FILE\" \"$SPACK\" \"$SPACK_ENV\" \"${SPECS[@]}\"' _ '%s' > '%s'",
	        script_path, out);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return tu_read_file(out, NULL);
}

Test(scripts, hostile_values_stay_quoted)
{
	static const struct scripts_paths odd = {
	        .bin_dir = "/opt/it's $HOME/`id`/bin",
	        .config = "/h/a b/c \"q\".json",
	        .base_dir = "/h/a b",
	        .port_file = "/h/a b/$(touch /tmp/pwned).port",
	};
	struct cfg *cfg =
	        load("{\"port_file\": \"p\", \"spack_exe\": \"/s p/spack\","
	             " \"specs\": [\"zlib cflags='-O3 -g'\", \"a;b\"],"
	             " \"spack_toolchain\": \"clustcc\"}");
	char *text = render(SCRIPTS_SLURM, cfg, &odd);
	char *vars = settings_as_bash_sees_them(save("s.sh", text));

	cr_expect_str_eq(vars, "[/opt/it's $HOME/`id`/bin]\n"
	                       "[/h/a b/c \"q\".json]\n"
	                       "[/h/a b]\n"
	                       "[/h/a b/$(touch /tmp/pwned).port]\n"
	                       "[/s p/spack]\n"
	                       "[]\n"
	                       "[zlib cflags='-O3 -g' %clustcc]\n"
	                       "[a;b %clustcc]\n");
	free(vars);
	free(text);
	cfg_free(cfg);
}

/*
 * Rows hold arrays, not pointers: Criterion copies the rows into memory
 * shared with the test process, where pointers into this one's string
 * literals were found not to be valid.
 */
struct spec_case {
	char toolchain[16];
	char spec[32];
	char want[32]; /* as bash sees it */
};

ParameterizedTestParameters(scripts, toolchain_goes_to_the_root)
{
	static struct spec_case cases[] = {
	        {"clustcc", "zlib", "zlib %clustcc"},
	        {"clustcc", "hdf5 +mpi ^mpich", "hdf5 +mpi %clustcc ^mpich"},
	        {"clustcc", "hdf5+mpi^mpich@4", "hdf5+mpi %clustcc ^mpich@4"},
	        {"clustcc", "zlib %gcc@12", "zlib %gcc@12"},
	        {"clustcc", "a ^b %gcc", "a %clustcc ^b %gcc"},
	        {"", "zlib", "zlib"},
	        {"my-cc", "zlib", "zlib %my-cc"},
	};

	return cr_make_param_array(struct spec_case, cases,
	                           sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct spec_case *c, scripts, toolchain_goes_to_the_root)
{
	char json[512], want[512];
	struct cfg *cfg;
	char *text, *vars;

	snprintf(
	        json, sizeof(json),
	        "{\"port_file\": \"p\", \"specs\": [\"%s\"], \"spack_toolchain\": \"%s\"}",
	        c->spec, c->toolchain);
	cfg = load(json);
	text = render(SCRIPTS_MPIRUN, cfg, &plain);
	vars = settings_as_bash_sees_them(save("s.sh", text));
	snprintf(
	        want, sizeof(want),
	        "[/opt/clustcc/bin]\n[/home/me/c.json]\n[/home/me]\n[/home/me/clustcc.port]\n[spack]\n[]\n[%s]\n",
	        c->want);
	cr_expect_str_eq(vars, want, "spec '%s', toolchain '%s'", c->spec,
	                 c->toolchain);
	free(vars);
	free(text);
	cfg_free(cfg);
}

struct pmi_case {
	char pmi[16];
	char ompi[32]; /* Open MPI pmix components; "" = not Open MPI */
	int rc;
};

ParameterizedTestParameters(scripts, slurm_pmi_against_open_mpi)
{
	static struct pmi_case cases[] = {
	        /* Debian 12's Open MPI 4.1.4: pmix only (measured) */
	        {"pmix", "ext3x,isolated,flux", CC_OK},
	        {"pmix_v4", "ext3x,isolated,flux", CC_OK},
	        {"pmi2", "ext3x,isolated,flux", CC_ECONFIG},
	        {"none", "ext3x,isolated,flux", CC_ECONFIG},
	        /* an Open MPI built --with-pmi */
	        {"pmi2", "s2,s1,ext3x,isolated", CC_OK},
	        {"none", "s2,s1,ext3x,isolated", CC_OK},
	        /* without a PMIx client */
	        {"pmix", "isolated,flux", CC_ECONFIG},
	        {"pmix", "s2", CC_ECONFIG},
	        /* other MPIs: no rule known, so no refusal */
	        {"pmi2", "", CC_OK},
	        {"none", "", CC_OK},
	        /* values we know nothing about pass to srun */
	        {"cray_shasta", "ext3x", CC_OK},
	};

	return cr_make_param_array(struct pmi_case, cases,
	                           sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct pmi_case *c, scripts, slurm_pmi_against_open_mpi)
{
	char json[256];
	struct cfg *cfg;
	struct cc_err err;

	snprintf(json, sizeof(json),
	         "{\"port_file\": \"p\", \"slurm_pmi\": \"%s\"}", c->pmi);
	cfg = load(json);
	cr_expect_eq(scripts_check(cfg, c->ompi, &err), c->rc,
	             "slurm_pmi '%s' with '%s'", c->pmi, c->ompi);
	if (c->rc != CC_OK)
		cr_expect_not_null(
		        strstr(err.msg, "config 't.json': key 'slurm_pmi': "),
		        "%s", err.msg);
	cfg_free(cfg);
}

Test(scripts, pmi2_message_says_why_and_what_to_use)
{
	struct cfg *cfg =
	        load("{\"port_file\": \"p\", \"slurm_pmi\": \"pmi2\"}");
	struct cc_err err;

	cr_assert_eq(scripts_check(cfg, "ext3x,isolated,flux", &err),
	             CC_ECONFIG);
	cr_expect_str_eq(
	        err.msg,
	        "config 't.json': key 'slurm_pmi': srun --mpi=pmi2 needs PMI-2 support (pmix component s2), which the Open MPI clustcc was built with lacks (its pmix components: ext3x,isolated,flux); use \"pmix\"");
	cfg_free(cfg);
}

Test(scripts, sbatch_values_with_blanks_are_refused)
{
	struct cfg *cfg =
	        load("{\"port_file\": \"p\", \"slurm_partition\": \"a b\"}");
	struct cc_err err;

	cr_expect_eq(scripts_check(cfg, "", &err), CC_ECONFIG);
	cr_expect_str_eq(
	        err.msg,
	        "config 't.json': key 'slurm_partition': expected no blanks or control characters (it goes into an #SBATCH line), got \"a b\"");
	cfg_free(cfg);
	cfg = load(
	        "{\"port_file\": \"p\", \"slurm_time\": \"1:00\\n#SBATCH -x\"}");
	cr_expect_eq(scripts_check(cfg, "", &err), CC_ECONFIG);
	cr_expect_not_null(strstr(err.msg, "key 'slurm_time'"), "%s", err.msg);
	cfg_free(cfg);
}

Test(scripts, write_creates_executable_and_regenerates_its_own)
{
	char path[4096];
	struct cc_err err;
	struct stat st;
	char *got;

	tu_path(path, sizeof(path), tmpdir, "run.sh");
	cr_assert_eq(scripts_write(path, "#!/bin/bash\n" SCRIPTS_MARKER "\n1\n",
	                           &err),
	             CC_OK, "%s", err.msg);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect(st.st_mode & S_IXUSR, "not executable");
	cr_assert_eq(scripts_write(path, "#!/bin/bash\n" SCRIPTS_MARKER "\n2\n",
	                           &err),
	             CC_OK, "%s", err.msg);
	got = tu_read_file(path, NULL);
	cr_expect_str_eq(got, "#!/bin/bash\n" SCRIPTS_MARKER "\n2\n");
	free(got);
}

Test(scripts, write_never_overwrites_a_foreign_file)
{
	char path[4096];
	struct cc_err err;
	char *got;

	tu_path(path, sizeof(path), tmpdir, "clustcc.sbatch");
	tu_write_text(path, "#!/bin/bash\n# my own batch file\n");
	cr_assert_eq(scripts_write(path, "new\n", &err), CC_EEXIST);
	cr_expect_not_null(strstr(err.msg, path), "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, "refusing to overwrite"), "%s",
	                   err.msg);
	got = tu_read_file(path, NULL);
	cr_expect_str_eq(got, "#!/bin/bash\n# my own batch file\n");
	free(got);
}
