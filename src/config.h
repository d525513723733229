/*
 * config.h - the run configuration file (-c dnshound.yaml).
 *
 * The file sets the same things as the command line (inputs, output, rules
 * directory, known resolvers, state limits); options given on the command
 * line win. deploy/dnshound.yaml documents every key. An unknown key or a bad
 * value is an error naming FILE:LINE.
 *
 * Ownership: dh_config_load allocates; strings in opts point into the
 * config, which must outlive the pipeline; dh_config_free frees it.
 */
#ifndef DH_CONFIG_H
#define DH_CONFIG_H

#include <stddef.h>

#include "pipeline.h"

typedef struct dh_config dh_config_t;

/* Load path and apply its settings onto opts. NULL with err filled. */
dh_config_t *dh_config_load(const char *path, dh_options_t *opts, char *err, size_t errlen);

/* Inputs named by the file (NULL-terminated; empty when none). */
const char *const *dh_config_inputs(const dh_config_t *c);
/* The stats path it names, or NULL. */
const char *dh_config_stats(const dh_config_t *c);

void dh_config_free(dh_config_t *c);

#endif
