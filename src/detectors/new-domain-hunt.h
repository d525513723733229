/*
 * new-domain-hunt.h - new_domain's retro-hunt mode (--hunt): first
 * sightings judged within one archive, without a passive-DNS history.
 *
 * A replay of one day of a compromised network has no 7 days of history,
 * so new_domain's warm-up finds nothing in it. The hunt counts, per
 * registered domain, the distinct clients of the whole replay (the state
 * lives until end of input, in a table without window, inside
 * --max-state-mb) and judges every domain once the input has ended: a
 * domain is reported when few clients queried it (rare in the archive) and
 * its supporting evidence (a random-looking label, only the bare domain
 * queried, a dynamic-DNS provider, only NXDOMAIN answers, low answer TTLs)
 * reaches hunt_min_score. The
 * thresholds are hunt_* in rules/new_domain.yaml.
 *
 * The judgement itself (dh_hunt_judge) is a pure function of the facts a
 * domain gathered, so the unit tests call it directly.
 */
#ifndef DH_NEW_DOMAIN_HUNT_H
#define DH_NEW_DOMAIN_HUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "../detector-kit.h"
#include "../lexical-model.h"
#include "../util-strset.h"

/* The hunt's thresholds (rules/new_domain.yaml hunt_*), copied from the
   detector's params by its setup. */
typedef struct {
    int64_t max_clients;     /* rare: at most this many distinct clients in the archive */
    int64_t min_score;       /* a finding needs this much supporting evidence */
    int64_t random_weight;   /* the label is random under the lexical settings (class random) */
    int64_t lexical_weight;  /* ... or at least scores >= lexical_score (and is not wordlike) */
    int64_t apex_weight;     /* only the registered domain itself was queried */
    int64_t dyndns_weight;   /* under a dynamic-DNS provider */
    int64_t nxdomain_weight; /* every answer of the domain was NXDOMAIN */
    int64_t nxdomain_flood;  /* ... unless a client of it failed for more registered
                                domains than this: a DGA flood, the dga detector's */
    int64_t low_ttl_weight;  /* it resolved, and no answer TTL exceeded low_ttl */
    int64_t low_ttl;         /* seconds */
    double lexical_score;    /* the lexical model's per-character score (lexical-model.h) */
    double confidence_step;  /* each point above min_score adds this to the confidence */
} dh_hunt_params_t;

/* The hunt's signals (bits of dh_hunt_verdict_t.signals). */
enum {
    DH_HUNT_RANDOM = 1u << 0,  /* random_label */
    DH_HUNT_LEXICAL = 1u << 1, /* odd_label */
    DH_HUNT_APEX = 1u << 2,    /* apex_only */
    DH_HUNT_DYNDNS = 1u << 3,
    DH_HUNT_NXDOMAIN = 1u << 4,
    DH_HUNT_LOW_TTL = 1u << 5,
};

/* What a domain gathered over the archive, as the judgement reads it. */
typedef struct {
    uint32_t clients;     /* distinct clients (up to the kept maximum) */
    bool clients_more;    /* ... and more than could be kept */
    uint64_t queries;     /* events */
    uint64_t subdomain_queries; /* events for a name below the registered domain */
    uint64_t responses;   /* events with a response (rcode known) */
    uint64_t nxdomain;    /* events answered NXDOMAIN */
    uint64_t answered;    /* events with at least one answer record */
    int64_t max_ttl;      /* largest answer TTL seen, -1: none */
    int label_class;      /* DH_LEX_* of the registered label (UNJUDGED: not judged) */
    double label_score;   /* its lexical score */
    bool dyndns;          /* some name of it is under a dynamic-DNS suffix */
    uint32_t client_nxdomains; /* the most registered domains one of its clients
                                  saw fail NXDOMAIN in the archive */
} dh_hunt_facts_t;

typedef struct {
    bool rare;        /* at most max_clients clients */
    unsigned signals; /* DH_HUNT_* */
    int64_t score;    /* the weights of the signals */
    bool finding;     /* rare and score >= min_score, and no flood */
    bool flood;       /* NXDOMAIN-only, from a client past nxdomain_flood: not a finding */
} dh_hunt_verdict_t;

/* Judge one domain's facts. */
dh_hunt_verdict_t dh_hunt_judge(const dh_hunt_params_t *p, const dh_hunt_facts_t *f);

typedef struct dh_hunt dh_hunt_t;

/* What the hunt borrows from new_domain (all outlive the hunt). */
typedef struct {
    dh_kit_t *kit;                   /* emit, evidence buffer, rule, env */
    const dh_hunt_params_t *p;
    const dh_kit_params_t *thresholds; /* new_domain's (kit's params): the evidence's hunt_* */
    const dh_lexmodel_t *model;
    const dh_lexscore_params_t *lex;
    const dh_strset_t *dyndns;
} dh_hunt_env_t;

/* The hunt's state and its table (in kit->env->state); NULL on failure.
   dh_hunt_free frees it (NULL allowed). */
dh_hunt_t *dh_hunt_new(const dh_hunt_env_t *he);
void dh_hunt_free(dh_hunt_t *h);

/* One event, as new_domain's on_event gets it. */
void dh_hunt_event(dh_hunt_t *h, const dh_event_view_t *view, const dh_verdict_t *v);

/* End of input (after the state was flushed, which judged every domain):
   says how many domains the memory bound evicted unjudged. */
void dh_hunt_finish(dh_hunt_t *h);

#endif
