typedef int placeholder_portfile; /* module not written yet */
