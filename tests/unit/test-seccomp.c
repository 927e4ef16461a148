/* seccomp: compiling profiles, errors with their JSON path, and loading the
   program in a child (with no_new_privs, which needs no privilege).  */
#include "libtong/seccomp.h"
#include "cleanup.h"
#include "json.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* One rule: NAMES (NULL-terminated) -> ACTION, with ERRNO_RET when >= 0.  */
static struct oci_seccomp_syscall
rule (char **names, enum oci_seccomp_action action, int errno_ret)
{
  struct oci_seccomp_syscall r = { .names = names, .action = action };
  while (names[r.n_names])
    r.n_names++;
  if (errno_ret >= 0)
    {
      r.has_errno_ret = true;
      r.errno_ret = (uint32_t)errno_ret;
    }
  return r;
}

static int
compile (struct oci_seccomp *s, struct tong_seccomp_prog **p, struct tong_err *err)
{
  *p = NULL;
  tong_err_clear (err);
  return seccomp_compile (s, p, err);
}

/* Run FN in a child with no_new_privs and PROG loaded; FN's return is the
   exit status (0 = passed), 100+ means the setup failed.  */
static int
in_child (const struct tong_seccomp_prog *prog, int (*fn) (void))
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      struct tong_err err = { 0 };
      int nfd = -1;
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit (100);
      if (tong_seccomp_load (prog, &nfd, &err) < 0)
        {
          fprintf (stderr, "%s\n", err.msg);
          _exit (101);
        }
      if (prog->uses_notify && nfd < 0)
        _exit (102);
      _exit (fn ());
    }
  int st;
  if (pid < 0 || waitpid (pid, &st, 0) != pid)
    return -1;
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

static int
check_getcwd (void)
{
  char buf[256];
  if (getcwd (buf, sizeof buf) != NULL || errno != 42)
    return 1;
  if (syscall (SYS_getpid) != getpid ())
    return 2;
  return 0;
}

static int
check_umask (void)
{
  /* MASKED_EQ (mask 0700, value 0700) -> EPERM, other masks pass.  */
  if (syscall (SYS_umask, 0755) != -1 || errno != EPERM)
    return 1;
  if (syscall (SYS_umask, 0022) < 0)
    return 2;
  return 0;
}

static int
check_or_and (void)
{
  /* umask: index 0 twice (OR): 0111 and 0222 denied, 0333 allowed.  */
  if (syscall (SYS_umask, 0111) != -1 || errno != 43)
    return 1;
  if (syscall (SYS_umask, 0222) != -1 || errno != 43)
    return 2;
  if (syscall (SYS_umask, 0333) < 0)
    return 3;
  /* getpriority: index 0 == PRIO_PROCESS and index 1 == 12345 (AND).  */
  errno = 0;
  if (syscall (SYS_getpriority, PRIO_PROCESS, 12345) != -1 || errno != 44)
    return 4;
  errno = 0;
  if (syscall (SYS_getpriority, PRIO_PROCESS, 0) < 0)
    return 5;
  errno = 0;
  if (syscall (SYS_getpriority, PRIO_PGRP, 12345) == -1 && errno == 44)
    return 6;
  return 0;
}

static int
nothing (void)
{
  return 0;
}

