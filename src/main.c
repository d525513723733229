/*
 * main.c - the dnshound command line.
 *
 * Parses options into dh_options_t, runs every input through one pipeline
 * in the order given, and maps the outcome to the exit status:
 * 0 all inputs read, 1 an input could not be opened or was cut short (the
 * others are still processed) or output failed, 2 usage error.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "detector.h"
#include "pipeline.h"

#ifndef DH_VERSION
#define DH_VERSION "0.1.0"
#endif
#ifndef DH_RULES_INSTALL_DIR
#define DH_RULES_INSTALL_DIR "/usr/local/share/dnshound/rules"
#endif

enum {
    OPT_EMIT = 1000, OPT_FORMAT, OPT_STATS, OPT_RULES, OPT_MAX_LINE, OPT_TXN_TIMEOUT,
    OPT_MAX_PENDING, OPT_LATENESS, OPT_MAX_REPORTS, OPT_LIST, OPT_CHECK_CONFIG, OPT_MAX_STATE,
};

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
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
    fprintf(f,
"Usage: dnshound [OPTIONS] [FILE...]\n"
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
"Input:\n"
"      --format NAME      force a format: zeek, zeek-json or eve\n"
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
    int quiet, check_config, format_auto;
} cli_t;

static void cli_init(cli_t *c)
{
    memset(c, 0, sizeof(*c));
    c->emit = -1;
    c->max_line = c->txn_timeout = c->lateness = c->max_pending = c->max_reports =
        c->max_state_mb = -1;
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
        fprintf(stderr, "dnshound: --format: unknown format '%s' (zeek, zeek-json, eve)\n", v);
        return -1;
    }
    cli->format = v;
    return 0;
}

/* Returns -1 to exit 2, 1 to exit 0 (help/version/list), 0 to run. */
static int parse_args(int argc, char **argv, cli_t *cli)
{
    int c;
    while ((c = getopt_long(argc, argv, "o:c:qhV", long_opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': cli->output = optarg; break;
        case 'c': cli->config = optarg; break;
        case 'q': cli->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': printf("dnshound %s\n", DH_VERSION); return 1;
        case OPT_LIST: list_components(); return 1;
        case OPT_CHECK_CONFIG: cli->check_config = 1; break;
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
}

static void print_plan(const dh_options_t *o, int n_inputs)
{
    printf("configuration ok: rules %s, %d input(s), output %s, emit %s, state bound %zu MiB\n",
           o->rules_dir, n_inputs, o->output, o->emit == DH_EMIT_EVENTS ? "events" : "detections",
           o->max_state_bytes >> 20);
}

static int run(dh_pipeline_t *pl, int argc, char **argv, const char *const *cfg_inputs)
{
    int failed = 0;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            failed |= dh_pipeline_read_file(pl, argv[i]) != 0;
    } else if (cfg_inputs && cfg_inputs[0]) {
        for (size_t i = 0; cfg_inputs[i]; i++)
            failed |= dh_pipeline_read_file(pl, cfg_inputs[i]) != 0;
    } else {
        failed |= dh_pipeline_read_file(pl, "-") != 0;
    }
    failed |= dh_pipeline_finish(pl) != 0;
    return failed;
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
    char err[512];
    char rules_buf[PATH_MAX];
    dh_config_t *cfg = NULL;
    if (cli.config && !(cfg = dh_config_load(cli.config, &opt, err, sizeof(err)))) {
        fprintf(stderr, "dnshound: %s\n", err);
        return 2;
    }
    apply_cli(&cli, &opt);
    int rules_from_cfg = cfg && !cli.rules && strcmp(opt.rules_dir, "rules") != 0;
    opt.rules_dir = find_rules_dir(cli.rules ? cli.rules : rules_from_cfg ? opt.rules_dir : NULL,
                                   rules_buf, sizeof(rules_buf));
    const char *stats = cli.stats ? cli.stats : cfg ? dh_config_stats(cfg) : NULL;
    dh_options_t planned = opt;
    if (cli.check_config) {
        opt.emit = DH_EMIT_DETECTIONS; /* load every rule */
        opt.output = "-";              /* create no output file */
    }
    dh_pipeline_t *pl = dh_pipeline_new(&opt, err, sizeof(err));
    if (!pl) {
        fprintf(stderr, "dnshound: %s\n", err);
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
        dh_config_free(cfg);
        return 0;
    }
    int failed = run(pl, argc, argv, cfg ? dh_config_inputs(cfg) : NULL);
    if (stats && dh_pipeline_write_stats(pl, stats) != 0) {
        fprintf(stderr, "dnshound: cannot write stats to %s\n", stats);
        failed = 1;
    }
    if (!cli.quiet)
        dh_pipeline_summary(pl);
    dh_pipeline_free(pl);
    dh_config_free(cfg);
    return failed ? 1 : 0;
}
