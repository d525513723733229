/*
 * rules.c - loading and validating rule files (see rules.h).
 */
#include "rules.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "util-mem.h"

static const char *const levels[] = {"informational", "low", "medium", "high", "critical"};

static int match(const char *s, const char *pattern)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB))
        return 0;
    int ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* A list of {id, name} maps whose ids match pattern. */
static int load_refs(dh_yaml_node_t *attack, const char *key, const char *pattern, bool required,
                     dh_attack_ref_t *out, size_t *n, char *err, size_t errlen)
{
    dh_yaml_node_t *seq = dh_yaml_get(attack, key);
    *n = 0;
    if (!seq) {
        if (!required)
            return 0;
        snprintf(err, errlen, "%s:%zu: attack: missing '%s'", attack->file, attack->line, key);
        return -1;
    }
    if (seq->kind != DH_YAML_SEQ || (required && seq->n_items == 0) || seq->n_items > DH_ATTACK_MAX) {
        snprintf(err, errlen, "%s:%zu: %s: expected a list of 1 to %d {id, name} entries",
                 seq->file, seq->line, key, DH_ATTACK_MAX);
        return -1;
    }
    for (size_t i = 0; i < seq->n_items; i++) {
        dh_yaml_node_t *it = seq->items[i];
        if (it->kind != DH_YAML_MAP) {
            snprintf(err, errlen, "%s:%zu: %s: expected {id, name}", it->file, it->line, key);
            return -1;
        }
        if (dh_yaml_str(it, "id", true, &out[i].id, err, errlen) ||
            dh_yaml_str(it, "name", true, &out[i].name, err, errlen))
            return -1;
        if (!match(out[i].id, pattern)) {
            snprintf(err, errlen, "%s:%zu: %s: bad ATT&CK id '%s'", it->file, it->line, key,
                     out[i].id);
            return -1;
        }
    }
    *n = seq->n_items;
    return 0;
}

static int load_attack(dh_rule_t *r, char *err, size_t errlen)
{
    dh_yaml_node_t *a = dh_yaml_get(r->root, "attack");
    if (!a || a->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: missing 'attack' map", r->path, r->root->line);
        return -1;
    }
    dh_attack_t *t = &r->attack;
    if (dh_yaml_str(a, "version", true, &t->version, err, errlen) ||
        dh_yaml_str(a, "detection_strategy", false, &t->detection_strategy, err, errlen))
        return -1;
    if (t->detection_strategy && !match(t->detection_strategy, "^DET[0-9]{4}$")) {
        snprintf(err, errlen, "%s: detection_strategy: expected DETnnnn, got '%s'", r->path,
                 t->detection_strategy);
        return -1;
    }
    /* a correlation of findings (incidents.h) has their techniques, none
       of its own */
    bool derived = false;
    if (dh_yaml_bool(a, "from_findings", false, &derived, err, errlen))
        return -1;
    if (derived && (dh_yaml_get(a, "tactics") || dh_yaml_get(a, "techniques"))) {
        snprintf(err, errlen, "%s:%zu: attack: from_findings takes the findings' mapping: no "
                              "tactics or techniques of its own", r->path, a->line);
        return -1;
    }
    return load_refs(a, "tactics", "^TA[0-9]{4}$", !derived, t->tactics, &t->n_tactics, err,
                     errlen) ||
                   load_refs(a, "techniques", "^T[0-9]{4}$", !derived, t->techniques,
                             &t->n_techniques, err, errlen) ||
                   load_refs(a, "subtechniques", "^T[0-9]{4}\\.[0-9]{3}$", false, t->subtechniques,
                             &t->n_subtechniques, err, errlen)
               ? -1
               : 0;
}

/* suppression_scope (default client_domain: the key suppression always had)
   and, for the client scope, how many distinct services its evidence lists. */
