/*
 * regdom.h - the zone key of a query name: its registered domain (eTLD+1)
 * by the Public Suffix List (libpsl, the newer of its built-in list and
 * Debian's publicsuffix package), behind a fixed-size direct-mapped cache:
 * DNS names repeat a lot and a PSL lookup costs far more than a hash.
 *
 * Names under no suffix the PSL lists (made-up TLDs, internal zones such as
 * corp.lan, a lab's own root) have no registered domain; libpsl's default
 * "*" rule would make one of their last two labels without saying so. Their
 * key is instead the longest configured internal zone they are under plus
 * one label (t.corp.lan for x.t.corp.lan under corp.lan), else their last
 * two labels, and the key says how it was made (dh_zone_source_t, event.h),
 * so a detector windowing "one client x one zone" works the same for them
 * and its finding can say how far to trust the zone's boundary. This is the
 * one place keys are made: every detector reads it from the event.
 *
 * Ownership: the returned string belongs to the cache and is valid until the
 * next dh_regdom_lookup / dh_regdom_key call.
 */
#ifndef DH_REGDOM_H
#define DH_REGDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

typedef struct dh_regdom dh_regdom_t;

/* slots: cache entries (rounded up to a power of two). NULL if libpsl fails. */
dh_regdom_t *dh_regdom_new(size_t slots);
void dh_regdom_free(dh_regdom_t *r);

/* Add an internal zone (a name the PSL does not list, such as corp.lan or
   a lab's root "lab"): ASCII case and leading/trailing dots do not matter.
   -1 when it is no host name (empty, an empty label, a byte no host name
   holds) or the PSL lists it (its names already have a registered domain).
   Clears the cache. */
int dh_regdom_add_internal_zone(dh_regdom_t *r, const char *zone, size_t len);
size_t dh_regdom_internal_zones(const dh_regdom_t *r);

/* The zone key of name (len bytes, any ASCII case, a trailing dot ignored;
   leading labels holding bytes no host name can hold are skipped), lowercase:
     - the registered domain, when a rule of the PSL covers the name's
       suffix (*src = DH_ZONE_PUBLIC_SUFFIX);
     - else the longest internal zone the name is under plus the label left
       of it (DH_ZONE_INTERNAL);
     - else its last two labels (DH_ZONE_LAST_TWO).
   NULL and DH_ZONE_NONE for a single label, a public suffix or an internal
   zone itself, or nothing clean left. src may be NULL. */
const char *dh_regdom_key(dh_regdom_t *r, const char *name, size_t len, dh_zone_source_t *src);
/* How key (lowercase, as dh_regdom_key returned it) was made: keys are
   idempotent, the key of a key is itself, made the same way. DH_ZONE_NONE
   when key is no zone key (x.example.com). Leaves the cache alone, so keys
   taken from it stay valid. */
dh_zone_source_t dh_regdom_key_source(dh_regdom_t *r, const char *key);
/* dh_regdom_key computed into buf instead of the cache, for a caller that
   must not disturb the keys others hold (a detection's domain filled in
   while detectors still read the event's). NULL when there is no key. */
#define DH_REGDOM_BUF 256
const char *dh_regdom_key_into(dh_regdom_t *r, const char *name, size_t len,
                               char buf[DH_REGDOM_BUF]);
/* dh_regdom_key without the source. */
const char *dh_regdom_lookup(dh_regdom_t *r, const char *name, size_t len);

/* true when name (lowercase, len bytes, a trailing dot ignored) is a DNS
   search list's append: a name with a registered domain by the PSL
   ("www.google.com") with more labels after it (a search domain:
   "www.google.com.corp.lan", "www.google.com.ad.example.com"). Asked of
   NXDOMAIN answers, such names are a resolver trying the client's search
   domains, each under the site's zone: many distinct ones look like a
   tunnel's subdomains. The labels after the embedded name must hold the
   name's zone: key and source are the name's (dh_regdom_key), and the zone
   is the registered domain itself (PSL), else the key without its first
   label (corp.lan of t.corp.lan), so "www.google.com" (google is a TLD too)
   is no append of "com". Leaves the cache alone. */
bool dh_regdom_search_append(const dh_regdom_t *r, const char *name, size_t len, const char *key,
                             unsigned source);

typedef struct {
    uint64_t lookups, hits;
} dh_regdom_stats_t;
dh_regdom_stats_t dh_regdom_stats(const dh_regdom_t *r);

/* true when regdom (a registered domain) sits under a suffix of the PSL's
   private section, i.e. a name a platform hands out (d1x7.cloudfront.net,
   a.elb.amazonaws.com, host.duckdns.org) rather than one registered with a
   registry: its label was chosen by the platform or its customer, and its
   look says little about who runs it. */
bool dh_regdom_under_private_suffix(const char *regdom);

#endif
