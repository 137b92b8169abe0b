/*
 * cfg.c - the run's JSON config. One static table, keys[], has a row per
 * key: name (= the struct cfg field), type, flags, default, bounds, help
 * text and the field's offset. Everything is driven by that table:
 * defaults, parsing, per-key validation, the skeleton (cfg_write_skeleton)
 * and the key reference (cfg_print_keys); docs/config.md is written by
 * hand from it and a unit test checks the two agree.
 *
 * Loading: `//` and block comments are blanked out in a private copy of
 * the text (same length, newlines kept) so cJSON's parse-end offset is
 * also an offset into what the user wrote and gives line:column.
 * cJSON_Minify would strip comments too (it respects string literals, so
 * "tcp://..." survives) but it moves every byte after the first comment.
 * Then: the top level must be an object; every member must be a known key
 * (else the nearest known key is suggested), given once, of its type and
 * within its bounds; required keys must be present; cross-field rules run
 * last, in check_cross(). The first problem found is reported.
 *
 * Threads: any. This file keeps no state; the one caveat is cJSON itself,
 * whose parse functions record the last error in a process-wide variable
 * that we never read (two threads loading at once race on it; the
 * programs load their config once, before starting threads).
 */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fileio.h"

/* A config is a page of text; anything larger is not a config. */
#define CFG_MAX_FILE_BYTES (1024 * 1024)

/* Longest string value quoted back in an error message. */
#define QUOTE_MAX 48

/* Keys longer than this get no "did you mean" suggestion. */
#define SUGGEST_NAME_MAX 64

/* Help text width: a skeleton line (tab, "// ", text) fits 80 columns. */
#define HELP_WIDTH 68

enum key_type {
	KEY_STRING,      /* char * */
	KEY_INT,         /* int */
	KEY_SIZE,        /* size_t, bytes */
	KEY_DURATION_MS, /* int64_t, milliseconds */
	KEY_LOG_LEVEL,   /* enum log_level, given by name */
	KEY_BOOL,        /* bool, JSON true/false */
	KEY_STRINGS      /* char ** (NULL-terminated) + size_t count */
};

enum key_flag {
	KEY_REQUIRED = 1 << 0, /* no default; def_str is the skeleton's value */
	KEY_NULLABLE = 1 << 1, /* may be absent or null: the field is NULL */
	KEY_NONEMPTY = 1 << 2  /* a string that, if given, is not "" */
};

struct key {
	const char *name;
	enum key_type type;
	unsigned flags;               /* enum key_flag */
	const char *def_str;          /* KEY_STRING default */
	int64_t def_num;              /* numeric and log level default */
	int64_t min, max;             /* numeric bounds, inclusive */
	bool (*valid)(const char *s); /* extra rule for a string, or NULL */
	const char *what;             /* what valid() accepts, for messages */
	size_t off;                   /* offsetof(struct cfg, <name>) */
	size_t count_off;             /* KEY_STRINGS: offset of the count */
	const char *help;
};

/*
 * offsetof(struct cfg, f), and a compile error unless the field has type
 * T: the table writes through these offsets, so a row whose type does not
 * match its field must not build. The _Generic operand is not evaluated.
 */
#define FIELD(f, T)                \
	(offsetof(struct cfg, f) + \
	 0 * sizeof(_Generic(((struct cfg *)0)->f, T : 1)))

#define KEY_STR(f, fl, def, h)                                         \
	{                                                              \
		.name = #f, .type = KEY_STRING, .flags = (fl),         \
		.def_str = (def), .off = FIELD(f, char *), .help = (h) \
	}
#define KEY_STR_CHECKED(f, fl, def, fn, w, h)                  \
	{                                                      \
		.name = #f, .type = KEY_STRING, .flags = (fl), \
		.def_str = (def), .valid = (fn), .what = (w),  \
		.off = FIELD(f, char *), .help = (h)           \
	}
#define KEY_NUM(f, ty, T, def, lo, hi, h)                                \
	{                                                                \
		.name = #f, .type = (ty), .def_num = (def), .min = (lo), \
		.max = (hi), .off = FIELD(f, T), .help = (h)             \
	}
