/* The library API the verbs call: one call per verb.  */
#ifndef TONG_H
#define TONG_H

#include <stdbool.h>
#include <sys/types.h>
#include "err.h"

struct tong_ctx
{
  const char *root;      /* state root (--root).  */
  bool debug;
  bool systemd_cgroup;
  int rootless;          /* -1 auto, 0 false, 1 true.  */
};

struct tong_create_opts
{
  const char *id;
  const char *bundle;         /* NULL: current directory.  */
  const char *console_socket;
  const char *pid_file;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  /* run only.  */
  bool detach;
  bool keep;
};

int tong_create (struct tong_ctx *ctx, const struct tong_create_opts *o, struct tong_err *err);
int tong_start (struct tong_ctx *ctx, const char *id, struct tong_err *err);
/* Create + start + wait.  *EXIT_CODE gets the process's code (128+N on signal N).  */
int tong_run (struct tong_ctx *ctx, const struct tong_create_opts *o, int *exit_code,
              struct tong_err *err);
/* The state JSON (pretty, as runc prints it).  */
int tong_state (struct tong_ctx *ctx, const char *id, char **json, struct tong_err *err);
int tong_kill (struct tong_ctx *ctx, const char *id, int sig, bool all, struct tong_err *err);
int tong_delete (struct tong_ctx *ctx, const char *id, bool force, struct tong_err *err);

struct tong_exec_opts
{
  const char *id;
  const char *process_file; /* -p: a process.json; NULL: build from the fields below.  */
  bool detach;
  const char *pid_file;
  const char *console_socket;
  bool tty;
  const char *cwd;
  char **env;   /* -e, NULL-terminated.  */
  const char *user; /* "UID[:GID]".  */
  char **additional_gids; /* -g, NULL-terminated.  */
  char **caps;  /* -c, NULL-terminated.  */
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;
  int preserve_fds;
  char **args;  /* NULL-terminated.  */
};

int tong_exec (struct tong_ctx *ctx, const struct tong_exec_opts *o, int *exit_code,
               struct tong_err *err);

enum tong_format
{
  TONG_FORMAT_TABLE,
  TONG_FORMAT_JSON,
};

int tong_list (struct tong_ctx *ctx, enum tong_format fmt, bool quiet, struct tong_err *err);
/* ps: PS_ARGS (NULL-terminated, may be NULL) are passed to ps(1) for the table form.  */
int tong_ps (struct tong_ctx *ctx, const char *id, enum tong_format fmt, char **ps_args,
             struct tong_err *err);

/* Cgroup verbs (resources.c).  */
int tong_pause (struct tong_ctx *ctx, const char *id, struct tong_err *err);
int tong_resume (struct tong_ctx *ctx, const char *id, struct tong_err *err);

/* update: runc's flags, each NULL when not given (values as typed: memory
   sizes take k/m/g suffixes, -1 is unlimited).  */
struct tong_update_opts
{
  const char *resources; /* a LinuxResources JSON file, or "-" for stdin.  */
  const char *memory, *memory_reservation, *memory_swap, *kernel_memory, *kernel_memory_tcp;
  const char *cpu_shares, *cpu_quota, *cpu_period, *cpu_rt_runtime, *cpu_rt_period;
  const char *cpuset_cpus, *cpuset_mems, *blkio_weight, *pids_limit;
  const char *l3_cache_schema, *mem_bw_schema;
};
int tong_update (struct tong_ctx *ctx, const char *id, const struct tong_update_opts *o,
                 struct tong_err *err);
/* events: one stats object (STATS_ONCE), or stats every INTERVAL_MS and oom
   events until the container stops; one JSON object a line, as runc.  */
int tong_events (struct tong_ctx *ctx, const char *id, bool stats_once, unsigned interval_ms,
                 struct tong_err *err);

/* A default config.json like runc's `spec` (rootless adds a user namespace
   with the caller's ids mapped, and drops what rootless cannot do).  */
int tong_spec_default (bool rootless, char **json, struct tong_err *err);
/* The OCI features JSON (features.md), from the tables the parser uses.  */
int tong_features (char **json, struct tong_err *err);

#endif
