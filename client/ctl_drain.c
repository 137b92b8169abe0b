typedef int placeholder_ctl_drain;
