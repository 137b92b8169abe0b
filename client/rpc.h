/*
 * rpc.h - one request/response exchange with the head over nng REQ/REP,
 * with a deadline. Used by clustcc-gcc and clustcc-ctl. Single-threaded
 * callers; each call opens and closes its own socket.
 */
#ifndef CLUSTCC_CLIENT_RPC_H
#define CLUSTCC_CLIENT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccerr.h"
#include "codec.h"
#include "portfile.h"

/*
 * Send req to the head described by pf (the token and protocol version
 * are filled in here) and wait up to timeout_ms for the response.
 * On success *resp is the caller's (codec_free). Errors:
 *   CC_ENNG      could not connect or send (err->sys: nng error)
 *   CC_ETIMEDOUT no response in time
 *   CC_ETOOBIG   request over max_bytes
 *   CC_EPROTO / CC_EVERSION  undecodable response
 */
int rpc_call(const struct portfile *pf, Clustcc__Request *req,
             int64_t timeout_ms, size_t max_bytes, Clustcc__Response **resp,
             struct cc_err *err);

/*
 * Find the head: read the port file at path, or $CLUSTCC_PORT_FILE when
 * path is NULL. CC_ENOENT when neither names an existing file.
 */
int rpc_find_server(const char *path, struct portfile *pf, struct cc_err *err);

/*
 * A server that could not be reached is not tried again for
 * RPC_DOWN_SECONDS by any wrapper of this user on this node (a marker file
 * in $TMPDIR named for the server's token), so a build facing a stale port
 * file pays the connect timeout once, not once per compile.
 */
#define RPC_DOWN_SECONDS 30

/* True if pf's server was marked unreachable less than RPC_DOWN_SECONDS ago. */
bool rpc_server_down(const struct portfile *pf);

/* Mark pf's server unreachable (best effort: errors are ignored). */
void rpc_mark_down(const struct portfile *pf);

#endif
