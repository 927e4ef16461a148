/* The process attributes of config.process: rlimits, scheduler, I/O
   priority, personality, memory policy, CPU affinity, the user switch, and
   the executable lookup.  All run in the container process.  */
#include "process.h"
#include "caps.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct
{
  const char *name;
  int resource;
} rlimit_table[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

#define N_RLIMITS (sizeof rlimit_table / sizeof rlimit_table[0])

int
process_rlimit_from_name (const char *name)
{
  for (size_t i = 0; name && i < N_RLIMITS; i++)
    if (strcmp (name, rlimit_table[i].name) == 0)
      return rlimit_table[i].resource;
  return -1;
}

static const char *
rlimit_name (int resource)
{
  for (size_t i = 0; i < N_RLIMITS; i++)
    if (rlimit_table[i].resource == resource)
      return rlimit_table[i].name;
  return "RLIMIT_?";
}

int
process_apply_rlimits (const struct oci_process *p, struct tong_err *err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      const struct oci_rlimit *r = &p->rlimits[i];
      struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
      if (setrlimit (r->resource, &rl) < 0)
        return tong_err_set (err, errno, "process.rlimits: setrlimit %s soft=%llu hard=%llu",
                             r->name ? r->name : rlimit_name (r->resource),
                             (unsigned long long)r->soft, (unsigned long long)r->hard);
    }
  return 0;
}

int
process_apply_oom_score_adj (const struct oci_process *p, struct tong_err *err)
{
  if (!p->has_oom_score_adj)
    return 0;
  char buf[16];
  int n = snprintf (buf, sizeof buf, "%d", p->oom_score_adj);
  if (write_file_at (AT_FDCWD, "/proc/self/oom_score_adj", buf, n, err) < 0)
    return tong_err_wrap (err, "process.oomScoreAdj %d", p->oom_score_adj);
  return 0;
}

/* glibc 2.36 has no sched_setattr; this is the kernel's version 0 layout.  */
struct tong_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

static const char *
sched_policy_name (int policy)
{
  switch (policy)
    {
    case SCHED_OTHER:
      return "SCHED_OTHER";
    case SCHED_FIFO:
      return "SCHED_FIFO";
    case SCHED_RR:
      return "SCHED_RR";
    case SCHED_BATCH:
      return "SCHED_BATCH";
    case SCHED_IDLE:
      return "SCHED_IDLE";
    case SCHED_DEADLINE:
      return "SCHED_DEADLINE";
    }
  return "SCHED_?";
}

int
process_apply_scheduler (const struct oci_process *p, struct tong_err *err)
{
  const struct oci_scheduler *s = &p->scheduler;
  if (!s->present)
    return 0;
  struct tong_sched_attr a = {
    .size = sizeof a,
    .sched_policy = (uint32_t)s->policy,
    .sched_flags = s->flags,
    .sched_nice = s->nice,
    .sched_priority = (uint32_t)s->priority,
    .sched_runtime = s->runtime,
    .sched_deadline = s->deadline,
    .sched_period = s->period,
  };
  if (syscall (SYS_sched_setattr, 0, &a, 0) < 0)
    return tong_err_set (err, errno, "process.scheduler: sched_setattr %s",
                         sched_policy_name (s->policy));
  return 0;
}

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_PRIO_VALUE(class, prio) (((class) << IOPRIO_CLASS_SHIFT) | (prio))

int
process_apply_io_priority (const struct oci_process *p, struct tong_err *err)
{
  const struct oci_io_priority *io = &p->io_priority;
  if (!io->present)
    return 0;
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE (io->class_, io->priority))
      < 0)
    return tong_err_set (err, errno, "process.ioPriority: ioprio_set class %d priority %d",
                         io->class_, io->priority);
  return 0;
}

