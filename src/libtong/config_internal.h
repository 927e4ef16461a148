/* Private to the config parser: helpers config.c defines and
   config_linux.c uses, and the linux.* entry points config.c calls.  */
#ifndef TONG_CONFIG_INTERNAL_H
#define TONG_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"

#define CFG_PATH_MAX 512
void cfg_path (char *buf, const char *parent, const char *key);
void cfg_path_index (char *buf, const char *parent, size_t i);
void cfg_path_mapkey (char *buf, const char *parent, const char *key);
int cfg_type_error (const char *path, const struct json_value *v, enum json_type want,
                    struct tong_err *err);
int cfg_strdup (const char *s, char **out, struct tong_err *err);
void *cfg_calloc (size_t n, size_t size, struct tong_err *err);
int cfg_member (const struct json_value *obj, const char *parent, const char *key, enum json_type t,
                bool required, const struct json_value **out, struct tong_err *err);
int cfg_get_str (const struct json_value *obj, const char *parent, const char *key, bool required,
                 char **out, struct tong_err *err);
int cfg_num_u64 (const struct json_value *v, const char *path, uint64_t max, uint64_t *out,
                 struct tong_err *err);
int cfg_num_i64 (const struct json_value *v, const char *path, int64_t min, int64_t max,
                 int64_t *out, struct tong_err *err);
int cfg_get_u64 (const struct json_value *obj, const char *parent, const char *key, bool required,
                 uint64_t max, uint64_t *out, bool *present, struct tong_err *err);
int cfg_get_u32 (const struct json_value *obj, const char *parent, const char *key, bool required,
                 uint32_t *out, bool *present, struct tong_err *err);
int cfg_get_i64 (const struct json_value *obj, const char *parent, const char *key, bool required,
                 int64_t min, int64_t max, int64_t *out, bool *present, struct tong_err *err);
void cfg_strv_free (char **v);
int cfg_strv (const struct json_value *arr, const char *path, char ***out, size_t *n,
              struct tong_err *err);
int cfg_get_strv (const struct json_value *obj, const char *parent, const char *key, char ***out,
                  size_t *n, struct tong_err *err);
int cfg_check_abs (const char *path, const char *s, struct tong_err *err);
int cfg_check_id_list (const char *path, const char *s, struct tong_err *err);
int cfg_id_mappings (const struct json_value *obj, const char *parent, const char *key,
                     struct oci_id_mapping **out, size_t *n, struct tong_err *err);

/* Used by config.c.  */
int oci_linux_parse (struct oci_config *c, const struct json_value *lv, struct tong_err *err);
int oci_linux_check (const struct oci_config *c, struct tong_err *err);
void oci_linux_clear (struct oci_linux *l);

#endif
