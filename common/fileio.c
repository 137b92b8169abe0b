typedef int placeholder_fileio; /* module not written yet */
