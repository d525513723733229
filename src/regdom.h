/*
 * regdom.h - registered domain (eTLD+1) of a query name, by the Public Suffix
 * List (libpsl, the newer of its built-in list and Debian's publicsuffix
 * package), behind a fixed-size direct-mapped cache: DNS names repeat a lot
 * and a PSL lookup costs far more than a hash.
 *
 * Ownership: the returned string belongs to the cache and is valid until the
 * next dh_regdom_lookup call.
 */
#ifndef DH_REGDOM_H
#define DH_REGDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dh_regdom dh_regdom_t;

/* slots: cache entries (rounded up to a power of two). NULL if libpsl fails. */
dh_regdom_t *dh_regdom_new(size_t slots);
void dh_regdom_free(dh_regdom_t *r);

/* name: lowercase query name, len bytes (a trailing dot is ignored). Returns
   the registered domain or NULL (single label, a public suffix itself, bytes
   that cannot be in a host name). */
const char *dh_regdom_lookup(dh_regdom_t *r, const char *name, size_t len);

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
