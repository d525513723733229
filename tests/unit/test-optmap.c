/*
 * test-optmap.c - the option tables (options-map.c) and the generic layer
 * over them (optmap.c, optmap-doc.c): defaults, rows, the command line, the
 * configuration file, and the generated docs being up to date.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "options-map.h"
#include "util-mem.h"

static size_t bind_all(dh_optmap_bind_t *b, dh_options_t *o, dh_run_options_t *run)
{
    return dh_options_bindings(b, o, run);
}

/* The documented defaults (README option table), now read from the tables. */
Test(optmap, defaults_are_the_documented_values)
{
    dh_options_t o;
    dh_options_default(&o);
    cr_expect_str_eq(o.sink.output, "-");
    cr_expect_eq(o.core.emit, DH_EMIT_DETECTIONS);
    cr_expect_str_eq(o.detect.rules_dir, "rules");
    cr_expect_eq(o.input.max_line, 256 * 1024);
    cr_expect_eq(o.core.txn_timeout_us, 30 * 1000000LL);
    cr_expect_eq(o.core.max_pending, 65536);
    cr_expect_eq(o.core.lateness_us, 60 * 1000000LL);
    cr_expect_eq(o.input.max_reports, 10);
    cr_expect_eq(o.core.max_state_bytes, (size_t)512 << 20);
    cr_expect_eq(o.history.expire_us, 180LL * 86400 * 1000000);
    cr_expect_eq(o.history.max_bytes, (size_t)1024 << 20);
    cr_expect_eq(o.log, stderr);
    cr_expect_null(o.logger);
    cr_expect_null(o.history.state_dir);
    cr_expect_null(o.kafka.brokers);
    cr_expect(!o.history.no_state && !o.kafka.exit_at_end);
}

/* Each component's table writes to its own member of dh_options_t, the one
   the component is given (dh_options_component); the run's to run. */
Test(optmap, each_table_is_bound_to_its_components_struct)
{
    dh_options_t o;
    dh_run_options_t run;
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = bind_all(b, &o, &run);
    cr_assert_eq(b[nb - 1].table, &dh_opts_run);
    cr_expect_eq(b[nb - 1].obj, &run);
    cr_expect_null(dh_options_component(&o, &dh_opts_run));
    for (size_t i = 0; i + 1 < nb; i++)
        cr_expect_eq(dh_options_component(&o, b[i].table), b[i].obj, "%s", b[i].table->name);
    cr_expect_eq(dh_options_component(&o, &dh_opts_sinks), &o.sink);
    cr_expect_eq(dh_options_component(&o, &dh_opts_core), &o.core);
    cr_expect_eq(dh_options_component(&o, &dh_opts_source_file), &o.input);
    cr_expect_eq(dh_options_component(&o, &dh_opts_source_kafka), &o.kafka);
    cr_expect_eq(dh_options_component(&o, &dh_opts_history), &o.history);
    cr_expect_eq(dh_options_component(&o, &dh_opts_detectors), &o.detect);
}

Test(optmap, every_row_is_documented_and_named_once)
{
    dh_options_t o;
    dh_run_options_t run;
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = bind_all(b, &o, &run);
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++) {
            const char *name = r->cli ? r->cli : r->yaml ? r->yaml : r->arg;
            cr_assert(name, "%s: a row without a name", b[i].table->name);
            cr_expect(r->help && r->help[0], "%s: %s has no help text", b[i].table->name, name);
            if (r->type == DH_OPT_DOC)
                continue;
            size_t at = 0;
            if (r->cli)
                cr_expect_eq(dh_optmap_find(b, nb, r->cli, &at), r, "--%s twice", r->cli);
            if (r->yaml)
                cr_expect_eq(dh_optmap_find(b, nb, r->yaml, &at), r, "%s twice", r->yaml);
            for (size_t j = 0; r->letter && j < nb; j++)
                for (const dh_optmap_t *q = b[j].table->rows; !dh_optmap_end(q); q++)
                    cr_expect(q == r || q->letter != r->letter, "-%c twice", r->letter);
        }
}

