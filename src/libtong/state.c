#include "state.h"
#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "fileutil.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char *
tong_status_name (enum tong_status s)
{
  static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
  return names[s];
}

int
state_validate_id (const char *id, struct tong_err *err)
{
  size_t len = id ? strlen (id) : 0;
  if (len == 0)
    return tong_err_set (err, 0, "container id cannot be empty");
  if (len > 1024)
    return tong_err_set (err, 0, "invalid container id: longer than 1024 characters");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return tong_err_set (err, 0, "invalid container id `%s`", id);
  for (const char *p = id; *p; p++)
    {
      char ch = *p;
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
            || ch == '_' || ch == '+' || ch == '-' || ch == '.'))
        return tong_err_set (err, 0, "invalid container id `%s`: only [A-Za-z0-9_+.-] allowed",
                             id);
    }
  return 0;
}

int
state_root_open (const char *root, bool create, struct tong_err *err)
{
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 || !create || errno != ENOENT)
    {
      if (fd < 0)
        return tong_err_set (err, errno, "open state root `%s`", root);
      return fd;
    }
  if (mkdir_p (root, 0711, err) < 0)
    return tong_err_wrap (err, "create state root");
  fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return tong_err_set (err, errno, "open state root `%s`", root);
  return fd;
}

int
state_dir_create (int rootfd, const char *id, struct tong_err *err)
{
  if (mkdirat (rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return tong_err_set (err, 0, "container with id `%s` already exists", id);
      return tong_err_set (err, errno, "create state dir `%s`", id);
    }
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return tong_err_set (err, errno, "open state dir `%s`", id);
  return fd;
}

int
state_dir_open (int rootfd, const char *id, struct tong_err *err)
{
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return tong_err_set (err, ENOENT, "container `%s` does not exist", id);
      return tong_err_set (err, errno, "open state dir `%s`", id);
    }
  return fd;
}

