/* Applying one layer.  The parent decompresses (gzip, zstd or none, found
   by content), hashes both streams (digest and DiffID) and feeds the tar
   to a child through a pipe; the child has chrooted into the rootfs, so no
   entry, symlink or hard link can reach outside it, and it follows
   symlinks a lower layer made (lib -> usr/lib) as a kernel would.
   Whiteouts (layer.md) hide lower layers only: paths this layer wrote are
   remembered and kept, whatever the order of the entries.  */
#include "image.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cleanup.h"
#include "digest.h"
#include "fileutil.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* ---- the child: a set of the paths this layer wrote ------------------------ */

struct pathset
{
  char **slots;
  size_t cap, len;
};

static size_t
hash_str (const char *s)
{
  size_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static bool
set_has (const struct pathset *s, const char *p)
{
  if (s->cap == 0)
    return false;
  for (size_t i = hash_str (p) & (s->cap - 1);; i = (i + 1) & (s->cap - 1))
    {
      if (s->slots[i] == NULL)
        return false;
      if (strcmp (s->slots[i], p) == 0)
        return true;
    }
}

static int
set_add1 (struct pathset *s, const char *p)
{
  if (set_has (s, p))
    return 0;
  if ((s->len + 1) * 2 > s->cap)
    {
      size_t ncap = s->cap ? s->cap * 2 : 1024;
      char **ns = calloc (ncap, sizeof (char *));
      if (ns == NULL)
        return -1;
      for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
          {
            size_t j = hash_str (s->slots[i]) & (ncap - 1);
            while (ns[j])
              j = (j + 1) & (ncap - 1);
            ns[j] = s->slots[i];
          }
      free (s->slots);
      s->slots = ns;
      s->cap = ncap;
    }
  size_t i = hash_str (p) & (s->cap - 1);
  while (s->slots[i])
    i = (i + 1) & (s->cap - 1);
  if ((s->slots[i] = strdup (p)) == NULL)
    return -1;
  s->len++;
  return 0;
}

/* P and each of its parents: an entry's implicit directories are this layer's too.  */
static int
set_add (struct pathset *s, const char *p)
{
  char buf[PATH_MAX];
  snprintf (buf, sizeof buf, "%s", p);
  for (;;)
    {
      if (set_add1 (s, buf) < 0)
        return -1;
      char *slash = strrchr (buf, '/');
      if (slash == NULL)
        return 0;
      *slash = '\0';
    }
}

/* "./a//b/" -> "a/b"; -1 for a ".." component.  "" is the root.  */
static int
normalize (const char *in, char *out, size_t len)
{
  size_t o = 0;
  const char *p = in;
  while (*p)
    {
      while (*p == '/')
        p++;
      const char *c = p;
      while (*p && *p != '/')
        p++;
      size_t n = p - c;
      if (n == 0 || (n == 1 && c[0] == '.'))
        continue;
      if (n == 2 && c[0] == '.' && c[1] == '.')
        return -1;
      if (o + n + 2 > len)
        return -1;
      if (o)
        out[o++] = '/';
      memcpy (out + o, c, n);
      o += n;
    }
  out[o] = '\0';
  return 0;
}

static void
child_fail (int errfd, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  write_all_fd (errfd, msg, strlen (msg));
  _exit (1);
}

/* Remove what DIR holds from lower layers: everything this layer did not write.  */
static int
opaque (const struct pathset *set, const char *dir, int errfd)
{
  /* Not through a symlink: the layer's directory replaces it.  */
  int fd = open (*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? 0 : -1;
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return -1;
    }
  struct dirent *e;
  int rc = 0;
  while ((e = readdir (d)))
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      char path[PATH_MAX];
      snprintf (path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", e->d_name);
      struct stat st;
      if (set_has (set, path))
        {
          if (fstatat (fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode)
              && opaque (set, path, errfd) < 0)
            rc = -1;
          continue;
        }
      struct tong_err err;
      if (remove_tree_at (fd, e->d_name, &err) < 0)
        child_fail (errfd, "opaque whiteout of /%s: %s", dir, err.msg);
    }
  closedir (d);
  return rc;
}

static void
whiteout (const struct pathset *set, const char *path, int errfd)
{
  char dir[PATH_MAX];
  const char *base = strrchr (path, '/');
  if (base)
    {
      snprintf (dir, sizeof dir, "%.*s", (int)(base - path), path);
      base++;
    }
  else
    {
      dir[0] = '\0';
      base = path;
    }
  if (strcmp (base, WH_OPAQUE) == 0)
    {
      if (opaque (set, dir, errfd) < 0)
        child_fail (errfd, "opaque whiteout of /%s: %s", dir, strerror (errno));
      return;
    }
  /* .wh..wh.* other than the opaque marker are aufs bookkeeping: ignored.  */
  if (strncmp (base, WH_PREFIX WH_PREFIX, 8) == 0)
    return;
  char target[PATH_MAX];
  snprintf (target, sizeof target, "%s%s%s", dir, *dir ? "/" : "", base + 4);
  if (base[4] == '\0' || set_has (set, target))
    return;
  cleanup_close int dfd = open (*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return;
      child_fail (errfd, "whiteout /%s: %s", target, strerror (errno));
    }
  struct tong_err err;
  if (remove_tree_at (dfd, base + 4, &err) < 0)
    child_fail (errfd, "whiteout /%s: %s", target, err.msg);
}

static void __attribute__ ((noreturn)) child_extract (int rootfs_fd, int datafd, int errfd)
{
  if (fchdir (rootfs_fd) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    child_fail (errfd, "chroot into the rootfs: %s", strerror (errno));
  /* No descriptor from outside (the store, the rootfs) stays open in here.  */
  for (int fd = 3; fd < 1024; fd++)
    if (fd != datafd && fd != errfd)
      close (fd);
  umask (0);
  struct archive *a = archive_read_new ();
  struct archive *w = archive_write_disk_new ();
  struct pathset set = { 0 };
  archive_read_support_format_tar (a);
  archive_read_support_format_gnutar (a);
  if (archive_read_open_fd (a, datafd, 65536) != ARCHIVE_OK)
    child_fail (errfd, "read the layer: %s", archive_error_string (a));
  /* No SECURE_SYMLINKS: inside the chroot a symlink cannot lead out, and
     following them is what a layer on top of `lib -> usr/lib` needs.  */
  archive_write_disk_set_options (
      w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR
             | ARCHIVE_EXTRACT_FFLAGS | ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  struct archive_entry *e;
  int r;
  while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    {
      char path[PATH_MAX];
      const char *raw = archive_entry_pathname (e);
      if (raw == NULL || normalize (raw, path, sizeof path) < 0)
        child_fail (errfd, "layer entry `%s`: a path with `..` is refused", raw ? raw : "");
      const char *base = strrchr (path, '/');
      base = base ? base + 1 : path;
      if (strncmp (base, WH_PREFIX, 4) == 0)
        {
          whiteout (&set, path, errfd);
          continue;
        }
      if (path[0] == '\0')
        {
          /* The root itself: only its metadata.  */
          archive_entry_set_pathname (e, ".");
        }
      else
        {
          if (set_add (&set, path) < 0)
            child_fail (errfd, "out of memory");
          archive_entry_set_pathname (e, path);
        }
      const char *hl = archive_entry_hardlink (e);
      if (hl)
        {
          char target[PATH_MAX];
          if (normalize (hl, target, sizeof target) < 0 || target[0] == '\0')
            child_fail (errfd, "layer entry `%s`: hard link to `%s` is refused", path, hl);
          archive_entry_set_hardlink (e, target);
        }
      r = archive_write_header (w, e);
      if (r < ARCHIVE_WARN)
        child_fail (errfd, "extract /%s: %s", path, archive_error_string (w));
      if (r == ARCHIVE_OK && archive_entry_size (e) > 0)
        {
          const void *buf;
          size_t size;
          la_int64_t off;
          int rr;
          while ((rr = archive_read_data_block (a, &buf, &size, &off)) == ARCHIVE_OK)
            if (archive_write_data_block (w, buf, size, off) < ARCHIVE_WARN)
              child_fail (errfd, "extract /%s: %s", path, archive_error_string (w));
          if (rr != ARCHIVE_EOF)
            child_fail (errfd, "read /%s from the layer: %s", path, archive_error_string (a));
        }
      if (archive_write_finish_entry (w) < ARCHIVE_WARN)
        child_fail (errfd, "extract /%s: %s", path, archive_error_string (w));
    }
  if (r != ARCHIVE_EOF)
    child_fail (errfd, "read the layer: %s", archive_error_string (a));
  /* Directory times and modes are set here, after their contents.  */
  if (archive_write_close (w) < ARCHIVE_WARN)
    child_fail (errfd, "extract: %s", archive_error_string (w));
  /* The tar's trailing padding: read it so the parent's writes never fail.  */
  char sink[65536];
  while (read (datafd, sink, sizeof sink) > 0)
    ;
  _exit (0);
}

/* ---- the parent: decompress, hash, feed ------------------------------------ */

struct reader
{
  int fd;
  struct sha256 sha;
  char buf[65536];
};

static la_ssize_t
read_cb (struct archive *a, void *data, const void **out)
{
  struct reader *r = data;
  for (;;)
    {
      ssize_t n = read (r->fd, r->buf, sizeof r->buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          archive_set_error (a, errno, "read the layer blob");
          return -1;
        }
      sha256_update (&r->sha, r->buf, n);
      *out = r->buf;
      return n;
    }
}

int
layer_apply (int rootfs_fd, int layer_fd, const char *digest, const char *diff_id,
             struct tong_err *err)
{
  int data[2], errp[2];
  if (pipe2 (data, O_CLOEXEC) < 0)
    return tong_err_set (err, errno, "pipe");
  if (pipe2 (errp, O_CLOEXEC) < 0)
    {
      close (data[0]);
      close (data[1]);
      return tong_err_set (err, errno, "pipe");
    }
  fflush (stdout);
  cleanup_pid pid_t pid = fork ();
  if (pid < 0)
    {
      int e = errno;
      close (data[0]), close (data[1]), close (errp[0]), close (errp[1]);
      return tong_err_set (err, e, "fork");
    }
  if (pid == 0)
    {
      close (data[1]);
      close (errp[0]);
      child_extract (rootfs_fd, data[0], errp[1]);
    }
  close (data[0]);
  close (errp[1]);
  cleanup_close int out = data[1];
  cleanup_close int errfd = errp[0];

  struct reader *rd = calloc (1, sizeof *rd);
  struct sha256 diff;
  if (rd == NULL)
    return tong_err_set (err, ENOMEM, "layer");
  rd->fd = layer_fd;
  if (sha256_init (&rd->sha, err) < 0 || sha256_init (&diff, err) < 0)
    {
      free (rd);
      return -1;
    }
  struct archive *a = archive_read_new ();
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_format_raw (a);
  struct archive_entry *e;
  int rc = 0;
  bool pipe_broke = false;
  if (archive_read_open (a, rd, NULL, read_cb, NULL) != ARCHIVE_OK
      || archive_read_next_header (a, &e) != ARCHIVE_OK)
    rc = tong_err_set (err, 0, "layer %s: %s", digest, archive_error_string (a));
  while (rc == 0)
    {
      char buf[65536];
      la_ssize_t n = archive_read_data (a, buf, sizeof buf);
      if (n < 0)
        {
          rc = tong_err_set (err, 0, "layer %s: decompress: %s", digest, archive_error_string (a));
          break;
        }
      if (n == 0)
        break;
      sha256_update (&diff, buf, n);
      if (!pipe_broke && write_all_fd (out, buf, n) < 0)
        pipe_broke = true; /* the child stopped: its message says why.  */
    }
  archive_read_free (a);
  /* What the decompressor did not need still counts for the blob's digest.  */
  char tail[65536];
  ssize_t n;
  while (rc == 0 && (n = read (layer_fd, tail, sizeof tail)) > 0)
    sha256_update (&rd->sha, tail, n);
  char got_digest[DIGEST_STR_LEN], got_diff[DIGEST_STR_LEN];
  sha256_final (&rd->sha, got_digest);
  sha256_final (&diff, got_diff);
  free (rd);
  close (steal_fd (&out));

  char msg[1024];
  size_t mlen = 0;
  while (mlen + 1 < sizeof msg && (n = read (errfd, msg + mlen, sizeof msg - 1 - mlen)) > 0)
    mlen += n;
  msg[mlen] = '\0';
  int status = 0;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  pid = 0;
  if (rc < 0)
    return -1;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return tong_err_set (
        err, 0, "layer %s: %s", digest,
        mlen ? msg : (pipe_broke ? "the extracting child stopped" : "extraction failed"));
  if (digest && strcmp (got_digest, digest) != 0)
    return tong_err_set (err, 0, "layer %s: digest mismatch: the blob's digest is %s", digest,
                         got_digest);
  if (diff_id && strcmp (got_diff, diff_id) != 0)
    return tong_err_set (err, 0, "layer %s: DiffID mismatch: want %s, got %s", digest, diff_id,
                         got_diff);
  return 0;
}
