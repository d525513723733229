/*
 * optmap.c - the generic layer over the option tables (see optmap.h):
 * values, the command line and the configuration file. The documentation
 * renderers are in optmap-doc.c.
 */
#include "optmap.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util-mem.h"

#define OPT_LONG_BASE 1000

static bool has_value(const dh_optmap_t *r)
{
    return r->type != DH_OPT_DOC && r->type != DH_OPT_ACTION;
}

static void *field(void *obj, const dh_optmap_t *r)
{
    return (char *)obj + r->offset;
}

/* ---- values ------------------------------------------------------------ */

static bool is_number(dh_opt_type_t t)
{
    return t == DH_OPT_UINT || t == DH_OPT_SIZE || t == DH_OPT_MIB || t == DH_OPT_DURATION ||
           t == DH_OPT_DAYS;
}

static int enum_index(const dh_optmap_t *r, const char *text)
{
    for (int i = 0; r->values && r->values[i]; i++)
        if (strcmp(r->values[i], text) == 0)
            return i;
    return -1;
}

/* Text as on the command line into v; 0, or -1 (an invalid value). */
static int parse_text(const dh_optmap_t *r, const char *text, dh_optval_t *v)
{
    if (is_number(r->type)) {
        char *end;
        double d = strtod(text, &end);
        if (!*text || *end || d < r->min || d > r->max)
            return -1;
        v->d = d;
        return 0;
    }
    switch (r->type) {
    case DH_OPT_BOOL: v->b = true; return 0;
    case DH_OPT_ENUM: v->ival = enum_index(r, text); return v->ival < 0 ? -1 : 0;
    case DH_OPT_STRING:
        if (r->null_word && strcmp(text, r->null_word) == 0) {
            v->s = NULL;
            return 0;
        }
        v->s = text;
        return r->valid && !r->valid(text) ? -1 : 0;
    case DH_OPT_APPEND: v->s = text; return r->valid && !r->valid(text) ? -1 : 0;
    default: return -1; /* lists have no text form */
    }
}

static void store_number(const dh_optmap_t *r, void *p, double d)
{
    switch (r->type) {
    case DH_OPT_UINT: *(unsigned *)p = (unsigned)d; break;
    case DH_OPT_SIZE: *(size_t *)p = (size_t)d; break;
    case DH_OPT_MIB: *(size_t *)p = (size_t)d << 20; break;
    case DH_OPT_DURATION: *(int64_t *)p = (int64_t)(d * 1e6); break;
    case DH_OPT_DAYS: *(int64_t *)p = (int64_t)(d * 86400e6); break;
    default: break;
    }
}

static void store(const dh_optmap_t *r, void *obj, const dh_optval_t *v)
{
    void *p = field(obj, r);
    if (is_number(r->type)) {
        store_number(r, p, v->d);
        return;
    }
    switch (r->type) {
    case DH_OPT_BOOL: *(bool *)p = (r->flags & DH_OPTF_INVERT) ? !v->b : v->b; break;
    case DH_OPT_ENUM: *(int *)p = v->ival; break;
    case DH_OPT_STRING: *(const char **)p = v->s; break;
    case DH_OPT_STRLIST:
    case DH_OPT_KVMAP: *(const char *const **)p = v->list; break;
    case DH_OPT_APPEND: {
        dh_optlist_t *l = p;
        if (l->n < DH_OPTLIST_MAX)
            l->v[l->n++] = v->s;
        break;
    }
    default: break;
    }
}

int dh_optmap_defaults(const dh_optmap_bind_t *b)
{
    for (const dh_optmap_t *r = b->table->rows; !dh_optmap_end(r); r++) {
        if (!has_value(r) || !r->def)
            continue;
        dh_optval_t v;
        if (parse_text(r, r->def, &v) != 0)
            return -1;
        store(r, b->obj, &v);
    }
    return 0;
}

