/*
 * yaml-tree.c - libyaml events into a dh_yaml_node_t tree (see the header).
 * Anchors and aliases are refused: rules files are meant to be read by
 * people, and an alias would make "line of the value" ambiguous.
 */
#include "yaml-tree.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "util-mem.h"

#define MAX_DEPTH 64

static dh_yaml_node_t *node_new(dh_yaml_kind_t kind, size_t line, const char *file)
{
    dh_yaml_node_t *n = dh_calloc(1, sizeof(*n));
    n->kind = kind;
    n->line = line;
    n->file = file;
    return n;
}

static void node_add(dh_yaml_node_t *parent, dh_yaml_node_t *child)
{
    parent->items = dh_realloc(parent->items, (parent->n_items + 1) * sizeof(*parent->items));
    parent->items[parent->n_items++] = child;
}

static void node_free(dh_yaml_node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_items; i++)
        node_free(n->items[i]);
    free(n->items);
    free(n->value);
    free(n->key);
    free(n);
}

typedef struct {
    yaml_parser_t parser;
    const char *file;
    char *err;
    size_t errlen;
} loader_t;

static dh_yaml_node_t *parse_node(loader_t *L, yaml_event_t *ev, int depth);

static int next_event(loader_t *L, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&L->parser, ev)) {
        snprintf(L->err, L->errlen, "%s:%zu: %s", L->file, L->parser.problem_mark.line + 1,
                 L->parser.problem ? L->parser.problem : "YAML syntax error");
        return -1;
    }
    return 0;
}

/* The next event of a map or list body: 0 with *ev to handle (and delete),
   1 when it was the body's `end` event (consumed), -1 on a syntax error. */
static int next_in_body(loader_t *L, yaml_event_t *ev, yaml_event_type_t end)
{
    if (next_event(L, ev))
        return -1;
    if (ev->type != end)
        return 0;
    yaml_event_delete(ev);
    return 1;
}

/* The node an event opens (its whole subtree read), the event deleted;
   NULL on an error (L->err written). */
static dh_yaml_node_t *take_node(loader_t *L, yaml_event_t *ev, int depth)
{
    dh_yaml_node_t *v = parse_node(L, ev, depth);
    yaml_event_delete(ev);
    return v;
}

/* The next key of a map body: 0 with *key (the caller frees it), 1 at
   MAPPING_END, -1 on an error (not a plain scalar, a duplicate). */
static int read_key(loader_t *L, const dh_yaml_node_t *map, char **key)
{
    yaml_event_t kev;
    int rc = next_in_body(L, &kev, YAML_MAPPING_END_EVENT);
    if (rc)
        return rc;
    if (kev.type != YAML_SCALAR_EVENT) {
        snprintf(L->err, L->errlen, "%s:%zu: map keys must be plain scalars", L->file,
                 kev.start_mark.line + 1);
        yaml_event_delete(&kev);
        return -1;
    }
    *key = dh_strndup((const char *)kev.data.scalar.value, kev.data.scalar.length);
    size_t kline = kev.start_mark.line + 1;
    yaml_event_delete(&kev);
    for (size_t i = 0; i < map->n_items; i++)
        if (strcmp(map->items[i]->key, *key) == 0) {
            snprintf(L->err, L->errlen, "%s:%zu: duplicate key '%s'", L->file, kline, *key);
            free(*key);
            return -1;
        }
    return 0;
}

/* Read a mapping's key/value pairs until MAPPING_END. */
static int parse_map_body(loader_t *L, dh_yaml_node_t *map, int depth)
{
    for (;;) {
        char *key;
        int rc = read_key(L, map, &key);
        if (rc)
            return rc < 0 ? -1 : 0;
        yaml_event_t vev;
        dh_yaml_node_t *v = next_event(L, &vev) ? NULL : take_node(L, &vev, depth + 1);
        if (!v) {
            free(key);
            return -1;
        }
        v->key = key;
        node_add(map, v);
    }
}

static int parse_seq_body(loader_t *L, dh_yaml_node_t *seq, int depth)
{
    for (;;) {
        yaml_event_t ev;
        int rc = next_in_body(L, &ev, YAML_SEQUENCE_END_EVENT);
        if (rc)
            return rc < 0 ? -1 : 0;
        dh_yaml_node_t *v = take_node(L, &ev, depth + 1);
        if (!v)
            return -1;
        node_add(seq, v);
    }
}