#define KEY_FLAG(f, def, h)                                     \
	{                                                       \
		.name = #f, .type = KEY_BOOL, .def_num = (def), \
		.off = FIELD(f, bool), .help = (h)              \
	}
#define KEY_LEVEL(f, def, h)                                         \
	{                                                            \
		.name = #f, .type = KEY_LOG_LEVEL, .def_num = (def), \
		.off = FIELD(f, enum log_level), .help = (h)         \
	}
#define KEY_LIST(f, n, h)                                                  \
	{                                                                  \
		.name = #f, .type = KEY_STRINGS, .off = FIELD(f, char **), \
		.count_off = FIELD(n, size_t), .help = (h)                 \
	}

static bool endpoint_is_valid(const char *s);

/* In the order of the original tool's config, then ours. */
static const struct key keys[] = {
        KEY_STR(slurm_partition, 0, "",
                "Slurm partition for the generated batch file; \"\" = the cluster's default partition"),
        KEY_STR(slurm_pmi, 0, "pmix",
                "PMI plugin for srun --mpi in the generated batch file (pmix, pmi2, ...)"),
        KEY_STR(slurm_time, 0, "01:00:00",
                "time limit of the Slurm allocation (sbatch --time), e.g. 01:00:00"),
        KEY_STR(slurm_batch_file, 0, "clustcc.sbatch",
                "name of the Slurm batch file that clustcc-ctl generates"),
        KEY_STR(launch_file, KEY_NONEMPTY, "clustcc-launch.sh",
                "name of the Flux launch script that clustcc-ctl generates"),
        KEY_NUM(total_cpus, KEY_INT, int, 0, 0, INT_MAX,
                "CPUs of the whole allocation (sbatch --ntasks); 0 = not set, otherwise at least head_rank_cpus + num_workers * worker_rank_cpus"),
        KEY_STR(flux_exe, KEY_NONEMPTY, "flux",
                "Flux executable: a path, or a name looked up in PATH"),
        KEY_STR(spack_exe, KEY_NONEMPTY, "spack",
                "Spack executable: a path, or a name looked up in PATH"),
        KEY_STR(port_file, KEY_REQUIRED | KEY_NONEMPTY, "clustcc.port",
                "file where the head publishes its endpoint and token; it must be on a file system that every client can read"),
        KEY_LIST(
                specs, n_specs,
                "Spack specs to install with the clustcc toolchain, one spec per element"),
        KEY_NUM(num_workers, KEY_INT, int, 1, 0, INT_MAX,
                "worker ranks that run compiles; 0 = the head compiles alone (then head_rank_tasks must be at least 1)"),
        KEY_NUM(head_rank_cpus, KEY_INT, int, 1, 1, INT_MAX,
                "CPUs given to the head rank"),
        KEY_NUM(head_rank_tasks, KEY_INT, int, 0, 0, INT_MAX,
                "compiles the head rank runs itself at once, besides dispatching; 0 = none"),
        KEY_NUM(worker_rank_cpus, KEY_INT, int, 1, 1, INT_MAX,
                "CPUs given to each worker rank, which is also the number of compiles it runs at once"),
        KEY_LEVEL(logging_level, LOG_LEVEL_WARNING,
                  "least severe level that is logged"),
        KEY_STR(logging_prefix, 0, "",
                "\"\" = log to stderr; otherwise a directory (created if missing) where rank 0 appends to head.log, rank N to worker-N.log"),
        KEY_STR(spack_env, KEY_NULLABLE | KEY_NONEMPTY, NULL,
                "Spack environment directory (holding spack.yaml) used by the launch script; null or absent = none"),
        KEY_STR(spack_toolchain, 0, "clustcc",
                "Spack toolchain the generated scripts build with: \"%<spack_toolchain>\" is added to each spec's root, before its first ^dependency; \"\" = none"),
        KEY_STR(mpirun_file, 0, "clustcc-mpirun.sh",
                "name of the plain mpirun launch script that clustcc-ctl generates; \"\" = none"),
        KEY_STR_CHECKED(
                endpoint, 0, "tcp://0.0.0.0:0", endpoint_is_valid,
                "a URL tcp://<host>:<port>, tls+tcp://<host>:<port> or ipc://<path>",
                "nng URL the head listens on; tcp port 0 picks a free port, and the port file tells clients the real one"),
        KEY_STR(advertise_host, 0, "",
                "host name or address that clients dial, written to port_file; \"\" = the head's gethostname()"),
        KEY_NUM(max_msg_bytes, KEY_SIZE, size_t, 256 * 1024 * 1024, 64 * 1024,
                INT_MAX,
                "largest request or reply on the wire, in bytes; it bounds the preprocessed source and the outputs of one compile"),
        KEY_NUM(compile_timeout_ms, KEY_DURATION_MS, int64_t, 600000, 1000,
                7 * 24 * 3600 * 1000LL,
                "time limit of one compile on a rank, in milliseconds; a compile that takes longer is killed and the client compiles locally"),
        KEY_NUM(max_queued_jobs, KEY_INT, int, 1024, 1, 65536,
                "requests the head holds at once, queued or running; further requests wait in the socket until one is answered (the client's timeout bounds the wait)"),
        KEY_STR(scratch_dir, 0, "",
                "root of the per-job directories on every rank; \"\" = $TMPDIR, or /tmp"),
        KEY_FLAG(
                shipped_debug, 0,
                "compile -g sources on a rank that cannot use exact mode; their objects then record -fdirectives-only in DW_AT_producer (not byte-identical), so by default such compiles run on the client"),
        KEY_FLAG(
                exact_mode, 1,
                "when the client's directory is visible on a rank (shared filesystem), verify and run the client's own command there, so objects and diagnostics are exactly a local compile's; false = always compile the shipped preprocessed source"),
        KEY_LIST(
                allowed_compilers, n_allowed_compilers,
                "compilers a rank may run: absolute paths or fnmatch patterns, matched against the real path (symlinks resolved) of the compiler a request names; [] = the gcc, g++, cc and c++ found on each rank's PATH"),
        KEY_NUM(max_jobs_per_connection, KEY_INT, int, 16, 1, 65536,
                "requests one client connection may have in flight at once; further ones are refused as busy (clustcc-gcc sends one)"),
        KEY_STR(tls_cert_file, 0, "",
                "with a tls+tcp:// endpoint: absolute path of the head's self-signed certificate (PEM); the port file names it and clients trust only it"),
        KEY_STR(tls_key_file, 0, "",
                "with a tls+tcp:// endpoint: absolute path of the certificate's private key (PEM)"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* ---- fields ---------------------------------------------------------- */

static void *
field(struct cfg *cfg, size_t off)
{
	return (char *)cfg + off;
}

static void
free_strings(char **list)
{
	if (!list)
		return;
	for (size_t i = 0; list[i]; i++)
		free(list[i]);
	free(list);
}

void
cfg_free(struct cfg *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (k->type == KEY_STRING)
			free(*(char **)field(cfg, k->off));
		else if (k->type == KEY_STRINGS)
			free_strings(*(char ***)field(cfg, k->off));
	}
	free(cfg->path);
	free(cfg);
}

/* Set every field to its default; required and nullable strings stay NULL. */
static int
set_defaults(struct cfg *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		void *p = field(cfg, k->off);

		switch (k->type) {
		case KEY_STRING:
			if (k->flags & (KEY_REQUIRED | KEY_NULLABLE))
				break;
			*(char **)p = strdup(k->def_str);
			if (!*(char **)p)
				return CC_ENOMEM;
			break;
		case KEY_INT:
			*(int *)p = (int)k->def_num;
			break;
		case KEY_SIZE:
			*(size_t *)p = (size_t)k->def_num;
			break;
		case KEY_DURATION_MS:
			*(int64_t *)p = k->def_num;
			break;
		case KEY_LOG_LEVEL:
			*(enum log_level *)p = (enum log_level)k->def_num;
			break;
		case KEY_BOOL:
			*(bool *)p = k->def_num != 0;
			break;
		case KEY_STRINGS:
			*(char ***)p = calloc(1, sizeof(char *));
			if (!*(char ***)p)
				return CC_ENOMEM;
			*(size_t *)field(cfg, k->count_off) = 0;
			break;
		}
	}
	return CC_OK;
}

