/* tests/integration/no_io_uring.c - runs a command where io_uring is
 * refused, as a container's seccomp profile (Docker's default since 2023)
 * or kernel.io_uring_disabled=2 refuse it: a seccomp filter makes
 * io_uring_setup, io_uring_enter and io_uring_register fail with EPERM,
 * then the command is exec'd (the filter is inherited and cannot be
 * lifted).  Usage: no_io_uring COMMAND [ARGS...] */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "no_io_uring: add this architecture's AUDIT_ARCH"
#endif

#define REFUSE(nr)                                  \
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: no_io_uring COMMAND [ARGS...]\n");
    return 2;
  }
  struct sock_filter filter[] = {
      /* Another architecture's calls (x32, compat): refuse outright. */
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      REFUSE(__NR_io_uring_setup),
      REFUSE(__NR_io_uring_enter),
      REFUSE(__NR_io_uring_register),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    fprintf(stderr, "no_io_uring: cannot install the seccomp filter: %s\n", strerror(errno));
    return 2;
  }
  execvp(argv[1], argv + 1);
  fprintf(stderr, "no_io_uring: cannot run %s: %s\n", argv[1], strerror(errno));
  return 127;
}
