#include "terminal.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"
#include "rootfs.h"
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int
terminal_connect_socket (const char *path, struct tong_err *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof addr.sun_path)
    return tong_err_set (err, ENAMETOOLONG, "console socket `%s`", path);
  strcpy (addr.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return tong_err_set (err, errno, "socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      int e = errno;
      close (fd);
      return tong_err_set (err, e, "connect to console socket `%s`", path);
    }
  return fd;
}

int
terminal_setup (const struct oci_process *p, bool bind_console, struct tong_err *err)
{
  cleanup_close int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return tong_err_set (err, errno, "open /dev/ptmx");
  if (unlockpt (master) < 0)
    return tong_err_set (err, errno, "unlockpt");
  /* TIOCGPTPEER opens the slave through the master, without a path lookup.  */
  cleanup_close int slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return tong_err_set (err, errno, "open pty slave");
  if (p->has_console_size)
    {
      struct winsize ws = { .ws_row = p->console_height, .ws_col = p->console_width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return tong_err_set (err, errno, "process.consoleSize: set window size");
    }
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return tong_err_set (err, errno, "set controlling terminal");
  for (int i = 0; i < 3; i++)
    if (dup2 (slave, i) < 0)
      return tong_err_set (err, errno, "dup2 pty to fd %d", i);
  if (bind_console)
    {
      char name[64];
      if (ptsname_r (master, name, sizeof name) != 0)
        return tong_err_set (err, errno, "ptsname");
      cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (root < 0)
        return tong_err_set (err, errno, "open /");
      cleanup_close int target = rootfs_ensure (root, "/dev/console", false, err);
      if (target < 0)
        return tong_err_wrap (err, "/dev/console");
      char proc[64];
      snprintf (proc, sizeof proc, "/proc/self/fd/%d", target);
      if (mount (name, proc, NULL, MS_BIND, NULL) < 0)
        return tong_err_set (err, errno, "bind %s onto /dev/console", name);
    }
  return steal_fd (&master);
}

int
terminal_send_master (int sock, int master, struct tong_err *err)
{
  char name[64];
  if (ptsname_r (master, name, sizeof name) != 0)
    strcpy (name, "/dev/ptmx");
  if (sync_send_fd (sock, master, name, strlen (name), err) < 0)
    return tong_err_wrap (err, "send pty master to console socket");
  return 0;
}

static void
copy_winsize (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

int
terminal_proxy (int master, struct tong_err *err)
{
  struct termios saved, raw;
  bool tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  if (tty)
    {
      raw = saved;
      cfmakeraw (&raw);
      tcsetattr (STDIN_FILENO, TCSANOW, &raw);
      copy_winsize (STDIN_FILENO, master);
    }
  sigset_t mask;
  sigemptyset (&mask);
  sigaddset (&mask, SIGWINCH);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  cleanup_close int sfd = signalfd (-1, &mask, SFD_CLOEXEC);
  struct pollfd p[3] = {
    { .fd = STDIN_FILENO, .events = POLLIN },
    { .fd = master, .events = POLLIN },
    { .fd = sfd, .events = POLLIN },
  };
  char buf[8192];
  int ret = 0;
  for (;;)
    {
      if (poll (p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          ret = tong_err_set (err, errno, "poll");
          break;
        }
      if (p[2].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof si) > 0 && tty)
            copy_winsize (STDIN_FILENO, master);
        }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read (master, buf, sizeof buf);
          if (n <= 0)
            break; /* EIO: every slave fd is closed, the container is gone.  */
          write_all_fd (STDOUT_FILENO, buf, n);
        }
      if (p[0].revents & (POLLIN | POLLHUP))
        {
          ssize_t n = read (STDIN_FILENO, buf, sizeof buf);
          if (n <= 0)
            p[0].fd = -1; /* our stdin ended; keep reading the container.  */
          else
            write_all_fd (master, buf, n);
        }
    }
  if (tty)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  return ret;
}
