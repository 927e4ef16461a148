/* tinit: the static program the integration tests run as the container
   process.  Each subcommand prints simple `key=value` lines on stdout so a
   test can grep one fact; subcommands chain with `--`:

     tinit ids -- hostname -- exit 3

   Failures print `errno=N` (and `error=...` on stderr) and exit 1.  It is
   linked statically so it runs in a rootfs that has nothing else; keep it to
   plain libc.  `reap CMD...` is for the host side: it runs CMD as a child
   subreaper so containers whose parent exited are reaped (PID 1 here does
   not reap orphans).  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int
fail (const char *what, int err)
{
  printf ("errno=%d\n", err);
  fflush (stdout);
  fprintf (stderr, "tinit: %s: %s\n", what, strerror (err));
  return 1;
}

static int
need (int argc, int n, const char *cmd)
{
  if (argc >= n)
    return 0;
  fprintf (stderr, "tinit: %s: missing argument\n", cmd);
  return -1;
}

static int
cmd_ids (int argc, char **argv)
{
  gid_t groups[NGROUPS_MAX];
  int n = getgroups (NGROUPS_MAX, groups);
  mode_t mask = umask (0);

  umask (mask);
  printf ("uid=%u\ngid=%u\neuid=%u\negid=%u\ngroups=", getuid (), getgid (), geteuid (),
          getegid ());
  for (int i = 0; i < n; i++)
    printf ("%s%u", i ? "," : "", groups[i]);
  printf ("\numask=%04o\n", mask);
  return 0;
}

/* Print the lines of FILE whose key is in KEYS, as key=value.  */
static int
print_status_fields (const char *file, const char *const *keys)
{
  char line[512];
  FILE *f = fopen (file, "re");

  if (f == NULL)
    return fail (file, errno);
  while (fgets (line, sizeof line, f))
    {
      char *colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      for (int i = 0; keys[i]; i++)
        if (strcmp (line, keys[i]) == 0)
          {
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
              v++;
            printf ("%s=%s", line, v);
          }
    }
  fclose (f);
  return 0;
}

static int
cmd_caps (int argc, char **argv)
{
  static const char *const keys[]
      = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", NULL };
  return print_status_fields ("/proc/self/status", keys);
}