int
state_lock (int dirfd, bool exclusive, struct tong_err *err)
{
  while (flock (dirfd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    if (errno != EINTR)
      return tong_err_set (err, errno, "lock state dir");
  return 0;
}

char *
state_to_json (const struct tong_state *st, bool pretty)
{
  struct json_writer *w = json_writer_new (pretty);
  if (w == NULL)
    return NULL;
  json_w_obj_begin (w);
  json_w_key (w, "ociVersion");
  json_w_str (w, st->oci_version ? st->oci_version : "1.3.0");
  json_w_key (w, "id");
  json_w_str (w, st->id);
  json_w_key (w, "pid");
  json_w_int (w, st->status == TONG_STATUS_STOPPED ? 0 : st->pid);
  json_w_key (w, "status");
  json_w_str (w, tong_status_name (st->status));
  json_w_key (w, "bundle");
  json_w_str (w, st->bundle);
  json_w_key (w, "rootfs");
  json_w_str (w, st->rootfs);
  json_w_key (w, "created");
  json_w_str (w, st->created ? st->created : "");
  json_w_key (w, "owner");
  json_w_str (w, st->owner ? st->owner : "");
  if (st->annotations && st->annotations->type == JSON_OBJECT && st->annotations->u.object.len)
    {
      json_w_key (w, "annotations");
      json_w_value (w, st->annotations);
    }
  json_w_obj_end (w);
  return json_writer_finish (w);
}

/* The private file adds what status computation needs to the public JSON.  */
int
state_write (int dirfd, const struct tong_state *st, struct tong_err *err)
{
  struct json_writer *w = json_writer_new (false);
  if (w == NULL)
    return tong_err_set (err, ENOMEM, "write state");
  json_w_obj_begin (w);
  json_w_key (w, "ociVersion");
  json_w_str (w, st->oci_version);
  json_w_key (w, "id");
  json_w_str (w, st->id);
  json_w_key (w, "pid");
  json_w_int (w, st->pid);
  json_w_key (w, "startTime");
  json_w_uint (w, st->start_time);
  json_w_key (w, "bundle");
  json_w_str (w, st->bundle);
  json_w_key (w, "rootfs");
  json_w_str (w, st->rootfs);
  json_w_key (w, "created");
  json_w_str (w, st->created);
  json_w_key (w, "owner");
  json_w_str (w, st->owner ? st->owner : "");
  json_w_key (w, "hasPidns");
  json_w_bool (w, st->has_pidns);
  if (st->cgroup_path)
    {
      json_w_key (w, "cgroupPath");
      json_w_str (w, st->cgroup_path);
    }
  if (st->annotations)
    {
      json_w_key (w, "annotations");
      json_w_value (w, st->annotations);
    }
  json_w_obj_end (w);
  size_t len;
  const char *text = json_writer_text (w, &len);
  int ret = write_file_atomic_at (dirfd, "state.json", text, len, 0600, err);
  json_writer_free (w);
  return ret;
}

static char *
dup_str (const struct json_value *v)
{
  return v && v->type == JSON_STRING ? strdup (v->u.string) : NULL;
}

static struct json_value *
take_member (struct json_value *obj, const char *key)
{
  if (obj == NULL || obj->type != JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      {
        struct json_value *v = obj->u.object.values[i];
        obj->u.object.values[i] = calloc (1, sizeof (struct json_value));
        return v;
      }
  return NULL;
}

int
state_read (int dirfd, struct tong_state *st, struct tong_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  memset (st, 0, sizeof *st);
  if (read_file_at (dirfd, "state.json", &text, &len, err) < 0)
    {
      if (err && err->errnum == ENOENT)
        {
          /* A create still in progress (or one that died before writing).  */
          st->status = TONG_STATUS_CREATING;
          return tong_err_set (err, EINPROGRESS,
                               "container has no state yet (being created, or its create died)");
        }
      return -1;
    }
  struct json_value *doc = NULL;
  if (json_parse (text, len, &doc, err) < 0)
    return tong_err_wrap (err, "state.json");
  int64_t n;
  uint64_t u;
  st->oci_version = dup_str (json_get (doc, "ociVersion"));
  st->id = dup_str (json_get (doc, "id"));
  st->bundle = dup_str (json_get (doc, "bundle"));
  st->rootfs = dup_str (json_get (doc, "rootfs"));
  st->created = dup_str (json_get (doc, "created"));
  st->owner = dup_str (json_get (doc, "owner"));
  st->cgroup_path = dup_str (json_get (doc, "cgroupPath"));
  struct json_value *v = json_get (doc, "pid");
  if (v && json_as_int64 (v, &n, NULL) == 0)
    st->pid = (pid_t) n;
  v = json_get (doc, "startTime");
  if (v && json_as_uint64 (v, &u, NULL) == 0)
    st->start_time = u;
  v = json_get (doc, "hasPidns");
  st->has_pidns = v && v->type == JSON_BOOL && v->u.boolean;
  st->annotations = take_member (doc, "annotations");
  json_free (doc);
  state_refresh (dirfd, st);
  return 0;
}

void
state_clear (struct tong_state *st)
{
  free (st->oci_version);
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->owner);
  free (st->cgroup_path);
  json_free (st->annotations);
  memset (st, 0, sizeof *st);
}


void
proc_wait_settled (pid_t pid, unsigned long long start_time, unsigned max_ms)
{
  for (unsigned i = 0; i < max_ms; i++)
    {
      unsigned long long t;
      char letter;
      if (proc_stat (pid, &t, &letter) < 0 || t != start_time || (letter != 'R' && letter != 'D'))
        return;
      usleep (1000);
    }
}

void
state_refresh (int dirfd, struct tong_state *st)
{
  unsigned long long start;
  char letter;
  if (st->pid <= 0 || proc_stat (st->pid, &start, &letter) < 0 || start != st->start_time
      || letter == 'Z' || letter == 'X')
    {
      st->status = TONG_STATUS_STOPPED;
      return;
    }
  /* A frozen cgroup is "paused" whatever else holds, as runc reports it.  */
  struct tong_cgroup cg;
  if (st->cgroup_path && cgroup_open (&cg, st->cgroup_path, NULL) == 0)
    {
      int frozen = cgroup_frozen (&cg);
      cgroup_clear (&cg);
      if (frozen == 1)
        {
          st->status = TONG_STATUS_PAUSED;
          return;
        }
    }
  if (faccessat (dirfd, "exec.sock", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    st->status = TONG_STATUS_CREATED;
  else
    st->status = TONG_STATUS_RUNNING;
}

int
state_save_config (int dirfd, const char *text, size_t len, struct tong_err *err)
{
  if (write_file_atomic_at (dirfd, "config.json", text, len, 0600, err) < 0)
    return tong_err_wrap (err, "keep a copy of config.json");
  return 0;
}

int
state_load_config (int dirfd, const char *bundle, struct oci_config **out, struct tong_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at (dirfd, "config.json", &text, &len, err) == 0)
    {
      if (oci_config_parse (text, len, out, err) < 0)
        return tong_err_wrap (err, "the container's copy of config.json");
      return 0;
    }
  if (err->errnum != ENOENT)
    return -1;
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/config.json", bundle);
  return oci_config_load (path, out, err);
}
