/*
 * test_cfg.c - the config loader: defaults, every kind of bad value (the
 * message must name the file and the key), unknown and duplicate keys,
 * comments, syntax errors with line:column, cross-field rules, the
 * skeleton round trip, and docs/config.md against the key table.
 */
#include "cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "testutil.h"

/* Every key, in table order; the reference and the docs must list these. */
static const char *const all_keys[] = {
        "slurm_partition",
        "slurm_pmi",
        "slurm_time",
        "slurm_batch_file",
        "launch_file",
        "total_cpus",
        "flux_exe",
        "spack_exe",
        "port_file",
        "specs",
        "num_workers",
        "head_rank_cpus",
        "head_rank_tasks",
        "worker_rank_cpus",
        "logging_level",
        "logging_prefix",
        "spack_env",
        "spack_toolchain",
        "mpirun_file",
        "endpoint",
        "advertise_host",
        "max_msg_bytes",
        "compile_timeout_ms",
        "max_queued_jobs",
        "scratch_dir",
        "shipped_debug",
        "exact_mode",
        "allowed_compilers",
        "max_jobs_per_connection",
        "tls_cert_file",
        "tls_key_file",
};
#define N_ALL_KEYS (sizeof(all_keys) / sizeof(all_keys[0]))

/* Load json as "t.json"; the test fails if rc is not want. */
static struct cfg *
load(const char *json, int want, struct cc_err *err)
{
	struct cfg *cfg = NULL;
	int rc;

	cc_err_clear(err);
	rc = cfg_load_string("t.json", json, &cfg, err);
	cr_assert_eq(rc, want, "rc %s (%s), want %s, for: %s", cc_strerror(rc),
	             err->msg, cc_strerror(want), json);
	if (want != CC_OK)
		cr_assert_null(cfg);
	return cfg;
}

/* Load json, expect CC_ECONFIG and exactly msg. */
static void
expect_error(const char *json, const char *msg)
{
	struct cc_err err;

	load(json, CC_ECONFIG, &err);
	cr_assert_str_eq(err.msg, msg, "for:  %s\ngot:  %s\nwant: %s", json,
	                 err.msg, msg);
}

static void
assert_defaults(const struct cfg *cfg)
{
	cr_assert_str_eq(cfg->slurm_partition, "");
	cr_assert_str_eq(cfg->slurm_pmi, "pmix");
	cr_assert_str_eq(cfg->slurm_time, "01:00:00");
	cr_assert_str_eq(cfg->slurm_batch_file, "clustcc.sbatch");
	cr_assert_str_eq(cfg->launch_file, "clustcc-launch.sh");
	cr_assert_eq(cfg->total_cpus, 0);
	cr_assert_str_eq(cfg->flux_exe, "flux");
	cr_assert_str_eq(cfg->spack_exe, "spack");
	cr_assert_str_eq(cfg->spack_toolchain, "clustcc");
	cr_assert_str_eq(cfg->mpirun_file, "clustcc-mpirun.sh");
	cr_assert_not_null(cfg->specs);
	cr_assert_null(cfg->specs[0]);
	cr_assert_eq(cfg->n_specs, 0);
	cr_assert_eq(cfg->num_workers, 1);
	cr_assert_eq(cfg->head_rank_cpus, 1);
	cr_assert_eq(cfg->head_rank_tasks, 0);
	cr_assert_eq(cfg->worker_rank_cpus, 1);
	cr_assert_eq(cfg->logging_level, LOG_LEVEL_WARNING);
	cr_assert_str_eq(cfg->logging_prefix, "");
	cr_assert_null(cfg->spack_env);
	cr_assert_str_eq(cfg->endpoint, "tcp://0.0.0.0:0");
	cr_assert_str_eq(cfg->advertise_host, "");
	cr_assert_eq(cfg->max_msg_bytes, (size_t)256 * 1024 * 1024);
	cr_assert_eq(cfg->compile_timeout_ms, 600000);
	cr_assert_eq(cfg->max_queued_jobs, 1024);
	cr_assert_str_eq(cfg->scratch_dir, "");
	cr_assert(cfg->exact_mode);
}

Test(cfg, missing_keys_get_defaults)
{
	struct cc_err err;
	struct cfg *cfg =
	        load("{\"port_file\": \"/shared/port\"}", CC_OK, &err);

	cr_assert_str_eq(cfg->path, "t.json");
	cr_assert_str_eq(cfg->port_file, "/shared/port");
	assert_defaults(cfg);
	cfg_free(cfg);
}

