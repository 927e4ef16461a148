/* config.json from an image config, as the image-spec's conversion.md says;
   what the image does not decide is what `tong spec` writes.  */
#include "image.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cleanup.h"
#include "fileutil.h"
#include "ocidefault.h"

/* A file of the rootfs, resolved inside it (symlinks cannot lead out).  */
static int
read_rootfs_file (int rootfs_fd, const char *path, char **out)
{
  struct open_how how
      = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = syscall (SYS_openat2, rootfs_fd, path, &how, sizeof how);
  if (fd < 0)
    return -1;
  struct tong_err err;
  int rc = read_fd (fd, out, NULL, &err);
  close (fd);
  return rc;
}

static bool
parse_id (const char *s, unsigned long *out)
{
  if (s == NULL || *s == '\0')
    return false;
  char *end;
  errno = 0;
  unsigned long v = strtoul (s, &end, 10);
  if (errno || *end || !isdigit ((unsigned char)*s) || v > 0xFFFFFFFEUL)
    return false;
  *out = v;
  return true;
}

/* Field I (0-based) of a colon-separated line, copied into BUF.  */
static const char *
field (const char *line, int i, char *buf, size_t len)
{
  const char *p = line;
  for (int k = 0; k < i; k++)
    {
      p = strchr (p, ':');
      if (p == NULL)
        return NULL;
      p++;
    }
  size_t n = strcspn (p, ":\n");
  if (n >= len)
    n = len - 1;
  memcpy (buf, p, n);
  buf[n] = '\0';
  return buf;
}

struct user_ids
{
  unsigned long uid, gid;
  unsigned long extra[64];
  size_t n_extra;
};

/* Config.User as conversion.md says: numbers verbatim, names from the
   rootfs's /etc/passwd and /etc/group (never the host's); unknown names fail.  */
