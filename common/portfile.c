/*
 * portfile.c - write, read and remove the head's port file (format in
 * portfile.h). The file is published with atomicfile, so a reader sees
 * the old file or the new one, never half a file; what it reads is still
 * validated line by line, because anyone who can write the path can put
 * anything there. Lines with unknown keys are skipped so that an older
 * client can read a newer server's file; the version on the first line
 * changes when a key's meaning does.
 *
 * Stateless and thread-safe.
 */
#include "portfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "atomicfile.h"
#include "fileio.h"

#define PORTFILE_HEADER "clustcc-portfile 1"
/* What portfile_publish() writes: endpoint, token, pid (+ tls_ca_file). */
#define PORTFILE_FORMAT \
	PORTFILE_HEADER "\nendpoint %s\ntoken %s\npid %" PRId64 "\n"
#define PORTFILE_TLS_FORMAT "tls_ca_file %s\n"

/* A valid file is under 5 KiB; leave room for keys added later. */
#define PORTFILE_MAX_BYTES (16 * 1024)

/* Which lines portfile_read() has seen, to catch missing and repeated keys. */
struct seen {
	bool endpoint;
	bool token;
	bool pid;
	bool tls_ca_file;
};

int
portfile_new_token(char out[PORTFILE_TOKEN_HEX + 1], struct cc_err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[PORTFILE_TOKEN_HEX / 2];
	size_t have = 0;
	ssize_t n;

	/*
	 * Before the kernel's pool is ready getrandom() may block and be
	 * interrupted; after that, requests this small are never short.
	 */
	while (have < sizeof(raw)) {
		n = getrandom(raw + have, sizeof(raw) - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cc_err_sys(
			        err, CC_ESYS, errno,
			        "cannot get random bytes for the server token");
		have += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[PORTFILE_TOKEN_HEX] = '\0';
	return CC_OK;
}

/* Exactly PORTFILE_TOKEN_HEX lowercase hex digits, then NUL. */
static bool
token_is_valid(const char *s)
{
	size_t i;

	for (i = 0; i < PORTFILE_TOKEN_HEX; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[i] == '\0';
}

/*
 * Non-empty, shorter than max, and no white space or control characters,
 * which would break the line format. Returns its length, or 0.
 */
static size_t
line_value_len(const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	if (len == 0 || len >= max)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f)
			return 0;
	}
	return len;
}

static bool
endpoint_is_valid(const char *s)
{
	return line_value_len(s, PORTFILE_ENDPOINT_MAX) > 0;
}

/* A line value that is also an absolute path. */
static bool
ca_file_is_valid(const char *s)
{
	return line_value_len(s, PORTFILE_PATH_MAX) > 0 && s[0] == '/';
}

int
portfile_publish(const char *path, const struct portfile *pf,
                 struct cc_err *err)
{
	/* Header, four keys, their values and newlines. */
	char buf[PORTFILE_ENDPOINT_MAX + PORTFILE_TOKEN_HEX +
	         PORTFILE_PATH_MAX + 160];
	int n, m = 0;

	if (!endpoint_is_valid(pf->endpoint))
		return cc_err_set(
		        err, CC_EINVAL,
		        "port file '%s': endpoint is empty, too long or holds white space",
		        path);
	if (!token_is_valid(pf->token))
		return cc_err_set(
		        err, CC_EINVAL,
		        "port file '%s': token is not %d lowercase hex digits",
		        path, PORTFILE_TOKEN_HEX);
	if (pf->pid < 1)
		return cc_err_set(err, CC_EINVAL,
		                  "port file '%s': pid %" PRId64 " is not >= 1",
		                  path, pf->pid);
	if (pf->tls_ca_file[0] && !ca_file_is_valid(pf->tls_ca_file))
		return cc_err_set(
		        err, CC_EINVAL,
		        "port file '%s': tls_ca_file is not an absolute path without white space",
		        path);
	n = snprintf(buf, sizeof(buf), PORTFILE_FORMAT, pf->endpoint, pf->token,
	             pf->pid);
	if (n > 0 && (size_t)n < sizeof(buf) && pf->tls_ca_file[0])
		m = snprintf(buf + n, sizeof(buf) - (size_t)n,
		             PORTFILE_TLS_FORMAT, pf->tls_ca_file);
	if (m > 0)
		n += m;
	if (n < 0 || m < 0 || (size_t)n >= sizeof(buf))
		return cc_err_set(
		        err, CC_EINTERNAL,
		        "port file '%s': contents do not fit %zu bytes", path,
		        sizeof(buf));
	/* 0600 whatever the umask: the token is a password. */
	return atomicfile_write(path, buf, (size_t)n, 0600, 0, err);
}

static int
parse_pid(const char *value, int64_t *out)
{
	long long v;
	char *end;

	/* strtoll() would also take blanks and a sign; a pid has neither. */
	if (value[0] < '0' || value[0] > '9')
		return CC_EPROTO;
	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1)
		return CC_EPROTO;
	*out = v;
	return CC_OK;
}

