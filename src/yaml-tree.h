/*
 * yaml-tree.h - a YAML document loaded into a small tree, with line numbers.
 *
 * Configuration and rules are read with libyaml's event parser into this tree
 * so that every consumer can look keys up by path and every error can name
 * FILE:LINE. Each lookup marks the node as used; dh_yaml_check_unused then
 * reports the first key nobody asked for, which is how unknown keys (typos)
 * become errors instead of being ignored.
 *
 * Ownership: dh_yaml_load allocates the whole tree; dh_yaml_free frees it.
 * Strings returned by getters belong to the tree.
 */
#ifndef DH_YAML_TREE_H
#define DH_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util-ip.h"

typedef enum { DH_YAML_SCALAR, DH_YAML_MAP, DH_YAML_SEQ } dh_yaml_kind_t;

typedef struct dh_yaml_node {
    dh_yaml_kind_t kind;
    char *value;      /* scalar text (MAP/SEQ: NULL) */
    bool quoted;      /* scalar was quoted (a string, never null) */
    char *key;        /* key when the node is a map value */
    size_t line;      /* 1-based line of the node */
    bool used;
    struct dh_yaml_node **items;
    size_t n_items;
    const char *file; /* shared, owned by the root */
} dh_yaml_node_t;

/* Load path. NULL and err "FILE:LINE: message" on failure. */
dh_yaml_node_t *dh_yaml_load(const char *path, char *err, size_t errlen);
void dh_yaml_free(dh_yaml_node_t *root);

/* Child of a map by key (marks it used); NULL when absent or not a map. */
dh_yaml_node_t *dh_yaml_get(dh_yaml_node_t *map, const char *key);

/* Typed getters: 0 ok (absent: 0 and *out untouched when optional), -1 on a
   bad value with err "FILE:LINE: key: expected ..." filled. */
int dh_yaml_str(dh_yaml_node_t *map, const char *key, bool required, const char **out, char *err,
                size_t errlen);
int dh_yaml_double(dh_yaml_node_t *map, const char *key, bool required, double min, double max,
                   double *out, char *err, size_t errlen);
int dh_yaml_int(dh_yaml_node_t *map, const char *key, bool required, int64_t min, int64_t max,
                int64_t *out, char *err, size_t errlen);
int dh_yaml_bool(dh_yaml_node_t *map, const char *key, bool required, bool *out, char *err,
                 size_t errlen);

/* The list under key in map (optional): 0 with *out the list node, or NULL
   when absent; -1 when the node is not a list, or (max > 0) holds more than
   max items, with err "FILE:LINE: key: expected a list of WHAT" (with max:
   "... a list of at most MAX WHAT"). One wording for every list a rule or
   config file holds. */
int dh_yaml_seq(dh_yaml_node_t *map, const char *key, const char *what, size_t max,
                dh_yaml_node_t **out, char *err, size_t errlen);

/* For each item of seq (a list node, dh_yaml_seq) in order: -1 with err
   "FILE:LINE: key: expected ITEM" when it is not a non-empty scalar, else
   fn(ctx, item); fn returns 0, or -1 with err filled (which stops). */
typedef int (*dh_yaml_item_fn)(void *ctx, const dh_yaml_node_t *item, char *err, size_t errlen);
int dh_yaml_each_scalar(const dh_yaml_node_t *seq, const char *key, const char *item,
                        dh_yaml_item_fn fn, void *ctx, char *err, size_t errlen);

/* dh_yaml_seq (what, max) then dh_yaml_each_scalar over it (nothing when
   the key is absent). */
int dh_yaml_each(dh_yaml_node_t *map, const char *key, const char *what, size_t max,
                 const char *item, dh_yaml_item_fn fn, void *ctx, char *err, size_t errlen);

/* The list under key of at most max addresses or CIDR blocks, parsed into
   out[*n...] (*n counts them): 0 (also when absent), or -1 with err
   "FILE:LINE: key: ..." naming the list or the item that is not one. */
int dh_yaml_cidrs(dh_yaml_node_t *map, const char *key, size_t max, dh_cidr_t *out,
                  size_t *n, char *err, size_t errlen);

/* Mark a node and everything below it used (for free-form sections). */
void dh_yaml_mark_used(dh_yaml_node_t *n);

/* -1 and err "FILE:LINE: unknown key 'x'" for the first unused map key. */
int dh_yaml_check_unused(const dh_yaml_node_t *root, char *err, size_t errlen);

#endif
