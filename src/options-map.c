/*
 * options-map.c - every option of dnshound, one table a component (see
 * options-map.h, optmap.h). The defaults here are those of
 * dh_options_default (a unit test holds them equal); help texts keep their
 * "(default X)" in step with .def (a unit test checks that too).
 */
#include "options-map.h"

#include <string.h>

#include "detection.h"
#include "parser.h"

enum { G_OUTPUT, G_KAFKA, G_INPUT, G_DETECTION, G_HISTORY, G_GENERAL, G_N };

/* The offset of field f in each table's struct (options.h) */
#define SK(f) offsetof(dh_sink_options_t, f)
#define CO(f) offsetof(dh_core_options_t, f)
#define IN(f) offsetof(dh_input_options_t, f)
#define KA(f) offsetof(dh_kafka_options_t, f)
#define HI(f) offsetof(dh_history_options_t, f)
#define DE(f) offsetof(dh_detect_options_t, f)
#define R(f) offsetof(dh_run_options_t, f)
#define FO(f) offsetof(dh_follow_options_t, f)

/* ---- sinks --------------------------------------------------------------- */

static const char *const output_format_values[] = {"auto", "json", "text", "table", NULL};
static const char *const schema_values[] = {"ecs", "ocsf", NULL}; /* dh_schema_t order */

static const dh_optmap_t sinks_rows[] = {
    {.type = DH_OPT_STRING, .cli = "output", .letter = 'o', .yaml = "output", .offset = SK(output),
     .def = "-", .arg = "FILE", .group = G_OUTPUT,
     .help = "write JSON lines to FILE (default '-', stdout)"},
    {.type = DH_OPT_BOOL, .cli = "append", .yaml = "append", .offset = SK(append),
     .group = G_OUTPUT,
     .help = "-o FILE is appended to, not truncated. Implied when\n"
             "the input is long-running (Kafka, a followed file),\n"
             "so a restart keeps what it wrote; a replay truncates"},
    {.type = DH_OPT_UINT, .cli = "pivot-ids", .yaml = "pivot_ids", .offset = SK(pivot_ids),
     .def = "4", .min = 1, .max = DH_PIVOT_UIDS, .arg = "N", .group = G_OUTPUT,
     .help = "Zeek uids or Suricata flow_ids of the first records\n"
             "behind a detection, in dnshound.pivot (default 4, at\n"
             "most 8)"},
    {.type = DH_OPT_ENUM, .cli = "output-format", .yaml = "output_format",
     .offset = SK(output_format), .def = "auto", .values = output_format_values,
     .expect = "auto, json, text or table", .arg = "FMT", .group = G_OUTPUT,
     .help = "detections as 'json' lines (the contract), 'text'\n"
             "(one line a detection: time, severity, rule,\n"
             "technique, client, domain, message) or 'table', both\n"
             "ending with a summary per host; 'auto' (default):\n"
             "text when the output is a terminal, else json"},
    {.type = DH_OPT_ENUM, .cli = "schema", .yaml = "schema", .offset = SK(schema), .def = "ecs",
     .values = schema_values, .expect = "ecs or ocsf", .arg = "NAME", .group = G_OUTPUT,
     .help = "JSON lines in 'ecs' (default: Elastic Common Schema)\n"
             "or 'ocsf' (OCSF 1.8.0: detections as Detection\n"
             "Finding 2004, --emit events as DNS Activity 4003;\n"
             "README \"OCSF\"). The text and table views ignore it"},
    {0},
};
const dh_optmap_table_t dh_opts_sinks = {"sinks", sinks_rows};

/* ---- the pipeline core ------------------------------------------------- */

static const char *const emit_values[] = {"detections", "events", NULL};
static const char *const early_values[] = {"auto", "on", "off", NULL}; /* dh_early_t order */