static int
resolve_user (int rootfs_fd, const char *spec, struct user_ids *ids, struct tong_err *err)
{
  memset (ids, 0, sizeof *ids);
  if (spec == NULL || *spec == '\0')
    return 0;
  cleanup_free char *copy = strdup (spec);
  char *group = strchr (copy, ':');
  if (group)
    *group++ = '\0';
  const char *user = copy;
  cleanup_free char *passwd = NULL, *groups = NULL;
  if (read_rootfs_file (rootfs_fd, "/etc/passwd", &passwd) < 0)
    passwd = NULL;
  if (read_rootfs_file (rootfs_fd, "/etc/group", &groups) < 0)
    groups = NULL;
  bool numeric_user = parse_id (user, &ids->uid);
  bool found = false;
  char name[256] = "";
  for (const char *line = passwd; line && *line;
       line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    {
      char f0[256], f2[32], f3[32];
      unsigned long uid, gid;
      if (!field (line, 0, f0, sizeof f0) || !field (line, 2, f2, sizeof f2)
          || !field (line, 3, f3, sizeof f3) || !parse_id (f2, &uid) || !parse_id (f3, &gid))
        continue;
      if (numeric_user ? uid == ids->uid : strcmp (f0, user) == 0)
        {
          ids->uid = uid;
          ids->gid = gid;
          snprintf (name, sizeof name, "%s", f0);
          found = true;
          break;
        }
    }
  if (!numeric_user && !found)
    return tong_err_set (err, 0, "user `%s` is not in the image's /etc/passwd", user);
  if (group && *group)
    {
      if (!parse_id (group, &ids->gid))
        {
          bool gfound = false;
          for (const char *line = groups; line && *line;
               line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
            {
              char f0[256], f2[32];
              unsigned long gid;
              if (field (line, 0, f0, sizeof f0) && field (line, 2, f2, sizeof f2)
                  && parse_id (f2, &gid) && strcmp (f0, group) == 0)
                {
                  ids->gid = gid;
                  gfound = true;
                  break;
                }
            }
          if (!gfound)
            return tong_err_set (err, 0, "group `%s` is not in the image's /etc/group", group);
        }
      return 0;
    }
  if (numeric_user || !found)
    return 0;
  /* A user by name: its supplementary groups from /etc/group.  */
  for (const char *line = groups; line && *line;
       line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    {
      char f2[32], members[4096];
      unsigned long gid;
      if (!field (line, 2, f2, sizeof f2) || !parse_id (f2, &gid)
          || !field (line, 3, members, sizeof members))
        continue;
      for (char *tok = strtok (members, ","); tok; tok = strtok (NULL, ","))
        if (strcmp (tok, name) == 0 && ids->n_extra < 64)
          {
            bool dup = gid == ids->gid;
            for (size_t k = 0; k < ids->n_extra; k++)
              dup |= ids->extra[k] == gid;
            if (!dup)
              ids->extra[ids->n_extra++] = gid;
          }
    }
  return 0;
}

static const struct json_value *
jarr (const struct json_value *o, const char *key)
{
  const struct json_value *v = json_get (o, key);
  return v && v->type == JSON_ARRAY ? v : NULL;
}

static bool
env_has (char **env, size_t n, const char *kv)
{
  size_t k = strcspn (kv, "=");
  for (size_t i = 0; i < n; i++)
    if (strncmp (env[i], kv, k) == 0 && (env[i][k] == '=' || env[i][k] == '\0'))
      return true;
  return false;
}

/* Image Env, then -e (replacing the same name), then PATH if still absent.  */
static char **
build_env (const struct json_value *cfg, const struct unpack_opts *o, size_t *n)
{
  const struct json_value *ie = jarr (cfg, "Env");
  size_t cap = (ie ? ie->u.array.len : 0) + o->n_env + 3, len = 0;
  char **env = calloc (cap, sizeof (char *));
  if (env == NULL)
    return NULL;
  for (size_t i = 0; ie && i < ie->u.array.len; i++)
    if (ie->u.array.items[i]->type == JSON_STRING)
      env[len++] = ie->u.array.items[i]->u.string;
  for (size_t i = 0; i < o->n_env; i++)
    {
      size_t k = strcspn (o->env[i], "=");
      bool replaced = false;
      for (size_t j = 0; j < len && !replaced; j++)
        if (strncmp (env[j], o->env[i], k) == 0 && (env[j][k] == '=' || env[j][k] == '\0'))
          {
            env[j] = o->env[i];
            replaced = true;
          }
      if (!replaced)
        env[len++] = o->env[i];
    }
  if (!env_has (env, len, "PATH="))
    env[len++] = OCIDEF_PATH;
  if (o->tty && !env_has (env, len, "TERM="))
    env[len++] = "TERM=xterm";
  *n = len;
  return env;
}

static void
annotation (struct json_writer *w, const struct json_value *labels, const char *key, const char *v)
{
  /* Labels win over the implicit annotations (written separately).  */
  if (v == NULL || json_get (labels, key))
    return;
  json_w_key (w, key);
  json_w_str (w, v);
}

static void
write_annotations (struct json_writer *w, const struct image *img)
{
  const struct json_value *c = img->config;
  const struct json_value *cfg = json_get (c, "config");
  const struct json_value *labels = json_get (cfg, "Labels");
  if (labels && labels->type != JSON_OBJECT)
    labels = NULL;
  json_w_key (w, "annotations");
  json_w_obj_begin (w);
  annotation (w, labels, "org.opencontainers.image.os", jstr (c, "os"));
  annotation (w, labels, "org.opencontainers.image.architecture", jstr (c, "architecture"));
  annotation (w, labels, "org.opencontainers.image.variant", jstr (c, "variant"));
  annotation (w, labels, "org.opencontainers.image.os.version", jstr (c, "os.version"));
  const struct json_value *feat = jarr (c, "os.features");
  if (feat && !json_get (labels, "org.opencontainers.image.os.features"))
    {
      char buf[1024];
      size_t off = 0;
      buf[0] = '\0';
      for (size_t i = 0; i < feat->u.array.len && off < sizeof buf; i++)
        if (feat->u.array.items[i]->type == JSON_STRING)
          off += snprintf (buf + off, sizeof buf - off, "%s%s", off ? "," : "",
                           feat->u.array.items[i]->u.string);
      annotation (w, labels, "org.opencontainers.image.os.features", buf);
    }
  annotation (w, labels, "org.opencontainers.image.author", jstr (c, "author"));
  annotation (w, labels, "org.opencontainers.image.created", jstr (c, "created"));
  annotation (w, labels, "org.opencontainers.image.stopSignal", jstr (cfg, "StopSignal"));
  /* ExposedPorts and Volumes: keys, comma-separated, for tong-port and tong-volume.  */
  static const struct
  {
    const char *member, *key;
  } sets[] = { { "ExposedPorts", "org.opencontainers.image.exposedPorts" },
               { "Volumes", "io.tong.image.volumes" } };
  for (size_t s = 0; s < 2; s++)
    {
      const struct json_value *v = json_get (cfg, sets[s].member);
      if (v == NULL || v->type != JSON_OBJECT || v->u.object.len == 0)
        continue;
      size_t total = 1;
      for (size_t i = 0; i < v->u.object.len; i++)
        total += strlen (v->u.object.keys[i]) + 1;
      cleanup_free char *buf = calloc (1, total);
      if (buf == NULL)
        continue;
      for (size_t i = 0; i < v->u.object.len; i++)
        {
          if (i)
            strcat (buf, ",");
          strcat (buf, v->u.object.keys[i]);
        }
      annotation (w, labels, sets[s].key, buf);
    }
  if (img->name)
    annotation (w, labels, "org.opencontainers.image.ref.name", img->name);
  annotation (w, labels, "io.tong.image.id", img->config_digest);
  annotation (w, labels, "io.tong.image.manifest", img->manifest_digest);
  for (size_t i = 0; labels && i < labels->u.object.len; i++)
    if (labels->u.object.values[i]->type == JSON_STRING)
      {
        json_w_key (w, labels->u.object.keys[i]);
        json_w_str (w, labels->u.object.values[i]->u.string);
      }
  json_w_obj_end (w);
}

int
bundle_write_config (int bundle_fd, int rootfs_fd, const struct image *img,
                     const struct unpack_opts *o, struct tong_err *err)
{
  const struct json_value *cfg = json_get (img->config, "config");
  const struct json_value *ep = jarr (cfg, "Entrypoint");
  const struct json_value *cmd = jarr (cfg, "Cmd");
  /* --entrypoint replaces the image's and drops its Cmd, as docker run does.  */
  bool ep_override = o->entrypoint != NULL;
  size_t nargs = 0;
  if (ep_override)
    nargs = *o->entrypoint ? 1 : 0;
  else
    nargs = (ep ? ep->u.array.len : 0) + (cmd ? cmd->u.array.len : 0);
  if (nargs == 0)
    return tong_err_set (err, 0, "%s: the image has no Entrypoint or Cmd (give --entrypoint)",
                         img->name ? img->name : img->config_digest);
  struct user_ids ids;
  const char *user = o->user ? o->user : jstr (cfg, "User");
  if (resolve_user (rootfs_fd, user, &ids, err) < 0)
    return -1;
  size_t nenv = 0;
  cleanup_free char **env = build_env (cfg, o, &nenv);
  if (env == NULL)
    return tong_err_set (err, ENOMEM, "config.json");
  const char *cwd = jstr (cfg, "WorkingDir");
  if (cwd == NULL || *cwd == '\0')
    cwd = "/";

  struct json_writer *w = json_writer_new (true);
  if (w == NULL)
    return tong_err_set (err, ENOMEM, "config.json");
  json_w_obj_begin (w);
  json_w_key (w, "ociVersion");
  json_w_str (w, "1.3.0");
  json_w_key (w, "process");
  json_w_obj_begin (w);
  json_w_key (w, "terminal");
  json_w_bool (w, o->tty);
  json_w_key (w, "user");
  json_w_obj_begin (w);
  json_w_key (w, "uid");
  json_w_uint (w, ids.uid);
  json_w_key (w, "gid");
  json_w_uint (w, ids.gid);
  if (ids.n_extra)
    {
      json_w_key (w, "additionalGids");
      json_w_arr_begin (w);
      for (size_t i = 0; i < ids.n_extra; i++)
        json_w_uint (w, ids.extra[i]);
      json_w_arr_end (w);
    }
  json_w_obj_end (w);
  json_w_key (w, "args");
  json_w_arr_begin (w);
  if (ep_override)
    {
      if (*o->entrypoint)
        json_w_str (w, o->entrypoint);
    }
  else
    {
      for (size_t i = 0; ep && i < ep->u.array.len; i++)
        json_w_value (w, ep->u.array.items[i]);
      for (size_t i = 0; cmd && i < cmd->u.array.len; i++)
        json_w_value (w, cmd->u.array.items[i]);
    }
  json_w_arr_end (w);
  json_w_key (w, "env");
  json_w_arr_begin (w);
  for (size_t i = 0; i < nenv; i++)
    json_w_str (w, env[i]);
  json_w_arr_end (w);
  json_w_key (w, "cwd");
  json_w_str (w, cwd);
  ocidef_write_process_defaults (w);
  json_w_obj_end (w);
  ocidef_write_root_hostname (w);
  json_w_key (w, "mounts");
  json_w_arr_begin (w);
  ocidef_write_mounts (w, false);
  const struct json_value *vols = json_get (cfg, "Volumes");
  bool tmpfs = o->volumes && strcmp (o->volumes, "tmpfs") == 0;
  bool anon = o->volumes && strcmp (o->volumes, "anonymous") == 0;
  for (size_t i = 0; vols && vols->type == JSON_OBJECT && (tmpfs || anon) && i < vols->u.object.len;
       i++)
    {
      char id[16], source[32];
      volume_id (vols->u.object.keys[i], id);
      snprintf (source, sizeof source, "volumes/%s", id);
      static const char *const tmpfs_opts[] = { "nosuid", "nodev", "mode=755", NULL };
      static const char *const bind_opts[] = { "rbind", "rprivate", NULL };
      /* A relative source: the runtime resolves it in the bundle.  */
      if (tmpfs)
        ocidef_write_mount (w, vols->u.object.keys[i], "tmpfs", "tmpfs", tmpfs_opts);
      else
        ocidef_write_mount (w, vols->u.object.keys[i], "bind", source, bind_opts);
    }
  json_w_arr_end (w);
  write_annotations (w, img);
  ocidef_write_linux (w, false);
  json_w_obj_end (w);
  cleanup_free char *text = json_writer_finish (w);
  if (text == NULL)
    return tong_err_set (err, ENOMEM, "config.json");
  size_t n = strlen (text);
  cleanup_free char *withnl = malloc (n + 2);
  if (withnl == NULL)
    return tong_err_set (err, ENOMEM, "config.json");
  memcpy (withnl, text, n);
  withnl[n] = '\n';
  withnl[n + 1] = '\0';
  if (write_file_atomic_at (bundle_fd, "config.json", withnl, n + 1, 0644, err) < 0)
    return tong_err_wrap (err, "config.json");
  return 0;
}
