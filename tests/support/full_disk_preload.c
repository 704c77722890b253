/* A full disk for tests, without root: LD_PRELOAD this library and every write into files under
 * $SGDS_FULL_DISK_DIR fails with ENOSPC once $SGDS_FULL_DISK_AFTER bytes (default 0) have been
 * written there, as a file system that ran out of space would. Other files are written normally.
 * Covers write, pwrite, pwrite64, writev, copy_file_range and sendfile (what libhdf5, the seal and
 * std::filesystem::copy_file use). Test support only: never linked into sgdsmooth. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long written_so_far = 0;

static int under_full_disk(int fd) {
  const char *dir = getenv("SGDS_FULL_DISK_DIR");
  if (!dir || !*dir) return 0;
  char link[64], path[PATH_MAX], real_dir[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  if (!realpath(dir, real_dir)) return 0;
  const size_t len = strlen(real_dir);
  return strncmp(path, real_dir, len) == 0 && path[len] == '/';
}

/* 1: this write must fail with ENOSPC. */
static int disk_is_full(int fd, size_t count) {
  if (!under_full_disk(fd)) return 0;
  const char *after = getenv("SGDS_FULL_DISK_AFTER");
  const long long budget = after ? atoll(after) : 0;
  if (written_so_far + (long long)count > budget) return 1;
  written_so_far += (long long)count;
  return 0;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buffer, size_t count) {
  if (disk_is_full(fd, count)) { errno = ENOSPC; return -1; }
  return NEXT(write)(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
  if (disk_is_full(fd, count)) { errno = ENOSPC; return -1; }
  return NEXT(pwrite)(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
  if (disk_is_full(fd, count)) { errno = ENOSPC; return -1; }
  return NEXT(pwrite64)(fd, buffer, count, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
  size_t count = 0;
  for (int i = 0; i < iovcnt; ++i) count += iov[i].iov_len;
  if (disk_is_full(fd, count)) { errno = ENOSPC; return -1; }
  return NEXT(writev)(fd, iov, iovcnt);
}

ssize_t copy_file_range(int in, off_t *in_offset, int out, off_t *out_offset, size_t count, unsigned flags) {
  if (disk_is_full(out, count)) { errno = ENOSPC; return -1; }
  return NEXT(copy_file_range)(in, in_offset, out, out_offset, count, flags);
}

ssize_t sendfile(int out, int in, off_t *offset, size_t count) {
  if (disk_is_full(out, count)) { errno = ENOSPC; return -1; }
  return NEXT(sendfile)(out, in, offset, count);
}
