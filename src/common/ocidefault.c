#include "ocidefault.h"

#include <stddef.h>
#include <string.h>
#include <unistd.h>

struct def_mount
{
  const char *destination, *type, *source;
  const char *options[8]; /* NULL-terminated.  */
  bool cgroup;            /* dropped for rootless.  */
  bool sys;               /* a bind of the host's /sys for rootless.  */
};

static const struct def_mount default_mounts[] = {
  { "/proc", "proc", "proc", { NULL } },
  { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
  { "/dev/pts",
    "devpts",
    "devpts",
    { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
  { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
  { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
  { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL }, false, true },
  { "/sys/fs/cgroup",
    "cgroup",
    "cgroup",
    { "nosuid", "noexec", "nodev", "relatime", "ro", NULL },
    true },
};

/* A rootless container cannot mount sysfs (it does not own the network
   namespace) or the cgroup tree: /sys becomes a read-only bind of the host's.  */
static const struct def_mount rootless_sys
    = { "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL } };

static const char *const default_caps[]
    = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static const char *const masked_paths[] = {
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/proc/scsi",
  "/sys/devices/virtual/tpm",
  NULL,
};

static const char *const readonly_paths[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

void
ocidef_write_strv (struct json_writer *w, const char *key, const char *const *v)
{
  json_w_key (w, key);
  json_w_arr_begin (w);
  for (; *v; v++)
    json_w_str (w, *v);
  json_w_arr_end (w);
}

void
ocidef_write_process_defaults (struct json_writer *w)
{
  json_w_key (w, "capabilities");
  json_w_obj_begin (w);
  ocidef_write_strv (w, "bounding", default_caps);
  ocidef_write_strv (w, "effective", default_caps);
  ocidef_write_strv (w, "permitted", default_caps);
  json_w_obj_end (w);
  json_w_key (w, "rlimits");
  json_w_arr_begin (w);
  json_w_obj_begin (w);
  json_w_key (w, "type");
  json_w_str (w, "RLIMIT_NOFILE");
  json_w_key (w, "hard");
  json_w_uint (w, 1024);
  json_w_key (w, "soft");
  json_w_uint (w, 1024);
  json_w_obj_end (w);
  json_w_arr_end (w);
  json_w_key (w, "noNewPrivileges");
  json_w_bool (w, true);
}

void
ocidef_write_root_hostname (struct json_writer *w)
{
  json_w_key (w, "root");
  json_w_obj_begin (w);
  json_w_key (w, "path");
  json_w_str (w, "rootfs");
  json_w_key (w, "readonly");
  json_w_bool (w, true);
  json_w_obj_end (w);
  json_w_key (w, "hostname");
  json_w_str (w, "tong");
}

/* Without the host's group 5 mapped, devpts would refuse gid=5: ROOTLESS
   drops the uid= and gid= options.  */
static void
write_mount_opts (struct json_writer *w, const char *destination, const char *type,
                  const char *source, const char *const *options, bool rootless)
{
  json_w_obj_begin (w);
  json_w_key (w, "destination");
  json_w_str (w, destination);
  json_w_key (w, "type");
  json_w_str (w, type);
  json_w_key (w, "source");
  json_w_str (w, source);
  if (options && options[0])
    {
      json_w_key (w, "options");
      json_w_arr_begin (w);
      for (const char *const *o = options; *o; o++)
        if (!rootless || (strncmp (*o, "gid=", 4) != 0 && strncmp (*o, "uid=", 4) != 0))
          json_w_str (w, *o);
      json_w_arr_end (w);
    }
  json_w_obj_end (w);
}

void
ocidef_write_mount (struct json_writer *w, const char *destination, const char *type,
                    const char *source, const char *const *options)
{
  write_mount_opts (w, destination, type, source, options, false);
}

void
ocidef_write_mounts (struct json_writer *w, bool rootless)
{
  for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++)
    {
      const struct def_mount *m = &default_mounts[i];
      if (rootless && m->cgroup)
        continue;
      if (rootless && m->sys)
        m = &rootless_sys;
      write_mount_opts (w, m->destination, m->type, m->source, m->options, rootless);
    }
}

static void
write_id_map (struct json_writer *w, const char *key, unsigned long host_id)
{
  json_w_key (w, key);
  json_w_arr_begin (w);
  json_w_obj_begin (w);
  json_w_key (w, "containerID");
  json_w_uint (w, 0);
  json_w_key (w, "hostID");
  json_w_uint (w, host_id);
  json_w_key (w, "size");
  json_w_uint (w, 1);
  json_w_obj_end (w);
  json_w_arr_end (w);
}

void
ocidef_write_linux (struct json_writer *w, bool rootless)
{
  static const char *const namespaces[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
  json_w_key (w, "linux");
  json_w_obj_begin (w);
  if (rootless)
    {
      write_id_map (w, "uidMappings", (unsigned long)geteuid ());
      write_id_map (w, "gidMappings", (unsigned long)getegid ());
    }
  /* No device but the defaults, as runc writes it; a rootless container
     gets no cgroup settings (nobody could apply them).  */
  if (!rootless)
    {
      json_w_key (w, "resources");
      json_w_obj_begin (w);
      json_w_key (w, "devices");
      json_w_arr_begin (w);
      json_w_obj_begin (w);
      json_w_key (w, "allow");
      json_w_bool (w, false);
      json_w_key (w, "access");
      json_w_str (w, "rwm");
      json_w_obj_end (w);
      json_w_arr_end (w);
      json_w_obj_end (w);
    }
  json_w_key (w, "namespaces");
  json_w_arr_begin (w);
  for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
    {
      /* Rootless: no network namespace (nothing could configure it).  */
      if (rootless && strcmp (namespaces[i], "network") == 0)
        continue;
      json_w_obj_begin (w);
      json_w_key (w, "type");
      json_w_str (w, namespaces[i]);
      json_w_obj_end (w);
    }
  if (rootless)
    {
      json_w_obj_begin (w);
      json_w_key (w, "type");
      json_w_str (w, "user");
      json_w_obj_end (w);
    }
  json_w_arr_end (w);
  ocidef_write_strv (w, "maskedPaths", masked_paths);
  ocidef_write_strv (w, "readonlyPaths", readonly_paths);
  json_w_obj_end (w);
}