static int load_scope(dh_rule_t *r, char *err, size_t errlen)
{
    const char *scope = NULL;
    r->suppression_scope = DH_SCOPE_CLIENT_DOMAIN;
    r->suppression_services = 20;
    if (dh_yaml_str(r->root, "suppression_scope", false, &scope, err, errlen) ||
        dh_yaml_int(r->root, "suppression_services", false, 1, DH_SCOPE_SERVICES_MAX,
                    &r->suppression_services, err, errlen))
        return -1;
    if (!scope || strcmp(scope, "client_domain") == 0)
        return 0;
    if (strcmp(scope, "client") == 0) {
        r->suppression_scope = DH_SCOPE_CLIENT;
        return 0;
    }
    snprintf(err, errlen, "%s:%zu: suppression_scope: expected client_domain or client, got '%s'",
             r->path, dh_yaml_get(r->root, "suppression_scope")->line, scope);
    return -1;
}

/* A correlation's attack block says from_findings: its risk score is
   computed from theirs, so the file may leave risk_score out. */
static bool derived_rule(dh_rule_t *r)
{
    dh_yaml_node_t *a = dh_yaml_get(r->root, "attack"), *v = dh_yaml_get(a, "from_findings");
    return v && v->kind == DH_YAML_SCALAR && strcmp(v->value, "true") == 0;
}

/* rule.version is compared by people and tools ("is this the rule I
   tuned?"): digits and dots only. rule.reference is a link: http(s) only. */
static int check_version_and_reference(dh_rule_t *r, char *err, size_t errlen)
{
    if (!match(r->version, "^[0-9]+(\\.[0-9]+)*$")) {
        snprintf(err, errlen, "%s:%zu: version: expected digits and dots (e.g. 1 or 1.2), got '%s'",
                 r->path, dh_yaml_get(r->root, "version")->line, r->version);
        return -1;
    }
    if (r->reference && !match(r->reference, "^https?://[^[:space:]]+$")) {
        snprintf(err, errlen, "%s:%zu: reference: expected an http(s) URL, got '%s'", r->path,
                 dh_yaml_get(r->root, "reference")->line, r->reference);
        return -1;
    }
    return 0;
}

static int load_meta(dh_rule_t *r, char *err, size_t errlen)
{
    r->enabled = true;
    r->confidence = 0.5;
    r->suppression_s = 3600;
    if (dh_yaml_str(r->root, "title", true, &r->title, err, errlen) ||
        dh_yaml_str(r->root, "id", true, &r->uuid, err, errlen) ||
        dh_yaml_str(r->root, "version", true, &r->version, err, errlen) ||
        dh_yaml_str(r->root, "reference", false, &r->reference, err, errlen) ||
        dh_yaml_str(r->root, "author", false, &r->author, err, errlen) ||
        dh_yaml_str(r->root, "license", false, &r->license, err, errlen) ||
        dh_yaml_str(r->root, "description", false, &r->description, err, errlen) ||
        dh_yaml_str(r->root, "level", true, &r->level, err, errlen) ||
        dh_yaml_bool(r->root, "enabled", false, &r->enabled, err, errlen) ||
        dh_yaml_double(r->root, "risk_score", !derived_rule(r), 0, 100, &r->risk_score, err,
                       errlen) ||
        dh_yaml_double(r->root, "confidence", false, 0, 1, &r->confidence, err, errlen) ||
        dh_yaml_int(r->root, "suppression", false, 0, 30 * 86400, &r->suppression_s, err, errlen) ||
        dh_yaml_str(r->root, "message", false, &r->message, err, errlen) ||
        load_scope(r, err, errlen) || check_version_and_reference(r, err, errlen))
        return -1;
    char why[160];
    if (r->message && dh_message_check(r->message, why, sizeof(why))) {
        snprintf(err, errlen, "%s:%zu: message: %s", r->path,
                 dh_yaml_get(r->root, "message")->line, why);
        return -1;
    }
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(r->level, levels[i]) == 0)
            r->severity = (int)i + 1;
    if (!r->severity) {
        dh_yaml_node_t *n = dh_yaml_get(r->root, "level");
        snprintf(err, errlen, "%s:%zu: level: expected informational, low, medium, high or critical",
                 r->path, n->line);
        return -1;
    }
    dh_yaml_mark_used(dh_yaml_get(r->root, "tags")); /* Sigma-style, informative */
    r->thresholds = dh_yaml_get(r->root, "thresholds");
    if (r->thresholds && r->thresholds->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: thresholds: expected a map", r->path, r->thresholds->line);
        return -1;
    }
    r->limits = dh_yaml_get(r->root, "limits");
    if (r->limits && r->limits->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: limits: expected a map", r->path, r->limits->line);
        return -1;
    }
    return load_attack(r, err, errlen);
}

