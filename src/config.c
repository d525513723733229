/*
 * config.c - reading dnshound.yaml into dh_options_t (see config.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "parser.h"
#include "util-mem.h"
#include "yaml-tree.h"

struct dh_config {
    dh_yaml_node_t *root;
    const char **inputs;
    const char **resolvers;
    const char *stats;
    char **props; /* "key=value" from kafka.properties, NULL-terminated */
    char **zeek_fields; /* "topic=fields" from kafka.zeek_fields */
};

/* A list of strings under key into a NULL-terminated array (owned by c). */
static int string_list(dh_yaml_node_t *map, const char *key, const char ***out, char *err,
                       size_t errlen)
{
    dh_yaml_node_t *seq = dh_yaml_get(map, key);
    size_t n = seq && seq->kind == DH_YAML_SEQ ? seq->n_items : 0;
    *out = dh_calloc(n + 1, sizeof(char *));
    if (!seq)
        return 0;
    if (seq->kind != DH_YAML_SEQ) {
        snprintf(err, errlen, "%s:%zu: %s: expected a list", seq->file, seq->line, key);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (seq->items[i]->kind != DH_YAML_SCALAR) {
            snprintf(err, errlen, "%s:%zu: %s: expected a string", seq->file, seq->items[i]->line,
                     key);
            return -1;
        }
        (*out)[i] = seq->items[i]->value;
    }
    return 0;
}

static int history_section(dh_config_t *c, dh_options_t *o, char *err, size_t errlen);

static int top_level(dh_config_t *c, dh_options_t *o, char *err, size_t errlen)
{
    const char *emit = NULL, *format = NULL;
    dh_yaml_node_t *r = c->root;
    if (string_list(r, "inputs", &c->inputs, err, errlen) ||
        string_list(r, "resolvers", &c->resolvers, err, errlen) ||
        history_section(c, o, err, errlen) ||
        dh_yaml_str(r, "output", false, &o->output, err, errlen) ||
        dh_yaml_str(r, "rules", false, &o->rules_dir, err, errlen) ||
        dh_yaml_str(r, "stats", false, &c->stats, err, errlen) ||
        dh_yaml_str(r, "emit", false, &emit, err, errlen) ||
        dh_yaml_str(r, "format", false, &format, err, errlen))
        return -1;
    o->resolvers = c->resolvers;
    if (emit && strcmp(emit, "detections") && strcmp(emit, "events")) {
        snprintf(err, errlen, "%s:%zu: emit: expected detections or events", r->file,
                 dh_yaml_get(r, "emit")->line);
        return -1;
    }
    if (emit)
        o->emit = strcmp(emit, "events") == 0 ? DH_EMIT_EVENTS : DH_EMIT_DETECTIONS;
    if (format && strcmp(format, "auto") && !dh_parser_find(format)) {
        snprintf(err, errlen, "%s:%zu: format: expected auto, zeek, zeek-json or eve", r->file,
                 dh_yaml_get(r, "format")->line);
        return -1;
    }
    if (format)
        o->format = strcmp(format, "auto") == 0 ? NULL : format;
    return 0;
}

static int sections(dh_config_t *c, dh_options_t *o, char *err, size_t errlen)
{
    dh_yaml_node_t *state = dh_yaml_get(c->root, "state");
    dh_yaml_node_t *input = dh_yaml_get(c->root, "input");
    int64_t max_mb = (int64_t)(o->max_state_bytes >> 20), max_pending = (int64_t)o->max_pending,
            max_line = (int64_t)o->max_line, max_reports = o->max_reports;
    double lateness = (double)o->lateness_us / 1e6, txn_timeout = (double)o->txn_timeout_us / 1e6;
    if (dh_yaml_int(state, "max_mb", false, 1, 1 << 20, &max_mb, err, errlen) ||
        dh_yaml_double(state, "lateness", false, 0, 7 * 86400, &lateness, err, errlen) ||
        dh_yaml_double(state, "txn_timeout", false, 0, 86400, &txn_timeout, err, errlen) ||
        dh_yaml_int(state, "max_pending", false, 1, 100000000, &max_pending, err, errlen) ||
        dh_yaml_int(input, "max_line", false, 1024, 1 << 30, &max_line, err, errlen) ||
        dh_yaml_int(input, "max_reports", false, 0, 1000000000, &max_reports, err, errlen))
        return -1;
    o->max_state_bytes = (size_t)max_mb << 20;
    o->lateness_us = (int64_t)(lateness * 1e6);
    o->txn_timeout_us = (int64_t)(txn_timeout * 1e6);
    o->max_pending = (size_t)max_pending;
    o->max_line = (size_t)max_line;
    o->max_reports = (unsigned)max_reports;
    return 0;
}