static int
cmd_hostname (int argc, char **argv)
{
  struct utsname u;

  if (uname (&u) < 0)
    return fail ("uname", errno);
  printf ("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
  return 0;
}

static int
cmd_cwd (int argc, char **argv)
{
  char buf[PATH_MAX];

  if (getcwd (buf, sizeof buf) == NULL)
    return fail ("getcwd", errno);
  printf ("cwd=%s\n", buf);
  return 0;
}

static int
cmd_env (int argc, char **argv)
{
  for (char **e = environ; *e; e++)
    printf ("%s\n", *e);
  return 0;
}

static const struct
{
  const char *name;
  int res;
} rlimits[] = {
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

static void
print_rlim (rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf ("unlimited");
  else
    printf ("%llu", (unsigned long long)v);
}

static int
cmd_rlimits (int argc, char **argv)
{
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    {
      struct rlimit rl;
      if (getrlimit (rlimits[i].res, &rl) < 0)
        return fail (rlimits[i].name, errno);
      printf ("%s=", rlimits[i].name);
      print_rlim (rl.rlim_cur);
      putchar (':');
      print_rlim (rl.rlim_max);
      putchar ('\n');
    }
  return 0;
}

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

static int
cmd_fds (int argc, char **argv)
{
  int fds[1024], n = 0;
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;

  if (d == NULL)
    return fail ("/proc/self/fd", errno);
  while ((de = readdir (d)) && n < 1024)
    {
      if (!isdigit ((unsigned char)de->d_name[0]))
        continue;
      int fd = atoi (de->d_name);
      if (fd != dirfd (d))
        fds[n++] = fd;
    }
  closedir (d);
  qsort (fds, n, sizeof fds[0], cmp_int);
  printf ("fds=");
  for (int i = 0; i < n; i++)
    printf ("%s%d", i ? "," : "", fds[i]);
  putchar ('\n');
  return 0;
}

static int
cat_file (const char *path)
{
  char buf[8192];
  ssize_t r;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return fail (path, errno);
  fflush (stdout);
  while ((r = read (fd, buf, sizeof buf)) != 0)
    {
      if (r < 0)
        {
          int e = errno;
          close (fd);
          return fail (path, e);
        }
      fwrite (buf, 1, r, stdout);
    }
  close (fd);
  return 0;
}

static int
cmd_mounts (int argc, char **argv)
{
  return cat_file ("/proc/self/mountinfo");
}

static int
cmd_ns (int argc, char **argv)
{
  static const char *const names[]
      = { "cgroup", "ipc", "mnt", "net", "pid", "time", "pid_for_children", "time_for_children",
          "user",   "uts", NULL };
  for (int i = 0; names[i]; i++)
    {
      char path[64];
      struct stat st;
      snprintf (path, sizeof path, "/proc/self/ns/%s", names[i]);
      if (stat (path, &st) == 0)
        printf ("%s=%lu\n", names[i], (unsigned long)st.st_ino);
    }
  return 0;
}

static int
cmd_pid (int argc, char **argv)
{
  printf ("pid=%d\nppid=%d\n", getpid (), getppid ());
  return 0;
}

static void
on_term (int sig)
{
  char msg[32];
  int n = snprintf (msg, sizeof msg, "got=%s\n",
                    sig == SIGTERM  ? "TERM"
                    : sig == SIGINT ? "INT"
                    : sig == SIGHUP ? "HUP"
                                    : "USR1");
  if (write (STDOUT_FILENO, msg, n) < 0)
    _exit (2);
  _exit (0);
}

static int
sleep_secs (const char *arg)
{
  struct timespec ts = { .tv_sec = atol (arg) };

  fflush (stdout);
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
  return 0;
}

static int
cmd_sleep (int argc, char **argv)
{
  if (need (argc, 2, "sleep") < 0)
    return 1;
  return sleep_secs (argv[1]);
}

/* Like sleep, but TERM, INT, HUP and USR1 print got=NAME and exit 0: a
   pid-namespace init ignores signals that have no handler.  */
static int
cmd_trap (int argc, char **argv)
{
  if (need (argc, 2, "trap") < 0)
    return 1;
  signal (SIGTERM, on_term);
  signal (SIGINT, on_term);
  signal (SIGHUP, on_term);
  signal (SIGUSR1, on_term);
  printf ("trapping=1\n");
  return sleep_secs (argv[1]);
}

static int
cmd_wait_signal (int argc, char **argv)
{
  sigset_t all;
  int sig;

  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, NULL);
  printf ("waiting=1\n");
  fflush (stdout);
  if (sigwait (&all, &sig) != 0)
    return fail ("sigwait", errno);
  printf ("signal=%d\n", sig);
  return 0;
}

static int
cmd_getcwd_errno (int argc, char **argv)
{
  char buf[PATH_MAX];
  long r = syscall (SYS_getcwd, buf, sizeof buf);

  printf ("errno=%d\n", r < 0 ? errno : 0);
  return 0;
}

/* Raw syscalls, so a seccomp rule on the named syscall is what is hit (libc
   may use the *at variant).  */
static int
cmd_syscall_errno (int argc, char **argv)
{
  char buf[PATH_MAX];
  struct utsname u;
  const char *name;
  long r;

  if (need (argc, 2, "syscall-errno") < 0)
    return 1;
  name = argv[1];
  errno = 0;
  if (strcmp (name, "mkdir") == 0)
    {
      r = syscall (SYS_mkdir, "/tmp/.tinit-mkdir", 0700);
      if (r == 0)
        rmdir ("/tmp/.tinit-mkdir");
    }
  else if (strcmp (name, "chmod") == 0)
    {
      struct stat st;
      r = stat ("/", &st);
      if (r == 0)
        r = syscall (SYS_chmod, "/", st.st_mode & 07777);
    }
  else if (strcmp (name, "getcwd") == 0)
    r = syscall (SYS_getcwd, buf, sizeof buf);
  else if (strcmp (name, "uname") == 0)
    r = syscall (SYS_uname, &u);
  else if (strcmp (name, "getpid") == 0)
    r = syscall (SYS_getpid);
  else if (strcmp (name, "getppid") == 0)
    r = syscall (SYS_getppid);
  else
    {
      fprintf (stderr, "tinit: syscall-errno: unknown syscall %s\n", name);
      return 1;
    }
  printf ("errno=%d\n", r < 0 ? errno : 0);
  return 0;
}

static int
cmd_cat (int argc, char **argv)
{
  if (need (argc, 2, "cat") < 0)
    return 1;
  return cat_file (argv[1]);
}

static int
cmd_write (int argc, char **argv)
{
  int fd;
  size_t len;

  if (need (argc, 3, "write") < 0)
    return 1;
  fd = open (argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail (argv[1], errno);
  len = strlen (argv[2]);
  if (write (fd, argv[2], len) != (ssize_t)len)
    {
      int e = errno;
      close (fd);
      return fail (argv[1], e);
    }
  if (close (fd) < 0)
    return fail (argv[1], errno);
  printf ("written=%s\n", argv[1]);
  return 0;
}

static const char *
type_name (mode_t m)
{
  switch (m & S_IFMT)
    {
    case S_IFREG:
      return "reg";
    case S_IFDIR:
      return "dir";
    case S_IFCHR:
      return "chr";
    case S_IFBLK:
      return "blk";
    case S_IFLNK:
      return "lnk";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "sock";
    }
  return "unknown";
}

/* lstat: a symlink is reported as such, with its target.  */
static int
cmd_stat (int argc, char **argv)
{
  struct stat st;

  if (need (argc, 2, "stat") < 0)
    return 1;
  if (lstat (argv[1], &st) < 0)
    return fail (argv[1], errno);
  printf ("mode=%04o\ntype=%s\nrdev=%u:%u\nuid=%u\ngid=%u\nsize=%lld\n", st.st_mode & 07777,
          type_name (st.st_mode), major (st.st_rdev), minor (st.st_rdev), st.st_uid, st.st_gid,
          (long long)st.st_size);
  if (S_ISLNK (st.st_mode))
    {
      char buf[PATH_MAX];
      ssize_t n = readlink (argv[1], buf, sizeof buf - 1);
      if (n >= 0)
        {
          buf[n] = '\0';
          printf ("target=%s\n", buf);
        }
    }
  return 0;
}

static int
cmd_ls (int argc, char **argv)
{
  struct dirent **list;
  int n;

  if (need (argc, 2, "ls") < 0)
    return 1;
  n = scandir (argv[1], &list, NULL, alphasort);
  if (n < 0)
    return fail (argv[1], errno);
  int count = 0;
  for (int i = 0; i < n; i++)
    {
      if (strcmp (list[i]->d_name, ".") != 0 && strcmp (list[i]->d_name, "..") != 0)
        {
          printf ("%s\n", list[i]->d_name);
          count++;
        }
      free (list[i]);
    }
  free (list);
  printf ("count=%d\n", count);
  return 0;
}

static int
cmd_oom (int argc, char **argv)
{
  char buf[32];
  int fd = open ("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return fail ("oom_score_adj", errno);
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n < 0)
    return fail ("oom_score_adj", errno);
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  printf ("oom_score_adj=%s\n", buf);
  return 0;
}

static int
cmd_sched (int argc, char **argv)
{
  struct sched_param sp;
  int pol = sched_getscheduler (0);
  const char *name;

  if (pol < 0)
    return fail ("sched_getscheduler", errno);
  switch (pol & ~SCHED_RESET_ON_FORK)
    {
    case SCHED_OTHER:
      name = "SCHED_OTHER";
      break;
    case SCHED_FIFO:
      name = "SCHED_FIFO";
      break;
    case SCHED_RR:
      name = "SCHED_RR";
      break;
    case SCHED_BATCH:
      name = "SCHED_BATCH";
      break;
    case SCHED_IDLE:
      name = "SCHED_IDLE";
      break;
#ifdef SCHED_DEADLINE
    case SCHED_DEADLINE:
      name = "SCHED_DEADLINE";
      break;
#endif
    default:
      name = "unknown";
    }
  if (sched_getparam (0, &sp) < 0)
    return fail ("sched_getparam", errno);
  errno = 0;
  int nice = getpriority (PRIO_PROCESS, 0);
  if (nice == -1 && errno)
    return fail ("getpriority", errno);
  printf ("policy=%s\npriority=%d\nnice=%d\n", name, sp.sched_priority, nice);
  return 0;
}

static int
cmd_ioprio (int argc, char **argv)
{
  static const char *const classes[]
      = { "IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
  long v = syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);

  if (v < 0)
    return fail ("ioprio_get", errno);
  int cls = (v >> 13) & 7;
  printf ("ioprio_class=%s\nioprio_prio=%ld\n", cls < 4 ? classes[cls] : "unknown", v & 0xff);
  return 0;
}

static int
cmd_personality (int argc, char **argv)
{
  int p = personality (0xffffffff);

  if (p < 0)
    return fail ("personality", errno);
  printf ("personality=0x%x\n", (unsigned)p);
  return 0;
}

static int
cmd_affinity (int argc, char **argv)
{
  cpu_set_t set;
  int first = 1;

  if (sched_getaffinity (0, sizeof set, &set) < 0)
    return fail ("sched_getaffinity", errno);
  printf ("cpus=");
  for (int i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET (i, &set))
      {
        printf ("%s%d", first ? "" : ",", i);
        first = 0;
      }
  putchar ('\n');
  return 0;
}

static int
cmd_tty (int argc, char **argv)
{
  struct winsize ws;
  char name[PATH_MAX];

  for (int fd = 0; fd <= 2; fd++)
    printf ("isatty%d=%d\n", fd, isatty (fd));
  if (ttyname_r (0, name, sizeof name) == 0)
    printf ("ttyname0=%s\n", name);
  else
    printf ("ttyname0=\n");
  if (ioctl (0, TIOCGWINSZ, &ws) == 0)
    printf ("rows=%u\ncols=%u\n", ws.ws_row, ws.ws_col);
  return 0;
}

static int
cmd_sysctl (int argc, char **argv)
{
  char path[PATH_MAX], buf[4096];
  ssize_t n;
  int fd;

  if (need (argc, 2, "sysctl") < 0)
    return 1;
  snprintf (path, sizeof path, "/proc/sys/%s", argv[1]);
  for (char *p = path + strlen ("/proc/sys/"); *p; p++)
    if (*p == '.')
      *p = '/';
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail (path, errno);
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n < 0)
    return fail (path, errno);
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
  printf ("%s=%s\n", argv[1], buf);
  return 0;
}

static int
cmd_echo (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    printf ("%s%s", i > 1 ? " " : "", argv[i]);
  putchar ('\n');
  return 0;
}

static int
cmd_true (int argc, char **argv)
{
  return 0;
}

/* Host side: run argv[1..] as a child subreaper, reap every descendant that
   is reparented to us, and exit with the command's status.  */
static int
cmd_reap (int argc, char **argv)
{
  pid_t child;
  int status, rc = 1;

  if (need (argc, 2, "reap") < 0)
    return 1;
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    return fail ("PR_SET_CHILD_SUBREAPER", errno);
  fflush (stdout);
  child = fork ();
  if (child < 0)
    return fail ("fork", errno);
  if (child == 0)
    {
      execvp (argv[1], argv + 1);
      fprintf (stderr, "tinit: reap: %s: %s\n", argv[1], strerror (errno));
      _exit (127);
    }
  signal (SIGINT, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);
  for (;;)
    {
      pid_t p = waitpid (-1, &status, 0);
      if (p < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p == child)
        {
          rc = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
          break;
        }
    }
  /* Reap what already exited; anything still alive is the tests' leak and
     is reported by them, not waited for here.  */
  while (waitpid (-1, &status, WNOHANG) > 0)
    ;
  exit (rc);
}

/* forks N: fork N children that wait on a pipe; forked=K and, when a fork
   failed, fork_errno=E.  The children exit when it does.  */
static int
cmd_forks (int argc, char **argv)
{
  int p[2], n, k = 0, e = 0;

  if (need (argc, 2, "forks") < 0)
    return 1;
  n = atoi (argv[1]);
  if (pipe (p) < 0)
    return fail ("pipe", errno);
  for (; k < n; k++)
    {
      pid_t c = fork ();
      if (c < 0)
        {
          e = errno;
          break;
        }
      if (c == 0)
        {
          char b;
          close (p[1]);
          while (read (p[0], &b, 1) < 0 && errno == EINTR)
            ;
          _exit (0);
        }
    }
  close (p[0]);
  close (p[1]);
  while (wait (NULL) > 0)
    ;
  printf ("forked=%d\n", k);
  if (e)
    printf ("fork_errno=%d\n", e);
  return 0;
}

/* hog BYTES: allocate and touch BYTES of memory, then print hogged=BYTES.  */
static int
cmd_hog (int argc, char **argv)
{
  size_t want, step = 1 << 20, done = 0;

  if (need (argc, 2, "hog") < 0)
    return 1;
  want = strtoull (argv[1], NULL, 10);
  while (done < want)
    {
      char *m = malloc (step);
      if (m == NULL)
        return fail ("malloc", ENOMEM);
      memset (m, 1, step);
      done += step;
    }
  printf ("hogged=%zu\n", done);
  return 0;
}

/* cgroup: this process's cgroup lines, as cgroup.CTRL=PATH.  */
static int
cmd_cgroup (int argc, char **argv)
{
  char line[1024];
  FILE *f = fopen ("/proc/self/cgroup", "re");

  if (f == NULL)
    return fail ("/proc/self/cgroup", errno);
  while (fgets (line, sizeof line, f))
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c2 = '\0';
      line[strcspn (c2 + 1, "\n") + (c2 + 1 - line)] = '\0';
      printf ("cgroup.%s=%s\n", *(c1 + 1) ? c1 + 1 : "unified", c2 + 1);
    }
  fclose (f);
  return 0;
}