static const dh_optmap_t core_rows[] = {
    {.type = DH_OPT_ENUM, .cli = "emit", .yaml = "emit", .offset = CO(emit), .def = "detections",
     .values = emit_values, .expect = "detections or events", .arg = "WHAT", .group = G_OUTPUT,
     .help = "'detections' (default): detection records (the\n"
             "contract in detection.schema.json); 'events': the\n"
             "normalized DNS events (docs/events.md)"},
    {.type = DH_OPT_MIB, .cli = "max-state-mb", .yaml = "state.max_mb",
     .offset = CO(max_state_bytes), .def = "512", .min = 1, .max = 1 << 20, .arg = "N",
     .group = G_DETECTION,
     .help = "bound on all detector state (default 512); the\n"
             "least recently used state is evicted and counted"},
    {.type = DH_OPT_DURATION, .cli = "lateness", .yaml = "state.lateness",
     .offset = CO(lateness_us), .def = "60", .min = 0, .max = 7 * 86400, .arg = "SEC",
     .group = G_DETECTION,
     .help = "watermark = newest event time - SEC (default 60);\n"
             "windows close when the watermark passes their end"},
    {.type = DH_OPT_DURATION, .cli = "max-future", .yaml = "state.max_future",
     .offset = CO(max_future_us), .def = "3600", .min = 0, .max = 365 * 86400, .arg = "SEC",
     .group = G_DETECTION,
     .help = "a record more than SEC ahead of the median of the\n"
             "last event times is reported and dropped, and never\n"
             "moves the watermark (default 3600; 0: off)"},
    {.type = DH_OPT_DURATION, .cli = "txn-timeout", .yaml = "state.txn_timeout",
     .offset = CO(txn_timeout_us), .def = "30", .min = 0, .max = 86400, .arg = "SEC",
     .group = G_DETECTION,
     .help = "an EVE request without response becomes an event\n"
             "after SEC of event time (default 30)"},
    {.type = DH_OPT_SIZE, .cli = "max-pending", .yaml = "state.max_pending",
     .offset = CO(max_pending), .def = "65536", .min = 1, .max = 1e8, .arg = "N",
     .group = G_DETECTION,
     .help = "bound on EVE transactions awaiting their response\n"
             "(default 65536; the oldest is emitted when full)"},
    {.type = DH_OPT_DURATION, .cli = "idle-flush", .yaml = "state.idle_flush",
     .offset = CO(idle_flush_us), .def = "5", .min = 0, .max = 86400, .arg = "SEC",
     .group = G_DETECTION,
     .help = "live inputs only (pipe, FIFO, followed file, Kafka):\n"
             "after SEC of wall time without a record, event time\n"
             "advances with the wall clock so windows close\n"
             "(default 5; 0: never). File replays never do this"},
    {.type = DH_OPT_ENUM, .cli = "early-alerts", .yaml = "alerts.early",
     .offset = CO(early_alerts), .def = "auto", .values = early_values,
     .expect = "auto, on or off", .arg = "WHEN", .group = G_DETECTION,
     .help = "report a finding when the record that completes it\n"
             "is read, and update it when its window closes (same\n"
             "event.id): 'auto' (default) on live inputs only,\n"
             "'on' also for file replays (still pure event time),\n"
             "'off': only when windows close"},
    {0},
};
const dh_optmap_table_t dh_opts_core = {"core", core_rows};

/* ---- the file source ------------------------------------------------------- */

static bool known_format(const char *name)
{
    return dh_parser_find(name) != NULL;
}

static const dh_optmap_t source_file_rows[] = {
    {.type = DH_OPT_DOC, .arg = "FILE...", .group = G_INPUT,
     .help = "inputs, read in the order given; '-' or none: stdin;\n"
             "an input whose events start before the time already\n"
             "reached begins a replay epoch (README)"},
    {.type = DH_OPT_DOC, .arg = "DIR", .group = G_INPUT,
     .help = "as an input: every *.log, *.log.gz and eve.json* under\n"
             "it (recursively, links followed once), in order of\n"
             "their first record: one replay (README \"Inputs\")"},
    {.type = DH_OPT_STRING, .cli = "format", .yaml = "format", .offset = IN(format),
     .null_word = "auto", .valid = known_format, .expect = "auto, zeek, zeek-json or eve",
     .cli_error = "unknown format '%s' (zeek, zeek-json, eve, events)", .arg = "NAME",
     .group = G_INPUT, .help = "force a format: zeek, zeek-json, eve or events"},
    {.type = DH_OPT_SIZE, .cli = "max-line", .yaml = "input.max_line", .offset = IN(max_line),
     .def = "262144", .min = 1024, .max = 1 << 30, .arg = "BYTES", .group = G_INPUT,
     .help = "longer lines are malformed (default 262144)"},
    {.type = DH_OPT_UINT, .cli = "max-reports", .yaml = "input.max_reports",
     .offset = IN(max_reports), .def = "10", .min = 0, .max = 1e9, .arg = "N", .group = G_INPUT,
     .help = "malformed records reported per input as FILE:LINE:\n"
             "reason before only counting them (default 10)"},
    /* a real number stored in millionths: DURATION is the tables' type of
       real numbers (seconds as microseconds) */
    {.type = DH_OPT_DURATION, .cli = "max-malformed-ratio", .yaml = "input.max_malformed_ratio",
     .offset = IN(max_malformed_millionths), .def = "0.9", .min = 0, .max = 1, .arg = "R",
     .group = G_INPUT,
     .help = "an input of which more than this share of records is\n"
             "malformed fails (exit 1) with a hint of the format it\n"
             "looks like (default 0.9; 1: never)"},
    {.type = DH_OPT_UINT, .cli = "malformed-min-records", .yaml = "input.malformed_min_records",
     .offset = IN(malformed_min_records), .def = "100", .min = 1, .max = 1e9, .arg = "N",
     .group = G_INPUT,
     .help = "... once it has at least N records (default 100)"},
    {0},
};
const dh_optmap_table_t dh_opts_source_file = {"source.file", source_file_rows};

