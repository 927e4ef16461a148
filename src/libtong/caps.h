/* Capabilities: names, and applying the five sets.  */
#ifndef TONG_CAPS_H
#define TONG_CAPS_H

#include <stdint.h>
#include "config.h"
#include "err.h"

/* "CAP_SYS_ADMIN" -> 21; -1 when unknown (to the table from the kernel headers).  */
int caps_from_name (const char *name);
const char *caps_name (int cap); /* "CAP_SYS_ADMIN", NULL if unknown.  */
int caps_last_cap (void);        /* highest capability the running kernel knows.  */

/* Drop the bounding set to CAPS->bounding, set effective/permitted/inheritable,
   then the ambient set.  Called after the uid switch (with PR_SET_KEEPCAPS).  */
int caps_apply (const struct oci_capabilities *caps, struct tong_err *err);

#endif
