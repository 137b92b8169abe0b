/*
 * test_codec.c - every message type round-trips; hostile bytes (every
 * truncation, random bytes, bit flips, oversized, wrong version, wrong
 * token, missing body, bad compile shapes) get the exact CC_E* code and
 * refusal, never a crash.
 */
#include "codec.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN "0123456789abcdef0123456789abcdef"

/* Writable strings: the generated structs hold char *, not const char *. */
static char s_path[] = "/usr/bin/gcc";
static char s_rel_path[] = "bin/gcc";
static char s_o2[] = "-O2";
static char s_g[] = "-g";
static char s_c[] = "c";
static char s_cxx[] = "c++";
static char s_fortran[] = "fortran";
static char s_cwd[] = "/home/u/proj";
static char s_src_name[] = "src/main.c";
static char s_lang_env[] = "LANG=C";
static char s_sde_env[] = "SOURCE_DATE_EPOCH=1";
static char s_token[] = TOKEN;
static char s_out_o[] = "out.o";
static char s_reason[] = "native_arch";
static char s_draining[] = "draining";
static char s_version[] = "0.1.0";
static uint8_t s_source[] = "# 1 \"t.c\"\nint x;\n";

/* A valid compile request; the caller owns nothing (all static). */
struct compile_fixture {
	Clustcc__CompilerId id;
	Clustcc__CompileRequest c;
	char *args[2];
	char *env[2];
};

static void
compile_fixture_init(struct compile_fixture *f)
{
	clustcc__compiler_id__init(&f->id);
	clustcc__compile_request__init(&f->c);
	f->id.path = s_path;
	f->id.size = 1234567;
	f->id.mtime_ns = 1700000000123456789LL;
	f->args[0] = s_o2;
	f->args[1] = s_g;
	f->env[0] = s_lang_env;
	f->env[1] = s_sde_env;
	f->c.compiler = &f->id;
	f->c.n_args = 2;
	f->c.args = f->args;
	f->c.language = s_c;
	f->c.source.data = s_source;
	f->c.source.len = sizeof(s_source) - 1;
	f->c.cwd = s_cwd;
	f->c.source_name = s_src_name;
	f->c.n_env = 2;
	f->c.env = f->env;
}

static void
request_init(Clustcc__Request *req)
{
	clustcc__request__init(req);
	req->version = CODEC_PROTOCOL_VERSION;
	req->token = s_token;
}

static void
pack(const ProtobufCMessage *msg, uint8_t **buf, size_t *len)
{
	struct cc_err err;

	cr_assert_eq(codec_pack(msg, 0, buf, len, &err), CC_OK, "pack: %s",
	             err.msg);
}

/* Pack a compile request whose CompileRequest is c. */
static void
pack_compile_request(Clustcc__CompileRequest *c, uint8_t **buf, size_t *len)
{
	Clustcc__Request req;

	request_init(&req);
	req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req.compile = c;
	pack(&req.base, buf, len);
}

/* Unpack buf as a request and expect code and refusal. */
static void
expect_request_refused(const uint8_t *buf, size_t len, size_t max,
                       const char *token, int code, Clustcc__Refusal refusal)
{
	Clustcc__Request *out = NULL;
	Clustcc__Refusal got = CLUSTCC__REFUSAL__REFUSAL_NONE;
	struct cc_err err;
	int rc;

	cc_err_clear(&err);
	rc = codec_unpack_request(buf, len, max, token, &out, &got, &err);
	cr_assert_eq(rc, code, "rc %s, want %s (%s)", cc_strerror(rc),
	             cc_strerror(code), err.msg);
	cr_assert_eq(got, refusal, "refusal %s, want %s",
	             codec_refusal_name(got), codec_refusal_name(refusal));
	cr_assert_null(out, "out written on failure");
	cr_assert_eq(err.code, code);
	cr_assert_neq(err.msg[0], '\0', "no message for %s", cc_strerror(code));
}

static Clustcc__Request *
unpack_request_ok(const uint8_t *buf, size_t len)
{
	Clustcc__Request *out = NULL;
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_MALFORMED;
	struct cc_err err;

	cr_assert_eq(codec_unpack_request(buf, len, 1 << 20, TOKEN, &out,
	                                  &refusal, &err),
	             CC_OK, "unpack: %s", err.msg);
	cr_assert_not_null(out);
	cr_assert_eq(refusal, CLUSTCC__REFUSAL__REFUSAL_NONE);
	cr_assert_eq(out->version, CODEC_PROTOCOL_VERSION);
	cr_assert_str_eq(out->token, TOKEN);
	return out;
}

