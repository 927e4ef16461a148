/* `tong spec`: the default config.json, the same as runc's (its
   specconv.Example and, for --rootless, ToRootless), with tong's hostname.
   The pieces live in src/common/ocidefault.c, shared with tong-image.  */
#include "tong.h"

#include <errno.h>
#include "json.h"
#include "ocidefault.h"

int
tong_spec_default (bool rootless, char **json, struct tong_err *err)
{
  static const char *const args[] = { "sh", NULL };
  static const char *const env[] = { OCIDEF_PATH, "TERM=xterm", NULL };
  struct json_writer *w = json_writer_new (true);
  if (w == NULL)
    return tong_err_set (err, ENOMEM, "spec");
  json_w_obj_begin (w);
  json_w_key (w, "ociVersion");
  json_w_str (w, "1.3.0");
  json_w_key (w, "process");
  json_w_obj_begin (w);
  json_w_key (w, "terminal");
  json_w_bool (w, true);
  json_w_key (w, "user");
  json_w_obj_begin (w);
  json_w_key (w, "uid");
  json_w_uint (w, 0);
  json_w_key (w, "gid");
  json_w_uint (w, 0);
  json_w_obj_end (w);
  ocidef_write_strv (w, "args", args);
  ocidef_write_strv (w, "env", env);
  json_w_key (w, "cwd");
  json_w_str (w, "/");
  ocidef_write_process_defaults (w);
  json_w_obj_end (w);
  ocidef_write_root_hostname (w);
  json_w_key (w, "mounts");
  json_w_arr_begin (w);
  ocidef_write_mounts (w, rootless);
  json_w_arr_end (w);
  ocidef_write_linux (w, rootless);
  json_w_obj_end (w);
  /* The callers add the final newline.  */
  *json = json_writer_finish (w);
  if (*json == NULL)
    return tong_err_set (err, ENOMEM, "spec");
  return 0;
}