/* ---- descriptions for messages, the skeleton and the reference --------- */

static void
describe_range(const struct key *k, const char *noun, char *buf, size_t size)
{
	if (k->type == KEY_INT && k->max == INT_MAX)
		snprintf(buf, size, "%s >= %lld", noun, (long long)k->min);
	else
		snprintf(buf, size, "%s between %lld and %lld", noun,
		         (long long)k->min, (long long)k->max);
}

/* What a key accepts: "an integer >= 1", "a non-empty string or null"... */
static void
describe_expected(const struct key *k, char *buf, size_t size)
{
	size_t len;

	switch (k->type) {
	case KEY_STRING:
		if (k->what)
			snprintf(buf, size, "%s", k->what);
		else if (k->flags & KEY_NONEMPTY)
			snprintf(buf, size, "a non-empty string");
		else
			snprintf(buf, size, "a string");
		if (k->flags & KEY_NULLABLE) {
			len = strlen(buf);
			snprintf(buf + len, size - len, " or null");
		}
		break;
	case KEY_INT:
		describe_range(k, "an integer", buf, size);
		break;
	case KEY_SIZE:
		describe_range(k, "an integer number of bytes", buf, size);
		break;
	case KEY_DURATION_MS:
		describe_range(k, "an integer number of milliseconds", buf,
		               size);
		break;
	case KEY_LOG_LEVEL:
		snprintf(buf, size, "one of");
		for (int i = LOG_LEVEL_DEBUG; i <= LOG_LEVEL_NONE; i++) {
			len = strlen(buf);
			snprintf(buf + len, size - len, "%s %s",
			         i > LOG_LEVEL_DEBUG ? "," : "",
			         log_level_name((enum log_level)i));
		}
		break;
	case KEY_BOOL:
		snprintf(buf, size, "true or false");
		break;
	case KEY_STRINGS:
		snprintf(buf, size, "an array of non-empty strings");
		break;
	}
}

