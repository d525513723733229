/*
 * test-envelope.c - shippers' envelopes around one record: Zeek's Kafka
 * plugin, Filebeat/Vector "message", Fluent Bit "log"; records that are not
 * envelopes come back unchanged, pointing into the input.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sources/envelope.h"

static const char *unwrap(const char *in, dh_strbuf_t *out, size_t *len)
{
    const char *rec;
    dh_envelope_unwrap(in, strlen(in), out, &rec, len);
    return rec;
}

static void assert_unwraps(const char *in, const char *want)
{
    dh_strbuf_t out = {0};
    size_t len;
    const char *rec = unwrap(in, &out, &len);
    cr_assert_eq(len, strlen(want), "%s -> %.*s", in, (int)len, rec);
    cr_assert_eq(memcmp(rec, want, len), 0, "%s -> %.*s", in, (int)len, rec);
    dh_sb_free(&out);
}

static void assert_unchanged(const char *in)
{
    dh_strbuf_t out = {0};
    size_t len;
    cr_assert_eq(unwrap(in, &out, &len), in, "%s is its own record", in);
    cr_assert_eq(len, strlen(in));
    dh_sb_free(&out);
}

Test(envelope, zeek_kafka_plugin_wrapper)
{
    assert_unwraps("{\"dns\": {\"ts\":1.5,\"id.orig_h\":\"10.0.0.1\",\"query\":\"a.example\"}}",
                   "{\"ts\":1.5,\"id.orig_h\":\"10.0.0.1\",\"query\":\"a.example\"}");
}

Test(envelope, filebeat_and_vector_message)
{
    assert_unwraps("{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"message\":\"1.5\\tCx\\t10.0.0.1\\n\"}",
                   "1.5\tCx\t10.0.0.1");
}

Test(envelope, fluent_bit_log)
{
    assert_unwraps("{\"log\":\"{\\\"timestamp\\\":\\\"x\\\",\\\"event_type\\\":\\\"dns\\\"}\\r\\n\","
                   "\"stream\":\"stdout\"}",
                   "{\"timestamp\":\"x\",\"event_type\":\"dns\"}");
}

Test(envelope, records_themselves_are_not_parsed)
{
    assert_unchanged("{\"timestamp\":\"x\",\"event_type\":\"dns\",\"message\":\"m\"}");
    assert_unchanged("{\"ts\":1,\"id.orig_h\":\"10.0.0.1\",\"log\":\"l\"}");
    assert_unchanged("{\"ts\":\"2024\",\"sensor\":\"zeek\",\"message\":\"m\"}");
    /* dnshound's ECS events hold a "dns" object of their own */
    assert_unchanged("{\"@timestamp\":\"2024\",\"event\":{\"dataset\":\"dnshound.dns\"},"
                     "\"dns\":{\"type\":\"query\"}}");
    assert_unchanged("1.5\tCx\t10.0.0.1\t53");
    assert_unchanged("{");
    assert_unchanged("");
}

Test(envelope, not_an_envelope_or_broken_is_left_alone)
{
    assert_unchanged("{\"other\":1}");
    assert_unchanged("{\"message\": broken");
    assert_unchanged("{\"message\":42}");
    assert_unchanged("{\"message\":\"\\n\"}"); /* empty once the newline goes */
}

Test(envelope, output_buffer_is_reused)
{
    dh_strbuf_t out = {0};
    size_t len;
    const char *rec = unwrap("{\"message\":\"first record\"}", &out, &len);
    cr_assert_eq(rec, out.buf);
    rec = unwrap("{\"log\":\"2nd\"}", &out, &len);
    cr_assert_eq(len, 3);
    cr_assert_eq(memcmp(rec, "2nd", 3), 0);
    dh_sb_free(&out);
}
