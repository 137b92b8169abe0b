typedef int placeholder_rpc; /* module not written yet */