Test(cfg, every_key_is_read)
{
	struct cc_err err;
	struct cfg *cfg = load(
	        "{\"slurm_partition\": \"debug\", \"slurm_pmi\": \"pmi2\","
	        " \"slurm_time\": \"2:00:00\", \"slurm_batch_file\": \"b.sbatch\","
	        " \"launch_file\": \"l.sh\", \"total_cpus\": 16,"
	        " \"flux_exe\": \"/opt/flux\", \"spack_exe\": \"/opt/spack\","
	        " \"port_file\": \"/p\", \"specs\": [\"zlib\"], \"num_workers\": 3,"
	        " \"head_rank_cpus\": 2, \"head_rank_tasks\": 1,"
	        " \"worker_rank_cpus\": 4, \"logging_level\": \"debug\","
	        " \"logging_prefix\": \"/logs/cc\", \"spack_env\": \"/env\","
	        " \"endpoint\": \"ipc:///tmp/cc.sock\", \"advertise_host\": \"n01\","
	        " \"max_msg_bytes\": 65536, \"compile_timeout_ms\": 1000,"
	        " \"max_queued_jobs\": 7, \"scratch_dir\": \"/scratch\"}",
	        CC_OK, &err);

	cr_assert_str_eq(cfg->slurm_partition, "debug");
	cr_assert_str_eq(cfg->slurm_pmi, "pmi2");
	cr_assert_str_eq(cfg->slurm_time, "2:00:00");
	cr_assert_str_eq(cfg->slurm_batch_file, "b.sbatch");
	cr_assert_str_eq(cfg->launch_file, "l.sh");
	cr_assert_eq(cfg->total_cpus, 16);
	cr_assert_str_eq(cfg->flux_exe, "/opt/flux");
	cr_assert_str_eq(cfg->spack_exe, "/opt/spack");
	cr_assert_str_eq(cfg->port_file, "/p");
	cr_assert_eq(cfg->n_specs, 1);
	cr_assert_eq(cfg->num_workers, 3);
	cr_assert_eq(cfg->head_rank_cpus, 2);
	cr_assert_eq(cfg->head_rank_tasks, 1);
	cr_assert_eq(cfg->worker_rank_cpus, 4);
	cr_assert_eq(cfg->logging_level, LOG_LEVEL_DEBUG);
	cr_assert_str_eq(cfg->logging_prefix, "/logs/cc");
	cr_assert_str_eq(cfg->spack_env, "/env");
	cr_assert_str_eq(cfg->endpoint, "ipc:///tmp/cc.sock");
	cr_assert_str_eq(cfg->advertise_host, "n01");
	cr_assert_eq(cfg->max_msg_bytes, 65536);
	cr_assert_eq(cfg->compile_timeout_ms, 1000);
	cr_assert_eq(cfg->max_queued_jobs, 7);
	cr_assert_str_eq(cfg->scratch_dir, "/scratch");
	cfg_free(cfg);
}

/* ---- bad values: one row per kind, the exact message ------------------ */

/*
 * Criterion runs each test in a new process of this binary, so parameter
 * rows hold their strings, not pointers into the parent.
 */
struct bad_row {
	char member[192]; /* added after "port_file" */
	char msg[192];
};