Test(codec, compile_request_round_trips)
{
	struct compile_fixture f;
	Clustcc__Request *out;
	const Clustcc__CompileRequest *c;
	uint8_t *buf;
	size_t len;

	compile_fixture_init(&f);
	pack_compile_request(&f.c, &buf, &len);
	out = unpack_request_ok(buf, len);
	cr_assert_eq(out->body_case, CLUSTCC__REQUEST__BODY_COMPILE);
	c = out->compile;
	cr_assert_str_eq(c->compiler->path, "/usr/bin/gcc");
	cr_assert_eq(c->compiler->size, 1234567);
	cr_assert_eq(c->compiler->mtime_ns, 1700000000123456789LL);
	cr_assert_eq(c->n_args, 2);
	cr_assert_str_eq(c->args[0], "-O2");
	cr_assert_str_eq(c->args[1], "-g");
	cr_assert_str_eq(c->language, "c");
	cr_assert_eq(c->source.len, sizeof(s_source) - 1);
	cr_assert_arr_eq(c->source.data, s_source, sizeof(s_source) - 1);
	cr_assert_str_eq(c->cwd, "/home/u/proj");
	cr_assert_str_eq(c->source_name, "src/main.c");
	cr_assert_eq(c->n_env, 2);
	cr_assert_str_eq(c->env[0], "LANG=C");
	cr_assert_str_eq(c->env[1], "SOURCE_DATE_EPOCH=1");
	codec_free(out);
	free(buf);
}

Test(codec, cxx_compile_request_is_accepted)
{
	struct compile_fixture f;
	Clustcc__Request *out;
	uint8_t *buf;
	size_t len;

	compile_fixture_init(&f);
	f.c.language = s_cxx;
	pack_compile_request(&f.c, &buf, &len);
	out = unpack_request_ok(buf, len);
	cr_assert_str_eq(out->compile->language, "c++");
	codec_free(out);
	free(buf);
}

Test(codec, status_drain_and_local_requests_round_trip)
{
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__DrainRequest dr = CLUSTCC__DRAIN_REQUEST__INIT;
	Clustcc__LocalNotice ln = CLUSTCC__LOCAL_NOTICE__INIT;
	Clustcc__Request req, *out;
	uint8_t *buf;
	size_t len;

	ln.reason = s_reason;
	request_init(&req);
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	pack(&req.base, &buf, &len);
	out = unpack_request_ok(buf, len);
	cr_assert_eq(out->body_case, CLUSTCC__REQUEST__BODY_STATUS);
	cr_assert_not_null(out->status);
	codec_free(out);
	free(buf);

	req.body_case = CLUSTCC__REQUEST__BODY_DRAIN;
	req.drain = &dr;
	pack(&req.base, &buf, &len);
	out = unpack_request_ok(buf, len);
	cr_assert_eq(out->body_case, CLUSTCC__REQUEST__BODY_DRAIN);
	cr_assert_not_null(out->drain);
	codec_free(out);
	free(buf);

	req.body_case = CLUSTCC__REQUEST__BODY_LOCAL;
	req.local = &ln;
	pack(&req.base, &buf, &len);
	out = unpack_request_ok(buf, len);
	cr_assert_eq(out->body_case, CLUSTCC__REQUEST__BODY_LOCAL);
	cr_assert_str_eq(out->local->reason, "native_arch");
	codec_free(out);
	free(buf);
}

Test(codec, ping_round_trips_and_pong_is_a_pong)
{
	Clustcc__Ping ping = CLUSTCC__PING__INIT;
	Clustcc__Request req, *out;
	Clustcc__Response *resp = NULL;
	struct cc_err err;
	uint8_t *buf;
	size_t len;

	request_init(&req);
	req.body_case = CLUSTCC__REQUEST__BODY_PING;
	req.ping = &ping;
	pack(&req.base, &buf, &len);
	out = unpack_request_ok(buf, len);
	cr_assert_eq(out->body_case, CLUSTCC__REQUEST__BODY_PING);
	cr_assert_not_null(out->ping);
	codec_free(out);
	free(buf);

	cr_assert_eq(codec_pack_pong(&buf, &len), CC_OK);
	cr_assert_eq(codec_unpack_response(buf, len, 1 << 10, &resp, &err),
	             CC_OK);
	cr_assert_eq(resp->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE);
	cr_assert_eq(resp->body_case, CLUSTCC__RESPONSE__BODY_PONG);
	codec_free(resp);
	free(buf);
}

static Clustcc__Response *
unpack_response_ok(const uint8_t *buf, size_t len)
{
	Clustcc__Response *out = NULL;
	struct cc_err err;

	cr_assert_eq(codec_unpack_response(buf, len, 1 << 20, &out, &err),
	             CC_OK, "unpack: %s", err.msg);
	cr_assert_not_null(out);
	cr_assert_eq(out->version, CODEC_PROTOCOL_VERSION);
	return out;
}

