/*
 * optmap.h - option maps: every setting of a component declared once, in a
 * table, as Fluent Bit's struct flb_config_map does.
 *
 * A component (the pipeline core, the file source, the Kafka source, the
 * sinks, the history, the detectors, the command line itself) declares one
 * table of dh_optmap_t rows: the command-line name and letter, the YAML key,
 * the type, the offset of the field in the component's own options struct,
 * the default (as text, parsed like a value), the limits and the help text.
 * One generic layer makes everything else from the tables: the getopt_long
 * array and the parsing of argv (dh_optmap_getopt), the YAML keys of the run
 * configuration (dh_optmap_yaml), `--help` (dh_optmap_usage), the effective
 * settings that --check-config prints (dh_optmap_print_settings), the
 * README's option table (dh_optmap_markdown) and the man page
 * (dh_optmap_man). A new option is one row (plus its field); the docs are
 * regenerated with `make docs` and a unit test fails while they are stale.
 *
 * A table is used through a binding (dh_optmap_bind_t): the table and the
 * struct it writes to. Which struct that is belongs to the caller, so that a
 * component can be given only its own options.
 *
 * Ownership: tables are static and const. Values that are strings borrow
 * argv's or the YAML tree's text; lists read from YAML are allocated and
 * recorded in a dh_optmap_owned_t that the caller frees with
 * dh_optmap_owned_free. No function here keeps state between calls;
 * dh_optmap_getopt runs getopt_long, so it shares libc's optind (one thread,
 * once per process unless optind is reset).
 */
#ifndef DH_OPTMAP_H
#define DH_OPTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "yaml-tree.h"

typedef enum {
    DH_OPT_DOC = 0,   /* no value: a line of help about a non-option (SIGHUP) */
    DH_OPT_ACTION,    /* no value: --help, --version...: parsing stops with .action */
    DH_OPT_BOOL,      /* bool; on the command line a flag without argument */
    DH_OPT_UINT,      /* unsigned */
    DH_OPT_SIZE,      /* size_t */
    DH_OPT_MIB,       /* size_t bytes, given in MiB */
    DH_OPT_DURATION,  /* int64_t microseconds, given in seconds (a real number) */
    DH_OPT_DAYS,      /* int64_t microseconds, given in days */
    DH_OPT_STRING,    /* const char * */
    DH_OPT_ENUM,      /* an enum (int-sized); .values[i] names value i */
    DH_OPT_STRLIST,   /* const char *const *, NULL-terminated; YAML: a list */
    DH_OPT_KVMAP,     /* const char *const * of "key=value"; YAML: a map */
    DH_OPT_APPEND,    /* dh_optlist_t; the command-line option repeats */
} dh_opt_type_t;

/* Flags of a row */
#define DH_OPTF_HIDDEN 1u   /* not in --help, the docs or --list-options */
#define DH_OPTF_INVERT 2u   /* bool: the field holds the negation (persistent -> no_state) */
#define DH_OPTF_EMPTY_OK 4u /* KVMAP: an empty value means none */

#define DH_OPTLIST_MAX 128
/* The values of a repeated command-line option, in order. */
typedef struct {
    const char *v[DH_OPTLIST_MAX + 1]; /* NULL-terminated */
    size_t n;
} dh_optlist_t;

typedef struct {
    dh_opt_type_t type;
    const char *cli;      /* long option without "--"; NULL: not on the command line */
    int letter;           /* short option; 0: none */
    const char *yaml;     /* "key" or "section.key"; NULL: not in the file */
    size_t offset;        /* offsetof(the component's options struct, field) */
    const char *def;      /* default, as text (parsed as from the command line); NULL: zero */
    double min, max;      /* numbers: the accepted range, both ends included */
    const char *arg;      /* argument's name in --help ("FILE"); DOC: the left column */
    const char *help;     /* help text, lines separated by '\n' */
    int group;            /* index into dh_optmap_doc_t.groups: the --help section */
    unsigned flags;       /* DH_OPTF_* */
    int action;           /* ACTION: what dh_optmap_getopt returns (> 0) */
    const char *const *values;       /* ENUM: names, NULL-terminated */
    const char *null_word;           /* STRING: this word stores NULL ("auto") */
    bool (*valid)(const char *text); /* STRING, APPEND, KVMAP values: extra check */
    const char *expect;      /* "expected ..." in errors: "detections or events" */
    const char *item_expect; /* KVMAP: what each value must be */
    const char *cli_error;   /* command-line error instead of "expected": "%s" is the value */
} dh_optmap_t;

