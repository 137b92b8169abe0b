/*
 * test_backoff.c - the poll sleep starts at 100 us, doubles, is capped at
 * 2 ms while work was recent and at 20 ms after a second of idleness, and
 * a reset brings it back to 100 us.
 */
#include "backoff.h"

#include <criterion/criterion.h>

#include "monotime.h"

Test(backoff, starts_at_100us_and_doubles_to_the_busy_cap)
{
	static const long want[] = {100, 200, 400, 500, 500, 500, 500};
	struct backoff b;

	backoff_reset(&b);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		long got = backoff_next_us(&b);

		cr_assert_eq(got, want[i], "sleep %zu: %ld us, want %ld us", i,
		             got, want[i]);
	}
}

Test(backoff, stays_capped_at_2ms_while_recently_active)
{
	struct backoff b;

	backoff_reset(&b);
	for (int i = 0; i < 1000; i++)
		cr_assert_leq(backoff_next_us(&b), 500);
	cr_assert_eq(backoff_next_us(&b), 500);
}

Test(backoff, reset_goes_back_to_100us)
{
	struct backoff b;

	backoff_reset(&b);
	for (int i = 0; i < 20; i++)
		(void)backoff_next_us(&b);
	backoff_reset(&b);
	cr_assert_eq(backoff_next_us(&b), 100);
	cr_assert_eq(backoff_next_us(&b), 200);
}

Test(backoff, grows_to_20ms_after_a_second_idle)
{
	struct backoff b;
	long last = 0;

	backoff_reset(&b);
	/* As if the last activity was 5 s ago. */
	b.last_activity_ms = monotime_ms() - 5000;
	for (int i = 0; i < 30; i++) {
		long got = backoff_next_us(&b);

		cr_assert_geq(got, last, "sleep shrank from %ld to %ld", last,
		              got);
		cr_assert_leq(got, 20000);
		last = got;
	}
	cr_assert_eq(last, 20000);
	/* Activity again: the busy cap applies at once after a reset. */
	backoff_reset(&b);
	cr_assert_eq(backoff_next_us(&b), 100);
}

Test(backoff, sleep_advances_the_backoff)
{
	struct backoff b;
	int64_t start;

	backoff_reset(&b);
	start = monotime_us();
	backoff_sleep(&b);
	cr_assert_geq(monotime_us() - start, 100);
	cr_assert_eq(backoff_next_us(&b), 200);
}