Test(codec, compile_response_round_trips)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__OutputFile of = CLUSTCC__OUTPUT_FILE__INIT;
	Clustcc__OutputFile *files[1] = {&of};
	uint8_t obj[] = {0x7f, 'E', 'L', 'F', 0, 1, 2, 0xff};
	uint8_t so[] = "compiler says hi";
	uint8_t se[] = "t.c:1: warning: x";
	Clustcc__Response *out;
	uint8_t *buf;
	size_t len;

	of.name = s_out_o;
	of.data.data = obj;
	of.data.len = sizeof(obj);
	res.exit_code = 0;
	res.stdout_data.data = so;
	res.stdout_data.len = sizeof(so) - 1;
	res.stderr_data.data = se;
	res.stderr_data.len = sizeof(se) - 1;
	res.n_outputs = 1;
	res.outputs = files;
	res.rank = 3;
	res.job_id = 42;
	res.run_ms = 1234;
	resp.version = CODEC_PROTOCOL_VERSION;
	resp.body_case = CLUSTCC__RESPONSE__BODY_COMPILE;
	resp.compile = &res;
	pack(&resp.base, &buf, &len);
	out = unpack_response_ok(buf, len);
	cr_assert_eq(out->refusal, CLUSTCC__REFUSAL__REFUSAL_NONE);
	cr_assert_eq(out->body_case, CLUSTCC__RESPONSE__BODY_COMPILE);
	cr_assert_eq(out->compile->exit_code, 0);
	cr_assert_eq(out->compile->rank, 3);
	cr_assert_eq(out->compile->job_id, 42);
	cr_assert_eq(out->compile->run_ms, 1234);
	cr_assert_eq(out->compile->stdout_data.len, sizeof(so) - 1);
	cr_assert_arr_eq(out->compile->stdout_data.data, so, sizeof(so) - 1);
	cr_assert_eq(out->compile->stderr_data.len, sizeof(se) - 1);
	cr_assert_arr_eq(out->compile->stderr_data.data, se, sizeof(se) - 1);
	cr_assert_eq(out->compile->n_outputs, 1);
	cr_assert_str_eq(out->compile->outputs[0]->name, "out.o");
	cr_assert_eq(out->compile->outputs[0]->data.len, sizeof(obj));
	cr_assert_arr_eq(out->compile->outputs[0]->data.data, obj, sizeof(obj));
	codec_free(out);
	free(buf);
}

Test(codec, status_response_round_trips)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__StatusReply st = CLUSTCC__STATUS_REPLY__INIT;
	Clustcc__RankStatus r0 = CLUSTCC__RANK_STATUS__INIT;
	Clustcc__RankStatus r1 = CLUSTCC__RANK_STATUS__INIT;
	Clustcc__RankStatus *ranks[2] = {&r0, &r1};
	Clustcc__ReasonCount rc0 = CLUSTCC__REASON_COUNT__INIT;
	Clustcc__ReasonCount *refusals[1] = {&rc0};
	Clustcc__ReasonCount lc0 = CLUSTCC__REASON_COUNT__INIT;
	Clustcc__ReasonCount *locals[1] = {&lc0};
	Clustcc__Response *out;
	const Clustcc__StatusReply *o;
	uint8_t *buf;
	size_t len;

	r0.rank = 0;
	r0.slots = 1;
	r1.rank = 1;
	r1.slots = 8;
	r1.running = 5;
	r1.done = 100;
	r1.failed = 2;
	rc0.reason = s_draining;
	rc0.count = 7;
	lc0.reason = s_reason;
	lc0.count = 9;
	st.n_ranks = 2;
	st.ranks = ranks;
	st.queue_depth = 4;
	st.uptime_ms = 99999;
	st.draining = 1;
	st.received = 11;
	st.completed = 10;
	st.refused = 7;
	st.n_refusals = 1;
	st.refusals = refusals;
	st.n_local_reasons = 1;
	st.local_reasons = locals;
	st.pid = 4321;
	st.version = s_version;
	resp.version = CODEC_PROTOCOL_VERSION;
	resp.body_case = CLUSTCC__RESPONSE__BODY_STATUS;
	resp.status = &st;
	pack(&resp.base, &buf, &len);
	out = unpack_response_ok(buf, len);
	cr_assert_eq(out->body_case, CLUSTCC__RESPONSE__BODY_STATUS);
	o = out->status;
	cr_assert_eq(o->n_ranks, 2);
	cr_assert_eq(o->ranks[1]->rank, 1);
	cr_assert_eq(o->ranks[1]->slots, 8);
	cr_assert_eq(o->ranks[1]->running, 5);
	cr_assert_eq(o->ranks[1]->done, 100);
	cr_assert_eq(o->ranks[1]->failed, 2);
	cr_assert_eq(o->queue_depth, 4);
	cr_assert_eq(o->uptime_ms, 99999);
	cr_assert(o->draining);
	cr_assert_eq(o->received, 11);
	cr_assert_eq(o->completed, 10);
	cr_assert_eq(o->refused, 7);
	cr_assert_eq(o->n_refusals, 1);
	cr_assert_str_eq(o->refusals[0]->reason, "draining");
	cr_assert_eq(o->refusals[0]->count, 7);
	cr_assert_eq(o->n_local_reasons, 1);
	cr_assert_str_eq(o->local_reasons[0]->reason, "native_arch");
	cr_assert_eq(o->local_reasons[0]->count, 9);
	cr_assert_eq(o->pid, 4321);
	cr_assert_str_eq(o->version, "0.1.0");
	codec_free(out);
	free(buf);
}

