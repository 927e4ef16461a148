/* Small builders for json_value trees, so config.json can be edited as a
   tree and written back with every field we do not know kept as it was.  */
#include "volume.h"

#include <stdlib.h>
#include <string.h>

static struct json_value *
jv_new (enum json_type t)
{
  struct json_value *v = calloc (1, sizeof *v);
  if (v)
    v->type = t;
  return v;
}

struct json_value *
jv_str (const char *s)
{
  struct json_value *v = jv_new (JSON_STRING);
  if (v && (v->u.string = strdup (s)) == NULL)
    {
      free (v);
      return NULL;
    }
  return v;
}

struct json_value *
jv_bool (bool b)
{
  struct json_value *v = jv_new (JSON_BOOL);
  if (v)
    v->u.boolean = b;
  return v;
}

struct json_value *
jv_obj (void)
{
  return jv_new (JSON_OBJECT);
}

struct json_value *
jv_arr (void)
{
  return jv_new (JSON_ARRAY);
}

int
jv_obj_set (struct json_value *obj, const char *key, struct json_value *val)
{
  if (obj == NULL || obj->type != JSON_OBJECT || val == NULL)
    {
      json_free (val);
      return -1;
    }
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      {
        json_free (obj->u.object.values[i]);
        obj->u.object.values[i] = val;
        return 0;
      }
  size_t n = obj->u.object.len + 1;
  char **keys = realloc (obj->u.object.keys, n * sizeof *keys);
  if (keys)
    obj->u.object.keys = keys;
  struct json_value **vals = realloc (obj->u.object.values, n * sizeof *vals);
  if (vals)
    obj->u.object.values = vals;
  char *k = strdup (key);
  if (keys == NULL || vals == NULL || k == NULL)
    {
      free (k);
      json_free (val);
      return -1;
    }
  keys[n - 1] = k;
  vals[n - 1] = val;
  obj->u.object.len = n;
  return 0;
}

void
jv_obj_del (struct json_value *obj, const char *key)
{
  if (obj == NULL || obj->type != JSON_OBJECT)
    return;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      {
        free (obj->u.object.keys[i]);
        json_free (obj->u.object.values[i]);
        size_t rest = obj->u.object.len - i - 1;
        memmove (obj->u.object.keys + i, obj->u.object.keys + i + 1, rest * sizeof (char *));
        memmove (obj->u.object.values + i, obj->u.object.values + i + 1,
                 rest * sizeof (struct json_value *));
        obj->u.object.len--;
        i--;
      }
}

int
jv_arr_insert (struct json_value *arr, size_t idx, struct json_value *val)
{
  if (arr == NULL || arr->type != JSON_ARRAY || val == NULL || idx > arr->u.array.len)
    {
      json_free (val);
      return -1;
    }
  struct json_value **items = realloc (arr->u.array.items, (arr->u.array.len + 1) * sizeof *items);
  if (items == NULL)
    {
      json_free (val);
      return -1;
    }
  memmove (items + idx + 1, items + idx, (arr->u.array.len - idx) * sizeof *items);
  items[idx] = val;
  arr->u.array.items = items;
  arr->u.array.len++;
  return 0;
}

void
jv_arr_remove (struct json_value *arr, size_t idx)
{
  if (arr == NULL || arr->type != JSON_ARRAY || idx >= arr->u.array.len)
    return;
  json_free (arr->u.array.items[idx]);
  memmove (arr->u.array.items + idx, arr->u.array.items + idx + 1,
           (arr->u.array.len - idx - 1) * sizeof (struct json_value *));
  arr->u.array.len--;
}

const char *
jv_get_str (const struct json_value *obj, const char *key)
{
  const struct json_value *v = json_get (obj, key);
  return v && v->type == JSON_STRING ? v->u.string : NULL;
}
