/*
 * options-map.h - the option tables of dnshound's components (optmap.h).
 *
 * One table a component. Each table writes to its component's options
 * struct, a member of dh_options_t (options.h: sinks -> .sink, core ->
 * .core, source.file -> .input, source.kafka -> .kafka, history ->
 * .history, detectors -> .detect), except the command line's own
 * (dh_run_options_t: what main.c decides, never the pipeline).
 * dh_options_bindings binds them; dh_options_component gives a component
 * the struct of its table, and nothing else. The bindings come in the order
 * --help shows rows within a section; the order of sections is
 * dh_options_doc.groups.
 */
#ifndef DH_OPTIONS_MAP_H
#define DH_OPTIONS_MAP_H

#include "optmap.h"
#include "options.h"

/* What only the command line decides (main.c). */
typedef struct {
    const char *config;         /* -c FILE */
    const char *stats;          /* --stats FILE (also YAML "stats") */
    bool quiet, check_config;
    const char *const *inputs;  /* YAML "inputs" */
    dh_optlist_t props;         /* -X key=value, in order */
    bool verbose;               /* -v: the logger at DH_LOG_DEBUG */
} dh_run_options_t;

/* ACTION rows: what dh_optmap_getopt returns for them */
enum {
    DH_ACT_HELP = 1, DH_ACT_VERSION, DH_ACT_LIST, DH_ACT_LIST_OPTIONS, DH_ACT_HELP_MAN,
    DH_ACT_HELP_MARKDOWN,
};

extern const dh_optmap_table_t dh_opts_sinks, dh_opts_core, dh_opts_source_file,
    dh_opts_source_kafka, dh_opts_history, dh_opts_detectors, dh_opts_run;
extern const dh_optmap_table_t dh_opts_source_follow; /* -> .follow */

#define DH_OPTION_BINDINGS_MAX 16

/* Bind every table: dh_opts_run to run (may be NULL: then left out), the
   others to their members of o. Returns the number of bindings written to
   b (run last). */
size_t dh_options_bindings(dh_optmap_bind_t *b, dh_options_t *o, dh_run_options_t *run);

/* The member of o that table t is bound to (borrowed from o: the
   component's own options struct, e.g. &o->kafka for dh_opts_source_kafka);
   NULL when t is NULL or no component's table (dh_opts_run). */
const void *dh_options_component(const dh_options_t *o, const dh_optmap_table_t *t);

/* o zeroed, then every table's defaults: what dh_options_default sets, but
   the log stream (a unit test holds them equal). Returns 0, -1 when a
   default of a table does not parse. */
int dh_options_map_defaults(dh_options_t *o);

/* The texts around the rows; token "@RULES_INSTALL_DIR@" in help texts is
   printed as rules_install_dir. */
dh_optmap_doc_t dh_options_doc(const char *rules_install_dir);

/* rules_install_dir in the generated docs (README.md, docs/dnshound.1) */
#define DH_DOC_RULES_INSTALL_DIR "PREFIX/share/dnshound/rules"

#endif
