/* state, kill, list and ps: reading what the state dir and /proc say.  */
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "cgroup.h"
#include "lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int
tong_state (struct tong_ctx *ctx, const char *id, char **json, struct tong_err *err)
{
  struct tong_state st;
  cleanup_close int dirfd = lifecycle_open_locked (ctx, id, &st, err);
  if (dirfd < 0)
    return -1;
  *json = state_to_json (&st, true);
  state_clear (&st);
  if (*json == NULL)
    return tong_err_set (err, ENOMEM, "state");
  return 0;
}

static int
pidns_inode (pid_t pid, ino_t *ino)
{
  char path[64];
  struct stat sb;
  snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  if (stat (path, &sb) < 0)
    return -1;
  *ino = sb.st_ino;
  return 0;
}

int
lifecycle_pids (const struct tong_state *st, pid_t **out, struct tong_err *err)
{
  *out = NULL;
  struct tong_cgroup cg;
  if (st->cgroup_path && cgroup_open (&cg, st->cgroup_path, NULL) == 0)
    {
      /* The cgroup holds every process of the container: init first.  */
      size_t n = 0;
      int r = cgroup_pids (&cg, out, &n, err);
      cgroup_clear (&cg);
      if (r < 0)
        return -1;
      pid_t *p = *out;
      for (size_t i = 1; i < n; i++)
        if (p[i] == st->pid)
          {
            memmove (p + 1, p, i * sizeof *p);
            p[0] = st->pid;
            break;
          }
      return (int) n;
    }
  size_t n = 0, cap = 16;
  pid_t *pids = malloc (cap * sizeof *pids);
  if (pids == NULL)
    return tong_err_set (err, ENOMEM, "pids");
  *out = pids;
  if (st->status == TONG_STATUS_STOPPED)
    return 0;
  pids[n++] = st->pid;
  ino_t ns;
  if (!st->has_pidns || pidns_inode (st->pid, &ns) < 0)
    return (int) n;
  /* Every process in the container's own pid namespace belongs to it.  */
  cleanup_close int pfd = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = pfd >= 0 ? fdopendir (steal_fd (&pfd)) : NULL;
  if (d == NULL)
    return tong_err_set (err, errno, "open /proc");
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      char *end;
      long p = strtol (de->d_name, &end, 10);
      ino_t other;
      if (*end || p <= 0 || p == st->pid || pidns_inode (p, &other) < 0 || other != ns)
        continue;
      if (n == cap)
        {
          pid_t *np = realloc (pids, (cap *= 2) * sizeof *pids);
          if (np == NULL)
            {
              closedir (d);
              return tong_err_set (err, ENOMEM, "pids");
            }
          pids = *out = np;
        }
      pids[n++] = (pid_t) p;
    }
  closedir (d);
  return (int) n;
}

void
lifecycle_kill_all (const struct tong_state *st, int sig)
{
  struct tong_cgroup cg;
  if (st->cgroup_path && cgroup_open (&cg, st->cgroup_path, NULL) == 0)
    {
      struct tong_err e = { 0 };
      if (cgroup_kill_all (&cg, sig, &e) < 0)
        tong_debug ("kill --all: %s", e.msg);
      cgroup_clear (&cg);
      return;
    }
  /* Killing the init of a pid namespace kills everything in it.  */
  if (st->has_pidns && sig == SIGKILL)
    {
      lifecycle_signal (st, sig, NULL);
      return;
    }
  cleanup_free pid_t *pids = NULL;
  int n = lifecycle_pids (st, &pids, NULL);
  for (int i = 0; i < n; i++)
    kill (pids[i], sig);
}

