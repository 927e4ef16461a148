/* cgv2-probe: drives the cgroup v2 driver's ops directly, for the VM tests
   (tests/vm/init-v2.sh) on a real unified hierarchy, before and beside the
   runtime's own create/update/pause/delete path.  Prints key=value lines.

     cgv2-probe create CG
     cgv2-probe set CG [--update] KEY=VALUE...   (see set_one)
     cgv2-probe run CG CMD...     run CMD inside CG, exit with its status
     cgv2-probe bg CG CMD...      start CMD inside CG, print pid=N
     cgv2-probe freeze|thaw|frozen|pids|stats|destroy|ebpf-count CG
     cgv2-probe oom CG CMD...     run CMD inside CG, print oom=1 if it was OOM-killed
     cgv2-probe forks N           fork N sleepers, print forked=K and the errno
     cgv2-probe hog MB            allocate and touch MB MiB
     cgv2-probe open PATH         open PATH read-write, print open=ok or errno=N  */
#include "libtong/cgroup.h"
#include "libtong/cgroup_ebpf.h"
#include "cleanup.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct tong_err err;

static int
die (void)
{
  fprintf (stderr, "cgv2-probe: %s\n", err.msg);
  return 1;
}

static void
cg_init (struct tong_cgroup *cg, const char *path)
{
  memset (cg, 0, sizeof *cg);
  cg->mode = CG_MODE_V2;
  cg->driver = &cgroup_driver_v2;
  cg->v2_root = "/sys/fs/cgroup";
  cg->path = (char *)path;
}

/* The rules runc gives every container before the config's own.  */
static const struct cg_device_rule default_rules[] = {
  { false, 'a', -1, -1, "rwm" }, { true, 'c', -1, -1, "m" },    { true, 'b', -1, -1, "m" },
  { true, 'c', 1, 3, "rwm" },    { true, 'c', 1, 8, "rwm" },    { true, 'c', 1, 7, "rwm" },
  { true, 'c', 5, 0, "rwm" },    { true, 'c', 1, 5, "rwm" },    { true, 'c', 1, 9, "rwm" },
  { true, 'c', 5, 1, "rwm" },    { true, 'c', 136, -1, "rwm" }, { true, 'c', 5, 2, "rwm" },
  { true, 'c', 10, 200, "rwm" },
};

static struct cg_throttle throttles[CG_THROTTLE_COUNT][4];
static struct cg_hugepage hugepages[4];
static struct cg_kv unified[8];
static struct cg_device_rule rules[64];
static size_t n_rules;
static bool devices;

static int64_t
num (const char *s)
{
  return strcmp (s, "max") == 0 ? -1 : strtoll (s, NULL, 0);
}

