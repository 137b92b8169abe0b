typedef int placeholder_cfg; /* module not written yet */
