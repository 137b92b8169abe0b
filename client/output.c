typedef int placeholder_output; /* module not written yet */
