/*
 * test-message.c - the ECS message of a detection from its rule's template:
 * values, formats, optional parts, the syntax check at rule load, and every
 * shipped rule (from the detector registry) having a template that renders
 * without a missing value on a detection of its own.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "detector.h"
#include "message.h"
#include "rule-variant.h"
#include "rules.h"
#include "util-ip.h"

#define SEC 1000000LL

static dh_rule_t *rule;
static dh_addr_t client;
static dh_strbuf_t ev, out;

static void setup(void)
{
    char err[256];
    rule = dh_rule_load(DH_SOURCE_DIR "/rules", "dns_tunnel", err, sizeof(err));
    cr_assert_not_null(rule, "%s", err);
    dh_addr_parse("10.1.0.14", 9, &client);
    dh_sb_init(&ev);
    dh_sb_init(&out);
}

static void teardown(void)
{
    dh_rule_free(rule);
    dh_sb_free(&ev);
    dh_sb_free(&out);
}

static const char *render(const char *tmpl, const char *evidence)
{
    dh_sb_reset(&ev);
    dh_sb_reset(&out);
    dh_sb_puts(&ev, evidence);
    dh_detection_t d = {.rule_name = "dns_tunnel", .rule = rule, .client = &client,
                        .qname = "a1b2.t1.towzifohi.com", .qname_len = 21,
                        .registered_domain = "towzifohi.com", .start_us = 0,
                        .end_us = 300 * SEC, .evidence = &ev};
    dh_message_render(tmpl, &d, &out);
    dh_sb_putc(&out, '\0');
    return out.buf;
}

TestSuite(message, .init = setup, .fini = teardown);

Test(message, values_and_formats_read_the_evidence)
{
    cr_assert_str_eq(render("{client} tunneled ~{bytes:bytes} over DNS to {domain}: {n} "
                            "{qtypes:keys} queries in {duration}",
                            "\"bytes\":6451,\"n\":120,\"qtypes\":{\"TXT\":3,\"NULL\":117}"),
                     "10.1.0.14 tunneled ~6.3 KB over DNS to towzifohi.com: 120 NULL/TXT "
                     "queries in 5 min");
    cr_assert_str_eq(render("{share:pct} {x:int} {x} {big} {small}",
                            "\"share\":0.956757,\"x\":238.095,\"big\":354.891,\"small\":0.123456"),
                     "96 % 238 238 355 0.12");
    cr_assert_str_eq(render("{a.b} {s:first} {o:first} {l}",
                            "\"a\":{\"b\":31},\"s\":[\"x.com\",\"y.com\"],"
                            "\"o\":[{\"name\":\"n1.biz\",\"score\":5}],"
                            "\"l\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]"),
                     "31 x.com n1.biz a, b, c, d and 2 more");
    cr_assert_str_eq(render("{s:secs} {m:secs} {h:secs} {d:secs} {b:bytes} {mb:bytes}",
                            "\"s\":45,\"m\":300,\"h\":10800,\"d\":259200,\"b\":17,"
                            "\"mb\":3407872"),
                     "45 s 5 min 3 h 3 d 17 B 3.3 MB");
}

Test(message, optional_parts_go_when_a_value_is_missing_or_zero)
{
    const char *t = "{client}[: {a} answered][, {nx} NXDOMAIN][ ({missing})]";
    cr_assert_str_eq(render(t, "\"a\":4,\"nx\":0"), "10.1.0.14: 4 answered");
    cr_assert_str_eq(render(t, "\"a\":0,\"nx\":2"), "10.1.0.14, 2 NXDOMAIN");
    cr_assert_str_eq(render("x[ outer[ inner {z}] {a}]", "\"a\":1"), "x outer 1",
                     "an inner part goes alone");
    cr_assert_str_eq(render("{nothing} \\[literal\\] \\{x\\}", ""), "? [literal] {x}",
                     "missing outside a part is '?'");
    cr_assert_str_eq(render(NULL, ""), "10.1.0.14: DNS tunneling or C2 over DNS to one domain "
                                       "(towzifohi.com)",
                     "no template: the generic sentence");
}

Test(message, long_messages_are_cut_at_a_character)
{
    char big[2000] = "\"s\":\"";
    for (int i = 0; i < 700; i++)
        strcat(big, "\xc3\xa9"); /* é, two bytes */
    strcat(big, "\"");
    const char *m = render("{s}", big);
    size_t n = strlen(m);
    cr_assert_leq(n, DH_MESSAGE_MAX);
    cr_assert_str_eq(m + n - 3, "\xe2\x80\xa6", "ends with an ellipsis");
    cr_assert(dh_utf8_valid(m, n), "cut between characters");
}

Test(message, the_syntax_is_checked)
{
    char err[128];
    cr_assert_eq(dh_message_check("{a} [{b:int}] \\[x\\]", err, sizeof(err)), 0, "%s", err);
    const char *bad[] = {"{a", "a}", "[x", "x]", "{}", "{a:nope}", "{a b}", "\\q"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(dh_message_check(bad[i], err, sizeof(err)), -1, "accepted %s", bad[i]);
    cr_assert(strstr((dh_message_check("{a:nope}", err, sizeof(err)), err), "unknown format"));
}

Test(message, a_bad_template_in_a_rule_names_file_and_line)
{
    char dir[64], err[256];
    dh_test_rule_variant(dir, "dns_tunnel", "\nmessage: '", "\nmessage: '{oops ");
    dh_rule_t *r = dh_rule_load(dir, "dns_tunnel", err, sizeof(err));
    cr_assert_null(r);
    cr_assert(strstr(err, "dns_tunnel.yaml:") && strstr(err, ": message: "), "%s", err);
    dh_test_remove_variant(dir, "dns_tunnel");
}

/* Every detector of the registry ships a template that passes the check. */
Test(message, every_shipped_rule_has_a_template)
{
    for (size_t i = 0; dh_detectors[i]; i++) {
        char err[256];
        dh_rule_t *r = dh_rule_load(DH_SOURCE_DIR "/rules", dh_detectors[i]->name, err, sizeof(err));
        cr_assert_not_null(r, "%s", err);
        cr_assert_not_null(r->message, "rules/%s.yaml has no message:", dh_detectors[i]->name);
        cr_assert_not_null(strchr(r->message, '{'), "%s: a message without a value",
                           dh_detectors[i]->name);
        dh_rule_free(r);
    }
}