/*
 * Copy at most max bytes of s into buf, control characters as '?', and
 * "..." if cut (never inside a UTF-8 sequence).
 */
static void
printable(const char *s, size_t max, char *buf, size_t size)
{
	size_t n = strlen(s);
	bool cut = n > max;
	size_t i;

	if (cut) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (n > size - 4)
		n = size - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[i] = '\0';
	if (cut)
		memcpy(buf + i, "...", 4);
}

/* What was found, for "got <found>": "1.5", "\"3\"", "true", "an array". */
static void
describe_found(const cJSON *item, char *buf, size_t size)
{
	char text[QUOTE_MAX + 4];

	if (cJSON_IsString(item)) {
		printable(item->valuestring, QUOTE_MAX, text, sizeof(text));
		snprintf(buf, size, "\"%s\"", text);
	} else if (cJSON_IsNumber(item)) {
		snprintf(buf, size, "%.15g", item->valuedouble);
	} else if (cJSON_IsTrue(item)) {
		snprintf(buf, size, "true");
	} else if (cJSON_IsFalse(item)) {
		snprintf(buf, size, "false");
	} else if (cJSON_IsNull(item)) {
		snprintf(buf, size, "null");
	} else if (cJSON_IsArray(item)) {
		snprintf(buf, size, "an array");
	} else if (cJSON_IsObject(item)) {
		snprintf(buf, size, "an object");
	} else {
		snprintf(buf, size, "an invalid value");
	}
}

static int
bad_value(const struct cfg *cfg, const struct key *k, const cJSON *item,
          struct cc_err *err)
{
	char expected[128];
	char found[QUOTE_MAX + 8];

	describe_expected(k, expected, sizeof(expected));
	describe_found(item, found, sizeof(found));
	return cc_err_set(err, CC_ECONFIG,
	                  "config '%s': key '%s': expected %s, got %s",
	                  cfg->path, k->name, expected, found);
}

static int
no_memory(const char *path, struct cc_err *err)
{
	return cc_err_set(err, CC_ENOMEM, "config '%s': out of memory", path);
}

/* ---- per-key parsing ------------------------------------------------- */

