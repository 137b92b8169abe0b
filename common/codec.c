typedef int placeholder_codec; /* module not written yet */
