/*
 * monotime.h - CLOCK_MONOTONIC in milliseconds and microseconds.
 */
#ifndef CLUSTCC_COMMON_MONOTIME_H
#define CLUSTCC_COMMON_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t
monotime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t
monotime_ms(void)
{
	return monotime_us() / 1000;
}

#endif