/* ---- the Kafka source (and the Kafka sink's connection) ------------------ */

static bool has_query_field(const char *fields)
{
    return strstr(fields, "query") != NULL;
}

static const dh_optmap_t source_kafka_rows[] = {
    {.type = DH_OPT_DOC, .arg = "kafka:TOPIC[,TOPIC]", .group = G_KAFKA,
     .help = "as the input: consume the topics as a member of a\n"
             "consumer group; each message is one record of any\n"
             "format above (shipper envelopes are unwrapped)"},
    {.type = DH_OPT_DOC, .arg = "-o kafka:TOPIC", .group = G_KAFKA,
     .help = "as the output: publish to TOPIC, keyed by client"},
    {.type = DH_OPT_STRING, .cli = "brokers", .letter = 'b', .yaml = "kafka.brokers",
     .offset = KA(brokers), .arg = "LIST", .group = G_KAFKA,
     .help = "bootstrap servers (host:port,...)"},
    {.type = DH_OPT_STRING, .cli = "group", .letter = 'G', .yaml = "kafka.group",
     .offset = KA(group), .arg = "ID", .group = G_KAFKA,
     .help = "consumer group (needed for kafka: input)"},
    {.type = DH_OPT_BOOL, .cli = "exit-at-end", .letter = 'e', .yaml = "kafka.exit_at_end",
     .offset = KA(exit_at_end), .group = G_KAFKA,
     .help = "stop once every assigned partition reached its\n"
             "end: close all windows, deliver, commit (replay\n"
             "a topic as a batch). Without it: run until\n"
             "SIGINT/SIGTERM, then deliver and commit what is\n"
             "safe (at-least-once; see README). SIGUSR1 ends\n"
             "the input as -e would, at once"},
    {.type = DH_OPT_DURATION, .cli = "queue-full-timeout", .yaml = "kafka.queue_full_timeout",
     .offset = KA(queue_full_us), .def = "10", .min = 0, .max = 86400, .arg = "SEC",
     .group = G_KAFKA,
     .help = "output kafka:TOPIC: how long a detection waits for\n"
             "room in a full producer queue (broker down) before\n"
             "it is dropped and counted (default 10): bounds the\n"
             "time a SIGTERM waits"},
    {.type = DH_OPT_DURATION, .cli = "shutdown-timeout", .yaml = "kafka.shutdown_timeout",
     .offset = KA(shutdown_us), .def = "10", .min = 0, .max = 86400, .arg = "SEC",
     .group = G_KAFKA,
     .help = "at a stop or the end of a Kafka run: how long\n"
             "delivering the last detections and committing\n"
             "may wait for the broker (default 10); what is not\n"
             "delivered is counted (output_kafka.undelivered)\n"
             "and its input offsets stay uncommitted"},
    {.type = DH_OPT_KVMAP, .yaml = "kafka.zeek_fields", .offset = KA(zeek_fields),
     .flags = DH_OPTF_EMPTY_OK, .valid = has_query_field,
     .expect = "a map TOPIC: \"field field ...\"",
     .item_expect = "the dns.log field names (with query)", .group = G_KAFKA,
     .help = "Zeek TSV topics without their #fields header:\n"
             "TOPIC: \"ts uid id.orig_h ...\" (the dns.log field names)"},
    {.type = DH_OPT_KVMAP, .yaml = "kafka.properties", .offset = KA(props),
     .expect = "a map of librdkafka properties", .item_expect = "a value", .group = G_KAFKA,
     .help = "librdkafka properties {key: value}, applied before -X"},
    {0},
};
const dh_optmap_table_t dh_opts_source_kafka = {"source.kafka", source_kafka_rows};

