/*
 * test-probes.c - format sniffing across all parsers: for every line at most
 * one parser says YES, and the text of a key inside a string value (a query
 * name that contains "event_type") does not fool a probe.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "parser.h"

static int yes_count(const char *line, const char **which)
{
    int n = 0;
    for (size_t i = 0; dh_parsers[i]; i++)
        if (dh_parsers[i]->probe(line, strlen(line)) == DH_PROBE_YES) {
            n++;
            *which = dh_parsers[i]->name;
        }
    return n;
}

static void expect_only(const char *line, const char *want)
{
    const char *which = NULL;
    int n = yes_count(line, &which);
    cr_assert_eq(n, 1, "%d parsers claim %s", n, line);
    cr_assert_str_eq(which, want, "%s claimed by %s", line, which);
}

Test(probes, each_format_is_claimed_by_its_parser_only)
{
    expect_only("#separator \\x09", "zeek");
    expect_only("{\"ts\":1517336042.279652,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"query\":\"a.b\"}",
                "zeek-json");
    expect_only("{\"timestamp\":\"2023-11-01T00:46:34.435874+0100\",\"event_type\":\"dns\"}", "eve");
    expect_only("{\"ts\":\"2023-11-08T08:00:11.297720Z\",\"sensor\":\"zeek\",\"query\":{}}", "events");
}

Test(probes, key_text_inside_a_string_is_not_a_key)
{
    /* a dnshound event whose query name holds the text of EVE's and Zeek's keys */
    expect_only("{\"ts\":\"2023-11-08T08:00:11.297720Z\",\"sensor\":\"zeek\","
                "\"query\":{\"name\":\"x\\\"event_type\\\":\\\"id.orig_h\\\":.evil.example\"}}",
                "events");
    /* a Zeek JSON record with such a query is Zeek JSON, not EVE */
    expect_only("{\"ts\":1.5,\"id.orig_h\":\"10.0.0.1\",\"query\":\"\\\"event_type\\\":x.example\"}",
                "zeek-json");
}
