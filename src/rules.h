/*
 * rules.h - a detector's rule file: metadata, ATT&CK mapping, thresholds.
 *
 * Each detector NAME reads rules/NAME.yaml. The vocabulary follows Sigma
 * (title, id, description, level, tags, author, license, references) plus
 * `version` (ECS rule.version: bumped when what the rule finds changes), an
 * `attack` block (pinned
 * ATT&CK version, detection strategy, tactic/technique/sub-technique ids and
 * names), a free `thresholds` map that the detector reads itself and a
 * `limits` map with the [min, max] range of each numeric threshold. Every key
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

#define DH_ATTACK_MAX 8

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

/* What makes two findings of a rule "the same" for suppression (alerts.h):
   CLIENT_DOMAIN, the client and the domain/entity of the finding (one alert
   per tunnel, per indicator...); CLIENT, the client alone (one alert per
   host and period whose evidence lists the distinct services it touched). */
typedef enum { DH_SCOPE_CLIENT_DOMAIN, DH_SCOPE_CLIENT } dh_suppression_scope_t;

#define DH_SCOPE_SERVICES_MAX 64 /* exact distinct counting of dh_distinct_t */

typedef struct {
    const char *path;
    const char *title;
    const char *uuid;      /* the file's `id` (a UUID, Sigma's): ECS rule.uuid */
    const char *version;   /* ECS rule.version, e.g. "1" */
    const char *reference; /* a URL about the rule (ECS rule.reference); NULL: the
                              ATT&CK page of its first technique */
    const char *author;    /* ECS rule.author; may be NULL */
    const char *license;   /* ECS rule.license; may be NULL */
    const char *description;
    const char *level;   /* informational|low|medium|high|critical */
    const char *message; /* template of the ECS message (message.h); NULL: generic */
    int severity;        /* 1..5 from level */
    double risk_score;   /* 0..100 */
    double confidence;   /* 0..1 */
    bool enabled;
    int64_t suppression_s; /* repeats for one entity within this period update the
                              first alert instead of repeating it (0: off) */
    dh_suppression_scope_t suppression_scope;
    int64_t suppression_services; /* CLIENT scope: distinct services listed in the
                                     evidence (1..DH_SCOPE_SERVICES_MAX), the rest counted */
    dh_attack_t attack;
    dh_yaml_node_t *thresholds; /* the detector reads and validates it */
    dh_yaml_node_t *limits;     /* [min, max] of each numeric threshold */
    dh_yaml_node_t *root;
} dh_rule_t;

/* Load and validate DIR/NAME.yaml (everything except `thresholds` and
   `limits`, which the detector's create checks). NULL with err "FILE:LINE: ..." on failure. */
dh_rule_t *dh_rule_load(const char *dir, const char *name, char *err, size_t errlen);

/* After the detector read its thresholds: fail on any unknown key. */
int dh_rule_finish(dh_rule_t *r, char *err, size_t errlen);

void dh_rule_free(dh_rule_t *r);

/* One numeric threshold of a detector: its key in `thresholds` (and in
   `limits`), the offset of its field in the detector's params struct and the
   field's type (DH_KIT_FIELDS in detector-kit.h fills these). The value and
   its allowed range are data: rules/NAME.yaml `thresholds:` and `limits:`. */
typedef enum { DH_PARAM_INT, DH_PARAM_DOUBLE } dh_param_kind_t; /* int64_t, double */

typedef struct {
    const char *key;
    size_t off;
    dh_param_kind_t kind;
} dh_param_field_t;

#define DH_N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Fill params from the rule: for each field, its value in `thresholds`
   checked against its [min, max] in `limits`. A field without a value or
   without a limit, a limit that is not [min, max] of its type, or a value
   outside it is an error naming FILE:LINE and the key. (A `thresholds` or
   `limits` key no field reads is reported by dh_rule_finish.) 0 or -1. */
int dh_rule_read_params(dh_rule_t *r, void *params, const dh_param_field_t *fields, size_t n,
                        char *err, size_t errlen);

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