/* ---- the passive-DNS history ---------------------------------------------- */

static const dh_optmap_t history_rows[] = {
    {.type = DH_OPT_STRING, .cli = "state-dir", .yaml = "history.dir", .offset = HI(state_dir),
     .arg = "DIR", .group = G_HISTORY,
     .help = "where the history lives (default ./dnshound-state,\n"
             "created when missing; one dnshound per DIR)"},
    {.type = DH_OPT_BOOL, .cli = "no-state", .offset = HI(no_state), .group = G_HISTORY,
     .help = "keep the history of this run only (a private\n"
             "directory removed at exit)"},
    {.type = DH_OPT_BOOL, .yaml = "history.persistent", .offset = HI(no_state),
     .flags = DH_OPTF_INVERT, .group = G_HISTORY,
     .help = "false: as --no-state (default true)"},
    {.type = DH_OPT_BOOL, .cli = "learn-only", .offset = HI(learn_only), .group = G_HISTORY,
     .help = "build the history from the inputs (e.g. archived\n"
             "logs) without running any detector"},
    {.type = DH_OPT_DAYS, .cli = "history-days", .yaml = "history.expire_days",
     .offset = HI(expire_us), .def = "180", .min = 1, .max = 36500, .arg = "N",
     .group = G_HISTORY,
     .help = "domains not seen for N days of event time leave\n"
             "the history (default 180)"},
    {.type = DH_OPT_MIB, .cli = "history-max-mb", .yaml = "history.max_mb",
     .offset = HI(max_bytes), .def = "1024", .min = 1, .max = 1 << 24, .arg = "N",
     .group = G_HISTORY,
     .help = "bound on the history file (default 1024); past\n"
             "80 % of it the least recently seen domains go\n"
             "first, down to 60 %"},
    {.type = DH_OPT_BOOL, .cli = "state-recover", .yaml = "history.recover",
     .offset = HI(recover), .group = G_HISTORY,
     .help = "a damaged history file (cut short, not LMDB) is\n"
             "moved aside as data.mdb.corrupt-TIME and a fresh\n"
             "history started (default: exit 2)"},
    {0},
};
const dh_optmap_table_t dh_opts_history = {"history", history_rows};

/* ---- the detectors and noise control ----------------------------------------- */

static const dh_optmap_t detectors_rows[] = {
    {.type = DH_OPT_STRING, .cli = "rules", .yaml = "rules", .offset = DE(rules_dir),
     .def = "rules", .arg = "DIR", .group = G_DETECTION,
     .help = "rule files (default: $DNSHOUND_RULES, ./rules, the\n"
             "rules/ next to the binary's directory, then\n"
             "@RULES_INSTALL_DIR@)"},
    {.type = DH_OPT_STRLIST, .yaml = "resolvers", .offset = DE(resolvers), .group = G_DETECTION,
     .help = "known recursive resolvers (addresses or CIDR blocks),\n"
             "added to rules/noise.yaml's list"},
    {.type = DH_OPT_BOOL, .cli = "hunt", .yaml = "hunt", .offset = DE(hunt),
     .group = G_DETECTION,
     .help = "retro hunt of one archive: new_domain judges first\n"
             "sightings within the inputs themselves (no history\n"
             "read or written): a domain few clients of the whole\n"
             "replay queried, with supporting evidence (hunt_* in\n"
             "rules/new_domain.yaml), reported at end of input\n"
             "(README \"Retro hunt\"); not with --follow, Kafka\n"
             "or --learn-only"},
    {.type = DH_OPT_STRLIST, .yaml = "internal_zones", .offset = DE(internal_zones),
     .group = G_DETECTION,
     .help = "internal zones the Public Suffix List does not list\n"
             "(corp.lan, a lab's own root), added to\n"
             "rules/noise.yaml's internal_zones: a name under one\n"
             "is keyed by the zone plus one label (README \"Zone\n"
             "keys\")"},
    {.type = DH_OPT_APPEND, .cli = "internal-zone", .offset = DE(internal_zone_args),
     .arg = "ZONE", .group = G_DETECTION,
     .help = "one more internal zone (repeatable), as\n"
             "internal_zones"},
    {.type = DH_OPT_DOC, .arg = "SIGHUP", .group = G_DETECTION,
     .help = "re-read the detectors' list files (threat intel)\n"
             "without losing state; a file that fails to load\n"
             "keeps the previous lists"},
    {0},
};
const dh_optmap_table_t dh_opts_detectors = {"detectors", detectors_rows};

