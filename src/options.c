/*
 * options.c - the defaults of a run's settings (options.h), before the run
 * configuration file and the command line override them. One place, so a
 * test's pipeline and the CLI's start from the same values.
 */
#include "options.h"

#include <string.h>

void dh_options_default(dh_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->output = "-";
    o->emit = DH_EMIT_DETECTIONS;
    o->rules_dir = "rules";
    o->max_line = 256 * 1024;
    o->txn_timeout_us = 30 * 1000000LL;
    o->max_pending = 65536;
    o->lateness_us = 60 * 1000000LL;
    o->max_reports = 10;
    o->max_state_bytes = (size_t)512 << 20;
    o->history_expire_us = 180LL * 86400 * 1000000;
    o->history_max_bytes = (size_t)1024 << 20;
    o->log = stderr;
}
