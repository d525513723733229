/*
 * test-util.c - time parsing/formatting, JSON escaping, UTF-8 checks, DNS
 * name tables, address parsing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "util-dns.h"
#include "util-ip.h"
#include "util-json.h"
#include "util-time.h"

static int64_t iso(const char *s)
{
    int64_t us = 0;
    cr_assert_eq(dh_time_parse_iso8601(s, strlen(s), &us), 0, "parse %s", s);
    return us;
}

Test(util_time, iso8601_offsets_all_mean_the_same_instant)
{
    /* Zeek json-streaming-logs and EVE spellings of one instant */
    int64_t z = iso("2018-03-24T17:15:20.865716Z");
    cr_assert_eq(z, 1521911720865716LL);
    cr_assert_eq(iso("2018-03-24T18:15:20.865716+0100"), z);
    cr_assert_eq(iso("2018-03-24T13:15:20.865716-0400"), z);
    cr_assert_eq(iso("2018-03-24T22:45:20.865716+05:30"), z);
    cr_assert_eq(iso("2018-03-24 17:15:20.865716Z"), z);
    /* more than 6 fraction digits truncate, fewer pad */
    cr_assert_eq(iso("2018-03-24T17:15:20.8657169Z"), z);
    cr_assert_eq(iso("2018-03-24T17:15:20.8Z"), 1521911720800000LL);
}

