typedef int placeholder_scratch; /* module not written yet */
