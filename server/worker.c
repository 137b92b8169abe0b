typedef int placeholder_worker; /* module not written yet */
