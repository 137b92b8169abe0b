/*
 * envset.c - a child's environment as the caller's plus changes. Only
 * pointers are copied: the result borrows every string (envset.h).
 */
#include "envset.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Does var ("NAME=VALUE") have the name of change ("NAME[=VALUE]")? */
static bool
same_name(const char *var, const char *change)
{
	size_t len = strcspn(change, "=");

	return strncmp(var, change, len) == 0 && var[len] == '=';
}

static bool
changed(const char *var, const char *const *changes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (same_name(var, changes[i]))
			return true;
	return false;
}

int
envset_apply(const char *const *base, const char *const *changes,
             size_t n_changes, const char ***out)
{
	size_t n_base = 0, k = 0;
	const char **env;

	while (base && base[n_base])
		n_base++;
	if (n_base > SIZE_MAX / sizeof(*env) - n_changes - 1)
		return CC_ENOMEM;
	env = calloc(n_base + n_changes + 1, sizeof(*env));
	if (!env)
		return CC_ENOMEM;
	for (size_t i = 0; i < n_base; i++)
		if (!changed(base[i], changes, n_changes))
			env[k++] = base[i];
	for (size_t i = 0; i < n_changes; i++)
		if (strchr(changes[i], '='))
			env[k++] = changes[i];
	env[k] = NULL;
	*out = env;
	return CC_OK;
}