Test(codec, drain_response_round_trips)
{
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__DrainReply dr = CLUSTCC__DRAIN_REPLY__INIT;
	Clustcc__Response *out;
	uint8_t *buf;
	size_t len;

	dr.in_flight = 17;
	resp.version = CODEC_PROTOCOL_VERSION;
	resp.body_case = CLUSTCC__RESPONSE__BODY_DRAIN;
	resp.drain = &dr;
	pack(&resp.base, &buf, &len);
	out = unpack_response_ok(buf, len);
	cr_assert_eq(out->body_case, CLUSTCC__RESPONSE__BODY_DRAIN);
	cr_assert_eq(out->drain->in_flight, 17);
	codec_free(out);
	free(buf);
}

Test(codec, worker_job_round_trips)
{
	Clustcc__WorkerJob job = CLUSTCC__WORKER_JOB__INIT;
	Clustcc__WorkerJob *out = NULL;
	struct compile_fixture f;
	struct cc_err err;
	uint8_t *buf;
	size_t len;

	compile_fixture_init(&f);
	job.job_id = 0xfedcba9876543210ULL;
	job.compile = &f.c;
	job.timeout_ms = 600000;
	pack(&job.base, &buf, &len);
	cr_assert_eq(codec_unpack_worker_job(buf, len, &out, &err), CC_OK,
	             "unpack: %s", err.msg);
	cr_assert_eq(out->job_id, 0xfedcba9876543210ULL);
	cr_assert_eq(out->timeout_ms, 600000);
	cr_assert_str_eq(out->compile->compiler->path, "/usr/bin/gcc");
	cr_assert_eq(out->compile->n_args, 2);
	cr_assert_str_eq(out->compile->args[0], "-O2");
	cr_assert_eq(out->compile->source.len, sizeof(s_source) - 1);
	codec_free(out);
	free(buf);
}

Test(codec, worker_job_without_compile_or_with_bad_shape_is_eproto)
{
	Clustcc__WorkerJob job = CLUSTCC__WORKER_JOB__INIT;
	Clustcc__WorkerJob *out = NULL;
	struct compile_fixture f;
	struct cc_err err;
	uint8_t *buf;
	size_t len;

	job.job_id = 5;
	pack(&job.base, &buf, &len);
	cr_assert_eq(codec_unpack_worker_job(buf, len, &out, &err), CC_EPROTO);
	cr_assert_null(out);
	free(buf);

	compile_fixture_init(&f);
	f.id.path = s_rel_path;
	job.compile = &f.c;
	pack(&job.base, &buf, &len);
	cr_assert_eq(codec_unpack_worker_job(buf, len, &out, &err), CC_EPROTO);
	cr_assert_null(out);
	cr_assert_not_null(strstr(err.msg, "absolute"), "msg: %s", err.msg);
	free(buf);
}

Test(codec, worker_result_round_trips)
{
	Clustcc__WorkerResult wr = CLUSTCC__WORKER_RESULT__INIT;
	Clustcc__CompileResult res = CLUSTCC__COMPILE_RESULT__INIT;
	Clustcc__WorkerResult *out = NULL;
	uint8_t se[] = "error: x";
	struct cc_err err;
	uint8_t *buf;
	size_t len;

	res.exit_code = 1;
	res.stderr_data.data = se;
	res.stderr_data.len = sizeof(se) - 1;
	res.rank = 2;
	res.job_id = 77;
	wr.job_id = 77;
	wr.refusal = CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED;
	wr.message = s_draining;
	wr.result = &res;
	pack(&wr.base, &buf, &len);
	cr_assert_eq(codec_unpack_worker_result(buf, len, &out, &err), CC_OK,
	             "unpack: %s", err.msg);
	cr_assert_eq(out->job_id, 77);
	cr_assert_eq(out->refusal, CLUSTCC__REFUSAL__REFUSAL_WORKER_FAILED);
	cr_assert_str_eq(out->message, "draining");
	cr_assert_eq(out->result->exit_code, 1);
	cr_assert_eq(out->result->rank, 2);
	cr_assert_eq(out->result->stderr_data.len, sizeof(se) - 1);
	codec_free(out);
	free(buf);
}

