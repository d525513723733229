/*
 * rules.h - a detector's rule file: metadata, ATT&CK mapping, thresholds.
 *
 * Each detector NAME reads rules/NAME.yaml. The vocabulary follows Sigma
 * (title, id, description, level, tags) plus an `attack` block (pinned
 * ATT&CK version, detection strategy, tactic/technique/sub-technique ids and
 * names) and a free `thresholds` map that the detector reads itself. Every key
 * is documented in the shipped files; an unknown key is an error naming
 * FILE:LINE.
 *
 * Ownership: dh_rule_load allocates; dh_rule_free frees the rule and its tree.
 */
#ifndef DH_RULES_H
#define DH_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "util-strset.h"
#include "yaml-tree.h"

#define DH_ATTACK_MAX 4

typedef struct {
    const char *id;
    const char *name;
} dh_attack_ref_t;

typedef struct {
    const char *version;            /* ATT&CK release the ids come from, e.g. "18.1" */
    const char *detection_strategy; /* DETnnnn, may be NULL */
    dh_attack_ref_t tactics[DH_ATTACK_MAX];
    size_t n_tactics;
    dh_attack_ref_t techniques[DH_ATTACK_MAX];
    size_t n_techniques;
    dh_attack_ref_t subtechniques[DH_ATTACK_MAX];
    size_t n_subtechniques;
} dh_attack_t;

typedef struct {
    const char *path;
    const char *title;
    const char *id;
    const char *description;
    const char *level;   /* informational|low|medium|high|critical */
    int severity;        /* 1..5 from level */
    double risk_score;   /* 0..100 */
    double confidence;   /* 0..1 */
    bool enabled;
    int64_t suppression_s; /* repeats for one entity within this period update the
                              first alert instead of repeating it (0: off) */
    dh_attack_t attack;
    dh_yaml_node_t *thresholds; /* the detector reads and validates it */
    dh_yaml_node_t *root;
} dh_rule_t;

/* Load and validate DIR/NAME.yaml (everything except `thresholds`, which the
   detector checks). NULL with err "FILE:LINE: ..." on failure. */
dh_rule_t *dh_rule_load(const char *dir, const char *name, char *err, size_t errlen);

/* After the detector read its thresholds: fail on any unknown key. */
int dh_rule_finish(dh_rule_t *r, char *err, size_t errlen);

void dh_rule_free(dh_rule_t *r);

/* A detector's numeric thresholds as a table: key in `thresholds`, offset of
   the int64_t / double field in the detector's parameter struct, default,
   allowed range. */
typedef struct {
    const char *key;
    size_t off;
    int64_t def, min, max;
} dh_int_param_t;

typedef struct {
    const char *key;
    size_t off;
    double def, min, max;
} dh_double_param_t;

#define DH_N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Fill params from the tables: defaults, then the values the rule sets
   (range-checked, errors name FILE:LINE). 0 or -1. */
int dh_rule_read_params(dh_rule_t *r, void *params, const dh_int_param_t *ints, size_t n_ints,
                        const dh_double_param_t *dbls, size_t n_dbls, char *err, size_t errlen);

/* Read a list of integers (e.g. qtypes) from a thresholds key; -1 on error. */
int dh_rule_int_list(dh_rule_t *r, const char *key, long *out, size_t max, size_t *n, char *err,
                     size_t errlen);

/* A file named in a rule: name, relative to the directory of the rule file
   unless absolute, into out. */
void dh_rule_path(const dh_rule_t *r, const char *name, char *out, size_t outlen);

/* Add the names of the list file that thresholds key `key` names (required;
   dh_rule_path): one name a line, '#' comments, lowercased, without leading
   or trailing dots. -1 with err "FILE:LINE: ..." when it cannot be read or
   holds no name. */
int dh_rule_name_list(dh_rule_t *r, const char *key, dh_strset_t *set, char *err, size_t errlen);

#endif
