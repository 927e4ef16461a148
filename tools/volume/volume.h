/* tong-volume: named volumes in Docker's local-driver layout
   (<root>/<name>/_data) and the config.json edits that mount them.  */
#ifndef TONG_VOLUME_H
#define TONG_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "err.h"
#include "json.h"

#define VOLUME_DEFAULT_ROOT "/var/lib/tong/volumes"
#define VOLUME_META "tong-volume.json"
#define VOLUME_DATA "_data"
#define VOLUME_LOCK ".lock"
/* The annotations tong-image records from the image config.  */
#define ANNOT_IMAGE_VOLUMES "io.tong.image.volumes"

/* ---- jv.c: building and editing json_value trees ---- */
struct json_value *jv_str (const char *s);
struct json_value *jv_bool (bool b);
struct json_value *jv_obj (void);
struct json_value *jv_arr (void);
/* Set KEY in OBJ (replacing an existing member); takes VAL.  */
int jv_obj_set (struct json_value *obj, const char *key, struct json_value *val);
/* Remove KEY from OBJ; no-op when absent.  */
void jv_obj_del (struct json_value *obj, const char *key);
/* Insert VAL at IDX (len = append); takes VAL.  */
int jv_arr_insert (struct json_value *arr, size_t idx, struct json_value *val);
void jv_arr_remove (struct json_value *arr, size_t idx);
const char *jv_get_str (const struct json_value *obj, const char *key);

/* ---- store.c ---- */
struct vol_store
{
  char *root; /* absolute.  */
  int rootfd;
  int lockfd;
};

struct vol_meta
{
  char *name;
  char *created;             /* RFC 3339.  */
  struct json_value *labels; /* object of strings.  */
  bool anonymous;
  char **used_by; /* absolute bundle paths.  */
  size_t n_used;
};

int vol_name_valid (const char *name, struct tong_err *err);
/* ROOT: --root, else $TONG_VOLUME_ROOT, else the default.  Made if missing;
   locked shared or exclusive until vol_store_close.  */
int vol_store_open (struct vol_store *s, const char *root, bool exclusive, struct tong_err *err);
void vol_store_close (struct vol_store *s);
/* The host path of NAME's data: <root>/<name>/_data (malloc'd).  */
char *vol_mountpoint (const struct vol_store *s, const char *name);
/* Is PATH the mountpoint of a volume in S?  Then the name (malloc'd).  */
char *vol_name_of_source (const struct vol_store *s, const char *path);
int vol_exists (const struct vol_store *s, const char *name);
int vol_meta_read (const struct vol_store *s, const char *name, struct vol_meta *m,
                   struct tong_err *err);
int vol_meta_write (const struct vol_store *s, const struct vol_meta *m, struct tong_err *err);
void vol_meta_clear (struct vol_meta *m);
/* LABELS: "k=v" strings (may be NULL).  Fails when NAME exists.  */
int vol_create (const struct vol_store *s, const char *name, char **labels, size_t n_labels,
                bool anonymous, struct tong_err *err);
/* A fresh anonymous name: 64 hex digits, as Docker.  */
int vol_random_name (char out[65], struct tong_err *err);
/* The bundles whose config.json still mounts the volume (stale records are
   not counted).  Returns the count; LIVE may be NULL.  */
size_t vol_live_users (const struct vol_store *s, const struct vol_meta *m, char ***live);
int vol_add_user (const struct vol_store *s, const char *name, const char *bundle,
                  struct tong_err *err);
int vol_drop_user (const struct vol_store *s, const char *name, const char *bundle,
                   struct tong_err *err);
/* A process whose mount namespace has NAME's data mounted (a container
   still running with it), or 0.  */
pid_t vol_mounted_by (const struct vol_store *s, const char *name);
/* Remove NAME (its data too); refuses one in use or mounted.  */
int vol_remove (const struct vol_store *s, const char *name, struct tong_err *err);
/* All volume names, sorted; NULL-terminated (free with cleanup_strv).  */
int vol_list (const struct vol_store *s, char ***names, struct tong_err *err);
/* Does M match the label filter "k" or "k=v"?  */
bool vol_label_match (const struct vol_meta *m, const char *filter);

/* ---- copyup.c ---- */
/* Copy the tree under SRCFD into the empty directory DSTFD: owners, modes,
   times, symlinks, hard links, device nodes, xattrs; the root of DSTFD gets
   SRCFD's owner, mode and times.  */
int copy_tree (int srcfd, int dstfd, struct tong_err *err);
/* Is the directory DIRFD empty?  1 yes, 0 no, -1 error.  */
int dir_is_empty (int dirfd, struct tong_err *err);

/* ---- attach.c ---- */
enum vspec_kind
{
  VSPEC_VOLUME, /* NAME:/path */
  VSPEC_ANON,   /* /path */
  VSPEC_BIND,   /* /host:/path */
};

struct vspec
{
  enum vspec_kind kind;
  char *name; /* volume name (VOLUME; ANON once created).  */
  char *host; /* BIND source.  */
  char *dest; /* normalized container path.  */
  bool ro;
  bool nocopy;
  /* ANON from --image-volumes over tong-image's own anonymous volume: the
     directory it seeded (BUNDLE/volumes/ID), copied up instead of the
     rootfs's (now empty) mount point.  */
  char *seed;
  /* BIND from --from: the other bundle's mount options (ro/rw are set
     from RO); NULL: rbind, rprivate.  */
  struct json_value *opts;
};

int vspec_parse (const char *text, struct vspec *out, struct tong_err *err);
void vspec_clear (struct vspec *v);
/* Normalize an absolute container path: no "..", "//" or trailing "/"; not "/".  */
char *dest_normalize (const char *path, struct tong_err *err);
/* Where a mount for DEST goes in MOUNTS (an array of mount objects, with any
   entry for DEST already removed): before the first mount under DEST, so it
   does not hide it, and after its parents.  */
size_t mount_insert_index (const struct json_value *mounts, const char *dest);

struct attach_opts
{
  bool create_host_path;
  bool image_volumes;
  const char *from; /* OTHER_BUNDLE[:ro|:rw] */
};

int volume_attach (struct vol_store *s, const char *bundle, char **specs, size_t n_specs,
                   const struct attach_opts *o, struct tong_err *err);
int volume_detach (struct vol_store *s, const char *bundle, char **dests, size_t n,
                   struct tong_err *err);
/* Does BUNDLE's config.json mount MOUNTPOINT?  */
bool bundle_mounts (const char *bundle, const char *mountpoint);

#endif
