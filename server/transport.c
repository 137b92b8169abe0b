typedef int placeholder_transport; /* module not written yet */
