typedef int placeholder_dispatch; /* module not written yet */
