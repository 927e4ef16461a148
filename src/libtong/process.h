/* The process attributes of config.process (besides caps and seccomp).  */
#ifndef TONG_PROCESS_H
#define TONG_PROCESS_H

#include <stdbool.h>
#include "config.h"
#include "err.h"

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown.  */
int process_rlimit_from_name (const char *name);

/* Each applies one field; all run in the child (or the exec child).  */
int process_apply_rlimits (const struct oci_process *p, struct tong_err *err);
int process_apply_oom_score_adj (const struct oci_process *p, struct tong_err *err);
int process_apply_scheduler (const struct oci_process *p, struct tong_err *err);
int process_apply_io_priority (const struct oci_process *p, struct tong_err *err);
int process_apply_personality (const struct oci_personality *pers, struct tong_err *err);
int process_apply_memory_policy (const struct oci_memory_policy *mp, struct tong_err *err);
/* CPU list "0-2,5" -> sched_setaffinity.  */
int process_apply_cpu_affinity (const char *cpus, struct tong_err *err);

/* setgroups(additionalGids), setgid, setuid keeping capabilities, umask;
   then caps_apply.  Leaves the process with exactly the configured sets.  */
int process_set_user_and_caps (const struct oci_process *p, struct tong_err *err);

/* Resolve args[0] against PATH from ENV (as execvp would, inside the
   current root) and check it is an executable regular file.  On success
   *OUT is a malloc'd path.  The error names the path and the reason.  */
int process_find_executable (const char *arg0, char *const *env, const char *cwd, char **out,
                             struct tong_err *err);

/* HOME from /etc/passwd of the current root for UID when ENV lacks it;
   returns a new NULL-terminated env (or a copy).  */
int process_env_with_home (char *const *env, uid_t uid, char ***out, struct tong_err *err);

#endif
