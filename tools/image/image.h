/* tong-image's shared pieces: options, platforms, images read from the store.

   Map: main.c (commands, options, the one place that prints an error);
   ref.c (Docker references); digest.c (SHA-256, libcrypto); store.c (the
   OCI layout, its lock, ingest/); registry.c (distribution spec, auth,
   redirects, libcurl); auth.c (auth.json); platform.c (platforms, media
   types, finding an image in the store); pull.c; extract.c (one layer, in a
   chrooted child, whiteouts); unpack.c (the rootfs, volumes); bundle.c
   (config.json); cmds.c (images, inspect, rmi, prune, df); size.c (the
   unpacked sizes images shows); import.c.  */
#ifndef TONG_IMAGE_IMAGE_H
#define TONG_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "json.h"
#include "store.h"

#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

struct platform
{
  char os[32], arch[32], variant[32]; /* variant "" when none.  */
};

/* The host's platform in Go's names (linux/amd64, linux/arm64/v8, ...).  */
void platform_host (struct platform *p);
int platform_parse (const char *s, struct platform *p, struct tong_err *err);
/* "os/arch[/variant]" into BUF.  */
const char *platform_string (const struct platform *p, char *buf, size_t len);
/* Whether an index entry's "platform" object matches WANT.  */
bool platform_match (const struct json_value *plat, const struct platform *want);
/* The first entry of an index's manifests that matches WANT, or NULL.  */
const struct json_value *index_select (const struct json_value *index, const struct platform *want);

bool media_is_index (const char *mt);
bool media_is_manifest (const char *mt);
/* 0 for a layer type tong-image can unpack, -1 with ERR otherwise.  */
int media_check_layer (const char *mt, struct tong_err *err);
/* The media type of a manifest body: the Content-Type unless generic, else its mediaType.  */
const char *manifest_media_type (const char *content_type, const struct json_value *doc);

/* An image in the store, resolved to one platform's manifest.  */
struct image
{
  char *name;            /* the store's ref name (NULL when found by digest).  */
  char *digest;          /* the index.json entry's digest (index or manifest).  */
  char *manifest_digest; /* the platform manifest.  */
  int64_t manifest_size;
  char *config_digest; /* the image ID.  */
  struct json_value *manifest, *config;
};

/* Find REF (a name as pull stores it, or an ID/digest, full or 12+ hex) in
   the store; PLATFORM (NULL: host) picks from an index.  */
int image_find (struct store *s, const char *ref, const struct platform *platform,
                struct image *img, struct tong_err *err);
void image_free (struct image *img);
/* The store name REF stands for ("busybox" -> "docker.io/library/busybox:latest").  */
char *image_canonical_name (const char *ref, struct tong_err *err);
/* String member of an object, or NULL.  */
const char *jstr (const struct json_value *o, const char *key);
int64_t jint (const struct json_value *o, const char *key, int64_t dflt);

struct pull_opts
{
  const char *platform; /* NULL: the host's.  */
  bool insecure, quiet;
  const char *authfile;
};
int image_pull (struct store *s, const char *ref, const struct pull_opts *o, struct tong_err *err);

struct unpack_opts
{
  const char *platform;
  bool tty;
  const char *volumes; /* "anonymous", "tmpfs" or "ignore".  */
  char **env;          /* K=V, NULL-ended.  */
  size_t n_env;
  const char *entrypoint; /* NULL: the image's; "" clears it.  */
  const char *user;       /* NULL: the image's.  */
};
int image_unpack (struct store *s, const char *ref, const char *bundle, const struct unpack_opts *o,
                  struct tong_err *err);
/* Seed the store from an OCI layout DIR[:TAG] or a docker-archive tarball;
   REF (NULL: the names they carry) is the name to record.  */
int image_import (struct store *s, const char *src, const char *ref, struct tong_err *err);
/* Layer extraction (extract.c): apply LAYER_FD (compressed or not) onto the
   rootfs ROOTFS_FD, checking DIFF_ID and DIGEST.  */
int layer_apply (int rootfs_fd, int layer_fd, const char *digest, const char *diff_id,
                 struct tong_err *err);
/* BUNDLE/volumes/ID for the image volume PATH (unpack.c).  */
void volume_id (const char *path, char out[16]);
/* Sizes (size.c).  A layer's uncompressed size, computed once and kept in
   the store.  */
int layer_unpacked_size (struct store *s, const char *digest, uint64_t *out, struct tong_err *err);
/* What `docker images` shows: the config plus the uncompressed layers.  */
uint64_t image_unpacked_size (struct store *s, const struct json_value *manifest);
/* What the registry sends and the store holds: config plus layer blobs.  */
uint64_t image_compressed_size (const struct json_value *manifest);
/* config.json from the image config (bundle.c).  */
int bundle_write_config (int bundle_fd, int rootfs_fd, const struct image *img,
                         const struct unpack_opts *o, struct tong_err *err);

#endif
