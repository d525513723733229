/*
 * main.c - the dnshound command line.
 *
 * Parses options into dh_options_t, runs every input through one pipeline
 * in the order given, and maps the outcome to the exit status:
 * 0 all inputs read, 1 an input could not be opened or was cut short (the
 * others are still processed) or output failed, 2 usage error.
 */
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "detector.h"
#include "incidents.h"
#include "options-map.h"
#include "navigator.h"
#include "pipeline.h"
#include "sink.h"
#include "source.h"

#include "version.h"
#ifndef DH_RULES_INSTALL_DIR
#define DH_RULES_INSTALL_DIR "/usr/local/share/dnshound/rules"
#endif

/* What the command line said: its own options (dh_opts_run), the others
   given, to be applied over the configuration file's, and the bindings of
   every option table (the components on opt, then run: the last). */
typedef struct {
    dh_run_options_t run;
    dh_optmap_cli_t given;
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb;
} cli_t;

static void usage(FILE *f, const cli_t *cli)
{
    dh_optmap_doc_t d = dh_options_doc(DH_RULES_INSTALL_DIR);
    dh_optmap_usage(f, cli->b, cli->nb, &d);
}

static int dir_has_rules(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/dns_tunnel.yaml", dir);
    return access(p, R_OK) == 0;
}

/* --rules, $DNSHOUND_RULES, ./rules, <exe dir>/../rules, the install dir. */
static const char *find_rules_dir(const char *given, char *buf, size_t len)
{
    if (given)
        return given;
    const char *env = getenv("DNSHOUND_RULES");
    if (env && *env)
        return env;
    if (dir_has_rules("rules"))
        return "rules";
    char exe[PATH_MAX - 64]; /* room for the suffixes below */
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, len, "%s/../rules", exe);
            if (dir_has_rules(buf))
                return buf;
            snprintf(buf, len, "%s/../share/dnshound/rules", exe);
            if (dir_has_rules(buf))
                return buf;
        }
    }
    return DH_RULES_INSTALL_DIR;
}

/* --list: one section a registry, one "  NAME  DESCRIPTION" line an entry,
   NAME padded to the widest name of all registries so that the descriptions
   form one column (the registries' entry types differ; each has a name and a
   description). */
#define LIST_WIDEST(table, width)                                          \
    for (size_t i_ = 0; (table)[i_]; i_++)                                 \
        if ((int)strlen((table)[i_]->name) > (width))                      \
            (width) = (int)strlen((table)[i_]->name)
#define LIST_SECTION(title, table, width)                                  \
    do {                                                                   \
        printf("%s:\n", title);                                            \
        for (size_t i_ = 0; (table)[i_]; i_++)                             \
            printf("  %-*s  %s\n", (width), (table)[i_]->name,              \
                   (table)[i_]->description);                              \
    } while (0)

static void list_components(void)
{
    int width = 0;
    LIST_WIDEST(dh_parsers, width);
    LIST_WIDEST(dh_detectors, width);
    LIST_WIDEST(dh_sources, width);
    LIST_WIDEST(dh_sinks, width);
    LIST_WIDEST(dh_correlations, width);
    LIST_SECTION("parsers", dh_parsers, width);
    LIST_SECTION("detectors", dh_detectors, width);
    LIST_SECTION("correlations", dh_correlations, width);
    LIST_SECTION("sources", dh_sources, width);
    LIST_SECTION("sinks", dh_sinks, width);
}

static void cli_init(cli_t *c, dh_options_t *o)
{
    memset(c, 0, sizeof(*c));
    c->nb = dh_options_bindings(c->b, o, &c->run);
}

/* --help, --version, --list and the generated docs */
static void run_action(int action, const cli_t *cli)
{
    dh_optmap_doc_t d = dh_options_doc(DH_DOC_RULES_INSTALL_DIR);
    switch (action) {
    case DH_ACT_HELP: usage(stdout, cli); break;
    case DH_ACT_VERSION: printf("dnshound %s\n", DH_VERSION); break;
    case DH_ACT_LIST: list_components(); break;
    case DH_ACT_LIST_OPTIONS: dh_optmap_list(stdout, cli->b, cli->nb); break;
    case DH_ACT_HELP_MAN: dh_optmap_man(stdout, cli->b, cli->nb, &d); break;
    case DH_ACT_HELP_MARKDOWN: dh_optmap_markdown(stdout, cli->b, cli->nb, &d); break;
    default: break;
    }
}

