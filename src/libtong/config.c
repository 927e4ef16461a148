/* config.json -> struct oci_config (config.md).  Every known field is
   stored or refused with its JSON path; unknown fields are ignored, as the
   spec's Extensibility section asks.  The "linux" object is parsed in
   config_linux.c with the helpers defined here.  */
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "cleanup.h"
#include "fileutil.h"
#include "mounts.h"
#include "process.h"

/* Older headers lack it; the value is linux/sched.h's.  */
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* JSON paths.  Deep ones are cut, never overflowed; "..." marks the cut.  */

static void
mark_cut (char *buf, int n)
{
  if (n >= CFG_PATH_MAX)
    memcpy (buf + CFG_PATH_MAX - 4, "...", 4);
}

void
cfg_path (char *buf, const char *parent, const char *key)
{
  if (parent == NULL || *parent == '\0')
    mark_cut (buf, snprintf (buf, CFG_PATH_MAX, "%s", key));
  else
    mark_cut (buf, snprintf (buf, CFG_PATH_MAX, "%s.%s", parent, key));
}

void
cfg_path_index (char *buf, const char *parent, size_t i)
{
  mark_cut (buf, snprintf (buf, CFG_PATH_MAX, "%s[%zu]", parent, i));
}

/* Free-form map keys (sysctl, annotations) may hold dots: quote them.  */
void
cfg_path_mapkey (char *buf, const char *parent, const char *key)
{
  mark_cut (buf, snprintf (buf, CFG_PATH_MAX, "%s[\"%s\"]", parent, key));
}

/* Typed access.  JSON null counts as absent, as Go's encoding/json (and so
   runc) reads it.  */

static const char *
type_want (enum json_type t)
{
  switch (t)
    {
    case JSON_BOOL:
      return "a boolean";
    case JSON_NUMBER:
      return "an integer";
    case JSON_STRING:
      return "a string";
    case JSON_ARRAY:
      return "an array";
    case JSON_OBJECT:
      return "an object";
    default:
      return "null";
    }
}

int
cfg_type_error (const char *path, const struct json_value *v, enum json_type want,
                struct tong_err *err)
{
  return tong_err_set (err, 0, "%s: expected %s, got %s", path, type_want (want),
                       json_type_name (v->type));
}

int
cfg_strdup (const char *s, char **out, struct tong_err *err)
{
  *out = strdup (s);
  return *out ? 0 : tong_err_set (err, ENOMEM, "strdup");
}

void *
cfg_calloc (size_t n, size_t size, struct tong_err *err)
{
  void *p = calloc (n ? n : 1, size);
  if (p == NULL)
    tong_err_set (err, ENOMEM, "calloc");
  return p;
}

/* Member KEY of OBJ, of type T: *OUT is NULL when absent.  */
int
cfg_member (const struct json_value *obj, const char *parent, const char *key, enum json_type t,
            bool required, const struct json_value **out, struct tong_err *err)
{
  const struct json_value *v = json_get (obj, key);
  char path[CFG_PATH_MAX];
  *out = NULL;
  if (v == NULL || v->type == JSON_NULL)
    {
      if (!required)
        return 0;
      cfg_path (path, parent, key);
      return tong_err_set (err, 0, "%s: required", path);
    }
  if (v->type != t)
    {
      cfg_path (path, parent, key);
      return cfg_type_error (path, v, t, err);
    }
  *out = v;
  return 0;
}

int
cfg_get_str (const struct json_value *obj, const char *parent, const char *key, bool required,
             char **out, struct tong_err *err)
{
  const struct json_value *v;
  if (cfg_member (obj, parent, key, JSON_STRING, required, &v, err) < 0)
    return -1;
  return v ? cfg_strdup (v->u.string, out, err) : 0;
}

int
cfg_get_bool (const struct json_value *obj, const char *parent, const char *key, bool *out,
              struct tong_err *err)
{
  const struct json_value *v;
  if (cfg_member (obj, parent, key, JSON_BOOL, false, &v, err) < 0)
    return -1;
  if (v)
    *out = v->u.boolean;
  return 0;
}

