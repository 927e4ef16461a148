/* Container state under --root: one directory per container holding
   state.json (written atomically) and exec.sock while the container is
   created but not started: the container process waits in accept() on it,
   and `start` connects.  Status is computed from the process.  */
#ifndef TONG_STATE_H
#define TONG_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include "err.h"
#include "fileutil.h"
#include "json.h"

struct oci_config;

enum tong_status
{
  TONG_STATUS_CREATING,
  TONG_STATUS_CREATED,
  TONG_STATUS_RUNNING,
  TONG_STATUS_PAUSED,
  TONG_STATUS_STOPPED,
};

struct tong_state
{
  char *oci_version;
  char *id;
  char *bundle;  /* absolute.  */
  char *rootfs;  /* absolute.  */
  pid_t pid;
  unsigned long long start_time; /* /proc/PID/stat field 22: guards against pid reuse.  */
  char *created;                 /* RFC 3339.  */
  char *owner;                   /* "" for root, as runc.  */
  struct json_value *annotations; /* owned.  */
  bool has_pidns;                 /* the container has its own pid namespace.  */
  char *cgroup_path;              /* for the cgroup drivers; may be NULL.  */
  enum tong_status status;        /* computed by state_load / state_refresh.  */
};

const char *tong_status_name (enum tong_status s);

/* Validate a container id: runc's set [A-Za-z0-9_+.-], no "." or "..", <= 1024.  */
int state_validate_id (const char *id, struct tong_err *err);

/* Make (mode 0711) ROOT if needed and open it.  */
int state_root_open (const char *root, bool create, struct tong_err *err);

/* Create ROOT/ID exclusively: an existing one is "container with id exists".
   Returns the dir fd.  */
int state_dir_create (int rootfd, const char *id, struct tong_err *err);
/* Open ROOT/ID; ENOENT gives "container `ID` does not exist".  */
int state_dir_open (int rootfd, const char *id, struct tong_err *err);

/* flock the state dir: serializes tong commands on one container.  */
int state_lock (int dirfd, bool exclusive, struct tong_err *err);

int state_write (int dirfd, const struct tong_state *st, struct tong_err *err);
/* Read state.json from DIRFD and compute the status.  */
int state_read (int dirfd, struct tong_state *st, struct tong_err *err);
void state_clear (struct tong_state *st);
/* Recompute st->status from the process (pid + start time, zombie = stopped)
   and whether exec.sock still exists.  */
void state_refresh (int dirfd, struct tong_state *st);

/* The config.json that create read, kept byte for byte in the state dir:
   runtime.md says updates to the bundle's config after create must not
   affect the container, so start, exec and delete read this copy.  */
int state_save_config (int dirfd, const char *text, size_t len, struct tong_err *err);
/* Parse the kept copy; a container made before copies were kept falls back
   to BUNDLE/config.json.  */
int state_load_config (int dirfd, const char *bundle, struct oci_config **out,
                       struct tong_err *err);

/* The OCI state JSON (state-schema) plus runc's rootfs, created, owner.  */
char *state_to_json (const struct tong_state *st, bool pretty);


/* Give PID, just past execve, up to MAX_MS to run until it first sleeps or
   exits.  `start` returns only then, so that poststart hooks (config.md:
   called "after the user-specified process is executed") and a signal sent
   right after start find the program under way, its handlers installed,
   instead of racing its first steps (a pid-namespace init ignores signals it
   has no handler for yet).  */
void proc_wait_settled (pid_t pid, unsigned long long start_time, unsigned max_ms);

#endif