/* The codes codec_unpack_request() may return for garbage. */
static bool
is_request_error(int rc)
{
	return rc == CC_EPROTO || rc == CC_EVERSION || rc == CC_ETOKEN ||
	       rc == CC_ETOOBIG;
}

/*
 * Unpack garbage as a request; on success the body must be one of the
 * declared kinds. Returns true if it was refused.
 */
static bool
hostile_request(const uint8_t *buf, size_t len, const char *token)
{
	Clustcc__Request *out = NULL;
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	struct cc_err err;
	int rc = codec_unpack_request(buf, len, 1 << 20, token, &out, &refusal,
	                              &err);

	if (rc == CC_OK) {
		cr_assert_not_null(out);
		cr_assert_eq(refusal, CLUSTCC__REFUSAL__REFUSAL_NONE);
		cr_assert(out->body_case == CLUSTCC__REQUEST__BODY_COMPILE ||
		          out->body_case == CLUSTCC__REQUEST__BODY_STATUS ||
		          out->body_case == CLUSTCC__REQUEST__BODY_DRAIN ||
		          out->body_case == CLUSTCC__REQUEST__BODY_LOCAL ||
		          out->body_case == CLUSTCC__REQUEST__BODY_PING);
		if (out->body_case == CLUSTCC__REQUEST__BODY_COMPILE)
			cr_assert_eq(codec_check_compile(out->compile, NULL),
			             CC_OK);
		codec_free(out);
		return false;
	}
	cr_assert(is_request_error(rc), "unexpected rc %s", cc_strerror(rc));
	cr_assert_null(out);
	cr_assert_neq(refusal, CLUSTCC__REFUSAL__REFUSAL_NONE,
	              "error %s without a refusal", cc_strerror(rc));
	return true;
}

/* Every other decoder must survive the same bytes. */
static void
hostile_others(const uint8_t *buf, size_t len)
{
	Clustcc__Response *resp = NULL;
	Clustcc__WorkerJob *job = NULL;
	Clustcc__WorkerResult *res = NULL;
	int rc;

	rc = codec_unpack_response(buf, len, 1 << 20, &resp, NULL);
	cr_assert(rc == CC_OK || rc == CC_EPROTO || rc == CC_EVERSION);
	codec_free(rc == CC_OK ? resp : NULL);
	rc = codec_unpack_worker_job(buf, len, &job, NULL);
	cr_assert(rc == CC_OK || rc == CC_EPROTO);
	codec_free(rc == CC_OK ? job : NULL);
	rc = codec_unpack_worker_result(buf, len, &res, NULL);
	cr_assert(rc == CC_OK || rc == CC_EPROTO);
	codec_free(rc == CC_OK ? res : NULL);
}

Test(codec, every_truncation_of_a_request_is_refused_or_valid)
{
	struct compile_fixture f;
	uint8_t *buf, *copy;
	size_t len, failed = 0;

	compile_fixture_init(&f);
	pack_compile_request(&f.c, &buf, &len);
	for (size_t n = 0; n < len; n++) {
		/* A copy of exactly n bytes, so ASan sees any over-read. */
		copy = malloc(n ? n : 1);
		cr_assert_not_null(copy);
		memcpy(copy, buf, n);
		if (hostile_request(copy, n, TOKEN))
			failed++;
		hostile_others(copy, n);
		free(copy);
	}
	/* The body is packed last and length-prefixed: no prefix is whole. */
	cr_assert_eq(failed, len, "%zu of %zu truncations accepted",
	             len - failed, len);
	cr_assert_not(hostile_request(buf, len, TOKEN));
	free(buf);
}

Test(codec, every_truncation_of_other_messages_is_survived)
{
	Clustcc__WorkerJob job = CLUSTCC__WORKER_JOB__INIT;
	struct compile_fixture f;
	uint8_t *buf, *copy;
	size_t len;

	compile_fixture_init(&f);
	job.job_id = 9;
	job.compile = &f.c;
	job.timeout_ms = 1000;
	pack(&job.base, &buf, &len);
	for (size_t n = 0; n < len; n++) {
		copy = malloc(n ? n : 1);
		cr_assert_not_null(copy);
		memcpy(copy, buf, n);
		hostile_others(copy, n);
		(void)hostile_request(copy, n, NULL);
		free(copy);
	}
	free(buf);
}

