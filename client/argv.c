typedef int placeholder_argv; /* module not written yet */