ParameterizedTestParameters(cfg, bad_value_names_file_and_key)
{
	static struct bad_row rows[] = {
	        {"\"num_workers\": 1.5",
	         "config 't.json': key 'num_workers': expected an integer >= 0, got 1.5"},
	        {"\"num_workers\": \"3\"",
	         "config 't.json': key 'num_workers': expected an integer >= 0, got \"3\""},
	        {"\"num_workers\": 1e10",
	         "config 't.json': key 'num_workers': expected an integer >= 0, got 10000000000"},
	        {"\"head_rank_cpus\": true",
	         "config 't.json': key 'head_rank_cpus': expected an integer >= 1, got true"},
	        {"\"head_rank_tasks\": null",
	         "config 't.json': key 'head_rank_tasks': expected an integer >= 0, got null"},
	        {"\"worker_rank_cpus\": -2",
	         "config 't.json': key 'worker_rank_cpus': expected an integer >= 1, got -2"},
	        {"\"total_cpus\": -1",
	         "config 't.json': key 'total_cpus': expected an integer >= 0, got -1"},
	        {"\"total_cpus\": 2147483648",
	         "config 't.json': key 'total_cpus': expected an integer >= 0, got 2147483648"},
	        {"\"slurm_partition\": 5",
	         "config 't.json': key 'slurm_partition': expected a string, got 5"},
	        {"\"slurm_time\": false",
	         "config 't.json': key 'slurm_time': expected a string, got false"},
	        {"\"advertise_host\": [\"a\"]",
	         "config 't.json': key 'advertise_host': expected a string, got an array"},
	        {"\"scratch_dir\": {}",
	         "config 't.json': key 'scratch_dir': expected a string, got an object"},
	        {"\"flux_exe\": \"\"",
	         "config 't.json': key 'flux_exe': expected a non-empty string, got \"\""},
	        {"\"spack_exe\": null",
	         "config 't.json': key 'spack_exe': expected a non-empty string, got null"},
	        {"\"launch_file\": \"\"",
	         "config 't.json': key 'launch_file': expected a non-empty string, got \"\""},
	        {"\"spack_env\": \"\"",
	         "config 't.json': key 'spack_env': expected a non-empty string or null, got \"\""},
	        {"\"spack_env\": 1",
	         "config 't.json': key 'spack_env': expected a non-empty string or null, got 1"},
	        {"\"logging_level\": \"verbose\"",
	         "config 't.json': key 'logging_level': expected one of debug, info, warning, error, none, got \"verbose\""},
	        {"\"logging_level\": \"DEBUG\"",
	         "config 't.json': key 'logging_level': expected one of debug, info, warning, error, none, got \"DEBUG\""},
	        {"\"logging_level\": 0",
	         "config 't.json': key 'logging_level': expected one of debug, info, warning, error, none, got 0"},
	        {"\"max_msg_bytes\": 65535",
	         "config 't.json': key 'max_msg_bytes': expected an integer number of bytes between 65536 and 2147483647, got 65535"},
	        {"\"max_msg_bytes\": 2147483648",
	         "config 't.json': key 'max_msg_bytes': expected an integer number of bytes between 65536 and 2147483647, got 2147483648"},
	        {"\"max_msg_bytes\": \"1M\"",
	         "config 't.json': key 'max_msg_bytes': expected an integer number of bytes between 65536 and 2147483647, got \"1M\""},
	        {"\"compile_timeout_ms\": 999",
	         "config 't.json': key 'compile_timeout_ms': expected an integer number of milliseconds between 1000 and 604800000, got 999"},
	        {"\"compile_timeout_ms\": 1000.5",
	         "config 't.json': key 'compile_timeout_ms': expected an integer number of milliseconds between 1000 and 604800000, got 1000.5"},
	        {"\"max_queued_jobs\": 0",
	         "config 't.json': key 'max_queued_jobs': expected an integer between 1 and 65536, got 0"},
	        {"\"max_queued_jobs\": 65537",
	         "config 't.json': key 'max_queued_jobs': expected an integer between 1 and 65536, got 65537"},
	        {"\"endpoint\": \"http://h:1\"",
	         "config 't.json': key 'endpoint': expected a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>, got \"http://h:1\""},
	        {"\"endpoint\": \"tcp://host\"",
	         "config 't.json': key 'endpoint': expected a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>, got \"tcp://host\""},
	        {"\"endpoint\": \"tcp://host:65536\"",
	         "config 't.json': key 'endpoint': expected a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>, got \"tcp://host:65536\""},
	        {"\"endpoint\": \"tcp://host:1x\"",
	         "config 't.json': key 'endpoint': expected a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>, got \"tcp://host:1x\""},
	        {"\"endpoint\": \"ipc://\"",
	         "config 't.json': key 'endpoint': expected a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>, got \"ipc://\""},
	        {"\"endpoint\": \"ipc:///a/very/long/path/that/does/not/fit/in/sun_path/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\"",
	         "config 't.json': key 'endpoint': expected a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>, got \"ipc:///a/very/long/path/that/does/not/fit/in/sun...\""},
	        {"\"specs\": \"zlib hdf5\"",
	         "config 't.json': key 'specs': expected an array of non-empty strings, got \"zlib hdf5\""},
	        {"\"specs\": [\"zlib\", 3]",
	         "config 't.json': key 'specs[1]': expected a non-empty string, got 3"},
	        {"\"specs\": [\"\"]",
	         "config 't.json': key 'specs[0]': expected a non-empty string, got \"\""},
	        {"\"port_file\": \"\"",
	         "config 't.json': duplicate key 'port_file'"},
	};

	return cr_make_param_array(struct bad_row, rows,
	                           sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct bad_row *row, cfg, bad_value_names_file_and_key)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"port_file\": \"p\", %s}", row->member);
	expect_error(json, row->msg);
}

Test(cfg, empty_port_file_is_an_error)
{
	expect_error(
	        "{\"port_file\": \"\"}",
	        "config 't.json': key 'port_file': expected a non-empty string, got \"\"");
}