/* Returns -1 to exit 2, 1 to exit 0 (help/version/list), 0 to run. The
   command line's own options are stored at once, the others by apply_cli. */
static int parse_args(int argc, char **argv, cli_t *cli)
{
    int rc = dh_optmap_getopt(argc, argv, cli->b, cli->nb, "dnshound", &cli->given, stderr);
    if (rc > 0)
        run_action(rc, cli);
    if (rc == 0)
        dh_optmap_cli_apply(&cli->given, cli->b, cli->nb - 1, cli->nb);
    return rc > 0 ? 1 : rc;
}

/* Command-line values over the config file's over the defaults. */
static void apply_cli(const cli_t *cli)
{
    dh_optmap_cli_apply(&cli->given, cli->b, 0, cli->nb - 1);
}

/* -X properties come after the config file's, so they win (librdkafka
   applies them in order). */
static const char **merge_props(const cli_t *cli, const char *const *cfg)
{
    size_t n = 0;
    while (cfg && cfg[n])
        n++;
    const dh_optlist_t *x = &cli->run.props;
    const char **all = calloc(n + x->n + 1, sizeof(char *));
    if (!all)
        return NULL;
    for (size_t i = 0; i < n; i++)
        all[i] = cfg[i];
    for (size_t i = 0; i < x->n; i++)
        all[n + i] = x->v[i];
    return all;
}

static void print_plan(const dh_options_t *o, int n_inputs)
{
    printf("configuration ok: rules %s, %d input(s), output %s, emit %s, state bound %zu MiB\n",
           o->detect.rules_dir, n_inputs, o->sink.output,
           o->core.emit == DH_EMIT_EVENTS ? "events" : "detections", o->core.max_state_bytes >> 20);
    if (o->core.emit == DH_EMIT_DETECTIONS)
        printf("history: %s%s, domains expire after %lld days unseen, file bound %zu MiB%s\n",
               o->history.no_state ? "this run only" : o->history.state_dir,
               o->history.no_state ? "" : "/",
               (long long)(o->history.expire_us / (86400LL * 1000000)), o->history.max_bytes >> 20,
               o->history.learn_only ? " (learn only: no detector runs)" : "");
    dh_options_t shown = *o; /* bindings take a writable struct */
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = dh_options_bindings(b, &shown, NULL);
    dh_optmap_print_settings(stdout, b, nb);
}

/* The only state signal handlers touch: the pipeline polls `reload`
   (opt.reload_flag) between records, every source polls its
   control's flags (source.h). main() hands both out by pointer. */
static struct {
    volatile sig_atomic_t reload;
    dh_source_ctl_t source;
} signals;

static void on_reload_signal(int sig)
{
    (void)sig;
    signals.reload = 1;
}

static void install_reload_handler(dh_options_t *o)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_reload_signal;
    sa.sa_flags = SA_RESTART; /* a blocked read of stdin goes on */
    sigaction(SIGHUP, &sa, NULL);
    o->reload_flag = &signals.reload;
}

static void on_stop_signal(int sig)
{
    if (sig == SIGUSR1)
        dh_source_request_finish(&signals.source);
    else
        dh_source_request_stop(&signals.source);
}

/* SIGINT and SIGTERM stop every source: a file or stdin read ends there as
   if at its end (every window closes, every finding is written), a
   long-running source stops and keeps its windows for the resume. SIGUSR1
   finishes a long-running source's input; other sources keep its default
   disposition. No SA_RESTART: a blocking call returns so the source sees
   the request. */
static void install_stop_handlers(bool long_running)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (long_running)
        sigaction(SIGUSR1, &sa, NULL);
}

/* The inputs of the run: the command line's, else the config file's. */
static const char *const *input_list(int argc, char **argv, const char *const *cfg_inputs, int *n)
{
    *n = 0;
    if (optind < argc) {
        *n = argc - optind;
        return (const char *const *)argv + optind;
    }
    while (cfg_inputs && cfg_inputs[*n])
        (*n)++;
    return cfg_inputs;
}

/* Each input through the source that claims it, in order, until one stops
   or a stop is requested (later inputs are not read). Then the end of
   input closes every window, unless a source stopped before its end: its
   windows stay open for the replay from committed offsets, and only the
   output is delivered. */