const dh_optmap_t *dh_optmap_find(const dh_optmap_bind_t *b, size_t nb, const char *name,
                                  size_t *bind_index)
{
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++)
            if ((r->cli && !strcmp(r->cli, name)) || (r->yaml && !strcmp(r->yaml, name))) {
                if (bind_index)
                    *bind_index = i;
                return r;
            }
    return NULL;
}

/* ---- the command line ---------------------------------------------------- */

typedef struct {
    struct option *longs; /* NULL-terminated */
    char *shorts;
    size_t *bind;         /* per long option: its binding */
    const dh_optmap_t **row;
    size_t n;
} getopt_spec_t;

static bool on_cli(const dh_optmap_t *r)
{
    return r->cli && r->type != DH_OPT_DOC;
}

static int takes_arg(const dh_optmap_t *r)
{
    return r->type != DH_OPT_BOOL && r->type != DH_OPT_ACTION;
}

static size_t count_cli(const dh_optmap_bind_t *b, size_t nb)
{
    size_t n = 0;
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++)
            n += on_cli(r);
    return n;
}

static void spec_add(getopt_spec_t *s, size_t bind, const dh_optmap_t *r, size_t *ns)
{
    int val = r->letter ? r->letter : OPT_LONG_BASE + (int)s->n;
    s->longs[s->n] = (struct option){r->cli, takes_arg(r) ? required_argument : no_argument,
                                     NULL, val};
    s->bind[s->n] = bind;
    s->row[s->n++] = r;
    if (r->letter) {
        s->shorts[(*ns)++] = (char)r->letter;
        if (takes_arg(r))
            s->shorts[(*ns)++] = ':';
    }
}

static void spec_build(getopt_spec_t *s, const dh_optmap_bind_t *b, size_t nb)
{
    size_t n = count_cli(b, nb), ns = 0;
    s->longs = dh_calloc(n + 1, sizeof(*s->longs));
    s->shorts = dh_calloc(2 * n + 1, 1);
    s->bind = dh_calloc(n + 1, sizeof(*s->bind));
    s->row = dh_calloc(n + 1, sizeof(*s->row));
    s->n = 0;
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++)
            if (on_cli(r))
                spec_add(s, i, r, &ns);
}

static void spec_free(getopt_spec_t *s)
{
    free(s->longs);
    free(s->shorts);
    free(s->bind);
    free(s->row);
}

static size_t spec_index(const getopt_spec_t *s, int c)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->longs[i].val == c)
            return i;
    return s->n;
}

/* How errors name an option: its letter when it has one ("-X"). */
static void cli_name(const dh_optmap_t *r, char *buf, size_t len)
{
    if (r->letter)
        snprintf(buf, len, "-%c", r->letter);
    else
        snprintf(buf, len, "--%s", r->cli);
}

static void cli_error(const dh_optmap_t *r, const char *text, const char *prog, FILE *err)
{
    char name[64];
    cli_name(r, name, sizeof(name));
    fprintf(err, "%s: %s: ", prog, name);
    if (r->cli_error)
        fprintf(err, r->cli_error, text);
    else if (r->type == DH_OPT_APPEND)
        fprintf(err, "expected %s (at most %d)", r->expect, DH_OPTLIST_MAX);
    else if (r->expect)
        fprintf(err, "expected %s", r->expect);
    else
        fprintf(err, "invalid value '%s'", text);
    fputc('\n', err);
}

static size_t count_given(const dh_optmap_cli_t *c, const dh_optmap_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->given[i].row == r;
    return n;
}

/* One option getopt returned: recorded, or an error (-1) or action (> 0). */
static int take(const getopt_spec_t *s, size_t k, const char *text, const char *prog,
                dh_optmap_cli_t *out, FILE *err)
{
    const dh_optmap_t *r = s->row[k];
    if (r->type == DH_OPT_ACTION)
        return r->action;
    dh_optmap_given_t *g = &out->given[out->n];
    g->bind = s->bind[k];
    g->row = r;
    if (parse_text(r, text ? text : "", &g->v) != 0 ||
        (r->type == DH_OPT_APPEND && count_given(out, r) == DH_OPTLIST_MAX)) {
        cli_error(r, text, prog, err);
        return -1;
    }
    out->n++;
    return 0;
}

