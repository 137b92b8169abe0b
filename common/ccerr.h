/*
 * ccerr.h - error codes and the error report every user-facing call fills.
 *
 * A function that can fail returns 0 (CC_OK) or an enum cc_errc code and,
 * when it faces a user (config, argv, files, network), fills a
 * struct cc_err whose message names the file, key or argument at fault.
 */
#ifndef CLUSTCC_COMMON_CCERR_H
#define CLUSTCC_COMMON_CCERR_H

#include <stddef.h>

enum cc_errc {
	CC_OK = 0,
	CC_ENOMEM,
	CC_EINVAL,
	CC_ECONFIG,
	CC_EPROTO,
	CC_ETOOBIG,
	CC_EVERSION,
	CC_ETOKEN,
	CC_EDRAINING,
	CC_EBUSY,
	CC_ETIMEDOUT,
	CC_ESYS,
	CC_ENNG,
	CC_EMPI,
	CC_ENOENT,
	CC_EEXIST,
	CC_EINTERNAL,
	CC_ERRC_COUNT
};

#define CC_ERR_MSG_MAX 1024

struct cc_err {
	int code;                 /* enum cc_errc */
	int sys;                  /* errno, nng or MPI code; 0 if none */
	char msg[CC_ERR_MSG_MAX]; /* full message, lower-case, no final stop */
};

/*
 * Fill err (NULL allowed) with code and a printf-style message, and return
 * code, so callers write `return cc_err_set(err, CC_EINVAL, "...")`.
 */
int cc_err_set(struct cc_err *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * Like cc_err_set() and also record the errno value sys, appending
 * ": <strerror(sys)>" to the message.
 */
int cc_err_sys(struct cc_err *err, int code, int sys, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Reset err to "no error" (NULL allowed). */
void cc_err_clear(struct cc_err *err);

/* Short constant name of a code, e.g. "EINVAL"; never NULL. */
const char *cc_strerror(int code);

#endif