static int run(dh_pipeline_t *pl, const dh_options_t *o, int argc, char **argv,
               const char *const *cfg_inputs)
{
    static const char *const stdin_only[] = {"-", NULL};
    int n;
    const char *const *inputs = input_list(argc, argv, cfg_inputs, &n);
    if (n == 0) {
        inputs = stdin_only;
        n = 1;
    }
    int failed = 0;
    bool stopped = false;
    install_stop_handlers(false);
    for (int i = 0; i < n && !stopped && !signals.source.stop; i++) {
        const dh_source_type_t *t = dh_source_for(inputs[i]);
        if (t->long_running || o->follow.follow) /* a followed file runs until stopped */
            install_stop_handlers(true);
        dh_source_end_t end;
        failed |= dh_source_read(t, inputs[i], pl, o, &signals.source, &end) != 0;
        stopped = end == DH_SOURCE_STOPPED;
    }
    failed |= (stopped ? dh_pipeline_close_output(pl) : dh_pipeline_finish(pl)) != 0;
    /* an input almost all malformed was read to its end, so its source
       did not fail, but the run did not do what was asked */
    failed |= dh_pipeline_counters(pl)->inputs_malformed != 0;
    return failed;
}

/* A source that must stand alone (kafka: several topics are one spec). */
static int check_inputs(int argc, char **argv, const char *const *cfg_inputs)
{
    int n;
    const char *const *in = input_list(argc, argv, cfg_inputs, &n);
    for (int i = 0; i < n && n > 1; i++) {
        const dh_source_type_t *t = dh_source_for(in[i]);
        if (t->alone) {
            fprintf(stderr, "dnshound: a %s: input cannot be mixed with other inputs (%s)\n",
                    t->name, t->alone);
            return -1;
        }
    }
    return 0;
}

/* --follow: a followed file never ends, so a second input would never be
   read; one file per run, and a file: the --follow options are the file
   source's (a directory, stdin or a Kafka topic would ignore them). */
static int check_follow(const dh_options_t *o, int argc, char **argv,
                        const char *const *cfg_inputs)
{
    int n;
    const char *const *in = input_list(argc, argv, cfg_inputs, &n);
    if (!o->follow.follow)
        return 0;
    if (n > 1) {
        fprintf(stderr, "dnshound: --follow follows one file (%d inputs given: the ones after "
                        "the first would never be read)\n", n);
        return -1;
    }
    const dh_source_type_t *t = dh_source_for(n ? in[0] : "-");
    if (t->options != &dh_opts_source_follow) {
        fprintf(stderr, "dnshound: --follow follows a file; %s is a %s input (%s)\n",
                n ? in[0] : "-", t->name, t->description);
        return -1;
    }
    return 0;
}

/* --hunt judges the archive once it has been read to its end: a followed
   file or a Kafka topic never ends (and resumes from committed offsets, so
   a restart would judge half an archive), and --learn-only runs no
   detector. Files, directories and stdin (a pipe too) are judged at end of
   input. */
static int check_hunt(const dh_options_t *o, int argc, char **argv,
                      const char *const *cfg_inputs)
{
    if (!o->detect.hunt)
        return 0;
    const char *why = o->follow.follow       ? "--follow never ends its input"
                      : o->history.learn_only ? "--learn-only runs no detector"
                      : o->core.emit != DH_EMIT_DETECTIONS ? "--emit events runs no detector"
                                                           : NULL;
    int n;
    const char *const *in = input_list(argc, argv, cfg_inputs, &n);
    for (int i = 0; !why && i < n; i++)
        if (dh_source_for(in[i])->long_running)
            why = "a long-running input (Kafka) is never read to its end";
    if (!why)
        return 0;
    fprintf(stderr, "dnshound: --hunt judges an archive at the end of its input: %s "
                    "(hunt files, a directory or stdin)\n", why);
    return -1;
}

/* A run that resumes (a long-running source goes on from committed offsets
   or a followed file's position) appends to -o FILE, so a restart keeps the
   detections the last run wrote; a replay truncates (sink-file.c). */