/* tcp://[host]:port (host may be empty or [v6]) or ipc://path. */
static bool
endpoint_is_valid(const char *s)
{
	const char *colon;
	size_t digits;

	if (strncmp(s, "ipc://", 6) == 0)
		return s[6] != '\0' &&
		       strlen(s + 6) <
		               sizeof(((struct sockaddr_un *)0)->sun_path);
	if (strncmp(s, "tls+tcp://", 10) == 0)
		s += 4; /* same form as tcp:// */
	if (strncmp(s, "tcp://", 6) != 0)
		return false;
	colon = strrchr(s + 6, ':');
	if (!colon)
		return false;
	digits = strspn(colon + 1, "0123456789");
	if (digits == 0 || digits > 5 || colon[1 + digits] != '\0')
		return false;
	return atol(colon + 1) <= 65535;
}

/* A JSON number that is an integer in [min, max]. */
static bool
json_integer(const cJSON *item, int64_t min, int64_t max, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(item))
		return false;
	d = item->valuedouble;
	/* Also false for NaN; in range, the cast below is defined. */
	if (!(d >= (double)min && d <= (double)max))
		return false;
	if ((double)(int64_t)d != d)
		return false;
	*out = (int64_t)d;
	return true;
}

static int
set_string(struct cfg *cfg, const struct key *k, const cJSON *item,
           struct cc_err *err)
{
	char **p = field(cfg, k->off);
	const char *s;
	char *copy;

	if (cJSON_IsNull(item) && (k->flags & KEY_NULLABLE)) {
		free(*p);
		*p = NULL;
		return CC_OK;
	}
	if (!cJSON_IsString(item))
		return bad_value(cfg, k, item, err);
	s = item->valuestring;
	if ((k->flags & KEY_NONEMPTY) && s[0] == '\0')
		return bad_value(cfg, k, item, err);
	if (k->valid && !k->valid(s))
		return bad_value(cfg, k, item, err);
	copy = strdup(s);
	if (!copy)
		return no_memory(cfg->path, err);
	free(*p);
	*p = copy;
	return CC_OK;
}

static int
set_strings(struct cfg *cfg, const struct key *k, const cJSON *item,
            struct cc_err *err)
{
	char ***p = field(cfg, k->off);
	const cJSON *el;
	char found[QUOTE_MAX + 8];
	char **list;
	size_t n = 0;

	if (!cJSON_IsArray(item))
		return bad_value(cfg, k, item, err);
	cJSON_ArrayForEach(el, item)
	{
		if (!cJSON_IsString(el) || el->valuestring[0] == '\0') {
			describe_found(el, found, sizeof(found));
			return cc_err_set(
			        err, CC_ECONFIG,
			        "config '%s': key '%s[%zu]': expected a non-empty string, got %s",
			        cfg->path, k->name, n, found);
		}
		n++;
	}
	list = calloc(n + 1, sizeof(*list));
	if (!list)
		return no_memory(cfg->path, err);
	n = 0;
	cJSON_ArrayForEach(el, item)
	{
		list[n] = strdup(el->valuestring);
		if (!list[n]) {
			free_strings(list);
			return no_memory(cfg->path, err);
		}
		n++;
	}
	free_strings(*p);
	*p = list;
	*(size_t *)field(cfg, k->count_off) = n;
	return CC_OK;
}

static int
set_value(struct cfg *cfg, const struct key *k, const cJSON *item,
          struct cc_err *err)
{
	enum log_level level;
	int64_t v;

	switch (k->type) {
	case KEY_STRING:
		return set_string(cfg, k, item, err);
	case KEY_STRINGS:
		return set_strings(cfg, k, item, err);
	case KEY_LOG_LEVEL:
		if (!cJSON_IsString(item) ||
		    log_level_parse(item->valuestring, &level) != CC_OK)
			return bad_value(cfg, k, item, err);
		*(enum log_level *)field(cfg, k->off) = level;
		return CC_OK;
	case KEY_BOOL:
		if (!cJSON_IsBool(item))
			return bad_value(cfg, k, item, err);
		*(bool *)field(cfg, k->off) = cJSON_IsTrue(item);
		return CC_OK;
	case KEY_INT:
	case KEY_SIZE:
	case KEY_DURATION_MS:
		break;
	}
	if (!json_integer(item, k->min, k->max, &v))
		return bad_value(cfg, k, item, err);
	if (k->type == KEY_INT)
		*(int *)field(cfg, k->off) = (int)v;
	else if (k->type == KEY_SIZE)
		*(size_t *)field(cfg, k->off) = (size_t)v;
	else
		*(int64_t *)field(cfg, k->off) = v;
	return CC_OK;
}

