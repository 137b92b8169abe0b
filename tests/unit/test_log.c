/*
 * test_log.c - level names and parsing, level filtering (including that
 * disabled macros do not evaluate their arguments), and the line format
 * written to a log file.
 */
#define LOG_MODULE "testmod"
#include "log.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *tmpdir;
static char logpath[4096];

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("log");
	tu_path(logpath, sizeof(logpath), tmpdir, "test.log");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(log, .init = setup, .fini = teardown);

Test(log, parse_accepts_every_documented_level)
{
	static const struct {
		const char *name;
		enum log_level level;
	} rows[] = {
	        {"debug", LOG_LEVEL_DEBUG},     {"info", LOG_LEVEL_INFO},
	        {"warning", LOG_LEVEL_WARNING}, {"error", LOG_LEVEL_ERROR},
	        {"none", LOG_LEVEL_NONE},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum log_level got = (enum log_level) - 1;

		cr_assert_eq(log_level_parse(rows[i].name, &got), CC_OK, "'%s'",
		             rows[i].name);
		cr_assert_eq(got, rows[i].level, "'%s'", rows[i].name);
		cr_assert_str_eq(log_level_name(rows[i].level), rows[i].name);
	}
}

Test(log, parse_rejects_unknown_and_leaves_out_alone)
{
	static const char *const bad[] = {"",      "Debug", "warn",
	                                  "info ", "err",   "WARNING"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum log_level got = LOG_LEVEL_ERROR;

		cr_assert_eq(log_level_parse(bad[i], &got), CC_EINVAL, "'%s'",
		             bad[i]);
		cr_assert_eq(got, LOG_LEVEL_ERROR);
	}
}

Test(log, name_of_out_of_range_level_is_question_mark)
{
	cr_assert_str_eq(log_level_name((enum log_level)99), "?");
	cr_assert_str_eq(log_level_name((enum log_level) - 1), "?");
}

Test(log, enabled_follows_level)
{
	log_set_level(LOG_LEVEL_WARNING);
	cr_assert(!log_enabled(LOG_LEVEL_DEBUG));
	cr_assert(!log_enabled(LOG_LEVEL_INFO));
	cr_assert(log_enabled(LOG_LEVEL_WARNING));
	cr_assert(log_enabled(LOG_LEVEL_ERROR));
	log_set_level(LOG_LEVEL_DEBUG);
	cr_assert(log_enabled(LOG_LEVEL_DEBUG));
	/* NONE is a threshold, never a level a message is written at. */
	cr_assert(!log_enabled(LOG_LEVEL_NONE));
	log_disable();
	cr_assert(!log_enabled(LOG_LEVEL_ERROR));
}

static int evaluated;

static int
side_effect(void)
{
	evaluated++;
	return 1;
}

Test(log, disabled_macro_does_not_evaluate_arguments)
{
	cr_assert_eq(log_open_file(logpath, NULL), CC_OK);
	log_init("clustcc-test", "C", LOG_LEVEL_WARNING);
	log_debug("x %d", side_effect());
	log_info("x %d", side_effect());
	cr_assert_eq(evaluated, 0);
	log_warn("x %d", side_effect());
	cr_assert_eq(evaluated, 1);
}

Test(log, line_in_file_has_documented_format)
{
	char pattern[512];
	regex_t re;
	char *data;
	int rc;

	log_init("clustcc-test", "W3", LOG_LEVEL_INFO);
	cr_assert_eq(log_open_file(logpath, NULL), CC_OK);
	log_warn("job %d: gcc exited with signal %d", 812, 9);
	log_debug("not written");
	log_set_role("H0");
	log_error("second");
	data = tu_read_file(logpath, NULL);
	snprintf(
	        pattern, sizeof(pattern),
	        "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
	        "clustcc-test\\[%ld\\] W3 WARN testmod: job 812: gcc exited with signal 9\n"
	        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z "
	        "clustcc-test\\[%ld\\] H0 ERROR testmod: second\n$",
	        (long)getpid(), (long)getpid());
	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&re, data, 0, NULL, 0);
	regfree(&re);
	cr_assert_eq(rc, 0, "line does not match the format:\n%s", data);
	free(data);
}

Test(log, info_line_uses_info_tag)
{
	char *data;

	log_init("p", "C", LOG_LEVEL_DEBUG);
	cr_assert_eq(log_open_file(logpath, NULL), CC_OK);
	log_info("a");
	log_debug("b");
	data = tu_read_file(logpath, NULL);
	cr_assert_not_null(strstr(data, " p["), "%s", data);
	cr_assert_not_null(strstr(data, "] C INFO testmod: a\n"), "%s", data);
	cr_assert_not_null(strstr(data, "] C DEBUG testmod: b\n"), "%s", data);
	free(data);
}

Test(log, overlong_message_is_cut_to_one_line)
{
	static char big[10000];
	char *data;
	size_t len;

	memset(big, 'z', sizeof(big) - 1);
	log_init("clustcc-test", "C", LOG_LEVEL_INFO);
	cr_assert_eq(log_open_file(logpath, NULL), CC_OK);
	log_info("%s", big);
	log_info("after");
	data = tu_read_file(logpath, NULL);
	len = strlen(data);
	cr_assert_gt(len, 4000);
	cr_assert_lt(len, 4200);
	cr_assert_not_null(strchr(data, '\n'));
	cr_assert_not_null(strstr(strchr(data, '\n') + 1, "testmod: after\n"),
	                   "second line missing");
	free(data);
}

