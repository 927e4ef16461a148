/* tong-image's store (an OCI layout), digests and platform choice, without a network.  */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "digest.h"
#include "fileutil.h"
#include "image.h"
#include "ref.h"
#include "store.h"

static char root[256];

static void
test_digest (void)
{
  char d[DIGEST_STR_LEN];
  struct tong_err err = { 0 };
  sha256_buf ("abc", 3, d, &err);
  UNIT_STREQ (d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              "sha256 of abc");
  sha256_buf ("", 0, d, &err);
  UNIT_STREQ (d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "sha256 of nothing");
}

static void
test_store (void)
{
  struct store s;
  struct tong_err err = { 0 };
  char d[DIGEST_STR_LEN], bad[DIGEST_STR_LEN];
  UNIT_CHECK (store_open (root, true, &s, &err) == 0, "open a new store", "%s", err.msg);
  struct stat st;
  char path[512];
  snprintf (path, sizeof path, "%s/oci-layout", root);
  UNIT_CHECK (stat (path, &st) == 0, "oci-layout written", "missing");
  snprintf (path, sizeof path, "%s/blobs/sha256", root);
  UNIT_CHECK (stat (path, &st) == 0 && S_ISDIR (st.st_mode), "blobs/sha256 made", "missing");

  const char *blob = "{\"schemaVersion\":2}";
  sha256_buf (blob, strlen (blob), d, &err);
  sha256_buf ("other", 5, bad, &err);
  UNIT_CHECK (store_put_blob (&s, bad, blob, strlen (blob), &err) < 0,
              "a blob under the wrong digest is refused", "accepted");
  UNIT_CHECK (!store_has_blob (&s, bad, -1), "and not stored", "stored");
  UNIT_CHECK (store_put_blob (&s, d, blob, strlen (blob), &err) == 0, "put a blob", "%s", err.msg);
  UNIT_CHECK (store_has_blob (&s, d, strlen (blob)), "has it, with its size", "no");
  UNIT_CHECK (!store_has_blob (&s, d, 3), "a wrong size is not it", "yes");
  char *back = NULL;
  size_t len = 0;
  UNIT_CHECK (store_blob_read (&s, d, &back, &len, &err) == 0 && len == strlen (blob)
                  && memcmp (back, blob, len) == 0,
              "read it back", "%s", err.msg);
  free (back);

  struct store_new_entry e1 = { .name = "example.com/a:1",
                                .media_type = "application/vnd.oci.image.manifest.v1+json",
                                .digest = d,
                                .size = (int64_t)strlen (blob),
                                .os = "linux",
                                .arch = "amd64" };
  struct store_new_entry e2 = e1;
  e2.name = "example.com/a:2";
  UNIT_CHECK (store_update_index (&s, e1.name, &e1, &err) == 0, "name it", "%s", err.msg);
  UNIT_CHECK (store_update_index (&s, e2.name, &e2, &err) == 0, "a second name", "%s", err.msg);
  UNIT_CHECK (store_update_index (&s, e1.name, &e1, &err) == 0, "the first name again", "%s",
              err.msg);
  struct store_entry *v = NULL;
  size_t n = 0;
  store_entries (&s, &v, &n, &err);
  UNIT_CHECK (n == 2, "a name is recorded once", "%zu entries", n);
  UNIT_STREQ (n ? v[n - 1].name : NULL, "example.com/a:1", "the re-recorded name is last");
  UNIT_STREQ (n ? v[0].digest : NULL, d, "entry digest");
  free (v);
  UNIT_CHECK (store_update_index (&s, "example.com/a:2", NULL, &err) == 0, "remove a name", "%s",
              err.msg);
  store_entries (&s, &v, &n, &err);
  UNIT_CHECK (n == 1, "one name left", "%zu", n);
  free (v);
  const char *drop[] = { d, NULL };
  store_remove_digests (&s, drop, &err);
  store_entries (&s, &v, &n, &err);
  UNIT_CHECK (n == 0, "remove by digest", "%zu left", n);
  free (v);

  /* A leftover in ingest/ is cleaned by the next writer.  */
  char name[64];
  int fd = store_ingest_create (&s, name, &err);
  UNIT_CHECK (fd >= 0, "an ingest file", "%s", err.msg);
  if (fd >= 0)
    close (fd);
  store_close (&s);
  snprintf (path, sizeof path, "%s/%s", root, name);
  UNIT_CHECK (access (path, F_OK) == 0, "it survives a close (as after a crash)", "gone");
  UNIT_CHECK (store_open (root, true, &s, &err) == 0, "reopen", "%s", err.msg);
  UNIT_CHECK (access (path, F_OK) != 0, "the writer removed the leftover", "still there");
  char **all = NULL;
  int64_t *sizes = NULL;
  store_list_blobs (&s, &all, &sizes, &n, &err);
  UNIT_CHECK (n == 1, "one blob listed", "%zu", n);
  for (size_t i = 0; i < n; i++)
    free (all[i]);
  free (all);
  free (sizes);
  store_close (&s);

  UNIT_CHECK (store_open ("/nonexistent/tong-image-store", false, &s, &err) == 0,
              "a missing store reads as empty", "%s", err.msg);
  store_entries (&s, &v, &n, &err);
  UNIT_CHECK (n == 0, "with no names", "%zu", n);
  free (v);
  store_close (&s);
}

