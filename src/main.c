/*
 * main.c - the dnshound command line.
 *
 * Parses options into dh_options_t, runs every input through one pipeline
 * in the order given, and maps the outcome to the exit status:
 * 0 all inputs read, 1 an input could not be opened or was cut short (the
 * others are still processed) or output failed, 2 usage error.
 */
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "detector.h"
#include "pipeline.h"
#include "source.h"

#ifndef DH_VERSION
#define DH_VERSION "0.1.0"
#endif
#ifndef DH_RULES_INSTALL_DIR
#define DH_RULES_INSTALL_DIR "/usr/local/share/dnshound/rules"
#endif

enum {
    OPT_EMIT = 1000, OPT_FORMAT, OPT_STATS, OPT_RULES, OPT_MAX_LINE, OPT_TXN_TIMEOUT,
    OPT_MAX_PENDING, OPT_LATENESS, OPT_MAX_REPORTS, OPT_LIST, OPT_CHECK_CONFIG, OPT_MAX_STATE,
    OPT_STATE_DIR, OPT_NO_STATE, OPT_LEARN_ONLY, OPT_HISTORY_DAYS, OPT_HISTORY_MB,
};

#define MAX_PROPS 128

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"emit", required_argument, NULL, OPT_EMIT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"stats", required_argument, NULL, OPT_STATS},
    {"rules", required_argument, NULL, OPT_RULES},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"txn-timeout", required_argument, NULL, OPT_TXN_TIMEOUT},
    {"max-pending", required_argument, NULL, OPT_MAX_PENDING},
    {"lateness", required_argument, NULL, OPT_LATENESS},
    {"max-reports", required_argument, NULL, OPT_MAX_REPORTS},
    {"list", no_argument, NULL, OPT_LIST},
    {"config", required_argument, NULL, 'c'},
    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
    {"max-state-mb", required_argument, NULL, OPT_MAX_STATE},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"no-state", no_argument, NULL, OPT_NO_STATE},
    {"learn-only", no_argument, NULL, OPT_LEARN_ONLY},
    {"history-days", required_argument, NULL, OPT_HISTORY_DAYS},
    {"history-max-mb", required_argument, NULL, OPT_HISTORY_MB},
    {"brokers", required_argument, NULL, 'b'},
    {"group", required_argument, NULL, 'G'},
    {"property", required_argument, NULL, 'X'},
    {"exit-at-end", no_argument, NULL, 'e'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
    fprintf(f,
"Usage: dnshound [OPTIONS] [FILE... | kafka:TOPIC[,TOPIC...]]\n"
"Turn Zeek dns.log (TSV or JSON) and Suricata EVE JSON into MITRE ATT&CK\n"
"detections. FILEs are read in the order given, plain or gzip (recognised by\n"
"its magic bytes); '-' or no FILE reads standard input. The format is sniffed\n"
"per input unless --format is given.\n"
"\n"
"Output:\n"
"  -o, --output FILE      write JSON lines to FILE (default '-', stdout)\n"
"      --emit WHAT        'detections' (default): detection records (the\n"
"                         contract in detection.schema.json); 'events': the\n"
"                         normalized DNS events (docs/events.md)\n"
"      --stats FILE       write a JSON object of counters at exit ('-' = stdout)\n"
"  -q, --quiet            no summary line on stderr at exit\n"
"\n"
"Kafka (librdkafka; see README \"Kafka\"):\n"
"  kafka:TOPIC[,TOPIC]    as the input: consume the topics as a member of a\n"
"                         consumer group; each message is one record of any\n"
"                         format above (shipper envelopes are unwrapped)\n"
"  -o kafka:TOPIC         as the output: publish to TOPIC, keyed by client\n"
"  -b, --brokers LIST     bootstrap servers (host:port,...)\n"
"  -G, --group ID         consumer group (needed for kafka: input)\n"
"  -X, --property K=V     any librdkafka property (repeatable), as kcat -X\n"
"  -e, --exit-at-end      stop once every assigned partition reached its\n"
"                         end: close all windows, deliver, commit (replay\n"
"                         a topic as a batch). Without it: run until\n"
"                         SIGINT/SIGTERM, then deliver and commit what is\n"
"                         safe (at-least-once; see README). SIGUSR1 ends\n"
"                         the input as -e would, at once\n"
"\n"
"Input:\n"
"      --format NAME      force a format: zeek, zeek-json, eve or events\n"
"      --max-line BYTES   longer lines are malformed (default 262144)\n"
"      --max-reports N    malformed records reported per input as FILE:LINE:\n"
"                         reason before only counting them (default 10)\n"
"\n"
"Detection:\n"
"  -c, --config FILE      run configuration (YAML; see deploy/dnshound.yaml):\n"
"                         inputs, output, rules, resolvers, state limits.\n"
"                         Options on the command line win over the file\n"
"      --check-config     validate the configuration and every rule file,\n"
"                         print what would run, exit (0 ok, 2 error)\n"
"      --max-state-mb N   bound on all detector state (default 512); the\n"
"                         least recently used state is evicted and counted\n"
"      --rules DIR        rule files (default: $DNSHOUND_RULES, ./rules, the\n"
"                         rules/ next to the binary's directory, then\n"
"                         " DH_RULES_INSTALL_DIR ")\n"
"      --lateness SEC     watermark = newest event time - SEC (default 60);\n"
"                         windows close when the watermark passes their end\n"
"      --txn-timeout SEC  an EVE request without response becomes an event\n"
"                         after SEC of event time (default 30)\n"
"      --max-pending N    bound on EVE transactions awaiting their response\n"
"                         (default 65536; the oldest is emitted when full)\n"
"      --list             list parsers and detectors, then exit\n"
"      SIGHUP             re-read the detectors' list files (threat intel)\n"
"                         without losing state; a file that fails to load\n"
"                         keeps the previous lists\n"
"\n"
"Passive-DNS history (LMDB; first contact with a domain, new_domain):\n"
"      --state-dir DIR    where the history lives (default ./dnshound-state,\n"
"                         created when missing; one dnshound per DIR)\n"
"      --no-state         keep the history of this run only (a private\n"
"                         directory removed at exit)\n"
"      --learn-only       build the history from the inputs (e.g. archived\n"
"                         logs) without running any detector\n"
"      --history-days N   domains not seen for N days of event time leave\n"
"                         the history (default 180)\n"
"      --history-max-mb N bound on the history file (default 1024); when\n"
"                         full, the least recently seen quarter is removed\n"
"\n"
"  -h, --help             this text\n"
"  -V, --version          version\n"
"\n"
"Exit status: 0 all inputs read (malformed records do not change it); 1 an\n"
"input could not be opened or was cut short (the others are still\n"
"processed), or output could not be written; 2 usage error.\n");
}

