/* SHA-256 through OpenSSL's libcrypto, streaming, as "sha256:<hex>".  */
#ifndef TONG_IMAGE_DIGEST_H
#define TONG_IMAGE_DIGEST_H

#include <stddef.h>
#include "err.h"

#define DIGEST_STR_LEN (7 + 64 + 1)

struct sha256
{
  void *md; /* EVP_MD_CTX.  */
};

int sha256_init (struct sha256 *h, struct tong_err *err);
void sha256_update (struct sha256 *h, const void *buf, size_t len);
/* Writes "sha256:<hex>" into OUT and frees the context.  */
void sha256_final (struct sha256 *h, char out[DIGEST_STR_LEN]);
void sha256_free (struct sha256 *h);
int sha256_buf (const void *buf, size_t len, char out[DIGEST_STR_LEN], struct tong_err *err);
/* The digest of what FD holds from its current offset to its end.  */
int sha256_fd (int fd, char out[DIGEST_STR_LEN], size_t *size, struct tong_err *err);

#endif
