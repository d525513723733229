/*
 * history.h - the persistent passive-DNS history: one record per registered
 * domain (first seen, last seen, days seen, distinct clients, answers),
 * kept on disk in LMDB under the state directory so that "first contact in
 * the organisation" survives restarts and can be seeded by replaying
 * archives (--learn-only).
 *
 * Event time decides everything: first/last seen are the events' times, the
 * history's coverage ("since") is the oldest event it learned from, and
 * expiry removes domains not seen for expire_days of event time. A replay
 * of the same logs into an empty history gives the same answers as live.
 *
 * Writes are batched: records are read through and updated in a bounded
 * in-memory cache, and the dirty ones are committed in one LMDB write
 * transaction when the cache is half full, every sync_interval of event
 * time, and at close. Only a material change makes a record dirty: its
 * first sighting, an earlier first_us, a new UTC day, a new client or
 * answer address (up to DH_HISTORY_SLOTS), detector marks. A popular domain
 * queried all day is written once a day, not once an event; last_us is
 * therefore exact in memory and at least day-exact on disk. LMDB commits are atomic, so a crash loses at most the
 * last batch, never the database; the file is fsynced at most once a second
 * of wall time (only durability timing, never an answer, depends on it).
 *
 * The bound: o->max_bytes is the LMDB map, and about max_bytes / 512
 * records fit it with room for copy-on-write. Past 80 % of that the least
 * recently seen records (event time) are evicted down to 60 %, in
 * transactions of a slice each; a batch larger than a slice is committed
 * in slices (a crash may then keep part of it). MDB_MAP_FULL all the same:
 * evict to 30 %, retry once, else count write_errors and log once. A data
 * file that is damaged (cut short, not LMDB) is refused at open, or with
 * o->recover moved aside (see dh_history_open): its meta pages and every
 * page of its trees are read and checked with pread before LMDB maps it.
 *
 * One process per state directory: an exclusive lock file refuses a second.
 * Ownership: dh_history_open allocates, dh_history_close commits and frees.
 */
#ifndef DH_HISTORY_H
#define DH_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "log.h"
#include "options.h"

#define DH_HISTORY_SLOTS 8 /* distinct clients / answer addresses counted exactly up to */

enum {
    DH_HIST_NEW_IN_ORG = 1u << 0, /* first contact came after the warm-up: a newly
                                     observed domain, not one the history started with */
    DH_HIST_LIFECYCLE_DONE = 1u << 1, /* the lifecycle check has judged it */
    DH_HIST_FIRST_JUDGED = 1u << 2, /* its first contact's window closed (reported or
                                       not): a replay of that contact is not new */
};

/* One domain's record; stored as is (host byte order, versioned). */
typedef struct {
    uint32_t version;
    uint32_t flags;           /* DH_HIST_* */
    int64_t first_us, last_us; /* event time (last_us: day-exact on disk, see above) */
    uint32_t days_seen;       /* distinct UTC days with queries */
    uint8_t n_clients;        /* distinct clients, up to DH_HISTORY_SLOTS */
    uint8_t n_addrs;          /* distinct answered addresses, up to DH_HISTORY_SLOTS */
    uint8_t risk;             /* detector-owned risk bits set at first contact */
    uint8_t reserved;
    uint32_t client_hash[DH_HISTORY_SLOTS];
    uint32_t addr_hash[DH_HISTORY_SLOTS];
    dh_addr_t first_client;
} dh_history_rec_t;

/* How the history works, apart from its options (dh_history_options_t,
   options.h): fixed by the pipeline (dethost.c), small in tests. */
typedef struct {
    size_t cache_entries;     /* in-memory records (a power of two) */
    int64_t sync_interval_us; /* commit at least this often in event time */
} dh_history_tuning_t;

typedef struct {
    uint64_t lookups, cache_hits, disk_reads, inserted, commits, expired, evicted_full,
        write_errors, entries;
    uint64_t read_errors; /* lookups LMDB failed (a damaged page), logged with the path */
    int64_t since_us; /* oldest event time learned from, INT64_MAX when empty */
    size_t days_with_data; /* UTC days it learned from (history-days.h) */
} dh_history_stats_t;

typedef struct dh_history dh_history_t;

/* Open (or create) the history in o->state_dir (created when missing); a
   private directory removed at close when o->no_state is set or there is
   no state_dir. Records unseen for o->expire_us are removed; o->max_bytes
   is the LMDB map size, the bound on the file (learn_only is not the
   history's: the pipeline reads it). o and t are copied (state_dir is
   borrowed); log (write failures, "[history]"; NULL: plain stderr) is
   borrowed; both must outlive the history. NULL with err, which for a
   damaged data.mdb reads "DIR/data.mdb: damaged history: WHY" (checked with
   pread before LMDB maps it: a file cut short would SIGBUS); with
   o->recover it is renamed data.mdb.corrupt-<UTC time> (lock.mdb too), a
   warning logged and a fresh history opened. */
dh_history_t *dh_history_open(const dh_history_options_t *o, const dh_history_tuning_t *t,
                              dh_log_t *log, char *err, size_t errlen);

/* Commit, close, free (and remove an ephemeral directory). NULL allowed. */
void dh_history_close(dh_history_t *h);

/* Record one event of registered domain `domain` (lowercase, len bytes).
   *before receives the record as it was before this event and *found
   whether there was one. Returns the live record (valid until the next
   call), which the caller may mark (flags, risk). */
dh_history_rec_t *dh_history_observe(dh_history_t *h, const char *domain, size_t len,
                                     const dh_event_t *ev, dh_history_rec_t *before,
                                     bool *found);

/* The caller changed the live record dh_history_observe returned (flags,
   risk): have it written with the next batch. */
void dh_history_changed(dh_history_t *h, dh_history_rec_t *live);

/* Set flags on a known domain's record (committed with the next batch).
   0, or -1 when the domain has no record. */
int dh_history_mark(dh_history_t *h, const char *domain, size_t len, uint32_t flags);

/* Oldest event time the history learned from (its coverage), INT64_MAX when
   empty. */
int64_t dh_history_since(const dh_history_t *h);

/* Its coverage for an event at ts_us: the UTC days with data it learned
   from before that event's day, no more than the expiry (o->expire_us)
   before it. A replay of one old capture gives one day, however old. O(1)
   for the events of one day. */
uint32_t dh_history_days_before(dh_history_t *h, int64_t ts_us);

/* Lifecycle visitor: called for every record during the daily maintenance
   pass (at the first commit of each new UTC day of event time), before
   expiry; it may change *rec (return true to have the change stored). */
typedef bool (*dh_history_visit_fn)(void *ctx, const char *domain, size_t len,
                                    dh_history_rec_t *rec, int64_t now_us);
void dh_history_set_visitor(dh_history_t *h, dh_history_visit_fn fn, void *ctx);

/* Commit the pending batch now (also run by close). 0 or -1. */
int dh_history_sync(dh_history_t *h);

/* Run the daily maintenance now (visitor + expiry) at event time now_us,
   as at end of input. 0 or -1. */
int dh_history_maintain(dh_history_t *h, int64_t now_us);

dh_history_stats_t dh_history_stats(const dh_history_t *h);

#endif