/* xorshift64*: seeded, so a failure reproduces. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

Test(codec, random_bytes_never_crash)
{
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	uint8_t *buf;
	size_t len, refused = 0;
	const int rounds = 20000;

	for (int i = 0; i < rounds; i++) {
		len = (size_t)(next_random(&seed) % 300);
		buf = malloc(len ? len : 1);
		cr_assert_not_null(buf);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)next_random(&seed);
		if (hostile_request(buf, len, TOKEN))
			refused++;
		hostile_others(buf, len);
		free(buf);
	}
	/* Random bytes almost never carry version 1 and the token. */
	cr_assert_eq(refused, (size_t)rounds);
}

Test(codec, bit_flips_of_a_valid_request_never_crash)
{
	uint64_t seed = 42;
	struct compile_fixture f;
	uint8_t *buf, *copy;
	size_t len;

	compile_fixture_init(&f);
	pack_compile_request(&f.c, &buf, &len);
	copy = malloc(len);
	cr_assert_not_null(copy);
	for (int i = 0; i < 20000; i++) {
		memcpy(copy, buf, len);
		for (int k = 0; k < 1 + i % 4; k++) {
			uint64_t r = next_random(&seed);

			copy[r % len] ^= (uint8_t)(1u << ((r >> 32) % 8));
		}
		(void)hostile_request(copy, len, TOKEN);
		hostile_others(copy, len);
	}
	free(copy);
	free(buf);
}

Test(codec, oversized_request_is_too_big)
{
	struct compile_fixture f;
	uint8_t *buf;
	size_t len;

	compile_fixture_init(&f);
	pack_compile_request(&f.c, &buf, &len);
	expect_request_refused(buf, len, len - 1, TOKEN, CC_ETOOBIG,
	                       CLUSTCC__REFUSAL__REFUSAL_TOO_BIG);
	/* Exactly at the limit is fine. */
	codec_free(unpack_request_ok(buf, len));
	free(buf);
}

Test(codec, pack_over_the_limit_is_too_big_and_writes_nothing)
{
	struct compile_fixture f;
	Clustcc__Request req;
	uint8_t *buf = NULL;
	size_t size, len = 0;
	struct cc_err err;

	compile_fixture_init(&f);
	request_init(&req);
	req.body_case = CLUSTCC__REQUEST__BODY_COMPILE;
	req.compile = &f.c;
	size = protobuf_c_message_get_packed_size(&req.base);
	cr_assert_eq(codec_pack(&req.base, size - 1, &buf, &len, &err),
	             CC_ETOOBIG);
	cr_assert_null(buf);
	cr_assert_eq(len, 0);
	cr_assert_eq(err.code, CC_ETOOBIG);
	cr_assert_eq(codec_pack(&req.base, size, &buf, &len, &err), CC_OK);
	cr_assert_eq(len, size);
	free(buf);
}

Test(codec, oversized_response_is_too_big)
{
	Clustcc__Response *out = NULL;
	uint8_t *buf;
	size_t len;

	cr_assert_eq(codec_pack_refusal(CLUSTCC__REFUSAL__REFUSAL_BUSY,
	                                "queue full", &buf, &len),
	             CC_OK);
	cr_assert_eq(codec_unpack_response(buf, len, len - 1, &out, NULL),
	             CC_ETOOBIG);
	cr_assert_null(out);
	free(buf);
}

Test(codec, wrong_version_is_refused)
{
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Response resp = CLUSTCC__RESPONSE__INIT;
	Clustcc__Response *rout = NULL;
	Clustcc__Request req;
	uint8_t *buf;
	size_t len;

	request_init(&req);
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	req.version = CODEC_PROTOCOL_VERSION + 1;
	pack(&req.base, &buf, &len);
	expect_request_refused(buf, len, 0, TOKEN, CC_EVERSION,
	                       CLUSTCC__REFUSAL__REFUSAL_VERSION);
	free(buf);
	/* Version 0 (field absent) is not version 1. */
	req.version = 0;
	pack(&req.base, &buf, &len);
	expect_request_refused(buf, len, 0, TOKEN, CC_EVERSION,
	                       CLUSTCC__REFUSAL__REFUSAL_VERSION);
	free(buf);

	resp.version = CODEC_PROTOCOL_VERSION + 1;
	pack(&resp.base, &buf, &len);
	cr_assert_eq(codec_unpack_response(buf, len, 0, &rout, NULL),
	             CC_EVERSION);
	cr_assert_null(rout);
	free(buf);
}

