/*
 * portfile.h - the file through which the head tells clients where it
 * listens and which token to present. Written atomically with mode 0600
 * (only the user who started the server can read the token); removed when
 * the server stops. Format: text lines "key value":
 *
 *   clustcc-portfile 1
 *   endpoint tcp://node12:45123
 *   token 64-hex-chars
 *   pid 4711
 *   tls_ca_file /shared/me/cert.pem     (only for a tls+tcp:// endpoint)
 *
 * Stateless, thread-safe.
 */
#ifndef CLUSTCC_COMMON_PORTFILE_H
#define CLUSTCC_COMMON_PORTFILE_H

#include <stdint.h>

#include "ccerr.h"

#define PORTFILE_TOKEN_HEX    64
#define PORTFILE_ENDPOINT_MAX 512
#define PORTFILE_PATH_MAX     4096

struct portfile {
	char endpoint[PORTFILE_ENDPOINT_MAX];
	char token[PORTFILE_TOKEN_HEX + 1];
	int64_t pid;
	/* The head's TLS certificate, the only one clients trust; "" = none.
	 * An absolute path without white space. */
	char tls_ca_file[PORTFILE_PATH_MAX];
};

/* Fill out with PORTFILE_TOKEN_HEX hex chars of getrandom() + NUL. */
int portfile_new_token(char out[PORTFILE_TOKEN_HEX + 1], struct cc_err *err);

/* Publish pf at path atomically, mode 0600. err names the file. */
int portfile_publish(const char *path, const struct portfile *pf,
                     struct cc_err *err);

/*
 * Read and validate path into *out. CC_ENOENT if it does not exist,
 * CC_EPROTO with err naming the file and line if it is malformed.
 */
int portfile_read(const char *path, struct portfile *out, struct cc_err *err);

/*
 * Remove path, but only if it still holds token (a newer server may have
 * replaced it). Missing file is success.
 */
int portfile_remove(const char *path, const char *token, struct cc_err *err);

#endif
