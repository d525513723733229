/*
 * test-config.c - the run configuration file: the documented example loads
 * and means the defaults, every key lands in its option, and each kind of
 * mistake is an error naming FILE:LINE.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "config.h"

static char path[64];

static void write_config(const char *text)
{
    cap_temp_path(path, sizeof(path), "config");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Load text; NULL with err when it is refused. */
static dh_config_t *load(const char *text, dh_options_t *o, char *err, size_t errlen)
{
    write_config(text);
    dh_options_default(o);
    dh_config_t *c = dh_config_load(path, o, err, errlen);
    unlink(path);
    return c;
}

/* The error text for a refused file, with its path replaced by "F". */
static void refused(const char *text, const char *want)
{
    dh_options_t o;
    char err[512] = "";
    dh_config_t *c = load(text, &o, err, sizeof(err));
    cr_assert_null(c, "accepted: %s", text);
    char full[600];
    snprintf(full, sizeof(full), "%s:%s", path, want);
    cr_assert_not_null(strstr(err, full), "error '%s', wanted '%s'", err, full);
}

Test(config, the_documented_example_means_the_defaults)
{
    dh_options_t d, o;
    dh_options_default(&d);
    dh_options_default(&o);
    char err[512];
    dh_config_t *c = dh_config_load(DH_SOURCE_DIR "/deploy/dnshound.yaml", &o, err, sizeof(err));
    cr_assert_not_null(c, "%s", err);
    cr_assert_null(dh_config_inputs(c)[0]);
    cr_assert_null(dh_config_stats(c));
    cr_assert_str_eq(o.sink.output, "-");
    cr_assert_eq(o.core.emit, DH_EMIT_DETECTIONS);
    cr_assert_null(o.input.format);
    cr_assert_eq(o.core.max_state_bytes, d.core.max_state_bytes);
    cr_assert_eq(o.core.lateness_us, d.core.lateness_us);
    cr_assert_eq(o.core.txn_timeout_us, d.core.txn_timeout_us);
    cr_assert_eq(o.core.max_pending, d.core.max_pending);
    cr_assert_eq(o.input.max_line, d.input.max_line);
    cr_assert_eq(o.input.max_reports, d.input.max_reports);
    cr_assert_eq(o.history.expire_us, d.history.expire_us);
    cr_assert_eq(o.history.max_bytes, d.history.max_bytes);
    cr_assert_not(o.history.no_state);
    cr_assert_str_eq(o.history.state_dir, "dnshound-state");
    cr_assert_str_eq(o.kafka.brokers, "localhost:9092");
    cr_assert_str_eq(o.kafka.group, "dnshound");
    cr_assert_str_eq(o.kafka.props[0], "session.timeout.ms=10000");
    cr_assert_null(o.kafka.props[1]);
    dh_config_free(c);
}

Test(config, every_key_lands_in_its_option)
{
    dh_options_t o;
    char err[512];
    dh_config_t *c = load("inputs: [a.log, \"kafka:dns\"]\n"
                          "output: out.jsonl\n"
                          "rules: /etc/dnshound/rules\n"
                          "stats: stats.json\n"
                          "emit: events\n"
                          "format: zeek-json\n"
                          "resolvers: [10.0.0.53, 10.1.0.0/16]\n"
                          "state:\n  max_mb: 64\n  lateness: 1.5\n  txn_timeout: 2\n"
                          "  max_pending: 100\n"
                          "history:\n  dir: /var/lib/dh\n  persistent: false\n  expire_days: 30\n"
                          "  max_mb: 8\n"
                          "input:\n  max_line: 4096\n  max_reports: 0\n"
                          "kafka:\n  brokers: b1:9092\n  group: g\n  exit_at_end: true\n"
                          "  zeek_fields:\n    zeek-dns: \"ts uid query\"\n"
                          "  properties:\n    fetch.wait.max.ms: 50\n",
                          &o, err, sizeof(err));
    cr_assert_not_null(c, "%s", err);
    const char *const *in = dh_config_inputs(c);
    cr_assert_str_eq(in[0], "a.log");
    cr_assert_str_eq(in[1], "kafka:dns");
    cr_assert_null(in[2]);
    cr_assert_str_eq(dh_config_stats(c), "stats.json");
    cr_assert_str_eq(o.sink.output, "out.jsonl");
    cr_assert_str_eq(o.detect.rules_dir, "/etc/dnshound/rules");
    cr_assert_eq(o.core.emit, DH_EMIT_EVENTS);
    cr_assert_str_eq(o.input.format, "zeek-json");
    cr_assert_str_eq(o.detect.resolvers[1], "10.1.0.0/16");
    cr_assert_eq(o.core.max_state_bytes, (size_t)64 << 20);
    cr_assert_eq(o.core.lateness_us, 1500000);
    cr_assert_eq(o.core.txn_timeout_us, 2000000);
    cr_assert_eq(o.core.max_pending, 100);
    cr_assert_str_eq(o.history.state_dir, "/var/lib/dh");
    cr_assert(o.history.no_state);
    cr_assert_eq(o.history.expire_us, 30 * 86400LL * 1000000);
    cr_assert_eq(o.history.max_bytes, (size_t)8 << 20);
    cr_assert_eq(o.input.max_line, 4096);
    cr_assert_eq(o.input.max_reports, 0);
    cr_assert_str_eq(o.kafka.brokers, "b1:9092");
    cr_assert_str_eq(o.kafka.group, "g");
    cr_assert(o.kafka.exit_at_end);
    cr_assert_str_eq(o.kafka.zeek_fields[0], "zeek-dns=ts uid query");
    cr_assert_str_eq(o.kafka.props[0], "fetch.wait.max.ms=50");
    dh_config_free(c);
}

Test(config, format_auto_means_sniffing)
{
    dh_options_t o;
    char err[512];
    dh_config_t *c = load("format: auto\nemit: detections\n", &o, err, sizeof(err));
    cr_assert_not_null(c, "%s", err);
    cr_assert_null(o.input.format);
    cr_assert_eq(o.core.emit, DH_EMIT_DETECTIONS);
    cr_assert_null(dh_config_inputs(c)[0], "no inputs: an empty list");
    dh_config_free(c);
}

Test(config, mistakes_name_file_and_line)
{
    refused("output: x\nbogus: 1\n", "2:");
    refused("emit: alerts\n", "1: emit: expected detections or events");
    refused("format: pcap\n", "1: format: expected auto, zeek, zeek-json or eve");
    refused("inputs: a.log\n", "1: inputs: expected a list");
    refused("inputs:\n  - [nested]\n", "2: inputs: expected a string");
    refused("state:\n  max_mb: 0\n", "2:");
    refused("state:\n  lateness: forever\n", "2:");
    refused("history:\n  persistent: maybe\n", "2:");
    refused("kafka:\n  properties: [a]\n", "2: properties: expected a map");
    refused("kafka:\n  properties:\n    a: [1]\n", "3: a: expected a value");
    refused("kafka:\n  zeek_fields: text\n", "2: zeek_fields: expected a map");
    refused("kafka:\n  zeek_fields:\n    t: \"ts uid\"\n", "3: t: expected the dns.log field names");
    refused("kafka:\n  exit_at_end: 3\n", "2:");
}

Test(config, a_missing_file_is_an_error)
{
    dh_options_t o;
    dh_options_default(&o);
    char err[512] = "";
    cr_assert_null(dh_config_load("/nonexistent/dnshound.yaml", &o, err, sizeof(err)));
    cr_assert_not_null(strstr(err, "/nonexistent/dnshound.yaml"), "%s", err);
    dh_config_free(NULL);
}
