/*
 * backoff.h - how long an idle rank sleeps between polls. Open MPI's
 * blocking calls spin a core, so the head and the workers poll and sleep
 * instead. After activity the sleep starts at 100 us and doubles up to
 * 0.5 ms; after 1 s without work it grows to 20 ms. The worst-case latency a
 * sleep adds to a job is therefore 0.5 ms in a busy build and 20 ms for the
 * first job after a pause; bench/idle_cpu.sh measures the idle CPU cost.
 * Plain data, one per loop.
 */
#ifndef CLUSTCC_SERVER_BACKOFF_H
#define CLUSTCC_SERVER_BACKOFF_H

#include <stdint.h>

struct backoff {
	long sleep_us;
	int64_t last_activity_ms;
};

/* Something happened: poll again soon. */
void backoff_reset(struct backoff *b);

/* The next sleep in microseconds (advances the backoff). */
long backoff_next_us(struct backoff *b);

/* Sleep for backoff_next_us(). */
void backoff_sleep(struct backoff *b);

#endif
