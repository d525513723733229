/*
 * noise.h - noise control shared by every detector (rules/noise.yaml).
 *
 * Before a detector sees an event, the pipeline asks noise control:
 *  - excluded: names under excluded suffixes (*.arpa, *.local...) and mDNS,
 *    LLMNR and NetBIOS traffic (by server port) are never analysed;
 *  - allowlisted: allowlisted domains/suffixes and client blocks;
 *  - resolver duplicate: a known resolver asking for a name that a client
 *    asked for just before is the recursion of that client's query, which
 *    the log already attributes to the client; it is not counted twice.
 *    A resolver's query with no client query behind it in the log is
 *    analysed as the resolver's own and marked `from_resolver`;
 *  - benign_service: known tunnel-shaped but benign services (DNSBLs, AV
 *    reputation lookups...) are flagged for detectors to skip, and so are
 *    search-list appends (search_appends: an NXDOMAIN name holding a
 *    registered domain before more labels, "www.google.com.corp.lan");
 *  - internal_zones: the site's zones the Public Suffix List does not list
 *    (noise.yaml), handed to the pipeline's zone keys (regdom.h);
 *  - prevalence: how many distinct clients query the registered domain
 *    (kept in the shared memory-bounded state), and whether that makes it
 *    `common`, which raises detector thresholds.
 *
 * Ownership: dh_noise_load allocates, dh_noise_free frees.
 */
#ifndef DH_NOISE_H
#define DH_NOISE_H

#include <stdint.h>

#include "detector.h"
#include "event.h"
#include "state.h"

typedef struct dh_noise dh_noise_t;

typedef enum {
    DH_NOISE_PASS = 0,
    DH_NOISE_EXCLUDED,
    DH_NOISE_ALLOWLISTED,
    DH_NOISE_RESOLVER_DUP,
} dh_noise_result_t;

typedef struct {
    uint64_t excluded, allowlisted, resolver_duplicates, from_resolver, benign_service,
        search_appends;
} dh_noise_stats_t;

/* Load DIR/noise.yaml; tables go into st. NULL with err "FILE:LINE: ...". */
dh_noise_t *dh_noise_load(const char *rules_dir, dh_state_t *st, char *err, size_t errlen);
void dh_noise_free(dh_noise_t *n);

/* The run's zone keys (borrowed, outliving n): needed to tell search-list
   appends; without them none is. */
struct dh_regdom;
void dh_noise_set_regdom(dh_noise_t *n, const struct dh_regdom *r);

/* One internal_zones entry: the zone as written and where ("FILE:LINE"). */
typedef struct {
    char *name;
    char where[300];
} dh_noise_zone_t;

/* Only DIR/noise.yaml's internal_zones (no state, the rest unchecked): for
   runs without detectors (--emit events), whose zone keys must be the
   detectors'. An empty set when the file is absent; NULL with err when it
   does not parse. Free with dh_noise_free. */
dh_noise_t *dh_noise_load_zones(const char *rules_dir, char *err, size_t errlen);

/* Entry i of internal_zones (file order), NULL past the last. */
const dh_noise_zone_t *dh_noise_internal_zone(const dh_noise_t *n, size_t i);

/* Add a known resolver (address or CIDR); -1 when it does not parse. */
int dh_noise_add_resolver(dh_noise_t *n, const char *addr);

/* Judge one event; fills v when the result is DH_NOISE_PASS (for
   DH_NOISE_EXCLUDED only from_resolver is set: detectors that look at
   special-use names themselves, such as reverse-lookup sweeps, get those). */
dh_noise_result_t dh_noise_check(dh_noise_t *n, const dh_event_t *ev, dh_verdict_t *v);

dh_noise_stats_t dh_noise_stats(const dh_noise_t *n);

#endif