int
cfg_num_u64 (const struct json_value *v, const char *path, uint64_t max, uint64_t *out,
             struct tong_err *err)
{
  if (v->type != JSON_NUMBER)
    return cfg_type_error (path, v, JSON_NUMBER, err);
  if (json_as_uint64 (v, out, err) < 0)
    return tong_err_wrap (err, "%s", path);
  if (*out > max)
    return tong_err_set (err, 0, "%s: %s is out of range (0..%llu)", path, v->u.number,
                         (unsigned long long)max);
  return 0;
}

int
cfg_num_i64 (const struct json_value *v, const char *path, int64_t min, int64_t max, int64_t *out,
             struct tong_err *err)
{
  if (v->type != JSON_NUMBER)
    return cfg_type_error (path, v, JSON_NUMBER, err);
  if (json_as_int64 (v, out, err) < 0)
    return tong_err_wrap (err, "%s", path);
  if (*out < min || *out > max)
    return tong_err_set (err, 0, "%s: %s is out of range (%lld..%lld)", path, v->u.number,
                         (long long)min, (long long)max);
  return 0;
}

int
cfg_get_u64 (const struct json_value *obj, const char *parent, const char *key, bool required,
             uint64_t max, uint64_t *out, bool *present, struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  if (cfg_member (obj, parent, key, JSON_NUMBER, required, &v, err) < 0)
    return -1;
  if (present)
    *present = v != NULL;
  if (v == NULL)
    return 0;
  cfg_path (path, parent, key);
  return cfg_num_u64 (v, path, max, out, err);
}

int
cfg_get_u32 (const struct json_value *obj, const char *parent, const char *key, bool required,
             uint32_t *out, bool *present, struct tong_err *err)
{
  uint64_t x = 0;
  bool has = false;
  if (cfg_get_u64 (obj, parent, key, required, UINT32_MAX, &x, &has, err) < 0)
    return -1;
  if (has)
    *out = (uint32_t)x;
  if (present)
    *present = has;
  return 0;
}

int
cfg_get_i64 (const struct json_value *obj, const char *parent, const char *key, bool required,
             int64_t min, int64_t max, int64_t *out, bool *present, struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  if (cfg_member (obj, parent, key, JSON_NUMBER, required, &v, err) < 0)
    return -1;
  if (present)
    *present = v != NULL;
  if (v == NULL)
    return 0;
  cfg_path (path, parent, key);
  return cfg_num_i64 (v, path, min, max, out, err);
}

void
cfg_strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

/* ARR (an array of strings) as a NULL-terminated vector.  */
int
cfg_strv (const struct json_value *arr, const char *path, char ***out, size_t *n,
          struct tong_err *err)
{
  size_t len = arr->u.array.len;
  char **r = cfg_calloc (len + 1, sizeof *r, err);
  if (r == NULL)
    return -1;
  for (size_t i = 0; i < len; i++)
    {
      const struct json_value *item = arr->u.array.items[i];
      char ip[CFG_PATH_MAX];
      if (item->type != JSON_STRING)
        {
          cfg_strv_free (r);
          cfg_path_index (ip, path, i);
          return cfg_type_error (ip, item, JSON_STRING, err);
        }
      if (cfg_strdup (item->u.string, &r[i], err) < 0)
        {
          cfg_strv_free (r);
          return -1;
        }
    }
  *out = r;
  *n = len;
  return 0;
}