Test(util_time, iso8601_rejects_garbage)
{
    int64_t us;
    const char *bad[] = {"", "2018-03-24", "2018-13-24T17:15:20Z", "2018-03-24T17:15:20+2",
                         "2018-03-24T17:15:20Zjunk", "XXXX-XX-XXTXX:XX:XXZ", "2018-03-24T17:15:20."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(dh_time_parse_iso8601(bad[i], strlen(bad[i]), &us), -1, "accepted %s", bad[i]);
}

Test(util_time, epoch_and_interval)
{
    int64_t us;
    cr_assert_eq(dh_time_parse_epoch("1517336042.279652", 17, &us), 0);
    cr_assert_eq(us, 1517336042279652LL);
    cr_assert_eq(dh_time_parse_epoch("22.34", 5, &us), 0); /* slips' 1970 pcap clock */
    cr_assert_eq(us, 22340000);
    cr_assert_eq(dh_time_parse_epoch("XXXXXXXXXX.XXXXXX", 17, &us), -1);
    cr_assert_eq(dh_time_parse_epoch("1.5e9", 5, &us), -1);
    cr_assert_eq(dh_time_parse_epoch(".", 1, &us), -1);
    cr_assert_eq(dh_time_parse_interval("0.069982", 8, &us), 0);
    cr_assert_eq(us, 69982);
}

Test(util_time, format_round_trips)
{
    char buf[DH_TIME_STRLEN];
    cr_assert_str_eq(dh_time_format(1521911720865716LL, buf), "2018-03-24T17:15:20.865716Z");
    cr_assert_str_eq(dh_time_format(0, buf), "1970-01-01T00:00:00.000000Z");
    cr_assert_str_eq(dh_time_format(-1, buf), "1969-12-31T23:59:59.999999Z");
    cr_assert_eq(iso(dh_time_format(951782400123456LL, buf)), 951782400123456LL); /* 2000-02-29 */
}

static const char *esc(dh_strbuf_t *sb, const char *s, size_t n)
{
    dh_sb_reset(sb);
    dh_json_string(sb, s, n);
    return sb->buf;
}

Test(util_json, escapes_every_hostile_byte)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    cr_assert_str_eq(esc(&sb, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    cr_assert_str_eq(esc(&sb, "*\0\0", 3), "\"*\\u0000\\u0000\"");
    cr_assert_str_eq(esc(&sb, "\n\t\x1f", 3), "\"\\u000a\\u0009\\u001f\"");
    /* valid UTF-8 passes, invalid bytes become \\xNN as Zeek's JSON writer does */
    cr_assert_str_eq(esc(&sb, "caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");
    cr_assert_str_eq(esc(&sb, "\x94\xa8", 2), "\"\\\\x94\\\\xa8\"");
    cr_assert_str_eq(esc(&sb, "\xed\xa0\x80", 3), "\"\\\\xed\\\\xa0\\\\x80\""); /* surrogate */
    cr_assert_str_eq(esc(&sb, "\xf0\x9f\x98", 3), "\"\\\\xf0\\\\x9f\\\\x98\""); /* cut 4-byte */
    dh_sb_free(&sb);
}

/* A name that really holds "\xff" (four characters) and one holding the
   byte 0xff must not be written alike: a real backslash before "x" is
   written \x5c, so every \xNN in the output is one byte. */
Test(util_json, a_real_backslash_x_is_told_from_an_escaped_byte)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    cr_assert_str_eq(esc(&sb, "\xff", 1), "\"\\\\xff\"");
    cr_assert_str_eq(esc(&sb, "\\xff", 4), "\"\\\\x5cxff\"");
    cr_assert_str_neq(esc(&sb, "\\xff", 4), "\"\\\\xff\"");
    cr_assert_str_eq(esc(&sb, "a\\b", 3), "\"a\\\\b\"", "other backslashes stay themselves");
    cr_assert_str_eq(esc(&sb, "x\\", 2), "\"x\\\\\"");
    dh_sb_free(&sb);
}

/* U+2028/U+2029 end lines for JavaScript and Unicode line splitters. */
Test(util_json, line_and_paragraph_separators_are_escaped)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    cr_assert_str_eq(esc(&sb, "a\xe2\x80\xa8" "b\xe2\x80\xa9", 8), "\"a\\u2028b\\u2029\"");
    cr_assert_str_eq(esc(&sb, "\xe2\x80\xa7", 3), "\"\xe2\x80\xa7\"", "U+2027 passes");
    dh_sb_free(&sb);
}

Test(util_json, objects_and_numbers)
{
    dh_strbuf_t sb;
    dh_sb_init(&sb);
    dh_sb_putc(&sb, '{');
    dh_json_kv_int(&sb, "a", -3);
    dh_json_open_arr(&sb, "l");
    dh_json_sep(&sb);
    dh_json_double(&sb, 0.5);
    dh_json_sep(&sb);
    dh_json_double(&sb, 1.0 / 0.0);
    dh_sb_putc(&sb, ']');
    dh_json_kv_bool(&sb, "b", true);
    dh_sb_putc(&sb, '}');
    cr_assert_str_eq(sb.buf, "{\"a\":-3,\"l\":[0.5,null],\"b\":true}");
    dh_sb_free(&sb);
}

Test(util_json, utf8_validation)
{
    cr_assert(dh_utf8_valid("plain", 5));
    cr_assert(dh_utf8_valid("\xe2\x82\xac", 3));
    cr_assert_not(dh_utf8_valid("\xc0\xaf", 2)); /* overlong */
    cr_assert_not(dh_utf8_valid("\xff", 1));
    cr_assert_not(dh_utf8_valid("\xe2\x82", 2));
}

Test(util_dns, names_of_every_sensor_era)
{
    cr_assert_eq(dh_qtype_from_name("A", 1), 1);
    cr_assert_eq(dh_qtype_from_name("txt", 3), 16);
    cr_assert_eq(dh_qtype_from_name("*", 1), 255);
    cr_assert_eq(dh_qtype_from_name("NB", 2), 32);     /* Zeek < 5.2 */
    cr_assert_eq(dh_qtype_from_name("NIMLOC", 6), 32); /* Zeek >= 5.2 */
    cr_assert_eq(dh_qtype_from_name("NBSTAT", 6), 33);
    cr_assert_eq(dh_qtype_from_name("query-65534", 11), 65534);
    cr_assert_eq(dh_qtype_from_name("65", 2), 65); /* Suricata 6 */
    cr_assert_eq(dh_qtype_from_name("TYPE65399", 9), 65399);
    cr_assert_eq(dh_qtype_from_name("bogus", 5), -1);
    cr_assert_eq(dh_qtype_from_name("query-99999", 11), -1);
    cr_assert_str_eq(dh_qtype_name(65399), "PRIVATE");
    cr_assert_eq(dh_qclass_from_name("qclass-32769", 12), 32769);
    cr_assert_eq(dh_qclass_from_name("C_CHAOS", 7), 3);
    cr_assert_eq(dh_rcode_from_name("NXDOMAIN", 8), 3);
    cr_assert_eq(dh_rcode_from_name("unknown-17", 10), 17);
}

Test(util_ip, parse_and_format)
{
    dh_addr_t a;
    char buf[DH_ADDR_STRLEN];
    cr_assert_eq(dh_addr_parse("2600:9000:5301:5300:0000:0000:0000:0001", 39, &a), 0);
    cr_assert_str_eq(dh_addr_format(&a, buf), "2600:9000:5301:5300::1");
    cr_assert_eq(dh_addr_parse("fe80::1%eth0", 12, &a), 0);
    cr_assert_eq(a.family, DH_AF_INET6);
    cr_assert_eq(dh_addr_parse("10.16.1.11", 10, &a), 0);
    cr_assert_str_eq(dh_addr_format(&a, buf), "10.16.1.11");
    cr_assert_eq(dh_addr_parse("10.16.1", 7, &a), -1);
    cr_assert_eq(dh_addr_parse("-", 1, &a), -1);
}
