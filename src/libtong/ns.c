#include "ns.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static bool
joins_userns (const struct oci_config *c)
{
  const struct oci_namespace *u = oci_config_ns (c, OCI_NS_USER);
  return u && u->path;
}

static int
new_ns_flags (const struct oci_config *c)
{
  int flags = 0;
  for (size_t i = 0; i < c->linux_.n_namespaces; i++)
    {
      const struct oci_namespace *ns = &c->linux_.namespaces[i];
      if (ns->path == NULL && ns->type != OCI_NS_TIME)
        flags |= oci_ns_clone_flag (ns->type);
    }
  return flags;
}

int
ns_clone_flags (const struct oci_config *c)
{
  /* New namespaces must be owned by a joined user namespace: the child
     makes them after joining it (ns_unshare_late).  */
  /* A new cgroup namespace is made later too: its root is the cgroup the
     process is in when it is made, and the parent moves it into the
     container's cgroup only after the clone.  */
  return joins_userns (c) ? 0 : new_ns_flags (c) & ~CLONE_NEWCGROUP;
}

char *ns_host_cgroup_view;

/* /proc/self/cgroup as the host sees it, kept before a new cgroup namespace
   hides it: the mounts may need the container's cgroup paths.  */
static void
keep_cgroup_view (void)
{
  struct tong_err ignore;
  free (ns_host_cgroup_view);
  ns_host_cgroup_view = NULL;
  if (read_file ("/proc/self/cgroup", &ns_host_cgroup_view, NULL, &ignore) < 0)
    ns_host_cgroup_view = NULL;
}

int
ns_unshare_late (const struct oci_config *c, bool *need_fork, struct tong_err *err)
{
  *need_fork = false;
  if (new_ns_flags (c) & CLONE_NEWCGROUP)
    keep_cgroup_view ();
  if (!joins_userns (c))
    {
      int cg = new_ns_flags (c) & CLONE_NEWCGROUP;
      if (cg && unshare (CLONE_NEWCGROUP) < 0)
        return tong_err_set (err, errno, "unshare the cgroup namespace");
      return 0;
    }
  int flags = new_ns_flags (c);
  if (flags == 0)
    return 0;
  if (unshare (flags) < 0)
    return tong_err_set (err, errno, "unshare the namespaces to create in the joined user namespace");
  /* A new pid namespace takes the next child, not us.  */
  *need_fork = (flags & CLONE_NEWPID) != 0;
  return 0;
}

bool
ns_has_userns (const struct oci_config *c)
{
  return oci_config_ns (c, OCI_NS_USER) != NULL;
}

