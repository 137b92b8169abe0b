typedef int placeholder_atomicfile; /* module not written yet */
