/* The parsed OCI config (config.md, config-linux.md).  Parsed once in the
   parent; the child sees it through the memory that clone copied.
   Every string is owned by the struct; arrays come with a count.
   "has_X" marks optional scalars the config set.  */
#ifndef TONG_CONFIG_H
#define TONG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "err.h"
#include "json.h"

struct oci_id_mapping
{
  uint32_t container_id, host_id, size;
};

struct oci_mount
{
  char *destination;
  char *type;    /* NULL if absent.  */
  char *source;  /* NULL if absent.  */
  char **options;
  size_t n_options;
  struct oci_id_mapping *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  /* Filled by mount_parse_options (mounts.c) at parse time.  */
  unsigned long flags;          /* MS_* for mount(2).  */
  unsigned long clear_flags;    /* MS_* an option turned off (e.g. "rw", "suid").  */
  unsigned long propagation;    /* MS_SHARED/MS_SLAVE/... (with MS_REC when r-).  */
  uint64_t attr_set, attr_clr;  /* MOUNT_ATTR_* for the recursive r* options.  */
  uint64_t attr_propagation;
  bool recursive_attrs;         /* any r* option: apply with AT_RECURSIVE.  */
  bool is_bind;                 /* bind or rbind (type "bind" or option).  */
  bool tmpcopyup;               /* podman's tmpcopyup.  */
  bool idmap;                   /* idmap / ridmap.  */
  char *data;                   /* fs-specific options joined with ','; NULL if none.  */
};

enum oci_ns_type
{
  OCI_NS_PID,
  OCI_NS_NETWORK,
  OCI_NS_MOUNT,
  OCI_NS_IPC,
  OCI_NS_UTS,
  OCI_NS_USER,
  OCI_NS_CGROUP,
  OCI_NS_TIME,
  OCI_NS_COUNT
};

struct oci_namespace
{
  enum oci_ns_type type;
  char *path; /* NULL: create a new one.  */
};

struct oci_rlimit
{
  int resource; /* RLIMIT_*.  */
  char *name;   /* as written, e.g. "RLIMIT_NOFILE".  */
  uint64_t soft, hard;
};

