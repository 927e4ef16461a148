/* Process attributes: capability and rlimit names, the executable lookup,
   HOME, CPU lists, rlimit errors; the user switch when run as root.  */
#include "libtong/caps.h"
#include "libtong/process.h"
#include "cleanup.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run FN in a child; its return is the exit status.  */
static int
in_child (int (*fn) (void))
{
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    _exit (fn ());
  int st;
  if (pid < 0 || waitpid (pid, &st, 0) != pid)
    return -1;
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

static struct tong_err child_err;

static int
raise_nofile (void)
{
  struct rlimit cur;
  getrlimit (RLIMIT_NOFILE, &cur);
  struct oci_rlimit rl = { .resource = RLIMIT_NOFILE,
                           .name = "RLIMIT_NOFILE",
                           .soft = cur.rlim_max + 1,
                           .hard = cur.rlim_max + 1 };
  struct oci_process p = { .rlimits = &rl, .n_rlimits = 1 };
  if (process_apply_rlimits (&p, &child_err) == 0)
    return 2; /* CAP_SYS_RESOURCE: nothing to check.  */
  char want[128];
  snprintf (want, sizeof want,
            "process.rlimits: setrlimit RLIMIT_NOFILE soft=%llu hard=%llu: Operation not "
            "permitted",
            (unsigned long long)cur.rlim_max + 1, (unsigned long long)cur.rlim_max + 1);
  if (strcmp (child_err.msg, want) != 0)
    {
      printf ("# %s\n", child_err.msg);
      return 1;
    }
  return 0;
}

static int
lower_nofile (void)
{
  struct oci_rlimit rl
      = { .resource = RLIMIT_NOFILE, .name = "RLIMIT_NOFILE", .soft = 100, .hard = 200 };
  struct oci_process p = { .rlimits = &rl, .n_rlimits = 1 };
  struct rlimit got;
  if (process_apply_rlimits (&p, &child_err) < 0 || getrlimit (RLIMIT_NOFILE, &got) < 0)
    return 1;
  return got.rlim_cur == 100 && got.rlim_max == 200 ? 0 : 2;
}

static int
personality_linux (void)
{
  struct oci_personality pers = { .present = true, .domain = PER_LINUX };
  char *flags[] = { "ADDR_NO_RANDOMIZE" };
  pers.flags = flags;
  pers.n_flags = 1;
  if (process_apply_personality (&pers, &child_err) < 0)
    return 1;
  return personality (0xffffffff) == (PER_LINUX | ADDR_NO_RANDOMIZE) ? 0 : 2;
}

static int
mempolicy_default (void)
{
  struct oci_memory_policy mp = { .present = true, .mode = MPOL_DEFAULT };
  if (process_apply_memory_policy (&mp, &child_err) < 0)
    return 1;
  mp.mode = MPOL_PREFERRED;
  mp.nodes = "0";
  return process_apply_memory_policy (&mp, &child_err) < 0 ? 2 : 0;
}

/* Parse "Cap*:" of /proc/self/status.  */
static unsigned long long
status_caps (const char *key)
{
  cleanup_fclose FILE *f = fopen ("/proc/self/status", "re");
  char line[256];
  size_t kl = strlen (key);
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, key, kl) == 0 && line[kl] == ':')
      return strtoull (line + kl + 1, NULL, 16);
  return ~0ULL;
}

