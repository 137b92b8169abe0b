/*
 * codec.c - the only file that packs and unpacks protobuf-c messages.
 * Every length comes from the network, so every check happens before
 * protobuf-c sees the bytes, and every field a caller relies on is checked
 * after: a decoded message that passed codec_unpack_request() has a body
 * of the declared kind and, for a compile, a sane shape.
 */
#include "codec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const refusal_names[] = {
        [CLUSTCC__REFUSAL__REFUSAL_NONE] = "none",
        [CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN] = "bad_token",
        [CLUSTCC__REFUSAL__REFUSAL_VERSION] = "version",
        [CLUSTCC__REFUSAL__REFUSAL_MALFORMED] = "malformed",
        [CLUSTCC__REFUSAL__REFUSAL_TOO_BIG] = "too_big",
        [CLUSTCC__REFUSAL__REFUSAL_DRAINING] = "draining",
        [CLUSTCC__REFUSAL__REFUSAL_BUSY] = "busy",
        [CLUSTCC__REFUSAL__REFUSAL_REJECTED_ARG] = "rejected_arg",
        [CLUSTCC__REFUSAL__REFUSAL_COMPILER_MISMATCH] = "compiler_mismatch",
        [CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED] = "worker_failed",
        [CLUSTCC__REFUSAL__REFUSAL_INTERNAL] = "internal",
        [CLUSTCC__REFUSAL__REFUSAL_NOT_EXACT] = "not_exact",
        [CLUSTCC__REFUSAL__REFUSAL_COMPILER_NOT_ALLOWED] =
                "compiler_not_allowed",
};

const char *
codec_refusal_name(Clustcc__Refusal reason)
{
	size_t n = sizeof(refusal_names) / sizeof(refusal_names[0]);

	if ((size_t)reason >= n || !refusal_names[reason])
		return "unknown";
	return refusal_names[reason];
}

int
codec_pack(const ProtobufCMessage *msg, size_t max_bytes, uint8_t **buf,
           size_t *len, struct cc_err *err)
{
	size_t size = protobuf_c_message_get_packed_size(msg);
	uint8_t *p;

	if (max_bytes && size > max_bytes)
		return cc_err_set(
		        err, CC_ETOOBIG,
		        "message of %zu bytes exceeds the limit of %zu bytes",
		        size, max_bytes);
	/* malloc(0) may return NULL; an empty message is legal. */
	p = malloc(size ? size : 1);
	if (!p)
		return cc_err_set(err, CC_ENOMEM,
		                  "out of memory packing %zu bytes", size);
	protobuf_c_message_pack(msg, p);
	*buf = p;
	*len = size;
	return CC_OK;
}

static bool
is_nonempty(const char *s)
{
	return s && s[0] != '\0';
}

/* Every string of vec[0..n) shorter than CODEC_MAX_ARG_BYTES. */
static int
check_lengths(char **vec, size_t n, const char *what, struct cc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strnlen(vec[i], CODEC_MAX_ARG_BYTES);

		if (len >= CODEC_MAX_ARG_BYTES)
			return cc_err_set(
			        err, CC_EPROTO,
			        "compile request: %s[%zu] is longer than %d bytes",
			        what, i, CODEC_MAX_ARG_BYTES - 1);
	}
	return CC_OK;
}

static int
check_path_lengths(const Clustcc__CompileRequest *c, struct cc_err *err)
{
	const char *names[] = {"compiler path", "cwd", "source_name"};
	const char *values[] = {c->compiler->path, c->cwd, c->source_name};

	for (size_t i = 0; i < 3; i++) {
		if (strnlen(values[i], CODEC_MAX_PATH_BYTES) >=
		    CODEC_MAX_PATH_BYTES)
			return cc_err_set(
			        err, CC_EPROTO,
			        "compile request: %s is longer than %d bytes",
			        names[i], CODEC_MAX_PATH_BYTES - 1);
	}
	return CC_OK;
}

static int
check_all_lengths(const Clustcc__CompileRequest *c, struct cc_err *err)
{
	int rc = check_path_lengths(c, err);

	if (rc == CC_OK)
		rc = check_lengths(c->args, c->n_args, "args", err);
	if (rc == CC_OK)
		rc = check_lengths(c->check_args, c->n_check_args, "check_args",
		                   err);
	if (rc == CC_OK)
		rc = check_lengths(c->exact_args, c->n_exact_args, "exact_args",
		                   err);
	if (rc == CC_OK)
		rc = check_lengths(c->env, c->n_env, "env", err);
	return rc;
}

int
codec_check_compile(const Clustcc__CompileRequest *c, struct cc_err *err)
{
	if (!c->compiler || !is_nonempty(c->compiler->path) ||
	    c->compiler->path[0] != '/')
		return cc_err_set(
		        err, CC_EPROTO,
		        "compile request: compiler path must be absolute");
	if (strcmp(c->language, "c") != 0 && strcmp(c->language, "c++") != 0)
		return cc_err_set(
		        err, CC_EPROTO,
		        "compile request: language must be 'c' or 'c++', got '%.40s'",
		        c->language);
	if (c->n_args > CODEC_MAX_ARGS || c->n_check_args > CODEC_MAX_ARGS ||
	    c->n_exact_args > CODEC_MAX_ARGS)
		return cc_err_set(err, CC_EPROTO,
		                  "compile request: more than %d arguments",
		                  CODEC_MAX_ARGS);
	if (c->n_env > CODEC_MAX_ENV)
		return cc_err_set(
		        err, CC_EPROTO,
		        "compile request: %zu environment entries exceed the limit of %d",
		        c->n_env, CODEC_MAX_ENV);
	for (size_t i = 0; i < c->n_env; i++) {
		if (!strchr(c->env[i], '=') || c->env[i][0] == '=')
			return cc_err_set(
			        err, CC_EPROTO,
			        "compile request: environment entry %zu is not NAME=value",
			        i);
	}
	return check_all_lengths(c, err);
}

