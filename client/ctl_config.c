typedef int placeholder_ctl_config;
