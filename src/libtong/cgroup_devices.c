/* The device rules a container's cgroup gets, in the order they apply:
   v1 writes them to devices.deny/allow, v2 compiles them to eBPF.  */
#include "cgroup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

/* What every container may use, as runc allows it: mknod of anything (the
   nodes themselves are what a config lists), the standard /dev nodes, the
   pty devices, and tun/tap.  */
static const struct cg_device_rule default_rules[] = {
  { false, 'a', -1, -1, "rwm" },
  { true, 'c', -1, -1, "m" },
  { true, 'b', -1, -1, "m" },
  { true, 'c', 1, 3, "rwm" },   /* null */
  { true, 'c', 1, 8, "rwm" },   /* random */
  { true, 'c', 1, 7, "rwm" },   /* full */
  { true, 'c', 5, 0, "rwm" },   /* tty */
  { true, 'c', 1, 5, "rwm" },   /* zero */
  { true, 'c', 1, 9, "rwm" },   /* urandom */
  { true, 'c', 5, 1, "rwm" },   /* console */
  { true, 'c', 136, -1, "rwm" }, /* pts/N */
  { true, 'c', 5, 2, "rwm" },   /* ptmx */
  { true, 'c', 10, 200, "rwm" }, /* net/tun */
};

int
cg_device_rules (const struct cg_resources *r, struct cg_device_rule **out, size_t *n,
                 struct tong_err *err)
{
  size_t nd = sizeof default_rules / sizeof default_rules[0];
  /* linux.devices get no implicit rule, as with runc: engines list
     allow rules for the devices they add (docker --device does).  */
  size_t total = nd + (r ? r->n_devices : 0);
  struct cg_device_rule *v = calloc (total, sizeof *v);
  if (v == NULL)
    return tong_err_set (err, ENOMEM, "device rules");
  /* Deny all first (a config without rules gets no device access it did
     not ask for), then the config's rules in order, then the defaults, as
     runc appends them: a config's leading deny-all cannot wipe them.  */
  size_t k = 0;
  v[k++] = default_rules[0];
  for (size_t i = 0; r && i < r->n_devices; i++)
    v[k++] = r->devices[i];
  for (size_t i = 1; i < nd; i++)
    v[k++] = default_rules[i];
  *out = v;
  *n = k;
  return 0;
}

void
cg_device_rule_format (const struct cg_device_rule *d, char *buf, size_t len)
{
  char maj[24], min[24];
  if (d->major < 0)
    strcpy (maj, "*");
  else
    snprintf (maj, sizeof maj, "%" PRId64, d->major);
  if (d->minor < 0)
    strcpy (min, "*");
  else
    snprintf (min, sizeof min, "%" PRId64, d->minor);
  if (d->type == 'a')
    snprintf (buf, len, "a *:* %s", d->access);
  else
    snprintf (buf, len, "%c %s:%s %s", d->type, maj, min, d->access);
}