Test(cfg, control_characters_are_not_echoed)
{
	expect_error(
	        "{\"port_file\": \"p\", \"num_workers\": \"a\\nb\\u0007\"}",
	        "config 't.json': key 'num_workers': expected an integer >= 0, got \"a?b?\"");
}

/* ---- values at the edge of what is allowed ----------------------------- */

struct good_row {
	char member[64];
};

ParameterizedTestParameters(cfg, edge_value_is_accepted)
{
	static struct good_row rows[] = {
	        {"\"endpoint\": \"tcp://:0\""},
	        {"\"endpoint\": \"tcp://[::1]:65535\""},
	        {"\"endpoint\": \"tcp://node-01.cluster:5555\""},
	        {"\"endpoint\": \"ipc:///tmp/x\""},
	        {"\"max_msg_bytes\": 65536"},
	        {"\"max_msg_bytes\": 2147483647"},
	        {"\"compile_timeout_ms\": 604800000"},
	        {"\"max_queued_jobs\": 65536"},
	        {"\"num_workers\": 2.0"},
	        {"\"spack_env\": null"},
	        {"\"logging_level\": \"none\""},
	        {"\"logging_level\": \"info\""},
	        {"\"logging_level\": \"error\""},
	        {"\"specs\": []"},
	        {"\"slurm_partition\": \"\""},
	};

	return cr_make_param_array(struct good_row, rows,
	                           sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct good_row *row, cfg, edge_value_is_accepted)
{
	struct cc_err err;
	char json[256];

	snprintf(json, sizeof(json), "{\"port_file\": \"p\", %s}", row->member);
	cfg_free(load(json, CC_OK, &err));
}

Test(cfg, edge_values_are_stored)
{
	struct cc_err err;
	struct cfg *cfg =
	        load("{\"port_file\": \"p\", \"max_msg_bytes\": 2147483647,"
	             " \"compile_timeout_ms\": 604800000, \"num_workers\": 2.0,"
	             " \"logging_level\": \"none\", \"spack_env\": null}",
	             CC_OK, &err);

	cr_assert_eq(cfg->max_msg_bytes, (size_t)2147483647);
	cr_assert_eq(cfg->compile_timeout_ms, 604800000);
	cr_assert_eq(cfg->num_workers, 2);
	cr_assert_eq(cfg->logging_level, LOG_LEVEL_NONE);
	cr_assert_null(cfg->spack_env);
	cfg_free(cfg);
}

/* ---- keys ------------------------------------------------------------- */

Test(cfg, unknown_key_suggests_nearest)
{
	expect_error(
	        "{\"port_file\": \"p\", \"slurm_partiton\": \"x\"}",
	        "config 't.json': unknown key 'slurm_partiton', did you mean 'slurm_partition'?");
	expect_error(
	        "{\"port_file\": \"p\", \"Worker-Rank-CPUs\": 2}",
	        "config 't.json': unknown key 'Worker-Rank-CPUs', did you mean 'worker_rank_cpus'?");
	expect_error(
	        "{\"port_file\": \"p\", \"spec\": []}",
	        "config 't.json': unknown key 'spec', did you mean 'specs'?");
}

Test(cfg, unknown_key_far_from_all_gets_no_suggestion)
{
	expect_error("{\"port_file\": \"p\", \"compression\": \"zstd\"}",
	             "config 't.json': unknown key 'compression'");
	expect_error("{\"port_file\": \"p\", \"\": 1}",
	             "config 't.json': unknown key ''");
}

Test(cfg, duplicate_key_is_an_error)
{
	expect_error(
	        "{\"port_file\": \"p\", \"num_workers\": 1, \"num_workers\": 2}",
	        "config 't.json': duplicate key 'num_workers'");
}

Test(cfg, missing_port_file_is_an_error)
{
	expect_error("{}", "config 't.json': missing required key 'port_file'");
	expect_error("{\"num_workers\": 2}",
	             "config 't.json': missing required key 'port_file'");
}

Test(cfg, top_level_must_be_an_object)
{
	expect_error(
	        "[1, 2]",
	        "config 't.json': expected a JSON object at the top level, got an array");
	expect_error(
	        "\"port_file\"",
	        "config 't.json': expected a JSON object at the top level, got \"port_file\"");
	expect_error(
	        "null",
	        "config 't.json': expected a JSON object at the top level, got null");
}

/* ---- comments ---------------------------------------------------------- */

/* The original tool's README example, with its two missing commas added
 * and specs as an array (it had one space-separated string). */
static const char readme_example[] =
        "  {\n"
        "      \"slurm_partition\" : \"partition\", // name of slurm partition, \"\" if not using slurm\n"
        "      \"slurm_pmi\" : \"pmi2\", // slurm pmi implementation, \"\" if not using slurm\n"
        "      \"slurm_time\": \"1:00:00\", // time for slurm allocation, \"\" if not using slurm\n"
        "      \"slurm_batch_file\": \"clustcc.sbatch\", // generated slurm batch file, \"\" if not using slurm\n"
        "      \"launch_file\": \"launch.sh\", // generated flux launch file\n"
        "      \"total_cpus\": 2, // total cpus across whole allocation\n"
        "      \"flux_exe\": \"/path/to/flux\", // just flux if flux in PATH\n"
        "      \"spack_exe\": \"/path/to/spack/bin/spack\", // just spack if spack in PATH\n"
        "      \"spack_env\": \"/path/to/spack-mpi/env\",  // path to env root with spack.yaml\n"
        "      \"port_file\": \"/path/to/file/publishing/port.txt\", // head rank writes port name\n"
        "      // communication with this port, must be visible to all ranks (i.e. shared filesystem)\n"
        "      \"specs\": [\"zlib%clustcc\", \"hdf5%clustcc\"], // specs to be installed with clustcc\n"
        "      \"num_workers\": 1, // number of worker ranks\n"
        "      \"head_rank_cpus\": 1, // number of cpus allocated to the head rank\n"
        "      \"head_rank_tasks\": 1, // number of concurrent compilation tasks directly\n"
        "      // executed by the head rank\n"
        "      \"worker_rank_cpus\": 1,// number of cpus allocated to each worker rank\n"
        "      \"logging_level\": \"debug\", // acceptable values: none, debug, error, warning\n"
        "      \"logging_prefix\": \"/path/to/directory/where/logs/stored\"\n"
        "  }\n";

Test(cfg, original_tool_readme_example_loads)
{
	struct cc_err err;
	struct cfg *cfg = load(readme_example, CC_OK, &err);

	cr_assert_str_eq(cfg->slurm_partition, "partition");
	cr_assert_str_eq(cfg->slurm_pmi, "pmi2");
	cr_assert_str_eq(cfg->spack_env, "/path/to/spack-mpi/env");
	cr_assert_str_eq(cfg->port_file, "/path/to/file/publishing/port.txt");
	cr_assert_eq(cfg->n_specs, 2);
	cr_assert_str_eq(cfg->specs[1], "hdf5%clustcc");
	cr_assert_eq(cfg->head_rank_tasks, 1);
	cr_assert_eq(cfg->logging_level, LOG_LEVEL_DEBUG);
	cr_assert_str_eq(cfg->logging_prefix,
	                 "/path/to/directory/where/logs/stored");
	cfg_free(cfg);
}

Test(cfg, comment_markers_inside_strings_are_kept)
{
	struct cc_err err;
	struct cfg *cfg =
	        load("// leading comment\n"
	             "{\n"
	             "  \"endpoint\": \"tcp://host:1\", // the \"listen\" URL\n"
	             "  /* a block\n"
	             "     comment */ \"port_file\": \"/a//b/*c*/\",\n"
	             "  \"logging_prefix\": \"x\\\"//y\" /* escaped quote */\n"
	             "}\n"
	             "// trailing comment without newline",
	             CC_OK, &err);

	cr_assert_str_eq(cfg->endpoint, "tcp://host:1");
	cr_assert_str_eq(cfg->port_file, "/a//b/*c*/");
	cr_assert_str_eq(cfg->logging_prefix, "x\"//y");
	cfg_free(cfg);
}

/* ---- syntax errors ----------------------------------------------------- */

struct syntax_row {
	char json[128];
	char msg[64];
};

ParameterizedTestParameters(cfg, syntax_error_gives_line_and_column)
{
	static struct syntax_row rows[] = {
	        /* The comments before the error must not shift the position. */
	        {"{\n"
	         "  // a comment with \"quotes\" and /* stars */\n"
	         "  \"port_file\": \"p\", /* block */\n"
	         "  \"num_workers\" 2\n"
	         "}\n",
	         "config 't.json': line 4, column 17: JSON syntax error"},
	        /* The original README misses commas after some values. */
	        {"{\n"
	         "  \"port_file\": \"p\" // no comma\n"
	         "  \"num_workers\": 1\n"
	         "}\n",
	         "config 't.json': line 3, column 3: JSON syntax error"},
	        {"", "config 't.json': line 1, column 1: JSON syntax error"},
	        {"{\"port_file\": \"p\"} x",
	         "config 't.json': line 1, column 20: JSON syntax error"},
	        /* An unclosed block comment is not blanked: cJSON stops at it.
	         */
	        {"{\"port_file\": \"p\" /* never closed }",
	         "config 't.json': line 1, column 19: JSON syntax error"},
	        {"{\"port_file\": \"p\"\n / \"x\"}",
	         "config 't.json': line 2, column 2: JSON syntax error"},
	};

	return cr_make_param_array(struct syntax_row, rows,
	                           sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct syntax_row *row, cfg,
                  syntax_error_gives_line_and_column)
{
	expect_error(row->json, row->msg);
}

/* ---- cross-field rules ------------------------------------------------- */

Test(cfg, no_workers_needs_head_tasks)
{
	struct cc_err err;

	expect_error(
	        "{\"port_file\": \"p\", \"num_workers\": 0}",
	        "config 't.json': key 'head_rank_tasks': expected an integer >= 1 when num_workers is 0, got 0");
	cfg_free(load(
	        "{\"port_file\": \"p\", \"num_workers\": 0, \"head_rank_tasks\": 2}",
	        CC_OK, &err));
}

Test(cfg, total_cpus_must_cover_the_ranks)
{
	struct cc_err err;

	expect_error(
	        "{\"port_file\": \"p\", \"total_cpus\": 4, \"num_workers\": 2,"
	        " \"worker_rank_cpus\": 2}",
	        "config 't.json': key 'total_cpus': expected 0 or at least head_rank_cpus + num_workers * worker_rank_cpus = 5, got 4");
	cfg_free(load(
	        "{\"port_file\": \"p\", \"total_cpus\": 5, \"num_workers\": 2,"
	        " \"worker_rank_cpus\": 2}",
	        CC_OK, &err));
	/* No overflow with the largest values. */
	expect_error(
	        "{\"port_file\": \"p\", \"total_cpus\": 2147483647,"
	        " \"num_workers\": 2147483647, \"worker_rank_cpus\": 2147483647}",
	        "config 't.json': key 'total_cpus': expected 0 or at least head_rank_cpus + num_workers * worker_rank_cpus = 4611686014132420610, got 2147483647");
}

Test(cfg, allowed_compilers_must_be_absolute)
{
	struct cc_err err;
	struct cfg *cfg;

	expect_error(
	        "{\"port_file\": \"p\", \"allowed_compilers\": [\"/usr/bin/gcc\", \"gcc\"]}",
	        "config 't.json': key 'allowed_compilers[1]': expected an absolute path or pattern, got \"gcc\"");
	expect_error(
	        "{\"port_file\": \"p\", \"allowed_compilers\": \"/usr/bin/gcc\"}",
	        "config 't.json': key 'allowed_compilers': expected an array of non-empty strings, got \"/usr/bin/gcc\"");
	cfg = load("{\"port_file\": \"p\", \"allowed_compilers\":"
	           " [\"/usr/bin/gcc\", \"/opt/spack/*/bin/g++\"]}",
	           CC_OK, &err);
	cr_assert_eq(cfg->n_allowed_compilers, 2);
	cr_assert_str_eq(cfg->allowed_compilers[1], "/opt/spack/*/bin/g++");
	cfg_free(cfg);
	cfg = load("{\"port_file\": \"p\"}", CC_OK, &err);
	cr_assert_eq(cfg->n_allowed_compilers, 0, "default is not []");
	cr_assert_eq(cfg->max_jobs_per_connection, 16);
	cfg_free(cfg);
}

Test(cfg, tls_endpoint_needs_absolute_cert_and_key)
{
	struct cc_err err;
	struct cfg *cfg;

	expect_error(
	        "{\"port_file\": \"p\", \"endpoint\": \"tls+tcp://h:0\"}",
	        "config 't.json': key 'tls_cert_file': expected an absolute path when endpoint is tls+tcp://, got \"\"");
	expect_error(
	        "{\"port_file\": \"p\", \"endpoint\": \"tls+tcp://h:0\","
	        " \"tls_cert_file\": \"/c.pem\", \"tls_key_file\": \"k.pem\"}",
	        "config 't.json': key 'tls_key_file': expected an absolute path when endpoint is tls+tcp://, got \"k.pem\"");
	expect_error(
	        "{\"port_file\": \"p\", \"tls_cert_file\": \"/c.pem\"}",
	        "config 't.json': key 'tls_cert_file': set, but endpoint 'tcp://0.0.0.0:0' is not tls+tcp://");
	expect_error(
	        "{\"port_file\": \"p\", \"endpoint\": \"tls+tcp://h\"}",
	        "config 't.json': key 'endpoint': expected a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>, got \"tls+tcp://h\"");
	cfg = load(
	        "{\"port_file\": \"p\", \"endpoint\": \"tls+tcp://h:0\","
	        " \"tls_cert_file\": \"/c.pem\", \"tls_key_file\": \"/k.pem\"}",
	        CC_OK, &err);
	cr_assert_str_eq(cfg->tls_key_file, "/k.pem");
	cfg_free(cfg);
}

Test(cfg, max_jobs_per_connection_is_bounded)
{
	expect_error(
	        "{\"port_file\": \"p\", \"max_jobs_per_connection\": 0}",
	        "config 't.json': key 'max_jobs_per_connection': expected an integer between 1 and 65536, got 0");
}

/* ---- specs ------------------------------------------------------------- */

Test(cfg, specs_array_is_parsed)
{
	struct cc_err err;
	struct cfg *cfg =
	        load("{\"port_file\": \"p\", \"specs\": [\"zlib%clustcc\","
	             " \"hdf5 +mpi ^mpich\", \"cmake@3.27\"]}",
	             CC_OK, &err);

	cr_assert_eq(cfg->n_specs, 3);
	cr_assert_str_eq(cfg->specs[0], "zlib%clustcc");
	cr_assert_str_eq(cfg->specs[1], "hdf5 +mpi ^mpich");
	cr_assert_str_eq(cfg->specs[2], "cmake@3.27");
	cr_assert_null(cfg->specs[3]);
	cfg_free(cfg);
}

/* ---- files ------------------------------------------------------------- */

struct tmp {
	char *dir;
	char path[128];
};

static void
tmp_make(struct tmp *t)
{
	t->dir = tu_tmpdir_new("cfg");
	tu_path(t->path, sizeof(t->path), t->dir, "cfg.json");
}

static void
tmp_remove(struct tmp *t)
{
	tu_tmpdir_free(t->dir);
}

Test(cfg, skeleton_loads_back_and_is_not_overwritten)
{
	struct cc_err err;
	struct cfg *cfg = NULL;
	struct tmp t;
	char want[256];

	tmp_make(&t);
	cr_assert_eq(cfg_write_skeleton(t.path, &err), CC_OK, "%s", err.msg);
	cr_assert_eq(cfg_load_file(t.path, &cfg, &err), CC_OK, "%s", err.msg);
	cr_assert_str_eq(cfg->path, t.path);
	cr_assert_str_eq(cfg->port_file, "clustcc.port");
	assert_defaults(cfg);
	cfg_free(cfg);

	cr_assert_eq(cfg_write_skeleton(t.path, &err), CC_EEXIST);
	snprintf(want, sizeof(want),
	         "config '%s': already exists, not overwriting it", t.path);
	cr_assert_str_eq(err.msg, want);
	tmp_remove(&t);
}

Test(cfg, skeleton_has_every_key_with_help)
{
	struct cc_err err;
	struct tmp t;
	char *text;
	char quoted[64];

	tmp_make(&t);
	cr_assert_eq(cfg_write_skeleton(t.path, &err), CC_OK, "%s", err.msg);
	text = tu_read_file(t.path, NULL);
	for (size_t i = 0; i < N_ALL_KEYS; i++) {
		const char *at, *prev;

		snprintf(quoted, sizeof(quoted), "\t\"%s\": ", all_keys[i]);
		at = strstr(text, quoted);
		cr_assert_not_null(at, "key %s missing", all_keys[i]);
		/* The line above the key is a comment: "\t// (<type>)". */
		cr_assert(at - text > 4 && at[-1] == '\n');
		for (prev = at - 1; prev > text && prev[-1] != '\n'; prev--)
			;
		cr_assert_eq(strncmp(prev, "\t// (", 5), 0, "above %s: %.20s",
		             all_keys[i], prev);
	}
	free(text);
	tmp_remove(&t);
}

Test(cfg, missing_file_is_enoent_naming_it)
{
	struct cc_err err;
	struct cfg *cfg = NULL;

	cr_assert_eq(cfg_load_file("/nonexistent/dir/cfg.json", &cfg, &err),
	             CC_ENOENT);
	cr_assert_null(cfg);
	cr_assert_not_null(strstr(err.msg, "'/nonexistent/dir/cfg.json'"), "%s",
	                   err.msg);
}

Test(cfg, file_errors_name_the_file)
{
	static const char text[] =
	        "{\"port_file\": \"p\",\n \"nmu_workers\": 2}";
	struct cc_err err;
	struct cfg *cfg = NULL;
	struct tmp t;
	char want[256];

	tmp_make(&t);
	tu_write_file(t.path, text, sizeof(text) - 1);
	cr_assert_eq(cfg_load_file(t.path, &cfg, &err), CC_ECONFIG);
	snprintf(
	        want, sizeof(want),
	        "config '%s': unknown key 'nmu_workers', did you mean 'num_workers'?",
	        t.path);
	cr_assert_str_eq(err.msg, want);
	tmp_remove(&t);
}

Test(cfg, nul_byte_in_file_is_an_error)
{
	static const char text[] = "{\"port_file\": \"p\"}\n\0garbage";
	struct cc_err err;
	struct cfg *cfg = NULL;
	struct tmp t;
	char want[256];

	tmp_make(&t);
	tu_write_file(t.path, text, sizeof(text) - 1);
	cr_assert_eq(cfg_load_file(t.path, &cfg, &err), CC_ECONFIG);
	snprintf(want, sizeof(want),
	         "config '%s': line 2, column 1: NUL byte in the text", t.path);
	cr_assert_str_eq(err.msg, want);
	tmp_remove(&t);
}

Test(cfg, null_arguments_are_einval)
{
	struct cc_err err;
	struct cfg *cfg = NULL;

	cr_assert_eq(cfg_load_string("t.json", NULL, &cfg, &err), CC_EINVAL);
	cr_assert_eq(cfg_load_string(NULL, "{}", NULL, &err), CC_EINVAL);
	cr_assert_eq(cfg_load_file(NULL, &cfg, NULL), CC_EINVAL);
	cfg_free(NULL);
}

/* ---- reference and docs ------------------------------------------------ */

static char *
print_keys_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cfg_print_keys(f);
	cr_assert_eq(fclose(f), 0);
	return text;
}

Test(cfg, print_keys_lists_every_key_in_order)
{
	char *text = print_keys_text();
	size_t i = 0;

	/* Lines that do not start with a space or are empty are key names. */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == ' ')
			continue;
		cr_assert_lt(i, N_ALL_KEYS, "extra key %s", line);
		cr_assert_str_eq(line, all_keys[i]);
		i++;
	}
	cr_assert_eq(i, N_ALL_KEYS);
	free(text);
}

