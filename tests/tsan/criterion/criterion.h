/*
 * criterion.h - a stand-in for <criterion/criterion.h> used only by the
 * TSan build (build-tsan). Criterion itself cannot start under TSan: its
 * shared "inheritable arena" is mapped at an address TSan owns, and every
 * test binary aborts before the first test (Snaipe/Criterion#274, still
 * open in 2.4.1). The threaded head modules' unit tests are compiled
 * unchanged against this header and tests/tsan/runner.c, which runs each
 * Test() in a forked child as Criterion does. Only the macros those test
 * files use are here; their optional message arguments are ignored (the
 * failing expression, file and line are printed instead).
 */
#ifndef CLUSTCC_TESTS_TSAN_CRITERION_H
#define CLUSTCC_TESTS_TSAN_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef void tsan_test_fn(void);

/* Called by each Test() before main(); the runner runs them in order. */
void tsan_register(const char *suite, const char *name, tsan_test_fn *fn);

/* A failed check: print it; an assertion also ends the test. */
void tsan_check_failed(const char *file, int line, const char *expr,
                       bool fatal);

#define Test(suite, name)                                                   \
	static void suite##_##name(void);                                   \
	__attribute__((constructor)) static void reg_##suite##_##name(void) \
	{                                                                   \
		tsan_register(#suite, #name, suite##_##name);               \
	}                                                                   \
	static void suite##_##name(void)

#define TSAN_CHECK(fatal, cond, expr) \
	((cond) ? (void)0 : tsan_check_failed(__FILE__, __LINE__, expr, fatal))

#define TSAN_1(a, ...)        (a)
#define TSAN_EQ(a, b, ...)    ((a) == (b))
#define TSAN_LT(a, b, ...)    ((a) < (b))
#define TSAN_GT(a, b, ...)    ((a) > (b))
#define TSAN_GEQ(a, b, ...)   ((a) >= (b))
#define TSAN_STREQ(a, b, ...) (strcmp((a), (b)) == 0)

#define cr_assert(...) TSAN_CHECK(true, TSAN_1(__VA_ARGS__, 0), #__VA_ARGS__)
#define cr_assert_not(...) \
	TSAN_CHECK(true, !TSAN_1(__VA_ARGS__, 0), #__VA_ARGS__)
#define cr_assert_null(...) \
	TSAN_CHECK(true, TSAN_1(__VA_ARGS__, 0) == NULL, #__VA_ARGS__)
#define cr_assert_not_null(...) \
	TSAN_CHECK(true, TSAN_1(__VA_ARGS__, 0) != NULL, #__VA_ARGS__)
#define cr_assert_eq(...) \
	TSAN_CHECK(true, TSAN_EQ(__VA_ARGS__, 0), #__VA_ARGS__)
#define cr_assert_lt(...) \
	TSAN_CHECK(true, TSAN_LT(__VA_ARGS__, 0), #__VA_ARGS__)
#define cr_assert_gt(...) \
	TSAN_CHECK(true, TSAN_GT(__VA_ARGS__, 0), #__VA_ARGS__)
#define cr_assert_geq(...) \
	TSAN_CHECK(true, TSAN_GEQ(__VA_ARGS__, 0), #__VA_ARGS__)
#define cr_assert_str_eq(...) \
	TSAN_CHECK(true, TSAN_STREQ(__VA_ARGS__, 0), #__VA_ARGS__)
#define cr_expect_eq(...) \
	TSAN_CHECK(false, TSAN_EQ(__VA_ARGS__, 0), #__VA_ARGS__)

#endif