static int
set_one (struct cg_resources *r, char *kv)
{
  char *v = strchr (kv, '=');
  if (v)
    *v++ = '\0';
  else if (strcmp (kv, "rdma") == 0)
    {
      /* DEVICE:HANDLES:OBJECTS */
      static struct cg_rdma rd[4];
      static char names[4][64];
      struct cg_rdma *x = &rd[r->n_rdma];
      unsigned long h, o;
      if (sscanf (v, "%63[^:]:%lu:%lu", names[r->n_rdma], &h, &o) != 3)
        return -1;
      x->device = names[r->n_rdma];
      x->hca_handles = (struct cg_u64){ true, h };
      x->hca_objects = (struct cg_u64){ true, o };
      r->rdma = rd;
      r->n_rdma++;
    }
  else if (strcmp (kv, "devdefaults") == 0)
    v = kv + strlen (kv);
  else
    return -1;
  static const char *const tk[CG_THROTTLE_COUNT] = { "rbps", "wbps", "riops", "wiops" };
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    if (strcmp (kv, tk[k]) == 0)
      {
        struct cg_throttle *t = &throttles[k][r->blkio.n_throttle[k]];
        if (sscanf (v, "%ld:%ld:%lu", &t->major, &t->minor, &t->rate) != 3)
          return -1;
        r->blkio.throttle[k] = throttles[k];
        r->blkio.n_throttle[k]++;
        return 0;
      }
  if (strcmp (kv, "memory") == 0)
    r->memory.limit = (struct cg_i64){ true, num (v) };
  else if (strcmp (kv, "reservation") == 0)
    r->memory.reservation = (struct cg_i64){ true, num (v) };
  else if (strcmp (kv, "swap") == 0)
    r->memory.swap = (struct cg_i64){ true, num (v) };
  else if (strcmp (kv, "shares") == 0)
    r->cpu.shares = (struct cg_u64){ true, (uint64_t)num (v) };
  else if (strcmp (kv, "quota") == 0)
    r->cpu.quota = (struct cg_i64){ true, num (v) };
  else if (strcmp (kv, "period") == 0)
    r->cpu.period = (struct cg_u64){ true, (uint64_t)num (v) };
  else if (strcmp (kv, "burst") == 0)
    r->cpu.burst = (struct cg_u64){ true, (uint64_t)num (v) };
  else if (strcmp (kv, "idle") == 0)
    r->cpu.idle = (struct cg_i64){ true, num (v) };
  else if (strcmp (kv, "rtruntime") == 0)
    r->cpu.realtime_runtime = (struct cg_i64){ true, num (v) };
  else if (strcmp (kv, "cpus") == 0)
    r->cpu.cpus = v;
  else if (strcmp (kv, "mems") == 0)
    r->cpu.mems = v;
  else if (strcmp (kv, "pids") == 0)
    r->pids_limit = (struct cg_i64){ true, num (v) };
  else if (strcmp (kv, "weight") == 0)
    r->blkio.weight = (struct cg_u64){ true, (uint64_t)num (v) };
  else if (strcmp (kv, "hugetlb") == 0)
    {
      char *c = strchr (v, ':');
      if (c == NULL)
        return -1;
      *c = '\0';
      hugepages[r->n_hugepages] = (struct cg_hugepage){ v, (uint64_t)num (c + 1) };
      r->hugepages = hugepages;
      r->n_hugepages++;
    }
  else if (strcmp (kv, "unified") == 0)
    {
      char *c = strchr (v, ':');
      if (c == NULL)
        return -1;
      *c = '\0';
      unified[r->n_unified] = (struct cg_kv){ v, c + 1 };
      r->unified = unified;
      r->n_unified++;
    }
  else if (strcmp (kv, "rdma") == 0)
    {
      /* DEVICE:HANDLES:OBJECTS */
      static struct cg_rdma rd[4];
      static char names[4][64];
      struct cg_rdma *x = &rd[r->n_rdma];
      unsigned long h, o;
      if (sscanf (v, "%63[^:]:%lu:%lu", names[r->n_rdma], &h, &o) != 3)
        return -1;
      x->device = names[r->n_rdma];
      x->hca_handles = (struct cg_u64){ true, h };
      x->hca_objects = (struct cg_u64){ true, o };
      r->rdma = rd;
      r->n_rdma++;
    }
  else if (strcmp (kv, "devdefaults") == 0)
    {
      memcpy (rules + n_rules, default_rules, sizeof default_rules);
      n_rules += sizeof default_rules / sizeof default_rules[0];
      devices = true;
    }
  else if (strcmp (kv, "dev") == 0)
    {
      /* allow|deny:TYPE:MAJ:MIN:ACCESS, * for any number.  */
      char allow[8], type, maj[16], min[16], acc[4] = "";
      if (sscanf (v, "%7[a-z]:%c:%15[0-9*]:%15[0-9*]:%3[rwm]", allow, &type, maj, min, acc) < 4)
        return -1;
      struct cg_device_rule *d = &rules[n_rules++];
      d->allow = strcmp (allow, "allow") == 0;
      d->type = type;
      d->major = maj[0] == '*' ? -1 : atoll (maj);
      d->minor = min[0] == '*' ? -1 : atoll (min);
      snprintf (d->access, sizeof d->access, "%s", acc);
      devices = true;
    }
  else
    return -1;
  return 0;
}

static pid_t
spawn (struct tong_cgroup *cg, char **argv, bool detach)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      /* A background child must not hold the caller's pipe open.  */
      int nul = detach ? open ("/dev/null", O_RDWR) : -1;
      if (nul >= 0)
        {
          dup2 (nul, 0);
          dup2 (nul, 1);
          dup2 (nul, 2);
        }
      if (cg->driver->enter (cg, getpid (), &err) < 0)
        {
          fprintf (stderr, "cgv2-probe: %s\n", err.msg);
          _exit (126);
        }
      execvp (argv[0], argv);
      _exit (127);
    }
  return pid;
}

static int
wait_status (pid_t pid, int *sig)
{
  int st;
  *sig = 0;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return 255;
  if (WIFSIGNALED (st))
    {
      *sig = WTERMSIG (st);
      return 128 + *sig;
    }
  return WEXITSTATUS (st);
}

static int
cmd_forks (int n)
{
  pid_t kids[4096];
  int k = 0, e = 0;
  for (; k < n && k < 4096; k++)
    {
      pid_t p = fork ();
      if (p < 0)
        {
          e = errno;
          break;
        }
      if (p == 0)
        {
          pause ();
          _exit (0);
        }
      kids[k] = p;
    }
  printf ("forked=%d\nerrno=%d\n", k, e);
  fflush (stdout);
  for (int i = 0; i < k; i++)
    {
      kill (kids[i], SIGKILL);
      waitpid (kids[i], NULL, 0);
    }
  return 0;
}

