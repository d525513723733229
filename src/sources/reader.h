/*
 * reader.h - read a file, a pipe or stdin line by line, plain or gzip: the
 * line reader of the file and stdin sources and of a followed file
 * (--follow, source-follow.c: dh_file_reader_open_follow below).
 *
 * Gzip is recognised by its magic bytes, never by the file name: zlib's
 * gzread reads plain files transparently and concatenated gzip members
 * (rotated logs cat'ed together) in sequence. A gzip stream that ends early
 * (a truncated archive) or is corrupt is reported as an input error after the
 * lines that could be read were handed out.
 *
 * Lines longer than max_line are not buffered whole: the reader hands out the
 * first max_line bytes once with DH_READ_TOO_LONG (so the caller can say what
 * it was) and silently skips the rest up to the next newline. Memory is
 * therefore bounded by max_line whatever the input holds.
 *
 * Ownership: dh_file_reader_open allocates, dh_file_reader_close frees. A
 * line handed out is valid until the next call.
 */
#ifndef DH_READER_H
#define DH_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct dh_file_reader dh_file_reader_t;

typedef enum {
    DH_READ_LINE = 0,     /* line and len: one line without its '\n' */
    DH_READ_TOO_LONG = 1, /* line and len: the first max_line bytes of a longer line */
    DH_READ_EOF = 2,      /* clean end of input */
    DH_READ_ERROR = 3,    /* read error or truncated/corrupt gzip: see errmsg */
    DH_READ_STOPPED = 4,  /* the wait callback said stop; a partial last line is dropped */
} dh_read_t;

/* path "-" is stdin. Returns NULL and fills err (a strerror text) on failure. */
dh_file_reader_t *dh_file_reader_open(const char *path, size_t max_line, char *err, size_t errlen);

dh_read_t dh_file_reader_next(dh_file_reader_t *r, const char **line, size_t *len);

/* 1-based number of the line last returned. */
uint64_t dh_file_reader_line_no(const dh_file_reader_t *r);

/* After DH_READ_ERROR: what went wrong. */
const char *dh_file_reader_errmsg(const dh_file_reader_t *r);

/* 1 when the input was gzip-compressed. */
int dh_file_reader_is_gzip(const dh_file_reader_t *r);

/* Live inputs: a pipe, a FIFO, a socket or a terminal, whose data arrive
   over time (everything but a regular file; /dev/null and other character
   devices that are not terminals count as files). A regular file is never
   live. */
int dh_file_reader_is_live(const dh_file_reader_t *r);

/* Called on a live input before each read(): it waits until fd is readable
   (or at its end) and returns 1 to read, or 0 to stop reading now (then
   dh_file_reader_next returns DH_READ_STOPPED, and again on every later
   call). arg is borrowed. Without it a live input is read with blocking
   read()s. */
typedef int (*dh_reader_wait_fn)(void *arg, int fd);
void dh_file_reader_set_wait(dh_file_reader_t *r, dh_reader_wait_fn wait, void *arg);

/* ---- following a growing regular file (source-follow.c) ----
   fd (borrowed: the caller closes it after dh_file_reader_close) is
   read with read() from its current position, as plain text (the caller
   refuses gzip: a growing gzip file cannot be read to its end). At the end
   of the bytes there, the wait callback (dh_file_reader_set_wait) is called
   and returns one of DH_FOLLOW_*: READ to read again (it waited), END to end
   this input (the file was rotated: the rest, a last line without newline
   included, is handed out, then DH_READ_EOF), STOP to stop (DH_READ_STOPPED,
   also for a truncated file: a partial last line is held back, never handed
   out).
   Without a callback the reader ends at the end of the data. */
enum { DH_FOLLOW_STOP = 0, DH_FOLLOW_READ = 1, DH_FOLLOW_END = 2 };
dh_file_reader_t *dh_file_reader_open_follow(int fd, size_t max_line);
/* Follow: check(arg, fd) runs before the first read() after each wait that
   said READ, and before a read() once every_bytes were read without a wait
   (a file that grows faster than it is read): DH_FOLLOW_READ reads on,
   DH_FOLLOW_STOP stops as the wait's (the caller saw a truncation). It runs
   when no whole line is left unread. */
void dh_file_reader_set_check(dh_file_reader_t *r, dh_reader_wait_fn check, uint64_t every_bytes);

/* Follow: bytes from where reading started to the end of the last whole
   line handed out (its newline included): the offset to resume from. An
   over-long line counts once its rest has been skipped. */
uint64_t dh_file_reader_consumed(const dh_file_reader_t *r);

void dh_file_reader_close(dh_file_reader_t *r);

#endif