/* Two pulls at once, each with the index it read when it opened the store:
   the second's update must keep the first's name (the index is re-read
   under the index lock), and both hold the store shared.  */
static void
test_two_pulls (void)
{
  char r2[300];
  snprintf (r2, sizeof r2, "%s/pulls", root);
  struct store a, b;
  struct tong_err err = { 0 };
  UNIT_CHECK (store_open_pull (r2, &a, &err) == 0, "a pull opens a new store", "%s", err.msg);
  UNIT_CHECK (store_open_pull (r2, &b, &err) == 0, "a second pull opens it beside the first", "%s",
              err.msg);
  struct store_new_entry e
      = { .media_type = "application/vnd.oci.image.manifest.v1+json",
          .digest = "sha256:"
                    "1111111111111111111111111111111111111111111111111111111111111111",
          .size = 2 };
  e.name = "example.com/first:1";
  UNIT_CHECK (store_update_index (&a, e.name, &e, &err) == 0, "the first records its name", "%s",
              err.msg);
  e.name = "example.com/second:1";
  UNIT_CHECK (store_update_index (&b, e.name, &e, &err) == 0, "the second records its name", "%s",
              err.msg);
  struct store_entry *v = NULL;
  size_t n = 0;
  store_entries (&b, &v, &n, &err);
  UNIT_CHECK (n == 2, "both names kept", "%zu", n);
  free (v);
  int lk = store_blob_lock (&a, e.digest, &err);
  UNIT_CHECK (lk >= 0, "a layer's download lock", "%s", err.msg);
  char path[400];
  snprintf (path, sizeof path, "%s/ingest/%s.lock", r2, e.digest + 7);
  UNIT_CHECK (access (path, F_OK) == 0, "is a file in ingest/ while held", "missing");
  store_blob_unlock (&a, e.digest, lk);
  UNIT_CHECK (access (path, F_OK) != 0, "and gone once released", "still there");
  store_close (&a);
  store_close (&b);
  struct store x;
  UNIT_CHECK (store_open (r2, true, &x, &err) == 0, "the exclusive lock once both are closed", "%s",
              err.msg);
  UNIT_CHECK (store_blob_lock (&x, e.digest, &err) == -2, "needs no download lock", "locked");
  store_close (&x);
}

static void
test_platform (void)
{
  struct platform p;
  struct tong_err err = { 0 };
  char buf[128];
  UNIT_CHECK (platform_parse ("linux/arm64/v8", &p, &err) == 0, "parse os/arch/variant", "%s",
              err.msg);
  UNIT_STREQ (platform_string (&p, buf, sizeof buf), "linux/arm64/v8", "round trip");
  UNIT_CHECK (platform_parse ("linux", &p, &err) < 0, "refuse a bare os", "accepted");
  UNIT_CHECK (platform_parse ("a/b/c/d", &p, &err) < 0, "refuse four parts", "accepted");
  const char *idx
      = "{\"manifests\":["
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:1\","
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:2\","
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:3\","
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:4\","
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
        "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:5\","
        "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
  struct json_value *doc = NULL;
  json_parse (idx, strlen (idx), &doc, &err);
  platform_parse ("linux/arm/v7", &p, &err);
  UNIT_STREQ (jstr (index_select (doc, &p), "digest"), "sha256:2", "the variant is matched");
  platform_parse ("linux/arm64/v8", &p, &err);
  UNIT_STREQ (jstr (index_select (doc, &p), "digest"), "sha256:3", "arm64 without a variant is v8");
  platform_parse ("linux/amd64", &p, &err);
  UNIT_STREQ (jstr (index_select (doc, &p), "digest"), "sha256:4", "the first match wins");
  platform_parse ("linux/s390x", &p, &err);
  UNIT_CHECK (index_select (doc, &p) == NULL, "no match", "matched");
  json_free (doc);
  UNIT_CHECK (media_check_layer ("application/vnd.oci.image.layer.v1.tar+zstd", &err) == 0,
              "zstd layers", "refused");
  UNIT_CHECK (media_check_layer ("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", &err)
                  < 0,
              "foreign layers refused", "accepted");
}

int
main (void)
{
  snprintf (root, sizeof root, "/tmp/tong-image-unit.XXXXXX");
  if (mkdtemp (root) == NULL)
    return 1;
  test_digest ();
  test_store ();
  test_two_pulls ();
  test_platform ();
  int fd = open ("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct tong_err err;
  remove_tree_at (fd, root + 5, &err);
  close (fd);
  return unit_done ();
}
