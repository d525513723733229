/*
 * sink-file.h - what the file sink (sink-file.c) exposes besides its type:
 * the write loop that turns short writes and EINTR into one complete write,
 * so a test can drive it with a write() that misbehaves.
 */
#ifndef DH_SINK_FILE_H
#define DH_SINK_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* A write(2) look-alike. */
typedef ssize_t (*dh_write_fn_t)(int fd, const void *buf, size_t len);

/* Write all len bytes of buf to fd with wr, retrying after EINTR and
   continuing after short writes. 0, or -1 with errno set (what was written
   before the error stays written). */
int dh_write_all(int fd, const char *buf, size_t len, dh_write_fn_t wr);

#endif
