#include "sync.h"
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
sync_send_fd (int sock, int fd, const void *data, size_t len, struct tong_err *err)
{
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (fd >= 0)
    {
      memset (&u, 0, sizeof u);
      mh.msg_control = u.buf;
      mh.msg_controllen = sizeof u.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR (&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &fd, sizeof (int));
    }
  ssize_t r;
  do
    r = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return tong_err_set (err, errno, "sendmsg");
  return 0;
}

int
sync_recv_fd (int sock, int *fd, void *data, size_t len, struct tong_err *err)
{
  struct iovec iov = { .iov_base = data, .iov_len = len };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf };
  if (fd)
    *fd = -1;
  ssize_t r;
  do
    r = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return tong_err_set (err, errno, "recvmsg");
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int got;
        memcpy (&got, CMSG_DATA (c), sizeof (int));
        if (fd)
          *fd = got;
        else
          close (got);
      }
  return (int) r;
}

int
sync_send (int sock, enum sync_type type, int fd, struct tong_err *err)
{
  /* Only the header travels for plain messages: no 64 KiB struct on the
     stack (zeroing it made 16 pages resident).  */
  uint32_t hdr[2] = { (uint32_t) type, 0 };
  _Static_assert (sizeof hdr == offsetof (struct sync_msg, msg), "sync header layout");
  return sync_send_fd (sock, fd, hdr, sizeof hdr, err);
}

int
sync_send_text (int sock, enum sync_type type, const char *text, struct tong_err *err)
{
  return sync_send_text_fd (sock, type, text, -1, err);
}

int
sync_send_text_fd (int sock, enum sync_type type, const char *text, int fd,
                   struct tong_err *err)
{
  struct sync_msg *m = malloc (sizeof *m);
  if (m == NULL)
    return tong_err_set (err, ENOMEM, "sync message");
  size_t n = strlen (text);
  if (n >= sizeof m->msg)
    {
      free (m);
      return tong_err_set (err, E2BIG, "sync message: %zu bytes", n);
    }
  m->type = type;
  m->errnum = 0;
  memcpy (m->msg, text, n + 1);
  int r = sync_send_fd (sock, fd, m, offsetof (struct sync_msg, msg) + n + 1, err);
  free (m);
  return r;
}

void
sync_send_error (int sock, const struct tong_err *e)
{
  /* Header and text, not a zeroed 64 KiB struct.  */
  struct
  {
    uint32_t type;
    int32_t errnum;
    char msg[sizeof e->msg];
  } m = { .type = SYNC_ERROR, .errnum = e->errnum };
  _Static_assert (offsetof (__typeof__ (m), msg) == offsetof (struct sync_msg, msg),
                  "sync header layout");
  size_t n = strnlen (e->msg, sizeof e->msg - 1);
  memcpy (m.msg, e->msg, n);
  m.msg[n] = '\0';
  sync_send_fd (sock, -1, &m, offsetof (struct sync_msg, msg) + n + 1, NULL);
}

int
sync_recv (int sock, struct sync_msg *m, int *fd, struct tong_err *err)
{
  /* The header only: zeroing all of the 64 KiB text would make every page
     of it resident, for messages that are mostly 8 bytes.  */
  memset (m, 0, offsetof (struct sync_msg, msg));
  m->msg[0] = '\0';
  int r = sync_recv_fd (sock, fd, m, sizeof *m, err);
  if (r < 0)
    return tong_err_wrap (err, "read from container process");
  if (r == 0)
    return tong_err_set (err, 0, "container process exited during setup");
  if ((size_t) r < offsetof (struct sync_msg, msg))
    return tong_err_set (err, EPROTO, "short message from container process");
  size_t n = (size_t) r - offsetof (struct sync_msg, msg);
  m->msg[n < sizeof m->msg ? n : sizeof m->msg - 1] = '\0';
  return 0;
}

int
sync_expect (int sock, enum sync_type type, int *fd, struct tong_err *err)
{
  /* On the heap: a 64 KiB frame is probed page by page (stack clash
     protection), all of it resident; malloc'd pages only where written.  */
  cleanup_free struct sync_msg *m = malloc (sizeof *m);
  if (m == NULL)
    return tong_err_set (err, ENOMEM, "sync message");
  if (sync_recv (sock, m, fd, err) < 0)
    return -1;
  if (m->type == SYNC_ERROR)
    {
      /* The child already formatted the errno text.  */
      tong_err_set (err, 0, "%s", m->msg);
      err->errnum = m->errnum;
      return -1;
    }
  if (m->type != (uint32_t) type)
    return tong_err_set (err, EPROTO, "unexpected message %u from container process (want %u)",
                         m->type, (unsigned) type);
  return 0;
}
