/* Image references as Docker parses them: [registry[:port]/]path[:tag][@sha256:hex].  */
#ifndef TONG_IMAGE_REF_H
#define TONG_IMAGE_REF_H

#include <stdbool.h>
#include "err.h"

#define IMAGE_DEFAULT_REGISTRY "docker.io"

struct image_ref
{
  char *registry; /* "docker.io", "127.0.0.1:5000", "localhost".  */
  char *repo;     /* "library/busybox".  */
  char *tag;      /* NULL only when a digest is given without a tag.  */
  char *digest;   /* "sha256:<64 hex>" or NULL.  */
};

/* Parse S; DEFAULT_REGISTRY is used when the first component is not a
   registry (NULL: IMAGE_DEFAULT_REGISTRY).  Docker Hub's one-component names
   get "library/".  */
int image_ref_parse (const char *s, const char *default_registry, struct image_ref *out,
                     struct tong_err *err);
void image_ref_free (struct image_ref *r);
/* "registry/repo:tag", "registry/repo@digest" or both; malloc'd.  */
char *image_ref_string (const struct image_ref *r);
/* "registry/repo:tag" when there is a tag, else "registry/repo@digest": the
   name the store records.  */
char *image_ref_store_name (const struct image_ref *r);
/* The host to contact: Docker Hub's API lives at registry-1.docker.io.  */
const char *image_ref_api_host (const struct image_ref *r);
/* True when HOST (with an optional port) is localhost, 127.0.0.0/8 or ::1.  */
bool image_host_is_loopback (const char *host);
/* The default registry: $TONG_IMAGE_REGISTRY, else `default-registry = X`
   from the config file ($TONG_IMAGE_CONFIG or /etc/tong/image.conf), else
   docker.io.  Returns a static or malloc'd-once string.  */
const char *image_default_registry (void);
/* "sha256:" followed by 64 lowercase hex digits.  */
bool image_digest_valid (const char *d);

#endif