Test(codec, wrong_token_is_refused)
{
	static char wrong[] = "0123456789abcdef0123456789abcdeX";
	static char shorter[] = "0123456789abcdef";
	static char empty[] = "";
	char *const tokens[] = {wrong, shorter, empty};
	Clustcc__StatusRequest st = CLUSTCC__STATUS_REQUEST__INIT;
	Clustcc__Request req, *out;
	Clustcc__Refusal refusal;
	uint8_t *buf;
	size_t len;

	request_init(&req);
	req.body_case = CLUSTCC__REQUEST__BODY_STATUS;
	req.status = &st;
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		req.token = tokens[i];
		pack(&req.base, &buf, &len);
		expect_request_refused(buf, len, 0, TOKEN, CC_ETOKEN,
		                       CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN);
		free(buf);
	}
	/* A longer token that starts with the right one is wrong too. */
	req.token = s_token;
	pack(&req.base, &buf, &len);
	expect_request_refused(buf, len, 0, "0123456789abcdef", CC_ETOKEN,
	                       CLUSTCC__REFUSAL__REFUSAL_BAD_TOKEN);
	/* token == NULL skips the check. */
	out = NULL;
	cr_assert_eq(
	        codec_unpack_request(buf, len, 0, NULL, &out, &refusal, NULL),
	        CC_OK);
	codec_free(out);
	free(buf);
}

Test(codec, request_without_body_is_eproto)
{
	Clustcc__Request req;
	uint8_t *buf;
	size_t len;

	request_init(&req);
	pack(&req.base, &buf, &len);
	expect_request_refused(buf, len, 0, TOKEN, CC_EPROTO,
	                       CLUSTCC__REFUSAL__REFUSAL_MALFORMED);
	free(buf);
}

/* Pack f's compile request and expect CC_EPROTO with msg naming what. */
static void
expect_bad_compile(struct compile_fixture *f, const char *what)
{
	Clustcc__Request *out = NULL;
	Clustcc__Refusal refusal = CLUSTCC__REFUSAL__REFUSAL_NONE;
	struct cc_err err;
	uint8_t *buf;
	size_t len;

	pack_compile_request(&f->c, &buf, &len);
	cr_assert_eq(
	        codec_unpack_request(buf, len, 0, TOKEN, &out, &refusal, &err),
	        CC_EPROTO, "%s accepted", what);
	cr_assert_eq(refusal, CLUSTCC__REFUSAL__REFUSAL_MALFORMED);
	cr_assert_null(out);
	cr_assert_not_null(strstr(err.msg, what), "msg '%s' lacks '%s'",
	                   err.msg, what);
	free(buf);
	cr_assert_eq(codec_check_compile(&f->c, NULL), CC_EPROTO);
}

Test(codec, relative_or_missing_compiler_path_is_eproto)
{
	static char empty[] = "";
	struct compile_fixture f;

	compile_fixture_init(&f);
	f.id.path = s_rel_path;
	expect_bad_compile(&f, "absolute");
	f.id.path = empty;
	expect_bad_compile(&f, "absolute");
	f.c.compiler = NULL;
	expect_bad_compile(&f, "absolute");
}

Test(codec, unknown_language_is_eproto)
{
	static char empty[] = "";
	struct compile_fixture f;

	compile_fixture_init(&f);
	f.c.language = s_fortran;
	expect_bad_compile(&f, "fortran");
	f.c.language = empty;
	expect_bad_compile(&f, "language");
}

Test(codec, too_many_args_is_eproto)
{
	struct compile_fixture f;
	char **many = malloc((CODEC_MAX_ARGS + 1) * sizeof(*many));
	Clustcc__Request *out;
	uint8_t *buf;
	size_t len;

	cr_assert_not_null(many);
	for (size_t i = 0; i < CODEC_MAX_ARGS + 1; i++)
		many[i] = s_o2;
	compile_fixture_init(&f);
	f.c.args = many;
	f.c.n_args = CODEC_MAX_ARGS;
	pack_compile_request(&f.c, &buf, &len);
	out = unpack_request_ok(buf, len);
	cr_assert_eq(out->compile->n_args, CODEC_MAX_ARGS);
	codec_free(out);
	free(buf);
	f.c.n_args = CODEC_MAX_ARGS + 1;
	expect_bad_compile(&f, "arguments");
	free(many);
}

/* A string of len bytes of 'a' (caller frees). */
static char *
long_string(size_t len)
{
	char *s = malloc(len + 1);

	cr_assert_not_null(s);
	memset(s, 'a', len);
	s[len] = '\0';
	return s;
}