int dh_optmap_getopt(int argc, char **argv, const dh_optmap_bind_t *b, size_t nb,
                     const char *prog, dh_optmap_cli_t *out, FILE *err)
{
    getopt_spec_t s;
    spec_build(&s, b, nb);
    out->given = dh_calloc((size_t)argc + 1, sizeof(*out->given));
    out->n = 0;
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, s.shorts, s.longs, NULL)) != -1) {
        size_t k = spec_index(&s, c);
        if (k == s.n) {
            fprintf(err, "Try '%s --help'.\n", prog);
            rc = -1;
        } else {
            rc = take(&s, k, optarg, prog, out, err);
        }
    }
    spec_free(&s);
    return rc;
}

void dh_optmap_cli_apply(const dh_optmap_cli_t *c, const dh_optmap_bind_t *b, size_t from,
                         size_t to)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->given[i].bind >= from && c->given[i].bind < to)
            store(c->given[i].row, b[c->given[i].bind].obj, &c->given[i].v);
}

bool dh_optmap_cli_given(const dh_optmap_cli_t *c, const char *cli)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->given[i].row->cli && strcmp(c->given[i].row->cli, cli) == 0)
            return true;
    return false;
}

void dh_optmap_cli_free(dh_optmap_cli_t *c)
{
    free(c->given);
    c->given = NULL;
    c->n = 0;
}

/* ---- the configuration file ---------------------------------------------- */

static void own(dh_optmap_owned_t *o, void *p)
{
    o->p = dh_realloc(o->p, (o->n + 1) * sizeof(void *));
    o->p[o->n++] = p;
}

void dh_optmap_owned_free(dh_optmap_owned_t *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->p[i]);
    free(o->p);
    o->p = NULL;
    o->n = 0;
}

static int yaml_error(const dh_yaml_node_t *n, const char *key, const char *what, char *err,
                      size_t errlen)
{
    snprintf(err, errlen, "%s:%zu: %s: expected %s", n->file, n->line, key, what);
    return -1;
}

/* A list of strings into a NULL-terminated array (owned). */
static int yaml_list(dh_yaml_node_t *map, const char *key, dh_optval_t *v, bool *found,
                     dh_optmap_owned_t *owned, char *err, size_t errlen)
{
    dh_yaml_node_t *seq = dh_yaml_get(map, key);
    if (!seq)
        return 0;
    if (seq->kind != DH_YAML_SEQ)
        return yaml_error(seq, key, "a list", err, errlen);
    const char **a = dh_calloc(seq->n_items + 1, sizeof(char *));
    own(owned, a);
    for (size_t i = 0; i < seq->n_items; i++) {
        if (seq->items[i]->kind != DH_YAML_SCALAR)
            return yaml_error(seq->items[i], key, "a string", err, errlen);
        a[i] = seq->items[i]->value;
    }
    v->list = a;
    *found = true;
    return 0;
}

static bool empty_scalar(const dh_yaml_node_t *m)
{
    return m->kind == DH_YAML_SCALAR && !m->quoted && (!m->value[0] || !strcmp(m->value, "~"));
}

