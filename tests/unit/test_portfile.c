/*
 * test_portfile.c - token generation, publish/read round trip, and every
 * way a port file on disk can be wrong: missing, empty, truncated,
 * garbage, wrong header, bad token, bad endpoint, bad pid.
 */
#include "portfile.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *tmpdir;
static char path[4096];

#define TOKEN_A \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define TOKEN_B \
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define GOOD_FILE                                                         \
	"clustcc-portfile 1\nendpoint tcp://node12:45123\ntoken " TOKEN_A \
	"\npid 4711\n"

static void
setup(void)
{
	tmpdir = tu_tmpdir_new("portfile");
	tu_path(path, sizeof(path), tmpdir, "port");
}

static void
teardown(void)
{
	tu_tmpdir_free(tmpdir);
}

TestSuite(portfile, .init = setup, .fini = teardown);

/* Write the port file under test. */
static void
put(const void *data, size_t len)
{
	tu_write_file(path, data, len);
}

static void
put_str(const char *s)
{
	tu_write_text(path, s);
}

static bool
exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* Read must fail with CC_EPROTO, name the file, and leave out alone. */
static void
assert_eproto(const char *why, const char *want_in_msg)
{
	struct portfile pf;
	struct portfile before;
	struct cc_err err;

	memset(&pf, 0x5a, sizeof(pf));
	before = pf;
	cr_assert_eq(portfile_read(path, &pf, &err), CC_EPROTO,
	             "%s: accepted or wrong code (%s)", why, err.msg);
	cr_assert_eq(err.code, CC_EPROTO);
	cr_assert_not_null(strstr(err.msg, path), "%s: msg '%s'", why, err.msg);
	if (want_in_msg)
		cr_assert_not_null(strstr(err.msg, want_in_msg),
		                   "%s: msg '%s' lacks '%s'", why, err.msg,
		                   want_in_msg);
	cr_assert_eq(memcmp(&pf, &before, sizeof(pf)), 0,
	             "%s: out written on failure", why);
}

static void
fill(struct portfile *pf, const char *endpoint, const char *token, int64_t pid)
{
	memset(pf, 0, sizeof(*pf));
	snprintf(pf->endpoint, sizeof(pf->endpoint), "%s", endpoint);
	snprintf(pf->token, sizeof(pf->token), "%s", token);
	pf->pid = pid;
}

Test(portfile, new_token_is_64_lowercase_hex_and_random)
{
	char a[PORTFILE_TOKEN_HEX + 1];
	char b[PORTFILE_TOKEN_HEX + 1];

	memset(a, 'X', sizeof(a));
	cr_assert_eq(portfile_new_token(a, NULL), CC_OK);
	cr_assert_eq(portfile_new_token(b, NULL), CC_OK);
	cr_assert_eq(strlen(a), PORTFILE_TOKEN_HEX);
	for (int i = 0; i < PORTFILE_TOKEN_HEX; i++)
		cr_assert(strchr("0123456789abcdef", a[i]) != NULL,
		          "char %d is '%c'", i, a[i]);
	cr_assert_str_neq(a, b);
}

Test(portfile, publish_then_read_round_trips)
{
	struct portfile pf;
	struct portfile got;

	fill(&pf, "ipc:///tmp/x/clustcc.sock", TOKEN_A, 4242);
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_OK);
	memset(&got, 0, sizeof(got));
	cr_assert_eq(portfile_read(path, &got, NULL), CC_OK);
	cr_assert_str_eq(got.endpoint, pf.endpoint);
	cr_assert_str_eq(got.token, TOKEN_A);
	cr_assert_eq(got.pid, 4242);
}

Test(portfile, publish_writes_documented_format)
{
	struct portfile pf;
	char *data;

	fill(&pf, "tcp://node12:45123", TOKEN_A, 4711);
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_OK);
	data = tu_read_file(path, NULL);
	cr_assert_str_eq(data, GOOD_FILE);
	free(data);
}

Test(portfile, publish_is_0600_whatever_the_umask)
{
	struct portfile pf;
	struct stat st;

	umask(0);
	fill(&pf, "tcp://h:1", TOKEN_A, 1);
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_OK);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %04o",
	             (unsigned)(st.st_mode & 07777));
}

Test(portfile, publish_refuses_invalid_contents)
{
	struct portfile pf;
	struct cc_err err;

	fill(&pf, "tcp://h:1\ntoken " TOKEN_B, TOKEN_A, 1);
	cr_assert_eq(portfile_publish(path, &pf, &err), CC_EINVAL);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	fill(&pf, "", TOKEN_A, 1);
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_EINVAL);
	fill(&pf, "tcp://h:1", "abc", 1);
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_EINVAL);
	fill(&pf, "tcp://h:1", TOKEN_A, 0);
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_EINVAL);
	cr_assert(!exists(path), "file written despite invalid contents");
}

Test(portfile, publish_into_missing_dir_names_file)
{
	struct portfile pf;
	struct cc_err err;

	tu_path(path, sizeof(path), tmpdir, "nosuch/port");
	fill(&pf, "tcp://h:1", TOKEN_A, 1);
	cr_assert_eq(portfile_publish(path, &pf, &err), CC_ESYS);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
}