static int
user_and_caps (void)
{
  const uint64_t nbs = 1ULL << CAP_NET_BIND_SERVICE, kill = 1ULL << CAP_KILL;
  uint32_t gids[] = { 1001, 1002 };
  struct oci_process p = {
    .user = { .uid = 1000,
              .gid = 1000,
              .additional_gids = gids,
              .n_additional_gids = 2,
              .has_umask = true,
              .umask = 077 },
    .caps = { .present = true,
              .bounding = nbs | kill,
              .effective = nbs,
              .permitted = nbs | kill,
              .inheritable = nbs,
              .ambient = nbs | kill },
  };
  if (process_set_user_and_caps (&p, &child_err) < 0)
    {
      printf ("# %s\n", child_err.msg);
      return 1;
    }
  gid_t g[4];
  int ng = getgroups (4, g);
  if (getuid () != 1000 || geteuid () != 1000 || getgid () != 1000 || ng != 2 || g[0] != 1001)
    return 2;
  if (umask (0) != 077)
    return 3;
  if (status_caps ("CapBnd") != (nbs | kill) || status_caps ("CapEff") != nbs
      || status_caps ("CapPrm") != (nbs | kill) || status_caps ("CapInh") != nbs)
    return 4;
  /* CAP_KILL is not inheritable: skipped from ambient with a warning.  */
  if (status_caps ("CapAmb") != nbs)
    return 5;
  return 0;
}

static int
no_caps (void)
{
  struct oci_process p = { .user = { .uid = 0, .gid = 0 } };
  if (process_set_user_and_caps (&p, &child_err) < 0)
    {
      printf ("# %s\n", child_err.msg);
      return 1;
    }
  if (status_caps ("CapBnd") || status_caps ("CapEff") || status_caps ("CapPrm"))
    return 2;
  return umask (0) == 0022 ? 0 : 3;
}

static void
test_find_executable (void)
{
  struct tong_err err = { 0 };
  char *exe = NULL;
  char *env[] = { "FOO=1", "PATH=/nonexistent:/usr/bin:/bin", NULL };
  UNIT_CHECK (process_find_executable ("sh", env, "/", &exe, &err) == 0
                  && strcmp (exe, "/usr/bin/sh") == 0,
              "find sh in PATH", "%s %s", err.msg, exe ? exe : "");
  free (exe);
  exe = NULL;
  char *noenv[] = { NULL };
  UNIT_CHECK (process_find_executable ("sh", noenv, "/", &exe, &err) == 0 && exe
                  && strstr (exe, "/sh"),
              "default PATH", "%s", err.msg);
  free (exe);
  exe = NULL;
  UNIT_CHECK (process_find_executable ("no-such-program-xyz", env, "/", &exe, &err) < 0,
              "missing in PATH", "found");
  UNIT_STREQ (err.msg, "executable file `no-such-program-xyz` not found in $PATH",
              "missing in PATH: message");
  UNIT_CHECK (process_find_executable ("/etc", env, "/", &exe, &err) < 0
                  && strcmp (err.msg, "/etc: is a directory") == 0,
              "a directory", "%s", err.msg);
  UNIT_CHECK (process_find_executable ("/etc/passwd", env, "/", &exe, &err) < 0
                  && strcmp (err.msg, "/etc/passwd: permission denied") == 0,
              "not executable", "%s", err.msg);
  UNIT_CHECK (process_find_executable ("/no/such/file", env, "/", &exe, &err) < 0
                  && strstr (err.msg, "/no/such/file") && err.errnum == ENOENT,
              "missing path", "%s", err.msg);
  UNIT_CHECK (process_find_executable ("", env, "/", &exe, &err) < 0, "empty", "accepted");
  UNIT_CHECK (process_find_executable ("bin/sh", env, "/usr", &exe, &err) == 0
                  && strcmp (exe, "/usr/bin/sh") == 0,
              "relative path against cwd", "%s %s", err.msg, exe ? exe : "");
  free (exe);
  exe = NULL;
  char *relenv[] = { "PATH=bin", NULL };
  UNIT_CHECK (process_find_executable ("sh", relenv, "/usr", &exe, &err) == 0
                  && strcmp (exe, "/usr/bin/sh") == 0,
              "relative PATH entry against cwd", "%s %s", err.msg, exe ? exe : "");
  free (exe);
  exe = NULL;

  /* Not executable first in PATH, executable later: found (as execvp).  */
  char dir[] = "/tmp/tong-process-XXXXXX";
  if (mkdtemp (dir))
    {
      char path[128], penv[256];
      snprintf (path, sizeof path, "%s/sh", dir);
      int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0)
        close (fd);
      snprintf (penv, sizeof penv, "PATH=%s:/usr/bin", dir);
      char *denv[] = { penv, NULL };
      UNIT_CHECK (process_find_executable ("sh", denv, "/", &exe, &err) == 0
                      && strcmp (exe, "/usr/bin/sh") == 0,
                  "non-executable skipped", "%s", err.msg);
      free (exe);
      exe = NULL;
      snprintf (penv, sizeof penv, "PATH=%s", dir);
      UNIT_CHECK (process_find_executable ("sh", denv, "/", &exe, &err) < 0
                      && strstr (err.msg, ": permission denied") && strstr (err.msg, dir),
                  "only non-executable: permission denied", "%s", err.msg);
      unlink (path);
      rmdir (dir);
    }
}

