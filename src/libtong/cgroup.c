#include "cgroup.h"

static bool
is_empty (const struct json_value *v)
{
  switch (v->type)
    {
    case JSON_NULL:
      return true;
    case JSON_ARRAY:
      return v->u.array.len == 0;
    case JSON_OBJECT:
      for (size_t i = 0; i < v->u.object.len; i++)
        if (!is_empty (v->u.object.values[i]))
          return false;
      return true;
    default:
      return false;
    }
}

int
cgroup_validate (const struct oci_config *c, struct tong_err *err)
{
  const struct json_value *r = c->linux_.resources;
  if (r == NULL || r->type != JSON_OBJECT)
    return 0;
  for (size_t i = 0; i < r->u.object.len; i++)
    if (!is_empty (r->u.object.values[i]))
      return tong_err_set (err, 0,
                           "linux.resources.%s: cgroup resources are not supported by this "
                           "build of tong yet",
                           r->u.object.keys[i]);
  return 0;
}
