#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
sha256_init (struct sha256 *h, struct tong_err *err)
{
  EVP_MD_CTX *c = EVP_MD_CTX_new ();
  if (c == NULL || EVP_DigestInit_ex (c, EVP_sha256 (), NULL) != 1)
    {
      EVP_MD_CTX_free (c);
      h->md = NULL;
      return tong_err_set (err, 0, "sha256: cannot initialise libcrypto's digest");
    }
  h->md = c;
  return 0;
}

void
sha256_update (struct sha256 *h, const void *buf, size_t len)
{
  if (len)
    EVP_DigestUpdate (h->md, buf, len);
}

void
sha256_final (struct sha256 *h, char out[DIGEST_STR_LEN])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex (h->md, md, &n);
  memcpy (out, "sha256:", 7);
  for (unsigned i = 0; i < n && i < 32; i++)
    snprintf (out + 7 + 2 * i, 3, "%02x", md[i]);
  out[7 + 64] = '\0';
  sha256_free (h);
}

void
sha256_free (struct sha256 *h)
{
  if (h->md)
    EVP_MD_CTX_free (h->md);
  h->md = NULL;
}

int
sha256_buf (const void *buf, size_t len, char out[DIGEST_STR_LEN], struct tong_err *err)
{
  struct sha256 h;
  if (sha256_init (&h, err) < 0)
    return -1;
  sha256_update (&h, buf, len);
  sha256_final (&h, out);
  return 0;
}

int
sha256_fd (int fd, char out[DIGEST_STR_LEN], size_t *size, struct tong_err *err)
{
  struct sha256 h;
  char buf[65536];
  size_t total = 0;
  if (sha256_init (&h, err) < 0)
    return -1;
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          sha256_free (&h);
          return tong_err_set (err, errno, "read");
        }
      if (n == 0)
        break;
      sha256_update (&h, buf, n);
      total += n;
    }
  sha256_final (&h, out);
  if (size)
    *size = total;
  return 0;
}
