typedef int placeholder_jobq; /* module not written yet */