static dh_yaml_node_t *parse_node(loader_t *L, yaml_event_t *ev, int depth)
{
    size_t line = ev->start_mark.line + 1;
    if (depth > MAX_DEPTH) {
        snprintf(L->err, L->errlen, "%s:%zu: nested too deeply", L->file, line);
        return NULL;
    }
    dh_yaml_node_t *n = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = node_new(DH_YAML_SCALAR, line, L->file);
        n->value = dh_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        return n;
    case YAML_MAPPING_START_EVENT:
        n = node_new(DH_YAML_MAP, line, L->file);
        if (parse_map_body(L, n, depth) == 0)
            return n;
        break;
    case YAML_SEQUENCE_START_EVENT:
        n = node_new(DH_YAML_SEQ, line, L->file);
        if (parse_seq_body(L, n, depth) == 0)
            return n;
        break;
    case YAML_ALIAS_EVENT:
        snprintf(L->err, L->errlen, "%s:%zu: aliases are not supported", L->file, line);
        return NULL;
    default:
        snprintf(L->err, L->errlen, "%s:%zu: unexpected YAML event", L->file, line);
        return NULL;
    }
    node_free(n);
    return NULL;
}

/* Skip stream/document start events, parse the one root node. */
dh_yaml_node_t *dh_yaml_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    loader_t L = {.file = dh_strdup(path), .err = err, .errlen = errlen};
    yaml_parser_initialize(&L.parser);
    yaml_parser_set_input_file(&L.parser, f);
    dh_yaml_node_t *root = NULL;
    yaml_event_t ev;
    for (;;) {
        if (next_event(&L, &ev))
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (t == YAML_STREAM_END_EVENT) { /* empty file: an empty map */
            yaml_event_delete(&ev);
            root = node_new(DH_YAML_MAP, 1, L.file);
            break;
        }
        root = take_node(&L, &ev, 0);
        break;
    }
    yaml_parser_delete(&L.parser);
    fclose(f);
    if (!root) {
        free((char *)L.file);
        return NULL;
    }
    if (root->kind != DH_YAML_MAP) {
        snprintf(err, errlen, "%s:%zu: the document must be a mapping", path, root->line);
        node_free(root);
        free((char *)L.file);
        return NULL;
    }
    root->used = true;
    return root;
}

void dh_yaml_free(dh_yaml_node_t *root)
{
    if (!root)
        return;
    char *file = (char *)root->file;
    node_free(root);
    free(file);
}

dh_yaml_node_t *dh_yaml_get(dh_yaml_node_t *map, const char *key)
{
    if (!map || map->kind != DH_YAML_MAP)
        return NULL;
    for (size_t i = 0; i < map->n_items; i++)
        if (strcmp(map->items[i]->key, key) == 0) {
            map->items[i]->used = true;
            return map->items[i];
        }
    return NULL;
}

static int bad(dh_yaml_node_t *n, const char *key, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s:%zu: %s: expected %s, got '%s'", n->file, n->line, key, what,
             n->value ? n->value : "(a map or list)");
    return -1;
}

static int missing(dh_yaml_node_t *map, const char *key, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s:%zu: missing required key '%s'", map->file, map->line, key);
    return -1;
}

/* The node of `key` for a typed getter: 1 with *np set when present, 0 when
   absent and optional, -1 (err filled) when absent and required. */
static int lookup(dh_yaml_node_t *map, const char *key, bool required, dh_yaml_node_t **np,
                  char *err, size_t errlen)
{
    *np = dh_yaml_get(map, key);
    if (*np)
        return 1;
    return required ? missing(map, key, err, errlen) : 0;
}

int dh_yaml_str(dh_yaml_node_t *map, const char *key, bool required, const char **out, char *err,
                size_t errlen)
{
    dh_yaml_node_t *n;
    int rc = lookup(map, key, required, &n, err, errlen);
    if (rc <= 0)
        return rc;
    if (n->kind != DH_YAML_SCALAR)
        return bad(n, key, "a string", err, errlen);
    *out = n->value;
    return 0;
}

int dh_yaml_seq(dh_yaml_node_t *map, const char *key, const char *what, size_t max,
                dh_yaml_node_t **out, char *err, size_t errlen)
{
    dh_yaml_node_t *n = *out = dh_yaml_get(map, key);
    if (!n || (n->kind == DH_YAML_SEQ && (max == 0 || n->n_items <= max)))
        return 0;
    if (max)
        snprintf(err, errlen, "%s:%zu: %s: expected a list of at most %zu %s", n->file, n->line,
                 key, max, what);
    else
        snprintf(err, errlen, "%s:%zu: %s: expected a list of %s", n->file, n->line, key, what);
    return -1;
}

int dh_yaml_each_scalar(const dh_yaml_node_t *seq, const char *key, const char *item,
                        dh_yaml_item_fn fn, void *ctx, char *err, size_t errlen)
{
    for (size_t i = 0; i < seq->n_items; i++) {
        const dh_yaml_node_t *it = seq->items[i];
        if (it->kind != DH_YAML_SCALAR || !it->value[0]) {
            snprintf(err, errlen, "%s:%zu: %s: expected %s", it->file, it->line, key, item);
            return -1;
        }
        if (fn(ctx, it, err, errlen))
            return -1;
    }
    return 0;
}

