/* linux.seccomp: libseccomp compiles the profile in the parent; the child
   only hands the exported BPF to seccomp(2).  */
/* libseccomp exports seccomp_load too: ours is tong_seccomp_load.  */
#include <seccomp.h>

#include "seccomp.h"
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* Indexed by enum oci_seccomp_action and enum oci_seccomp_op, so a parser
   may map a name to the enum by its position here.  */
const char *const seccomp_known_actions[] = {
  "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",      NULL,
};

const char *const seccomp_known_operators[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
  "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static const struct
{
  const char *name;
  unsigned int value;
} known_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

const char *const seccomp_known_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

/* The spec's list; seccomp_known_archs keeps those libseccomp resolves.  */
static const char *const candidate_archs[] = {
  "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
};

#define N_CANDIDATE_ARCHS (sizeof candidate_archs / sizeof candidate_archs[0])
#define SYSCALL_MAX_ARGS 6

/* "SCMP_ARCH_X86_64" -> the libseccomp token, 0 when unknown.  */
static uint32_t
arch_token (const char *name)
{
  static const char prefix[] = "SCMP_ARCH_";
  char lower[32];
  size_t i;
  if (strncmp (name, prefix, sizeof prefix - 1) != 0)
    return 0;
  name += sizeof prefix - 1;
  for (i = 0; name[i] && i < sizeof lower - 1; i++)
    lower[i] = tolower ((unsigned char)name[i]);
  if (name[i] || i == 0)
    return 0;
  lower[i] = '\0';
  return seccomp_arch_resolve_name (lower);
}

const char *const *
seccomp_known_archs (void)
{
  static const char *archs[N_CANDIDATE_ARCHS + 1];
  static bool done;
  if (!done)
    {
      size_t n = 0;
      for (size_t i = 0; i < N_CANDIDATE_ARCHS; i++)
        if (arch_token (candidate_archs[i]) != 0)
          archs[n++] = candidate_archs[i];
      archs[n] = NULL;
      done = true;
    }
  return archs;
}

/* The libseccomp action for A; ERRNO_PATH names errnoRet in errors.  */
static int
action_value (enum oci_seccomp_action a, bool has_errno, uint32_t errno_ret, const char *errno_path,
              uint32_t *out, struct tong_err *err)
{
  const char *name = (unsigned)a <= OCI_SECCOMP_NOTIFY ? seccomp_known_actions[a] : "?";
  if (has_errno && a != OCI_SECCOMP_ERRNO && a != OCI_SECCOMP_TRACE)
    return tong_err_set (err, 0, "%s: %s does not take an errno", errno_path, name);
  /* The kernel keeps 16 bits of data.  */
  if (has_errno && errno_ret > 0xffff)
    return tong_err_set (err, 0, "%s: %u is out of range", errno_path, errno_ret);
  uint32_t e = has_errno ? errno_ret : EPERM;
  switch (a)
    {
    case OCI_SECCOMP_KILL:
    case OCI_SECCOMP_KILL_THREAD:
      *out = SCMP_ACT_KILL_THREAD;
      return 0;
    case OCI_SECCOMP_KILL_PROCESS:
      *out = SCMP_ACT_KILL_PROCESS;
      return 0;
    case OCI_SECCOMP_TRAP:
      *out = SCMP_ACT_TRAP;
      return 0;
    case OCI_SECCOMP_ERRNO:
      *out = SCMP_ACT_ERRNO (e);
      return 0;
    case OCI_SECCOMP_TRACE:
      *out = SCMP_ACT_TRACE (e);
      return 0;
    case OCI_SECCOMP_ALLOW:
      *out = SCMP_ACT_ALLOW;
      return 0;
    case OCI_SECCOMP_LOG:
      *out = SCMP_ACT_LOG;
      return 0;
    case OCI_SECCOMP_NOTIFY:
      *out = SCMP_ACT_NOTIFY;
      return 0;
    }
  return tong_err_set (err, 0, "unknown action %d", (int)a);
}

static int
cmp_op (enum oci_seccomp_op op, enum scmp_compare *out)
{
  switch (op)
    {
    case OCI_CMP_NE:
      *out = SCMP_CMP_NE;
      return 0;
    case OCI_CMP_LT:
      *out = SCMP_CMP_LT;
      return 0;
    case OCI_CMP_LE:
      *out = SCMP_CMP_LE;
      return 0;
    case OCI_CMP_EQ:
      *out = SCMP_CMP_EQ;
      return 0;
    case OCI_CMP_GE:
      *out = SCMP_CMP_GE;
      return 0;
    case OCI_CMP_GT:
      *out = SCMP_CMP_GT;
      return 0;
    case OCI_CMP_MASKED_EQ:
      *out = SCMP_CMP_MASKED_EQ;
      return 0;
    }
  return -1;
}

static void
scmp_ctx_releasep (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

/* Names libseccomp does not know, reported in one warning: default profiles
   list syscalls newer than the host's libseccomp.  */
struct unknown_names
{
  char buf[1024];
  size_t len, count;
};

static void
unknown_add (struct unknown_names *u, const char *name)
{
  u->count++;
  if (u->len + strlen (name) + 8 >= sizeof u->buf)
    return;
  u->len += snprintf (u->buf + u->len, sizeof u->buf - u->len, "%s%s", u->len ? ", " : "", name);
}

static int
add_syscall_rules (scmp_filter_ctx ctx, const struct oci_seccomp_syscall *sc, size_t i,
                   uint32_t def, struct unknown_names *unknown, bool *uses_notify,
                   struct tong_err *err)
{
  char path[64];
  snprintf (path, sizeof path, "linux.seccomp.syscalls[%zu].errnoRet", i);
  uint32_t act;
  if (action_value (sc->action, sc->has_errno_ret, sc->errno_ret, path, &act, err) < 0)
    return -1;

  struct scmp_arg_cmp cmps[SYSCALL_MAX_ARGS];
  unsigned count[SYSCALL_MAX_ARGS] = { 0 };
  bool same_index = false;
  if (sc->n_args > SYSCALL_MAX_ARGS)
    return tong_err_set (err, 0, "linux.seccomp.syscalls[%zu].args: more than %d conditions", i,
                         SYSCALL_MAX_ARGS);
  for (size_t j = 0; j < sc->n_args; j++)
    {
      const struct oci_seccomp_arg *a = &sc->args[j];
      enum scmp_compare op;
      if (a->index >= SYSCALL_MAX_ARGS)
        return tong_err_set (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is not 0-5",
                             i, j, a->index);
      if (cmp_op (a->op, &op) < 0)
        return tong_err_set (err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator",
                             i, j);
      cmps[j] = (struct scmp_arg_cmp){
        .arg = a->index, .op = op, .datum_a = a->value, .datum_b = a->value_two
      };
      if (++count[a->index] > 1)
        same_index = true;
    }

  if (act == def)
    {
      tong_debug ("linux.seccomp.syscalls[%zu]: same action as the default, skipped", i);
      return 0;
    }
  if (sc->action == OCI_SECCOMP_NOTIFY)
    *uses_notify = true;

  for (size_t k = 0; k < sc->n_names; k++)
    {
      const char *name = sc->names[k];
      /* The child sends the listener fd with sendmsg after the load.  */
      if (sc->action == OCI_SECCOMP_NOTIFY && strcmp (name, "sendmsg") == 0)
        return tong_err_set (err, 0,
                             "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be used for "
                             "sendmsg: tong passes the listener fd with it",
                             i);
      int nr = seccomp_syscall_resolve_name (name);
      if (nr == __NR_SCMP_ERROR)
        {
          unknown_add (unknown, name);
          continue;
        }
      int rc = 0;
      /* As runc: conditions on distinct arguments are ANDed in one rule;
         when an argument appears twice, each condition is a rule of its own
         (ORed), since one rule cannot test an argument twice.  */
      if (same_index)
        for (size_t j = 0; j < sc->n_args && rc >= 0; j++)
          rc = seccomp_rule_add_array (ctx, act, nr, 1, &cmps[j]);
      else
        rc = seccomp_rule_add_array (ctx, act, nr, sc->n_args, sc->n_args ? cmps : NULL);
      if (rc < 0)
        return tong_err_set (err, -rc, "linux.seccomp.syscalls[%zu]: add rule for `%s`", i, name);
    }
  return 0;
}

static int
export_bpf (scmp_filter_ctx ctx, struct tong_seccomp_prog *prog, struct tong_err *err)
{
  /* libseccomp 2.5 exports to an fd only.  */
  cleanup_close int fd = memfd_create ("tong-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "linux.seccomp: memfd_create");
  int rc = seccomp_export_bpf (ctx, fd);
  if (rc < 0)
    return tong_err_set (err, -rc, "linux.seccomp: export the BPF program");
  if (lseek (fd, 0, SEEK_SET) < 0)
    return tong_err_set (err, errno, "linux.seccomp: lseek");
  char *buf;
  size_t len;
  if (read_fd (fd, &buf, &len, err) < 0)
    return tong_err_wrap (err, "linux.seccomp: read the BPF program");
  size_t n = len / sizeof (struct sock_filter);
  if (len == 0 || len % sizeof (struct sock_filter) != 0)
    {
      free (buf);
      return tong_err_set (err, 0, "linux.seccomp: bad BPF program of %zu bytes", len);
    }
  if (n > BPF_MAXINSNS)
    {
      free (buf);
      return tong_err_set (err, 0,
                           "linux.seccomp: the filter has %zu instructions, the kernel takes "
                           "at most %d",
                           n, BPF_MAXINSNS);
    }
  prog->bpf = buf;
  prog->bpf_len = len;
  return 0;
}

int
seccomp_compile (const struct oci_seccomp *s, struct tong_seccomp_prog **out, struct tong_err *err)
{
  uint32_t def;
  if (s->default_action == OCI_SECCOMP_NOTIFY)
    return tong_err_set (err, 0,
                         "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default "
                         "action");
  if (action_value (s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                    "linux.seccomp.defaultErrnoRet", &def, err)
      < 0)
    return -1;

  __attribute__ ((cleanup (scmp_ctx_releasep))) scmp_filter_ctx ctx = seccomp_init (def);
  if (ctx == NULL)
    return tong_err_set (err, 0, "linux.seccomp: seccomp_init failed");
  /* tong sets no_new_privs itself, when the config asks for it.  */
  int rc = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0)
    return tong_err_set (err, -rc, "linux.seccomp: clear the NNP attribute");

  for (size_t i = 0; i < s->n_architectures; i++)
    {
      uint32_t tok = arch_token (s->architectures[i]);
      if (tok == 0)
        return tong_err_set (err, 0, "linux.seccomp.architectures[%zu]: unknown architecture `%s`",
                             i, s->architectures[i]);
      rc = seccomp_arch_add (ctx, tok);
      if (rc < 0 && rc != -EEXIST)
        return tong_err_set (err, -rc, "linux.seccomp.architectures[%zu]: add `%s`", i,
                             s->architectures[i]);
    }

  cleanup_free struct tong_seccomp_prog *prog = calloc (1, sizeof *prog);
  if (prog == NULL)
    return tong_err_set (err, ENOMEM, "linux.seccomp");
  for (size_t i = 0; i < s->n_flags; i++)
    {
      size_t k;
      for (k = 0; k < sizeof known_flags / sizeof known_flags[0]; k++)
        if (strcmp (s->flags[i], known_flags[k].name) == 0)
          break;
      if (k == sizeof known_flags / sizeof known_flags[0])
        return tong_err_set (err, 0, "linux.seccomp.flags[%zu]: unknown flag `%s`", i, s->flags[i]);
      prog->flags |= known_flags[k].value;
    }

  struct unknown_names unknown = { .len = 0 };
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (add_syscall_rules (ctx, &s->syscalls[i], i, def, &unknown, &prog->uses_notify, err) < 0)
      return -1;
  if (unknown.count)
    {
      const struct scmp_version *v = seccomp_version ();
      tong_warn ("linux.seccomp: %zu syscall(s) unknown to libseccomp %u.%u.%u ignored: %s%s",
                 unknown.count, v->major, v->minor, v->micro, unknown.buf,
                 unknown.len + 8 >= sizeof unknown.buf ? ", ..." : "");
    }

  if (prog->uses_notify)
    {
      /* Nobody would answer the notifications: the process would hang.  */
      if (s->listener_path == NULL || s->listener_path[0] == '\0')
        return tong_err_set (err, 0,
                             "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
      /* TSYNC and a listener together need TSYNC_ESRCH (seccomp(2)).  */
      if (prog->flags & SECCOMP_FILTER_FLAG_TSYNC)
        prog->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }

  if (export_bpf (ctx, prog, err) < 0)
    return -1;
  *out = steal_pointer (&prog);
  return 0;
}

void
seccomp_prog_free (struct tong_seccomp_prog *p)
{
  if (p == NULL)
    return;
  free (p->bpf);
  free (p);
}

int
tong_seccomp_load (const struct tong_seccomp_prog *p, int *notify_fd, struct tong_err *err)
{
  if (notify_fd)
    *notify_fd = -1;
  struct sock_fprog fprog = {
    .len = p->bpf_len / sizeof (struct sock_filter),
    .filter = p->bpf,
  };
  unsigned int flags = p->flags;
  if (p->uses_notify)
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (r < 0)
    return tong_err_set (err, errno, "linux.seccomp: load the filter (flags %#x)", flags);
  if (p->uses_notify)
    {
      if (notify_fd)
        *notify_fd = (int)r;
      else
        close ((int)r);
    }
  return 0;
}

/* The container process state of the seccomp agent protocol.  */
static char *
listener_message (const struct oci_seccomp *s, const struct json_value *state)
{
  struct json_writer *w = json_writer_new (false);
  if (w == NULL)
    return NULL;
  json_w_obj_begin (w);
  json_w_key (w, "ociVersion");
#ifdef OCI_SPEC_VERSION
  json_w_str (w, OCI_SPEC_VERSION);
#else
  const struct json_value *ver = json_get (state, "ociVersion");
  json_w_str (w, ver && ver->type == JSON_STRING ? ver->u.string : "1.3.0");
#endif
  json_w_key (w, "fds");
  json_w_arr_begin (w);
  json_w_str (w, "seccompFd");
  json_w_arr_end (w);
  json_w_key (w, "pid");
  const struct json_value *pid = json_get (state, "pid");
  if (pid && pid->type == JSON_NUMBER)
    json_w_value (w, pid);
  else
    json_w_int (w, 0);
  if (s->listener_metadata && s->listener_metadata[0])
    {
      json_w_key (w, "metadata");
      json_w_str (w, s->listener_metadata);
    }
  json_w_key (w, "state");
  json_w_value (w, state);
  json_w_obj_end (w);
  size_t len;
  const char *text = json_writer_text (w, &len);
  char *msg = text ? strndup (text, len) : NULL;
  json_writer_free (w);
  return msg;
}

int
seccomp_send_listener (const struct oci_seccomp *s, int notify_fd, const char *state_json,
                       struct tong_err *err)
{
  if (s == NULL || s->listener_path == NULL || s->listener_path[0] == '\0')
    return tong_err_set (err, 0, "linux.seccomp.listenerPath: not set");
  const char *lp = s->listener_path;
  if (state_json == NULL)
    return tong_err_set (err, ENOMEM, "linux.seccomp.listenerPath: container state");
  struct json_value *state = NULL;
  if (json_parse (state_json, strlen (state_json), &state, err) < 0)
    return tong_err_wrap (err, "linux.seccomp.listenerPath: container state");
  cleanup_free char *msg = listener_message (s, state);
  json_free (state);
  if (msg == NULL)
    return tong_err_set (err, ENOMEM, "linux.seccomp.listenerPath: container process state");

  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (lp) >= sizeof sa.sun_path)
    return tong_err_set (err, 0, "linux.seccomp.listenerPath: `%s` is too long for a socket", lp);
  strcpy (sa.sun_path, lp);
  cleanup_close int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return tong_err_set (err, errno, "linux.seccomp.listenerPath: socket");
  if (connect (sock, (struct sockaddr *)&sa, sizeof sa) < 0)
    return tong_err_set (err, errno, "linux.seccomp.listenerPath: connect `%s`", lp);

  /* The fd travels with the first bytes; the rest follows plainly.  */
  size_t len = strlen (msg), off = 0;
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } cm;
  memset (&cm, 0, sizeof cm);
  struct iovec iov = { .iov_base = msg, .iov_len = len };
  struct msghdr mh = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = cm.buf,
    .msg_controllen = sizeof cm.buf,
  };
  struct cmsghdr *c = CMSG_FIRSTHDR (&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &notify_fd, sizeof (int));
  while (off < len)
    {
      iov.iov_base = msg + off;
      iov.iov_len = len - off;
      ssize_t n = sendmsg (sock, &mh, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return tong_err_set (err, errno, "linux.seccomp.listenerPath: send to `%s`", lp);
      off += n;
      mh.msg_control = NULL;
      mh.msg_controllen = 0;
    }
  return 0;
}
