/*
 * source-stdin.c - standard input ("-", or no input at all): a pipe, a FIFO,
 * a terminal or a redirected file, read with the file source's reader
 * (source-file.h), which reads non-seekable inputs as their bytes arrive so
 * that a live `tail -F | dnshound -` is seen line by line. Reports name the
 * input "<stdin>". A pipe, a FIFO, a socket or a terminal is a live input
 * (source-file.c); a redirected regular file is a replay like its path.
 *
 * A terminal as input is most often a mistake (dnshound run without
 * arguments): like jq and zcat it says once on stderr what it is waiting
 * for, then reads the terminal anyway.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../source.h"
#include "source-file.h"

static bool stdin_claims(const char *spec)
{
    return strcmp(spec, "-") == 0;
}

static void *stdin_open(const char *spec, const dh_source_args_t *a, char *err, size_t errlen)
{
    (void)spec, (void)err, (void)errlen;
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "dnshound: reading DNS log records from standard input (a terminal); "
                        "give a file, a pipe or --help\n");
    return dh_file_source_new(a, "-", "<stdin>");
}

const dh_source_type_t dh_source_stdin = {
    .name = "stdin",
    .description = "'-': standard input (a pipe is read as it arrives)",
    .claims = stdin_claims,
    .open = stdin_open,
    .run = dh_file_source_run,
    .close = dh_file_source_close,
};