Test(codec, over_long_argument_in_any_vector_is_eproto)
{
	struct compile_fixture f;
	char *longest = long_string(CODEC_MAX_ARG_BYTES - 1);
	char *too_long = long_string(CODEC_MAX_ARG_BYTES);
	char *one[1];
	Clustcc__Request *out;
	uint8_t *buf;
	size_t len;

	compile_fixture_init(&f);
	one[0] = longest;
	f.c.args = one;
	f.c.n_args = 1;
	pack_compile_request(&f.c, &buf, &len);
	/* The longest allowed argument passes (limit above the message). */
	cr_assert_eq(codec_unpack_request(buf, len, 1 << 20, TOKEN, &out,
	                                  &(Clustcc__Refusal){0}, NULL),
	             CC_OK);
	codec_free(out);
	free(buf);
	one[0] = too_long;
	expect_bad_compile(&f, "args[0] is longer than");
	f.c.n_args = 0;
	f.c.check_args = one;
	f.c.n_check_args = 1;
	expect_bad_compile(&f, "check_args[0] is longer than");
	f.c.n_check_args = 0;
	f.c.exact_args = one;
	f.c.n_exact_args = 1;
	expect_bad_compile(&f, "exact_args[0] is longer than");
	free(longest);
	free(too_long);
}

Test(codec, over_long_env_entry_or_path_is_eproto)
{
	struct compile_fixture f;
	char *too_long = long_string(CODEC_MAX_ARG_BYTES);
	char *long_path = long_string(CODEC_MAX_PATH_BYTES);

	compile_fixture_init(&f);
	too_long[4] = '=';
	f.env[1] = too_long;
	expect_bad_compile(&f, "env[1] is longer than");
	compile_fixture_init(&f);
	long_path[0] = '/';
	f.c.cwd = long_path;
	expect_bad_compile(&f, "cwd is longer than");
	compile_fixture_init(&f);
	f.id.path = long_path;
	expect_bad_compile(&f, "compiler path is longer than");
	compile_fixture_init(&f);
	f.c.source_name = long_path;
	expect_bad_compile(&f, "source_name is longer than");
	free(too_long);
	free(long_path);
}

Test(codec, too_many_env_entries_is_eproto)
{
	struct compile_fixture f;
	char *many[CODEC_MAX_ENV + 1];

	for (size_t i = 0; i < CODEC_MAX_ENV + 1; i++)
		many[i] = s_lang_env;
	compile_fixture_init(&f);
	f.c.env = many;
	f.c.n_env = CODEC_MAX_ENV + 1;
	expect_bad_compile(&f, "environment");
}

Test(codec, env_entry_without_name_value_is_eproto)
{
	static char no_eq[] = "LANG";
	static char no_name[] = "=C";
	struct compile_fixture f;

	compile_fixture_init(&f);
	f.env[1] = no_eq;
	expect_bad_compile(&f, "environment entry 1");
	f.env[1] = no_name;
	expect_bad_compile(&f, "environment entry 1");
}

Test(codec, refusal_response_round_trips)
{
	Clustcc__Response *out;
	uint8_t *buf;
	size_t len;

	cr_assert_eq(codec_pack_refusal(CLUSTCC__REFUSAL__REFUSAL_DRAINING,
	                                "server is draining", &buf, &len),
	             CC_OK);
	out = unpack_response_ok(buf, len);
	cr_assert_eq(out->refusal, CLUSTCC__REFUSAL__REFUSAL_DRAINING);
	cr_assert_str_eq(out->message, "server is draining");
	cr_assert_eq(out->body_case, CLUSTCC__RESPONSE__BODY__NOT_SET);
	codec_free(out);
	free(buf);

	cr_assert_eq(codec_pack_refusal(CLUSTCC__REFUSAL__REFUSAL_INTERNAL,
	                                NULL, &buf, &len),
	             CC_OK);
	out = unpack_response_ok(buf, len);
	cr_assert_eq(out->refusal, CLUSTCC__REFUSAL__REFUSAL_INTERNAL);
	cr_assert_str_eq(out->message, "");
	codec_free(out);
	free(buf);
}

Test(codec, every_refusal_has_a_unique_name)
{
	const ProtobufCEnumDescriptor *d = &clustcc__refusal__descriptor;

	cr_assert_gt(d->n_values, 10);
	for (unsigned i = 0; i < d->n_values; i++) {
		Clustcc__Refusal r = (Clustcc__Refusal)d->values[i].value;
		const char *name = codec_refusal_name(r);

		cr_assert_str_neq(name, "unknown", "%s has no name",
		                  d->values[i].name);
		cr_assert_neq(name[0], '\0');
		for (unsigned k = 0; k < i; k++) {
			Clustcc__Refusal o =
			        (Clustcc__Refusal)d->values[k].value;

			cr_assert_str_neq(name, codec_refusal_name(o),
			                  "%s and %s share a name",
			                  d->values[i].name, d->values[k].name);
		}
	}
	cr_assert_str_eq(codec_refusal_name(CLUSTCC__REFUSAL__REFUSAL_DRAINING),
	                 "draining");
	cr_assert_str_eq(codec_refusal_name((Clustcc__Refusal)999), "unknown");
	cr_assert_str_eq(codec_refusal_name((Clustcc__Refusal)-1), "unknown");
}

Test(codec, free_of_null_is_fine)
{
	codec_free(NULL);
}
