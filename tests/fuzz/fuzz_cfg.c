/*
 * fuzz_cfg.c - libFuzzer target for the config loader: the input (cut at
 * its first NUL, as a file read into a C string would be) goes to
 * cfg_load_string(). A config that loads is freed again (LSan checks it);
 * one that does not must be refused with a message naming the config.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

#define NAME "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
require(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *cfg = NULL;
	struct cc_err err = {0};
	char *text = malloc(size + 1);
	int rc;

	require(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	rc = cfg_load_string(NAME, text, &cfg, &err);
	if (rc == CC_OK) {
		require(cfg != NULL);
		cfg_free(cfg);
	} else {
		require(cfg == NULL && err.code == rc);
		require(strncmp(err.msg, "config '" NAME "'", 17) == 0);
	}
	free(text);
	return 0;
}
