/*
 * source-file.c - the file source: a path (plain or gzip, recognised by the
 * reader) read to its end through one pipeline stream. Lines are handed to
 * the stream with their numbers, so malformed records are reported as
 * PATH:LINE; a read error or a truncated gzip member ends the stream with
 * that error after every line that could be read.
 */
#include "source-file.h"

#include <stdlib.h>

#include "reader.h"
#include "../util-mem.h"

/* ---- the file source (source.h) ------------------------------------------ */

int dh_file_source_read(dh_pipeline_t *pl, const char *path, const char *name, size_t max_line)
{
    char err[160];
    dh_file_reader_t *r = dh_file_reader_open(path, max_line, err, sizeof(err));
    dh_stream_t *s = dh_stream_open(pl, name);
    if (!r) {
        dh_stream_close(s, err);
        return -1;
    }
    const char *line;
    size_t len;
    dh_read_t rc;
    while ((rc = dh_file_reader_next(r, &line, &len)) == DH_READ_LINE || rc == DH_READ_TOO_LONG)
        dh_stream_line(s, dh_file_reader_line_no(r), line, len, rc == DH_READ_TOO_LONG);
    dh_stream_set_gzip(s, dh_file_reader_is_gzip(r));
    dh_stream_close(s, rc == DH_READ_ERROR ? dh_file_reader_errmsg(r) : NULL);
    dh_file_reader_close(r);
    return rc == DH_READ_ERROR ? -1 : 0;
}

/* An instance is the path it reads: the file is opened by run(), so that
   one that cannot be opened is reported as that input's error. */
typedef struct {
    dh_pipeline_t *pl;
    const char *path, *name; /* borrowed */
    size_t max_line;
} file_source_t;

void *dh_file_source_new(const dh_source_args_t *a, const char *path, const char *name)
{
    file_source_t *f = dh_calloc(1, sizeof(*f));
    f->pl = a->pl;
    f->path = path;
    f->name = name;
    f->max_line = a->input->max_line;
    return f;
}

int dh_file_source_run(void *state, dh_source_end_t *end)
{
    file_source_t *f = state;
    *end = DH_SOURCE_END_OF_INPUT;
    return dh_file_source_read(f->pl, f->path, f->name, f->max_line);
}

void dh_file_source_close(void *state)
{
    free(state);
}

static void *file_open(const char *spec, const dh_source_args_t *a, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    return dh_file_source_new(a, spec, spec);
}

const dh_source_type_t dh_source_file = {
    .name = "file",
    .description = "a file path, plain or gzip (any input no other source claims)",
    .claims = NULL,
    .open = file_open,
    .run = dh_file_source_run,
    .close = dh_file_source_close,
};
