/* `tong features`: the OCI features document (features.md,
   features-linux.md), built from the tables the parser and the modules use,
   so it cannot claim more than tong accepts.  */
#include "tong.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "caps.h"
#include "config.h"
#include "json.h"
#include "lsm.h"
#include "mounts.h"
#include "seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

static void
write_strv (struct json_writer *w, const char *key, const char *const *v)
{
  json_w_key (w, key);
  json_w_arr_begin (w);
  for (; v && *v; v++)
    json_w_str (w, *v);
  json_w_arr_end (w);
}

static void
write_enabled (struct json_writer *w, const char *key, bool enabled)
{
  json_w_key (w, key);
  json_w_obj_begin (w);
  json_w_key (w, "enabled");
  json_w_bool (w, enabled);
  json_w_obj_end (w);
}

/* Whether the kernel takes a seccomp filter flag: with a NULL program,
   seccomp(2) checks the flags first (EINVAL) and then fails to read the
   program (EFAULT), so the probe installs nothing.  */
static bool
seccomp_flag_supported (const char *name)
{
  static const struct
  {
    const char *name;
    unsigned long flag;
  } flags[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", 1UL << 0 },
    { "SECCOMP_FILTER_FLAG_LOG", 1UL << 1 },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1UL << 2 },
    /* Only valid together with NEW_LISTENER.  */
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", (1UL << 5) | SECCOMP_FILTER_FLAG_NEW_LISTENER },
  };
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (strcmp (flags[i].name, name) == 0)
      return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i].flag, NULL) < 0
             && errno == EFAULT;
  return false;
}

static void
write_seccomp (struct json_writer *w)
{
  json_w_key (w, "seccomp");
  json_w_obj_begin (w);
  json_w_key (w, "enabled");
  json_w_bool (w, true);
  write_strv (w, "actions", seccomp_known_actions);
  write_strv (w, "operators", seccomp_known_operators);
  write_strv (w, "archs", seccomp_known_archs ());
  write_strv (w, "knownFlags", seccomp_known_flags);
  json_w_key (w, "supportedFlags");
  json_w_arr_begin (w);
  for (const char *const *f = seccomp_known_flags; *f; f++)
    if (seccomp_flag_supported (*f))
      json_w_str (w, *f);
  json_w_arr_end (w);
  json_w_obj_end (w);
}

static void
write_linux (struct json_writer *w)
{
  static const char *const mpol_modes[]
      = { "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
          "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",      NULL };
  static const char *const mpol_flags[]
      = { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL };
  json_w_key (w, "linux");
  json_w_obj_begin (w);
  json_w_key (w, "namespaces");
  json_w_arr_begin (w);
  for (int t = 0; t < OCI_NS_COUNT; t++)
    json_w_str (w, oci_ns_type_name ((enum oci_ns_type)t));
  json_w_arr_end (w);
  /* Every name the parser accepts, including those this kernel lacks.  */
  json_w_key (w, "capabilities");
  json_w_arr_begin (w);
  for (int cap = 0; cap < 64; cap++)
    {
      const char *name = caps_name (cap);
      if (name)
        json_w_str (w, name);
    }
  json_w_arr_end (w);
  /* The cgroupfs drivers (v1 and hybrid, v2) and the systemd one (system
     manager only: no user manager for rootless).  */
  json_w_key (w, "cgroup");
  json_w_obj_begin (w);
  const struct
  {
    const char *key;
    bool on;
  } cgroup_keys[] = { { "v1", true },
                      { "v2", true },
                      { "systemd", true },
                      { "systemdUser", false },
                      { "rdma", true } };
  for (size_t i = 0; i < sizeof cgroup_keys / sizeof cgroup_keys[0]; i++)
    {
      json_w_key (w, cgroup_keys[i].key);
      json_w_bool (w, cgroup_keys[i].on);
    }
  json_w_obj_end (w);
  write_seccomp (w);
  write_enabled (w, "apparmor", lsm_apparmor_enabled ());
  write_enabled (w, "selinux", lsm_selinux_enabled ());
  write_enabled (w, "intelRdt", false);
  json_w_key (w, "memoryPolicy");
  json_w_obj_begin (w);
  write_strv (w, "modes", mpol_modes);
  write_strv (w, "flags", mpol_flags);
  json_w_obj_end (w);
  json_w_key (w, "mountExtensions");
  json_w_obj_begin (w);
  write_enabled (w, "idmap", true);
  json_w_obj_end (w);
  write_enabled (w, "netDevices", false);
  json_w_obj_end (w);
}

int
tong_features (char **json, struct tong_err *err)
{
  struct json_writer *w = json_writer_new (true);
  size_t n_opts = 0;
  if (w == NULL)
    return tong_err_set (err, ENOMEM, "features");
  json_w_obj_begin (w);
  json_w_key (w, "ociVersionMin");
  json_w_str (w, "1.0.0");
  json_w_key (w, "ociVersionMax");
  json_w_str (w, "1.3.0");
  json_w_key (w, "hooks");
  json_w_arr_begin (w);
  for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
    json_w_str (w, oci_hook_kind_name ((enum oci_hook_kind)k));
  json_w_arr_end (w);
  const char *const *opts = mount_known_options (&n_opts);
  json_w_key (w, "mountOptions");
  json_w_arr_begin (w);
  for (size_t i = 0; i < n_opts; i++)
    json_w_str (w, opts[i]);
  json_w_arr_end (w);
  write_linux (w);
  json_w_obj_end (w);
  /* The callers add the final newline.  */
  *json = json_writer_finish (w);
  if (*json == NULL)
    return tong_err_set (err, ENOMEM, "features");
  return 0;
}
