/*
 * registry.c - expands sinks.def into the sink table.
 */
#include <string.h>

#include "../sink.h"

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
    const dh_sink_type_t *fallback = NULL;
    for (size_t i = 0; dh_sinks[i]; i++) {
        const char *p = dh_sinks[i]->prefix;
        if (!p)
            fallback = dh_sinks[i];
        else if (strncmp(target, p, strlen(p)) == 0)
            return dh_sinks[i];
    }
    return fallback;
}