/* Capability sets as bitmasks over CAP_* numbers (up to 64).  */
struct oci_capabilities
{
  bool present;
  uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_user
{
  uint32_t uid, gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* Windows only in the spec; kept, unused on Linux.  */
};

struct oci_io_priority
{
  bool present;
  int class_; /* IOPRIO_CLASS_RT / BE / IDLE.  */
  int priority;
};

struct oci_scheduler
{
  bool present;
  int policy; /* SCHED_*.  */
  int32_t nice;
  int32_t priority;
  uint64_t flags; /* SCHED_FLAG_*.  */
  uint64_t runtime, deadline, period;
};

struct oci_exec_cpu_affinity
{
  char *initial; /* cpu list, NULL if absent.  */
  char *final;
};

struct oci_process
{
  bool terminal;
  bool has_console_size;
  uint32_t console_height, console_width;
  char *cwd;
  char **env; /* NULL-terminated.  */
  size_t n_env;
  char **args; /* NULL-terminated.  */
  size_t n_args;
  char *command_line; /* Windows; refused on Linux if set.  */
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
  struct oci_capabilities caps;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile;
  char *selinux_label;
  struct oci_user user;
  struct oci_io_priority io_priority;
  struct oci_scheduler scheduler;
  struct oci_exec_cpu_affinity exec_cpu_affinity;
};

struct oci_hook
{
  char *path;
  char **args; /* NULL-terminated; may be NULL.  */
  size_t n_args;
  char **env;  /* NULL-terminated; may be NULL.  */
  size_t n_env;
  bool has_timeout;
  int timeout; /* seconds, > 0.  */
};

enum oci_hook_kind
{
  OCI_HOOK_PRESTART,
  OCI_HOOK_CREATE_RUNTIME,
  OCI_HOOK_CREATE_CONTAINER,
  OCI_HOOK_START_CONTAINER,
  OCI_HOOK_POSTSTART,
  OCI_HOOK_POSTSTOP,
  OCI_HOOK_KIND_COUNT
};

struct oci_device
{
  char *path;
  char type; /* 'c', 'b', 'u', 'p'.  */
  int64_t major, minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid, has_gid;
  uint32_t uid, gid;
};

enum oci_seccomp_action
{
  OCI_SECCOMP_KILL,
  OCI_SECCOMP_KILL_PROCESS,
  OCI_SECCOMP_KILL_THREAD,
  OCI_SECCOMP_TRAP,
  OCI_SECCOMP_ERRNO,
  OCI_SECCOMP_TRACE,
  OCI_SECCOMP_ALLOW,
  OCI_SECCOMP_LOG,
  OCI_SECCOMP_NOTIFY,
};

enum oci_seccomp_op
{
  OCI_CMP_NE,
  OCI_CMP_LT,
  OCI_CMP_LE,
  OCI_CMP_EQ,
  OCI_CMP_GE,
  OCI_CMP_GT,
  OCI_CMP_MASKED_EQ,
};

struct oci_seccomp_arg
{
  uint32_t index;
  uint64_t value, value_two;
  enum oci_seccomp_op op;
};

struct oci_seccomp_syscall
{
  char **names;
  size_t n_names;
  enum oci_seccomp_action action;
  bool has_errno_ret;
  uint32_t errno_ret;
  struct oci_seccomp_arg *args;
  size_t n_args;
};

struct oci_seccomp
{
  enum oci_seccomp_action default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* "SCMP_ARCH_*".  */
  size_t n_architectures;
  char **flags; /* "SECCOMP_FILTER_FLAG_*".  */
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct oci_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct oci_sysctl
{
  char *key, *value;
};

struct oci_personality
{
  bool present;
  unsigned long domain; /* PER_LINUX / PER_LINUX32.  */
  char **flags;
  size_t n_flags;
};

struct oci_time_offset
{
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct oci_memory_policy
{
  bool present;
  int mode; /* MPOL_*.  */
  char *nodes;
  unsigned flags; /* MPOL_F_*.  */
};

struct oci_linux
{
  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_id_mapping *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct oci_time_offset time_monotonic, time_boottime;
  struct oci_device *devices;
  size_t n_devices;
  char *cgroups_path;
  /* linux.resources stays a JSON tree: the cgroup drivers read it.  */
  struct json_value *resources;
  char *rootfs_propagation; /* NULL if absent.  */
  unsigned long rootfs_propagation_flags;
  struct oci_seccomp *seccomp; /* NULL if absent.  */
  struct oci_sysctl *sysctl;
  size_t n_sysctl;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  struct oci_personality personality;
  struct oci_memory_policy memory_policy;
};

struct oci_config
{
  char *oci_version;
  char *root_path; /* as written.  */
  bool root_readonly;
  struct oci_mount *mounts;
  size_t n_mounts;
  bool has_process;
  struct oci_process process;
  char *hostname;
  char *domainname;
  struct oci_hook *hooks[OCI_HOOK_KIND_COUNT];
  size_t n_hooks[OCI_HOOK_KIND_COUNT];
  struct json_value *annotations; /* object or NULL; kept for the state.  */
  bool has_linux;
  struct oci_linux linux_;
  /* The whole document, owned here (annotations and resources point into it).  */
  struct json_value *doc;
};

/* Parse and validate.  On error ERR names the JSON path, e.g.
   "process.rlimits[1].type: duplicate rlimit RLIMIT_NOFILE".  */
int oci_config_parse (const char *text, size_t len, struct oci_config **out,
                      struct tong_err *err);
int oci_config_load (const char *path, struct oci_config **out, struct tong_err *err);
/* Parse a process.json (tong exec --process): same rules as "process".  */
int oci_process_parse (const char *text, size_t len, struct oci_process *out,
                       struct json_value **doc_out, struct tong_err *err);
void oci_process_clear (struct oci_process *p);
void oci_config_free (struct oci_config *c);

/* Lookups shared with the rest of the core.  */
const char *oci_ns_type_name (enum oci_ns_type t); /* "pid", "network", ...  */
int oci_ns_type_from_name (const char *name);      /* -1 if unknown.  */
int oci_ns_clone_flag (enum oci_ns_type t);        /* CLONE_NEWPID, ...  */
const struct oci_namespace *oci_config_ns (const struct oci_config *c, enum oci_ns_type t);
const char *oci_hook_kind_name (enum oci_hook_kind k); /* "prestart", ...  */

#endif
