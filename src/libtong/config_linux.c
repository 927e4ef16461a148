/* config.json's "linux" object (config-linux.md) -> struct oci_linux.  */
#include "config_internal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include "cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Memory policy numbers from linux/mempolicy.h, spelled out because older
   headers lack MPOL_WEIGHTED_INTERLEAVE (and MPOL_* are enum constants
   there, so #ifndef cannot fill the gap).  */
#define TONG_MPOL_DEFAULT 0
#define TONG_MPOL_PREFERRED 1
#define TONG_MPOL_BIND 2
#define TONG_MPOL_INTERLEAVE 3
#define TONG_MPOL_LOCAL 4
#define TONG_MPOL_PREFERRED_MANY 5
#define TONG_MPOL_WEIGHTED_INTERLEAVE 6
#define TONG_MPOL_F_NUMA_BALANCING (1 << 13)
#define TONG_MPOL_F_RELATIVE_NODES (1 << 14)
#define TONG_MPOL_F_STATIC_NODES (1 << 15)

/* Namespaces.  */

static const char *const ns_names[OCI_NS_COUNT]
    = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };
static const int ns_flags[OCI_NS_COUNT]
    = { CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,     CLONE_NEWIPC,
        CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME };

const char *
oci_ns_type_name (enum oci_ns_type t)
{
  return (unsigned)t < OCI_NS_COUNT ? ns_names[t] : "unknown";
}

int
oci_ns_type_from_name (const char *name)
{
  for (int t = 0; t < OCI_NS_COUNT; t++)
    if (strcmp (ns_names[t], name) == 0)
      return t;
  return -1;
}

int
oci_ns_clone_flag (enum oci_ns_type t)
{
  return (unsigned)t < OCI_NS_COUNT ? ns_flags[t] : 0;
}

const struct oci_namespace *
oci_config_ns (const struct oci_config *c, enum oci_ns_type t)
{
  for (size_t i = 0; i < c->linux_.n_namespaces; i++)
    if (c->linux_.namespaces[i].type == t)
      return &c->linux_.namespaces[i];
  return NULL;
}

