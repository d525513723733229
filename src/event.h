/*
 * event.h - the normalized DNS event: one DNS transaction, whatever sensor saw it.
 *
 * Every parser turns its input records into this one struct, and every later
 * stage (transaction assembly, detectors, the event serializer) reads only this.
 *
 * Ownership: an event is *borrowed*. Strings and the answer array point into
 * storage owned by whoever hands the event out (a dh_evbuf_t for parsers, the
 * transaction assembler for merged events). They are valid during the call that
 * receives the event; a stage that keeps anything copies it.
 *
 * Unknown values are explicit: -1 for numbers, DH_AF_UNSET for addresses,
 * NULL for strings. Nothing is guessed.
 */
#ifndef DH_EVENT_H
#define DH_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which sensor wrote the record the event came from. */
typedef enum {
    DH_SENSOR_UNKNOWN = 0,
    DH_SENSOR_ZEEK = 1,     /* Zeek/Bro dns.log, TSV or JSON */
    DH_SENSOR_SURICATA = 2, /* Suricata EVE JSON, event_type dns */
} dh_sensor_t;

/* Transport protocol of the DNS message. */
typedef enum {
    DH_TRANSPORT_UNKNOWN = 0,
    DH_TRANSPORT_TCP = 6,
    DH_TRANSPORT_UDP = 17,
} dh_transport_t;

enum { DH_AF_UNSET = 0, DH_AF_INET = 4, DH_AF_INET6 = 6 };

/* How an event's zone key (registered_domain below) was made (regdom.h
   dh_regdom_key): by the Public Suffix List, from a configured internal
   zone (noise.yaml internal_zones, --internal-zone) plus one label, or as
   the name's last two labels when neither knows the name's suffix. */
typedef enum {
    DH_ZONE_NONE = 0,          /* no key: no query, a single label, a suffix itself */
    DH_ZONE_PUBLIC_SUFFIX = 1, /* eTLD+1 by a rule of the PSL */
    DH_ZONE_INTERNAL = 2,      /* the longest internal zone the name is under, plus one label */
    DH_ZONE_LAST_TWO = 3,      /* neither: the last two labels */
} dh_zone_source_t;

/* "public_suffix", "internal_zone", "last_two_labels"; NULL for DH_ZONE_NONE
   and unknown values. */
const char *dh_zone_source_name(unsigned source);

/* An IP address in network byte order; IPv4 uses the first 4 bytes. */
typedef struct {
    uint8_t family; /* DH_AF_UNSET, DH_AF_INET or DH_AF_INET6 */
    uint8_t bytes[16];
} dh_addr_t;

/* DNS header flag bits kept in dh_event_t.flags (bit set = flag set). */
enum {
    DH_FLAG_QR = 1u << 0, /* message is a response */
    DH_FLAG_AA = 1u << 1, /* authoritative answer */
    DH_FLAG_TC = 1u << 2, /* truncated */
    DH_FLAG_RD = 1u << 3, /* recursion desired */
    DH_FLAG_RA = 1u << 4, /* recursion available */
    DH_FLAG_Z = 1u << 5,  /* the reserved Z bit(s) were non-zero */
};

/* Section a resource record came from. */
typedef enum {
    DH_SECTION_ANSWER = 0,
    DH_SECTION_AUTHORITY = 1,
    DH_SECTION_ADDITIONAL = 2,
} dh_section_t;

/* One resource record of the response. */
typedef struct {
    int32_t rrtype;     /* RR type number, -1 when the log does not say (Zeek answers
                           carry no type: A/AAAA/TXT and a few others are inferred
                           from the text, the rest stay -1) */
    int64_t ttl;        /* seconds, -1 unknown */
    uint8_t section;    /* dh_section_t */
    const char *rrname; /* owner name as logged, NULL when not logged (Zeek) */
    size_t rrname_len;
    const char *data;   /* rdata as the sensor printed it (exact bytes), NULL if none */
    size_t data_len;
} dh_answer_t;

/* The normalized DNS event. */
typedef struct {
    int64_t ts_us;       /* event time: µs since the Unix epoch, UTC. The request's
                            time when the request was seen, else the response's. */
    uint8_t sensor;      /* dh_sensor_t */
    dh_addr_t client;    /* the host that asked */
    dh_addr_t server;    /* the host that answered (or was asked) */
    int32_t client_port; /* -1 unknown */
    int32_t server_port; /* -1 unknown */
    uint8_t transport;   /* dh_transport_t */
    int32_t trans_id;    /* DNS message ID 0..65535, -1 unknown */

    const char *uid;     /* Zeek connection uid or Suricata flow_id (decimal text);
                            NULL when absent */
    size_t uid_len;

    /* Query name. qname holds the exact bytes (Zeek \xNN escapes decoded, so any
       byte, NUL included, may occur); qname_lc is the same with ASCII A-Z
       lowered, same length. has_qname is false when the log has no query (a
       response-only Zeek row); an empty name with has_qname is the root zone. */
    bool has_qname;
    const char *qname;
    const char *qname_lc;
    size_t qname_len;

    /* Registered domain (eTLD+1 by the Public Suffix List) of qname_lc, or,
       for a name under no suffix the PSL lists (t.corp.lan, a lab's own
       root), the fallback zone key; zone_source (dh_zone_source_t) says
       which. NULL / DH_ZONE_NONE when there is none (single label, a public
       suffix or internal zone itself, no query). Filled by the pipeline
       after assembly (dh_regdom_key), not by parsers. */
    const char *registered_domain;
    uint8_t zone_source;

    int32_t qtype;  /* RR type number asked for, -1 unknown */
    int32_t qclass; /* class number (1 = IN, 3 = CHAOS, 32769 = IN with the mDNS
                       unicast bit), -1 unknown */
    int32_t rcode;  /* response code, -1 unknown (no response seen) */
    int32_t opcode; /* -1 unknown */

    uint16_t flags;       /* DH_FLAG_* bits that are set */
    uint16_t flags_known; /* DH_FLAG_* bits whose value the log gave */

    int8_t rejected;  /* 1 the server rejected the query, 0 no, -1 unknown */
    int64_t rtt_us;   /* request to response, µs; -1 unknown */
    bool has_response; /* a response (or its rcode) was seen */

    uint32_t n_answers;     /* entries in answers[] */
    uint32_t answers_dropped; /* RRs beyond the per-event cap, counted not kept */
    const dh_answer_t *answers;
    /* When not NULL, parallel to answers: what each A, AAAA or untyped
       answer's data parses as (DH_AF_UNSET when it is no address, and for
       other types). The pipeline parses them once for every detector and
       the history; read them with dh_event_answer_addr. */
    const dh_addr_t *answer_addrs;
} dh_event_t;

/* Set every field of ev to "unknown". */
void dh_event_init(dh_event_t *ev);

/* The address answer i holds: from answer_addrs when the pipeline filled
   it, else parsed from the data. false when the data is no address. */
bool dh_event_answer_addr(const dh_event_t *ev, uint32_t i, dh_addr_t *out);

#endif
