typedef int placeholder_frontend; /* module not written yet */
