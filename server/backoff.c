/*
 * backoff.c - see backoff.h.
 */
#include "backoff.h"

#include <time.h>

#include "monotime.h"

#define BACKOFF_MIN_US        100
#define BACKOFF_BUSY_CAP_US   500
#define BACKOFF_IDLE_CAP_US   20000
#define BACKOFF_IDLE_AFTER_MS 1000

void
backoff_reset(struct backoff *b)
{
	b->sleep_us = BACKOFF_MIN_US;
	b->last_activity_ms = monotime_ms();
}

long
backoff_next_us(struct backoff *b)
{
	long cap = monotime_ms() - b->last_activity_ms > BACKOFF_IDLE_AFTER_MS
	                   ? BACKOFF_IDLE_CAP_US
	                   : BACKOFF_BUSY_CAP_US;
	long now = b->sleep_us < cap ? b->sleep_us : cap;

	b->sleep_us = now * 2 > cap ? cap : now * 2;
	return now;
}

void
backoff_sleep(struct backoff *b)
{
	long us = backoff_next_us(b);
	struct timespec nap = {us / 1000000, (us % 1000000) * 1000L};

	nanosleep(&nap, NULL);
}