/* A map {key: value} into a NULL-terminated array of "key=value" (owned). */
static int yaml_kvmap(const dh_optmap_t *r, dh_yaml_node_t *map, const char *key, dh_optval_t *v,
                      bool *found, dh_optmap_owned_t *owned, char *err, size_t errlen)
{
    dh_yaml_node_t *m = dh_yaml_get(map, key);
    if (!m || ((r->flags & DH_OPTF_EMPTY_OK) && empty_scalar(m)))
        return 0;
    if (m->kind != DH_YAML_MAP)
        return yaml_error(m, key, r->expect, err, errlen);
    char **a = dh_calloc(m->n_items + 1, sizeof(char *));
    own(owned, a);
    for (size_t i = 0; i < m->n_items; i++) {
        dh_yaml_node_t *it = m->items[i];
        it->used = true;
        if (it->kind != DH_YAML_SCALAR || (r->valid && !r->valid(it->value)))
            return yaml_error(it, it->key, r->item_expect, err, errlen);
        size_t n = strlen(it->key) + strlen(it->value) + 2;
        a[i] = dh_malloc(n);
        own(owned, a[i]);
        snprintf(a[i], n, "%s=%s", it->key, it->value);
    }
    v->list = (const char *const *)a;
    *found = true;
    return 0;
}

static int yaml_number(const dh_optmap_t *r, dh_yaml_node_t *map, const char *key,
                       dh_optval_t *v, bool *found, char *err, size_t errlen)
{
    if (!dh_yaml_get(map, key))
        return 0;
    *found = true;
    if (r->type == DH_OPT_DURATION)
        return dh_yaml_double(map, key, false, r->min, r->max, &v->d, err, errlen);
    int64_t i = 0;
    if (dh_yaml_int(map, key, false, (int64_t)r->min, (int64_t)r->max, &i, err, errlen))
        return -1;
    v->d = (double)i;
    return 0;
}

static int yaml_string(const dh_optmap_t *r, dh_yaml_node_t *map, const char *key,
                       dh_optval_t *v, bool *found, char *err, size_t errlen)
{
    const char *s = NULL;
    if (dh_yaml_str(map, key, false, &s, err, errlen))
        return -1;
    if (!s)
        return 0;
    *found = true;
    if (r->type == DH_OPT_STRING && !r->expect) {
        v->s = s;
        return 0;
    }
    if (parse_text(r, s, v) != 0)
        return yaml_error(dh_yaml_get(map, key), key, r->expect, err, errlen);
    return 0;
}

static int yaml_value(const dh_optmap_t *r, dh_yaml_node_t *map, const char *key,
                      dh_optval_t *v, bool *found, dh_optmap_owned_t *owned, char *err,
                      size_t errlen)
{
    if (is_number(r->type))
        return yaml_number(r, map, key, v, found, err, errlen);
    switch (r->type) {
    case DH_OPT_BOOL:
        *found = dh_yaml_get(map, key) != NULL;
        return dh_yaml_bool(map, key, false, &v->b, err, errlen);
    case DH_OPT_STRING:
    case DH_OPT_ENUM: return yaml_string(r, map, key, v, found, err, errlen);
    case DH_OPT_STRLIST: return yaml_list(map, key, v, found, owned, err, errlen);
    case DH_OPT_KVMAP: return yaml_kvmap(r, map, key, v, found, owned, err, errlen);
    default: return 0;
    }
}

/* The map holding r's key ("section.key": the section) and the key. */
static dh_yaml_node_t *yaml_parent(dh_yaml_node_t *root, const dh_optmap_t *r, const char **key)
{
    const char *dot = strchr(r->yaml, '.');
    if (!dot) {
        *key = r->yaml;
        return root;
    }
    char section[64];
    snprintf(section, sizeof(section), "%.*s", (int)(dot - r->yaml), r->yaml);
    *key = dot + 1;
    return dh_yaml_get(root, section);
}

int dh_optmap_yaml(dh_yaml_node_t *root, const dh_optmap_bind_t *b, size_t nb,
                   dh_optmap_owned_t *owned, char *err, size_t errlen)
{
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++) {
            if (!r->yaml || !has_value(r))
                continue;
            const char *key;
            dh_yaml_node_t *map = yaml_parent(root, r, &key);
            dh_optval_t v = {0};
            bool found = false;
            if (yaml_value(r, map, key, &v, &found, owned, err, errlen))
                return -1;
            if (found)
                store(r, b[i].obj, &v);
        }
    return 0;
}
