/*
 * registry.c - expands sinks.def into the sink table.
 */
#include <string.h>

#include "../sink.h"
#include "../util-registry.h"

#define SINK(n) extern const dh_sink_type_t dh_sink_##n;
#include "sinks.def"
#undef SINK

const dh_sink_type_t *const dh_sinks[] = {
#define SINK(n) &dh_sink_##n,
#include "sinks.def"
#undef SINK
    NULL,
};

const dh_sink_type_t *dh_sink_for(const char *target)
{
    DH_REGISTRY_LOOKUP(dh_sink_type_t, dh_sinks, t, !t->prefix,
                       strncmp(target, t->prefix, strlen(t->prefix)) == 0);
}
