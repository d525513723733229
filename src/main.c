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
    OPT_MAX_PENDING, OPT_LATENESS, OPT_MAX_REPORTS, OPT_LIST,
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

typedef struct {
    dh_options_t opt;
    const char *stats;
    const char *rules;
    int quiet;
} cli_t;

/* Returns -1 to exit 2, 1 to exit 0 (help/version/list), 0 to run. */
static int parse_args(int argc, char **argv, cli_t *cli)
{
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "o:qhV", long_opts, NULL)) != -1) {
        switch (c) {
        case 'o': cli->opt.output = optarg; break;
        case 'q': cli->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': printf("dnshound %s\n", DH_VERSION); return 1;
        case OPT_LIST: list_components(); return 1;
        case OPT_STATS: cli->stats = optarg; break;
        case OPT_RULES: cli->rules = optarg; break;
        case OPT_EMIT:
            if (strcmp(optarg, "detections") == 0)
                cli->opt.emit = DH_EMIT_DETECTIONS;
            else if (strcmp(optarg, "events") == 0)
                cli->opt.emit = DH_EMIT_EVENTS;
            else {
                fprintf(stderr, "dnshound: --emit: expected detections or events\n");
                return -1;
            }
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "auto") == 0) {
                cli->opt.format = NULL;
            } else if (!dh_parser_find(optarg)) {
                fprintf(stderr, "dnshound: --format: unknown format '%s' (zeek, zeek-json, eve)\n",
                        optarg);
                return -1;
            } else {
                cli->opt.format = optarg;
            }
            break;
        case OPT_MAX_LINE:
            if (parse_num("--max-line", optarg, 1024, 1 << 30, &v)) return -1;
            cli->opt.max_line = (size_t)v;
            break;
        case OPT_TXN_TIMEOUT:
            if (parse_num("--txn-timeout", optarg, 0, 86400, &v)) return -1;
            cli->opt.txn_timeout_us = (int64_t)(v * 1e6);
            break;
        case OPT_LATENESS:
            if (parse_num("--lateness", optarg, 0, 7 * 86400, &v)) return -1;
            cli->opt.lateness_us = (int64_t)(v * 1e6);
            break;
        case OPT_MAX_PENDING:
            if (parse_num("--max-pending", optarg, 1, 1e8, &v)) return -1;
            cli->opt.max_pending = (size_t)v;
            break;
        case OPT_MAX_REPORTS:
            if (parse_num("--max-reports", optarg, 0, 1e9, &v)) return -1;
            cli->opt.max_reports = (unsigned)v;
            break;
        default:
            fprintf(stderr, "Try 'dnshound --help'.\n");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_t cli = {0};
    dh_options_default(&cli.opt);
    int pr = parse_args(argc, argv, &cli);
    if (pr)
        return pr < 0 ? 2 : 0;
    char rules_buf[PATH_MAX];
    cli.opt.rules_dir = find_rules_dir(cli.rules, rules_buf, sizeof(rules_buf));

    char err[512];
    dh_pipeline_t *pl = dh_pipeline_new(&cli.opt, err, sizeof(err));
    if (!pl) {
        fprintf(stderr, "dnshound: %s\n", err);
        return 2;
    }
    int failed = 0;
    if (optind >= argc)
        failed |= dh_pipeline_read_file(pl, "-") != 0;
    for (int i = optind; i < argc; i++)
        failed |= dh_pipeline_read_file(pl, argv[i]) != 0;
    failed |= dh_pipeline_finish(pl) != 0;
    if (cli.stats && dh_pipeline_write_stats(pl, cli.stats) != 0) {
        fprintf(stderr, "dnshound: cannot write stats to %s\n", cli.stats);
        failed = 1;
    }
    if (!cli.quiet)
        dh_pipeline_summary(pl);
    dh_pipeline_free(pl);
    return failed ? 1 : 0;
}