static void
test_env_home (void)
{
  struct tong_err err = { 0 };
  char *env[] = { "A=1", NULL };
  char **out = NULL;
  UNIT_CHECK (process_env_with_home (env, 0, &out, &err) == 0 && out && strcmp (out[0], "A=1") == 0
                  && out[1] && strcmp (out[1], "HOME=/root") == 0 && out[2] == NULL,
              "HOME of uid 0 from /etc/passwd", "%s %s", err.msg, out && out[1] ? out[1] : "");
  tong_strvfreep (&out);
  out = NULL;
  UNIT_CHECK (process_env_with_home (env, 54321, &out, &err) == 0 && out[1]
                  && strcmp (out[1], "HOME=/") == 0,
              "unknown uid: HOME=/", "%s", out && out[1] ? out[1] : "");
  tong_strvfreep (&out);
  out = NULL;
  char *with[] = { "HOME=/x", NULL };
  UNIT_CHECK (process_env_with_home (with, 0, &out, &err) == 0 && strcmp (out[0], "HOME=/x") == 0
                  && out[1] == NULL,
              "HOME kept", "%s", err.msg);
  tong_strvfreep (&out);
  out = NULL;
  UNIT_CHECK (process_env_with_home (NULL, 0, &out, &err) == 0 && out[0] && out[1] == NULL,
              "NULL env", "%s", err.msg);
  tong_strvfreep (&out);
}

