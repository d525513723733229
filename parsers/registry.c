/*
 * registry.c - expands parsers.def into the parser table.
 */
#include <stdbool.h>
#include <string.h>

#include "../src/parser.h"
#include "../src/util-registry.h"

#define PARSER(n) extern const dh_parser_type_t dh_parser_##n;
#include "parsers.def"
#undef PARSER

const dh_parser_type_t *const dh_parsers[] = {
#define PARSER(n) &dh_parser_##n,
#include "parsers.def"
#undef PARSER
    NULL,
};

const dh_parser_type_t *dh_parser_find(const char *name)
{
    DH_REGISTRY_LOOKUP(dh_parser_type_t, dh_parsers, t, false, strcmp(t->name, name) == 0);
}
