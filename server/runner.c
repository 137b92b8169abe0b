typedef int placeholder_runner; /* module not written yet */
