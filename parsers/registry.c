/*
 * registry.c - expands parsers.def into the parser table.
 */
#include <string.h>

#include "../src/parser.h"

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
    for (size_t i = 0; dh_parsers[i]; i++)
        if (strcmp(dh_parsers[i]->name, name) == 0)
            return dh_parsers[i];
    return NULL;
}