/* Parse one "key value" line (not the header) into pf. */
static int
parse_line(const char *path, int lineno, char *line, struct portfile *pf,
           struct seen *seen, struct cc_err *err)
{
	char *value = strchr(line, ' ');
	bool *dup = NULL;

	if (!value || value == line)
		return cc_err_set(
		        err, CC_EPROTO,
		        "port file '%s' line %d: expected 'key value'", path,
		        lineno);
	*value++ = '\0';
	if (strcmp(line, "endpoint") == 0) {
		if (!endpoint_is_valid(value))
			goto bad_value;
		memcpy(pf->endpoint, value, strlen(value) + 1);
		dup = &seen->endpoint;
	} else if (strcmp(line, "token") == 0) {
		if (!token_is_valid(value))
			goto bad_value;
		memcpy(pf->token, value, PORTFILE_TOKEN_HEX + 1);
		dup = &seen->token;
	} else if (strcmp(line, "pid") == 0) {
		if (parse_pid(value, &pf->pid) != CC_OK)
			goto bad_value;
		dup = &seen->pid;
	} else if (strcmp(line, "tls_ca_file") == 0) {
		if (!ca_file_is_valid(value))
			goto bad_value;
		memcpy(pf->tls_ca_file, value, strlen(value) + 1);
		dup = &seen->tls_ca_file;
	} else {
		/* A key from a newer server: skip it (see the head comment). */
		return CC_OK;
	}
	if (*dup)
		return cc_err_set(err, CC_EPROTO,
		                  "port file '%s' line %d: key '%s' repeated",
		                  path, lineno, line);
	*dup = true;
	return CC_OK;

bad_value:
	return cc_err_set(err, CC_EPROTO,
	                  "port file '%s' line %d: invalid value for key '%s'",
	                  path, lineno, line);
}

static int
check_complete(const char *path, const struct seen *seen, struct cc_err *err)
{
	const char *missing = NULL;

	if (!seen->endpoint)
		missing = "endpoint";
	else if (!seen->token)
		missing = "token";
	else if (!seen->pid)
		missing = "pid";
	if (missing)
		return cc_err_set(err, CC_EPROTO,
		                  "port file '%s': no '%s' line", path,
		                  missing);
	return CC_OK;
}

/* Split data (NUL-terminated, no NUL inside) into lines and parse them. */
static int
parse(const char *path, char *data, struct portfile *pf, struct cc_err *err)
{
	struct seen seen = {false, false, false, false};
	char *line = data;
	char *next;
	int lineno;
	int rc;

	for (lineno = 1; line; lineno++, line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (*line == '\0')
			break; /* end of a file that ends in a newline */
		if (lineno > 1) {
			rc = parse_line(path, lineno, line, pf, &seen, err);
			if (rc != CC_OK)
				return rc;
		} else if (strcmp(line, PORTFILE_HEADER) != 0) {
			return cc_err_set(
			        err, CC_EPROTO,
			        "port file '%s' line 1: expected '%s'", path,
			        PORTFILE_HEADER);
		}
	}
	if (lineno == 1)
		return cc_err_set(err, CC_EPROTO, "port file '%s' is empty",
		                  path);
	return check_complete(path, &seen, err);
}

int
portfile_read(const char *path, struct portfile *out, struct cc_err *err)
{
	struct portfile pf;
	char *data = NULL;
	size_t len;
	int rc;

	rc = fileio_read_all(path, PORTFILE_MAX_BYTES, &data, &len, err);
	if (rc == CC_ETOOBIG)
		return cc_err_set(err, CC_EPROTO,
		                  "port file '%s' is larger than %d bytes",
		                  path, PORTFILE_MAX_BYTES);
	if (rc != CC_OK)
		return rc;
	memset(&pf, 0, sizeof(pf));
	if (memchr(data, '\0', len))
		rc = cc_err_set(err, CC_EPROTO,
		                "port file '%s' holds a NUL byte", path);
	else
		rc = parse(path, data, &pf, err);
	free(data);
	if (rc == CC_OK)
		*out = pf;
	return rc;
}

int
portfile_remove(const char *path, const char *token, struct cc_err *err)
{
	struct portfile pf;
	int rc;

	if (!token)
		return cc_err_set(err, CC_EINVAL,
		                  "port file '%s': no token to match", path);
	rc = portfile_read(path, &pf, err);
	if (rc == CC_ENOENT) {
		cc_err_clear(err);
		return CC_OK;
	}
	if (rc != CC_OK)
		return rc;
	if (strcmp(pf.token, token) != 0)
		return cc_err_set(
		        err, CC_ETOKEN,
		        "port file '%s' holds another server's token; left in place",
		        path);
	/*
	 * A server that replaces the file between our read and this unlink
	 * loses its port file. Only two servers sharing one path, already a
	 * misconfiguration, can hit that window.
	 */
	if (unlink(path) != 0 && errno != ENOENT)
		return cc_err_sys(err, CC_ESYS, errno,
		                  "cannot remove port file '%s'", path);
	return CC_OK;
}
