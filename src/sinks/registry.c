/*
 * registry.c - expands sinks.def into the sink table.
 */
#include <string.h>

#include "../sink.h"
#include "../util-registry.h"

#define DH_REG_TYPE dh_sink_type_t
#define DH_REG_SYM(n) dh_sink_##n
#define DH_REG_TABLE dh_sinks
#define DH_REG_DEF "sinks/sinks.def"
#define SINK DH_REG_ENTRY
#include "../util-registry-table.h"
#undef SINK

const dh_sink_type_t *dh_sink_for(const char *target)
{
    DH_REGISTRY_LOOKUP(dh_sink_type_t, dh_sinks, t, !t->prefix,
                       strncmp(target, t->prefix, strlen(t->prefix)) == 0);
}