dh_rule_t *dh_rule_load(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
    dh_yaml_node_t *root = dh_yaml_load(path, err, errlen);
    if (!root)
        return NULL;
    dh_rule_t *r = dh_calloc(1, sizeof(*r));
    r->root = root;
    r->path = root->file;
    if (load_meta(r, err, errlen)) {
        dh_rule_free(r);
        return NULL;
    }
    return r;
}

int dh_rule_finish(dh_rule_t *r, char *err, size_t errlen)
{
    return dh_yaml_check_unused(r->root, err, errlen);
}

void dh_rule_free(dh_rule_t *r)
{
    if (!r)
        return;
    dh_yaml_free(r->root);
    free(r);
}

int dh_rule_int_list(dh_rule_t *r, const char *key, long *out, size_t max, size_t *n, char *err,
                     size_t errlen)
{
    dh_yaml_node_t *seq = dh_yaml_get(r->thresholds, key);
    *n = 0;
    if (!seq)
        return 0;
    if (seq->kind != DH_YAML_SEQ || seq->n_items > max) {
        snprintf(err, errlen, "%s:%zu: %s: expected a list of at most %zu integers", seq->file,
                 seq->line, key, max);
        return -1;
    }
    for (size_t i = 0; i < seq->n_items; i++) {
        dh_yaml_node_t *it = seq->items[i];
        char *end;
        errno = 0;
        long v = it->kind == DH_YAML_SCALAR ? strtol(it->value, &end, 10) : 0;
        if (it->kind != DH_YAML_SCALAR || !it->value[0] || *end || errno) {
            snprintf(err, errlen, "%s:%zu: %s: expected an integer", it->file, it->line, key);
            return -1;
        }
        out[(*n)++] = v;
    }
    return 0;
}

/* The [min, max] of a threshold: a list of two numbers (integers for an
   integer threshold). */
static int read_limit(dh_rule_t *r, const dh_param_field_t *f, double *lo, double *hi,
                      int64_t *ilo, int64_t *ihi, char *err, size_t errlen)
{
    dh_yaml_node_t *n = dh_yaml_get(r->limits, f->key);
    if (!n) {
        dh_yaml_node_t *at = r->limits ? r->limits : r->thresholds;
        snprintf(err, errlen, "%s:%zu: limits: missing '%s' (its [min, max])", r->path,
                 at ? at->line : 0, f->key);
        return -1;
    }
    bool ok = n->kind == DH_YAML_SEQ && n->n_items == 2;
    for (size_t i = 0; ok && i < 2; i++) {
        const dh_yaml_node_t *it = n->items[i];
        char *end = NULL;
        errno = 0;
        ok = it->kind == DH_YAML_SCALAR && !it->quoted && it->value[0];
        if (ok && f->kind == DH_PARAM_INT) {
            long long v = strtoll(it->value, &end, 10);
            *(i ? ihi : ilo) = v;
        } else if (ok) {
            double v = strtod(it->value, &end);
            *(i ? hi : lo) = v;
        }
        ok = ok && !*end && !errno;
    }
    if (!ok || (f->kind == DH_PARAM_INT ? *ilo > *ihi : !(*lo <= *hi))) {
        snprintf(err, errlen, "%s:%zu: limits: %s: expected [min, max] (%s)", n->file, n->line,
                 f->key, f->kind == DH_PARAM_INT ? "integers" : "numbers");
        return -1;
    }
    return 0;
}

