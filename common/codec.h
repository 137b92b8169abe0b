/*
 * codec.h - protobuf-c messages <-> bytes, with the checks every receiver
 * needs: size limit, decode, protocol version, token, and the shape of a
 * compile request. A malformed message yields a typed refusal, never a
 * crash.
 *
 * The generated types (Clustcc__Request, ...) are used directly by callers:
 * mirroring every message in hand-written structs would double the
 * protocol's code for no safety gain (docs/DESIGN.md, "Protocol").
 * Unpacked messages are freed with codec_free(); messages built with
 * ..._INIT point at memory owned elsewhere and are never passed to it.
 * Stateless, thread-safe.
 */
#ifndef CLUSTCC_COMMON_CODEC_H
#define CLUSTCC_COMMON_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "ccerr.h"
#include "clustcc.pb-c.h"

#define CODEC_PROTOCOL_VERSION 1u
#define CODEC_MAX_ARGS         4096
#define CODEC_MAX_ENV          64
/* One argument or env entry: Linux's MAX_ARG_STRLEN, the most exec takes. */
#define CODEC_MAX_ARG_BYTES (128 * 1024)
/* compiler path, cwd, source_name: PATH_MAX. */
#define CODEC_MAX_PATH_BYTES 4096

/*
 * Pack msg into a new malloc'd buffer (*buf is the caller's). CC_ETOOBIG if
 * the packed size exceeds max_bytes (0 = no limit).
 */
int codec_pack(const ProtobufCMessage *msg, size_t max_bytes, uint8_t **buf,
               size_t *len, struct cc_err *err);

/*
 * Decode and check a client request. On success *out is the caller's
 * (codec_free). On failure returns CC_ETOOBIG, CC_EPROTO, CC_EVERSION or
 * CC_ETOKEN, sets *refusal to the matching reason and err says why.
 * token == NULL skips the token check (tests).
 */
int codec_unpack_request(const uint8_t *buf, size_t len, size_t max_bytes,
                         const char *token, Clustcc__Request **out,
                         Clustcc__Refusal *refusal, struct cc_err *err);

/* Decode a server response; CC_EPROTO / CC_EVERSION / CC_ETOOBIG. */
int codec_unpack_response(const uint8_t *buf, size_t len, size_t max_bytes,
                          Clustcc__Response **out, struct cc_err *err);

/* Decode head->worker and worker->head messages (CC_EPROTO on garbage). */
int codec_unpack_worker_job(const uint8_t *buf, size_t len,
                            Clustcc__WorkerJob **out, struct cc_err *err);
int codec_unpack_worker_result(const uint8_t *buf, size_t len,
                               Clustcc__WorkerResult **out, struct cc_err *err);

/* Check the shape of a compile request (paths, language, counts). */
int codec_check_compile(const Clustcc__CompileRequest *c, struct cc_err *err);

/*
 * Pack a Response that refuses with reason and message. Returns CC_ENOMEM
 * only.
 */
int codec_pack_refusal(Clustcc__Refusal reason, const char *message,
                       uint8_t **buf, size_t *len);

/*
 * Pack the Response to a Ping (a liveness check: it carries nothing).
 * Returns CC_ENOMEM only.
 */
int codec_pack_pong(uint8_t **buf, size_t *len);

/* Stable lower-case name of a refusal, e.g. "draining". */
const char *codec_refusal_name(Clustcc__Refusal reason);

/* Free any message returned by a codec_unpack_*() (NULL allowed). */
void codec_free(void *msg);

#endif