/* ---- keys ------------------------------------------------------------- */

static const struct key *
key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Case does not count, nor '-' for '_': "Slurm-Partition" is a typo. */
static bool
same_char(char a, char b)
{
	if (a == '-')
		a = '_';
	if (b == '-')
		b = '_';
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Levenshtein distance; both strings at most SUGGEST_NAME_MAX bytes. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t row[SUGGEST_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > SUGGEST_NAME_MAX || lb > SUGGEST_NAME_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best =
			        diag + (same_char(a[i - 1], b[j - 1]) ? 0 : 1);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The known key closest to name, if close enough to be a typo. */
static const struct key *
nearest_key(const char *name)
{
	const struct key *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < NKEYS; i++) {
		size_t d = edit_distance(name, keys[i].name);

		if (d < best_d) {
			best_d = d;
			best = &keys[i];
		}
	}
	if (best_d > 3 || best_d >= strlen(name))
		return NULL;
	return best;
}

static int
unknown_key(const char *path, const char *name, struct cc_err *err)
{
	const struct key *k = nearest_key(name);
	char text[QUOTE_MAX + 4];

	printable(name, QUOTE_MAX, text, sizeof(text));
	if (k)
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': unknown key '%s', did you mean '%s'?",
		        path, text, k->name);
	return cc_err_set(err, CC_ECONFIG, "config '%s': unknown key '%s'",
	                  path, text);
}

/* Apply every member of root; then check that required keys were given. */
static int
apply_members(struct cfg *cfg, const cJSON *root, struct cc_err *err)
{
	bool seen[NKEYS] = {false};
	char found[QUOTE_MAX + 8];
	const cJSON *item;
	int rc;

	if (!cJSON_IsObject(root)) {
		describe_found(root, found, sizeof(found));
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': expected a JSON object at the top level, got %s",
		        cfg->path, found);
	}
	cJSON_ArrayForEach(item, root)
	{
		const char *name = item->string ? item->string : "";
		const struct key *k = key_find(name);

		if (!k)
			return unknown_key(cfg->path, name, err);
		if (seen[k - keys])
			return cc_err_set(err, CC_ECONFIG,
			                  "config '%s': duplicate key '%s'",
			                  cfg->path, k->name);
		seen[k - keys] = true;
		if ((rc = set_value(cfg, k, item, err)) != CC_OK)
			return rc;
	}
	for (size_t i = 0; i < NKEYS; i++)
		if ((keys[i].flags & KEY_REQUIRED) && !seen[i])
			return cc_err_set(
			        err, CC_ECONFIG,
			        "config '%s': missing required key '%s'",
			        cfg->path, keys[i].name);
	return CC_OK;
}

/* tls+tcp:// needs both files, absolute; other endpoints neither. */
static int
check_tls(const struct cfg *cfg, struct cc_err *err)
{
	bool tls = strncmp(cfg->endpoint, "tls+tcp://", 10) == 0;
	const char *names[] = {"tls_cert_file", "tls_key_file"};
	const char *values[] = {cfg->tls_cert_file, cfg->tls_key_file};

	for (size_t i = 0; i < 2; i++) {
		if (tls && values[i][0] != '/')
			return cc_err_set(
			        err, CC_ECONFIG,
			        "config '%s': key '%s': expected an absolute path when endpoint is tls+tcp://, got \"%.48s\"",
			        cfg->path, names[i], values[i]);
		if (!tls && values[i][0])
			return cc_err_set(
			        err, CC_ECONFIG,
			        "config '%s': key '%s': set, but endpoint '%.48s' is not tls+tcp://",
			        cfg->path, names[i], cfg->endpoint);
	}
	return CC_OK;
}