/* Compare without an early exit so the time does not leak the token. */
static bool
token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static int
check_request(const Clustcc__Request *req, const char *token,
              Clustcc__Refusal *refusal, struct cc_err *err)
{
	if (req->version != CODEC_PROTOCOL_VERSION) {
		*refusal = CLUSTCC__REFUSAL__REFUSAL_VERSION;
		return cc_err_set(
		        err, CC_EVERSION,
		        "protocol version %u not supported (server speaks %u)",
		        req->version, CODEC_PROTOCOL_VERSION);
	}
	if (token && !token_equal(req->token, token)) {
		*refusal = CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN;
		return cc_err_set(err, CC_ETOKEN,
		                  "token does not match the port file's");
	}
	*refusal = CLUSTCC__REFUSAL__REFUSAL_MALFORMED;
	switch (req->body_case) {
	case CLUSTCC__REQUEST__BODY_COMPILE:
		return codec_check_compile(req->compile, err);
	case CLUSTCC__REQUEST__BODY_STATUS:
	case CLUSTCC__REQUEST__BODY_DRAIN:
	case CLUSTCC__REQUEST__BODY_LOCAL:
	case CLUSTCC__REQUEST__BODY_PING:
		return CC_OK;
	default:
		return cc_err_set(err, CC_EPROTO, "request has no body");
	}
}

int
codec_unpack_request(const uint8_t *buf, size_t len, size_t max_bytes,
                     const char *token, Clustcc__Request **out,
                     Clustcc__Refusal *refusal, struct cc_err *err)
{
	Clustcc__Request *req;
	int rc;

	if (max_bytes && len > max_bytes) {
		*refusal = CLUSTCC__REFUSAL__REFUSAL_TOO_BIG;
		return cc_err_set(
		        err, CC_ETOOBIG,
		        "request of %zu bytes exceeds the limit of %zu bytes",
		        len, max_bytes);
	}
	req = clustcc__request__unpack(NULL, len, buf);
	if (!req) {
		*refusal = CLUSTCC__REFUSAL__REFUSAL_MALFORMED;
		return cc_err_set(err, CC_EPROTO,
		                  "request of %zu bytes could not be decoded",
		                  len);
	}
	rc = check_request(req, token, refusal, err);
	if (rc != CC_OK) {
		clustcc__request__free_unpacked(req, NULL);
		return rc;
	}
	*refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	*out = req;
	return CC_OK;
}

int
codec_unpack_response(const uint8_t *buf, size_t len, size_t max_bytes,
                      Clustcc__Response **out, struct cc_err *err)
{
	Clustcc__Response *resp;

	if (max_bytes && len > max_bytes)
		return cc_err_set(
		        err, CC_ETOOBIG,
		        "response of %zu bytes exceeds the limit of %zu bytes",
		        len, max_bytes);
	resp = clustcc__response__unpack(NULL, len, buf);
	if (!resp)
		return cc_err_set(err, CC_EPROTO,
		                  "response of %zu bytes could not be decoded",
		                  len);
	if (resp->version != CODEC_PROTOCOL_VERSION) {
		unsigned v = resp->version;

		clustcc__response__free_unpacked(resp, NULL);
		return cc_err_set(
		        err, CC_EVERSION,
		        "server speaks protocol version %u, client %u", v,
		        CODEC_PROTOCOL_VERSION);
	}
	*out = resp;
	return CC_OK;
}

int
codec_unpack_worker_job(const uint8_t *buf, size_t len,
                        Clustcc__WorkerJob **out, struct cc_err *err)
{
	Clustcc__WorkerJob *job = clustcc__worker_job__unpack(NULL, len, buf);
	int rc;

	if (!job)
		return cc_err_set(
		        err, CC_EPROTO,
		        "worker job of %zu bytes could not be decoded", len);
	if (!job->compile) {
		clustcc__worker_job__free_unpacked(job, NULL);
		return cc_err_set(err, CC_EPROTO, "worker job has no compile");
	}
	rc = codec_check_compile(job->compile, err);
	if (rc != CC_OK) {
		clustcc__worker_job__free_unpacked(job, NULL);
		return rc;
	}
	*out = job;
	return CC_OK;
}

int
codec_unpack_worker_result(const uint8_t *buf, size_t len,
                           Clustcc__WorkerResult **out, struct cc_err *err)
{
	Clustcc__WorkerResult *res =
	        clustcc__worker_result__unpack(NULL, len, buf);

	if (!res)
		return cc_err_set(
		        err, CC_EPROTO,
		        "worker result of %zu bytes could not be decoded", len);
	*out = res;
	return CC_OK;
}

int
codec_pack_refusal(Clustcc__Refusal reason, const char *message, uint8_t **buf,
                   size_t *len)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;

	resp.version = CODEC_PROTOCOL_VERSION;
	resp.refusal = reason;
	resp.message = (char *)(message ? message : "");
	return codec_pack(&resp.base, 0, buf, len, NULL);
}

int
codec_pack_pong(uint8_t **buf, size_t *len)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__Pong pong = CLUSTCC__PONG__INIT;

	resp.version = CODEC_PROTOCOL_VERSION;
	resp.body_case = CLUSTCC__RESPONSE__BODY_PONG;
	resp.pong = &pong;
	return codec_pack(&resp.base, 0, buf, len, NULL);
}

void
codec_free(void *msg)
{
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
}
