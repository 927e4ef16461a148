/* The store commands (cmds.c).  */
#ifndef TONG_IMAGE_CMDS_H
#define TONG_IMAGE_CMDS_H

#include "image.h"

int cmd_images (struct store *s, bool digests, bool quiet, bool json, struct tong_err *err);
int cmd_inspect (struct store *s, const char *ref, const char *platform, struct tong_err *err);
int cmd_rmi (struct store *s, char **refs, int n, struct tong_err *err);
int cmd_prune (struct store *s, struct tong_err *err);
int cmd_df (struct store *s, bool verbose, struct tong_err *err);

#endif