static void
test_listener (void)
{
  struct tong_err err = { 0 };
  char dir[] = "/tmp/tong-seccomp-XXXXXX";
  if (mkdtemp (dir) == NULL)
    {
      UNIT_CHECK (0, "listener: mkdtemp", "%s", strerror (errno));
      return;
    }
  char path[128];
  snprintf (path, sizeof path, "%s/agent.sock", dir);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  strcpy (sa.sun_path, path);
  cleanup_close int srv = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  UNIT_CHECK (srv >= 0 && bind (srv, (struct sockaddr *)&sa, sizeof sa) == 0
                  && listen (srv, 1) == 0,
              "listener: agent socket", "%s", strerror (errno));
  int pfd[2];
  if (pipe2 (pfd, O_CLOEXEC) < 0)
    return;

  struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
                           .listener_path = path,
                           .listener_metadata = "MKNOD=/dev/null" };
  const char *state = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\","
                      "\"pid\":4422,\"bundle\":\"/b\"}";
  UNIT_CHECK (seccomp_send_listener (&s, pfd[0], state, &err) == 0, "listener: send", "%s",
              err.msg);

  cleanup_close int c = accept4 (srv, NULL, NULL, SOCK_CLOEXEC);
  char buf[4096];
  union
  {
    char b[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } cm;
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf - 1 };
  struct msghdr mh
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b };
  ssize_t n = c >= 0 ? recvmsg (c, &mh, MSG_CMSG_CLOEXEC) : -1;
  UNIT_CHECK (n > 0, "listener: receive", "%s", strerror (errno));
  if (n <= 0)
    return;
  buf[n] = '\0';
  struct cmsghdr *h = CMSG_FIRSTHDR (&mh);
  int got = -1;
  if (h && h->cmsg_type == SCM_RIGHTS)
    memcpy (&got, CMSG_DATA (h), sizeof got);
  UNIT_CHECK (got >= 0, "listener: fd in SCM_RIGHTS", "no fd");
  if (got >= 0)
    {
      /* The received fd is the pipe's read end: what we write arrives.  */
      char x = 0;
      UNIT_CHECK (write (pfd[1], "x", 1) == 1 && read (got, &x, 1) == 1 && x == 'x',
                  "listener: the fd is the one sent", "read `%c`", x);
      close (got);
    }
  struct json_value *v = NULL;
  UNIT_CHECK (json_parse (buf, n, &v, &err) == 0, "listener: JSON", "%s: %s", err.msg, buf);
  if (v)
    {
      struct json_value *fds = json_get (v, "fds");
      UNIT_CHECK (fds && fds->type == JSON_ARRAY && fds->u.array.len == 1
                      && strcmp (fds->u.array.items[0]->u.string, "seccompFd") == 0,
                  "listener: fds", "%s", buf);
      struct json_value *pid = json_get (v, "pid");
      UNIT_CHECK (pid && pid->type == JSON_NUMBER && strcmp (pid->u.number, "4422") == 0,
                  "listener: pid", "%s", buf);
      struct json_value *md = json_get (v, "metadata");
      UNIT_CHECK (md && md->type == JSON_STRING && strcmp (md->u.string, "MKNOD=/dev/null") == 0,
                  "listener: metadata", "%s", buf);
      struct json_value *st = json_get (v, "state");
      struct json_value *id = st ? json_get (st, "id") : NULL;
      UNIT_CHECK (id && strcmp (id->u.string, "c1") == 0, "listener: state", "%s", buf);
      UNIT_CHECK (json_get (v, "ociVersion") != NULL, "listener: ociVersion", "%s", buf);
      json_free (v);
    }
  close (pfd[0]);
  close (pfd[1]);

  s.listener_path = "/nonexistent/agent.sock";
  UNIT_CHECK (seccomp_send_listener (&s, 0, state, &err) < 0
                  && strstr (err.msg, "linux.seccomp.listenerPath: connect"),
              "listener: connect error", "%s", err.msg);
  unlink (path);
  rmdir (dir);
}

