/* The default OCI config, as `tong spec` writes it (runc's specconv.Example
   and ToRootless), in pieces: tong spec writes it whole, and tong-image
   writes the same defaults around an image's process.  Only JSON writing
   here, nothing of the runtime core.  */
#ifndef TONG_OCIDEFAULT_H
#define TONG_OCIDEFAULT_H

#include <stdbool.h>
#include "json.h"

#define OCIDEF_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* KEY: [V...], V NULL-terminated.  */
void ocidef_write_strv (struct json_writer *w, const char *key, const char *const *v);
/* Inside "process": capabilities, rlimits and noNewPrivileges.  */
void ocidef_write_process_defaults (struct json_writer *w);
/* The "root" and "hostname" members.  */
void ocidef_write_root_hostname (struct json_writer *w);
/* The default mount objects, inside an open "mounts" array.  */
void ocidef_write_mounts (struct json_writer *w, bool rootless);
/* One mount object.  */
void ocidef_write_mount (struct json_writer *w, const char *destination, const char *type,
                         const char *source, const char *const *options);
/* The whole "linux" member.  */
void ocidef_write_linux (struct json_writer *w, bool rootless);

#endif
