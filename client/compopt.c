typedef int placeholder_compopt; /* module not written yet */