Test(cfg, print_keys_shows_type_default_and_help)
{
	char *text = print_keys_text();

	cr_assert_not_null(strstr(text, "worker_rank_cpus\n"
	                                "    an integer >= 1\n"
	                                "    default: 1\n"
	                                "    CPUs given to each worker rank"),
	                   "%s", text);
	cr_assert_not_null(strstr(text,
	                          "port_file\n"
	                          "    a non-empty string\n"
	                          "    required, e.g. \"clustcc.port\"\n"),
	                   "%s", text);
	free(text);
}

static char *
read_docs(void)
{
	return tu_read_file(TEST_DATA_DIR "/../../docs/config.md", NULL);
}

Test(cfg, docs_describe_every_key)
{
	char *docs = read_docs();
	char heading[64];

	for (size_t i = 0; i < N_ALL_KEYS; i++) {
		snprintf(heading, sizeof(heading), "\n### `%s`\n", all_keys[i]);
		cr_assert_not_null(strstr(docs, heading),
		                   "docs/config.md has no section for %s",
		                   all_keys[i]);
	}
	free(docs);
}

Test(cfg, docs_example_loads)
{
	char *docs = read_docs();
	char *start = strstr(docs, "```jsonc\n");
	char *end;
	struct cc_err err;
	struct cfg *cfg;

	cr_assert_not_null(start, "docs/config.md has no jsonc example");
	start += strlen("```jsonc\n");
	end = strstr(start, "\n```");
	cr_assert_not_null(end);
	*end = '\0';
	cfg = load(start, CC_OK, &err);
	cr_assert_gt(cfg->n_specs, 0);
	cfg_free(cfg);
	free(docs);
}

Test(cfg, exact_mode_is_a_json_boolean)
{
	struct cfg *cfg = NULL;
	struct cc_err err;

	cr_assert_eq(
	        cfg_load_string("t.json",
	                        "{\"port_file\": \"p\", \"exact_mode\": false}",
	                        &cfg, &err),
	        CC_OK, "%s", err.msg);
	cr_assert_not(cfg->exact_mode);
	cfg_free(cfg);
	cr_assert_eq(
	        cfg_load_string("t.json",
	                        "{\"port_file\": \"p\", \"exact_mode\": 1}",
	                        &cfg, &err),
	        CC_ECONFIG);
	cr_assert_str_eq(
	        err.msg,
	        "config 't.json': key 'exact_mode': expected true or false, got 1");
}
