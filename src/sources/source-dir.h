/*
 * source-dir.h - the directory source (dh_source_dir, source.h): every log
 * file under a directory, in order of their first record, read as one
 * replay. What it exposes besides the type, for tests and tools: the name
 * rule and the plan (which files, in which order).
 */
#ifndef DH_SOURCE_DIR_H
#define DH_SOURCE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../log.h"
#include "../options.h"

/* true for the names read as logs: *.log, *.log.gz, eve.json* */
bool dh_dir_source_is_log_name(const char *name);

typedef struct {
    uint64_t skipped_names; /* files whose names are not logs' */
    uint64_t skipped_formats; /* log names whose first lines no parser knows */
    uint64_t seen_twice;    /* directories or files reached again (links) */
    uint64_t dir_errors;    /* directories that could not be listed (logged) */
} dh_dir_walk_stats_t;

/* The log files under root in the order the source reads them (first
   record time, then path), NULL-terminated, *n of them; stats may be NULL.
   in: max_line and a forced format for the peek. Free with
   dh_dir_source_free_list. */
char **dh_dir_source_list(const char *root, const dh_input_options_t *in, dh_log_t *logger,
                          size_t *n, dh_dir_walk_stats_t *stats);
void dh_dir_source_free_list(char **paths);

#endif
