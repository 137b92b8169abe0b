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
 *   CC_ENNG      could not connect, complete the handshake within 3 s,
 *                or send (err->sys: nng error)
 *   CC_ETIMEDOUT no response in time
 *   CC_ETOOBIG   request over max_bytes
 *   CC_EPROTO / CC_EVERSION  undecodable response
 */
int rpc_call(const struct portfile *pf, Clustcc__Request *req,
             int64_t timeout_ms, size_t max_bytes, Clustcc__Response **resp,
             struct cc_err *err);

/* How a compile waits for its reply (rpc_call_watched). */
struct rpc_wait {
	int64_t timeout_ms; /* give up after this long: CC_ETIMEDOUT */
	int64_t ping_ms; /* ping the head this often while waiting; 0 never */
	bool *unresponsive; /* if not NULL: set true when a ping failed */
};

/* Default ping period; $CLUSTCC_PING_MS overrides (rpc_ping_interval_ms). */
#define RPC_PING_INTERVAL_MS 5000
/* A ping's connect, handshake and answer each get this long. */
#define RPC_PING_TIMEOUT_MS 2000

/*
 * rpc_call() for a compile, which may wait minutes: while it waits, every
 * wait->ping_ms a Ping on a second connection checks that the head still
 * answers (a SIGSTOPped head accepts connections and never replies). If a
 * ping fails, returns CC_ENNG with *wait->unresponsive set (the only
 * output written on failure); otherwise as rpc_call(). Single-threaded
 * caller; nng's threads signal the reply.
 */
int rpc_call_watched(const struct portfile *pf, Clustcc__Request *req,
                     const struct rpc_wait *wait, size_t max_bytes,
                     Clustcc__Response **resp, struct cc_err *err);

/*
 * The ping period: $CLUSTCC_PING_MS (milliseconds, 0 = no pings) or
 * RPC_PING_INTERVAL_MS; a malformed value is logged and ignored.
 */
int64_t rpc_ping_interval_ms(void);

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