/* A component's table: its rows, ended by {0}. */
typedef struct {
    const char *name;       /* "source.kafka" */
    const dh_optmap_t *rows;
} dh_optmap_table_t;

/* The {0} row that ends a table */
static inline bool dh_optmap_end(const dh_optmap_t *r)
{
    return !r->help && !r->cli && !r->yaml;
}

/* A table and the options struct it writes to (borrowed). */
typedef struct {
    const dh_optmap_table_t *table;
    void *obj;
} dh_optmap_bind_t;

/* What --help, the README table and the man page say around the rows. */
typedef struct {
    const char *prog;           /* "dnshound" */
    const char *synopsis;       /* "[OPTIONS] [FILE...]" */
    const char *summary;        /* one line, the man page's NAME */
    const char *about;          /* paragraph after the usage line */
    const char *const *groups;  /* section headings, by dh_optmap_t.group */
    size_t n_groups;
    const char *exit_status;    /* the closing paragraph */
    const char *token, *value;  /* every token in help texts is printed as value */
} dh_optmap_doc_t;

/* A value parsed from text, before it is stored. */
typedef union {
    bool b;
    double d;
    int ival;
    const char *s;
    const char *const *list;
} dh_optval_t;

/* Lists allocated while reading YAML. */
typedef struct {
    void **p;
    size_t n;
} dh_optmap_owned_t;

/* ---- values ------------------------------------------------------------ */

/* Set every field of b's table to its default (fields without one untouched).
   Returns 0, or -1 when a default does not parse (a bug in the table). */
int dh_optmap_defaults(const dh_optmap_bind_t *b);

/* The row of the table (any binding) whose cli or yaml name is name. */
const dh_optmap_t *dh_optmap_find(const dh_optmap_bind_t *b, size_t nb, const char *name,
                                  size_t *bind_index);

/* ---- the command line ---------------------------------------------------- */

typedef struct {
    size_t bind;           /* index into the bindings */
    const dh_optmap_t *row;
    dh_optval_t v;
} dh_optmap_given_t;

/* Options given on the command line, validated, in order; applied later so
   that they win over the configuration file. */
typedef struct {
    dh_optmap_given_t *given; /* owned */
    size_t n;
} dh_optmap_cli_t;

/* getopt_long over every CLI row of the bindings. Returns 0 (options in
   out, optind at the first operand), the .action of an ACTION row (> 0), or
   -1 after printing "PROG: ..." to err. out must be freed (dh_optmap_cli_free)
   in every case. */
int dh_optmap_getopt(int argc, char **argv, const dh_optmap_bind_t *b, size_t nb,
                     const char *prog, dh_optmap_cli_t *out, FILE *err);

/* Store the given options whose binding index is in [from, to). */
void dh_optmap_cli_apply(const dh_optmap_cli_t *c, const dh_optmap_bind_t *b, size_t from,
                         size_t to);

/* Whether the option named cli was given. */
bool dh_optmap_cli_given(const dh_optmap_cli_t *c, const char *cli);

void dh_optmap_cli_free(dh_optmap_cli_t *c);

/* ---- the configuration file ---------------------------------------------- */

/* Store every YAML key of the bindings found under root (marking it used).
   Returns 0, or -1 with err "FILE:LINE: key: expected ...". Lists are
   recorded in owned. */
int dh_optmap_yaml(dh_yaml_node_t *root, const dh_optmap_bind_t *b, size_t nb,
                   dh_optmap_owned_t *owned, char *err, size_t errlen);

void dh_optmap_owned_free(dh_optmap_owned_t *owned);

/* ---- documentation --------------------------------------------------------- */

/* --help */
void dh_optmap_usage(FILE *f, const dh_optmap_bind_t *b, size_t nb, const dh_optmap_doc_t *d);
/* One "--name" a line for every visible command-line option (--list-options). */
void dh_optmap_list(FILE *f, const dh_optmap_bind_t *b, size_t nb);
/* The values in effect, one "  key = value" a line (--check-config). */
void dh_optmap_print_settings(FILE *f, const dh_optmap_bind_t *b, size_t nb);
/* The README's option table (Markdown). */
void dh_optmap_markdown(FILE *f, const dh_optmap_bind_t *b, size_t nb, const dh_optmap_doc_t *d);
/* The man page (roff, man(7)). */
void dh_optmap_man(FILE *f, const dh_optmap_bind_t *b, size_t nb, const dh_optmap_doc_t *d);

#endif