/* Rules between keys, after each key has passed its own checks. */
static int
check_cross(const struct cfg *cfg, struct cc_err *err)
{
	int64_t need;

	/* Without workers the head's own slots are the only ones. */
	if (cfg->num_workers == 0 && cfg->head_rank_tasks < 1)
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': key 'head_rank_tasks': expected an integer >= 1 when num_workers is 0, got %d",
		        cfg->path, cfg->head_rank_tasks);
	/* Fewer CPUs than the ranks need and Flux waits forever. */
	need = (int64_t)cfg->head_rank_cpus +
	       (int64_t)cfg->num_workers * cfg->worker_rank_cpus;
	if (cfg->total_cpus != 0 && cfg->total_cpus < need)
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': key 'total_cpus': expected 0 or at least head_rank_cpus + num_workers * worker_rank_cpus = %lld, got %d",
		        cfg->path, (long long)need, cfg->total_cpus);
	/* A relative compiler path would mean "wherever the rank runs". */
	for (size_t i = 0; i < cfg->n_allowed_compilers; i++) {
		char text[QUOTE_MAX + 4];

		if (cfg->allowed_compilers[i][0] == '/')
			continue;
		printable(cfg->allowed_compilers[i], QUOTE_MAX, text,
		          sizeof(text));
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': key 'allowed_compilers[%zu]': expected an absolute path or pattern, got \"%s\"",
		        cfg->path, i, text);
	}
	return check_tls(cfg, err);
}

/* ---- text ------------------------------------------------------------- */

/* i is at an opening quote; return the index after the closing one. */
static size_t
skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/*
 * Replace // and block comments outside strings by spaces, keeping
 * newlines, so offsets into s are offsets into the original. An
 * unterminated block comment is left alone for cJSON to reject.
 */
static void
blank_comments(char *s, size_t len)
{
	size_t i = 0;
	const char *end;

	while (i < len) {
		if (s[i] == '"') {
			i = skip_string(s, len, i);
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
			while (i < len && s[i] != '\n')
				s[i++] = ' ';
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			end = strstr(s + i + 2, "*/");
			if (!end)
				return;
			for (; s + i < end + 2; i++)
				if (s[i] != '\n')
					s[i] = ' ';
		} else {
			i++;
		}
	}
}

/* 1-based line and column (in bytes) of offset off in text. */
static void
line_col(const char *text, size_t off, size_t *line, size_t *col)
{
	size_t start = 0;

	*line = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = off - start + 1;
}

static int
parse_json(const char *path, const char *text, size_t len, cJSON **out,
           struct cc_err *err)
{
	const char *nul = memchr(text, '\0', len);
	const char *end = NULL;
	size_t off, line, col;
	char *copy;
	cJSON *root;

	if (nul) {
		line_col(text, (size_t)(nul - text), &line, &col);
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': line %zu, column %zu: NUL byte in the text",
		        path, line, col);
	}
	copy = malloc(len + 1);
	if (!copy)
		return no_memory(path, err);
	memcpy(copy, text, len);
	copy[len] = '\0';
	blank_comments(copy, len);
	root = cJSON_ParseWithOpts(copy, &end, true);
	if (!root) {
		off = end ? (size_t)(end - copy) : 0;
		free(copy);
		line_col(text, off < len ? off : len, &line, &col);
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': line %zu, column %zu: JSON syntax error",
		        path, line, col);
	}
	free(copy);
	*out = root;
	return CC_OK;
}

static int
load(const char *path, const char *text, size_t len, struct cfg **out,
     struct cc_err *err)
{
	struct cfg *cfg = NULL;
	cJSON *root = NULL;
	int rc;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return no_memory(path, err);
	cfg->path = strdup(path);
	if (!cfg->path || set_defaults(cfg) != CC_OK) {
		rc = no_memory(path, err);
		goto out;
	}
	if ((rc = parse_json(path, text, len, &root, err)) != CC_OK)
		goto out;
	if ((rc = apply_members(cfg, root, err)) != CC_OK)
		goto out;
	if ((rc = check_cross(cfg, err)) != CC_OK)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	cJSON_Delete(root);
	cfg_free(cfg);
	return rc;
}

int
cfg_load_string(const char *name, const char *json, struct cfg **out,
                struct cc_err *err)
{
	if (!name)
		name = "<string>";
	if (!json || !out)
		return cc_err_set(err, CC_EINVAL,
		                  "config '%s': no text to load", name);
	return load(name, json, strlen(json), out, err);
}

