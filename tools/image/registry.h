/* A distribution-spec client (libcurl): manifests and blobs, Basic and Bearer auth.  */
#ifndef TONG_IMAGE_REGISTRY_H
#define TONG_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "ref.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

struct registry;

/* Credentials for one registry: from `login` or an auth.json file.  */
struct registry_opts
{
  bool insecure;        /* plain HTTP allowed for any host.  */
  const char *authfile; /* NULL: the default (see auth.h).  */
  /* Credentials to use instead of the auth file's (login checks them).  */
  const char *user, *pass;
};

int registry_open (const struct image_ref *ref, const struct registry_opts *o,
                   struct registry **out, struct tong_err *err);
void registry_free (struct registry *r);

/* GET /v2/<repo>/manifests/<reference> with the four Accept types.  BODY is
   checked against DIGEST_WANT (when not NULL) or Docker-Content-Digest.  */
int registry_get_manifest (struct registry *r, const char *reference, const char *digest_want,
                           char **body, size_t *len, char **media_type, struct tong_err *err);

typedef void (*registry_progress_fn) (void *data, uint64_t done, uint64_t total);
/* GET the blob into FD (truncated first), checking its size and digest as it streams.  */
int registry_get_blob (struct registry *r, const char *digest, int64_t size, int fd,
                       registry_progress_fn progress, void *data, struct tong_err *err);
/* GET a small blob (a config) into memory, checked.  */
int registry_get_blob_mem (struct registry *r, const char *digest, int64_t size, char **body,
                           size_t *len, struct tong_err *err);
/* GET /v2/, answering an auth challenge: 0 when the registry accepts us.  */
int registry_ping (struct registry *r, struct tong_err *err);

/* The value of KEY in a WWW-Authenticate challenge (`Bearer realm="...",
   service="..."`), quoted or not; malloc'd, NULL when absent.  */
char *registry_challenge_param (const char *challenge, const char *key);

#endif
