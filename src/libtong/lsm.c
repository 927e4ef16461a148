#include "lsm.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

#define SELINUX_MAGIC 0xf97cff8c

bool
lsm_apparmor_enabled (void)
{
  char buf[4] = "";
  cleanup_close int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read (fd, buf, 1) != 1)
    return false;
  return buf[0] == 'Y' && access ("/sys/kernel/security/apparmor", F_OK) == 0;
}

bool
lsm_selinux_enabled (void)
{
#ifdef HAVE_SELINUX
  return is_selinux_enabled () > 0;
#else
  struct statfs sfs;
  return statfs ("/sys/fs/selinux", &sfs) == 0 && (unsigned long) sfs.f_type == SELINUX_MAGIC;
#endif
}

static int
write_attr (const char *lsm_path, const char *fallback, const char *value, struct tong_err *err)
{
  const char *path = access (lsm_path, F_OK) == 0 ? lsm_path : fallback;
  if (write_file_at (AT_FDCWD, path, value, strlen (value), err) < 0)
    return -1;
  return 0;
}

int
lsm_set_exec_labels (const char *apparmor_profile, const char *selinux_label,
                     struct tong_err *err)
{
  if (apparmor_profile && *apparmor_profile)
    {
      if (!lsm_apparmor_enabled ())
        tong_debug ("process.apparmorProfile `%s` skipped: AppArmor is not enabled on this host",
                    apparmor_profile);
      else
        {
          char buf[4096];
          snprintf (buf, sizeof buf, "exec %s", apparmor_profile);
          if (write_attr ("/proc/self/attr/apparmor/exec", "/proc/self/attr/exec", buf, err) < 0)
            return tong_err_wrap (err, "process.apparmorProfile");
        }
    }
  if (selinux_label && *selinux_label)
    {
      if (!lsm_selinux_enabled ())
        tong_debug ("process.selinuxLabel `%s` skipped: SELinux is not enabled on this host",
                    selinux_label);
      else
        {
#ifdef HAVE_SELINUX
          if (setexeccon (selinux_label) < 0)
            return tong_err_set (err, errno, "process.selinuxLabel: setexeccon `%s`",
                                 selinux_label);
#else
          if (write_attr ("/proc/self/attr/selinux/exec", "/proc/self/attr/exec", selinux_label,
                          err)
              < 0)
            return tong_err_wrap (err, "process.selinuxLabel");
#endif
        }
    }
  return 0;
}
