/*
 * frontend.c - nng REP contexts and their callbacks.
 *
 * Slot state machine (one nng_aio per slot, one callback for both
 * directions):  RECV --request--> WAIT (job in the dispatcher)
 *               WAIT --frontend_reply--> SEND --sent--> RECV
 *               RECV --bad request--> SEND (refusal) --sent--> RECV
 * A callback never blocks: it only decodes, pushes a job or starts a send
 * (nng: aio callbacks "must not perform any blocking operations").
 * Closed and cancelled results are normal at shutdown and end the slot.
 *
 * Per-connection bound: a raw client can pipeline many requests over one
 * pipe (several REQ contexts on one socket). A slot records the pipe of
 * the request it holds until its reply is sent; a request whose pipe
 * already holds max_jobs_per_connection slots is refused as busy, so one
 * connection cannot take every slot. Claiming counts the slots under
 * pipe_lock (held for that scan only, never across an nng call).
 */
#define LOG_MODULE "frontend"
#include "frontend.h"

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "monotime.h"

#define REFUSAL_KINDS     16
#define RECV_SLACK_BYTES  ((size_t)1 << 20)
#define PEM_MAX_BYTES     ((size_t)1 << 20)
#define FLUSH_QUIET_MS    200
#define SUSPECT_LOG_FIRST 10
#define SUSPECT_LOG_EVERY 1000

enum slot_state { SLOT_RECV, SLOT_WAIT, SLOT_SEND };

struct fe_slot {
	struct frontend *fe;
	nng_ctx ctx;
	nng_aio *aio;
	enum slot_state state; /* written by whoever owns the slot's turn */
	_Atomic int pipe;      /* nng pipe id of the request held; 0 = none */
};

struct frontend {
	nng_socket sock;
	nng_listener listener;
	struct jobq *q;
	const char *token;
	size_t max_msg_bytes;
	int max_per_pipe; /* cfg max_jobs_per_connection */
	pthread_mutex_t pipe_lock;
	struct fe_slot *slots;
	int n_slots;
	_Atomic uint64_t next_job_id;
	_Atomic int sending;
	/*
	 * Intake closed (frontend_close_intake): callbacks refuse instead of
	 * pushing. pushing counts callbacks between that check and their
	 * jobq_push(), so the closer can wait for them (seq_cst: either the
	 * callback sees closed, or the closer sees it pushing).
	 */
	_Atomic bool closed;
	_Atomic int pushing;
	_Atomic int64_t last_request_ms; /* for frontend_flush() */
	_Atomic uint64_t refused[REFUSAL_KINDS];
	/* Request bytes received, reply bytes handed to nng (status). */
	_Atomic uint64_t bytes_in, bytes_out;
};

static void slot_cb(void *arg);

static void
arm_recv(struct fe_slot *s)
{
	atomic_store(&s->pipe, 0);
	s->state = SLOT_RECV;
	nng_ctx_recv(s->ctx, s->aio);
}

static void
send_bytes(struct fe_slot *s, uint8_t *buf, size_t len)
{
	nng_msg *msg = NULL;

	if (nng_msg_alloc(&msg, len) != 0) {
		free(buf);
		log_error("out of memory for a %zu-byte reply", len);
		arm_recv(s); /* the client times out and compiles locally */
		return;
	}
	memcpy(nng_msg_body(msg), buf, len);
	free(buf);
	atomic_fetch_add(&s->fe->bytes_out, (uint64_t)len);
	s->state = SLOT_SEND;
	atomic_fetch_add(&s->fe->sending, 1);
	nng_aio_set_msg(s->aio, msg);
	nng_ctx_send(s->ctx, s->aio);
}

static void
refuse(struct fe_slot *s, Clustcc__Refusal why, const char *text)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if ((unsigned)why < REFUSAL_KINDS)
		atomic_fetch_add(&s->fe->refused[why], 1);
	log_info("refused request: %s: %s", codec_refusal_name(why), text);
	if (codec_pack_refusal(why, text, &buf, &len) != CC_OK) {
		arm_recv(s);
		return;
	}
	send_bytes(s, buf, len);
}