Test(portfile, reads_documented_example)
{
	struct portfile got;

	put_str(GOOD_FILE);
	cr_assert_eq(portfile_read(path, &got, NULL), CC_OK);
	cr_assert_str_eq(got.endpoint, "tcp://node12:45123");
	cr_assert_str_eq(got.token, TOKEN_A);
	cr_assert_eq(got.pid, 4711);
}

Test(portfile, missing_final_newline_is_accepted)
{
	struct portfile got;

	put(GOOD_FILE, strlen(GOOD_FILE) - 1);
	cr_assert_eq(portfile_read(path, &got, NULL), CC_OK);
	cr_assert_eq(got.pid, 4711);
}

Test(portfile, unknown_keys_are_ignored)
{
	struct portfile got;

	put_str("clustcc-portfile 1\nhost node12\nendpoint tcp://n:1\n"
	        "features a b c\ntoken " TOKEN_B "\npid 9\nzzz 1\n");
	cr_assert_eq(portfile_read(path, &got, NULL), CC_OK);
	cr_assert_str_eq(got.endpoint, "tcp://n:1");
	cr_assert_str_eq(got.token, TOKEN_B);
	cr_assert_eq(got.pid, 9);
}

Test(portfile, missing_file_is_enoent)
{
	struct portfile got;
	struct cc_err err;

	cr_assert_eq(portfile_read(path, &got, &err), CC_ENOENT);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
}

Test(portfile, empty_file_is_eproto)
{
	put("", 0);
	assert_eproto("empty", NULL);
}

Test(portfile, wrong_header_is_eproto_at_line_1)
{
	put_str("clustcc-portfile 2\nendpoint tcp://n:1\ntoken " TOKEN_A
	        "\npid 1\n");
	assert_eproto("version 2", "line 1");
	put_str("clustcc-portfile 1 \nendpoint tcp://n:1\ntoken " TOKEN_A
	        "\npid 1\n");
	assert_eproto("trailing blank", "line 1");
	put_str("endpoint tcp://n:1\ntoken " TOKEN_A "\npid 1\n");
	assert_eproto("no header", "line 1");
}

/* Every cut before the pid's first digit loses something required. */
Test(portfile, every_truncation_is_eproto)
{
	const char *good = GOOD_FILE;
	size_t cut_max = (size_t)(strstr(good, "pid ") - good) + strlen("pid ");

	for (size_t cut = 0; cut <= cut_max; cut++) {
		char why[64];

		snprintf(why, sizeof(why), "cut at %zu", cut);
		put(good, cut);
		assert_eproto(why, NULL);
	}
}

Test(portfile, garbage_is_eproto)
{
	unsigned char junk[512];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)((i * 131 + 17) % 256);
	put(junk, sizeof(junk));
	assert_eproto("binary junk", NULL);
	/* A valid file with a NUL in the middle is not a valid file. */
	put(GOOD_FILE "\0extra", sizeof(GOOD_FILE "\0extra") - 1);
	assert_eproto("embedded NUL", "NUL");
}

Test(portfile, short_long_or_uppercase_token_is_eproto_at_its_line)
{
	put_str("clustcc-portfile 1\nendpoint tcp://n:1\ntoken "
	        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
	        "\npid 1\n");
	assert_eproto("63 hex", "line 3");
	put_str("clustcc-portfile 1\nendpoint tcp://n:1\ntoken " TOKEN_A
	        "0\npid 1\n");
	assert_eproto("65 hex", "line 3");
	put_str("clustcc-portfile 1\nendpoint tcp://n:1\ntoken "
	        "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	        "\npid 1\n");
	assert_eproto("uppercase", "line 3");
	put_str("clustcc-portfile 1\nendpoint tcp://n:1\ntoken " TOKEN_A
	        "\r\npid 1\n");
	assert_eproto("CRLF", "line 3");
}

Test(portfile, bad_endpoint_is_eproto)
{
	char buf[2048];
	char longep[PORTFILE_ENDPOINT_MAX + 1];

	put_str("clustcc-portfile 1\nendpoint \ntoken " TOKEN_A "\npid 1\n");
	assert_eproto("empty endpoint", "line 2");
	memset(longep, 'e', PORTFILE_ENDPOINT_MAX);
	longep[PORTFILE_ENDPOINT_MAX] = '\0';
	snprintf(buf, sizeof(buf),
	         "clustcc-portfile 1\nendpoint %s\ntoken %s\npid 1\n", longep,
	         TOKEN_A);
	put_str(buf);
	assert_eproto("endpoint of 512", "line 2");
	/* 511 characters is the most that fits with its NUL. */
	longep[PORTFILE_ENDPOINT_MAX - 1] = '\0';
	snprintf(buf, sizeof(buf),
	         "clustcc-portfile 1\nendpoint %s\ntoken %s\npid 1\n", longep,
	         TOKEN_A);
	put_str(buf);
	{
		struct portfile got;

		cr_assert_eq(portfile_read(path, &got, NULL), CC_OK);
		cr_assert_eq(strlen(got.endpoint), PORTFILE_ENDPOINT_MAX - 1);
	}
}

Test(portfile, bad_pid_is_eproto)
{
	static const char *const pids[] = {
	        "", "12x", "-5", " 5", "+5", "0", "99999999999999999999"};
	char buf[512];

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		snprintf(
		        buf, sizeof(buf),
		        "clustcc-portfile 1\nendpoint tcp://n:1\ntoken %s\npid %s\n",
		        TOKEN_A, pids[i]);
		put_str(buf);
		assert_eproto(pids[i], "line 4");
	}
}