static bool resumes(const dh_options_t *o, int argc, char **argv,
                    const char *const *cfg_inputs)
{
    if (o->follow.follow)
        /* --from-start reads all again, and without a checkpoint (--no-state)
           every run does: a fresh output */
        return !o->follow.from_start && o->follow.checkpoint;
    int n;
    const char *const *in = input_list(argc, argv, cfg_inputs, &n);
    for (int i = 0; i < n; i++)
        if (dh_source_for(in[i])->long_running)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "navigator") == 0) { /* a subcommand with its own arguments */
        char buf[PATH_MAX];
        return dh_navigator_main(argc - 1, argv + 1, find_rules_dir(NULL, buf, sizeof(buf)));
    }
    cli_t cli;
    dh_options_t opt;
    cli_init(&cli, &opt);
    int pr = parse_args(argc, argv, &cli);
    if (pr) {
        dh_optmap_cli_free(&cli.given);
        return pr < 0 ? 2 : 0;
    }
    dh_options_default(&opt);
    opt.history.state_dir = "dnshound-state";
    dh_log_t logger;
    dh_log_init(&logger, stderr);
    if (cli.run.verbose)
        logger.level = DH_LOG_DEBUG;
    opt.logger = &logger;
    char err[512];
    char rules_buf[PATH_MAX];
    dh_config_t *cfg = NULL;
    if (cli.run.config && !(cfg = dh_config_load(cli.run.config, &opt, err, sizeof(err)))) {
        fprintf(stderr, "dnshound: %s\n", err);
        dh_optmap_cli_free(&cli.given);
        return 2;
    }
    apply_cli(&cli);
    char checkpoint_buf[PATH_MAX]; /* --follow: the position lives in the state dir */
    if (!opt.follow.checkpoint && !opt.history.no_state && opt.history.state_dir) {
        snprintf(checkpoint_buf, sizeof(checkpoint_buf), "%s/follow.checkpoint",
                 opt.history.state_dir);
        opt.follow.checkpoint = checkpoint_buf;
    }
    int rules_given = dh_optmap_cli_given(&cli.given, "rules");
    dh_optmap_cli_free(&cli.given);
    const char **props = merge_props(&cli, opt.kafka.props);
    opt.kafka.props = props;
    if (check_inputs(argc, argv, cfg ? dh_config_inputs(cfg) : NULL) ||
        check_follow(&opt, argc, argv, cfg ? dh_config_inputs(cfg) : NULL) ||
        check_hunt(&opt, argc, argv, cfg ? dh_config_inputs(cfg) : NULL)) {
        free(props);
        dh_config_free(cfg);
        return 2;
    }
    bool resuming = resumes(&opt, argc, argv, cfg ? dh_config_inputs(cfg) : NULL);
    if (resuming)
        opt.sink.append = true;
    /* before the set-up (a history page walk can take a while): a SIGUSR1
       then finishes the run as soon as it reads, instead of killing it */
    install_stop_handlers(resuming || opt.follow.follow);
    int rules_from_cfg = cfg && !rules_given && strcmp(opt.detect.rules_dir, "rules") != 0;
    opt.detect.rules_dir =
        find_rules_dir(rules_given || rules_from_cfg ? opt.detect.rules_dir : NULL, rules_buf,
                       sizeof(rules_buf));
    const char *stats = cli.run.stats ? cli.run.stats : cfg ? dh_config_stats(cfg) : NULL;
    dh_options_t planned = opt;
    if (cli.run.check_config) {
        opt.core.emit = DH_EMIT_DETECTIONS; /* load every rule */
        opt.sink.output = "-";              /* create no output file */
    }
    if (cli.run.check_config)
        opt.history.no_state = true; /* validate without touching the history */
    else
        install_reload_handler(&opt);
    dh_pipeline_t *pl = dh_pipeline_new(&opt, err, sizeof(err));
    if (!pl) {
        fprintf(stderr, "dnshound: %s\n", err);
        free(props);
        dh_config_free(cfg);
        return 2;
    }
    if (cli.run.check_config) {
        const char *const *in = cfg ? dh_config_inputs(cfg) : NULL;
        int n = 0;
        while (in && in[n])
            n++;
        print_plan(&planned, optind < argc ? argc - optind : n);
        dh_pipeline_free(pl);
        free(props);
        dh_config_free(cfg);
        return 0;
    }
    int failed = run(pl, &opt, argc, argv, cfg ? dh_config_inputs(cfg) : NULL);
    signal(SIGHUP, SIG_IGN);
    if (stats && dh_pipeline_write_stats(pl, stats) != 0) {
        fprintf(stderr, "dnshound: cannot write stats to %s\n", stats);
        failed = 1;
    }
    if (!cli.run.quiet)
        dh_pipeline_summary(pl);
    dh_pipeline_free(pl);
    dh_log_close(&logger);
    free(props);
    dh_config_free(cfg);
    return failed ? 1 : 0;
}
