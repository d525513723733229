/*
 * test-sinks.c - the sink registry and the file sink: targets go to the sink
 * of their prefix (any other is a file), lines arrive byte for byte, and a
 * write that cannot be delivered is reported by flush and close.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "options-map.h"
#include "sink.h"

Test(sinks, targets_go_to_the_sink_of_their_prefix)
{
    cr_assert_str_eq(dh_sink_for("kafka:detections")->name, "kafka");
    cr_assert_str_eq(dh_sink_for("out.jsonl")->name, "file");
    cr_assert_str_eq(dh_sink_for("-")->name, "file");
    cr_assert_str_eq(dh_sink_for("kafka")->name, "file", "no colon: a file named kafka");
    size_t n = 0;
    for (; dh_sinks[n]; n++)
        cr_assert_not_null(dh_sinks[n]->open);
    cr_assert_geq(n, 2);
    dh_options_t o;
    dh_options_default(&o);
    cr_expect_eq(dh_options_component(&o, dh_sink_for("kafka:d")->options), &o.kafka,
                 "the Kafka sink shares the Kafka source's connection options");
    cr_expect_null(dh_sink_for("-")->options, "the file sink needs no options");
}

Test(sinks, file_sink_writes_lines_as_given)
{
    char path[64];
    cap_temp_path(path, sizeof(path), "sink-file");
    dh_options_t o;
    dh_options_default(&o);
    const dh_sink_type_t *t = dh_sink_for(path);
    char err[256];
    void *s = t->open(path, dh_options_component(&o, t->options), o.logger, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "{\"a\":1}\n", 8, "10.0.0.1"), 0);
    cr_assert_eq(t->flush(s, 0), 0);
    cr_assert_eq(t->write(s, "{\"b\":2}\n", 8, NULL), 0);
    cr_assert_eq(t->close(s), 0);
    char *text = cap_read(path, NULL);
    cr_assert_str_eq(text, "{\"a\":1}\n{\"b\":2}\n");
    free(text);
    cr_assert_eq(t->close(NULL), 0);
    unlink(path);
}

Test(sinks, file_sink_errors)
{
    dh_options_t o;
    dh_options_default(&o);
    const dh_sink_type_t *t = dh_sink_for("/nonexistent/x");
    char err[256] = "";
    cr_assert_null(t->open("/nonexistent/x", dh_options_component(&o, t->options), o.logger,
                           err, sizeof(err)));
    cr_assert_not_null(strstr(err, "/nonexistent/x: "), "%s", err);
    void *s = t->open("/dev/full", dh_options_component(&o, t->options), o.logger,
                      err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(t->write(s, "x\n", 2, NULL), 0, "buffered");
    cr_assert_eq(t->flush(s, 0), -1, "the device is full");
    cr_assert_eq(t->close(s), -1);
    void *out = t->open("-", dh_options_component(&o, t->options), o.logger, err, sizeof(err));
    cr_assert_not_null(out);
    cr_assert_eq(t->close(out), 0, "stdout is flushed, not closed");
}