Test(portfile, repeated_or_missing_key_is_eproto)
{
	put_str("clustcc-portfile 1\nendpoint tcp://n:1\nendpoint tcp://m:2\n"
	        "token " TOKEN_A "\npid 1\n");
	assert_eproto("repeated endpoint", "line 3");
	put_str("clustcc-portfile 1\nendpoint tcp://n:1\npid 1\n");
	assert_eproto("no token", "token");
	put_str("clustcc-portfile 1\nendpoint tcp://n:1\n\ntoken " TOKEN_A
	        "\npid 1\n");
	assert_eproto("blank line", "line 3");
}

Test(portfile, oversized_file_is_eproto)
{
	size_t n = 1 << 20;
	char *big = malloc(n);

	cr_assert_not_null(big);
	memset(big, 'a', n);
	memcpy(big, GOOD_FILE, strlen(GOOD_FILE));
	big[n - 1] = '\n';
	put(big, n);
	free(big);
	assert_eproto("1 MiB", NULL);
}

Test(portfile, remove_with_matching_token_deletes)
{
	put_str(GOOD_FILE);
	cr_assert_eq(portfile_remove(path, TOKEN_A, NULL), CC_OK);
	cr_assert(!exists(path));
}

Test(portfile, remove_with_other_token_keeps_file)
{
	struct cc_err err;

	put_str(GOOD_FILE);
	cr_assert_eq(portfile_remove(path, TOKEN_B, &err), CC_ETOKEN);
	cr_assert_not_null(strstr(err.msg, path), "msg: %s", err.msg);
	cr_assert(exists(path));
}

Test(portfile, remove_of_missing_file_succeeds)
{
	struct cc_err err;

	cr_assert_eq(portfile_remove(path, TOKEN_A, &err), CC_OK);
	cr_assert_eq(err.code, CC_OK);
}

Test(portfile, remove_of_malformed_file_keeps_it)
{
	put_str("clustcc-portfile 1\ntoken " TOKEN_A "\n");
	cr_assert_eq(portfile_remove(path, TOKEN_A, NULL), CC_EPROTO);
	cr_assert(exists(path));
}

Test(portfile, tls_ca_file_round_trips_and_is_optional)
{
	struct portfile pf;
	struct portfile got;
	char *data;

	fill(&pf, "tls+tcp://node12:45123", TOKEN_A, 4711);
	snprintf(pf.tls_ca_file, sizeof(pf.tls_ca_file), "/shared/me/c.pem");
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_OK);
	data = tu_read_file(path, NULL);
	cr_assert_not_null(strstr(data, "\ntls_ca_file /shared/me/c.pem\n"),
	                   "%s", data);
	free(data);
	memset(&got, 0x5a, sizeof(got));
	cr_assert_eq(portfile_read(path, &got, NULL), CC_OK);
	cr_assert_str_eq(got.tls_ca_file, "/shared/me/c.pem");
	/* Without TLS the line is absent and the field empty. */
	fill(&pf, "tcp://node12:45123", TOKEN_A, 4711);
	cr_assert_eq(portfile_publish(path, &pf, NULL), CC_OK);
	memset(&got, 0x5a, sizeof(got));
	cr_assert_eq(portfile_read(path, &got, NULL), CC_OK);
	cr_assert_str_eq(got.tls_ca_file, "");
}

Test(portfile, bad_tls_ca_file_is_refused)
{
	struct portfile pf;
	struct cc_err err;

	fill(&pf, "tls+tcp://n:1", TOKEN_A, 1);
	snprintf(pf.tls_ca_file, sizeof(pf.tls_ca_file), "rel/c.pem");
	cr_assert_eq(portfile_publish(path, &pf, &err), CC_EINVAL);
	cr_assert_not_null(strstr(err.msg, "tls_ca_file"), "%s", err.msg);
	put_str("clustcc-portfile 1\nendpoint tls+tcp://n:1\ntoken " TOKEN_A
	        "\npid 1\ntls_ca_file rel/c.pem\n");
	assert_eproto("relative tls_ca_file", "line 5");
	put_str("clustcc-portfile 1\nendpoint tls+tcp://n:1\ntoken " TOKEN_A
	        "\npid 1\ntls_ca_file /a\ntls_ca_file /b\n");
	assert_eproto("repeated tls_ca_file", "repeated");
}
