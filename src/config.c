/*
 * config.c - reading dnshound.yaml into dh_options_t (see config.h): every key
 * is a row of an option table (options-map.c), read by optmap.c.
 */
#include "config.h"

#include <stdlib.h>

#include "options-map.h"
#include "parser.h"
#include "util-mem.h"
#include "yaml-tree.h"

struct dh_config {
    dh_yaml_node_t *root;
    dh_run_options_t run;    /* inputs, stats */
    dh_optmap_owned_t owned; /* lists read from the file */
};

dh_config_t *dh_config_load(const char *path, dh_options_t *o, char *err, size_t errlen)
{
    dh_config_t *c = dh_calloc(1, sizeof(*c));
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = dh_options_bindings(b, o, &c->run);
    c->root = dh_yaml_load(path, err, errlen);
    if (!c->root || dh_optmap_yaml(c->root, b, nb, &c->owned, err, errlen) ||
        dh_yaml_check_unused(c->root, err, errlen)) {
        dh_config_free(c);
        return NULL;
    }
    return c;
}

const char *const *dh_config_inputs(const dh_config_t *c)
{
    static const char *const none[] = {NULL};
    return c->run.inputs ? c->run.inputs : none;
}

const char *dh_config_stats(const dh_config_t *c)
{
    return c->run.stats;
}

void dh_config_free(dh_config_t *c)
{
    if (!c)
        return;
    dh_optmap_owned_free(&c->owned);
    dh_yaml_free(c->root);
    free(c);
}
