typedef int placeholder_preprocess; /* module not written yet */