static const struct
{
  const char *name;
  int (*fn) (int argc, char **argv);
} cmds[] = {
  { "forks", cmd_forks },
  { "hog", cmd_hog },
  { "cgroup", cmd_cgroup },
  { "ids", cmd_ids },
  { "caps", cmd_caps },
  { "hostname", cmd_hostname },
  { "cwd", cmd_cwd },
  { "env", cmd_env },
  { "rlimits", cmd_rlimits },
  { "fds", cmd_fds },
  { "mounts", cmd_mounts },
  { "ns", cmd_ns },
  { "pid", cmd_pid },
  { "sleep", cmd_sleep },
  { "trap", cmd_trap },
  { "wait-signal", cmd_wait_signal },
  { "getcwd-errno", cmd_getcwd_errno },
  { "syscall-errno", cmd_syscall_errno },
  { "cat", cmd_cat },
  { "write", cmd_write },
  { "stat", cmd_stat },
  { "ls", cmd_ls },
  { "oom", cmd_oom },
  { "sched", cmd_sched },
  { "ioprio", cmd_ioprio },
  { "personality", cmd_personality },
  { "affinity", cmd_affinity },
  { "tty", cmd_tty },
  { "sysctl", cmd_sysctl },
  { "echo", cmd_echo },
  { "true", cmd_true },
  { "reap", cmd_reap },
};

