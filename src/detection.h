/*
 * detection.h - one detection, and the one serializer that turns every
 * detection into a JSON line satisfying the output contract
 * (shared/contract/detection.schema.json: ECS-style nested objects).
 *
 * Detectors fill a dh_detection_t (borrowed pointers, valid during the emit
 * call) and write their numeric evidence as JSON object members into
 * `evidence` with the util-json helpers. Sinks never build JSON: they move
 * the bytes dh_detection_to_json produced.
 */
#ifndef DH_DETECTION_H
#define DH_DETECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "rules.h"
#include "util-json.h"

/* A name borrowed from a detector's window (not NUL-terminated). */
typedef struct {
    const char *s;
    size_t len;
} dh_name_ref_t;

/* What an analyst needs to go back to the sensor's records of a finding:
   the first records' Zeek uids / Suricata flow_ids, the resolvers asked,
   the addresses answered and the first flow's 5-tuple (for its Community
   ID). Kept in every kit window (dh_kit_window_t), bounded: the first ones
   seen, so a replay keeps the same. */
#define DH_PIVOT_UIDS 8      /* at most; --pivot-ids chooses how many are kept */
#define DH_PIVOT_UID_LEN 24  /* a Zeek uid is 18 characters, a flow_id up to 20 digits */
#define DH_PIVOT_SERVERS 2
#define DH_PIVOT_ADDRS 4
typedef struct {
    uint8_t n_uids, sensor;   /* sensor: dh_sensor_t of the first uid */
    uint8_t uid_len[DH_PIVOT_UIDS];
    char uids[DH_PIVOT_UIDS][DH_PIVOT_UID_LEN];
    uint8_t n_servers, n_resolved;
    dh_addr_t servers[DH_PIVOT_SERVERS];
    dh_addr_t resolved[DH_PIVOT_ADDRS];
    /* the first flow whose 5-tuple the log gave */
    bool has_flow;
    uint8_t transport;
    uint16_t client_port, server_port;
    dh_addr_t flow_client, flow_server;
} dh_pivots_t;

/* Count ev's pivots into p (a zeroed p is empty). */
void dh_pivots_add(dh_pivots_t *p, const dh_event_t *ev);

/* What a detection is: a detector's finding, or one of the correlations of
   findings (incidents.h) - event.dataset and dnshound.kind say which. */
typedef enum { DH_KIND_FINDING = 0, DH_KIND_INCIDENT, DH_KIND_HOST_RISK } dh_detection_kind_t;

/* The ECS release whose field reference detections follow
   (tests/data/ecs/ecs_flat-9.4.0.yml.gz; written as ecs.version). */
#define DH_ECS_VERSION "9.4.0"

/* A threat-intel match, for ECS threat.enrichments[] and threat.feed.name:
   the indicator as its file lists it and, per part of the DNS records that
   matched it, the ECS field of that part and the value seen there. */
#define DH_INTEL_MATCHES 3
typedef enum { DH_IND_DOMAIN, DH_IND_ADDRESS, DH_IND_NETWORK } dh_indicator_kind_t;
typedef struct {
    const char *field;  /* ECS field of the match: dns.question.name, ... */
    const char *atomic; /* the value seen there */
    size_t atomic_len;
} dh_intel_matched_t;
typedef struct {
    const char *indicator; /* the indicator's text: a name, an address or a CIDR */
    size_t indicator_len;
    uint8_t kind;          /* dh_indicator_kind_t */
    const char *feed;      /* the indicator file (threat.feed.name) */
    const char *description, *provider; /* may be NULL */
    dh_intel_matched_t matched[DH_INTEL_MATCHES];
    size_t n_matched;
} dh_intel_match_t;

typedef struct {
    uint8_t kind;              /* dh_detection_kind_t; 0: a finding */
    const char *rule_name;     /* detector name: dns_tunnel, dga, ... */
    const dh_rule_t *rule;     /* metadata and ATT&CK mapping */
    const dh_attack_t *attack; /* NULL: rule->attack; else this finding's own
                                  mapping (e.g. from a threat-intel file header) */
    int64_t fired_us;          /* event time at which it fired (@timestamp) */
    int64_t start_us, end_us;  /* first and last event of the evidence */
    int64_t window_start_us;   /* part of the deterministic id */
    const dh_addr_t *client;   /* the entity, when it is a client (source.ip) */
    bool client_is_resolver;   /* the client is a known resolver (queries not attributed) */
    const char *qname;         /* a representative query name, may be NULL */
    size_t qname_len;
    const char *registered_domain; /* may be NULL */
    uint8_t zone_source;       /* how registered_domain was made (dh_zone_source_t,
                                  event.h; the detector host fills it): a fallback
                                  key (internal zone, last two labels) is named in
                                  the evidence as zone_source */
    const char *entity;        /* extra entity text for the id (e.g. a domain) */
    double risk_score;         /* <0: the rule's */
    double confidence;         /* <0: the rule's */
    int severity;              /* 1..5; 0: the rule's */
    const dh_strbuf_t *evidence; /* object members, without braces; may be NULL */
    const dh_pivots_t *pivots;   /* the records behind it (kit windows); may be NULL */
    const dh_intel_match_t *intel; /* threat_intel's match; NULL for other rules */
    unsigned pivot_ids;          /* uids shown (--pivot-ids; set by the host); 0: all kept */
    /* The services the finding is about, listed in the evidence of a rule
       with suppression_scope client (alerts.h). NULL: its entity, else its
       registered domain, else its query name. */
    const dh_name_ref_t *services;
    size_t n_services;
    /* Set by alert suppression (alerts.c), not by detectors: an update of an
       earlier alert (same event.id) that absorbed `occurrences` findings. */
    bool is_update;
    uint32_t occurrences;
    /* Set by alert suppression: the event.id of the alert an update belongs
       to, when that alert was about another entity (a client-scope alert
       merges the client's findings about several services). NULL: computed. */
    const char *event_id;
    /* Early alerts (detector-kit.h "early alerts"), set by the kit: `early`
       marks a finding reported while its window is still open (serialized as
       dnshound.early: true); `completes_early` marks the window-close finding
       of a window whose early finding went out as an alert, which alert
       suppression emits at once as the update of that alert (same event.id,
       final evidence). */
    bool early;
    bool completes_early;
    /* Of an early finding: where alert suppression notes (1) that it went
       out as an alert of its own, not absorbed into an open one; only such
       an alert's close is marked completes_early. NULL otherwise. */
    uint8_t *alerted;
} dh_detection_t;

/* Append one JSON line (with '\n') for d to out. */
void dh_detection_to_json(const dh_detection_t *d, dh_strbuf_t *out);

/* Deterministic id: 32 hex chars from rule, entity and window. */
void dh_detection_id(const dh_detection_t *d, char out[33]);

#endif