static int
cmd_hog (long mb)
{
  for (long i = 0; i < mb; i++)
    {
      char *p = mmap (NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        return 1;
      memset (p, 1, 1 << 20);
    }
  printf ("hog=%ld\n", mb);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: cgv2-probe CMD ARG...\n");
      return 2;
    }
  const char *cmd = argv[1];
  if (strcmp (cmd, "forks") == 0)
    return cmd_forks (atoi (argv[2]));
  if (strcmp (cmd, "hog") == 0)
    return cmd_hog (atol (argv[2]));
  if (strcmp (cmd, "open") == 0)
    {
      int fd = open (argv[2], O_RDWR | O_CLOEXEC);
      if (fd < 0)
        {
          printf ("errno=%d\n", errno);
          return 1;
        }
      printf ("open=ok\n");
      close (fd);
      return 0;
    }
  struct tong_cgroup cg;
  cg_init (&cg, argv[2]);
  const struct cgroup_driver *d = cg.driver;
  if (strcmp (cmd, "create") == 0)
    {
      if (d->create (&cg, NULL, &err) < 0)
        return die ();
      printf ("created=%d\n", cg.created);
      return 0;
    }
  if (strcmp (cmd, "set") == 0)
    {
      struct cg_resources r;
      memset (&r, 0, sizeof r);
      bool update = false;
      for (int i = 3; i < argc; i++)
        if (strcmp (argv[i], "--update") == 0)
          update = true;
        else if (set_one (&r, argv[i]) < 0)
          {
            fprintf (stderr, "cgv2-probe: bad setting %s\n", argv[i]);
            return 2;
          }
      if (d->set (&cg, &r, devices ? rules : NULL, n_rules, update, &err) < 0)
        return die ();
      printf ("set=ok\n");
      return 0;
    }
  if (strcmp (cmd, "run") == 0 || strcmp (cmd, "bg") == 0 || strcmp (cmd, "oom") == 0)
    {
      if (argc < 4)
        return 2;
      cleanup_close int ofd = -1;
      if (cmd[0] == 'o' && (ofd = d->oom_fd (&cg, &err)) < 0)
        return die ();
      pid_t pid = spawn (&cg, argv + 3, cmd[0] == 'b');
      if (pid < 0)
        return 1;
      if (cmd[0] == 'b')
        {
          printf ("pid=%d\n", (int)pid);
          return 0;
        }
      int sig, rc = wait_status (pid, &sig);
      if (cmd[0] == 'o')
        {
          struct pollfd p = { .fd = ofd, .events = POLLIN };
          poll (&p, 1, 2000);
          printf ("signal=%d\noom=%d\n", sig, d->oom_check (&cg, ofd));
          return 0;
        }
      return rc;
    }
  if (strcmp (cmd, "freeze") == 0 || strcmp (cmd, "thaw") == 0)
    {
      if (d->freeze (&cg, cmd[0] == 'f', &err) < 0)
        return die ();
      printf ("frozen=%d\n", d->frozen (&cg));
      return 0;
    }
  if (strcmp (cmd, "frozen") == 0)
    {
      printf ("frozen=%d\n", d->frozen (&cg));
      return 0;
    }
  if (strcmp (cmd, "pids") == 0)
    {
      cleanup_free pid_t *pids = NULL;
      size_t n;
      if (d->pids (&cg, &pids, &n, &err) < 0)
        return die ();
      printf ("npids=%zu\n", n);
      return 0;
    }
  if (strcmp (cmd, "stats") == 0)
    {
      struct json_writer *w = json_writer_new (false);
      json_w_obj_begin (w);
      if (d->stats (&cg, w, &err) < 0)
        return die ();
      json_w_obj_end (w);
      cleanup_free char *s = json_writer_finish (w);
      printf ("%s\n", s);
      return 0;
    }
  if (strcmp (cmd, "destroy") == 0)
    {
      if (d->destroy (&cg, &err) < 0)
        return die ();
      printf ("destroyed=1\n");
      return 0;
    }
  if (strcmp (cmd, "attach-plain") == 0)
    {
      /* An allow-all program attached without BPF_F_ALLOW_MULTI, as another
         manager may have left it: set must replace it.  */
      char dir[4200];
      snprintf (dir, sizeof dir, "/sys/fs/cgroup%s", argv[2]);
      cleanup_free struct bpf_insn *prog = NULL;
      size_t len;
      if (cg_ebpf_build (NULL, 0, &prog, &len, &err) < 0)
        return die ();
      cleanup_close int pfd = cg_ebpf_load (prog, len, &err);
      cleanup_close int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (pfd < 0 || fd < 0)
        return die ();
      union bpf_attr a;
      memset (&a, 0, sizeof a);
      a.target_fd = fd;
      a.attach_bpf_fd = pfd;
      a.attach_type = BPF_CGROUP_DEVICE;
      if (syscall (SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
        {
          printf ("errno=%d\n", errno);
          return 1;
        }
      printf ("attached=1\n");
      return 0;
    }
  if (strcmp (cmd, "ebpf-count") == 0)
    {
      char dir[4200];
      snprintf (dir, sizeof dir, "/sys/fs/cgroup%s", argv[2]);
      cleanup_close int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      int n = fd < 0 ? -1 : cg_ebpf_count (fd, &err);
      printf ("programs=%d\n", n);
      return n < 0;
    }
  fprintf (stderr, "cgv2-probe: unknown command %s\n", cmd);
  return 2;
}
