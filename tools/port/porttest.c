/* porttest: the network peer of tests/integration/t-port.sh, static so it
   runs in a test container.  Loopback only: every address is 127.0.0.1
   unless the test names another loopback one.

     tcp-count PORT            server: per connection, read to EOF, then
                               write "bytes=N" and close (half-close check)
     tcp-echo PORT             server: echo each connection; at its end print
                               "conn end=eof|reset" on stdout
     tcp-rst PORT              server: read one byte, then reset the connection
     udp-echo PORT             server: answer each datagram with
                               "from=SRCPORT DATA"
     tcp-send IP PORT          client: send stdin, shut down the write side,
                               print what comes back; prints end=eof|reset
     tcp-hold IP PORT          client: send one byte, wait for the end;
                               prints end=eof|reset
     tcp-reset IP PORT         client: send one byte, read its echo, then
                               close with a reset; prints echoed=1
     udp-send IP PORT MSG...   client: one socket; each MSG is sent and its
                               answer printed; "sleep:N" sleeps N seconds
     hold IP PORT              bind and listen (PORT 0: any), print holding=PORT,
                               then wait to be killed
     bind-check IP PORT        print bind=ok or bind=ERRNO-NAME: can a server
                               (SO_REUSEADDR, as servers do) listen there?

   Clients give up after 20 s (alarm).  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int
addr (const char *ip, const char *port, struct sockaddr_in *sa)
{
  memset (sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons (atoi (port));
  if (inet_pton (AF_INET, ip, &sa->sin_addr) != 1)
    {
      fprintf (stderr, "porttest: bad address %s\n", ip);
      exit (2);
    }
  return 0;
}

static const char *
errname (int e)
{
  switch (e)
    {
    case ECONNREFUSED:
      return "ECONNREFUSED";
    case ECONNRESET:
      return "ECONNRESET";
    case EADDRINUSE:
      return "EADDRINUSE";
    case ETIMEDOUT:
      return "ETIMEDOUT";
    default:
      return strerror (e);
    }
}

static int
server (const char *port, int type)
{
  struct sockaddr_in sa;
  int one = 1;
  addr ("127.0.0.1", port, &sa);
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0
      || (type == SOCK_STREAM && listen (fd, 64) < 0))
    {
      fprintf (stderr, "porttest: listen on %s: %s\n", port, strerror (errno));
      exit (1);
    }
  return fd;
}

static int
tcp_count (const char *port)
{
  int fd = server (port, SOCK_STREAM);
  signal (SIGCHLD, SIG_IGN);
  for (;;)
    {
      int c = accept (fd, NULL, NULL);
      if (c < 0)
        continue;
      if (fork () == 0)
        {
          char buf[65536];
          unsigned long long total = 0;
          ssize_t n;
          while ((n = read (c, buf, sizeof buf)) > 0)
            total += n;
          int len = snprintf (buf, sizeof buf, "bytes=%llu\n", total);
          if (write (c, buf, len) < 0)
            _exit (1);
          _exit (0);
        }
      close (c);
    }
}

static void
reset_close (int fd)
{
  struct linger l = { .l_onoff = 1, .l_linger = 0 };
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close (fd);
}

static int
tcp_echo (const char *port, int rst)
{
  int fd = server (port, SOCK_STREAM);
  signal (SIGCHLD, SIG_IGN);
  for (;;)
    {
      int c = accept (fd, NULL, NULL);
      if (c < 0)
        continue;
      if (fork () == 0)
        {
          char buf[65536];
          ssize_t n;
          if (rst)
            {
              if (read (c, buf, 1) == 1)
                reset_close (c);
              _exit (0);
            }
          while ((n = read (c, buf, sizeof buf)) > 0)
            if (write (c, buf, n) != n)
              break;
          printf ("conn end=%s\n", n == 0                ? "eof"
                                   : errno == ECONNRESET ? "reset"
                                                         : errname (errno));
          fflush (stdout);
          _exit (0);
        }
      close (c);
    }
  return 0;
}

static int
udp_echo (const char *port)
{
  int fd = server (port, SOCK_DGRAM);
  for (;;)
    {
      char buf[2048], out[2200];
      struct sockaddr_in peer;
      socklen_t pl = sizeof peer;
      ssize_t n = recvfrom (fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&peer, &pl);
      if (n < 0)
        continue;
      buf[n] = '\0';
      int len = snprintf (out, sizeof out, "from=%u %s", ntohs (peer.sin_port), buf);
      sendto (fd, out, len, 0, (struct sockaddr *)&peer, pl);
    }
  return 0;
}

static int
client (const char *ip, const char *port)
{
  struct sockaddr_in sa;
  addr (ip, port, &sa);
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    {
      printf ("error=%s\n", errname (errno));
      exit (3);
    }
  return fd;
}

/* Read FD to its end; print the data when SHOW; then end=eof|reset.  */
static int
drain (int fd, int show)
{
  char buf[65536];
  ssize_t n;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    if (show)
      fwrite (buf, 1, n, stdout);
  printf ("end=%s\n", n == 0 ? "eof" : errno == ECONNRESET ? "reset" : errname (errno));
  return n == 0 ? 0 : 4;
}

