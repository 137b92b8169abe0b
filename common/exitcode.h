/*
 * exitcode.h - every exit code the clustcc programs use, with its meaning.
 * The README lists them. clustcc-gcc otherwise exits with the compiler's
 * own status; its own codes are 100-119, clear of gcc's (as distcc does).
 */
#ifndef CLUSTCC_COMMON_EXITCODE_H
#define CLUSTCC_COMMON_EXITCODE_H

enum exitcode {
	EXIT_OK = 0,              /* success; drain finished cleanly */
	EXIT_FAILURE_GENERIC = 1, /* a runtime failure, logged */
	EXIT_USAGE = 2,           /* bad command line */
	EXIT_CONFIG = 3,          /* config file missing or invalid */
	EXIT_NO_SERVER = 4,       /* clustcc-ctl: no server answers */
	EXIT_REFUSED = 5,         /* clustcc-ctl: the server refused */
	EXIT_MPI = 6,             /* clustcc-server: MPI setup failed */
	EXIT_LISTEN = 7,          /* clustcc-server: cannot listen/publish */
	EXIT_WRAPPER_NO_COMPILER =
	        100,             /* clustcc-gcc: no real compiler found */
	EXIT_WRAPPER_EXEC = 102, /* clustcc-gcc: exec of compiler failed */
};

#endif