/* ---- followed files (src/sources/source-follow.c) ---------------------------- */

static const dh_optmap_t source_follow_rows[] = {
    {.type = DH_OPT_BOOL, .cli = "follow", .letter = 'F', .yaml = "follow.enabled",
     .offset = FO(follow), .group = G_INPUT,
     .help = "follow each FILE as tail -F: read to the end, keep\n"
             "reading as it grows, across rotations and\n"
             "truncations, until SIGINT/SIGTERM; the position is\n"
             "checkpointed (README \"Following a log\")"},
    {.type = DH_OPT_BOOL, .cli = "from-start", .yaml = "follow.from_start",
     .offset = FO(from_start), .group = G_INPUT,
     .help = "--follow: read from the start of the file, ignoring\n"
             "the checkpoint"},
    {.type = DH_OPT_STRING, .cli = "follow-checkpoint", .yaml = "follow.checkpoint",
     .offset = FO(checkpoint), .arg = "FILE", .group = G_INPUT,
     .help = "--follow: where the position is kept (default\n"
             "STATE_DIR/follow.checkpoint; none with --no-state)"},
    {0},
};
const dh_optmap_table_t dh_opts_source_follow = {"source.follow", source_follow_rows};

/* ---- the command line itself (main.c) --------------------------------------- */

static bool is_key_value(const char *kv)
{
    return strchr(kv, '=') != NULL;
}

static const dh_optmap_t run_rows[] = {
    {.type = DH_OPT_STRING, .cli = "stats", .yaml = "stats", .offset = R(stats), .arg = "FILE",
     .group = G_OUTPUT, .help = "write a JSON object of counters at exit ('-' = stdout)"},
    {.type = DH_OPT_BOOL, .cli = "quiet", .letter = 'q', .offset = R(quiet), .group = G_OUTPUT,
     .help = "no summary line on stderr at exit"},
    {.type = DH_OPT_BOOL, .cli = "verbose", .letter = 'v', .offset = R(verbose), .group = G_OUTPUT,
     .help = "debug diagnostics on stderr (a directory input lists\n"
             "the files it skips and why)"},
    {.type = DH_OPT_APPEND, .cli = "property", .letter = 'X', .offset = R(props),
     .valid = is_key_value, .expect = "key=value", .arg = "K=V", .group = G_KAFKA,
     .help = "any librdkafka property (repeatable), as kcat -X"},
    {.type = DH_OPT_STRLIST, .yaml = "inputs", .offset = R(inputs), .group = G_INPUT,
     .help = "inputs read when the command line names none"},
    {.type = DH_OPT_STRING, .cli = "config", .letter = 'c', .offset = R(config), .arg = "FILE",
     .group = G_DETECTION,
     .help = "run configuration (YAML; see deploy/dnshound.yaml):\n"
             "inputs, output, rules, resolvers, state limits.\n"
             "Options on the command line win over the file"},
    {.type = DH_OPT_BOOL, .cli = "check-config", .offset = R(check_config), .group = G_DETECTION,
     .help = "validate the configuration and every rule file,\n"
             "print what would run, exit (0 ok, 2 error)"},
    {.type = DH_OPT_ACTION, .cli = "list", .action = DH_ACT_LIST, .group = G_DETECTION,
     .help = "list parsers, detectors, sources and sinks, then exit"},
    {.type = DH_OPT_ACTION, .cli = "help", .letter = 'h', .action = DH_ACT_HELP,
     .group = G_GENERAL, .help = "this text"},
    {.type = DH_OPT_ACTION, .cli = "version", .letter = 'V', .action = DH_ACT_VERSION,
     .group = G_GENERAL, .help = "version"},
    {.type = DH_OPT_ACTION, .cli = "list-options", .action = DH_ACT_LIST_OPTIONS,
     .flags = DH_OPTF_HIDDEN, .help = "every option's name, one a line"},
    {.type = DH_OPT_ACTION, .cli = "help-man", .action = DH_ACT_HELP_MAN,
     .flags = DH_OPTF_HIDDEN, .help = "the man page (docs/dnshound.1)"},
    {.type = DH_OPT_ACTION, .cli = "help-markdown", .action = DH_ACT_HELP_MARKDOWN,
     .flags = DH_OPTF_HIDDEN, .help = "the README's option table"},
    {0},
};
const dh_optmap_table_t dh_opts_run = {"run", run_rows};

