/* Capabilities: names, the running kernel's last capability, and applying
   the five sets with raw syscalls.  No libcap: loading it cost every tong
   command its relocations and the constructor's probe of the bounding set,
   for one name lookup that this table does.  */
#include "caps.h"
#include "cleanup.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's names (linux/capability.h); a capability newer than this
   table is unknown until it is added here.  */
static const char *const cap_names[] = {
  [CAP_CHOWN] = "CAP_CHOWN",
  [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
  [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
  [CAP_FOWNER] = "CAP_FOWNER",
  [CAP_FSETID] = "CAP_FSETID",
  [CAP_KILL] = "CAP_KILL",
  [CAP_SETGID] = "CAP_SETGID",
  [CAP_SETUID] = "CAP_SETUID",
  [CAP_SETPCAP] = "CAP_SETPCAP",
  [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
  [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
  [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
  [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
  [CAP_NET_RAW] = "CAP_NET_RAW",
  [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
  [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
  [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
  [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
  [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
  [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
  [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
  [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
  [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
  [CAP_SYS_NICE] = "CAP_SYS_NICE",
  [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
  [CAP_SYS_TIME] = "CAP_SYS_TIME",
  [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
  [CAP_MKNOD] = "CAP_MKNOD",
  [CAP_LEASE] = "CAP_LEASE",
  [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
  [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
  [CAP_SETFCAP] = "CAP_SETFCAP",
  [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
  [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
  [CAP_SYSLOG] = "CAP_SYSLOG",
  [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
  [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
  [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
  [38] = "CAP_PERFMON",
  [39] = "CAP_BPF",
  [40] = "CAP_CHECKPOINT_RESTORE",
};

#define N_CAP_NAMES ((int)(sizeof cap_names / sizeof cap_names[0]))
/* The sets are 64-bit masks (struct oci_capabilities).  */
#define MAX_CAP 63

int
caps_from_name (const char *name)
{
  if (name == NULL || strncasecmp (name, "CAP_", 4) != 0)
    return -1;
  for (int i = 0; i < N_CAP_NAMES; i++)
    if (cap_names[i] && strcasecmp (name, cap_names[i]) == 0)
      return i;
  return -1;
}

const char *
caps_name (int cap)
{
  if (cap < 0 || cap >= N_CAP_NAMES)
    return NULL;
  return cap_names[cap];
}

int
caps_last_cap (void)
{
  static int last = -1;
  if (last >= 0)
    return last;
  char buf[16];
  int fd = open ("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      ssize_t n = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (n > 0)
        {
          buf[n] = '\0';
          char *end;
          long v = strtol (buf, &end, 10);
          if (end != buf && v >= 0 && v <= MAX_CAP)
            last = (int)v;
        }
    }
  /* No /proc (e.g. after the root switch): PR_CAPBSET_READ fails with
     EINVAL past the last capability.  */
  if (last < 0)
    {
      int c = 0;
      while (c < MAX_CAP && prctl (PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
        c++;
      last = c;
    }
  return last;
}

static int
capget_v3 (struct __user_cap_data_struct data[2])
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  return syscall (SYS_capget, &h, data);
}

static int
capset_v3 (uint64_t eff, uint64_t perm, uint64_t inh)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2] = {
    { .effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh },
    { .effective = (uint32_t)(eff >> 32),
      .permitted = (uint32_t)(perm >> 32),
      .inheritable = (uint32_t)(inh >> 32) },
  };
  return syscall (SYS_capset, &h, d);
}

static void
cap_label (int cap, char *buf, size_t len)
{
  const char *n = caps_name (cap);
  if (n)
    snprintf (buf, len, "%s", n);
  else
    snprintf (buf, len, "capability %d", cap);
}

int
caps_apply (const struct oci_capabilities *caps, struct tong_err *err)
{
  int last = caps_last_cap ();
  uint64_t known = last >= MAX_CAP ? UINT64_MAX : (1ULL << (last + 1)) - 1;
  uint64_t all
      = caps->bounding | caps->effective | caps->inheritable | caps->permitted | caps->ambient;
  char label[40];
  /* As runc: what the kernel does not know cannot be granted; skip it.  */
  for (int c = last + 1; c <= MAX_CAP; c++)
    if (all & (1ULL << c))
      {
        cap_label (c, label, sizeof label);
        tong_debug ("%s is unknown to the running kernel, ignored", label);
      }

  /* After a uid switch with PR_SET_KEEPCAPS only the permitted set is
     left; dropping from the bounding set needs CAP_SETPCAP effective.  */
  struct __user_cap_data_struct cur[2];
  if (capget_v3 (cur) < 0)
    return tong_err_set (err, errno, "capabilities: capget");
  uint64_t cur_perm = cur[0].permitted | ((uint64_t)cur[1].permitted << 32);
  uint64_t cur_inh = cur[0].inheritable | ((uint64_t)cur[1].inheritable << 32);
  if (capset_v3 (cur_perm, cur_perm, cur_inh) < 0)
    return tong_err_set (err, errno, "capabilities: capset");

  for (int c = 0; c <= last; c++)
    {
      if (caps->bounding & (1ULL << c))
        continue;
      /* Dropping a capability the set lacks succeeds (with CAP_SETPCAP):
         read the set only when the drop fails, not once a capability.  */
      if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
        {
          int e = errno;
          if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 0)
            continue;
          cap_label (c, label, sizeof label);
          return tong_err_set (err, e, "process.capabilities.bounding: drop %s", label);
        }
    }

  if (capset_v3 (caps->effective & known, caps->permitted & known, caps->inheritable & known) < 0)
    return tong_err_set (err, errno,
                         "process.capabilities: capset effective=%#llx permitted=%#llx "
                         "inheritable=%#llx",
                         (unsigned long long)(caps->effective & known),
                         (unsigned long long)(caps->permitted & known),
                         (unsigned long long)(caps->inheritable & known));

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      /* A kernel without ambient capabilities (before 4.3).  */
      if (errno == EINVAL && (caps->ambient & known) == 0)
        return 0;
      return tong_err_set (err, errno, "process.capabilities.ambient: clear");
    }
  /* The kernel requires an ambient capability permitted and inheritable;
     the others are skipped with one warning naming them all (buildah asks
     for every capability ambient and none inheritable on each RUN).  */
  char skipped[1024] = "";
  size_t len = 0;
  for (int c = 0; c <= last; c++)
    {
      if (!(caps->ambient & (1ULL << c)))
        continue;
      cap_label (c, label, sizeof label);
      if (!(caps->permitted & caps->inheritable & (1ULL << c)))
        {
          int n = snprintf (skipped + len, sizeof skipped - len, "%s%s", len ? " " : "", label);
          if (n > 0 && (size_t)n < sizeof skipped - len)
            len += (size_t)n;
          continue;
        }
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
        return tong_err_set (err, errno, "process.capabilities.ambient: raise %s", label);
    }
  if (len > 0)
    tong_warn ("process.capabilities.ambient: not both permitted and inheritable, skipped: %s",
               skipped);
  return 0;
}
