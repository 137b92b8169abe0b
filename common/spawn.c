typedef int placeholder_spawn; /* module not written yet */
