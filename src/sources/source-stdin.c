/*
 * source-stdin.c - standard input ("-", or no input at all): a pipe, a FIFO,
 * a terminal or a redirected file, read with the file source's reader
 * (source-file.h), which reads non-seekable inputs as their bytes arrive so
 * that a live `tail -F | dnshound -` is seen line by line. Reports name the
 * input "<stdin>".
 */
#include <string.h>

#include "../source.h"
#include "../util-mem.h"
#include "source-file.h"

typedef struct {
    dh_pipeline_t *pl;
    size_t max_line;
} stdin_source_t;

static bool stdin_claims(const char *spec)
{
    return strcmp(spec, "-") == 0;
}

static void *stdin_open(const char *spec, const dh_source_args_t *a, char *err, size_t errlen)
{
    (void)spec, (void)err, (void)errlen;
    stdin_source_t *s = dh_calloc(1, sizeof(*s));
    s->pl = a->pl;
    s->max_line = a->input->max_line;
    return s;
}

static int stdin_run(void *state, dh_source_end_t *end)
{
    stdin_source_t *s = state;
    *end = DH_SOURCE_END_OF_INPUT;
    return dh_file_source_read(s->pl, "-", "<stdin>", s->max_line);
}

static void stdin_close(void *state)
{
    free(state);
}

const dh_source_type_t dh_source_stdin = {
    .name = "stdin",
    .description = "'-': standard input (a pipe is read as it arrives)",
    .claims = stdin_claims,
    .open = stdin_open,
    .run = stdin_run,
    .close = stdin_close,
};
