/*
 * ccerr.c - fills struct cc_err and names error codes. Stateless and
 * thread-safe: each caller owns its struct cc_err.
 */
#include "ccerr.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
        [CC_OK] = "OK",
        [CC_ENOMEM] = "ENOMEM",
        [CC_EINVAL] = "EINVAL",
        [CC_ECONFIG] = "ECONFIG",
        [CC_EPROTO] = "EPROTO",
        [CC_ETOOBIG] = "ETOOBIG",
        [CC_EVERSION] = "EVERSION",
        [CC_ETOKEN] = "ETOKEN",
        [CC_EDRAINING] = "EDRAINING",
        [CC_EBUSY] = "EBUSY",
        [CC_ETIMEDOUT] = "ETIMEDOUT",
        [CC_ESYS] = "ESYS",
        [CC_ENNG] = "ENNG",
        [CC_EMPI] = "EMPI",
        [CC_ENOENT] = "ENOENT",
        [CC_EEXIST] = "EEXIST",
        [CC_EINTERNAL] = "EINTERNAL",
};
static_assert(sizeof(names) / sizeof(names[0]) == CC_ERRC_COUNT,
              "every cc_errc has a name");

/* The attribute lets clang's -Wformat-nonliteral check our callers instead. */
static void vset(struct cc_err *err, int code, int sys, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static void
vset(struct cc_err *err, int code, int sys, const char *fmt, va_list ap)
{
	int n;

	err->code = code;
	err->sys = sys;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
}

int
cc_err_set(struct cc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int
cc_err_sys(struct cc_err *err, int code, int sys, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, sys, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(sys));
	return code;
}

void
cc_err_clear(struct cc_err *err)
{
	if (!err)
		return;
	err->code = CC_OK;
	err->sys = 0;
	err->msg[0] = '\0';
}

const char *
cc_strerror(int code)
{
	if (code < 0 || code >= CC_ERRC_COUNT)
		return "EUNKNOWN";
	return names[code];
}