/* A number's default is what its help text says ("(default 512)"). */
Test(optmap, help_texts_name_the_defaults)
{
    dh_options_t o;
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = bind_all(b, &o, NULL);
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++)
            if (r->def && r->cli)
                cr_expect(strstr(r->help, r->def), "--%s: help does not say its default %s",
                          r->cli, r->def);
}

static int parse(dh_optmap_bind_t *b, size_t nb, dh_optmap_cli_t *cli, char **argv, int argc)
{
    extern int optind;
    optind = 0; /* glibc: reinitialise getopt */
    FILE *err = fopen("/dev/null", "w");
    int rc = dh_optmap_getopt(argc, argv, b, nb, "dnshound", cli, err);
    fclose(err);
    return rc;
}

Test(optmap, command_line_values_convert_and_repeat)
{
    dh_options_t o;
    dh_run_options_t run;
    memset(&run, 0, sizeof(run));
    dh_options_default(&o);
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = bind_all(b, &o, &run);
    char *argv[] = {"dnshound", "--lateness", "1.5", "--max-state-mb", "64", "-X", "a=b",
                    "--emit", "events", "--format", "auto", "-e", "-q", "--history-days", "2",
                    "in.log", NULL};
    dh_optmap_cli_t cli;
    cr_assert_eq(parse(b, nb, &cli, argv, 16), 0);
    dh_optmap_cli_apply(&cli, b, 0, nb);
    cr_expect_eq(o.core.lateness_us, 1500000);
    cr_expect_eq(o.core.max_state_bytes, (size_t)64 << 20);
    cr_expect_eq(o.core.emit, DH_EMIT_EVENTS);
    cr_expect_null(o.input.format);
    cr_expect(o.kafka.exit_at_end && run.quiet);
    cr_expect_eq(o.history.expire_us, 2 * 86400LL * 1000000);
    cr_expect_eq(run.props.n, 1);
    cr_expect_str_eq(run.props.v[0], "a=b");
    cr_expect(dh_optmap_cli_given(&cli, "emit"));
    cr_expect_not(dh_optmap_cli_given(&cli, "rules"));
    dh_optmap_cli_free(&cli);
    char *bad[] = {"dnshound", "--max-line", "-5", NULL};
    cr_expect_eq(parse(b, nb, &cli, bad, 3), -1);
    dh_optmap_cli_free(&cli);
    char *help[] = {"dnshound", "--help", NULL};
    cr_expect_eq(parse(b, nb, &cli, help, 2), DH_ACT_HELP);
    dh_optmap_cli_free(&cli);
}

/* The text between the markers of README.md */
static char *readme_table(void)
{
    FILE *f = fopen(DH_SOURCE_DIR "/README.md", "r");
    cr_assert(f);
    static const char begin[] = "<!-- options:begin -->\n", end[] = "<!-- options:end -->";
    char *all = dh_calloc(1, 1 << 20);
    size_t n = fread(all, 1, (1 << 20) - 1, f);
    fclose(f);
    all[n] = '\0';
    char *a = strstr(all, begin), *z = a ? strstr(a, end) : NULL;
    cr_assert(a && z, "README.md lacks the options markers");
    a += strlen(begin);
    memmove(all, a, (size_t)(z - a));
    all[z - a] = '\0';
    return all;
}

static char *file_text(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s missing: make docs", path);
    char *all = dh_calloc(1, 1 << 20);
    size_t n = fread(all, 1, (1 << 20) - 1, f);
    fclose(f);
    all[n] = '\0';
    return all;
}

typedef void (*render_fn)(FILE *, const dh_optmap_bind_t *, size_t, const dh_optmap_doc_t *);

static char *render(render_fn fn)
{
    dh_options_t o;
    dh_run_options_t run;
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = bind_all(b, &o, &run);
    dh_optmap_doc_t d = dh_options_doc(DH_DOC_RULES_INSTALL_DIR);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f, b, nb, &d);
    fclose(f);
    return buf;
}