/* history: the passive-DNS history (history.h) */
static int history_section(dh_config_t *c, dh_options_t *o, char *err, size_t errlen)
{
    dh_yaml_node_t *h = dh_yaml_get(c->root, "history");
    const char *dir = NULL;
    bool enabled = true;
    int64_t days = o->history_expire_us / (86400LL * 1000000),
            max_mb = (int64_t)(o->history_max_bytes >> 20);
    if (dh_yaml_str(h, "dir", false, &dir, err, errlen) ||
        dh_yaml_bool(h, "persistent", false, &enabled, err, errlen) ||
        dh_yaml_int(h, "expire_days", false, 1, 36500, &days, err, errlen) ||
        dh_yaml_int(h, "max_mb", false, 1, 1 << 24, &max_mb, err, errlen))
        return -1;
    if (dir)
        o->state_dir = dir;
    o->no_state = !enabled;
    o->history_expire_us = days * 86400LL * 1000000;
    o->history_max_bytes = (size_t)max_mb << 20;
    return 0;
}

/* kafka.zeek_fields: {TOPIC: "ts uid id.orig_h ..."} for headerless rows */
static int zeek_fields(dh_config_t *c, dh_yaml_node_t *k, dh_options_t *o, char *err,
                       size_t errlen)
{
    dh_yaml_node_t *m = dh_yaml_get(k, "zeek_fields");
    if (!m || (m->kind == DH_YAML_SCALAR && !m->quoted && (!m->value[0] || !strcmp(m->value, "~"))))
        return 0; /* absent or empty */
    if (m->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: zeek_fields: expected a map TOPIC: \"field field ...\"",
                 m->file, m->line);
        return -1;
    }
    c->zeek_fields = dh_calloc(m->n_items + 1, sizeof(char *));
    for (size_t i = 0; i < m->n_items; i++) {
        dh_yaml_node_t *v = m->items[i];
        v->used = true;
        if (v->kind != DH_YAML_SCALAR || !strstr(v->value, "query")) {
            snprintf(err, errlen, "%s:%zu: %s: expected the dns.log field names (with query)",
                     v->file, v->line, v->key);
            return -1;
        }
        size_t n = strlen(v->key) + strlen(v->value) + 2;
        c->zeek_fields[i] = dh_malloc(n);
        snprintf(c->zeek_fields[i], n, "%s=%s", v->key, v->value);
    }
    o->zeek_fields = (const char *const *)c->zeek_fields;
    return 0;
}

/* kafka: {brokers, group, exit_at_end, zeek_fields, properties: {key: value}} */
static int kafka_section(dh_config_t *c, dh_options_t *o, char *err, size_t errlen)
{
    dh_yaml_node_t *k = dh_yaml_get(c->root, "kafka");
    if (!k)
        return 0;
    bool exit_at_end = o->exit_at_end;
    if (dh_yaml_str(k, "brokers", false, &o->brokers, err, errlen) ||
        dh_yaml_str(k, "group", false, &o->group, err, errlen) ||
        dh_yaml_bool(k, "exit_at_end", false, &exit_at_end, err, errlen))
        return -1;
    o->exit_at_end = exit_at_end;
    if (zeek_fields(c, k, o, err, errlen))
        return -1;
    dh_yaml_node_t *props = dh_yaml_get(k, "properties");
    if (!props)
        return 0;
    if (props->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: properties: expected a map of librdkafka properties",
                 props->file, props->line);
        return -1;
    }
    c->props = dh_calloc(props->n_items + 1, sizeof(char *));
    for (size_t i = 0; i < props->n_items; i++) {
        dh_yaml_node_t *v = props->items[i];
        v->used = true;
        if (v->kind != DH_YAML_SCALAR) {
            snprintf(err, errlen, "%s:%zu: %s: expected a value", v->file, v->line, v->key);
            return -1;
        }
        size_t n = strlen(v->key) + strlen(v->value) + 2;
        c->props[i] = dh_malloc(n);
        snprintf(c->props[i], n, "%s=%s", v->key, v->value);
    }
    o->kafka_props = (const char *const *)c->props;
    return 0;
}

dh_config_t *dh_config_load(const char *path, dh_options_t *o, char *err, size_t errlen)
{
    dh_config_t *c = dh_calloc(1, sizeof(*c));
    c->root = dh_yaml_load(path, err, errlen);
    if (!c->root || top_level(c, o, err, errlen) || sections(c, o, err, errlen) ||
        kafka_section(c, o, err, errlen) ||
        dh_yaml_check_unused(c->root, err, errlen)) {
        dh_config_free(c);
        return NULL;
    }
    return c;
}

const char *const *dh_config_inputs(const dh_config_t *c)
{
    return c->inputs;
}

const char *dh_config_stats(const dh_config_t *c)
{
    return c->stats;
}

void dh_config_free(dh_config_t *c)
{
    if (!c)
        return;
    free(c->inputs);
    free(c->resolvers);
    for (size_t i = 0; c->props && c->props[i]; i++)
        free(c->props[i]);
    free(c->props);
    for (size_t i = 0; c->zeek_fields && c->zeek_fields[i]; i++)
        free(c->zeek_fields[i]);
    free(c->zeek_fields);
    dh_yaml_free(c->root);
    free(c);
}
