/*
 * options.c - the defaults of a run's settings (options.h), before the run
 * configuration file and the command line override them. The values live in
 * the option tables (options-map.c), the one place --help, the README and the
 * man page read them from; a test's pipeline and the CLI start from here.
 */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>

#include "options-map.h"

void dh_options_default(dh_options_t *o)
{
    /* The defaults are compile-time constants of the tables: one that does
       not parse is a bug in the tables (test-optmap.c catches it), not a
       condition of the run, so there is nothing for a caller to handle. */
    if (dh_options_map_defaults(o) != 0) {
        fputs("dnshound: internal error: an option table's default does not parse\n", stderr);
        abort();
    }
    o->log = stderr;
}