/* Every component's table and where its struct is in dh_options_t, in the
   order --help shows rows within a section (dh_opts_run comes last). */
static const struct {
    const dh_optmap_table_t *table;
    size_t offset;
} components[] = {
    {&dh_opts_sinks, offsetof(dh_options_t, sink)},
    {&dh_opts_core, offsetof(dh_options_t, core)},
    {&dh_opts_source_file, offsetof(dh_options_t, input)},
    {&dh_opts_source_kafka, offsetof(dh_options_t, kafka)},
    {&dh_opts_history, offsetof(dh_options_t, history)},
    {&dh_opts_detectors, offsetof(dh_options_t, detect)},
    {&dh_opts_source_follow, offsetof(dh_options_t, follow)},
};
#define N_COMPONENTS (sizeof(components) / sizeof(components[0]))

size_t dh_options_bindings(dh_optmap_bind_t *b, dh_options_t *o, dh_run_options_t *run)
{
    size_t n = 0;
    for (size_t i = 0; i < N_COMPONENTS && n + 1 < DH_OPTION_BINDINGS_MAX; i++)
        b[n++] = (dh_optmap_bind_t){components[i].table, (char *)o + components[i].offset};
    if (run)
        b[n++] = (dh_optmap_bind_t){&dh_opts_run, run};
    return n;
}

const void *dh_options_component(const dh_options_t *o, const dh_optmap_table_t *t)
{
    for (size_t i = 0; t && i < N_COMPONENTS; i++)
        if (components[i].table == t)
            return (const char *)o + components[i].offset;
    return NULL;
}

int dh_options_map_defaults(dh_options_t *o)
{
    memset(o, 0, sizeof(*o));
    dh_optmap_bind_t b[DH_OPTION_BINDINGS_MAX];
    size_t nb = dh_options_bindings(b, o, NULL);
    for (size_t i = 0; i < nb; i++)
        if (dh_optmap_defaults(&b[i]) != 0)
            return -1;
    return 0;
}

/* ---- the texts around the rows ------------------------------------------------ */

static const char *const groups[G_N] = {
    [G_OUTPUT] = "Output",
    [G_KAFKA] = "Kafka (librdkafka; see README \"Kafka\")",
    [G_INPUT] = "Input",
    [G_DETECTION] = "Detection",
    [G_HISTORY] = "Passive-DNS history (LMDB; first contact with a domain, new_domain)",
    [G_GENERAL] = "",
};

dh_optmap_doc_t dh_options_doc(const char *rules_install_dir)
{
    return (dh_optmap_doc_t){
        .prog = "dnshound",
        .synopsis = "[OPTIONS] [FILE... | kafka:TOPIC[,TOPIC...]]",
        .summary = "Zeek and Suricata DNS logs to MITRE ATT&CK detections",
        .about = "Turn Zeek dns.log (TSV or JSON) and Suricata EVE JSON into MITRE ATT&CK\n"
                 "detections. FILEs are read in the order given, plain or gzip (recognised by\n"
                 "its magic bytes); '-' or no FILE reads standard input. The format is sniffed\n"
                 "per input unless --format is given.",
        .groups = groups,
        .n_groups = G_N,
        .exit_status = "Exit status: 0 all inputs read (malformed records do not change it); 1 an\n"
                       "input could not be opened or was cut short (the others are still\n"
                       "processed), an input was almost all malformed (--max-malformed-ratio),\n"
                       "or output could not be written; 2 usage error.",
        .token = "@RULES_INSTALL_DIR@",
        .value = rules_install_dir,
    };
}
