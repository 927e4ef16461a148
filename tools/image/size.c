/* The unpacked size of an image, as `docker images` shows it: the sum of
   its layers' uncompressed sizes (the tar streams) plus the config.  The
   registry only tells the compressed sizes, so each layer is decompressed
   once and its size kept in STORE_SIZES_DIR/<hex>, next to the OCI layout
   (skopeo and umoci ignore the directory).  */
#include "image.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cleanup.h"
#include "fileutil.h"

static int
size_cached (struct store *s, const char *digest, uint64_t *out)
{
  char path[128];
  cleanup_free char *text = NULL;
  size_t len;
  if (s->dirfd < 0 || strncmp (digest, "sha256:", 7) != 0)
    return -1;
  snprintf (path, sizeof path, "%s/%s", STORE_SIZES_DIR, digest + 7);
  if (read_file_at (s->dirfd, path, &text, &len, NULL) < 0)
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull (text, &end, 10);
  if (errno || end == text || (*end && *end != '\n'))
    return -1;
  *out = v;
  return 0;
}

/* Kept by readers too (images, inspect under the shared lock): the file is
   replaced atomically and two processes can only write the same number; a
   writer removing the blob holds the lock exclusively.  Failing to keep it
   (a read-only store) only costs decompressing again next time.  */
static void
size_keep (struct store *s, const char *digest, uint64_t v)
{
  if (s->dirfd < 0)
    return;
  if (mkdirat (s->dirfd, STORE_SIZES_DIR, 0755) < 0 && errno != EEXIST)
    return;
  cleanup_close int dfd = openat (s->dirfd, STORE_SIZES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char text[32];
  int n = snprintf (text, sizeof text, "%llu\n", (unsigned long long)v);
  struct tong_err ignored;
  if (dfd >= 0)
    write_file_atomic_at (dfd, digest + 7, text, n, 0644, &ignored);
}

int
layer_unpacked_size (struct store *s, const char *digest, uint64_t *out, struct tong_err *err)
{
  if (size_cached (s, digest, out) == 0)
    return 0;
  cleanup_close int fd = store_blob_open (s, digest, err);
  if (fd < 0)
    return -1;
  struct archive *a = archive_read_new ();
  if (a == NULL)
    return tong_err_set (err, ENOMEM, "layer %s", digest);
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_format_raw (a);
  struct archive_entry *e;
  uint64_t total = 0;
  int rc = 0;
  if (archive_read_open_fd (a, fd, 65536) != ARCHIVE_OK
      || archive_read_next_header (a, &e) != ARCHIVE_OK)
    rc = tong_err_set (err, 0, "layer %s: %s", digest, archive_error_string (a));
  else
    {
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data (a, buf, sizeof buf)) > 0)
        total += n;
      if (n < 0)
        rc = tong_err_set (err, 0, "layer %s: %s", digest, archive_error_string (a));
    }
  archive_read_free (a);
  if (rc < 0)
    return -1;
  size_keep (s, digest, total);
  *out = total;
  return 0;
}

uint64_t
image_compressed_size (const struct json_value *manifest)
{
  uint64_t total = jint (json_get (manifest, "config"), "size", 0);
  const struct json_value *l = json_get (manifest, "layers");
  for (size_t i = 0; l && l->type == JSON_ARRAY && i < l->u.array.len; i++)
    total += jint (l->u.array.items[i], "size", 0);
  return total;
}

uint64_t
image_unpacked_size (struct store *s, const struct json_value *manifest)
{
  uint64_t total = jint (json_get (manifest, "config"), "size", 0);
  const struct json_value *l = json_get (manifest, "layers");
  for (size_t i = 0; l && l->type == JSON_ARRAY && i < l->u.array.len; i++)
    {
      const struct json_value *d = l->u.array.items[i];
      uint64_t v;
      /* A layer not in the store (another platform's, or missing) counts
         with what the manifest says.  */
      if (layer_unpacked_size (s, jstr (d, "digest"), &v, NULL) < 0)
        v = jint (d, "size", 0);
      total += v;
    }
  return total;
}