static int parse_num(const char *opt, const char *s, double min, double max, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || v < min || v > max) {
        fprintf(stderr, "dnshound: %s: invalid value '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
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

static void list_components(void)
{
    printf("parsers:\n");
    for (size_t i = 0; dh_parsers[i]; i++)
        printf("  %-10s %s\n", dh_parsers[i]->name, dh_parsers[i]->description);
    printf("detectors:\n");
    for (size_t i = 0; dh_detectors[i]; i++)
        printf("  %-10s %s\n", dh_detectors[i]->name, dh_detectors[i]->description);
}

/* What the command line said; unset values leave the config file's. */
typedef struct {
    const char *config, *stats, *rules, *output, *format;
    int emit;                   /* -1 unset */
    double max_line, txn_timeout, lateness, max_pending, max_reports, max_state_mb; /* -1 unset */
    double history_days, history_mb; /* -1 unset */
    const char *state_dir;
    int quiet, check_config, format_auto, exit_at_end, no_state, learn_only;
    const char *brokers, *group;
    const char *props[MAX_PROPS + 1];
    size_t n_props;
} cli_t;

static void cli_init(cli_t *c)
{
    memset(c, 0, sizeof(*c));
    c->emit = -1;
    c->max_line = c->txn_timeout = c->lateness = c->max_pending = c->max_reports =
        c->max_state_mb = c->history_days = c->history_mb = -1;
}

static int parse_emit(const char *v, cli_t *cli)
{
    if (strcmp(v, "detections") == 0)
        cli->emit = DH_EMIT_DETECTIONS;
    else if (strcmp(v, "events") == 0)
        cli->emit = DH_EMIT_EVENTS;
    else {
        fprintf(stderr, "dnshound: --emit: expected detections or events\n");
        return -1;
    }
    return 0;
}

static int parse_format(const char *v, cli_t *cli)
{
    if (strcmp(v, "auto") == 0) {
        cli->format_auto = 1;
        return 0;
    }
    if (!dh_parser_find(v)) {
        fprintf(stderr, "dnshound: --format: unknown format '%s' (zeek, zeek-json, eve, events)\n", v);
        return -1;
    }
    cli->format = v;
    return 0;
}

/* Returns -1 to exit 2, 1 to exit 0 (help/version/list), 0 to run. */
static int parse_args(int argc, char **argv, cli_t *cli)
{
    int c;
    while ((c = getopt_long(argc, argv, "o:c:qhVb:G:X:e", long_opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': cli->output = optarg; break;
        case 'c': cli->config = optarg; break;
        case 'q': cli->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': printf("dnshound %s\n", DH_VERSION); return 1;
        case OPT_LIST: list_components(); return 1;
        case OPT_CHECK_CONFIG: cli->check_config = 1; break;
        case 'b': cli->brokers = optarg; break;
        case 'G': cli->group = optarg; break;
        case 'e': cli->exit_at_end = 1; break;
        case 'X':
            if (cli->n_props == MAX_PROPS || !strchr(optarg, '=')) {
                fprintf(stderr, "dnshound: -X: expected key=value (at most %d)\n", MAX_PROPS);
                return -1;
            }
            cli->props[cli->n_props++] = optarg;
            break;
        case OPT_STATS: cli->stats = optarg; break;
        case OPT_RULES: cli->rules = optarg; break;
        case OPT_EMIT: bad = parse_emit(optarg, cli); break;
        case OPT_FORMAT: bad = parse_format(optarg, cli); break;
        case OPT_MAX_LINE: bad = parse_num("--max-line", optarg, 1024, 1 << 30, &cli->max_line); break;
        case OPT_TXN_TIMEOUT: bad = parse_num("--txn-timeout", optarg, 0, 86400, &cli->txn_timeout); break;
        case OPT_LATENESS: bad = parse_num("--lateness", optarg, 0, 7 * 86400, &cli->lateness); break;
        case OPT_MAX_PENDING: bad = parse_num("--max-pending", optarg, 1, 1e8, &cli->max_pending); break;
        case OPT_MAX_REPORTS: bad = parse_num("--max-reports", optarg, 0, 1e9, &cli->max_reports); break;
        case OPT_MAX_STATE: bad = parse_num("--max-state-mb", optarg, 1, 1 << 20, &cli->max_state_mb); break;
        case OPT_STATE_DIR: cli->state_dir = optarg; break;
        case OPT_NO_STATE: cli->no_state = 1; break;
        case OPT_LEARN_ONLY: cli->learn_only = 1; break;
        case OPT_HISTORY_DAYS: bad = parse_num("--history-days", optarg, 1, 36500, &cli->history_days); break;
        case OPT_HISTORY_MB: bad = parse_num("--history-max-mb", optarg, 1, 1 << 24, &cli->history_mb); break;
        default:
            fprintf(stderr, "Try 'dnshound --help'.\n");
            return -1;
        }
        if (bad)
            return -1;
    }
    return 0;
}

/* Command-line values over the config file's over the defaults. */
static void apply_cli(const cli_t *cli, dh_options_t *o)
{
    if (cli->output) o->output = cli->output;
    if (cli->format) o->format = cli->format;
    if (cli->format_auto) o->format = NULL;
    if (cli->emit >= 0) o->emit = (dh_emit_t)cli->emit;
    if (cli->rules) o->rules_dir = cli->rules;
    if (cli->max_line >= 0) o->max_line = (size_t)cli->max_line;
    if (cli->txn_timeout >= 0) o->txn_timeout_us = (int64_t)(cli->txn_timeout * 1e6);
    if (cli->lateness >= 0) o->lateness_us = (int64_t)(cli->lateness * 1e6);
    if (cli->max_pending >= 0) o->max_pending = (size_t)cli->max_pending;
    if (cli->max_reports >= 0) o->max_reports = (unsigned)cli->max_reports;
    if (cli->max_state_mb >= 0) o->max_state_bytes = (size_t)cli->max_state_mb << 20;
    if (cli->brokers) o->brokers = cli->brokers;
    if (cli->group) o->group = cli->group;
    if (cli->exit_at_end) o->exit_at_end = true;
    if (cli->state_dir) o->state_dir = cli->state_dir;
    if (cli->no_state) o->no_state = true;
    if (cli->learn_only) o->learn_only = true;
    if (cli->history_days >= 0) o->history_expire_us = (int64_t)(cli->history_days * 86400e6);
    if (cli->history_mb >= 0) o->history_max_bytes = (size_t)cli->history_mb << 20;
}

/* -X properties come after the config file's, so they win (librdkafka
   applies them in order). */
static const char **merge_props(const cli_t *cli, const char *const *cfg)
{
    size_t n = 0;
    while (cfg && cfg[n])
        n++;
    const char **all = calloc(n + cli->n_props + 1, sizeof(char *));
    if (!all)
        return NULL;
    for (size_t i = 0; i < n; i++)
        all[i] = cfg[i];
    for (size_t i = 0; i < cli->n_props; i++)
        all[n + i] = cli->props[i];
    return all;
}

static void print_plan(const dh_options_t *o, int n_inputs)
{
    printf("configuration ok: rules %s, %d input(s), output %s, emit %s, state bound %zu MiB\n",
           o->rules_dir, n_inputs, o->output, o->emit == DH_EMIT_EVENTS ? "events" : "detections",
           o->max_state_bytes >> 20);
    if (o->emit == DH_EMIT_DETECTIONS)
        printf("history: %s%s, domains expire after %lld days unseen, file bound %zu MiB%s\n",
               o->no_state ? "this run only" : o->state_dir, o->no_state ? "" : "/",
               (long long)(o->history_expire_us / (86400LL * 1000000)), o->history_max_bytes >> 20,
               o->learn_only ? " (learn only: no detector runs)" : "");
}

/* The only state signal handlers touch: the pipeline polls `reload`
   (opt.reload_flag) between records, a long-running source polls its
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

/* A long-running source runs until its input ends or a signal: SIGINT and
   SIGTERM stop it, SIGUSR1 finishes its input. No SA_RESTART: a blocking
   call returns so the source sees the request. */
static void install_stop_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
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

/* Each input through the source that claims it, in order. Then the end of
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
    for (int i = 0; i < n && !stopped; i++) {
        const dh_source_type_t *t = dh_source_for(inputs[i]);
        if (t->long_running)
            install_stop_handlers();
        dh_source_end_t end;
        failed |= dh_source_read(t, inputs[i], pl, o, &signals.source, &end) != 0;
        stopped = end == DH_SOURCE_STOPPED;
    }
    failed |= (stopped ? dh_pipeline_close_output(pl) : dh_pipeline_finish(pl)) != 0;
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

int main(int argc, char **argv)
{
    cli_t cli;
    cli_init(&cli);
    int pr = parse_args(argc, argv, &cli);
    if (pr)
        return pr < 0 ? 2 : 0;
    dh_options_t opt;
    dh_options_default(&opt);
    opt.state_dir = "dnshound-state";
    dh_log_t logger;
    dh_log_init(&logger, stderr);
    opt.logger = &logger;
    char err[512];
    char rules_buf[PATH_MAX];
    dh_config_t *cfg = NULL;
    if (cli.config && !(cfg = dh_config_load(cli.config, &opt, err, sizeof(err)))) {
        fprintf(stderr, "dnshound: %s\n", err);
        return 2;
    }
    apply_cli(&cli, &opt);
    const char **props = merge_props(&cli, opt.kafka_props);
    opt.kafka_props = props;
    if (check_inputs(argc, argv, cfg ? dh_config_inputs(cfg) : NULL)) {
        free(props);
        dh_config_free(cfg);
        return 2;
    }
    int rules_from_cfg = cfg && !cli.rules && strcmp(opt.rules_dir, "rules") != 0;
    opt.rules_dir = find_rules_dir(cli.rules ? cli.rules : rules_from_cfg ? opt.rules_dir : NULL,
                                   rules_buf, sizeof(rules_buf));
    const char *stats = cli.stats ? cli.stats : cfg ? dh_config_stats(cfg) : NULL;
    dh_options_t planned = opt;
    if (cli.check_config) {
        opt.emit = DH_EMIT_DETECTIONS; /* load every rule */
        opt.output = "-";              /* create no output file */
    }
    if (cli.check_config)
        opt.no_state = true; /* validate without touching the history */
    else
        install_reload_handler(&opt);
    dh_pipeline_t *pl = dh_pipeline_new(&opt, err, sizeof(err));
    if (!pl) {
        fprintf(stderr, "dnshound: %s\n", err);
        free(props);
        dh_config_free(cfg);
        return 2;
    }
    if (cli.check_config) {
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
    if (!cli.quiet)
        dh_pipeline_summary(pl);
    dh_pipeline_free(pl);
    dh_log_close(&logger);
    free(props);
    dh_config_free(cfg);
    return failed ? 1 : 0;
}