/* "1.2.3.4:5678", "[::1]:5678" or "an ipc peer" (tls+tcp is tcp here). */
static void
format_peer(nng_msg *msg, char *out, size_t size)
{
	nng_sockaddr sa;
	char ip[INET6_ADDRSTRLEN];

	snprintf(out, size, "an unknown peer");
	if (nng_pipe_get_addr(nng_msg_get_pipe(msg), NNG_OPT_REMADDR, &sa) != 0)
		return;
	if (sa.s_family == NNG_AF_INET &&
	    inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof(ip)))
		snprintf(out, size, "%s:%u", ip, ntohs(sa.s_in.sa_port));
	else if (sa.s_family == NNG_AF_INET6 &&
	         inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof(ip)))
		snprintf(out, size, "[%s]:%u", ip, ntohs(sa.s_in6.sa_port));
	else if (sa.s_family == NNG_AF_IPC)
		snprintf(out, size, "an ipc peer");
}

/*
 * A request that fails the codec's checks (wrong token or version,
 * malformed, too big) is a misconfigured client or an attack: warn with
 * the peer's address, the first few times of each kind and then every
 * 1000th, so that a flood cannot fill the log's disk.
 */
static void
warn_rejected(struct frontend *fe, nng_msg *msg, Clustcc__Refusal why,
              const char *text)
{
	uint64_t n = frontend_refused(fe, why) + 1;
	char peer[INET6_ADDRSTRLEN + 16];

	if (n > SUSPECT_LOG_FIRST && n % SUSPECT_LOG_EVERY != 0)
		return;
	format_peer(msg, peer, sizeof(peer));
	log_warn("refused a request from %s: %s: %s (%llu of this kind so far)",
	         peer, codec_refusal_name(why), text, (unsigned long long)n);
}

/* Hold pipe on s unless that pipe already holds max_per_pipe slots. */
static bool
claim_pipe(struct fe_slot *s, int pipe)
{
	struct frontend *fe = s->fe;
	int held = 0;

	if (pipe <= 0)
		return true; /* no pipe known: nothing to count against */
	pthread_mutex_lock(&fe->pipe_lock);
	for (int i = 0; i < fe->n_slots; i++)
		held += atomic_load(&fe->slots[i].pipe) == pipe;
	if (held < fe->max_per_pipe)
		atomic_store(&s->pipe, pipe);
	pthread_mutex_unlock(&fe->pipe_lock);
	return held < fe->max_per_pipe;
}

/*
 * A liveness ping is answered here, not by the dispatcher: it asks "is the
 * head's process running and its frontend serving?", and must not wait
 * behind compiles (a client pings while its own compile is queued).
 */
static void
answer_ping(struct fe_slot *s)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (codec_pack_pong(&buf, &len) != CC_OK) {
		arm_recv(s); /* the client's ping times out */
		return;
	}
	send_bytes(s, buf, len);
}

static void
on_request(struct fe_slot *s, nng_msg *msg)
{
	struct frontend *fe = s->fe;
	Clustcc__Refusal why = CLUSTCC__REFUSAL__REFUSAL_NONE;
	Clustcc__Request *req = NULL;
	int pipe = nng_pipe_id(nng_msg_get_pipe(msg));
	struct job *job;
	struct cc_err err;
	char text[128];

	atomic_fetch_add(&fe->bytes_in, (uint64_t)nng_msg_len(msg));
	if (codec_unpack_request(nng_msg_body(msg), nng_msg_len(msg),
	                         fe->max_msg_bytes, fe->token, &req, &why,
	                         &err) != CC_OK) {
		warn_rejected(fe, msg, why, err.msg);
		nng_msg_free(msg);
		refuse(s, why, err.msg);
		return;
	}
	nng_msg_free(msg);
	if (req->body_case == CLUSTCC__REQUEST__BODY_PING) {
		codec_free(req);
		answer_ping(s);
		return;
	}
	if (!claim_pipe(s, pipe)) {
		codec_free(req);
		snprintf(
		        text, sizeof(text),
		        "this connection already has %d requests in flight (max_jobs_per_connection)",
		        fe->max_per_pipe);
		refuse(s, CLUSTCC__REFUSAL__REFUSAL_BUSY, text);
		return;
	}
	atomic_fetch_add(&fe->pushing, 1);
	if (atomic_load(&fe->closed)) {
		atomic_fetch_sub(&fe->pushing, 1);
		codec_free(req);
		refuse(s, CLUSTCC__REFUSAL__REFUSAL_DRAINING,
		       "server is shutting down");
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		atomic_fetch_sub(&fe->pushing, 1);
		codec_free(req);
		refuse(s, CLUSTCC__REFUSAL__REFUSAL_INTERNAL, "out of memory");
		return;
	}
	job->id = atomic_fetch_add(&fe->next_job_id, 1);
	job->req = req;
	job->slot = s;
	job->rank = -1;
	job->received_ms = monotime_ms();
	if (req->body_case == CLUSTCC__REQUEST__BODY_COMPILE)
		log_debug("job %llu: %s: received (%zu bytes of source)",
		          (unsigned long long)job->id,
		          req->compile->source_name, req->compile->source.len);
	s->state = SLOT_WAIT;
	jobq_push(fe->q, job);
	atomic_fetch_sub(&fe->pushing, 1);
}

