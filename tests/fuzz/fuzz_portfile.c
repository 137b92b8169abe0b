/*
 * fuzz_portfile.c - libFuzzer target for the port-file reader. The input
 * becomes the contents of a memfd that portfile_read() opens through
 * /proc/self/fd, so the real read path (size limit, NUL check, line
 * parser) runs. A file that reads must hold a valid endpoint, token and
 * pid; one that does not must be refused with a message naming the file.
 */
/* memfd_create(): an anonymous file, nothing left on disk. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "portfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
require(int cond)
{
	if (!cond)
		abort();
}

static void
check_valid(const struct portfile *pf)
{
	size_t elen = strnlen(pf->endpoint, sizeof(pf->endpoint));

	require(elen > 0 && elen < sizeof(pf->endpoint));
	for (size_t i = 0; i < elen; i++)
		require((unsigned char)pf->endpoint[i] > ' ' &&
		        pf->endpoint[i] != 0x7f);
	require(strlen(pf->token) == PORTFILE_TOKEN_HEX);
	require(strspn(pf->token, "0123456789abcdef") == PORTFILE_TOKEN_HEX);
	require(pf->pid >= 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portfile pf;
	struct cc_err err = {0};
	char path[64];
	int fd = memfd_create("fuzz_portfile", MFD_CLOEXEC);
	int rc;

	require(fd >= 0);
	require(size == 0 || write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&pf, 0, sizeof(pf));
	rc = portfile_read(path, &pf, &err);
	if (rc == CC_OK) {
		check_valid(&pf);
	} else {
		require(err.code == rc);
		require(strstr(err.msg, path) != NULL);
	}
	close(fd);
	return 0;
}