int
cfg_load_file(const char *path, struct cfg **out, struct cc_err *err)
{
	char *text = NULL;
	size_t len = 0;
	struct cc_err ferr = {0};
	int rc;

	if (!path || !out)
		return cc_err_set(err, CC_EINVAL, "config: no file to load");
	rc = fileio_read_all(path, CFG_MAX_FILE_BYTES, &text, &len, &ferr);
	if (rc == CC_ETOOBIG)
		return cc_err_set(
		        err, CC_ECONFIG,
		        "config '%s': expected at most %d bytes, got more",
		        path, CFG_MAX_FILE_BYTES);
	if (rc != CC_OK)
		return cc_err_sys(err, rc, ferr.sys, "config '%s': cannot read",
		                  path);
	rc = load(path, text, len, out, err);
	free(text);
	return rc;
}

/* ---- skeleton and reference ------------------------------------------- */

static void
put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The default as JSON; a required key's example value. */
static void
put_default(FILE *f, const struct key *k)
{
	switch (k->type) {
	case KEY_STRING:
		if (k->def_str)
			put_json_string(f, k->def_str);
		else
			fputs("null", f);
		break;
	case KEY_INT:
	case KEY_SIZE:
	case KEY_DURATION_MS:
		fprintf(f, "%lld", (long long)k->def_num);
		break;
	case KEY_LOG_LEVEL:
		put_json_string(f, log_level_name((enum log_level)k->def_num));
		break;
	case KEY_BOOL:
		fputs(k->def_num ? "true" : "false", f);
		break;
	case KEY_STRINGS:
		fputs("[]", f);
		break;
	}
}

/* text as lines of at most HELP_WIDTH bytes, each after prefix. */
static void
put_wrapped(FILE *f, const char *prefix, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strlen(p);
		const char *cut;

		if (n > HELP_WIDTH) {
			cut = p + HELP_WIDTH;
			while (cut > p && *cut != ' ')
				cut--;
			if (cut == p)
				cut = p + strcspn(p, " ");
			n = (size_t)(cut - p);
		}
		fprintf(f, "%s%.*s\n", prefix, (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

static void
put_skeleton(FILE *f)
{
	char expected[128];

	fputs("// clustcc config: every key with its default value.\n", f);
	fputs("// Comments start with //. Reference: docs/config.md\n", f);
	fputs("{\n", f);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		describe_expected(k, expected, sizeof(expected));
		if (i > 0)
			fputc('\n', f);
		put_wrapped(f, "\t// ", k->help);
		fprintf(f, "\t// (%s%s)\n", expected,
		        (k->flags & KEY_REQUIRED) ? ", required" : "");
		fprintf(f, "\t\"%s\": ", k->name);
		put_default(f, k);
		fputs(i + 1 < NKEYS ? ",\n" : "\n", f);
	}
	fputs("}\n", f);
}

int
cfg_write_skeleton(const char *path, struct cc_err *err)
{
	FILE *f;
	int fd;
	int bad;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return cc_err_set(
		        err, CC_EEXIST,
		        "config '%s': already exists, not overwriting it",
		        path);
	if (fd < 0)
		return cc_err_sys(err, CC_ESYS, errno,
		                  "config '%s': cannot create", path);
	f = fdopen(fd, "w");
	if (!f) {
		cc_err_sys(err, CC_ESYS, errno, "config '%s': cannot write",
		           path);
		close(fd);
		unlink(path);
		return CC_ESYS;
	}
	put_skeleton(f);
	bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
	if (bad)
		cc_err_sys(err, CC_ESYS, errno, "config '%s': cannot write",
		           path);
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		cc_err_sys(err, CC_ESYS, errno, "config '%s': cannot write",
		           path);
	}
	if (bad) {
		unlink(path);
		return CC_ESYS;
	}
	return CC_OK;
}

void
cfg_print_keys(FILE *out)
{
	char expected[128];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		describe_expected(k, expected, sizeof(expected));
		if (i > 0)
			fputc('\n', out);
		fprintf(out, "%s\n    %s\n", k->name, expected);
		if (k->flags & KEY_REQUIRED)
			fputs("    required, e.g. ", out);
		else
			fputs("    default: ", out);
		put_default(out, k);
		fputc('\n', out);
		put_wrapped(out, "    ", k->help);
	}
}
