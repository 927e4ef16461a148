/* linux.resources as a typed struct, parsed once: the drivers, `update` and
   the unit tests all read struct cg_resources.  */
#include "cgroup.h"
#include "cleanup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RES_PATH_MAX 512

static const struct json_value *
member (const struct json_value *o, const char *key)
{
  const struct json_value *v = json_get (o, key);
  return v && v->type != JSON_NULL ? v : NULL;
}

static int
type_err (const char *path, const char *key, const struct json_value *v, const char *want,
          struct tong_err *err)
{
  return tong_err_set (err, 0, "%s.%s: expected %s, got %s", path, key, want,
                       json_type_name (v->type));
}

static int
get_i64 (const struct json_value *o, const char *path, const char *key, struct cg_i64 *out,
         struct tong_err *err)
{
  const struct json_value *v = member (o, key);
  if (v == NULL)
    return 0;
  if (v->type != JSON_NUMBER)
    return type_err (path, key, v, "number", err);
  if (json_as_int64 (v, &out->v, err) < 0)
    return tong_err_wrap (err, "%s.%s", path, key);
  out->set = true;
  return 0;
}

static int
get_u64 (const struct json_value *o, const char *path, const char *key, uint64_t max,
         struct cg_u64 *out, struct tong_err *err)
{
  const struct json_value *v = member (o, key);
  if (v == NULL)
    return 0;
  if (v->type != JSON_NUMBER)
    return type_err (path, key, v, "number", err);
  if (json_as_uint64 (v, &out->v, err) < 0)
    return tong_err_wrap (err, "%s.%s", path, key);
  if (out->v > max)
    return tong_err_set (err, 0, "%s.%s: %" PRIu64 " is out of range (at most %" PRIu64 ")",
                         path, key, out->v, max);
  out->set = true;
  return 0;
}

static int
get_bool (const struct json_value *o, const char *path, const char *key, struct cg_bool *out,
          struct tong_err *err)
{
  const struct json_value *v = member (o, key);
  if (v == NULL)
    return 0;
  if (v->type != JSON_BOOL)
    return type_err (path, key, v, "boolean", err);
  out->set = true;
  out->v = v->u.boolean;
  return 0;
}

static int
get_str (const struct json_value *o, const char *path, const char *key, char **out,
         struct tong_err *err)
{
  const struct json_value *v = member (o, key);
  if (v == NULL)
    return 0;
  if (v->type != JSON_STRING)
    return type_err (path, key, v, "string", err);
  free (*out);
  *out = strdup (v->u.string);
  return *out ? 0 : tong_err_set (err, ENOMEM, "%s.%s", path, key);
}

static int
get_obj (const struct json_value *o, const char *path, const char *key,
         const struct json_value **out, char sub[RES_PATH_MAX], struct tong_err *err)
{
  *out = NULL;
  const struct json_value *v = member (o, key);
  if (v == NULL)
    return 0;
  if (v->type != JSON_OBJECT)
    return type_err (path, key, v, "object", err);
  snprintf (sub, RES_PATH_MAX, "%s.%s", path, key);
  *out = v;
  return 0;
}

/* An array of objects: *N items, *ITEMS calloc'd of SIZE each.  */
static int
get_arr (const struct json_value *o, const char *path, const char *key, size_t size,
         void **items, size_t *n, const struct json_value **arr, struct tong_err *err)
{
  *arr = NULL;
  const struct json_value *v = member (o, key);
  if (v == NULL)
    return 0;
  if (v->type != JSON_ARRAY)
    return type_err (path, key, v, "array", err);
  *items = calloc (v->u.array.len + 1, size);
  if (*items == NULL)
    return tong_err_set (err, ENOMEM, "%s.%s", path, key);
  for (size_t i = 0; i < v->u.array.len; i++)
    if (v->u.array.items[i]->type != JSON_OBJECT)
      return tong_err_set (err, 0, "%s.%s[%zu]: expected object, got %s", path, key, i,
                           json_type_name (v->u.array.items[i]->type));
  *n = v->u.array.len;
  *arr = v;
  return 0;
}

