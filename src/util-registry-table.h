/*
 * util-registry-table.h - the NULL-ended table a registry .def file expands
 * into (parsers.def, sinks.def, sources.def), written once. Not guarded: a
 * registry.c includes it once, after defining
 *
 *   DH_REG_TYPE    the entries' type               dh_sink_type_t
 *   DH_REG_SYM(n)  the entry a .def line names     dh_sink_##n
 *   DH_REG_TABLE   the array it defines            dh_sinks
 *   DH_REG_DEF     the .def file, a path from src/ "sinks/sinks.def"
 *
 * and the .def file's line macro as DH_REG_ENTRY (#define SINK DH_REG_ENTRY:
 * SINK(file) then reads DH_REG_ENTRY(file)). The .def file is read twice:
 * once for the declarations of the entries, once for the table.
 */
#include <stddef.h>

#define DH_REG_ENTRY(n) extern const DH_REG_TYPE DH_REG_SYM(n);
#include DH_REG_DEF
#undef DH_REG_ENTRY

const DH_REG_TYPE *const DH_REG_TABLE[] = {
#define DH_REG_ENTRY(n) &DH_REG_SYM(n),
#include DH_REG_DEF
#undef DH_REG_ENTRY
    NULL,
};

#undef DH_REG_TYPE
#undef DH_REG_SYM
#undef DH_REG_TABLE
#undef DH_REG_DEF