Test(log, open_file_in_missing_dir_fails_and_names_path)
{
	char bad[4200];
	struct cc_err err;

	snprintf(bad, sizeof(bad), "%s/nosuch/x.log", tmpdir);
	cr_assert_eq(log_open_file(bad, &err), CC_ESYS);
	cr_assert_eq(err.sys, ENOENT);
	cr_assert_not_null(strstr(err.msg, bad), "msg: %s", err.msg);
}

Test(log, open_file_appends)
{
	char *data;

	tu_write_text(logpath, "earlier line\n");
	log_init("clustcc-test", "C", LOG_LEVEL_INFO);
	cr_assert_eq(log_open_file(logpath, NULL), CC_OK);
	log_info("later");
	data = tu_read_file(logpath, NULL);
	cr_assert_eq(strncmp(data, "earlier line\n", 13), 0, "%s", data);
	cr_assert_not_null(strstr(data, "testmod: later\n"));
	free(data);
}

Test(log, rank_file_names_are_head_and_worker_n)
{
	char name[32];

	log_file_name(0, name, sizeof(name));
	cr_assert_str_eq(name, "head.log");
	log_file_name(1, name, sizeof(name));
	cr_assert_str_eq(name, "worker-1.log");
	log_file_name(17, name, sizeof(name));
	cr_assert_str_eq(name, "worker-17.log");
}

Test(log, rank_file_creates_missing_directories_0755)
{
	char dir[4200], path[4300];
	struct stat st;
	char *data;

	snprintf(dir, sizeof(dir), "%s/a/b/logs", tmpdir);
	log_init("clustcc-test", "W2", LOG_LEVEL_INFO);
	cr_assert_eq(log_open_rank_file(dir, 2, NULL), CC_OK);
	log_info("job 5: src/x.c: ok");
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0755, "mode %o", st.st_mode & 0777);
	snprintf(path, sizeof(path), "%s/worker-2.log", dir);
	data = tu_read_file(path, NULL);
	cr_assert_not_null(
	        strstr(data, "] W2 INFO testmod: job 5: src/x.c: ok\n"), "%s",
	        data);
	free(data);
}

Test(log, rank_file_in_existing_directory_is_fine)
{
	char path[4300];
	char *data;

	log_init("clustcc-test", "H0", LOG_LEVEL_INFO);
	cr_assert_eq(log_open_rank_file(tmpdir, 0, NULL), CC_OK);
	log_warn("hello");
	snprintf(path, sizeof(path), "%s/head.log", tmpdir);
	data = tu_read_file(path, NULL);
	cr_assert_not_null(strstr(data, "H0 WARN testmod: hello\n"), "%s",
	                   data);
	free(data);
}

Test(log, rank_file_under_a_regular_file_fails_and_names_path)
{
	char file[4200], dir[4300];
	struct cc_err err;

	snprintf(file, sizeof(file), "%s/plain", tmpdir);
	tu_write_text(file, "not a directory\n");
	snprintf(dir, sizeof(dir), "%s/logs", file);
	cr_assert_eq(log_open_rank_file(dir, 0, &err), CC_ESYS);
	cr_assert_not_null(strstr(err.msg, "cannot create log directory"),
	                   "msg: %s", err.msg);
	cr_assert_not_null(strstr(err.msg, file), "msg: %s", err.msg);
	cr_assert_eq(err.sys, ENOTDIR);
}

Test(log, rank_file_that_is_a_file_fails)
{
	char file[4200];
	struct cc_err err;

	snprintf(file, sizeof(file), "%s/plain", tmpdir);
	tu_write_text(file, "x\n");
	cr_assert_neq(log_open_rank_file(file, 0, &err), CC_OK);
	cr_assert_not_null(strstr(err.msg, file), "msg: %s", err.msg);
}

static void
setup_redirect(void)
{
	setup();
	cr_redirect_stderr();
}

Test(log, errors_also_go_to_stderr_when_logging_to_a_file,
     .init = setup_redirect)
{
	char *data, err_text[4096];
	size_t n;

	log_init("clustcc-test", "W1", LOG_LEVEL_INFO);
	cr_assert_eq(log_open_file(logpath, NULL), CC_OK);
	log_warn("only in the file");
	log_error("in both");
	fflush(stderr);
	data = tu_read_file(logpath, NULL);
	cr_assert_not_null(strstr(data, "only in the file"));
	cr_assert_not_null(strstr(data, "W1 ERROR testmod: in both\n"));
	free(data);
	n = fread(err_text, 1, sizeof(err_text) - 1,
	          cr_get_redirected_stderr());
	err_text[n] = '\0';
	cr_assert_not_null(strstr(err_text, "W1 ERROR testmod: in both\n"),
	                   "stderr: %s", err_text);
	cr_assert_null(strstr(err_text, "only in the file"), "stderr: %s",
	               err_text);
}