static int
parse_namespaces (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  const struct json_value *a;
  char ip[CFG_PATH_MAX], fp[CFG_PATH_MAX];
  if (cfg_member (lv, "linux", "namespaces", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (a == NULL)
    return 0;
  if ((l->namespaces = cfg_calloc (a->u.array.len, sizeof *l->namespaces, err)) == NULL)
    return -1;
  l->n_namespaces = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      const struct json_value *item = a->u.array.items[i];
      struct oci_namespace *ns = &l->namespaces[i];
      cleanup_free char *type = NULL;
      cfg_path_index (ip, "linux.namespaces", i);
      if (item->type != JSON_OBJECT)
        return cfg_type_error (ip, item, JSON_OBJECT, err);
      if (cfg_get_str (item, ip, "type", true, &type, err) < 0)
        return -1;
      int t = oci_ns_type_from_name (type);
      if (t < 0)
        return tong_err_set (err, 0, "%s.type: unknown namespace type \"%s\"", ip, type);
      for (size_t j = 0; j < i; j++)
        if ((int)l->namespaces[j].type == t)
          return tong_err_set (err, 0, "%s.type: duplicate namespace type \"%s\"", ip, type);
      ns->type = (enum oci_ns_type)t;
      if (cfg_get_str (item, ip, "path", false, &ns->path, err) < 0)
        return -1;
      /* An empty path is Go's zero value: create a new namespace.  */
      if (ns->path && ns->path[0] == '\0')
        {
          free (ns->path);
          ns->path = NULL;
        }
      cfg_path (fp, ip, "path");
      if (ns->path && cfg_check_abs (fp, ns->path, err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_time_offsets (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  if (cfg_member (lv, "linux", "timeOffsets", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *clock = v->u.object.keys[i];
      const struct json_value *o = v->u.object.values[i];
      struct oci_time_offset *off;
      uint64_t ns = 0;
      cfg_path (path, "linux.timeOffsets", clock);
      if (strcmp (clock, "monotonic") == 0)
        off = &l->time_monotonic;
      else if (strcmp (clock, "boottime") == 0)
        off = &l->time_boottime;
      else
        return tong_err_set (err, 0, "%s: unknown clock (want \"monotonic\" or \"boottime\")",
                             path);
      if (o->type == JSON_NULL)
        continue;
      if (o->type != JSON_OBJECT)
        return cfg_type_error (path, o, JSON_OBJECT, err);
      off->present = true;
      if (cfg_get_i64 (o, path, "secs", false, INT64_MIN, INT64_MAX, &off->secs, NULL, err) < 0
          || cfg_get_u64 (o, path, "nanosecs", false, 999999999, &ns, NULL, err) < 0)
        return -1;
      off->nanosecs = (uint32_t)ns;
    }
  return 0;
}

static int
parse_devices (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  const struct json_value *a;
  char ip[CFG_PATH_MAX], fp[CFG_PATH_MAX];
  if (cfg_member (lv, "linux", "devices", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (a == NULL)
    return 0;
  if ((l->devices = cfg_calloc (a->u.array.len, sizeof *l->devices, err)) == NULL)
    return -1;
  l->n_devices = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      const struct json_value *item = a->u.array.items[i];
      struct oci_device *d = &l->devices[i];
      cleanup_free char *type = NULL;
      uint64_t mode = 0;
      bool has_major, has_minor;
      cfg_path_index (ip, "linux.devices", i);
      if (item->type != JSON_OBJECT)
        return cfg_type_error (ip, item, JSON_OBJECT, err);
      if (cfg_get_str (item, ip, "type", true, &type, err) < 0)
        return -1;
      if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
        return tong_err_set (err, 0, "%s.type: unknown device type \"%s\" (want c, b, u or p)", ip,
                             type);
      d->type = type[0];
      if (cfg_get_str (item, ip, "path", true, &d->path, err) < 0)
        return -1;
      cfg_path (fp, ip, "path");
      if (cfg_check_abs (fp, d->path, err) < 0
          || cfg_get_i64 (item, ip, "major", false, 0, UINT32_MAX, &d->major, &has_major, err) < 0
          || cfg_get_i64 (item, ip, "minor", false, 0, UINT32_MAX, &d->minor, &has_minor, err) < 0
          || cfg_get_u64 (item, ip, "fileMode", false, 0177777, &mode, &d->has_file_mode, err) < 0
          || cfg_get_u32 (item, ip, "uid", false, &d->uid, &d->has_uid, err) < 0
          || cfg_get_u32 (item, ip, "gid", false, &d->gid, &d->has_gid, err) < 0)
        return -1;
      /* podman passes the device node's whole st_mode (020666 for a
         character device): its file type bits, when present, must agree
         with the type; only the permission bits are used.  */
      if ((mode & S_IFMT) != 0
          && (mode & S_IFMT) != (d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR))
        return tong_err_set (err, 0, "%s.fileMode: 0%llo is not a mode for a device of type %c", ip,
                             (unsigned long long)mode, d->type);
      d->file_mode = (uint32_t)(mode & 07777);
      if (d->type != 'p' && (!has_major || !has_minor))
        return tong_err_set (err, 0, "%s.%s: required for a device of type %c", ip,
                             has_major ? "minor" : "major", d->type);
    }
  return 0;
}

/* A field tong cannot apply: refused rather than silently ignored.  An
   empty object asks for nothing and passes.  */
static int
refuse_unsupported (const struct json_value *lv, const char *key, struct tong_err *err)
{
  const struct json_value *v = json_get (lv, key);
  if (v == NULL || v->type == JSON_NULL || (v->type == JSON_OBJECT && v->u.object.len == 0))
    return 0;
  return tong_err_set (err, 0, "linux.%s: not supported", key);
}

/* linux.resources: checked against the schema's types here, so a malformed
   document fails at parse time with its path; the cgroup module reads the
   tree.  */

enum rs_kind
{
  RS_STR,
  RS_BOOL,
  RS_I64,
  RS_U64,
  RS_U32,
  RS_U16,
  RS_PAGESIZE,
  RS_OBJ,
  RS_ARR_OBJ,
  RS_MAP_STR,
  RS_MAP_OBJ,
};

struct rs_field
{
  const char *key;
  enum rs_kind kind;
  bool required;
  const struct rs_field *sub; /* RS_OBJ, RS_ARR_OBJ, RS_MAP_OBJ.  */
};

static const struct rs_field rs_device[] = {
  { "allow", RS_BOOL, true }, { "type", RS_STR },   { "major", RS_I64 },
  { "minor", RS_I64 },        { "access", RS_STR }, { NULL },
};
static const struct rs_field rs_pids[] = { { "limit", RS_I64, true }, { NULL } };
static const struct rs_field rs_throttle[] = {
  { "major", RS_I64, true },
  { "minor", RS_I64, true },
  { "rate", RS_U64 },
  { NULL },
};
static const struct rs_field rs_weight_device[] = {
  { "major", RS_I64, true },
  { "minor", RS_I64, true },
  { "weight", RS_U16 },
  { "leafWeight", RS_U16 },
  { NULL },
};
static const struct rs_field rs_blkio[] = {
  { "weight", RS_U16 },
  { "leafWeight", RS_U16 },
  { "weightDevice", RS_ARR_OBJ, false, rs_weight_device },
  { "throttleReadBpsDevice", RS_ARR_OBJ, false, rs_throttle },
  { "throttleWriteBpsDevice", RS_ARR_OBJ, false, rs_throttle },
  { "throttleReadIOPSDevice", RS_ARR_OBJ, false, rs_throttle },
  { "throttleWriteIOPSDevice", RS_ARR_OBJ, false, rs_throttle },
  { NULL },
};
static const struct rs_field rs_cpu[] = {
  { "cpus", RS_STR },
  { "mems", RS_STR },
  { "period", RS_U64 },
  { "quota", RS_I64 },
  { "burst", RS_U64 },
  { "realtimePeriod", RS_U64 },
  { "realtimeRuntime", RS_I64 },
  { "shares", RS_U64 },
  { "idle", RS_I64 },
  { NULL },
};
static const struct rs_field rs_hugepage[] = {
  { "pageSize", RS_PAGESIZE, true },
  { "limit", RS_U64, true },
  { NULL },
};
static const struct rs_field rs_memory[] = {
  { "kernel", RS_I64 },
  { "kernelTCP", RS_I64 },
  { "limit", RS_I64 },
  { "reservation", RS_I64 },
  { "swap", RS_I64 },
  { "swappiness", RS_U64 },
  { "disableOOMKiller", RS_BOOL },
  { "useHierarchy", RS_BOOL },
  { "checkBeforeUpdate", RS_BOOL },
  { NULL },
};
static const struct rs_field rs_priority[] = {
  { "name", RS_STR, true },
  { "priority", RS_U32, true },
  { NULL },
};
static const struct rs_field rs_network[] = {
  { "classID", RS_U32 },
  { "priorities", RS_ARR_OBJ, false, rs_priority },
  { NULL },
};
static const struct rs_field rs_rdma[]
    = { { "hcaHandles", RS_U32 }, { "hcaObjects", RS_U32 }, { NULL } };
static const struct rs_field rs_resources[] = {
  { "unified", RS_MAP_STR },
  { "devices", RS_ARR_OBJ, false, rs_device },
  { "pids", RS_OBJ, false, rs_pids },
  { "blockIO", RS_OBJ, false, rs_blkio },
  { "cpu", RS_OBJ, false, rs_cpu },
  { "hugepageLimits", RS_ARR_OBJ, false, rs_hugepage },
  { "memory", RS_OBJ, false, rs_memory },
  { "network", RS_OBJ, false, rs_network },
  { "rdma", RS_MAP_OBJ, false, rs_rdma },
  { NULL },
};

static int rs_check_obj (const struct json_value *obj, const struct rs_field *fields,
                         const char *path, struct tong_err *err);

/* The schema's ^[1-9][0-9]*[KMG]B$.  */
static bool
valid_page_size (const char *s)
{
  if (*s < '1' || *s > '9')
    return false;
  while (*s >= '0' && *s <= '9')
    s++;
  return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}

static int
rs_check_value (const struct json_value *v, const struct rs_field *f, const char *path,
                struct tong_err *err)
{
  char ip[CFG_PATH_MAX];
  uint64_t u;
  int64_t i;
  switch (f->kind)
    {
    case RS_STR:
      return v->type == JSON_STRING ? 0 : cfg_type_error (path, v, JSON_STRING, err);
    case RS_BOOL:
      return v->type == JSON_BOOL ? 0 : cfg_type_error (path, v, JSON_BOOL, err);
    case RS_I64:
      return cfg_num_i64 (v, path, INT64_MIN, INT64_MAX, &i, err);
    case RS_U64:
      return cfg_num_u64 (v, path, UINT64_MAX, &u, err);
    case RS_U32:
      return cfg_num_u64 (v, path, UINT32_MAX, &u, err);
    case RS_U16:
      return cfg_num_u64 (v, path, UINT16_MAX, &u, err);
    case RS_PAGESIZE:
      if (v->type != JSON_STRING)
        return cfg_type_error (path, v, JSON_STRING, err);
      if (!valid_page_size (v->u.string))
        return tong_err_set (err, 0, "%s: invalid page size \"%s\" (want e.g. \"2MB\")", path,
                             v->u.string);
      return 0;
    case RS_OBJ:
      if (v->type != JSON_OBJECT)
        return cfg_type_error (path, v, JSON_OBJECT, err);
      return rs_check_obj (v, f->sub, path, err);
    case RS_ARR_OBJ:
      if (v->type != JSON_ARRAY)
        return cfg_type_error (path, v, JSON_ARRAY, err);
      for (size_t k = 0; k < v->u.array.len; k++)
        {
          const struct json_value *item = v->u.array.items[k];
          cfg_path_index (ip, path, k);
          if (item->type != JSON_OBJECT)
            return cfg_type_error (ip, item, JSON_OBJECT, err);
          if (rs_check_obj (item, f->sub, ip, err) < 0)
            return -1;
        }
      return 0;
    case RS_MAP_STR:
    case RS_MAP_OBJ:
      if (v->type != JSON_OBJECT)
        return cfg_type_error (path, v, JSON_OBJECT, err);
      for (size_t k = 0; k < v->u.object.len; k++)
        {
          const struct json_value *item = v->u.object.values[k];
          enum json_type want = f->kind == RS_MAP_STR ? JSON_STRING : JSON_OBJECT;
          cfg_path_mapkey (ip, path, v->u.object.keys[k]);
          if (item->type != want)
            return cfg_type_error (ip, item, want, err);
          if (f->kind == RS_MAP_OBJ && rs_check_obj (item, f->sub, ip, err) < 0)
            return -1;
        }
      return 0;
    }
  return 0;
}

static int
rs_check_obj (const struct json_value *obj, const struct rs_field *fields, const char *path,
              struct tong_err *err)
{
  char fp[CFG_PATH_MAX];
  for (const struct rs_field *f = fields; f->key; f++)
    {
      const struct json_value *v = json_get (obj, f->key);
      cfg_path (fp, path, f->key);
      if (v == NULL || v->type == JSON_NULL)
        {
          if (f->required)
            return tong_err_set (err, 0, "%s: required", fp);
          continue;
        }
      if (rs_check_value (v, f, fp, err) < 0)
        return -1;
    }
  return 0;
}

/* Seccomp.  */

static const struct
{
  const char *name;
  enum oci_seccomp_action action;
} seccomp_actions[] = {
  { "SCMP_ACT_KILL", OCI_SECCOMP_KILL },
  { "SCMP_ACT_KILL_PROCESS", OCI_SECCOMP_KILL_PROCESS },
  { "SCMP_ACT_KILL_THREAD", OCI_SECCOMP_KILL_THREAD },
  { "SCMP_ACT_TRAP", OCI_SECCOMP_TRAP },
  { "SCMP_ACT_ERRNO", OCI_SECCOMP_ERRNO },
  { "SCMP_ACT_TRACE", OCI_SECCOMP_TRACE },
  { "SCMP_ACT_ALLOW", OCI_SECCOMP_ALLOW },
  { "SCMP_ACT_LOG", OCI_SECCOMP_LOG },
  { "SCMP_ACT_NOTIFY", OCI_SECCOMP_NOTIFY },
};

static const struct
{
  const char *name;
  enum oci_seccomp_op op;
} seccomp_ops[] = {
  { "SCMP_CMP_NE", OCI_CMP_NE },
  { "SCMP_CMP_LT", OCI_CMP_LT },
  { "SCMP_CMP_LE", OCI_CMP_LE },
  { "SCMP_CMP_EQ", OCI_CMP_EQ },
  { "SCMP_CMP_GE", OCI_CMP_GE },
  { "SCMP_CMP_GT", OCI_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", OCI_CMP_MASKED_EQ },
};

/* The spec's lists; whether the host's libseccomp and kernel know an
   architecture or flag is the seccomp module's check.  */
static const char *const seccomp_spec_archs[] = {
  "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};
static const char *const seccomp_spec_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

static bool
in_list (const char *const *list, const char *s)
{
  for (; *list; list++)
    if (strcmp (*list, s) == 0)
      return true;
  return false;
}

/* OBJ.KEY as an action; ERRNO_KEY is its errno field, only meaningful for
   the actions that return one.  */
static int
parse_action (const struct json_value *obj, const char *parent, const char *key,
              const char *errno_key, enum oci_seccomp_action *action, bool *has_errno,
              uint32_t *errno_ret, struct tong_err *err)
{
  cleanup_free char *name = NULL;
  char fp[CFG_PATH_MAX];
  size_t i;
  if (cfg_get_str (obj, parent, key, true, &name, err) < 0)
    return -1;
  for (i = 0; i < sizeof seccomp_actions / sizeof seccomp_actions[0]; i++)
    if (strcmp (seccomp_actions[i].name, name) == 0)
      break;
  cfg_path (fp, parent, key);
  if (i == sizeof seccomp_actions / sizeof seccomp_actions[0])
    return tong_err_set (err, 0, "%s: unknown seccomp action \"%s\"", fp, name);
  *action = seccomp_actions[i].action;
  if (cfg_get_u32 (obj, parent, errno_key, false, errno_ret, has_errno, err) < 0)
    return -1;
  if (*has_errno && *action != OCI_SECCOMP_ERRNO && *action != OCI_SECCOMP_TRACE)
    {
      cfg_path (fp, parent, errno_key);
      return tong_err_set (err, 0, "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
                           fp, name);
    }
  return 0;
}

static int
parse_syscall_args (const struct json_value *sv, const char *sp, struct oci_seccomp_syscall *sc,
                    struct tong_err *err)
{
  const struct json_value *a;
  char path[CFG_PATH_MAX], ip[CFG_PATH_MAX], fp[CFG_PATH_MAX];
  if (cfg_member (sv, sp, "args", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (a == NULL)
    return 0;
  cfg_path (path, sp, "args");
  if ((sc->args = cfg_calloc (a->u.array.len, sizeof *sc->args, err)) == NULL)
    return -1;
  sc->n_args = a->u.array.len;
  for (size_t i = 0; i < a->u.array.len; i++)
    {
      const struct json_value *item = a->u.array.items[i];
      struct oci_seccomp_arg *arg = &sc->args[i];
      cleanup_free char *op = NULL;
      uint64_t index;
      size_t k;
      cfg_path_index (ip, path, i);
      if (item->type != JSON_OBJECT)
        return cfg_type_error (ip, item, JSON_OBJECT, err);
      /* A syscall has six arguments.  */
      if (cfg_get_u64 (item, ip, "index", true, 5, &index, NULL, err) < 0
          || cfg_get_u64 (item, ip, "value", true, UINT64_MAX, &arg->value, NULL, err) < 0
          || cfg_get_u64 (item, ip, "valueTwo", false, UINT64_MAX, &arg->value_two, NULL, err) < 0
          || cfg_get_str (item, ip, "op", true, &op, err) < 0)
        return -1;
      arg->index = (uint32_t)index;
      for (k = 0; k < sizeof seccomp_ops / sizeof seccomp_ops[0]; k++)
        if (strcmp (seccomp_ops[k].name, op) == 0)
          break;
      if (k == sizeof seccomp_ops / sizeof seccomp_ops[0])
        {
          cfg_path (fp, ip, "op");
          return tong_err_set (err, 0, "%s: unknown seccomp operator \"%s\"", fp, op);
        }
      arg->op = seccomp_ops[k].op;
    }
  return 0;
}

static int
parse_name_list (const struct json_value *obj, const char *parent, const char *key,
                 const char *const *known, const char *what, char ***out, size_t *n,
                 struct tong_err *err)
{
  char path[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  if (cfg_get_strv (obj, parent, key, out, n, err) < 0)
    return -1;
  cfg_path (path, parent, key);
  for (size_t i = 0; i < *n; i++)
    if (!in_list (known, (*out)[i]))
      {
        cfg_path_index (ip, path, i);
        return tong_err_set (err, 0, "%s: unknown seccomp %s \"%s\"", ip, what, (*out)[i]);
      }
  return 0;
}

static int
parse_seccomp (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  static const char sp[] = "linux.seccomp";
  const struct json_value *v, *a;
  char path[CFG_PATH_MAX], ip[CFG_PATH_MAX], np[CFG_PATH_MAX], notify_path[CFG_PATH_MAX];
  const char *notify_user = NULL;
  if (cfg_member (lv, "linux", "seccomp", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  struct oci_seccomp *s = l->seccomp = cfg_calloc (1, sizeof *s, err);
  if (s == NULL)
    return -1;
  if (parse_action (v, sp, "defaultAction", "defaultErrnoRet", &s->default_action,
                    &s->has_default_errno_ret, &s->default_errno_ret, err)
      < 0)
    return -1;
  /* Every syscall, the runtime's own included, would wait for an agent.  */
  if (s->default_action == OCI_SECCOMP_NOTIFY)
    return tong_err_set (err, 0, "%s.defaultAction: SCMP_ACT_NOTIFY cannot be the default action",
                         sp);
  if (parse_name_list (v, sp, "architectures", seccomp_spec_archs, "architecture",
                       &s->architectures, &s->n_architectures, err)
          < 0
      || parse_name_list (v, sp, "flags", seccomp_spec_flags, "flag", &s->flags, &s->n_flags, err)
             < 0
      || cfg_get_str (v, sp, "listenerPath", false, &s->listener_path, err) < 0
      || cfg_get_str (v, sp, "listenerMetadata", false, &s->listener_metadata, err) < 0)
    return -1;
  if (s->listener_path && s->listener_path[0] == '\0')
    {
      free (s->listener_path);
      s->listener_path = NULL;
    }
  if (s->listener_path && cfg_check_abs ("linux.seccomp.listenerPath", s->listener_path, err) < 0)
    return -1;
  if (s->listener_metadata && *s->listener_metadata && s->listener_path == NULL)
    return tong_err_set (err, 0, "%s.listenerMetadata: set without listenerPath", sp);
  if (cfg_member (v, sp, "syscalls", JSON_ARRAY, false, &a, err) < 0)
    return -1;
  if (a)
    {
      cfg_path (path, sp, "syscalls");
      if ((s->syscalls = cfg_calloc (a->u.array.len, sizeof *s->syscalls, err)) == NULL)
        return -1;
      s->n_syscalls = a->u.array.len;
    }
  for (size_t i = 0; a && i < a->u.array.len; i++)
    {
      const struct json_value *item = a->u.array.items[i];
      struct oci_seccomp_syscall *sc = &s->syscalls[i];
      const struct json_value *names;
      cfg_path_index (ip, path, i);
      if (item->type != JSON_OBJECT)
        return cfg_type_error (ip, item, JSON_OBJECT, err);
      if (cfg_member (item, ip, "names", JSON_ARRAY, true, &names, err) < 0)
        return -1;
      cfg_path (np, ip, "names");
      if (cfg_strv (names, np, &sc->names, &sc->n_names, err) < 0)
        return -1;
      if (sc->n_names == 0)
        return tong_err_set (err, 0, "%s.names: must not be empty", ip);
      if (parse_action (item, ip, "action", "errnoRet", &sc->action, &sc->has_errno_ret,
                        &sc->errno_ret, err)
              < 0
          || parse_syscall_args (item, ip, sc, err) < 0)
        return -1;
      if (sc->action == OCI_SECCOMP_NOTIFY && notify_user == NULL)
        {
          cfg_path (notify_path, ip, "action");
          notify_user = notify_path;
        }
    }
  if (notify_user && s->listener_path == NULL)
    return tong_err_set (err, 0, "%s.listenerPath: required by SCMP_ACT_NOTIFY in %s", sp,
                         notify_user);
  return 0;
}

/* The rest of linux.*.  */

static int
parse_sysctl (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  const struct json_value *v;
  char path[CFG_PATH_MAX];
  if (cfg_member (lv, "linux", "sysctl", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  if ((l->sysctl = cfg_calloc (v->u.object.len, sizeof *l->sysctl, err)) == NULL)
    return -1;
  l->n_sysctl = v->u.object.len;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const struct json_value *val = v->u.object.values[i];
      cfg_path_mapkey (path, "linux.sysctl", v->u.object.keys[i]);
      if (v->u.object.keys[i][0] == '\0')
        return tong_err_set (err, 0, "%s: empty key", path);
      if (val->type != JSON_STRING)
        return cfg_type_error (path, val, JSON_STRING, err);
      if (cfg_strdup (v->u.object.keys[i], &l->sysctl[i].key, err) < 0
          || cfg_strdup (val->u.string, &l->sysctl[i].value, err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_abs_paths (const struct json_value *lv, const char *key, char ***out, size_t *n,
                 struct tong_err *err)
{
  char path[CFG_PATH_MAX], ip[CFG_PATH_MAX];
  if (cfg_get_strv (lv, "linux", key, out, n, err) < 0)
    return -1;
  cfg_path (path, "linux", key);
  for (size_t i = 0; i < *n; i++)
    {
      cfg_path_index (ip, path, i);
      if (cfg_check_abs (ip, (*out)[i], err) < 0)
        return -1;
    }
  return 0;
}

static int
parse_propagation (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  /* runc also takes the r-prefixed spellings; both apply recursively.  */
  static const struct
  {
    const char *name;
    unsigned long flag;
  } props[] = {
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE },
    { "shared", MS_SHARED },         { "rshared", MS_SHARED },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE },
  };
  if (cfg_get_str (lv, "linux", "rootfsPropagation", false, &l->rootfs_propagation, err) < 0)
    return -1;
  if (l->rootfs_propagation == NULL)
    return 0;
  if (l->rootfs_propagation[0] == '\0')
    {
      free (l->rootfs_propagation);
      l->rootfs_propagation = NULL;
      return 0;
    }
  for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
    if (strcmp (props[i].name, l->rootfs_propagation) == 0)
      {
        l->rootfs_propagation_flags = props[i].flag | MS_REC;
        return 0;
      }
  return tong_err_set (err, 0,
                       "linux.rootfsPropagation: unknown propagation \"%s\" (want private, "
                       "shared, slave or unbindable)",
                       l->rootfs_propagation);
}

static int
parse_personality (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  static const char pp[] = "linux.personality";
  const struct json_value *v;
  cleanup_free char *domain = NULL;
  struct oci_personality *p = &l->personality;
  if (cfg_member (lv, "linux", "personality", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  p->present = true;
  if (cfg_get_str (v, pp, "domain", true, &domain, err) < 0)
    return -1;
  if (strcmp (domain, "LINUX") == 0)
    p->domain = PER_LINUX;
  else if (strcmp (domain, "LINUX32") == 0)
    p->domain = PER_LINUX32;
  else
    return tong_err_set (err, 0, "%s.domain: unknown domain \"%s\" (want LINUX or LINUX32)", pp,
                         domain);
  if (cfg_get_strv (v, pp, "flags", &p->flags, &p->n_flags, err) < 0)
    return -1;
  /* The spec defines no flag values yet.  */
  if (p->n_flags > 0)
    return tong_err_set (err, 0, "%s.flags[0]: unsupported personality flag \"%s\"", pp,
                         p->flags[0]);
  return 0;
}

struct mpol_name
{
  const char *name;
  int value;
};

static const struct mpol_name mpol_modes[] = {
  { "MPOL_DEFAULT", TONG_MPOL_DEFAULT },
  { "MPOL_PREFERRED", TONG_MPOL_PREFERRED },
  { "MPOL_BIND", TONG_MPOL_BIND },
  { "MPOL_INTERLEAVE", TONG_MPOL_INTERLEAVE },
  { "MPOL_LOCAL", TONG_MPOL_LOCAL },
  { "MPOL_PREFERRED_MANY", TONG_MPOL_PREFERRED_MANY },
  { "MPOL_WEIGHTED_INTERLEAVE", TONG_MPOL_WEIGHTED_INTERLEAVE },
};

static const struct mpol_name mpol_flags[] = {
  { "MPOL_F_NUMA_BALANCING", TONG_MPOL_F_NUMA_BALANCING },
  { "MPOL_F_RELATIVE_NODES", TONG_MPOL_F_RELATIVE_NODES },
  { "MPOL_F_STATIC_NODES", TONG_MPOL_F_STATIC_NODES },
};

static int
parse_memory_policy (struct oci_linux *l, const struct json_value *lv, struct tong_err *err)
{
  static const char mp_path[] = "linux.memoryPolicy";
  const struct json_value *v;
  cleanup_free char *mode = NULL;
  cleanup_strv char **flags = NULL;
  size_t n_flags = 0, i;
  char ip[CFG_PATH_MAX];
  struct oci_memory_policy *mp = &l->memory_policy;
  if (cfg_member (lv, "linux", "memoryPolicy", JSON_OBJECT, false, &v, err) < 0)
    return -1;
  if (v == NULL)
    return 0;
  mp->present = true;
  if (cfg_get_str (v, mp_path, "mode", true, &mode, err) < 0)
    return -1;
  for (i = 0; i < sizeof mpol_modes / sizeof mpol_modes[0]; i++)
    if (strcmp (mpol_modes[i].name, mode) == 0)
      break;
  if (i == sizeof mpol_modes / sizeof mpol_modes[0])
    return tong_err_set (err, 0, "%s.mode: unknown mode \"%s\"", mp_path, mode);
  mp->mode = mpol_modes[i].value;
  if (cfg_get_str (v, mp_path, "nodes", false, &mp->nodes, err) < 0
      || cfg_get_strv (v, mp_path, "flags", &flags, &n_flags, err) < 0)
    return -1;
  if (mp->nodes && mp->nodes[0] == '\0')
    {
      free (mp->nodes);
      mp->nodes = NULL;
    }
  if (mp->nodes && cfg_check_id_list ("linux.memoryPolicy.nodes", mp->nodes, err) < 0)
    return -1;
  for (size_t f = 0; f < n_flags; f++)
    {
      for (i = 0; i < sizeof mpol_flags / sizeof mpol_flags[0]; i++)
        if (strcmp (mpol_flags[i].name, flags[f]) == 0)
          break;
      snprintf (ip, sizeof ip, "%s.flags[%zu]", mp_path, f);
      if (i == sizeof mpol_flags / sizeof mpol_flags[0])
        return tong_err_set (err, 0, "%s: unknown flag \"%s\"", ip, flags[f]);
      mp->flags |= (unsigned)mpol_flags[i].value;
    }
  /* What set_mempolicy(2) would refuse, said with the field's name.  */
  bool no_nodes = mp->mode == TONG_MPOL_DEFAULT || mp->mode == TONG_MPOL_LOCAL;
  bool need_nodes = mp->mode == TONG_MPOL_BIND || mp->mode == TONG_MPOL_INTERLEAVE
                    || mp->mode == TONG_MPOL_WEIGHTED_INTERLEAVE
                    || mp->mode == TONG_MPOL_PREFERRED_MANY;
  if (no_nodes && mp->nodes)
    return tong_err_set (err, 0, "%s.nodes: must be empty with %s", mp_path, mode);
  if (need_nodes && mp->nodes == NULL)
    return tong_err_set (err, 0, "%s.nodes: required with %s", mp_path, mode);
  if ((mp->flags & TONG_MPOL_F_RELATIVE_NODES) && (mp->flags & TONG_MPOL_F_STATIC_NODES))
    return tong_err_set (err, 0,
                         "%s.flags: MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES exclude each "
                         "other",
                         mp_path);
  return 0;
}

int
oci_linux_parse (struct oci_config *c, const struct json_value *lv, struct tong_err *err)
{
  struct oci_linux *l = &c->linux_;
  const struct json_value *res;
  if (parse_namespaces (l, lv, err) < 0
      || cfg_id_mappings (lv, "linux", "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err) < 0
      || cfg_id_mappings (lv, "linux", "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err) < 0
      || parse_time_offsets (l, lv, err) < 0 || parse_devices (l, lv, err) < 0
      || refuse_unsupported (lv, "netDevices", err) < 0
      || refuse_unsupported (lv, "intelRdt", err) < 0
      || cfg_get_str (lv, "linux", "cgroupsPath", false, &l->cgroups_path, err) < 0
      || cfg_member (lv, "linux", "resources", JSON_OBJECT, false, &res, err) < 0
      || (res && rs_check_obj (res, rs_resources, "linux.resources", err) < 0)
      || parse_propagation (l, lv, err) < 0 || parse_seccomp (l, lv, err) < 0
      || parse_sysctl (l, lv, err) < 0
      || parse_abs_paths (lv, "maskedPaths", &l->masked_paths, &l->n_masked_paths, err) < 0
      || parse_abs_paths (lv, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths, err) < 0
      || cfg_get_str (lv, "linux", "mountLabel", false, &l->mount_label, err) < 0
      || parse_personality (l, lv, err) < 0 || parse_memory_policy (l, lv, err) < 0)
    return -1;
  /* The tree belongs to c->doc.  */
  l->resources = (struct json_value *)res;
  return 0;
}

/* Sysctls the kernel namespaces, and the namespace each needs: anything
   else would change the host (runc refuses the same).  */
static int
check_sysctl (const struct oci_config *c, const char *key, struct tong_err *err)
{
  static const char *const ipc_keys[]
      = { "kernel.msgmax", "kernel.msgmnb",          "kernel.msgmni", "kernel.sem", "kernel.shmall",
          "kernel.shmmax", "kernel.shm_rmid_forced", "kernel.shmmni", NULL };
  char k[CFG_PATH_MAX], path[CFG_PATH_MAX];
  enum oci_ns_type need;
  snprintf (k, sizeof k, "%s", key);
  for (char *p = k; *p; p++)
    if (*p == '/')
      *p = '.';
  cfg_path_mapkey (path, "linux.sysctl", key);
  if (in_list (ipc_keys, k) || strncmp (k, "fs.mqueue.", 10) == 0)
    need = OCI_NS_IPC;
  else if (strncmp (k, "net.", 4) == 0)
    need = OCI_NS_NETWORK;
  else if (strcmp (k, "kernel.hostname") == 0 || strcmp (k, "kernel.domainname") == 0)
    need = OCI_NS_UTS;
  else
    return tong_err_set (err, 0, "%s: not in a kernel namespace the container can own", path);
  if (oci_config_ns (c, need) == NULL)
    return tong_err_set (err, 0, "%s: needs a \"%s\" entry in linux.namespaces", path,
                         ns_names[need]);
  return 0;
}

/* Checks across fields, once everything is parsed.  */
int
oci_linux_check (const struct oci_config *c, struct tong_err *err)
{
  const struct oci_linux *l = &c->linux_;
  const struct oci_namespace *user = oci_config_ns (c, OCI_NS_USER);
  const struct oci_namespace *time = oci_config_ns (c, OCI_NS_TIME);
  if ((l->time_monotonic.present || l->time_boottime.present) && (time == NULL || time->path))
    return tong_err_set (err, 0,
                         "linux.timeOffsets: only for a new time namespace (a \"time\" entry "
                         "without path in linux.namespaces)");
  if ((l->n_uid_mappings || l->n_gid_mappings) && user == NULL)
    return tong_err_set (err, 0, "linux.%s: set without a \"user\" entry in linux.namespaces",
                         l->n_uid_mappings ? "uidMappings" : "gidMappings");
  if (user && user->path == NULL && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
    return tong_err_set (err, 0, "linux.%s: required to create a user namespace",
                         l->n_uid_mappings == 0 ? "uidMappings" : "gidMappings");
  for (size_t i = 0; i < l->n_sysctl; i++)
    if (check_sysctl (c, l->sysctl[i].key, err) < 0)
      return -1;
  /* Without a mount namespace of its own these would change the runtime's
     mounts, "/" included (runc refuses masks and read-only paths too).  */
  if (oci_config_ns (c, OCI_NS_MOUNT) == NULL)
    {
      const char *f = l->n_masked_paths                                 ? "linux.maskedPaths"
                      : l->n_readonly_paths                             ? "linux.readonlyPaths"
                      : l->rootfs_propagation && *l->rootfs_propagation ? "linux.rootfsPropagation"
                      : c->root_readonly                                ? "root.readonly"
                                                                        : NULL;
      if (f)
        return tong_err_set (err, 0, "%s: needs a \"mount\" entry in linux.namespaces", f);
    }
  return 0;
}

void
oci_linux_clear (struct oci_linux *l)
{
  for (size_t i = 0; i < l->n_namespaces; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (size_t i = 0; i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  free (l->cgroups_path);
  free (l->rootfs_propagation);
  if (l->seccomp)
    {
      struct oci_seccomp *s = l->seccomp;
      cfg_strv_free (s->architectures);
      cfg_strv_free (s->flags);
      free (s->listener_path);
      free (s->listener_metadata);
      for (size_t i = 0; i < s->n_syscalls; i++)
        {
          cfg_strv_free (s->syscalls[i].names);
          free (s->syscalls[i].args);
        }
      free (s->syscalls);
      free (s);
    }
  for (size_t i = 0; i < l->n_sysctl; i++)
    {
      free (l->sysctl[i].key);
      free (l->sysctl[i].value);
    }
  free (l->sysctl);
  cfg_strv_free (l->masked_paths);
  cfg_strv_free (l->readonly_paths);
  free (l->mount_label);
  cfg_strv_free (l->personality.flags);
  free (l->memory_policy.nodes);
  memset (l, 0, sizeof *l);
}
