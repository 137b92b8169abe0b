typedef int placeholder_sched; /* module not written yet */