static int
tcp_send (const char *ip, const char *port)
{
  int fd = client (ip, port);
  char buf[65536];
  ssize_t n;
  while ((n = read (0, buf, sizeof buf)) > 0)
    for (ssize_t off = 0; off < n;)
      {
        ssize_t w = write (fd, buf + off, n - off);
        if (w < 0)
          {
            printf ("end=%s\n", errno == ECONNRESET || errno == EPIPE ? "reset" : errname (errno));
            return 4;
          }
        off += w;
      }
  shutdown (fd, SHUT_WR);
  return drain (fd, 1);
}

static int
tcp_hold (const char *ip, const char *port)
{
  int fd = client (ip, port);
  if (write (fd, "x", 1) != 1)
    {
      printf ("end=%s\n", errname (errno));
      return 4;
    }
  printf ("connected=1\n");
  fflush (stdout);
  return drain (fd, 0);
}

static int
tcp_reset (const char *ip, const char *port)
{
  int fd = client (ip, port);
  char c;
  if (write (fd, "x", 1) != 1 || read (fd, &c, 1) != 1)
    {
      printf ("error=%s\n", errname (errno));
      return 4;
    }
  printf ("echoed=1\n");
  reset_close (fd);
  return 0;
}

static int
udp_send (const char *ip, const char *port, int n, char **msgs)
{
  struct sockaddr_in sa;
  struct timeval tv = { .tv_sec = 3 };
  addr (ip, port, &sa);
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    return 3;
  int rc = 0;
  for (int i = 0; i < n; i++)
    {
      if (strncmp (msgs[i], "sleep:", 6) == 0)
        {
          sleep (atoi (msgs[i] + 6));
          continue;
        }
      char buf[2048];
      send (fd, msgs[i], strlen (msgs[i]), 0);
      ssize_t r = recv (fd, buf, sizeof buf - 1, 0);
      if (r < 0)
        {
          printf ("reply=none %s\n", errname (errno));
          rc = 4;
          continue;
        }
      buf[r] = '\0';
      printf ("reply=%s\n", buf);
      fflush (stdout);
    }
  return rc;
}

static int
hold (const char *ip, const char *port)
{
  struct sockaddr_in sa;
  addr (ip, port, &sa);
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen (fd, 1) < 0)
    {
      printf ("error=%s\n", errname (errno));
      return 1;
    }
  socklen_t sl = sizeof sa;
  getsockname (fd, (struct sockaddr *)&sa, &sl);
  printf ("holding=%u\n", ntohs (sa.sin_port));
  fflush (stdout);
  for (;;)
    pause ();
}

static int
bind_check (const char *ip, const char *port)
{
  struct sockaddr_in sa;
  addr (ip, port, &sa);
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  /* Connections that ended on this port may linger in TIME_WAIT; only a
     listener makes the port taken for a server.  */
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen (fd, 1) < 0)
    {
      printf ("bind=%s\n", errname (errno));
      return 1;
    }
  printf ("bind=ok\n");
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: porttest tcp-count|udp-echo PORT | tcp-send|tcp-hold|hold|"
                       "bind-check IP PORT | udp-send IP PORT MSG...\n");
      return 2;
    }
  const char *cmd = argv[1];
  if (strcmp (cmd, "tcp-count") == 0)
    return tcp_count (argv[2]);
  if (strcmp (cmd, "udp-echo") == 0)
    return udp_echo (argv[2]);
  if (strcmp (cmd, "tcp-echo") == 0)
    return tcp_echo (argv[2], 0);
  if (strcmp (cmd, "tcp-rst") == 0)
    return tcp_echo (argv[2], 1);
  if (argc < 4)
    return 2;
  signal (SIGPIPE, SIG_IGN);
  if (strcmp (cmd, "hold") == 0)
    return hold (argv[2], argv[3]);
  alarm (20);
  if (strcmp (cmd, "tcp-send") == 0)
    return tcp_send (argv[2], argv[3]);
  if (strcmp (cmd, "tcp-hold") == 0)
    return tcp_hold (argv[2], argv[3]);
  if (strcmp (cmd, "tcp-reset") == 0)
    return tcp_reset (argv[2], argv[3]);
  if (strcmp (cmd, "udp-send") == 0)
    return udp_send (argv[2], argv[3], argc - 4, argv + 4);
  if (strcmp (cmd, "bind-check") == 0)
    return bind_check (argv[2], argv[3]);
  return 2;
}
