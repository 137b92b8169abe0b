/*
 * log.h - leveled logging, one event per line, one write(2) per line:
 *
 *   2026-06-01T12:00:00.123Z clustcc-server[4711] W3 WARN worker: job 812: ...
 *
 * The sink and level are process-wide (set once at start-up by main);
 * the macros are safe from any thread and check the level before
 * evaluating their arguments. Each .c file defines LOG_MODULE (a string)
 * before including this header; it names the module in every line.
 * Never call from a signal handler. Errors also go to stderr while the
 * sink is a file.
 */
#ifndef CLUSTCC_COMMON_LOG_H
#define CLUSTCC_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "ccerr.h"

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_NONE
};

#ifndef LOG_MODULE
#define LOG_MODULE "main"
#endif

/*
 * Set program name ("clustcc-server"), role tag ("H0", "W3", "C") and
 * level. Logs go to stderr until log_open_file() succeeds. Both strings
 * are copied.
 */
void log_init(const char *prog, const char *role, enum log_level level);

/* Change the role tag (after MPI tells the rank). */
void log_set_role(const char *role);

/* Change the level. */
void log_set_level(enum log_level level);

/*
 * Append to path (created 0644) instead of stderr from now on. Returns
 * CC_ESYS with err naming the file when it cannot be opened; logging then
 * stays on its current sink.
 */
int log_open_file(const char *path, struct cc_err *err);

/*
 * Log to this rank's file in directory dir (logging_prefix): "head.log"
 * for rank 0, "worker-N.log" for rank N. Creates dir (and its parents)
 * with mode 0755 when missing. Returns CC_ESYS or CC_EINVAL with err
 * naming the directory or file; logging then stays on its current sink.
 */
int log_open_rank_file(const char *dir, int rank, struct cc_err *err);

/* The file name log_open_rank_file() uses for rank ("worker-3.log"). */
void log_file_name(int rank, char *buf, size_t size);

/* Stop logging anywhere (clustcc-gcc without CLUSTCC_LOG). */
void log_disable(void);

/* True if a message at level would be written. */
bool log_enabled(enum log_level level);

/* Parse "debug|info|warning|error|none"; CC_EINVAL if unknown. */
int log_level_parse(const char *s, enum log_level *out);

/* Name of a level as in the config ("warning"). */
const char *log_level_name(enum log_level level);

void log_write(enum log_level level, const char *module, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define log_at_(lvl, ...)                                        \
	do {                                                     \
		if (log_enabled(lvl))                            \
			log_write(lvl, LOG_MODULE, __VA_ARGS__); \
	} while (0)
#define log_debug(...) log_at_(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_at_(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_at_(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_error(...) log_at_(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
