/*
 * test_ccerr.c - filling struct cc_err, its return value, truncation, and
 * the code names.
 */
#include "ccerr.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

Test(ccerr, set_fills_code_and_message_and_returns_code)
{
	struct cc_err err;

	memset(&err, 0x5a, sizeof(err));
	cr_assert_eq(cc_err_set(&err, CC_ECONFIG, "config '%s': key '%s'",
	                        "/p/cfg.json", "slots"),
	             CC_ECONFIG);
	cr_assert_eq(err.code, CC_ECONFIG);
	cr_assert_eq(err.sys, 0);
	cr_assert_str_eq(err.msg, "config '/p/cfg.json': key 'slots'");
}

Test(ccerr, null_err_still_returns_code)
{
	cr_assert_eq(cc_err_set(NULL, CC_EPROTO, "x %d", 1), CC_EPROTO);
	cr_assert_eq(cc_err_sys(NULL, CC_ESYS, ENOENT, "y"), CC_ESYS);
	cc_err_clear(NULL);
}

Test(ccerr, sys_records_errno_and_appends_its_text)
{
	struct cc_err err;
	char want[256];

	snprintf(want, sizeof(want), "cannot open 'f': %s", strerror(EACCES));
	cr_assert_eq(cc_err_sys(&err, CC_ESYS, EACCES, "cannot open '%s'", "f"),
	             CC_ESYS);
	cr_assert_eq(err.code, CC_ESYS);
	cr_assert_eq(err.sys, EACCES);
	cr_assert_str_eq(err.msg, want);
}

Test(ccerr, long_message_is_truncated_and_terminated)
{
	static char big[3 * CC_ERR_MSG_MAX];
	struct cc_err err;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cc_err_set(&err, CC_EINVAL, "%s", big);
	cr_assert_eq(strlen(err.msg), CC_ERR_MSG_MAX - 1);
	cc_err_sys(&err, CC_ESYS, ENOENT, "%s", big);
	cr_assert_eq(strlen(err.msg), CC_ERR_MSG_MAX - 1);
	cr_assert_eq(err.sys, ENOENT);
}

Test(ccerr, clear_resets_everything)
{
	struct cc_err err;

	cc_err_sys(&err, CC_ESYS, EIO, "boom");
	cc_err_clear(&err);
	cr_assert_eq(err.code, CC_OK);
	cr_assert_eq(err.sys, 0);
	cr_assert_str_eq(err.msg, "");
}

Test(ccerr, every_code_has_a_distinct_name)
{
	for (int i = 0; i < CC_ERRC_COUNT; i++) {
		const char *a = cc_strerror(i);

		cr_assert_not_null(a);
		cr_assert_str_neq(a, "", "code %d has no name", i);
		cr_assert_str_neq(a, "EUNKNOWN", "code %d has no name", i);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(a, cc_strerror(j), "codes %d and %d",
			                  i, j);
	}
	cr_assert_str_eq(cc_strerror(CC_OK), "OK");
	cr_assert_str_eq(cc_strerror(CC_ETIMEDOUT), "ETIMEDOUT");
	cr_assert_str_eq(cc_strerror(CC_EINTERNAL), "EINTERNAL");
}

Test(ccerr, unknown_codes_are_named_eunknown)
{
	cr_assert_str_eq(cc_strerror(-1), "EUNKNOWN");
	cr_assert_str_eq(cc_strerror(CC_ERRC_COUNT), "EUNKNOWN");
	cr_assert_str_eq(cc_strerror(1 << 20), "EUNKNOWN");
}
