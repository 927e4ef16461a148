/* Registry credentials in the docker/containers auth.json shape:
   {"auths": {"HOST": {"auth": base64("user:password")}}}.  */
#ifndef TONG_IMAGE_AUTH_H
#define TONG_IMAGE_AUTH_H

#include <stddef.h>
#include "err.h"

/* FILE when set, else $REGISTRY_AUTH_FILE, else
   ${XDG_CONFIG_HOME:-$HOME/.config}/tong/auth.json.  Malloc'd.  */
char *auth_file_path (const char *file);
/* 1 and USER/PASS set when HOST has credentials, 0 when not, -1 on error.  */
int auth_lookup (const char *file, const char *host, char **user, char **pass,
                 struct tong_err *err);
int auth_save (const char *file, const char *host, const char *user, const char *pass,
               struct tong_err *err);
/* 1 when HOST had credentials (now removed), 0 when it had none.  */
int auth_remove (const char *file, const char *host, struct tong_err *err);
/* base64 of LEN bytes; malloc'd.  */
char *auth_base64 (const void *data, size_t len);

#endif
