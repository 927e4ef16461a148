/* config.hooks: run with the state JSON on stdin, args, env and timeout.  */
#ifndef TONG_HOOKS_H
#define TONG_HOOKS_H

#include "config.h"
#include "err.h"

/* Run the hooks of KIND in order, each with STATE_JSON on stdin.  Stops at
   the first failure (non-zero exit, signal, timeout) and returns -1 with ERR
   naming the hook: "hooks.prestart[0] (/bin/x): exited with status 3".  */
int hooks_run (const struct oci_config *c, enum oci_hook_kind kind, const char *state_json,
               struct tong_err *err);

/* The same, but failures are warnings (poststart, poststop).  */
void hooks_run_warn (const struct oci_config *c, enum oci_hook_kind kind, const char *state_json);

#endif