int
cfg_get_strv (const struct json_value *obj, const char *parent, const char *key, char ***out,
              size_t *n, struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  if (cfg_member (obj, parent, key, JSON_ARRAY, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cfg_path (path, parent, key);
  return cfg_strv (v, path, out, n, err);
}

int
cfg_check_abs (const char *path, const char *s, struct tong_err *err)
{
  if (s[0] != '/')
    return tong_err_set (err, 0, "%s: must be an absolute path, not \"%s\"", path, s);
  return 0;
}

/* A CPU or NUMA node list: "0-3,7" (spaces around items allowed).  */
int
cfg_check_id_list (const char *path, const char *s, struct tong_err *err)
{
  const char *p = s;
  for (;;)
    {
      char *end;
      unsigned long a, b;
      while (*p == ' ')
        p++;
      if (!isdigit ((unsigned char)*p))
        break;
      errno = 0;
      a = b = strtoul (p, &end, 10);
      if (errno != 0 || a > INT_MAX)
        break;
      for (p = end; *p == ' '; p++)
        ;
      if (*p == '-')
        {
          for (p++; *p == ' '; p++)
            ;
          if (!isdigit ((unsigned char)*p))
            break;
          b = strtoul (p, &end, 10);
          if (errno != 0 || b > INT_MAX || b < a)
            break;
          for (p = end; *p == ' '; p++)
            ;
        }
      if (*p == '\0')
        return 0;
      if (*p++ != ',')
        break;
    }
  return tong_err_set (err, 0, "%s: invalid list \"%s\" (want e.g. \"0-3,7\")", path, s);
}

/* An array of LinuxIDMapping (linux.uidMappings, mounts[].uidMappings).  */
int
cfg_id_mappings (const struct json_value *obj, const char *parent, const char *key,
                 struct oci_id_mapping **out, size_t *n, struct tong_err *err)
{
  const struct json_value *a;
  char path[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  if (cfg_member (obj, parent, key, JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (a == NULL)
    return 0;
  cfg_path (path, parent, key);
  if ((*out = cfg_calloc (a->u.array.len, sizeof **out, err)) == NULL)
    return -1;
  *n = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      const struct json_value *m = a->u.array.items[i];
      struct oci_id_mapping *r = &(*out)[i];
      cfg_path_index (ip, path, i);
      if (m->type != JSON_OBJECT)
        return cfg_type_error (ip, m, JSON_OBJECT, err);
      if (cfg_get_u32 (m, ip, "containerID", true, &r->container_id, NULL, err) < 0
          || cfg_get_u32 (m, ip, "hostID", true, &r->host_id, NULL, err) < 0
          || cfg_get_u32 (m, ip, "size", true, &r->size, NULL, err) < 0)
        return -1;
      /* The kernel refuses these when the map is written; say which entry.  */
      if (r->size == 0)
        return tong_err_set (err, 0, "%s.size: must be at least 1", ip);
      if ((uint64_t)r->container_id + r->size > (uint64_t)UINT32_MAX + 1
          || (uint64_t)r->host_id + r->size > (uint64_t)UINT32_MAX + 1)
        return tong_err_set (err, 0, "%s: the range overflows 32-bit ids", ip);
    }
  return 0;
}

/* Name tables.  */

struct cfg_name
{
  const char *name;
  long value;
};

static const struct cfg_name sched_policies[] = {
  { "SCHED_OTHER", SCHED_OTHER },
  { "SCHED_FIFO", SCHED_FIFO },
  { "SCHED_RR", SCHED_RR },
  { "SCHED_BATCH", SCHED_BATCH },
  { "SCHED_IDLE", SCHED_IDLE },
  { "SCHED_DEADLINE", SCHED_DEADLINE },
  { NULL, 0 },
};

/* The values of linux/sched.h and linux/ioprio.h, which older headers
   lack in part.  */
static const struct cfg_name sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 }, { NULL, 0 },
};

static const struct cfg_name ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
  { NULL, 0 },
};

static const struct cfg_name *
name_lookup (const struct cfg_name *t, const char *name)
{
  for (; t->name; t++)
    if (strcmp (t->name, name) == 0)
      return t;
  return NULL;
}

/* process.  PP is the path of the process object: "process", or "" for
   a process.json of `tong exec --process`.  */

static int
parse_console_size (const struct json_value *pv, const char *pp, struct oci_process *p,
                    struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  if (cfg_member (pv, pp, "consoleSize", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cfg_path (path, pp, "consoleSize");
  if (cfg_get_u32 (v, path, "height", true, &p->console_height, NULL, err) < 0
      || cfg_get_u32 (v, path, "width", true, &p->console_width, NULL, err) < 0)
    return -1;
  /* The spec: ignored unless terminal is true.  */
  p->has_console_size = p->terminal;
  return 0;
}

static int
parse_user (const struct json_value *pv, const char *pp, struct oci_user *u, struct tong_err *err)
{
  const struct json_value *v, *a;
  char path[CFG_PATH_MAX], ap[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  uint64_t x;
  if (cfg_member (pv, pp, "user", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cfg_path (path, pp, "user");
  if (cfg_get_u32 (v, path, "uid", false, &u->uid, NULL, err) < 0
      || cfg_get_u32 (v, path, "gid", false, &u->gid, NULL, err) < 0
      || cfg_get_u64 (v, path, "umask", false, 0777, &x, &u->has_umask, err) < 0
      || cfg_get_str (v, path, "username", false, &u->username, err) < 0
      || cfg_member (v, path, "additionalGids", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (u->has_umask)
    u->umask = (uint32_t)x;
  if (a == NULL)
    return 0;
  cfg_path (ap, path, "additionalGids");
  if ((u->additional_gids = cfg_calloc (a->u.array.len, sizeof *u->additional_gids, err)) == NULL)
    return -1;
  u->n_additional_gids = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      cfg_path_index (ip, ap, i);
      if (cfg_num_u64 (a->u.array.items[i], ip, UINT32_MAX, &x, err) < 0)
        return -1;
      u->additional_gids[i] = (uint32_t)x;
    }
  return 0;
}

static int
parse_caps (const struct json_value *pv, const char *pp, struct oci_capabilities *caps,
            struct tong_err *err)
{
  static const char *const sets[]
      = { "bounding", "effective", "inheritable", "permitted", "ambient" };
  uint64_t *masks[]
      = { &caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted, &caps->ambient };
  const struct json_value *v, *a;
  char path[CFG_PATH_MAX], sp[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  if (cfg_member (pv, pp, "capabilities", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  caps->present = true;
  cfg_path (path, pp, "capabilities");
  for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
    {
      if (cfg_member (v, path, sets[s], JSON_ARRAY, false, &a, err) < 0)
        return -1;
      if (a == NULL)
        continue;
      cfg_path (sp, path, sets[s]);
      for (size_t i = 0; i < a->u.array.len; i++)
        {
          const struct json_value *item = a->u.array.items[i];
          cfg_path_index (ip, sp, i);
          if (item->type != JSON_STRING)
            return cfg_type_error (ip, item, JSON_STRING, err);
          int cap = caps_from_name (item->u.string);
          if (cap < 0)
            return tong_err_set (err, 0, "%s: unknown capability \"%s\"", ip, item->u.string);
          if (cap >= 64)
            return tong_err_set (err, 0,
                                 "%s: capability \"%s\" (%d) is beyond the 64 tong supports", ip,
                                 item->u.string, cap);
          *masks[s] |= 1ULL << cap;
        }
    }
  return 0;
}

static int
parse_rlimits (const struct json_value *pv, const char *pp, struct oci_process *p,
               struct tong_err *err)
{
  const struct json_value *a;
  char path[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  if (cfg_member (pv, pp, "rlimits", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (a == NULL)
    return 0;
  cfg_path (path, pp, "rlimits");
  if ((p->rlimits = cfg_calloc (a->u.array.len, sizeof *p->rlimits, err)) == NULL)
    return -1;
  p->n_rlimits = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      const struct json_value *item = a->u.array.items[i];
      struct oci_rlimit *r = &p->rlimits[i];
      cfg_path_index (ip, path, i);
      if (item->type != JSON_OBJECT)
        return cfg_type_error (ip, item, JSON_OBJECT, err);
      if (cfg_get_str (item, ip, "type", true, &r->name, err) < 0)
        return -1;
      r->resource = process_rlimit_from_name (r->name);
      if (r->resource < 0)
        return tong_err_set (err, 0, "%s.type: unknown rlimit \"%s\"", ip, r->name);
      for (size_t j = 0; j < i; j++)
        if (p->rlimits[j].resource == r->resource)
          return tong_err_set (err, 0, "%s.type: duplicate rlimit %s", ip, r->name);
      if (cfg_get_u64 (item, ip, "soft", true, UINT64_MAX, &r->soft, NULL, err) < 0
          || cfg_get_u64 (item, ip, "hard", true, UINT64_MAX, &r->hard, NULL, err) < 0)
        return -1;
      if (r->soft > r->hard)
        return tong_err_set (err, 0, "%s: soft limit %llu exceeds hard limit %llu", ip,
                             (unsigned long long)r->soft, (unsigned long long)r->hard);
    }
  return 0;
}

static int
parse_scheduler (const struct json_value *pv, const char *pp, struct oci_scheduler *s,
                 struct tong_err *err)
{
  const struct json_value *v, *a;
  char path[CFG_PATH_MAX], fp[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  cleanup_free char *policy = NULL;
  int64_t x = 0;
  if (cfg_member (pv, pp, "scheduler", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  s->present = true;
  cfg_path (path, pp, "scheduler");
  if (cfg_get_str (v, path, "policy", true, &policy, err) < 0)
    return -1;
  const struct cfg_name *n = name_lookup (sched_policies, policy);
  if (n == NULL && strcmp (policy, "SCHED_ISO") == 0)
    return tong_err_set (err, 0, "%s.policy: SCHED_ISO does not exist on Linux", path);
  if (n == NULL)
    return tong_err_set (err, 0, "%s.policy: unknown policy \"%s\"", path, policy);
  s->policy = (int)n->value;
  if (cfg_get_i64 (v, path, "nice", false, -20, 19, &x, NULL, err) < 0)
    return -1;
  s->nice = (int32_t)x;
  x = 0;
  if (cfg_get_i64 (v, path, "priority", false, INT32_MIN, INT32_MAX, &x, NULL, err) < 0)
    return -1;
  s->priority = (int32_t)x;
  if (cfg_get_u64 (v, path, "runtime", false, UINT64_MAX, &s->runtime, NULL, err) < 0
      || cfg_get_u64 (v, path, "deadline", false, UINT64_MAX, &s->deadline, NULL, err) < 0
      || cfg_get_u64 (v, path, "period", false, UINT64_MAX, &s->period, NULL, err) < 0
      || cfg_member (v, path, "flags", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  for (size_t i = 0; a && i < a->u.array.len; i++)
    {
      const struct json_value *item = a->u.array.items[i];
      cfg_path (fp, path, "flags");
      cfg_path_index (ip, fp, i);
      if (item->type != JSON_STRING)
        return cfg_type_error (ip, item, JSON_STRING, err);
      const struct cfg_name *f = name_lookup (sched_flags, item->u.string);
      if (f == NULL)
        return tong_err_set (err, 0, "%s: unknown scheduler flag \"%s\"", ip, item->u.string);
      s->flags |= (uint64_t)f->value;
    }
  /* What sched_setattr(2) would refuse, said with the field's name.  */
  bool rt = s->policy == SCHED_FIFO || s->policy == SCHED_RR;
  if (rt && (s->priority < 1 || s->priority > 99))
    return tong_err_set (err, 0, "%s.priority: must be 1..99 with %s", path, policy);
  if (!rt && s->priority != 0)
    return tong_err_set (err, 0, "%s.priority: must be 0 with %s", path, policy);
  if (s->policy != SCHED_DEADLINE && (s->runtime || s->deadline || s->period))
    return tong_err_set (err, 0, "%s: runtime, deadline and period need SCHED_DEADLINE", path);
  return 0;
}

static int
parse_io_priority (const struct json_value *pv, const char *pp, struct oci_io_priority *io,
                   struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  cleanup_free char *cls = NULL;
  int64_t x = 0;
  if (cfg_member (pv, pp, "ioPriority", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  io->present = true;
  cfg_path (path, pp, "ioPriority");
  if (cfg_get_str (v, path, "class", true, &cls, err) < 0)
    return -1;
  const struct cfg_name *n = name_lookup (ioprio_classes, cls);
  if (n == NULL)
    return tong_err_set (err, 0, "%s.class: unknown class \"%s\"", path, cls);
  io->class_ = (int)n->value;
  if (cfg_get_i64 (v, path, "priority", false, 0, 7, &x, NULL, err) < 0)
    return -1;
  io->priority = (int)x;
  return 0;
}

static int
parse_cpu_affinity (const struct json_value *pv, const char *pp, struct oci_exec_cpu_affinity *ca,
                    struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX], fp[CFG_PATH_MAX];
  char **fields[] = { &ca->initial, &ca->final };
  const char *names[] = { "initial", "final" };
  if (cfg_member (pv, pp, "execCPUAffinity", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  cfg_path (path, pp, "execCPUAffinity");
  for (int i = 0; i < 2; i++)
    {
      if (cfg_get_str (v, path, names[i], false, fields[i], err) < 0)
        return -1;
      if (*fields[i] == NULL)
        continue;
      /* Empty means "leave the affinity alone".  */
      if (**fields[i] == '\0')
        {
          free (*fields[i]);
          *fields[i] = NULL;
          continue;
        }
      cfg_path (fp, path, names[i]);
      if (cfg_check_id_list (fp, *fields[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_process_fields (const struct json_value *pv, const char *pp, struct oci_process *p,
                      struct tong_err *err)
{
  char path[CFG_PATH_MAX];
  int64_t oom = 0;
  if (cfg_get_bool (pv, pp, "terminal", &p->terminal, err) < 0
      || parse_console_size (pv, pp, p, err) < 0
      || cfg_get_str (pv, pp, "cwd", true, &p->cwd, err) < 0)
    return -1;
  cfg_path (path, pp, "cwd");
  if (cfg_check_abs (path, p->cwd, err) < 0)
    return -1;
  if (cfg_get_strv (pv, pp, "env", &p->env, &p->n_env, err) < 0
      || cfg_get_strv (pv, pp, "args", &p->args, &p->n_args, err) < 0)
    return -1;
  if (p->n_args == 0)
    {
      cfg_path (path, pp, "args");
      return tong_err_set (err, 0, "%s: must not be empty", path);
    }
  if (cfg_get_str (pv, pp, "commandLine", false, &p->command_line, err) < 0)
    return -1;
  if (p->command_line && *p->command_line)
    {
      cfg_path (path, pp, "commandLine");
      return tong_err_set (err, 0, "%s: not supported on Linux (use args)", path);
    }
  if (parse_rlimits (pv, pp, p, err) < 0 || parse_caps (pv, pp, &p->caps, err) < 0
      || cfg_get_bool (pv, pp, "noNewPrivileges", &p->no_new_privileges, err) < 0
      || cfg_get_i64 (pv, pp, "oomScoreAdj", false, -1000, 1000, &oom, &p->has_oom_score_adj, err)
             < 0
      || cfg_get_str (pv, pp, "apparmorProfile", false, &p->apparmor_profile, err) < 0
      || cfg_get_str (pv, pp, "selinuxLabel", false, &p->selinux_label, err) < 0
      || parse_user (pv, pp, &p->user, err) < 0
      || parse_io_priority (pv, pp, &p->io_priority, err) < 0
      || parse_scheduler (pv, pp, &p->scheduler, err) < 0
      || parse_cpu_affinity (pv, pp, &p->exec_cpu_affinity, err) < 0)
    return -1;
  p->oom_score_adj = (int)oom;
  return 0;
}

void
oci_process_clear (struct oci_process *p)
{
  free (p->cwd);
  cfg_strv_free (p->env);
  cfg_strv_free (p->args);
  free (p->command_line);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free (p->rlimits[i].name);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  free (p->user.additional_gids);
  free (p->user.username);
  free (p->exec_cpu_affinity.initial);
  free (p->exec_cpu_affinity.final);
  memset (p, 0, sizeof *p);
}

int
oci_process_parse (const char *text, size_t len, struct oci_process *out,
                   struct json_value **doc_out, struct tong_err *err)
{
  struct json_value *doc = NULL;
  memset (out, 0, sizeof *out);
  if (doc_out)
    *doc_out = NULL;
  if (json_parse (text, len, &doc, err) < 0)
    return -1;
  if (doc->type != JSON_OBJECT)
    {
      tong_err_set (err, 0, "process: expected an object, got %s", json_type_name (doc->type));
      json_free (doc);
      return -1;
    }
  if (parse_process_fields (doc, "", out, err) < 0)
    {
      oci_process_clear (out);
      json_free (doc);
      return -1;
    }
  if (doc_out)
    *doc_out = doc;
  else
    json_free (doc);
  return 0;
}

/* Top level.  */

static const char *const hook_names[OCI_HOOK_KIND_COUNT]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

const char *
oci_hook_kind_name (enum oci_hook_kind k)
{
  return (unsigned)k < OCI_HOOK_KIND_COUNT ? hook_names[k] : "unknown";
}

static int
parse_hook (const struct json_value *v, const char *path, struct oci_hook *h, struct tong_err *err)
{
  char fp[CFG_PATH_MAX];
  int64_t t = 0;
  if (v->type != JSON_OBJECT)
    return cfg_type_error (path, v, JSON_OBJECT, err);
  if (cfg_get_str (v, path, "path", true, &h->path, err) < 0)
    return -1;
  cfg_path (fp, path, "path");
  if (cfg_check_abs (fp, h->path, err) < 0
      || cfg_get_strv (v, path, "args", &h->args, &h->n_args, err) < 0
      || cfg_get_strv (v, path, "env", &h->env, &h->n_env, err) < 0
      || cfg_get_i64 (v, path, "timeout", false, INT64_MIN, INT64_MAX, &t, &h->has_timeout, err)
             < 0)
    return -1;
  if (h->has_timeout && (t <= 0 || t > INT_MAX))
    return tong_err_set (err, 0, "%s.timeout: must be greater than zero (and fit an int), not %lld",
                         path, (long long)t);
  h->timeout = (int)t;
  return 0;
}

static int
parse_hooks (struct oci_config *c, const struct json_value *doc, struct tong_err *err)
{
  const struct json_value *hv, *a;
  char path[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  if (cfg_member (doc, "", "hooks", JSON_OBJECT, false, &hv, err) < 0)
    return -1;
  if (hv == NULL)
    return 0;
  for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
    {
      if (cfg_member (hv, "hooks", hook_names[k], JSON_ARRAY, false, &a, err) < 0)
        return -1;
      if (a == NULL)
        continue;
      cfg_path (path, "hooks", hook_names[k]);
      if ((c->hooks[k] = cfg_calloc (a->u.array.len, sizeof *c->hooks[k], err)) == NULL)
        return -1;
      c->n_hooks[k] = a->u.array.len;
      for (size_t i = 0; i < a->u.array.len; i++)
        {
          cfg_path_index (ip, path, i);
          if (parse_hook (a->u.array.items[i], ip, &c->hooks[k][i], err) < 0)
            return -1;
        }
    }
  return 0;
}

static int
parse_mount (const struct json_value *v, const char *path, struct oci_mount *m,
             struct tong_err *err)
{
  char fp[CFG_PATH_MAX];
  if (v->type != JSON_OBJECT)
    return cfg_type_error (path, v, JSON_OBJECT, err);
  if (cfg_get_str (v, path, "destination", true, &m->destination, err) < 0)
    return -1;
  if (m->destination[0] == '\0')
    return tong_err_set (err, 0, "%s.destination: must not be empty", path);
  /* Relative destinations are deprecated but mean relative to "/" (runc
     accepts them too); store the absolute form.  */
  if (m->destination[0] != '/')
    {
      char *abs;
      if (asprintf (&abs, "/%s", m->destination) < 0)
        return tong_err_set (err, ENOMEM, "%s.destination", path);
      free (m->destination);
      m->destination = abs;
    }
  if (cfg_get_str (v, path, "type", false, &m->type, err) < 0
      || cfg_get_str (v, path, "source", false, &m->source, err) < 0
      || cfg_get_strv (v, path, "options", &m->options, &m->n_options, err) < 0
      || cfg_id_mappings (v, path, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, err) < 0
      || cfg_id_mappings (v, path, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, err) < 0)
    return -1;
  if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
    {
      cfg_path (fp, path, m->n_uid_mappings ? "gidMappings" : "uidMappings");
      return tong_err_set (err, 0, "%s: required along with %s", fp,
                           m->n_uid_mappings ? "uidMappings" : "gidMappings");
    }
  return mount_parse_options (m, path, err);
}

static int
parse_mounts (struct oci_config *c, const struct json_value *doc, struct tong_err *err)
{
  const struct json_value *a;
  char ip[CFG_PATH_MAX];
  if (cfg_member (doc, "", "mounts", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (a == NULL)
    return 0;
  if ((c->mounts = cfg_calloc (a->u.array.len, sizeof *c->mounts, err)) == NULL)
    return -1;
  c->n_mounts = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      cfg_path_index (ip, "mounts", i);
      if (parse_mount (a->u.array.items[i], ip, &c->mounts[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_annotations (struct oci_config *c, const struct json_value *doc, struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  if (cfg_member (doc, "", "annotations", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  for (size_t i = 0; i < v->u.object.len; i++)
    if (v->u.object.values[i]->type != JSON_STRING)
      {
        cfg_path_mapkey (path, "annotations", v->u.object.keys[i]);
        return cfg_type_error (path, v->u.object.values[i], JSON_STRING, err);
      }
  /* The tree belongs to c->doc.  */
  c->annotations = (struct json_value *)v;
  return 0;
}

static int
parse_config (struct oci_config *c, struct tong_err *err)
{
  const struct json_value *doc = c->doc, *v;
  if (doc->type != JSON_OBJECT)
    return tong_err_set (err, 0, "config: expected an object, got %s", json_type_name (doc->type));
  if (cfg_get_str (doc, "", "ociVersion", true, &c->oci_version, err) < 0)
    return -1;
  if (c->oci_version[0] == '\0')
    return tong_err_set (err, 0, "ociVersion: must not be empty");
  /* config.md: root is REQUIRED on every platform but Windows.  */
  if (cfg_member (doc, "", "root", JSON_OBJECT, true, &v, err) < 0
      || cfg_get_str (v, "root", "path", true, &c->root_path, err) < 0
      || cfg_get_bool (v, "root", "readonly", &c->root_readonly, err) < 0)
    return -1;
  if (c->root_path[0] == '\0')
    return tong_err_set (err, 0, "root.path: must not be empty");
  if (parse_mounts (c, doc, err) < 0)
    return -1;
  if (cfg_member (doc, "", "process", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v)
    {
      c->has_process = true;
      if (parse_process_fields (v, "process", &c->process, err) < 0)
        return -1;
    }
  if (cfg_get_str (doc, "", "hostname", false, &c->hostname, err) < 0
      || cfg_get_str (doc, "", "domainname", false, &c->domainname, err) < 0
      || parse_hooks (c, doc, err) < 0 || parse_annotations (c, doc, err) < 0)
    return -1;
  /* "windows", "solaris", "vm", "zos" and "freebsd" describe other
     platforms: ignored, as runc does.  */
  if (cfg_member (doc, "", "linux", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v)
    {
      c->has_linux = true;
      if (oci_linux_parse (c, v, err) < 0)
        return -1;
    }
  /* Without a UTS namespace of its own the container would rename the
     host (runc refuses this too).  */
  if (oci_config_ns (c, OCI_NS_UTS) == NULL)
    {
      if (c->hostname && *c->hostname)
        return tong_err_set (err, 0, "hostname: needs a \"uts\" entry in linux.namespaces");
      if (c->domainname && *c->domainname)
        return tong_err_set (err, 0, "domainname: needs a \"uts\" entry in linux.namespaces");
    }
  return oci_linux_check (c, err);
}

int
oci_config_parse (const char *text, size_t len, struct oci_config **out, struct tong_err *err)
{
  struct oci_config *c = calloc (1, sizeof *c);
  if (c == NULL)
    return tong_err_set (err, ENOMEM, "config");
  if (json_parse (text, len, &c->doc, err) < 0 || parse_config (c, err) < 0)
    {
      oci_config_free (c);
      return -1;
    }
  *out = c;
  return 0;
}

int
oci_config_load (const char *path, struct oci_config **out, struct tong_err *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file (path, &text, &len, err) < 0)
    return -1;
  if (oci_config_parse (text, len, out, err) < 0)
    return tong_err_wrap (err, "%s", path);
  return 0;
}

void
oci_config_free (struct oci_config *c)
{
  if (c == NULL)
    return;
  free (c->oci_version);
  free (c->root_path);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      struct oci_mount *m = &c->mounts[i];
      free (m->destination);
      free (m->type);
      free (m->source);
      cfg_strv_free (m->options);
      free (m->uid_mappings);
      free (m->gid_mappings);
      free (m->data);
    }
  free (c->mounts);
  oci_process_clear (&c->process);
  free (c->hostname);
  free (c->domainname);
  for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
    {
      for (size_t i = 0; i < c->n_hooks[k]; i++)
        {
          free (c->hooks[k][i].path);
          cfg_strv_free (c->hooks[k][i].args);
          cfg_strv_free (c->hooks[k][i].env);
        }
      free (c->hooks[k]);
    }
  oci_linux_clear (&c->linux_);
  json_free (c->doc);
  free (c);
}
