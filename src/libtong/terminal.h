/* process.terminal: the pty is made inside the container (its devpts);
   the master goes to --console-socket, or to tong run, which connects it
   to the user's terminal.  */
#ifndef TONG_TERMINAL_H
#define TONG_TERMINAL_H

#include <sys/types.h>
#include "config.h"
#include "err.h"

/* Parent, before clone: connect to the console socket.  */
int terminal_connect_socket (const char *path, struct tong_err *err);

/* Child, after the root switch and setsid: open a pty from /dev/ptmx, apply
   consoleSize, make the slave the controlling terminal and stdio, bind it onto
   /dev/console.  Returns the master fd.  */
int terminal_setup (const struct oci_process *p, bool bind_console, struct tong_err *err);

/* Send the master over SOCK with its pts name as data, as runc does.  */
int terminal_send_master (int sock, int master, struct tong_err *err);

/* tong run -t without a console socket: raw mode on our stdin when it is a
   terminal, copy both ways and forward window size changes until the
   container side closes.  */
int terminal_proxy (int master, struct tong_err *err);

#endif
