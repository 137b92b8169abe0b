typedef int placeholder_ctl_status;