static void
slot_cb(void *arg)
{
	struct fe_slot *s = arg;
	int rv = nng_aio_result(s->aio);

	if (s->state == SLOT_SEND) {
		atomic_fetch_sub(&s->fe->sending, 1);
		if (rv != 0) {
			/* A failed send leaves the message with us. */
			nng_msg_free(nng_aio_get_msg(s->aio));
		}
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		arm_recv(s);
		return;
	}
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
		return;
	if (rv != 0) {
		log_warn("receive failed: %s", nng_strerror(rv));
		arm_recv(s);
		return;
	}
	atomic_store(&s->fe->last_request_ms, monotime_ms());
	on_request(s, nng_aio_get_msg(s->aio));
}

static int
nng_fail(struct cc_err *err, int rv, const char *what, const char *url)
{
	cc_err_set(err, CC_ENNG, "%s '%s': %s", what, url, nng_strerror(rv));
	if (err)
		err->sys = rv;
	return CC_ENNG;
}

static bool
is_tls(const char *url)
{
	return strncmp(url, "tls+tcp://", 10) == 0;
}

/* Give the listener the certificate and key of cfg (tls+tcp only). */
static int
setup_tls(struct frontend *fe, const struct cfg *cfg, struct cc_err *err)
{
	nng_tls_config *tls = NULL;
	char *cert = NULL, *key = NULL;
	size_t len;
	int rv, rc;

	rc = fileio_read_all(cfg->tls_cert_file, PEM_MAX_BYTES, &cert, &len,
	                     err);
	if (rc == CC_OK)
		rc = fileio_read_all(cfg->tls_key_file, PEM_MAX_BYTES, &key,
		                     &len, err);
	if (rc != CC_OK)
		goto out;
	rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_SERVER);
	if (rv == 0)
		rv = nng_tls_config_own_cert(tls, cert, key, NULL);
	if (rv == 0)
		rv = nng_listener_set_ptr(fe->listener, NNG_OPT_TLS_CONFIG,
		                          tls);
	if (rv != 0)
		rc = cc_err_set(
		        err, CC_ENNG,
		        "tls_cert_file '%s' and tls_key_file '%s': cannot use them: %s",
		        cfg->tls_cert_file, cfg->tls_key_file,
		        nng_strerror(rv));
out:
	if (tls)
		nng_tls_config_free(tls); /* the listener holds its own */
	if (key)
		memset(key, 0, strlen(key));
	free(cert);
	free(key);
	return rc;
}

static int
listen_on(struct frontend *fe, const struct cfg *cfg, struct cc_err *err)
{
	int rv, rc;

	if ((rv = nng_rep0_open(&fe->sock)) != 0)
		return nng_fail(err, rv, "cannot open socket for",
		                cfg->endpoint);
	/*
	 * nng drops (without a reply) what exceeds its limit; leave room
	 * above ours so a request a little too big gets a typed refusal
	 * from codec_unpack_request(), while a huge one still costs no memory.
	 */
	rv = nng_socket_set_size(fe->sock, NNG_OPT_RECVMAXSZ,
	                         cfg->max_msg_bytes + RECV_SLACK_BYTES);
	if (rv == 0)
		rv = nng_listener_create(&fe->listener, fe->sock,
		                         cfg->endpoint);
	if (rv == 0 && is_tls(cfg->endpoint) &&
	    (rc = setup_tls(fe, cfg, err)) != CC_OK)
		return rc;
	if (rv == 0)
		rv = nng_listener_start(fe->listener, 0);
	if (rv != 0)
		return nng_fail(err, rv, "cannot listen on", cfg->endpoint);
	return CC_OK;
}

/* The URL clients dial: tcp gets the advertised host and bound port. */
static int
public_url(struct frontend *fe, const struct cfg *cfg, char *url, size_t size,
           struct cc_err *err)
{
	char host[256];
	int port = 0, rv;
	bool tls = is_tls(cfg->endpoint);

