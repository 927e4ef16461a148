/* Mount option parsing and the in-rootfs path resolver (both with openat2
   and with the component walk that replaces it on old kernels).  No root.  */
#include "libtong/mounts.h"
#include "libtong/rootfs.h"
#include "cleanup.h"
#include "fileutil.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int
parse (struct oci_mount *m, const char *type, const char **opts, size_t n, struct tong_err *err)
{
  free (m->data);
  memset (m, 0, sizeof *m);
  m->destination = (char *)"/mnt";
  m->type = (char *)type;
  m->options = (char **)opts;
  m->n_options = n;
  return mount_parse_options (m, "mounts[0]", err);
}

#define PARSE(m, type, ...)                                                                        \
  ({                                                                                               \
    const char *_o[] = { __VA_ARGS__ };                                                            \
    parse (m, type, _o, sizeof _o / sizeof _o[0], &err);                                           \
  })

static void
test_options (void)
{
  struct tong_err err = { 0 };
  struct oci_mount m = { 0 };

  UNIT_CHECK (PARSE (&m, "tmpfs", "ro", "nosuid", "nodev", "noexec") == 0, "parse ro,nosuid", "%s",
              err.msg);
  UNIT_CHECK (m.flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), "ro,nosuid,nodev,noexec",
              "flags 0x%lx", m.flags);
  UNIT_CHECK (!m.is_bind && m.data == NULL && m.propagation == 0, "tmpfs, no data", "is_bind %d",
              m.is_bind);

  PARSE (&m, "tmpfs", "ro", "rw", "suid");
  UNIT_CHECK (m.flags == 0 && m.clear_flags == (MS_RDONLY | MS_NOSUID), "rw after ro clears it",
              "flags 0x%lx clear 0x%lx", m.flags, m.clear_flags);

  PARSE (&m, "none", "bind");
  UNIT_CHECK (m.is_bind && (m.flags & (MS_BIND | MS_REC)) == MS_BIND, "bind is not recursive",
              "flags 0x%lx", m.flags);
  PARSE (&m, "none", "rbind", "rw");
  UNIT_CHECK (m.is_bind && (m.flags & (MS_BIND | MS_REC)) == (MS_BIND | MS_REC), "rbind",
              "flags 0x%lx", m.flags);
  PARSE (&m, "bind", "ro");
  UNIT_CHECK (m.is_bind && (m.flags & MS_BIND), "type bind is a bind mount", "flags 0x%lx",
              m.flags);

  PARSE (&m, "none", "rbind", "rprivate");
  UNIT_CHECK (m.propagation == (MS_PRIVATE | MS_REC), "rprivate propagation", "0x%lx",
              m.propagation);
  UNIT_CHECK (!(m.flags & MS_PRIVATE), "propagation is not a mount flag", "flags 0x%lx", m.flags);
  PARSE (&m, "none", "rbind", "slave");
  UNIT_CHECK (m.propagation == MS_SLAVE, "slave propagation", "0x%lx", m.propagation);

  PARSE (&m, "none", "rbind", "rro", "rnosuid", "rdev");
  UNIT_CHECK (m.recursive_attrs, "rro is a recursive attribute", "not set");
  UNIT_CHECK (m.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID), "rro,rnosuid attr_set",
              "0x%llx", (unsigned long long)m.attr_set);
  UNIT_CHECK (m.attr_clr == MOUNT_ATTR_NODEV, "rdev attr_clr", "0x%llx",
              (unsigned long long)m.attr_clr);
  UNIT_CHECK (!(m.flags & MS_RDONLY), "rro does not set MS_RDONLY", "flags 0x%lx", m.flags);
  PARSE (&m, "none", "rbind", "rnoatime");
  UNIT_CHECK (m.attr_set == MOUNT_ATTR_NOATIME && (m.attr_clr & MOUNT_ATTR__ATIME),
              "rnoatime clears the atime field", "set 0x%llx clr 0x%llx",
              (unsigned long long)m.attr_set, (unsigned long long)m.attr_clr);

  PARSE (&m, "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
  UNIT_STREQ (m.data, "mode=755,size=65536k", "fs-specific data joined");
  UNIT_CHECK (m.flags == (MS_NOSUID | MS_STRICTATIME), "with flags", "0x%lx", m.flags);
  PARSE (&m, "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
  UNIT_STREQ (m.data, "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts data");

  PARSE (&m, "tmpfs", "", "nosuid", "");
  UNIT_CHECK (m.flags == MS_NOSUID && m.data == NULL, "empty options ignored", "data `%s`",
              m.data ? m.data : "");
  PARSE (&m, "tmpfs", "defaults");
  UNIT_CHECK (m.flags == 0 && m.data == NULL, "defaults is no data", "data `%s`",
              m.data ? m.data : "");

  PARSE (&m, "tmpfs", "tmpcopyup", "mode=1777");
  UNIT_CHECK (m.tmpcopyup, "tmpcopyup", "not set");
  UNIT_STREQ (m.data, "mode=1777", "tmpcopyup not passed to the kernel");
  UNIT_CHECK (PARSE (&m, "proc", "tmpcopyup") < 0 && strstr (err.msg, "mounts[0].options"),
              "tmpcopyup on proc refused", "%s", err.msg);

  PARSE (&m, "none", "rbind", "idmap");
  UNIT_CHECK (m.idmap && m.data == NULL, "idmap", "data `%s`", m.data ? m.data : "");
  UNIT_CHECK (PARSE (&m, "tmpfs", "idmap") < 0 && strstr (err.msg, "mounts[0].options"),
              "idmap on a tmpfs refused", "%s", err.msg);

  PARSE (&m, "none", "rbind", "nosymfollow", "lazytime", "iversion", "rnosymfollow");
  UNIT_CHECK (m.flags == (MS_BIND | MS_REC | MS_NOSYMFOLLOW | MS_LAZYTIME | MS_I_VERSION)
                  && m.attr_set == MOUNT_ATTR_NOSYMFOLLOW,
              "nosymfollow, lazytime, iversion", "flags 0x%lx", m.flags);

  size_t n = 0;
  const char *const *names = mount_known_options (&n);
  bool found_rro = false, found_tmpcopyup = false;
  for (size_t i = 0; i < n; i++)
    {
      found_rro |= strcmp (names[i], "rro") == 0;
      found_tmpcopyup |= strcmp (names[i], "tmpcopyup") == 0;
    }
  UNIT_CHECK (n > 50 && found_rro && found_tmpcopyup, "known options", "%zu names", n);
  free (m.data);
}

/* Build T/etc/real, T/escape -> /etc, T/up -> ../../.., T/rel -> etc/real,
   T/dangling -> /made/here, T/loop -> loop.  */
static int
make_tree (char *tmpl)
{
  if (mkdtemp (tmpl) == NULL)
    return -1;
  char p[PATH_MAX];
  snprintf (p, sizeof p, "%s/etc", tmpl);
  if (mkdir (p, 0755) < 0)
    return -1;
  snprintf (p, sizeof p, "%s/etc/real", tmpl);
  int fd = open (p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0 || write (fd, "in-root", 7) != 7)
    return -1;
  close (fd);
  const char *links[][2]
      = { { "/etc", "escape" },         { "../../..", "up" }, { "etc/real", "rel" },
          { "/made/here", "dangling" }, { "loop", "loop" },   { "/etc/real/", "slashfile" } };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    {
      snprintf (p, sizeof p, "%s/%s", tmpl, links[i][1]);
      if (symlink (links[i][0], p) < 0)
        return -1;
    }
  return 0;
}

static bool
reads (int fd, const char *want)
{
  char buf[64];
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  if (n < 0)
    return false;
  buf[n] = '\0';
  return strcmp (buf, want) == 0;
}

static void
test_resolver (const char *mode)
{
  struct tong_err err = { 0 };
  char tmpl[] = "/tmp/tong-test-rootfs-XXXXXX";
  char name[128];
  UNIT_CHECK (make_tree (tmpl) == 0, "make the tree", "%s", strerror (errno));
  cleanup_close int root = open (tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);

#define NAME(s) (snprintf (name, sizeof name, "%s: %s", mode, s), name)
  int fd = rootfs_open (root, "/escape/passwd", O_RDONLY, 0, &err);
  UNIT_CHECK (fd < 0 && err.errnum == ENOENT, NAME ("/escape/passwd stays in the root"),
              "fd %d, %s", fd, err.msg);
  if (fd >= 0)
    close (fd);

  fd = rootfs_open (root, "/up/etc/real", O_RDONLY, 0, &err);
  UNIT_CHECK (fd >= 0 && reads (fd, "in-root"), NAME ("/up/etc/real is T/etc/real"), "%s", err.msg);
  if (fd >= 0)
    close (fd);

  fd = rootfs_open (root, "../../../etc/real", O_RDONLY, 0, &err);
  UNIT_CHECK (fd >= 0 && reads (fd, "in-root"), NAME (".. stops at the root"), "%s", err.msg);
  if (fd >= 0)
    close (fd);

  fd = rootfs_open (root, "/rel", O_RDONLY, 0, &err);
  UNIT_CHECK (fd >= 0 && reads (fd, "in-root"), NAME ("relative symlink"), "%s", err.msg);
  if (fd >= 0)
    close (fd);

  fd = rootfs_open (root, "/rel", O_PATH | O_NOFOLLOW, 0, &err);
  struct stat st;
  UNIT_CHECK (fd >= 0 && fstat (fd, &st) == 0 && S_ISLNK (st.st_mode),
              NAME ("O_NOFOLLOW opens the link itself"), "%s", err.msg);
  if (fd >= 0)
    close (fd);

  fd = rootfs_open (root, "/escape", O_PATH | O_DIRECTORY, 0, &err);
  UNIT_CHECK (fd >= 0 && fstat (fd, &st) == 0 && S_ISDIR (st.st_mode), NAME ("/escape is T/etc"),
              "%s", err.msg);
  if (fd >= 0)
    {
      cleanup_close int real = openat (fd, "real", O_RDONLY | O_CLOEXEC);
      UNIT_CHECK (real >= 0 && reads (real, "in-root"), NAME ("T/etc via /escape"), "fd %d", real);
      close (fd);
    }

  fd = rootfs_open (root, "/", O_PATH | O_DIRECTORY, 0, &err);
  UNIT_CHECK (fd >= 0, NAME ("/ is the root"), "%s", err.msg);
  if (fd >= 0)
    close (fd);

  fd = rootfs_open (root, "/loop/x", O_RDONLY, 0, &err);
  UNIT_CHECK (fd < 0 && err.errnum == ELOOP, NAME ("symlink loop"), "%s", err.msg);
  fd = rootfs_open (root, "/etc/real/x", O_RDONLY, 0, &err);
  UNIT_CHECK (fd < 0 && err.errnum == ENOTDIR, NAME ("file as a directory"), "%s", err.msg);
  fd = rootfs_open (root, "/slashfile", O_RDONLY, 0, &err);
  UNIT_CHECK (fd < 0 && err.errnum == ENOTDIR, NAME ("trailing slash needs a directory"), "%s",
              err.msg);

  fd = rootfs_open (root, "/escape/created", O_CREAT | O_WRONLY | O_EXCL, 0600, &err);
  UNIT_CHECK (fd >= 0 && faccessat (root, "etc/created", F_OK, 0) == 0,
              NAME ("O_CREAT through a symlink creates inside"), "%s", err.msg);
  if (fd >= 0)
    close (fd);

  /* rootfs_ensure.  */
  fd = rootfs_ensure (root, "/a/b/c", true, &err);
  UNIT_CHECK (fd >= 0 && fstatat (root, "a/b/c", &st, AT_SYMLINK_NOFOLLOW) == 0
                  && S_ISDIR (st.st_mode) && (st.st_mode & 0777) == 0755,
              NAME ("ensure nested dirs"), "%s", err.msg);
  if (fd >= 0)
    close (fd);
  fd = rootfs_ensure (root, "/a/b/file", false, &err);
  UNIT_CHECK (fd >= 0 && fstatat (root, "a/b/file", &st, AT_SYMLINK_NOFOLLOW) == 0
                  && S_ISREG (st.st_mode) && st.st_size == 0,
              NAME ("ensure a file"), "%s", err.msg);
  if (fd >= 0)
    close (fd);
  fd = rootfs_ensure (root, "/a/b/file", false, &err);
  UNIT_CHECK (fd >= 0, NAME ("ensure an existing file"), "%s", err.msg);
  if (fd >= 0)
    close (fd);

  fd = rootfs_ensure (root, "/escape/tong-ensure-test/sub", true, &err);
  UNIT_CHECK (fd >= 0 && fstatat (root, "etc/tong-ensure-test/sub", &st, 0) == 0
                  && access ("/etc/tong-ensure-test", F_OK) < 0,
              NAME ("ensure through /escape stays inside"), "%s", err.msg);
  if (fd >= 0)
    close (fd);
  fd = rootfs_ensure (root, "/up/up/tmp/x", true, &err);
  UNIT_CHECK (fd >= 0 && fstatat (root, "tmp/x", &st, 0) == 0, NAME ("ensure through /up"), "%s",
              err.msg);
  if (fd >= 0)
    close (fd);
  fd = rootfs_ensure (root, "/dangling", false, &err);
  UNIT_CHECK (fd >= 0 && fstatat (root, "made/here", &st, 0) == 0 && S_ISREG (st.st_mode)
                  && access ("/made", F_OK) < 0,
              NAME ("ensure a dangling symlink creates its target inside"), "%s", err.msg);
  if (fd >= 0)
    close (fd);
  fd = rootfs_ensure (root, "/a/../a/./b//d/", true, &err);
  UNIT_CHECK (fd >= 0 && fstatat (root, "a/b/d", &st, 0) == 0, NAME ("ensure with . and .."), "%s",
              err.msg);
  if (fd >= 0)
    close (fd);
  fd = rootfs_ensure (root, "/etc/real/sub", true, &err);
  UNIT_CHECK (fd < 0 && err.errnum == ENOTDIR, NAME ("ensure under a file fails"), "%s", err.msg);
#undef NAME

  remove_tree_at (AT_FDCWD, tmpl, &err);
}

int
main (void)
{
  umask (022);
  test_options ();
  test_resolver ("openat2");
  rootfs_force_fallback (true);
  test_resolver ("walk");
  rootfs_force_fallback (false);
  return unit_done ();
}
