/*
 * registry.c - expands parsers.def into the parser table.
 */
#include <stdbool.h>
#include <string.h>

#include "../src/parser.h"
#include "json-fields.h"
#include "../src/util-registry.h"

#define DH_REG_TYPE dh_parser_type_t
#define DH_REG_SYM(n) dh_parser_##n
#define DH_REG_TABLE dh_parsers
#define DH_REG_DEF "../parsers/parsers.def"
#define PARSER DH_REG_ENTRY
#include "../src/util-registry-table.h"
#undef PARSER

const dh_parser_type_t *dh_parser_find(const char *name)
{
    DH_REGISTRY_LOOKUP(dh_parser_type_t, dh_parsers, t, false, strcmp(t->name, name) == 0);
}

dh_line_t dh_parser_parse_line(const dh_parser_type_t *p, void *state, const char *line,
                               size_t len, dh_evbuf_t *out, char reason[DH_REASON_MAX])
{
    if (p->json_record)
        return jf_parse_line(state, line, len, out, reason, p->json_skip, p->json_record);
    return p->parse_line(state, line, len, out, reason);
}