void
ns_close_fds (int fds[OCI_NS_COUNT])
{
  for (int i = 0; i < OCI_NS_COUNT; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

static int
ns_type_of_flag (int flag)
{
  for (int t = 0; t < OCI_NS_COUNT; t++)
    if (oci_ns_clone_flag (t) == flag)
      return t;
  return -1;
}

int
ns_open_paths (const struct oci_config *c, int fds[OCI_NS_COUNT], struct tong_err *err)
{
  for (int i = 0; i < OCI_NS_COUNT; i++)
    fds[i] = -1;
  for (size_t i = 0; i < c->linux_.n_namespaces; i++)
    {
      const struct oci_namespace *ns = &c->linux_.namespaces[i];
      if (ns->path == NULL)
        continue;
      int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          tong_err_set (err, errno, "linux.namespaces[%zu].path: open `%s`", i, ns->path);
          ns_close_fds (fds);
          return -1;
        }
      fds[ns->type] = fd;
      int nstype = ioctl (fd, NS_GET_NSTYPE);
      if (nstype < 0)
        {
          tong_err_set (err, errno, "linux.namespaces[%zu].path: `%s` is not a namespace", i,
                        ns->path);
          ns_close_fds (fds);
          return -1;
        }
      if (nstype != oci_ns_clone_flag (ns->type))
        {
          int t = ns_type_of_flag (nstype);
          tong_err_set (err, 0, "linux.namespaces[%zu].path: `%s` is a %s namespace, not a %s namespace",
                        i, ns->path, t >= 0 ? oci_ns_type_name (t) : "different",
                        oci_ns_type_name (ns->type));
          ns_close_fds (fds);
          return -1;
        }
    }
  return 0;
}

static int
write_time_offsets (const struct oci_config *c, struct tong_err *err)
{
  char buf[128];
  int n = 0;
  if (c->linux_.time_monotonic.present)
    n += snprintf (buf + n, sizeof buf - n, "monotonic %lld %u\n",
                   (long long) c->linux_.time_monotonic.secs, c->linux_.time_monotonic.nanosecs);
  if (c->linux_.time_boottime.present)
    n += snprintf (buf + n, sizeof buf - n, "boottime %lld %u\n",
                   (long long) c->linux_.time_boottime.secs, c->linux_.time_boottime.nanosecs);
  if (n == 0)
    return 0;
  /* One line per write: the kernel parses a single offset per write on some versions.  */
  char *line = buf;
  while (*line)
    {
      char *nl = strchr (line, '\n');
      if (write_file_at (AT_FDCWD, "/proc/self/timens_offsets", line, nl - line + 1, err) < 0)
        return tong_err_wrap (err, "linux.timeOffsets");
      line = nl + 1;
    }
  return 0;
}

int
ns_parent_prepare (const struct oci_config *c, int fds[OCI_NS_COUNT], int saved[2],
                   struct tong_err *err)
{
  saved[0] = saved[1] = -1;
  const struct oci_namespace *time_ns = oci_config_ns (c, OCI_NS_TIME);
  if (fds[OCI_NS_PID] >= 0)
    {
      saved[0] = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      if (saved[0] < 0)
        return tong_err_set (err, errno, "open /proc/self/ns/pid");
      if (setns (fds[OCI_NS_PID], CLONE_NEWPID) < 0)
        return tong_err_set (err, errno, "join pid namespace");
    }
  if (time_ns)
    {
      saved[1] = open ("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
      if (saved[1] < 0)
        return tong_err_set (err, errno, "open /proc/self/ns/time");
      if (fds[OCI_NS_TIME] >= 0)
        {
          if (setns (fds[OCI_NS_TIME], CLONE_NEWTIME) < 0)
            return tong_err_set (err, errno, "join time namespace");
        }
      else
        {
          if (unshare (CLONE_NEWTIME) < 0)
            return tong_err_set (err, errno, "unshare time namespace");
          if (write_time_offsets (c, err) < 0)
            return -1;
        }
    }
  return 0;
}

int
ns_parent_restore (int saved[2], struct tong_err *err)
{
  int ret = 0;
  if (saved[0] >= 0)
    {
      if (setns (saved[0], CLONE_NEWPID) < 0)
        ret = tong_err_set (err, errno, "return to the host pid namespace");
      close (saved[0]);
      saved[0] = -1;
    }
  if (saved[1] >= 0)
    {
      if (setns (saved[1], CLONE_NEWTIME) < 0 && ret == 0)
        ret = tong_err_set (err, errno, "return to the host time namespace");
      close (saved[1]);
      saved[1] = -1;
    }
  return ret;
}

int
ns_join (int fds[OCI_NS_COUNT], struct tong_err *err)
{
  /* The user namespace first: the others may be owned by it.  */
  static const enum oci_ns_type order[]
      = { OCI_NS_USER, OCI_NS_MOUNT, OCI_NS_NETWORK, OCI_NS_IPC,
          OCI_NS_UTS,  OCI_NS_CGROUP };
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    {
      enum oci_ns_type t = order[i];
      if (fds[t] < 0)
        continue;
      if (setns (fds[t], oci_ns_clone_flag (t)) < 0)
        return tong_err_set (err, errno, "join %s namespace", oci_ns_type_name (t));
    }
  return 0;
}

static int
write_map (pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n,
           struct tong_err *err)
{
  if (n == 0)
    return 0;
  char buf[4096];
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    {
      int w = snprintf (buf + len, sizeof buf - len, "%u %u %u\n", m[i].container_id,
                        m[i].host_id, m[i].size);
      if (w < 0 || (size_t) w >= sizeof buf - len)
        return tong_err_set (err, E2BIG, "%s: too many mappings", file);
      len += w;
    }
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  return write_file_at (AT_FDCWD, path, buf, len, err);
}

int
ns_write_id_maps (pid_t pid, const struct oci_config *c, struct tong_err *err)
{
  if (write_map (pid, "uid_map", c->linux_.uid_mappings, c->linux_.n_uid_mappings, err) < 0)
    return tong_err_wrap (err, "linux.uidMappings");
  if (write_map (pid, "gid_map", c->linux_.gid_mappings, c->linux_.n_gid_mappings, err) < 0)
    return tong_err_wrap (err, "linux.gidMappings");
  return 0;
}

int
ns_loopback_up (struct tong_err *err)
{
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return tong_err_set (err, errno, "network namespace: socket");
  struct ifreq ifr = { 0 };
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    return tong_err_set (err, errno, "network namespace: get the flags of lo");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    return tong_err_set (err, errno, "network namespace: bring lo up");
  return 0;
}
