/* The image store: an OCI image layout (oci-layout, index.json, blobs/sha256)
   so that skopeo and umoci can read it.  A blob two images share is one file.
   Readers and pulls hold a shared flock on the root directory, the writers
   that remove (rmi, prune) or clean up (import) an exclusive one: pulls run
   beside each other and beside images/unpack, and nothing is removed under a
   pull.  Pulls serialize their index.json updates with a flock on
   blobs/, and each layer's download with one on ingest/<hex>.lock (a layer
   two pulls want is fetched once).  Downloads go to ingest/ and are
   renamed into blobs/ once verified, so blobs/ never holds half a blob.  */
#ifndef TONG_IMAGE_STORE_H
#define TONG_IMAGE_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "err.h"
#include "json.h"

#define STORE_DEFAULT_ROOT "/var/lib/tong/images"
#define ANNOT_REF_NAME "org.opencontainers.image.ref.name"
/* The index a platform manifest was chosen from (for inspect's platforms).  */
#define ANNOT_INDEX_DIGEST "io.tong.image.index.digest"
/* When the image was stored (images' CREATED falls back to it).  */
#define ANNOT_STORED "io.tong.image.stored"
/* Layers' uncompressed sizes, one file per blob (size.c).  */
#define STORE_SIZES_DIR "tong-sizes"

struct store
{
  int dirfd;
  bool writable;
  bool shared; /* a pull: writable under the shared lock.  */
  char *root;
  struct json_value *index; /* index.json, parsed.  */
};

struct store_entry
{
  const char *name; /* ref.name annotation, may be NULL.  */
  const char *digest;
  const char *media_type;
  int64_t size;
  const struct json_value *raw;
};

/* What a new index.json entry says.  */
struct store_new_entry
{
  const char *name, *media_type, *digest;
  int64_t size;
  const char *os, *arch, *variant; /* platform, NULL when unknown.  */
  const char *index_digest;        /* NULL when not chosen from an index.  */
};

/* ROOT NULL: $TONG_IMAGE_ROOT, else STORE_DEFAULT_ROOT.  */
const char *store_default_root (const char *root);
/* WRITABLE: the exclusive lock; else the shared one, read-only.  */
int store_open (const char *root, bool writable, struct store *s, struct tong_err *err);
/* For a pull: writable under the shared lock (see above); ingest/ is
   cleaned when no other pull runs.  */
int store_open_pull (const char *root, struct store *s, struct tong_err *err);
/* Hold DIGEST's download lock (blocks while another pull fetches it);
   returns its fd for store_blob_unlock.  */
int store_blob_lock (struct store *s, const char *digest, struct tong_err *err);
void store_blob_unlock (struct store *s, const char *digest, int fd);
void store_close (struct store *s);

bool store_has_blob (struct store *s, const char *digest, int64_t size);
int store_blob_open (struct store *s, const char *digest, struct tong_err *err);
/* Read a blob whole and check its digest.  */
int store_blob_read (struct store *s, const char *digest, char **out, size_t *len,
                     struct tong_err *err);
/* Store DATA (a manifest or config) under its digest, which must match.  */
int store_put_blob (struct store *s, const char *digest, const char *data, size_t len,
                    struct tong_err *err);
/* A temp file in ingest/ (NAME receives its name), then rename into blobs/.  */
int store_ingest_create (struct store *s, char name[64], struct tong_err *err);
int store_ingest_commit (struct store *s, const char *name, const char *digest,
                         struct tong_err *err);
void store_ingest_abort (struct store *s, const char *name);
int store_blob_remove (struct store *s, const char *digest, struct tong_err *err);
/* Every blob file's digest and size; a NULL digest ends the list.  */
int store_list_blobs (struct store *s, char ***digests, int64_t **sizes, size_t *n,
                      struct tong_err *err);

/* index.json's manifests, in order; ENTRIES points into S.  */
int store_entries (struct store *s, struct store_entry **entries, size_t *n, struct tong_err *err);
/* Rewrite index.json without the entries named REMOVE (NULL: none) and
   with ADD appended (NULL: none).  */
int store_update_index (struct store *s, const char *remove, const struct store_new_entry *add,
                        struct tong_err *err);
/* Drop the entries for which DROP (a digest list, NULL-ended) names the digest.  */
int store_remove_digests (struct store *s, const char *const *drop, struct tong_err *err);

#endif