static int
required_i64 (const struct json_value *o, const char *path, const char *key, int64_t *out,
              struct tong_err *err)
{
  struct cg_i64 v = { 0 };
  if (get_i64 (o, path, key, &v, err) < 0)
    return -1;
  if (!v.set)
    return tong_err_set (err, 0, "%s.%s: required", path, key);
  *out = v.v;
  return 0;
}

static int
parse_memory (const struct json_value *m, const char *p, struct cg_resources *r,
              struct tong_err *err)
{
  if (get_i64 (m, p, "limit", &r->memory.limit, err) < 0
      || get_i64 (m, p, "reservation", &r->memory.reservation, err) < 0
      || get_i64 (m, p, "swap", &r->memory.swap, err) < 0
      || get_i64 (m, p, "kernel", &r->memory.kernel, err) < 0
      || get_i64 (m, p, "kernelTCP", &r->memory.kernel_tcp, err) < 0
      || get_u64 (m, p, "swappiness", UINT64_MAX, &r->memory.swappiness, err) < 0
      || get_bool (m, p, "disableOOMKiller", &r->memory.disable_oom_killer, err) < 0
      || get_bool (m, p, "useHierarchy", &r->memory.use_hierarchy, err) < 0
      || get_bool (m, p, "checkBeforeUpdate", &r->memory.check_before_update, err) < 0)
    return -1;
  /* As runc: a swappiness above 100 is an error (-1 from old engines meant
     "unset" and arrives here as a huge unsigned number).  */
  if (r->memory.swappiness.set && r->memory.swappiness.v > 100)
    return tong_err_set (err, 0, "%s.swappiness: %" PRIu64 " is out of range (0 to 100)", p,
                         r->memory.swappiness.v);
  return 0;
}

static int
parse_cpu (const struct json_value *c, const char *p, struct cg_resources *r,
           struct tong_err *err)
{
  return get_u64 (c, p, "shares", UINT64_MAX, &r->cpu.shares, err) < 0
                 || get_i64 (c, p, "quota", &r->cpu.quota, err) < 0
                 || get_u64 (c, p, "period", UINT64_MAX, &r->cpu.period, err) < 0
                 || get_u64 (c, p, "burst", UINT64_MAX, &r->cpu.burst, err) < 0
                 || get_i64 (c, p, "realtimeRuntime", &r->cpu.realtime_runtime, err) < 0
                 || get_u64 (c, p, "realtimePeriod", UINT64_MAX, &r->cpu.realtime_period, err)
                        < 0
                 || get_i64 (c, p, "idle", &r->cpu.idle, err) < 0
                 || get_str (c, p, "cpus", &r->cpu.cpus, err) < 0
                 || get_str (c, p, "mems", &r->cpu.mems, err) < 0
             ? -1
             : 0;
}