/* The edit distance of a and b, capped: 3 means 3 or more. */
static size_t edits(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la >= 63 || lb >= 63 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] < 3 ? row[lb] : 3;
}

/* A threshold without a value: when `thresholds` holds a key no field
   declares that is a typo of it (two edits at most), that key is the error
   (as dh_rule_finish would name it); else the missing key. -1. */
static int missing_value(dh_rule_t *r, const dh_param_field_t *fields, size_t n,
                         const char *key, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->thresholds->n_items; i++) {
        const dh_yaml_node_t *it = r->thresholds->items[i];
        bool declared = false;
        for (size_t j = 0; j < n && !declared; j++)
            declared = strcmp(fields[j].key, it->key) == 0;
        if (!declared && edits(it->key, key) < 3) {
            snprintf(err, errlen, "%s:%zu: unknown key '%s' (is it '%s'? that has no value)",
                     it->file, it->line, it->key, key);
            return -1;
        }
    }
    snprintf(err, errlen, "%s:%zu: thresholds: missing '%s'", r->path, r->thresholds->line, key);
    return -1;
}

static int read_param(dh_rule_t *r, void *params, const dh_param_field_t *fields, size_t n,
                      const dh_param_field_t *f, char *err, size_t errlen)
{
    double lo = 0, hi = 0;
    int64_t ilo = 0, ihi = 0;
    if (read_limit(r, f, &lo, &hi, &ilo, &ihi, err, errlen))
        return -1;
    if (!r->thresholds) {
        snprintf(err, errlen, "%s: missing 'thresholds' (%s is required)", r->path, f->key);
        return -1;
    }
    if (!dh_yaml_get(r->thresholds, f->key))
        return missing_value(r, fields, n, f->key, err, errlen);
    void *v = (char *)params + f->off;
    return f->kind == DH_PARAM_INT
               ? dh_yaml_int(r->thresholds, f->key, true, ilo, ihi, v, err, errlen)
               : dh_yaml_double(r->thresholds, f->key, true, lo, hi, v, err, errlen);
}

int dh_rule_read_params(dh_rule_t *r, void *params, const dh_param_field_t *fields, size_t n,
                        char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (read_param(r, params, fields, n, &fields[i], err, errlen))
            return -1;
    return 0;
}

void dh_rule_path(const dh_rule_t *r, const char *name, char *out, size_t outlen)
{
    const char *slash = strrchr(r->path, '/');
    if (name[0] == '/' || !slash)
        snprintf(out, outlen, "%s", name);
    else
        snprintf(out, outlen, "%.*s/%s", (int)(slash - r->path), r->path, name);
}

int dh_rule_name_list(dh_rule_t *r, const char *key, dh_strset_t *set, char *err, size_t errlen)
{
    const char *name = NULL;
    if (dh_yaml_str(r->thresholds, key, true, &name, err, errlen))
        return -1;
    dh_yaml_node_t *n = dh_yaml_get(r->thresholds, key);
    char path[4096];
    dh_rule_path(r, name, path, sizeof(path));
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s:%zu: %s: cannot open %s", n->file, n->line, key, path);
        return -1;
    }
    char line[512];
    size_t before = dh_strset_size(set);
    while (fgets(line, sizeof(line), f)) {
        char *s = line + strspn(line, " \t");
        dh_strset_add_name(set, s, strcspn(s, " \t\r\n#"));
    }
    fclose(f);
    if (dh_strset_size(set) == before) {
        snprintf(err, errlen, "%s:%zu: %s: %s holds no names", n->file, n->line, key, path);
        return -1;
    }
    return 0;
}
