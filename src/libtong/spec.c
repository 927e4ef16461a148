/* `tong spec`: the default config.json, the same as runc's (its
   specconv.Example and, for --rootless, ToRootless), with tong's hostname.  */
#include "tong.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"

struct spec_mount
{
  const char *destination, *type, *source;
  const char *options[8]; /* NULL-terminated.  */
  bool cgroup;            /* dropped for rootless.  */
  bool sys;               /* a bind of the host's /sys for rootless.  */
};

static const struct spec_mount default_mounts[] = {
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
static const struct spec_mount rootless_sys
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

static void
write_strv (struct json_writer *w, const char *key, const char *const *v)
{
  json_w_key (w, key);
  json_w_arr_begin (w);
  for (; *v; v++)
    json_w_str (w, *v);
  json_w_arr_end (w);
}

static void
write_process (struct json_writer *w)
{
  static const char *const args[] = { "sh", NULL };
  static const char *const env[]
      = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL };
  json_w_key (w, "process");
  json_w_obj_begin (w);
  json_w_key (w, "terminal");
  json_w_bool (w, true);
  json_w_key (w, "user");
  json_w_obj_begin (w);
  json_w_key (w, "uid");
  json_w_uint (w, 0);
  json_w_key (w, "gid");
  json_w_uint (w, 0);
  json_w_obj_end (w);
  write_strv (w, "args", args);
  write_strv (w, "env", env);
  json_w_key (w, "cwd");
  json_w_str (w, "/");
  json_w_key (w, "capabilities");
  json_w_obj_begin (w);
  write_strv (w, "bounding", default_caps);
  write_strv (w, "effective", default_caps);
  write_strv (w, "permitted", default_caps);
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
  json_w_obj_end (w);
}

static void
write_mount (struct json_writer *w, const struct spec_mount *m, bool rootless)
{
  json_w_obj_begin (w);
  json_w_key (w, "destination");
  json_w_str (w, m->destination);
  json_w_key (w, "type");
  json_w_str (w, m->type);
  json_w_key (w, "source");
  json_w_str (w, m->source);
  if (m->options[0])
    {
      json_w_key (w, "options");
      json_w_arr_begin (w);
      /* Without the host's group 5 mapped, devpts would refuse gid=5.  */
      for (const char *const *o = m->options; *o; o++)
        if (!rootless || (strncmp (*o, "gid=", 4) != 0 && strncmp (*o, "uid=", 4) != 0))
          json_w_str (w, *o);
      json_w_arr_end (w);
    }
  json_w_obj_end (w);
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

static void
write_linux (struct json_writer *w, bool rootless)
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
  write_strv (w, "maskedPaths", masked_paths);
  write_strv (w, "readonlyPaths", readonly_paths);
  json_w_obj_end (w);
}

int
tong_spec_default (bool rootless, char **json, struct tong_err *err)
{
  struct json_writer *w = json_writer_new (true);
  if (w == NULL)
    return tong_err_set (err, ENOMEM, "spec");
  json_w_obj_begin (w);
  json_w_key (w, "ociVersion");
  json_w_str (w, "1.3.0");
  write_process (w);
  json_w_key (w, "root");
  json_w_obj_begin (w);
  json_w_key (w, "path");
  json_w_str (w, "rootfs");
  json_w_key (w, "readonly");
  json_w_bool (w, true);
  json_w_obj_end (w);
  json_w_key (w, "hostname");
  json_w_str (w, "tong");
  json_w_key (w, "mounts");
  json_w_arr_begin (w);
  for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++)
    {
      const struct spec_mount *m = &default_mounts[i];
      if (rootless && m->cgroup)
        continue;
      write_mount (w, rootless && m->sys ? &rootless_sys : m, rootless);
    }
  json_w_arr_end (w);
  write_linux (w, rootless);
  json_w_obj_end (w);
  /* The callers add the final newline.  */
  *json = json_writer_finish (w);
  if (*json == NULL)
    return tong_err_set (err, ENOMEM, "spec");
  return 0;
}