static const struct
{
  const char *name;
  unsigned long value;
} personality_flags[] = {
  { "UNAME26", UNAME26 },
  { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
  { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },
  { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
  { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT },
  { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
  { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
  { "SHORT_INODE", SHORT_INODE },
  { "WHOLE_SECONDS", WHOLE_SECONDS },
  { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },
  { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },
};

int
process_apply_personality (const struct oci_personality *pers, struct tong_err *err)
{
  if (!pers->present)
    return 0;
  unsigned long persona = pers->domain;
  for (size_t i = 0; i < pers->n_flags; i++)
    {
      size_t k;
      for (k = 0; k < sizeof personality_flags / sizeof personality_flags[0]; k++)
        if (strcmp (pers->flags[i], personality_flags[k].name) == 0)
          break;
      if (k == sizeof personality_flags / sizeof personality_flags[0])
        return tong_err_set (err, 0, "linux.personality.flags[%zu]: unknown flag `%s`", i,
                             pers->flags[i]);
      persona |= personality_flags[k].value;
    }
  if (personality (persona) < 0)
    return tong_err_set (err, errno, "linux.personality: personality %#lx", persona);
  return 0;
}

/* Bits past this are refused: more than any kernel's CPU or node count.  */
#define LIST_MAX_BIT 65535
#define LONG_BITS (8 * sizeof (unsigned long))

/* Parse a list like "0-3,7" into a bitmap of *NLONGS longs.  */
static int
parse_list (const char *s, unsigned long **out, size_t *nlongs)
{
  unsigned long *mask = NULL;
  size_t n = 0;
  const char *q = s;
  if (s == NULL || *s == '\0')
    return -1;
  for (;;)
    {
      char *end;
      while (*q == ' ')
        q++;
      if (*q < '0' || *q > '9')
        goto bad;
      unsigned long lo = strtoul (q, &end, 10), hi = lo;
      q = end;
      if (*q == '-')
        {
          q++;
          if (*q < '0' || *q > '9')
            goto bad;
          hi = strtoul (q, &end, 10);
          q = end;
        }
      while (*q == ' ')
        q++;
      if (lo > hi || hi > LIST_MAX_BIT)
        goto bad;
      size_t need = hi / LONG_BITS + 1;
      if (need > n)
        {
          unsigned long *m = realloc (mask, need * sizeof *m);
          if (m == NULL)
            goto bad;
          memset (m + n, 0, (need - n) * sizeof *m);
          mask = m;
          n = need;
        }
      for (unsigned long b = lo; b <= hi; b++)
        mask[b / LONG_BITS] |= 1UL << (b % LONG_BITS);
      if (*q == '\0')
        break;
      if (*q++ != ',')
        goto bad;
    }
  *out = mask;
  *nlongs = n;
  return 0;
bad:
  free (mask);
  return -1;
}

int
process_apply_memory_policy (const struct oci_memory_policy *mp, struct tong_err *err)
{
  if (!mp->present)
    return 0;
  cleanup_free unsigned long *mask = NULL;
  size_t nlongs = 0;
  if (mp->nodes && mp->nodes[0] && parse_list (mp->nodes, &mask, &nlongs) < 0)
    return tong_err_set (err, 0, "linux.memoryPolicy.nodes: invalid node list `%s`", mp->nodes);
  /* The kernel reads MAXNODE - 1 bits (set_mempolicy(2), BUGS).  */
  unsigned long maxnode = mask ? nlongs * LONG_BITS + 1 : 0;
  if (syscall (SYS_set_mempolicy, mp->mode | (int)mp->flags, mask, maxnode) < 0)
    return tong_err_set (err, errno, "linux.memoryPolicy: set_mempolicy mode %d nodes `%s`",
                         mp->mode, mp->nodes ? mp->nodes : "");
  return 0;
}

int
process_apply_cpu_affinity (const char *cpus, struct tong_err *err)
{
  cleanup_free unsigned long *mask = NULL;
  size_t nlongs;
  if (parse_list (cpus, &mask, &nlongs) < 0)
    return tong_err_set (err, 0, "invalid CPU list `%s`", cpus ? cpus : "");
  /* cpu_set_t is the same array of longs.  */
  if (sched_setaffinity (0, nlongs * sizeof *mask, (cpu_set_t *)mask) < 0)
    return tong_err_set (err, errno, "sched_setaffinity `%s`", cpus);
  return 0;
}

/* True when /proc/self/setgroups says "deny" (a user namespace whose
   gid_map was written without CAP_SETGID in the parent).  */
static bool
setgroups_denied (void)
{
  char buf[16];
  int fd = open ("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  return n >= 4 && strncmp (buf, "deny", 4) == 0;
}

int
process_set_user_and_caps (const struct oci_process *p, struct tong_err *err)
{
  const struct oci_user *u = &p->user;
  if (setgroups_denied ())
    {
      if (u->n_additional_gids)
        return tong_err_set (err, 0,
                             "process.user.additionalGids: setgroups is denied in this user "
                             "namespace");
    }
  else if (setgroups (u->n_additional_gids, (const gid_t *)u->additional_gids) < 0)
    {
      /* Dropping the host's groups cannot matter where setgroups is denied
         and /proc was not there to say so.  */
      if (!(errno == EPERM && u->n_additional_gids == 0))
        return tong_err_set (err, errno, "process.user.additionalGids: setgroups");
    }

  /* Keep the permitted set across the uid change; caps_apply then sets
     exactly the configured sets.  */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return tong_err_set (err, errno, "prctl PR_SET_KEEPCAPS");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return tong_err_set (err, errno, "process.user.gid: setresgid %u", u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return tong_err_set (err, errno, "process.user.uid: setresuid %u", u->uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return tong_err_set (err, errno, "prctl PR_SET_KEEPCAPS");

  umask (u->has_umask ? (mode_t)u->umask : 0022);

  /* As runc: no "capabilities" at all means none.  */
  static const struct oci_capabilities none = { .present = false };
  return caps_apply (p->caps.present ? &p->caps : &none, err);
}

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* 0 when PATH is an executable regular file, else the errno execve would give.  */
static int
check_executable (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return errno;
  if (S_ISDIR (st.st_mode))
    return EISDIR;
  if (!S_ISREG (st.st_mode) || !(st.st_mode & 0111))
    return EACCES;
  /* Catches noexec mounts.  */
  if (access (path, X_OK) < 0)
    return errno;
  return 0;
}

/* DIR/NAME, with a relative DIR taken from CWD.  */
static char *
join_path (const char *cwd, const char *dir, size_t dir_len, const char *name)
{
  char *out = NULL;
  bool rel = dir_len == 0 || dir[0] != '/';
  if (dir_len == 0)
    dir = ".", dir_len = 1;
  if (rel && cwd && cwd[0])
    {
      if (asprintf (&out, "%s/%.*s/%s", cwd, (int)dir_len, dir, name) < 0)
        return NULL;
    }
  else if (asprintf (&out, "%.*s/%s", (int)dir_len, dir, name) < 0)
    return NULL;
  return out;
}

static int
exec_error (struct tong_err *err, int e, const char *path)
{
  const char *why = e == EACCES   ? "permission denied"
                    : e == EISDIR ? "is a directory"
                    : e == ENOENT ? "no such file or directory"
                                  : strerror (e);
  tong_err_set (err, 0, "%s: %s", path, why);
  err->errnum = e;
  return -1;
}

int
process_find_executable (const char *arg0, char *const *env, const char *cwd, char **out,
                         struct tong_err *err)
{
  if (arg0 == NULL || arg0[0] == '\0')
    return tong_err_set (err, 0, "process.args: the executable is empty");
  if (strchr (arg0, '/'))
    {
      char *path = NULL;
      if (arg0[0] == '/' || cwd == NULL || cwd[0] == '\0')
        path = strdup (arg0);
      else if (asprintf (&path, "%s/%s", cwd, arg0) < 0)
        path = NULL;
      if (path == NULL)
        return tong_err_set (err, ENOMEM, "process.args");
      int e = check_executable (path);
      if (e)
        {
          exec_error (err, e, arg0);
          free (path);
          return -1;
        }
      *out = path;
      return 0;
    }

  const char *search = default_path;
  for (char *const *e = env; e && *e; e++)
    if (strncmp (*e, "PATH=", 5) == 0)
      {
        search = *e + 5;
        break;
      }

  cleanup_free char *denied = NULL;
  for (const char *d = search;;)
    {
      const char *colon = strchr (d, ':');
      size_t len = colon ? (size_t)(colon - d) : strlen (d);
      char *cand = join_path (cwd, d, len, arg0);
      if (cand == NULL)
        return tong_err_set (err, ENOMEM, "process.args");
      int e = check_executable (cand);
      if (e == 0)
        {
          *out = cand;
          return 0;
        }
      /* As execvp: a file we may not run does not end the search.  */
      if (e == EACCES && denied == NULL)
        denied = cand;
      else
        free (cand);
      if (colon == NULL)
        break;
      d = colon + 1;
    }
  if (denied)
    return exec_error (err, EACCES, denied);
  tong_err_set (err, 0, "executable file `%s` not found in $PATH", arg0);
  err->errnum = ENOENT;
  return -1;
}

/* The home directory of UID in the current root's /etc/passwd, or NULL.
   Parsed by hand: NSS would load modules from the container.  */
static char *
passwd_home (uid_t uid)
{
  cleanup_fclose FILE *f = fopen ("/etc/passwd", "re");
  if (f == NULL)
    return NULL;
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (getline (&line, &cap, f) > 0)
    {
      char *fields[7];
      char *s = line;
      int n = 0;
      line[strcspn (line, "\n")] = '\0';
      for (; n < 7; n++)
        {
          fields[n] = s;
          s = strchr (s, ':');
          if (s == NULL)
            break;
          *s++ = '\0';
        }
      if (n < 5)
        continue;
      char *end;
      errno = 0;
      unsigned long v = strtoul (fields[2], &end, 10);
      if (fields[2][0] == '\0' || *end || errno || v != (unsigned long)uid)
        continue;
      return fields[5][0] ? strdup (fields[5]) : NULL;
    }
  return NULL;
}

int
process_env_with_home (char *const *env, uid_t uid, char ***out, struct tong_err *err)
{
  size_t n = 0;
  bool has_home = false;
  for (char *const *e = env; e && *e; e++, n++)
    if (strncmp (*e, "HOME=", 5) == 0)
      has_home = true;
  cleanup_strv char **v = calloc (n + 2, sizeof *v);
  if (v == NULL)
    return tong_err_set (err, ENOMEM, "process.env");
  for (size_t i = 0; i < n; i++)
    if ((v[i] = strdup (env[i])) == NULL)
      return tong_err_set (err, ENOMEM, "process.env");
  if (!has_home)
    {
      cleanup_free char *home = passwd_home (uid);
      if (asprintf (&v[n], "HOME=%s", home ? home : "/") < 0)
        {
          v[n] = NULL;
          return tong_err_set (err, ENOMEM, "process.env");
        }
    }
  *out = steal_pointer (&v);
  return 0;
}