int dh_yaml_each(dh_yaml_node_t *map, const char *key, const char *what, size_t max,
                 const char *item, dh_yaml_item_fn fn, void *ctx, char *err, size_t errlen)
{
    dh_yaml_node_t *seq;
    if (dh_yaml_seq(map, key, what, max, &seq, err, errlen))
        return -1;
    return seq ? dh_yaml_each_scalar(seq, key, item, fn, ctx, err, errlen) : 0;
}

int dh_yaml_cidrs(dh_yaml_node_t *map, const char *key, size_t max, dh_cidr_t *out,
                  size_t *n, char *err, size_t errlen)
{
    dh_yaml_node_t *seq;
    if (dh_yaml_seq(map, key, "addresses or CIDR blocks", max, &seq, err, errlen))
        return -1;
    for (size_t i = 0; seq && i < seq->n_items; i++) {
        const dh_yaml_node_t *it = seq->items[i];
        if (it->kind != DH_YAML_SCALAR || dh_cidr_parse(it->value, &out[*n]) != 0) {
            snprintf(err, errlen, "%s:%zu: %s: '%s' is not an address or CIDR block", it->file,
                     it->line, key, it->kind == DH_YAML_SCALAR ? it->value : "(list)");
            return -1;
        }
        (*n)++;
    }
    return 0;
}

/* Whole-text number parsers for the numeric getters: false unless all of an
   unquoted, non-empty scalar is one in-range number. */
static bool parse_double(const dh_yaml_node_t *n, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(n->value, &end);
    return !*end && !errno && isfinite(*v);
}

static bool parse_int(const dh_yaml_node_t *n, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(n->value, &end, 10);
    *v = x;
    return !*end && !errno;
}

static void double_range(char *what, size_t len, double min, double max)
{
    snprintf(what, len, "a number in [%g, %g]", min, max);
}

static void int_range(char *what, size_t len, int64_t min, int64_t max)
{
    snprintf(what, len, "an integer in [%lld, %lld]", (long long)min, (long long)max);
}

/* dh_yaml_double and dh_yaml_int differ only in the type, the parser and the
   wording of their errors: one body, instantiated for each. */
#define YAML_NUMBER_GETTER(NAME, T, WHAT, PARSE, RANGE)                                     \
    int NAME(dh_yaml_node_t *map, const char *key, bool required, T min, T max, T *out,    \
             char *err, size_t errlen)                                                      \
    {                                                                                       \
        dh_yaml_node_t *n;                                                                  \
        int rc = lookup(map, key, required, &n, err, errlen);                               \
        if (rc <= 0)                                                                        \
            return rc;                                                                      \
        T v;                                                                                \
        if (n->kind != DH_YAML_SCALAR || n->quoted || !n->value[0] || !PARSE(n, &v))        \
            return bad(n, key, WHAT, err, errlen);                                          \
        if (v < min || v > max) {                                                           \
            char what[96];                                                                  \
            RANGE(what, sizeof(what), min, max);                                            \
            return bad(n, key, what, err, errlen);                                          \
        }                                                                                   \
        *out = v;                                                                           \
        return 0;                                                                           \
    }

YAML_NUMBER_GETTER(dh_yaml_double, double, "a number", parse_double, double_range)
YAML_NUMBER_GETTER(dh_yaml_int, int64_t, "an integer", parse_int, int_range)

int dh_yaml_bool(dh_yaml_node_t *map, const char *key, bool required, bool *out, char *err,
                 size_t errlen)
{
    dh_yaml_node_t *n;
    int rc = lookup(map, key, required, &n, err, errlen);
    if (rc <= 0)
        return rc;
    if (n->kind == DH_YAML_SCALAR && !n->quoted) {
        if (!strcasecmp(n->value, "true") || !strcasecmp(n->value, "yes")) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(n->value, "false") || !strcasecmp(n->value, "no")) {
            *out = false;
            return 0;
        }
    }
    return bad(n, key, "true or false", err, errlen);
}

void dh_yaml_mark_used(dh_yaml_node_t *n)
{
    if (!n)
        return;
    n->used = true;
    for (size_t i = 0; i < n->n_items; i++)
        dh_yaml_mark_used(n->items[i]);
}

int dh_yaml_check_unused(const dh_yaml_node_t *n, char *err, size_t errlen)
{
    if (!n)
        return 0;
    if (!n->used && n->key) { /* only map keys can be unknown; list items have none */
        snprintf(err, errlen, "%s:%zu: unknown key '%s'", n->file, n->line, n->key);
        return -1;
    }
    for (size_t i = 0; i < n->n_items; i++)
        if (dh_yaml_check_unused(n->items[i], err, errlen))
            return -1;
    return 0;
}