static const char *const throttle_keys[CG_THROTTLE_COUNT] = {
  [CG_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
  [CG_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
  [CG_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
  [CG_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int
parse_blkio (const struct json_value *b, const char *p, struct cg_resources *r,
             struct tong_err *err)
{
  char ip[RES_PATH_MAX];
  const struct json_value *arr;
  if (get_u64 (b, p, "weight", UINT16_MAX, &r->blkio.weight, err) < 0
      || get_u64 (b, p, "leafWeight", UINT16_MAX, &r->blkio.leaf_weight, err) < 0)
    return -1;
  if (get_arr (b, p, "weightDevice", sizeof (struct cg_weight_device),
               (void **) &r->blkio.weight_device, &r->blkio.n_weight_device, &arr, err)
      < 0)
    return -1;
  for (size_t i = 0; arr && i < arr->u.array.len; i++)
    {
      const struct json_value *o = arr->u.array.items[i];
      struct cg_weight_device *d = &r->blkio.weight_device[i];
      snprintf (ip, sizeof ip, "%s.weightDevice[%zu]", p, i);
      if (required_i64 (o, ip, "major", &d->major, err) < 0
          || required_i64 (o, ip, "minor", &d->minor, err) < 0
          || get_u64 (o, ip, "weight", UINT16_MAX, &d->weight, err) < 0
          || get_u64 (o, ip, "leafWeight", UINT16_MAX, &d->leaf_weight, err) < 0)
        return -1;
    }
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    {
      if (get_arr (b, p, throttle_keys[k], sizeof (struct cg_throttle),
                   (void **) &r->blkio.throttle[k], &r->blkio.n_throttle[k], &arr, err)
          < 0)
        return -1;
      for (size_t i = 0; arr && i < arr->u.array.len; i++)
        {
          const struct json_value *o = arr->u.array.items[i];
          struct cg_throttle *t = &r->blkio.throttle[k][i];
          struct cg_u64 rate = { 0 };
          snprintf (ip, sizeof ip, "%s.%s[%zu]", p, throttle_keys[k], i);
          if (required_i64 (o, ip, "major", &t->major, err) < 0
              || required_i64 (o, ip, "minor", &t->minor, err) < 0
              || get_u64 (o, ip, "rate", UINT64_MAX, &rate, err) < 0)
            return -1;
          t->rate = rate.v;
        }
    }
  return 0;
}

static int
parse_devices (const struct json_value *res, const char *p, struct cg_resources *r,
               struct tong_err *err)
{
  char ip[RES_PATH_MAX];
  const struct json_value *arr;
  if (get_arr (res, p, "devices", sizeof (struct cg_device_rule), (void **) &r->devices,
               &r->n_devices, &arr, err)
      < 0)
    return -1;
  if (arr == NULL)
    return 0;
  r->has_devices = true;
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      const struct json_value *o = arr->u.array.items[i];
      struct cg_device_rule *d = &r->devices[i];
      struct cg_bool allow = { 0 };
      struct cg_i64 major = { 0 }, minor = { 0 };
      cleanup_free char *type = NULL, *access = NULL;
      snprintf (ip, sizeof ip, "%s.devices[%zu]", p, i);
      if (get_bool (o, ip, "allow", &allow, err) < 0 || get_str (o, ip, "type", &type, err) < 0
          || get_i64 (o, ip, "major", &major, err) < 0
          || get_i64 (o, ip, "minor", &minor, err) < 0
          || get_str (o, ip, "access", &access, err) < 0)
        return -1;
      if (!allow.set)
        return tong_err_set (err, 0, "%s.allow: required", ip);
      d->allow = allow.v;
      if (type == NULL || *type == '\0')
        d->type = 'a';
      else if (strlen (type) == 1 && strchr ("acbup", type[0]))
        d->type = type[0] == 'u' ? 'c' : type[0];
      else
        return tong_err_set (err, 0, "%s.type: invalid device type \"%s\" (a, b, c, u or p)", ip,
                             type);
      /* A fifo needs no cgroup permission: nothing to match.  */
      if (d->type == 'p')
        d->type = 0;
      d->major = major.set ? major.v : -1;
      d->minor = minor.set ? minor.v : -1;
      if (d->major < -1 || d->minor < -1)
        return tong_err_set (err, 0, "%s: a negative major or minor other than -1", ip);
      const char *a = access && *access ? access : "rwm";
      bool rr = false, ww = false, mm = false;
      for (const char *c = a; *c; c++)
        if (*c == 'r')
          rr = true;
        else if (*c == 'w')
          ww = true;
        else if (*c == 'm')
          mm = true;
        else
          return tong_err_set (err, 0, "%s.access: invalid access \"%s\" (letters r, w, m)", ip,
                               a);
      snprintf (d->access, sizeof d->access, "%s%s%s", rr ? "r" : "", ww ? "w" : "",
                mm ? "m" : "");
    }
  /* Drop the fifo rules (type 'p').  */
  size_t k = 0;
  for (size_t i = 0; i < r->n_devices; i++)
    if (r->devices[i].type)
      r->devices[k++] = r->devices[i];
  r->n_devices = k;
  return 0;
}

int
cg_resources_parse (const struct json_value *v, const char *path, struct cg_resources *r,
                    struct tong_err *err)
{
  memset (r, 0, sizeof *r);
  if (v == NULL || v->type == JSON_NULL)
    return 0;
  if (v->type != JSON_OBJECT)
    return tong_err_set (err, 0, "%s: expected object, got %s", path, json_type_name (v->type));
  char sub[RES_PATH_MAX], ip[RES_PATH_MAX];
  const struct json_value *o, *arr;
  int ret = -1;

  if (get_obj (v, path, "memory", &o, sub, err) < 0 || (o && parse_memory (o, sub, r, err) < 0))
    goto out;
  if (get_obj (v, path, "cpu", &o, sub, err) < 0 || (o && parse_cpu (o, sub, r, err) < 0))
    goto out;
  if (get_obj (v, path, "pids", &o, sub, err) < 0)
    goto out;
  if (o && get_i64 (o, sub, "limit", &r->pids_limit, err) < 0)
    goto out;
  if (get_obj (v, path, "blockIO", &o, sub, err) < 0 || (o && parse_blkio (o, sub, r, err) < 0))
    goto out;
  if (get_arr (v, path, "hugepageLimits", sizeof (struct cg_hugepage), (void **) &r->hugepages,
               &r->n_hugepages, &arr, err)
      < 0)
    goto out;
  for (size_t i = 0; arr && i < arr->u.array.len; i++)
    {
      const struct json_value *h = arr->u.array.items[i];
      struct cg_u64 limit = { 0 };
      snprintf (ip, sizeof ip, "%s.hugepageLimits[%zu]", path, i);
      if (get_str (h, ip, "pageSize", &r->hugepages[i].page_size, err) < 0
          || get_u64 (h, ip, "limit", UINT64_MAX, &limit, err) < 0)
        goto out;
      if (r->hugepages[i].page_size == NULL)
        {
          tong_err_set (err, 0, "%s.pageSize: required", ip);
          goto out;
        }
      r->hugepages[i].limit = limit.v;
    }
  if (get_obj (v, path, "network", &o, sub, err) < 0)
    goto out;
  if (o)
    {
      if (get_u64 (o, sub, "classID", UINT32_MAX, &r->network.class_id, err) < 0
          || get_arr (o, sub, "priorities", sizeof (struct cg_net_prio),
                      (void **) &r->network.priorities, &r->network.n_priorities, &arr, err)
                 < 0)
        goto out;
      for (size_t i = 0; arr && i < arr->u.array.len; i++)
        {
          const struct json_value *pr = arr->u.array.items[i];
          struct cg_u64 prio = { 0 };
          snprintf (ip, sizeof ip, "%s.priorities[%zu]", sub, i);
          if (get_str (pr, ip, "name", &r->network.priorities[i].name, err) < 0
              || get_u64 (pr, ip, "priority", UINT32_MAX, &prio, err) < 0)
            goto out;
          if (r->network.priorities[i].name == NULL)
            {
              tong_err_set (err, 0, "%s.name: required", ip);
              goto out;
            }
          r->network.priorities[i].priority = (uint32_t) prio.v;
        }
    }
  if (get_obj (v, path, "rdma", &o, sub, err) < 0)
    goto out;
  if (o && o->u.object.len)
    {
      r->rdma = calloc (o->u.object.len, sizeof *r->rdma);
      if (r->rdma == NULL)
        {
          tong_err_set (err, ENOMEM, "%s", sub);
          goto out;
        }
      for (size_t i = 0; i < o->u.object.len; i++)
        {
          const struct json_value *d = o->u.object.values[i];
          snprintf (ip, sizeof ip, "%s.%s", sub, o->u.object.keys[i]);
          if (d->type != JSON_OBJECT)
            {
              tong_err_set (err, 0, "%s: expected object, got %s", ip, json_type_name (d->type));
              goto out;
            }
          r->rdma[i].device = strdup (o->u.object.keys[i]);
          r->n_rdma++;
          if (get_u64 (d, ip, "hcaHandles", UINT32_MAX, &r->rdma[i].hca_handles, err) < 0
              || get_u64 (d, ip, "hcaObjects", UINT32_MAX, &r->rdma[i].hca_objects, err) < 0)
            goto out;
        }
    }
  if (get_obj (v, path, "unified", &o, sub, err) < 0)
    goto out;
  if (o && o->u.object.len)
    {
      r->unified = calloc (o->u.object.len, sizeof *r->unified);
      if (r->unified == NULL)
        {
          tong_err_set (err, ENOMEM, "%s", sub);
          goto out;
        }
      for (size_t i = 0; i < o->u.object.len; i++)
        {
          const struct json_value *s = o->u.object.values[i];
          const char *key = o->u.object.keys[i];
          if (s->type != JSON_STRING)
            {
              tong_err_set (err, 0, "%s.%s: expected string, got %s", sub, key,
                            json_type_name (s->type));
              goto out;
            }
          /* A key is a file name in the cgroup's directory, nothing more.  */
          if (*key == '\0' || strchr (key, '/') || strcmp (key, ".") == 0
              || strcmp (key, "..") == 0)
            {
              tong_err_set (err, 0, "%s.%s: not a cgroup file name", sub, key);
              goto out;
            }
          r->unified[i].key = strdup (key);
          r->unified[i].value = strdup (s->u.string);
          r->n_unified++;
        }
    }
  if (parse_devices (v, path, r, err) < 0)
    goto out;
  ret = 0;
out:
  if (ret < 0)
    cg_resources_free (r);
  return ret;
}

void
cg_resources_free (struct cg_resources *r)
{
  free (r->cpu.cpus);
  free (r->cpu.mems);
  free (r->blkio.weight_device);
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    free (r->blkio.throttle[k]);
  for (size_t i = 0; r->hugepages && i < r->n_hugepages; i++)
    free (r->hugepages[i].page_size);
  free (r->hugepages);
  for (size_t i = 0; r->network.priorities && i < r->network.n_priorities; i++)
    free (r->network.priorities[i].name);
  free (r->network.priorities);
  for (size_t i = 0; i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  for (size_t i = 0; i < r->n_unified; i++)
    {
      free (r->unified[i].key);
      free (r->unified[i].value);
    }
  free (r->unified);
  free (r->devices);
  memset (r, 0, sizeof *r);
}

bool
cg_resources_any (const struct cg_resources *r)
{
  static const struct cg_resources zero;
  return memcmp (r, &zero, sizeof zero) != 0;
}

bool
cg_resources_any_but_devices (const struct cg_resources *r)
{
  struct cg_resources copy = *r;
  copy.has_devices = false;
  copy.devices = NULL;
  copy.n_devices = 0;
  return cg_resources_any (&copy);
}

/* Copy SRC's set scalars over DST's.  */
#define MERGE(field)                                                                             \
  do                                                                                             \
    if (src->field.set)                                                                          \
      dst->field = src->field;                                                                   \
  while (0)

#define MERGE_ARRAY(arr, n)                                                                      \
  do                                                                                             \
    if (src->arr)                                                                                \
      {                                                                                          \
        free (dst->arr);                                                                         \
        dst->arr = src->arr;                                                                     \
        dst->n = src->n;                                                                         \
        src->arr = NULL;                                                                         \
        src->n = 0;                                                                              \
      }                                                                                          \
  while (0)

static char *
take_str (char **dst, char **src)
{
  if (*src)
    {
      free (*dst);
      *dst = *src;
      *src = NULL;
    }
  return *dst;
}

int
cg_resources_merge (struct cg_resources *dst, const struct cg_resources *csrc,
                    struct tong_err *err)
{
  /* The arrays move from SRC: callers free SRC afterwards.  */
  struct cg_resources *src = (struct cg_resources *) csrc;
  MERGE (memory.limit);
  MERGE (memory.reservation);
  MERGE (memory.swap);
  MERGE (memory.kernel);
  MERGE (memory.kernel_tcp);
  MERGE (memory.swappiness);
  MERGE (memory.disable_oom_killer);
  MERGE (memory.use_hierarchy);
  MERGE (memory.check_before_update);
  MERGE (cpu.shares);
  MERGE (cpu.period);
  MERGE (cpu.burst);
  MERGE (cpu.realtime_period);
  MERGE (cpu.quota);
  MERGE (cpu.realtime_runtime);
  MERGE (cpu.idle);
  take_str (&dst->cpu.cpus, &src->cpu.cpus);
  take_str (&dst->cpu.mems, &src->cpu.mems);
  MERGE (pids_limit);
  MERGE (blkio.weight);
  MERGE (blkio.leaf_weight);
  MERGE_ARRAY (blkio.weight_device, blkio.n_weight_device);
  for (int k = 0; k < CG_THROTTLE_COUNT; k++)
    MERGE_ARRAY (blkio.throttle[k], blkio.n_throttle[k]);
  if (src->hugepages)
    {
      for (size_t i = 0; i < dst->n_hugepages; i++)
        free (dst->hugepages[i].page_size);
      MERGE_ARRAY (hugepages, n_hugepages);
    }
  MERGE (network.class_id);
  if (src->network.priorities)
    {
      for (size_t i = 0; i < dst->network.n_priorities; i++)
        free (dst->network.priorities[i].name);
      MERGE_ARRAY (network.priorities, network.n_priorities);
    }
  if (src->rdma)
    {
      for (size_t i = 0; i < dst->n_rdma; i++)
        free (dst->rdma[i].device);
      MERGE_ARRAY (rdma, n_rdma);
    }
  if (src->unified)
    {
      for (size_t i = 0; i < dst->n_unified; i++)
        {
          free (dst->unified[i].key);
          free (dst->unified[i].value);
        }
      MERGE_ARRAY (unified, n_unified);
    }
  if (src->has_devices)
    {
      MERGE_ARRAY (devices, n_devices);
      dst->has_devices = true;
    }
  (void) err;
  return 0;
}

/* Conversions.  */

uint64_t
cg_shares_to_weight (uint64_t shares)
{
  /* Maps [2, 262144] onto [1, 10000] linearly, as the OCI runtimes agree.  */
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
cg_blkio_weight_to_io (uint64_t weight)
{
  /* [10, 1000] onto [1, 10000].  */
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

void
cg_cpu_max (char *buf, size_t len, const struct cg_i64 *quota, const struct cg_u64 *period,
            uint64_t cur_period)
{
  uint64_t p = period && period->set && period->v ? period->v : cur_period ? cur_period : 100000;
  if (quota && quota->set && quota->v > 0)
    snprintf (buf, len, "%" PRId64 " %" PRIu64, quota->v, p);
  else
    snprintf (buf, len, "max %" PRIu64, p);
}

int
cg_swap_v2 (int64_t swap, int64_t limit, int64_t *out, const char *path, struct tong_err *err)
{
  /* OCI's swap is memory+swap (v1's memsw); v2's swap.max is swap alone.  */
  if (swap == -1)
    {
      *out = -1;
      return 0;
    }
  if (limit == -1 || limit == 0)
    return tong_err_set (err, 0,
                         "%s: a swap limit needs a memory limit on cgroup v2 (memory+swap)", path);
  if (swap < limit)
    return tong_err_set (err, 0,
                         "%s: %" PRId64 " is below the memory limit %" PRId64
                         " (swap counts memory+swap)",
                         path, swap, limit);
  *out = swap - limit;
  return 0;
}