int
tong_kill (struct tong_ctx *ctx, const char *id, int sig, bool all, struct tong_err *err)
{
  struct tong_state st;
  cleanup_close int dirfd = lifecycle_open_locked (ctx, id, &st, err);
  if (dirfd < 0)
    return -1;
  int ret = 0;
  if (st.status == TONG_STATUS_STOPPED)
    ret = tong_err_set (err, 0, "container not running");
  else if (all)
    lifecycle_kill_all (&st, sig);
  else
    ret = lifecycle_signal (&st, sig, err);
  state_clear (&st);
  return ret;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
tong_list (struct tong_ctx *ctx, enum tong_format fmt, bool quiet, struct tong_err *err)
{
  cleanup_close int rootfd = state_root_open (ctx->root, false, err);
  char **names = NULL;
  size_t n = 0;
  if (rootfd >= 0)
    {
      DIR *d = fdopendir (dup (rootfd));
      if (d == NULL)
        return tong_err_set (err, errno, "list `%s`", ctx->root);
      struct dirent *de;
      while ((de = readdir (d)) != NULL)
        {
          if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
          char **nn = realloc (names, (n + 1) * sizeof *names);
          if (nn == NULL)
            break;
          names = nn;
          names[n++] = strdup (de->d_name);
        }
      closedir (d);
      qsort (names, n, sizeof *names, cmp_str);
    }
  else if (err->errnum != ENOENT)
    return -1;

  struct json_writer *w = fmt == TONG_FORMAT_JSON ? json_writer_new (false) : NULL;
  if (w)
    json_w_arr_begin (w);
  else if (!quiet)
    printf ("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
            "OWNER");
  for (size_t i = 0; i < n; i++)
    {
      struct tong_state st;
      struct tong_err e;
      int dfd = openat (rootfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0)
        continue;
      /* A shared lock: list waits for a create in progress instead of
         showing a half-made container.  */
      state_lock (dfd, false, &e);
      int r = state_read (dfd, &st, &e);
      close (dfd);
      if (r < 0)
        continue;
      int pid = st.status == TONG_STATUS_STOPPED ? 0 : st.pid;
      if (w)
        {
          json_w_obj_begin (w);
          json_w_key (w, "ociVersion");
          json_w_str (w, st.oci_version);
          json_w_key (w, "id");
          json_w_str (w, st.id);
          json_w_key (w, "pid");
          json_w_int (w, pid);
          json_w_key (w, "status");
          json_w_str (w, tong_status_name (st.status));
          json_w_key (w, "bundle");
          json_w_str (w, st.bundle);
          json_w_key (w, "rootfs");
          json_w_str (w, st.rootfs);
          json_w_key (w, "created");
          json_w_str (w, st.created);
          if (st.annotations && st.annotations->type == JSON_OBJECT)
            {
              json_w_key (w, "annotations");
              json_w_value (w, st.annotations);
            }
          json_w_key (w, "owner");
          json_w_str (w, st.owner ? st.owner : "");
          json_w_obj_end (w);
        }
      else if (quiet)
        printf ("%s\n", st.id);
      else
        printf ("%-12s %-8d %-10s %-40s %-30s %s\n", st.id, pid, tong_status_name (st.status),
                st.bundle, st.created, st.owner ? st.owner : "");
      state_clear (&st);
    }
  if (w)
    {
      json_w_arr_end (w);
      size_t len;
      const char *txt = json_writer_text (w, &len);
      if (n == 0)
        txt = "null", len = 4; /* as runc prints an empty list.  */
      fwrite (txt, 1, len, stdout);
      fputc ('\n', stdout);
      json_writer_free (w);
    }
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
  return 0;
}

int
tong_ps (struct tong_ctx *ctx, const char *id, enum tong_format fmt, char **ps_args,
         struct tong_err *err)
{
  struct tong_state st;
  cleanup_close int dirfd = lifecycle_open_locked (ctx, id, &st, err);
  if (dirfd < 0)
    return -1;
  cleanup_free pid_t *pids = NULL;
  int n = lifecycle_pids (&st, &pids, err);
  state_clear (&st);
  if (n < 0)
    return -1;
  if (fmt == TONG_FORMAT_JSON)
    {
      printf ("[");
      for (int i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int) pids[i]);
      printf ("]\n");
      return 0;
    }
  /* The table comes from ps(1), filtered to our pids, as runc does.  */
  size_t nargs = 0;
  while (ps_args && ps_args[nargs])
    nargs++;
  char **argv = calloc (nargs + 2, sizeof *argv);
  if (argv == NULL)
    return tong_err_set (err, ENOMEM, "ps");
  argv[0] = (char *) "ps";
  if (nargs == 0)
    argv[1] = (char *) "-ef";
  for (size_t i = 0; i < nargs; i++)
    argv[i + 1] = ps_args[i];
  int pfd[2];
  if (pipe2 (pfd, O_CLOEXEC) < 0)
    {
      free (argv);
      return tong_err_set (err, errno, "pipe");
    }
  pid_t child = fork ();
  if (child == 0)
    {
      dup2 (pfd[1], 1);
      execvp ("ps", argv);
      _exit (127);
    }
  free (argv);
  close (pfd[1]);
  cleanup_free char *out = NULL;
  int r = read_fd (pfd[0], &out, NULL, err);
  close (pfd[0]);
  int status;
  waitpid (child, &status, 0);
  if (r < 0)
    return -1;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return tong_err_set (err, 0, "ps failed: %s", out);
  char *save, *line = strtok_r (out, "\n", &save);
  if (line == NULL)
    return 0;
  /* Find the PID column in the header.  */
  int pid_col = -1, col = 0;
  char hdr[4096];
  snprintf (hdr, sizeof hdr, "%s", line);
  for (char *s2, *tok = strtok_r (hdr, " \t", &s2); tok; tok = strtok_r (NULL, " \t", &s2), col++)
    if (strcmp (tok, "PID") == 0)
      pid_col = col;
  if (pid_col < 0)
    return tong_err_set (err, 0, "ps: no PID column in `%s`", line);
  printf ("%s\n", line);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    {
      char copy[4096];
      snprintf (copy, sizeof copy, "%s", line);
      char *s2, *tok = strtok_r (copy, " \t", &s2);
      for (int c = 0; tok && c < pid_col; c++)
        tok = strtok_r (NULL, " \t", &s2);
      if (tok == NULL)
        continue;
      long p = strtol (tok, NULL, 10);
      for (int i = 0; i < n; i++)
        if (pids[i] == p)
          {
            printf ("%s\n", line);
            break;
          }
    }
  return 0;
}