static void
usage (void)
{
  fprintf (stderr, "usage: tinit CMD [ARGS...] [-- CMD [ARGS...]]...\ncommands: exit N");
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    fprintf (stderr, ", %s", cmds[i].name);
  fputc ('\n', stderr);
}

int
main (int argc, char **argv)
{
  int i = 1;

  if (argc < 2)
    {
      usage ();
      return 2;
    }
  while (i < argc)
    {
      int j = i, rc;
      /* `reap` takes the rest of the line, `--` included.  */
      if (strcmp (argv[i], "reap") == 0)
        j = argc;
      else
        while (j < argc && strcmp (argv[j], "--") != 0)
          j++;
      char *saved = argv[j];
      argv[j] = NULL;
      if (strcmp (argv[i], "exit") == 0)
        {
          fflush (stdout);
          exit (j - i >= 2 ? atoi (argv[i + 1]) : 0);
        }
      size_t k;
      for (k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
        if (strcmp (argv[i], cmds[k].name) == 0)
          break;
      if (k == sizeof cmds / sizeof cmds[0])
        {
          fprintf (stderr, "tinit: unknown command %s\n", argv[i]);
          usage ();
          return 2;
        }
      rc = cmds[k].fn (j - i, argv + i);
      fflush (stdout);
      if (rc != 0)
        return rc;
      argv[j] = saved;
      i = j + 1;
    }
  return 0;
}
