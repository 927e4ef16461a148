/* recvtty: the receiving end of `--console-socket` for the terminal tests.

     recvtty SOCKET OUTFILE [INPUT]

   Listens on the unix socket SOCKET (created under a temporary name and
   renamed into place, so its existence means it is listening), accepts one
   connection, receives the pty master over SCM_RIGHTS, writes INPUT (if
   given) to it, then copies everything the container writes to OUTFILE
   until the pty closes.  Gives up after 60 seconds.  Exit 0 when a master
   was received.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int
die (const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  return 1;
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char tmp[sizeof addr.sun_path];
  char buf[4096], name[256];
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm;
  int lfd, cfd, master = -1, out;
  ssize_t n;

  if (argc < 3)
    {
      fprintf (stderr, "usage: recvtty SOCKET OUTFILE [INPUT]\n");
      return 2;
    }
  alarm (60);
  if (snprintf (tmp, sizeof tmp, "%s.tmp", argv[1]) >= (int)sizeof tmp)
    {
      fprintf (stderr, "recvtty: socket path too long\n");
      return 2;
    }
  out = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0)
    return die (argv[2]);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0)
    return die ("socket");
  strcpy (addr.sun_path, tmp);
  unlink (tmp);
  if (bind (lfd, (struct sockaddr *)&addr, sizeof addr) < 0)
    return die ("bind");
  if (listen (lfd, 1) < 0)
    return die ("listen");
  if (rename (tmp, argv[1]) < 0)
    return die ("rename");
  cfd = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  if (cfd < 0)
    return die ("accept");
  n = recvmsg (cfd, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return die ("recvmsg");
  for (cm = CMSG_FIRSTHDR (&msg); cm; cm = CMSG_NXTHDR (&msg, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      memcpy (&master, CMSG_DATA (cm), sizeof master);
  close (cfd);
  close (lfd);
  unlink (argv[1]);
  if (master < 0)
    {
      fprintf (stderr, "recvtty: no fd in the message\n");
      return 1;
    }
  name[n] = '\0';
  fprintf (stderr, "recvtty: received %s\n", name);
  if (argc > 3 && write (master, argv[3], strlen (argv[3])) < 0)
    return die ("write to the pty");
  /* The pty reads EIO once every slave fd is closed.  */
  while ((n = read (master, buf, sizeof buf)) > 0)
    if (write (out, buf, n) != n)
      return die ("write");
  close (master);
  close (out);
  return 0;
}
