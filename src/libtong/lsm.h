/* AppArmor and SELinux labels for the container process.  */
#ifndef TONG_LSM_H
#define TONG_LSM_H

#include <stdbool.h>
#include "err.h"

bool lsm_apparmor_enabled (void);
bool lsm_selinux_enabled (void);

/* Set the label the next execve takes.  A label for an LSM the host lacks is
   skipped with a debug line, as runc does.  Runs before the root switch, while
   the host's /proc is reachable.  */
int lsm_set_exec_labels (const char *apparmor_profile, const char *selinux_label,
                         struct tong_err *err);

#endif
