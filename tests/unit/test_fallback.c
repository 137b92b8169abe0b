/*
 * test_fallback.c - every local-compile reason has a unique snake_case
 * name and a help text; an out-of-range reason is "unknown".
 */
#include "fallback.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <string.h>

/* [a-z][a-z0-9]*(_[a-z0-9]+)* */
static bool
is_snake_case(const char *s)
{
	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (const char *p = s; *p; p++) {
		bool lower = *p >= 'a' && *p <= 'z';
		bool digit = *p >= '0' && *p <= '9';

		if (*p == '_' && (p[1] == '_' || p[1] == '\0'))
			return false;
		if (!lower && !digit && *p != '_')
			return false;
	}
	return true;
}

Test(fallback, every_reason_has_a_snake_case_name)
{
	for (int r = 0; r < FALLBACK_REASON_COUNT; r++) {
		const char *name = fallback_reason_name(r);

		cr_assert_not_null(name, "reason %d", r);
		cr_assert(is_snake_case(name), "reason %d: '%s'", r, name);
		cr_assert_str_neq(name, "unknown", "reason %d", r);
	}
}

Test(fallback, names_are_unique)
{
	for (int r = 0; r < FALLBACK_REASON_COUNT; r++) {
		for (int o = 0; o < r; o++)
			cr_assert_str_neq(fallback_reason_name(r),
			                  fallback_reason_name(o),
			                  "reasons %d and %d share a name", o,
			                  r);
	}
}

Test(fallback, every_reason_has_a_help_text)
{
	for (int r = 0; r < FALLBACK_REASON_COUNT; r++) {
		const char *help = fallback_reason_help(r);

		cr_assert_not_null(help, "reason %d", r);
		cr_assert_gt(strlen(help), 5, "reason %d (%s): help '%s'", r,
		             fallback_reason_name(r), help);
		cr_assert_str_neq(help, "unknown reason", "reason %d", r);
	}
}

Test(fallback, known_names_are_stable)
{
	cr_assert_str_eq(fallback_reason_name(FALLBACK_NATIVE_ARCH),
	                 "native_arch");
	cr_assert_str_eq(fallback_reason_name(FALLBACK_REFUSED_DRAINING),
	                 "refused_draining");
	cr_assert_str_eq(fallback_reason_name(FALLBACK_INTERNAL), "internal");
}

Test(fallback, out_of_range_is_unknown)
{
	cr_assert_str_eq(fallback_reason_name(FALLBACK_REASON_COUNT),
	                 "unknown");
	cr_assert_str_eq(fallback_reason_name((enum fallback_reason) - 1),
	                 "unknown");
	cr_assert_str_eq(fallback_reason_name((enum fallback_reason)1000),
	                 "unknown");
	cr_assert_not_null(fallback_reason_help(FALLBACK_REASON_COUNT));
	cr_assert_not_null(fallback_reason_help((enum fallback_reason) - 1));
}

Test(fallback, compiles_and_links_take_a_local_slot_queries_do_not)
{
	cr_assert(fallback_takes_slot(FALLBACK_CONNECT_FAILED));
	cr_assert(fallback_takes_slot(FALLBACK_SERVER_UNRESPONSIVE));
	cr_assert(fallback_takes_slot(FALLBACK_NOT_COMPILE));
	cr_assert(fallback_takes_slot(FALLBACK_NATIVE_ARCH));
	cr_assert_not(fallback_takes_slot(FALLBACK_INFO_QUERY));
	cr_assert_not(fallback_takes_slot(FALLBACK_PREPROCESS_ONLY));
	cr_assert_not(fallback_takes_slot(FALLBACK_DEPS_ONLY));
	cr_assert_not(fallback_takes_slot(FALLBACK_DISABLED));
}