int
main (void)
{
  struct tong_err err = { 0 };
  struct tong_seccomp_prog *p = NULL;
  char *getcwd_names[] = { "getcwd", NULL };

  /* The simplest profile, loaded for real in a child.  */
  struct oci_seccomp_syscall r1 = rule (getcwd_names, OCI_SECCOMP_ERRNO, 42);
  struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW, .syscalls = &r1, .n_syscalls = 1 };
  UNIT_CHECK (compile (&s, &p, &err) == 0, "compile getcwd errno 42", "%s", err.msg);
  if (p)
    {
      UNIT_CHECK (p->bpf && p->bpf_len > 0 && p->bpf_len % 8 == 0, "BPF non-empty", "%zu bytes",
                  p->bpf_len);
      UNIT_CHECK (p->flags == 0 && !p->uses_notify, "no flags, no notify", "flags %#x", p->flags);
      UNIT_CHECK (in_child (p, check_getcwd) == 0, "loaded: getcwd fails with errno 42",
                  "child status %d", in_child (p, check_getcwd));
      size_t native_len = p->bpf_len;
      seccomp_prog_free (p);

      char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
      s.architectures = archs;
      s.n_architectures = 3;
      UNIT_CHECK (compile (&s, &p, &err) == 0 && p->bpf_len > native_len,
                  "three architectures: a larger program", "%s", err.msg);
      seccomp_prog_free (p);
      s.architectures = NULL;
      s.n_architectures = 0;
    }

  /* Unknown syscall names are skipped (with a warning).  */
  char *unknown_names[] = { "no_such_syscall_xyz", "getcwd", NULL };
  struct oci_seccomp_syscall r2 = rule (unknown_names, OCI_SECCOMP_ERRNO, -1);
  s.syscalls = &r2;
  UNIT_CHECK (compile (&s, &p, &err) == 0, "unknown syscall skipped", "%s", err.msg);
  seccomp_prog_free (p);

  /* A rule with the default action is skipped, not refused.  */
  struct oci_seccomp_syscall r3 = rule (getcwd_names, OCI_SECCOMP_ALLOW, -1);
  s.syscalls = &r3;
  UNIT_CHECK (compile (&s, &p, &err) == 0, "rule equal to the default skipped", "%s", err.msg);
  seccomp_prog_free (p);
  s.syscalls = &r1;

  /* Errors name the JSON path.  */
  char *bad_arch[] = { "SCMP_ARCH_NOPE" };
  s.architectures = bad_arch;
  s.n_architectures = 1;
  UNIT_CHECK (compile (&s, &p, &err) < 0
                  && strstr (err.msg, "linux.seccomp.architectures[0]: unknown architecture"),
              "unknown architecture refused", "%s", err.msg);
  s.architectures = NULL;
  s.n_architectures = 0;

  char *bad_flag[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NOPE" };
  s.flags = bad_flag;
  s.n_flags = 2;
  UNIT_CHECK (compile (&s, &p, &err) < 0 && strstr (err.msg, "linux.seccomp.flags[1]"),
              "unknown flag refused", "%s", err.msg);
  char *flags[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW" };
  s.flags = flags;
  UNIT_CHECK (compile (&s, &p, &err) == 0
                  && p->flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW),
              "flags", "%s", err.msg);
  if (p)
    UNIT_CHECK (in_child (p, check_getcwd) == 0, "loaded with LOG|SPEC_ALLOW", "child failed");
  seccomp_prog_free (p);
  s.flags = NULL;
  s.n_flags = 0;

  struct oci_seccomp_syscall r4 = rule (getcwd_names, OCI_SECCOMP_KILL_PROCESS, 1);
  s.syscalls = &r4;
  UNIT_CHECK (compile (&s, &p, &err) < 0 && strstr (err.msg, "linux.seccomp.syscalls[0].errnoRet"),
              "errnoRet with a non-errno action refused", "%s", err.msg);
  s.has_default_errno_ret = true;
  s.default_errno_ret = 5;
  s.syscalls = &r1;
  UNIT_CHECK (compile (&s, &p, &err) < 0 && strstr (err.msg, "linux.seccomp.defaultErrnoRet"),
              "defaultErrnoRet with ALLOW refused", "%s", err.msg);
  s.has_default_errno_ret = false;

  struct oci_seccomp_arg bad_index = { .index = 6, .op = OCI_CMP_EQ };
  r1.args = &bad_index;
  r1.n_args = 1;
  UNIT_CHECK (compile (&s, &p, &err) < 0
                  && strstr (err.msg, "linux.seccomp.syscalls[0].args[0].index"),
              "argument index 6 refused", "%s", err.msg);
  r1.args = NULL;
  r1.n_args = 0;

  s.default_action = OCI_SECCOMP_NOTIFY;
  UNIT_CHECK (compile (&s, &p, &err) < 0 && strstr (err.msg, "linux.seccomp.defaultAction"),
              "NOTIFY as default refused", "%s", err.msg);
  s.default_action = OCI_SECCOMP_ALLOW;

  /* Notify: needs a listener path, loads with a listener fd.  */
  char *acct_names[] = { "acct", NULL };
  struct oci_seccomp_syscall r5 = rule (acct_names, OCI_SECCOMP_NOTIFY, -1);
  s.syscalls = &r5;
  UNIT_CHECK (compile (&s, &p, &err) < 0 && strstr (err.msg, "listenerPath"),
              "NOTIFY without listenerPath refused", "%s", err.msg);
  s.listener_path = "/run/agent.sock";
  char *tsync[] = { "SECCOMP_FILTER_FLAG_TSYNC" };
  s.flags = tsync;
  s.n_flags = 1;
  UNIT_CHECK (compile (&s, &p, &err) == 0 && p->uses_notify
                  && (p->flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH),
              "NOTIFY with TSYNC adds TSYNC_ESRCH", "%s", err.msg);
  if (p)
    UNIT_CHECK (in_child (p, nothing) == 0, "notify filter loads and returns a listener fd",
                "child failed");
  seccomp_prog_free (p);
  s.flags = NULL;
  s.n_flags = 0;
  s.listener_path = NULL;

  /* SCMP_CMP_MASKED_EQ.  */
  char *umask_names[] = { "umask", NULL };
  struct oci_seccomp_syscall r6 = rule (umask_names, OCI_SECCOMP_ERRNO, -1);
  struct oci_seccomp_arg masked
      = { .index = 0, .op = OCI_CMP_MASKED_EQ, .value = 0700, .value_two = 0700 };
  r6.args = &masked;
  r6.n_args = 1;
  s.syscalls = &r6;
  UNIT_CHECK (compile (&s, &p, &err) == 0, "compile MASKED_EQ", "%s", err.msg);
  if (p)
    UNIT_CHECK (in_child (p, check_umask) == 0, "MASKED_EQ denies umask(0755) only",
                "child status %d", in_child (p, check_umask));
  seccomp_prog_free (p);

  /* Same index twice: one rule each (OR); distinct indexes: one rule (AND).  */
  struct oci_seccomp_arg same[] = {
    { .index = 0, .op = OCI_CMP_EQ, .value = 0111 },
    { .index = 0, .op = OCI_CMP_EQ, .value = 0222 },
  };
  struct oci_seccomp_arg both[] = {
    { .index = 0, .op = OCI_CMP_EQ, .value = PRIO_PROCESS },
    { .index = 1, .op = OCI_CMP_EQ, .value = 12345 },
  };
  char *prio_names[] = { "getpriority", NULL };
  struct oci_seccomp_syscall rs[2]
      = { rule (umask_names, OCI_SECCOMP_ERRNO, 43), rule (prio_names, OCI_SECCOMP_ERRNO, 44) };
  rs[0].args = same;
  rs[0].n_args = 2;
  rs[1].args = both;
  rs[1].n_args = 2;
  s.syscalls = rs;
  s.n_syscalls = 2;
  UNIT_CHECK (compile (&s, &p, &err) == 0, "compile OR and AND args", "%s", err.msg);
  if (p)
    UNIT_CHECK (in_child (p, check_or_and) == 0, "args: same index ORs, distinct ANDs",
                "child status %d", in_child (p, check_or_and));
  seccomp_prog_free (p);

  /* Every operator compiles.  */
  int ops_ok = 1;
  for (int op = OCI_CMP_NE; op <= OCI_CMP_MASKED_EQ; op++)
    {
      struct oci_seccomp_arg a = { .index = 1, .op = op, .value = 1, .value_two = 1 };
      rs[0].args = &a;
      rs[0].n_args = 1;
      s.n_syscalls = 1;
      if (compile (&s, &p, &err) < 0)
        ops_ok = 0;
      seccomp_prog_free (p);
    }
  UNIT_CHECK (ops_ok, "every operator compiles", "%s", err.msg);

  /* Every action compiles as a rule and as the default (but NOTIFY).  */
  int acts_ok = 1;
  for (int a = OCI_SECCOMP_KILL; a <= OCI_SECCOMP_LOG; a++)
    {
      struct oci_seccomp t = { .default_action = a, .syscalls = &r1, .n_syscalls = 1 };
      r1.action = a == OCI_SECCOMP_ALLOW ? OCI_SECCOMP_ERRNO : OCI_SECCOMP_ALLOW;
      r1.has_errno_ret = false;
      if (compile (&t, &p, &err) < 0)
        acts_ok = 0;
      seccomp_prog_free (p);
    }
  UNIT_CHECK (acts_ok, "every action compiles as the default", "%s", err.msg);

  /* Tables.  */
  UNIT_STREQ (seccomp_known_actions[OCI_SECCOMP_NOTIFY], "SCMP_ACT_NOTIFY",
              "actions indexed by enum");
  UNIT_STREQ (seccomp_known_operators[OCI_CMP_MASKED_EQ], "SCMP_CMP_MASKED_EQ",
              "operators indexed by enum");
  int has_x86_64 = 0, n_archs = 0;
  for (const char *const *a = seccomp_known_archs (); *a; a++, n_archs++)
    if (strcmp (*a, "SCMP_ARCH_X86_64") == 0)
      has_x86_64 = 1;
  UNIT_CHECK (has_x86_64 && n_archs > 10, "known architectures", "%d archs", n_archs);
  int n_flags = 0;
  for (const char *const *f = seccomp_known_flags; *f; f++)
    n_flags++;
  UNIT_CHECK (n_flags == 4, "known flags", "%d", n_flags);

  test_listener ();
  return unit_done ();
}
