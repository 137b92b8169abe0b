/*
 * frontend.h - the head's nng REP endpoint: a pool of slots, each one
 * nng_ctx + nng_aio with at most one request in flight, so the number of
 * slots bounds the work in flight (nng's demo/async).
 *
 * aio callbacks (nng's threads) decode and check a request; refusals that
 * need no state (bad token, wrong version, malformed) are answered at
 * once, everything else becomes a struct job pushed to the jobq. The
 * dispatcher answers with frontend_reply() from the main thread. One
 * connection (nng pipe) holds at most cfg max_jobs_per_connection slots;
 * further requests on it are refused as busy. A tls+tcp:// endpoint
 * listens with cfg tls_cert_file/tls_key_file.
 */
#ifndef CLUSTCC_SERVER_FRONTEND_H
#define CLUSTCC_SERVER_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include "ccerr.h"
#include "cfg.h"
#include "codec.h"
#include "jobq.h"

struct frontend;
struct fe_slot;

/*
 * Listen on cfg->endpoint with n_slots contexts; requests must carry
 * token (borrowed, must outlive the frontend). On success *out is the
 * caller's and url (size bytes) holds the address clients should dial:
 * for tcp the advertised host and the bound port.
 */
int frontend_start(const struct cfg *cfg, struct jobq *q, const char *token,
                   int n_slots, struct frontend **out, char *url, size_t size,
                   struct cc_err *err);

/*
 * Send the packed Response buf (takes ownership) on job's slot, which then
 * waits for its next request. Main thread.
 */
void frontend_reply(struct frontend *fe, struct fe_slot *slot, uint8_t *buf,
                    size_t len);

/* Requests refused in the callbacks, by Clustcc__Refusal value. */
uint64_t frontend_refused(const struct frontend *fe, Clustcc__Refusal why);

/*
 * Bytes of requests received and of replies sent (started) since start,
 * counted on the wire side of the codec. Any thread.
 */
void frontend_bytes(const struct frontend *fe, uint64_t *in, uint64_t *out);

/*
 * Stop handing requests to the jobq: from now on the callbacks refuse
 * every request as draining themselves. Returns once no callback is still
 * about to push, so a jobq_pop_all() after this sees every request that
 * will ever be pushed (the dispatcher's last pass answers those). Main
 * thread.
 */
void frontend_close_intake(struct frontend *fe);

/*
 * Wait up to wait_ms until no reply is being sent and no request has come
 * for 200 ms (clients still dialing get their answer before the socket
 * closes). Main thread.
 */
void frontend_flush(struct frontend *fe, int64_t wait_ms);

/* Close the socket, stop every aio, free (NULL allowed). Main thread. */
void frontend_free(struct frontend *fe);

#endif