	if (strncmp(cfg->endpoint, "tcp://", 6) != 0 && !tls) {
		snprintf(url, size, "%s", cfg->endpoint);
		return CC_OK;
	}
	rv = nng_listener_get_int(fe->listener, NNG_OPT_TCP_BOUND_PORT, &port);
	if (rv != 0)
		return nng_fail(err, rv, "cannot read bound port of",
		                cfg->endpoint);
	if (cfg->advertise_host && cfg->advertise_host[0]) {
		snprintf(host, sizeof(host), "%s", cfg->advertise_host);
	} else if (gethostname(host, sizeof(host)) != 0) {
		snprintf(host, sizeof(host), "127.0.0.1");
	}
	host[sizeof(host) - 1] = '\0';
	snprintf(url, size, "%s://%s:%d", tls ? "tls+tcp" : "tcp", host, port);
	return CC_OK;
}

static int
open_slots(struct frontend *fe, int n_slots, struct cc_err *err)
{
	fe->slots = calloc((size_t)n_slots, sizeof(*fe->slots));
	if (!fe->slots)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	for (int i = 0; i < n_slots; i++) {
		struct fe_slot *s = &fe->slots[i];
		int rv;

		s->fe = fe;
		rv = nng_aio_alloc(&s->aio, slot_cb, s);
		if (rv == 0)
			rv = nng_ctx_open(&s->ctx, fe->sock);
		if (rv != 0) {
			nng_aio_free(s->aio);
			s->aio = NULL;
			return cc_err_set(err, CC_ENNG,
			                  "cannot open context %d: %s", i,
			                  nng_strerror(rv));
		}
		fe->n_slots = i + 1;
	}
	for (int i = 0; i < n_slots; i++)
		arm_recv(&fe->slots[i]);
	return CC_OK;
}

int
frontend_start(const struct cfg *cfg, struct jobq *q, const char *token,
               int n_slots, struct frontend **out, char *url, size_t size,
               struct cc_err *err)
{
	struct frontend *fe = calloc(1, sizeof(*fe));
	int rc;

	if (!fe)
		return cc_err_set(err, CC_ENOMEM, "out of memory");
	fe->q = q;
	fe->token = token;
	fe->max_msg_bytes = cfg->max_msg_bytes;
	fe->max_per_pipe = cfg->max_jobs_per_connection;
	pthread_mutex_init(&fe->pipe_lock, NULL);
	atomic_init(&fe->next_job_id, 1);
	rc = listen_on(fe, cfg, err);
	if (rc == CC_OK)
		rc = public_url(fe, cfg, url, size, err);
	if (rc == CC_OK)
		rc = open_slots(fe, n_slots, err);
	if (rc != CC_OK) {
		frontend_free(fe);
		return rc;
	}
	*out = fe;
	return CC_OK;
}

void
frontend_reply(struct frontend *fe, struct fe_slot *slot, uint8_t *buf,
               size_t len)
{
	(void)fe;
	send_bytes(slot, buf, len);
}

uint64_t
frontend_refused(const struct frontend *fe, Clustcc__Refusal why)
{
	if ((unsigned)why >= REFUSAL_KINDS)
		return 0;
	return atomic_load(&fe->refused[why]);
}

void
frontend_bytes(const struct frontend *fe, uint64_t *in, uint64_t *out)
{
	*in = atomic_load(&fe->bytes_in);
	*out = atomic_load(&fe->bytes_out);
}

void
frontend_close_intake(struct frontend *fe)
{
	struct timespec nap = {0, 100000};

	atomic_store(&fe->closed, true);
	/* A callback past its check pushes within microseconds. */
	while (atomic_load(&fe->pushing) > 0)
		nanosleep(&nap, NULL);
}

void
frontend_flush(struct frontend *fe, int64_t wait_ms)
{
	int64_t deadline = monotime_ms() + wait_ms;
	struct timespec nap = {0, 1000000};

	/*
	 * nng closes a socket at once (no linger): a client that read the
	 * port file just before it was removed, and is still talking to us,
	 * would see its connection reset instead of an answer.
	 */
	while ((atomic_load(&fe->sending) > 0 ||
	        monotime_ms() - atomic_load(&fe->last_request_ms) <
	                FLUSH_QUIET_MS) &&
	       monotime_ms() < deadline)
		nanosleep(&nap, NULL);
}

void
frontend_free(struct frontend *fe)
{
	if (!fe)
		return;
	nng_close(fe->sock);
	for (int i = 0; i < fe->n_slots; i++) {
		nng_aio_stop(fe->slots[i].aio);
		nng_ctx_close(fe->slots[i].ctx);
	}
	for (int i = 0; i < fe->n_slots; i++)
		nng_aio_free(fe->slots[i].aio);
	pthread_mutex_destroy(&fe->pipe_lock);
	free(fe->slots);
	free(fe);
}
