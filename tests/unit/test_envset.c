/*
 * test_envset.c - a child's environment: set, replace, remove, whole-name
 * matching, order, and an empty base.
 */
#include "envset.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static size_t
count(const char **env)
{
	size_t n = 0;

	while (env[n])
		n++;
	return n;
}

Test(envset, replaces_adds_and_keeps_order)
{
	const char *base[] = {"A=1", "PATH=/bin", "B=2", NULL};
	const char *changes[] = {"PATH=/x:/bin", "NEW=3"};
	const char **env = NULL;

	cr_assert_eq(envset_apply(base, changes, 2, &env), CC_OK);
	cr_assert_eq(count(env), 4);
	cr_assert_str_eq(env[0], "A=1");
	cr_assert_str_eq(env[1], "B=2");
	cr_assert_str_eq(env[2], "PATH=/x:/bin");
	cr_assert_str_eq(env[3], "NEW=3");
	free((void *)env);
}

Test(envset, bare_name_removes)
{
	const char *base[] = {"CLUSTCC_PORT_FILE=/old", "HOME=/root", NULL};
	const char *changes[] = {"CLUSTCC_PORT_FILE"};
	const char **env = NULL;

	cr_assert_eq(envset_apply(base, changes, 1, &env), CC_OK);
	cr_assert_eq(count(env), 1);
	cr_assert_str_eq(env[0], "HOME=/root");
	free((void *)env);
}

Test(envset, names_match_whole)
{
	const char *base[] = {"PATHEXT=a", "PAT=b", "PATH=c", NULL};
	const char *changes[] = {"PATH=d", "P"};
	const char **env = NULL;

	cr_assert_eq(envset_apply(base, changes, 2, &env), CC_OK);
	cr_assert_eq(count(env), 3);
	cr_assert_str_eq(env[0], "PATHEXT=a");
	cr_assert_str_eq(env[1], "PAT=b");
	cr_assert_str_eq(env[2], "PATH=d");
	free((void *)env);
}

Test(envset, empty_base_and_no_changes)
{
	const char *empty[] = {NULL};
	const char *changes[] = {"X=1", "GONE"};
	const char **env = NULL;

	cr_assert_eq(envset_apply(empty, changes, 2, &env), CC_OK);
	cr_assert_eq(count(env), 1);
	cr_assert_str_eq(env[0], "X=1");
	free((void *)env);
	cr_assert_eq(envset_apply(NULL, NULL, 0, &env), CC_OK);
	cr_assert_eq(count(env), 0);
	free((void *)env);
}

Test(envset, value_may_hold_equals)
{
	const char *base[] = {"CC=gcc", NULL};
	const char *changes[] = {"CC=/b/clustcc-gcc gcc -DX=1"};
	const char **env = NULL;

	cr_assert_eq(envset_apply(base, changes, 1, &env), CC_OK);
	cr_assert_eq(count(env), 1);
	cr_assert_str_eq(env[0], "CC=/b/clustcc-gcc gcc -DX=1");
	free((void *)env);
}
