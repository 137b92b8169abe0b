/*
 * fuzz_codec.c - libFuzzer target for the protocol decoder: the same bytes
 * go to every codec_unpack_*() (request with and without the token check,
 * response, worker job, worker result). A decode that succeeds must hand
 * back a message whose checked fields hold what the checks promise, and
 * must pack again; a refusal must say why. ASan/UBSan/LSan catch the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define TOKEN   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MAX_MSG (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fuzz target reports a broken promise by crashing: libFuzzer keeps it. */
static void
require(int cond)
{
	if (!cond)
		abort();
}

/* Refusals carry a message: the server logs it and sends it back. */
static void
require_refused(int rc, const struct cc_err *err)
{
	require(rc != CC_OK);
	require(err->code == rc && err->msg[0] != '\0');
	require(strlen(err->msg) < sizeof(err->msg));
}

static void
repack(const ProtobufCMessage *msg)
{
	struct cc_err err = {0};
	uint8_t *buf = NULL;
	size_t len = 0;

	require(codec_pack(msg, 0, &buf, &len, &err) == CC_OK);
	free(buf);
}

/* What codec_check_compile() promises the dispatcher and the worker. */
static void
check_compile_shape(const Clustcc__CompileRequest *c)
{
	require(c->compiler && c->compiler->path[0] == '/');
	require(!strcmp(c->language, "c") || !strcmp(c->language, "c++"));
	require(c->n_args <= CODEC_MAX_ARGS && c->n_env <= CODEC_MAX_ENV);
	for (size_t i = 0; i < c->n_env; i++)
		require(c->env[i][0] != '=' && strchr(c->env[i], '='));
}

static void
fuzz_request(const uint8_t *data, size_t size, const char *token)
{
	Clustcc__Request *req = NULL;
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	struct cc_err err = {0};
	int rc;

	rc = codec_unpack_request(data, size, MAX_MSG, token, &req, &refusal,
	                          &err);
	if (rc != CC_OK) {
		require_refused(rc, &err);
		require(refusal != CLUSTCC__REFUSAL__REFUSAL_NONE);
		require(strcmp(codec_refusal_name(refusal), "unknown") != 0);
		require(req == NULL);
		return;
	}
	require(req->version == CODEC_PROTOCOL_VERSION);
	if (token)
		require(!strcmp(req->token, token));
	if (req->body_case == CLUSTCC__REQUEST__BODY_COMPILE)
		check_compile_shape(req->compile);
	repack(&req->base);
	codec_free(req);
}

static void
fuzz_response(const uint8_t *data, size_t size)
{
	Clustcc__Response *resp = NULL;
	struct cc_err err = {0};
	int rc = codec_unpack_response(data, size, MAX_MSG, &resp, &err);

	if (rc != CC_OK) {
		require_refused(rc, &err);
		return;
	}
	/* The client prints the name of whatever refusal the wire holds. */
	require(codec_refusal_name(resp->refusal) != NULL);
	repack(&resp->base);
	codec_free(resp);
}

static void
fuzz_worker(const uint8_t *data, size_t size)
{
	Clustcc__WorkerJob *job = NULL;
	Clustcc__WorkerResult *res = NULL;
	struct cc_err err = {0};
	int rc;

	rc = codec_unpack_worker_job(data, size, &job, &err);
	if (rc == CC_OK) {
		check_compile_shape(job->compile);
		repack(&job->base);
		codec_free(job);
	} else {
		require_refused(rc, &err);
	}
	memset(&err, 0, sizeof(err));
	rc = codec_unpack_worker_result(data, size, &res, &err);
	if (rc == CC_OK) {
		repack(&res->base);
		codec_free(res);
	} else {
		require_refused(rc, &err);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_request(data, size, TOKEN);
	fuzz_request(data, size, NULL);
	fuzz_response(data, size);
	fuzz_worker(data, size);
	return 0;
}