Test(optmap, readme_option_table_is_generated_and_fresh)
{
    char *want = render(dh_optmap_markdown), *got = readme_table();
    cr_expect_str_eq(got, want, "README.md's option table is stale: run `make docs`");
    free(want);
    free(got);
}

Test(optmap, man_page_is_generated_and_fresh)
{
    char *want = render(dh_optmap_man), *got = file_text(DH_SOURCE_DIR "/docs/dnshound.1");
    cr_expect_str_eq(got, want, "docs/dnshound.1 is stale: run `make docs`");
    free(want);
    free(got);
}

/* text into a new file; path: a buffer of at least 32 bytes */
static char *yaml_file(char *path, const char *text)
{
    strcpy(path, "/tmp/dh-optmap-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

Test(optmap, config_file_keys_convert_like_the_command_line)
{
    char buf[32];
    char *path = yaml_file(buf, "inputs: [a.log, b.log]\nstats: s.json\nemit: events\nformat: auto\n"
                           "resolvers: [10.0.0.1]\nstate:\n  lateness: 1.5\n  max_mb: 64\n"
                           "history:\n  persistent: false\n  expire_days: 2\n"
                           "kafka:\n  exit_at_end: yes\n  zeek_fields:\n    t: \"ts query\"\n"
                           "  properties:\n    a.b: \"1\"\n");
    dh_options_t o;
    dh_options_default(&o);
    o.input.format = "eve";
    char err[256] = "";
    dh_config_t *c = dh_config_load(path, &o, err, sizeof(err));
    unlink(path);
    cr_assert(c, "%s", err);
    cr_expect_str_eq(dh_config_inputs(c)[1], "b.log");
    cr_expect_str_eq(dh_config_stats(c), "s.json");
    cr_expect_eq(o.core.emit, DH_EMIT_EVENTS);
    cr_expect_null(o.input.format);
    cr_expect_str_eq(o.detect.resolvers[0], "10.0.0.1");
    cr_expect_eq(o.core.lateness_us, 1500000);
    cr_expect_eq(o.core.max_state_bytes, (size_t)64 << 20);
    cr_expect(o.history.no_state && o.kafka.exit_at_end);
    cr_expect_eq(o.history.expire_us, 2 * 86400LL * 1000000);
    cr_expect_str_eq(o.kafka.zeek_fields[0], "t=ts query");
    cr_expect_str_eq(o.kafka.props[0], "a.b=1");
    cr_expect_null(o.kafka.props[1]);
    dh_config_free(c);
}

Test(optmap, config_file_errors_name_file_and_line)
{
    const char *cases[][2] = {
        {"emit: nothing\n", ":1: emit: expected detections or events"},
        {"state:\n  max_mb: 0\n", ":2: max_mb: expected an integer in [1, 1048576]"},
        {"kafka:\n  zeek_fields:\n    t: \"a b\"\n", ":3: t: expected the dns.log field names"},
        {"inputs: x\n", ":1: inputs: expected a list"},
        {"state:\n  max_md: 1\n", ":2: unknown key 'max_md'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];
        char *path = yaml_file(buf, cases[i][0]);
        dh_options_t o;
        dh_options_default(&o);
        char err[256] = "";
        dh_config_t *c = dh_config_load(path, &o, err, sizeof(err));
        unlink(path);
        cr_expect_null(c, "%s loaded", cases[i][0]);
        cr_expect(strstr(err, cases[i][1]), "%s: got '%s'", cases[i][0], err);
        dh_config_free(c);
    }
}

/* Every key of the configuration file is documented in deploy/dnshound.yaml. */
Test(optmap, shipped_config_documents_every_key)
{
    char *doc = file_text(DH_SOURCE_DIR "/deploy/dnshound.yaml");
    dh_options_t o;
    dh_run_options_t run;
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = bind_all(b, &o, &run);
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++) {
            if (!r->yaml)
                continue;
            const char *dot = strchr(r->yaml, '.');
            char key[64];
            snprintf(key, sizeof(key), "%s:", dot ? dot + 1 : r->yaml);
            cr_expect(strstr(doc, key), "deploy/dnshound.yaml lacks %s", r->yaml);
        }
    free(doc);
}
