/*
 * source-file.h - read a file or stdin line by line, plain or gzip.
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
 *
 * The file source (dh_source_file, source.h) reads one path through one
 * pipeline stream; the stdin source is the same instance on "-"
 * (dh_file_source_new, _run, _close).
 */
#ifndef DH_SOURCE_FILE_H
#define DH_SOURCE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "../pipeline.h"
#include "../source.h"

typedef struct dh_file_reader dh_file_reader_t;

typedef enum {
    DH_READ_LINE = 0,     /* line and len: one line without its '\n' */
    DH_READ_TOO_LONG = 1, /* line and len: the first max_line bytes of a longer line */
    DH_READ_EOF = 2,      /* clean end of input */
    DH_READ_ERROR = 3,    /* read error or truncated/corrupt gzip: see errmsg */
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

void dh_file_reader_close(dh_file_reader_t *r);

/* Read a whole file ("-" = stdin) through one stream named `name` (for
   FILE:LINE reports). 0, or -1 when it could not be opened or was cut short
   (reported on the log through the stream). */
int dh_file_source_read(dh_pipeline_t *pl, const char *path, const char *name, size_t max_line);

/* A source instance (source.h) that reads path ("-" = stdin) as the stream
   `name`, cut at a->input->max_line: what the file and stdin sources'
   open() return. path, name and a's pipeline are borrowed and outlive it.
   Its run() and close() are the two below. */
void *dh_file_source_new(const dh_source_args_t *a, const char *path, const char *name);
int dh_file_source_run(void *state, dh_source_end_t *end);
void dh_file_source_close(void *state);

#endif