int
main (void)
{
  struct tong_err err = { 0 };

  UNIT_CHECK (caps_from_name ("CAP_SYS_ADMIN") == CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "%d",
              caps_from_name ("CAP_SYS_ADMIN"));
  UNIT_CHECK (caps_from_name ("cap_net_raw") == CAP_NET_RAW, "lowercase", "%d",
              caps_from_name ("cap_net_raw"));
  UNIT_CHECK (caps_from_name ("CAP_CHECKPOINT_RESTORE") == 40, "CAP_CHECKPOINT_RESTORE", "%d",
              caps_from_name ("CAP_CHECKPOINT_RESTORE"));
  UNIT_CHECK (caps_from_name ("CAP_CHOWN") == 0, "CAP_CHOWN is 0", "%d",
              caps_from_name ("CAP_CHOWN"));
  UNIT_CHECK (caps_from_name ("CAP_NOPE") == -1 && caps_from_name ("SYS_ADMIN") == -1
                  && caps_from_name ("21") == -1 && caps_from_name ("CAP_") == -1
                  && caps_from_name ("") == -1 && caps_from_name (NULL) == -1,
              "unknown capabilities", "accepted");
  UNIT_STREQ (caps_name (CAP_SYS_ADMIN), "CAP_SYS_ADMIN", "caps_name");
  UNIT_CHECK (caps_name (-1) == NULL && caps_name (64) == NULL, "caps_name out of range", "named");
  int round = 1;
  for (int c = 0; c <= CAP_LAST_CAP; c++)
    if (caps_name (c) == NULL || caps_from_name (caps_name (c)) != c)
      round = 0;
  UNIT_CHECK (round, "capability names round-trip", "mismatch");
  UNIT_CHECK (caps_last_cap () >= 36 && caps_last_cap () < 64, "caps_last_cap", "%d",
              caps_last_cap ());

  UNIT_CHECK (process_rlimit_from_name ("RLIMIT_NOFILE") == RLIMIT_NOFILE, "RLIMIT_NOFILE",
              "wrong");
  UNIT_CHECK (process_rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME, "RLIMIT_RTTIME",
              "wrong");
  UNIT_CHECK (process_rlimit_from_name ("RLIMIT_AS") == RLIMIT_AS, "RLIMIT_AS", "wrong");
  UNIT_CHECK (process_rlimit_from_name ("RLIMIT_NOPE") == -1
                  && process_rlimit_from_name ("rlimit_nofile") == -1
                  && process_rlimit_from_name ("NOFILE") == -1,
              "unknown rlimits", "accepted");

  int r = in_child (raise_nofile);
  UNIT_CHECK (r == 0 || r == 2, "raising NOFILE past the hard limit: message", "status %d", r);
  UNIT_CHECK (in_child (lower_nofile) == 0, "rlimits applied", "failed");

  test_find_executable ();
  test_env_home ();

  /* CPU lists.  */
  cpu_set_t set;
  CPU_ZERO (&set);
  if (sched_getaffinity (0, sizeof set, &set) == 0)
    {
      int first = -1;
      for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
        if (CPU_ISSET (c, &set))
          first = c;
      char list[32];
      snprintf (list, sizeof list, "%d", first);
      UNIT_CHECK (process_apply_cpu_affinity (list, &err) == 0, "affinity to one CPU", "%s",
                  err.msg);
      cpu_set_t now;
      sched_getaffinity (0, sizeof now, &now);
      UNIT_CHECK (CPU_COUNT (&now) == 1 && CPU_ISSET (first, &now), "affinity applied", "%d CPUs",
                  CPU_COUNT (&now));
      sched_setaffinity (0, sizeof set, &set);
    }
  const char *bad[] = { "", "3-1", "a", "1,", ",1", "1-", "1--2", "99999999", "1;2" };
  int bad_ok = 1;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (process_apply_cpu_affinity (bad[i], &err) == 0 || !strstr (err.msg, "invalid CPU list"))
      {
        bad_ok = 0;
        printf ("# `%s` -> %s\n", bad[i], err.msg);
      }
  UNIT_CHECK (bad_ok, "invalid CPU lists refused", "see above");

  struct oci_personality pers = { .present = true, .domain = PER_LINUX };
  char *pflags[] = { "NOPE" };
  pers.flags = pflags;
  pers.n_flags = 1;
  UNIT_CHECK (process_apply_personality (&pers, &err) < 0
                  && strstr (err.msg, "linux.personality.flags[0]: unknown flag `NOPE`"),
              "unknown personality flag refused", "%s", err.msg);
  UNIT_CHECK (in_child (personality_linux) == 0, "personality LINUX|ADDR_NO_RANDOMIZE", "failed");
  struct oci_memory_policy mp = { .present = true, .mode = MPOL_BIND, .nodes = "0-" };
  UNIT_CHECK (process_apply_memory_policy (&mp, &err) < 0 && strstr (err.msg, "linux.memoryPolicy"),
              "invalid node list refused", "%s", err.msg);
  r = in_child (mempolicy_default);
  UNIT_CHECK (r == 0, "memory policy MPOL_DEFAULT and PREFERRED 0", "status %d", r);

  if (geteuid () == 0)
    {
      r = in_child (user_and_caps);
      UNIT_CHECK (r == 0, "root: user, groups, umask and capabilities", "status %d", r);
      r = in_child (no_caps);
      UNIT_CHECK (r == 0, "root: no capabilities listed = none", "status %d", r);
    }
  else
    printf ("# not root: user switch not tested\n");
  return unit_done ();
}
