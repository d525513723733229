/*
 * history.c - the passive-DNS history in LMDB (see history.h).
 *
 * Layout: one LMDB environment in the state directory with two named
 * databases: "domains" (registered domain -> dh_history_rec_t) and "meta"
 * ("version", "since"). A read transaction stays open between commits and
 * is renewed after each one; the write transaction lives only for a commit
 * or a maintenance pass, so the single-writer rule of LMDB is never held
 * while events are processed.
 */
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "history-check.h"
#include "history-days.h"
#include "sketch.h"
#include "util-ip.h"
#include "util-mem.h"

#define REC_VERSION 1
#define KEY_MAX 255
#define DAY_US (86400LL * 1000000)

typedef struct {
    uint64_t hash;
    uint32_t key_off; /* in the cache's key arena */
    uint16_t keylen;
    uint8_t used, dirty;
    uint8_t fresh; /* not on disk when read: writing it adds a record */
    dh_history_rec_t rec;
} entry_t;

struct dh_history {
    dh_history_options_t o;
    dh_history_tuning_t tune;
    dh_log_t *log;
    bool ephemeral;
    char dir[4096];
    int lock_fd;
    MDB_env *env;
    MDB_dbi domains, meta;
    MDB_txn *rtxn;
    entry_t *cache;
    size_t cap, used, dirty;
    char *keys;           /* arena of the cached keys, emptied with the cache */
    size_t keys_len, keys_cap;
    size_t max_entries;   /* records the map holds with room to spare */
    uint32_t *dirty_list; /* cache indexes of the dirty entries, `dirty` of them */
    bool meta_dirty;
    int64_t since_us;
    dh_days_t days;        /* the UTC days learned from (history-days.h), meta "days" */
    int64_t last_sync_ts;  /* event time of the last commit */
    int64_t maint_day;     /* UTC day of the last maintenance pass */
    int64_t max_ts;
    struct timespec last_fsync;
    dh_history_visit_fn visit;
    void *visit_ctx;
    dh_history_stats_t st;
};

static int64_t day_of(int64_t ts_us)
{
    return ts_us >= 0 ? ts_us / DAY_US : -((-ts_us + DAY_US - 1) / DAY_US);
}

static int fail(char *err, size_t errlen, const char *dir, const char *what, int rc)
{
    snprintf(err, errlen, "state dir %s: %s: %s", dir, what,
             rc > 0 ? strerror(rc) : mdb_strerror(rc));
    return -1;
}

/* ---- open / close ------------------------------------------------- */

static int make_dir(dh_history_t *h, char *err, size_t errlen)
{
    if (h->ephemeral) {
        const char *tmp = getenv("TMPDIR");
        snprintf(h->dir, sizeof(h->dir), "%s/dnshound-state.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(h->dir))
            return fail(err, errlen, h->dir, "cannot create", errno);
        return 0;
    }
    snprintf(h->dir, sizeof(h->dir), "%s", h->o.state_dir);
    if (mkdir(h->dir, 0750) != 0 && errno != EEXIST)
        return fail(err, errlen, h->dir, "cannot create", errno);
    return 0;
}

/* One process per state directory: two writers would each cache records
   the other changes. */
static int take_lock(dh_history_t *h, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/dnshound.lock", h->dir);
    h->lock_fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0640);
    if (h->lock_fd < 0)
        return fail(err, errlen, h->dir, "cannot open dnshound.lock", errno);
    if (flock(h->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "state dir %s is in use by another dnshound (dnshound.lock)", h->dir);
        return -1;
    }
    return 0;
}

static int get_meta(dh_history_t *h, MDB_txn *txn, const char *name, int64_t *out)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, h->meta, &k, &v);
    if (rc == 0 && v.mv_size == sizeof(int64_t))
        memcpy(out, v.mv_data, sizeof(int64_t));
    return rc;
}

static int put_meta(dh_history_t *h, MDB_txn *txn, const char *name, int64_t val)
{
    MDB_val k = {strlen(name), (void *)name}, v = {sizeof(val), &val};
    return mdb_put(txn, h->meta, &k, &v, 0);
}

/* The days learned from: 0, MDB_NOTFOUND (a history from before they were
   kept: its coverage starts again, logged), or an LMDB error. */
static int load_days(dh_history_t *h, MDB_txn *txn)
{
    MDB_val k = {4, "days"}, v;
    int rc = mdb_get(txn, h->meta, &k, &v);
    if (rc == 0 && dh_days_load(&h->days, v.mv_data, v.mv_size) != 0)
        rc = MDB_NOTFOUND;
    if (rc == MDB_NOTFOUND && h->since_us != INT64_MAX)
        dh_log(h->log, DH_LOG_WARN, "history", NULL, "%s: no record of the days learned from: "
               "the warm-up of new_domain starts again", h->dir);
    return rc;
}

/* 0, -1 with err (a history format this dnshound does not read), or an
   LMDB error for the caller to judge. */
static int open_dbs(dh_history_t *h, char *err, size_t errlen)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(h->env, NULL, 0, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_dbi_open(txn, "domains", MDB_CREATE, &h->domains)) ||
        (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &h->meta))) {
        mdb_txn_abort(txn);
        return rc;
    }
    int64_t version = REC_VERSION;
    rc = get_meta(h, txn, "version", &version);
    if (rc == 0 && version != REC_VERSION) {
        mdb_txn_abort(txn);
        snprintf(err, errlen, "state dir %s: history format %lld, this dnshound reads %d",
                 h->dir, (long long)version, REC_VERSION);
        return -1;
    }
    if (rc == MDB_NOTFOUND)
        rc = put_meta(h, txn, "version", REC_VERSION);
    int src = get_meta(h, txn, "since", &h->since_us);
    if (rc == 0 && src != MDB_NOTFOUND)
        rc = src;
    if (rc == 0 && (src = load_days(h, txn)) != MDB_NOTFOUND)
        rc = src;
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

/* LMDB's own verdicts on a damaged file (anything else is not damage). */
static bool is_damage(int rc)
{
    return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
           rc == MDB_VERSION_MISMATCH;
}

/* --state-recover: move data.mdb and lock.mdb aside as
   *.corrupt-<UTC timestamp> (wall time: it names a file, never an answer). */
static int move_aside(dh_history_t *h, const char *why, char *err, size_t errlen)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    for (size_t i = 0; i < 2; i++) {
        char from[4200], to[4300];
        snprintf(from, sizeof(from), "%s/%s", h->dir, files[i]);
        snprintf(to, sizeof(to), "%s.corrupt-%s", from, stamp);
        if (rename(from, to) != 0 && errno != ENOENT)
            return fail(err, errlen, h->dir, "cannot move the damaged history aside", errno);
        if (i == 0)
            dh_log(h->log, DH_LOG_WARN, "history", NULL,
                   "%s is damaged (%s): moved to %s, starting a fresh history", from, why, to);
    }
    return 0;
}

static void env_close(dh_history_t *h)
{
    if (h->env)
        mdb_env_close(h->env);
    h->env = NULL;
}

/* LMDB's own view, once mapped and before any page beyond the meta pages
   is read: the file holds every page its newest meta page counts. */
static bool mapped_pages_exist(dh_history_t *h, char *why, size_t whylen)
{
    MDB_envinfo info;
    MDB_stat st;
    struct stat fs;
    char path[4200];
    snprintf(path, sizeof(path), "%s/data.mdb", h->dir);
    if (mdb_env_info(h->env, &info) || mdb_env_stat(h->env, &st) || stat(path, &fs))
        return true; /* nothing to judge by: the pread checks stand */
    uint64_t need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    if ((uint64_t)fs.st_size >= need)
        return true;
    snprintf(why, whylen, "cut short: %lld bytes, LMDB counts %llu pages of %u",
             (long long)fs.st_size, (unsigned long long)info.me_last_pgno + 1, st.ms_psize);
    return false;
}

/* Map the environment and open its databases: 0, -1 (err set), or 1 when
   the file is damaged (why set). */
static int try_open(dh_history_t *h, char *why, size_t whylen, char *err, size_t errlen)
{
    int crc = dh_lmdb_check_data_file(h->dir, why, whylen);
    if (crc == DH_LMDB_CHECK_IO_FAILED) {
        snprintf(err, errlen, "%s/data.mdb: %s", h->dir, why);
        return -1;
    }
    if (crc)
        return 1;
    int rc;
    if ((rc = mdb_env_create(&h->env)) || (rc = mdb_env_set_maxdbs(h->env, 2)) ||
        (rc = mdb_env_set_mapsize(h->env, h->o.max_bytes)))
        return fail(err, errlen, h->dir, "lmdb", rc);
    /* NOSYNC: commits reach the page cache (a process crash loses nothing
       committed); fsync runs at most once a second and at close. */
    rc = mdb_env_open(h->env, h->dir, MDB_NOSYNC | MDB_NOTLS, 0640);
    if (rc == 0 && !mapped_pages_exist(h, why, whylen))
        return 1;
    if (rc == 0)
        rc = open_dbs(h, err, errlen);
    if (is_damage(rc)) {
        snprintf(why, whylen, "%s", mdb_strerror(rc));
        return 1;
    }
    return rc == 0 ? 0 : rc == -1 ? -1 : fail(err, errlen, h->dir, "open", rc);
}

/* Validate, map and initialise. A damaged file is an error (exit 2), or
   with o->recover is moved aside once and a fresh history started. */
static int open_env(dh_history_t *h, char *err, size_t errlen)
{
    char why[256];
    int rc = try_open(h, why, sizeof(why), err, errlen);
    if (rc == 1 && h->o.recover) {
        env_close(h);
        h->since_us = INT64_MAX;
        dh_days_free(&h->days);
        dh_days_init(&h->days);
        if (move_aside(h, why, err, errlen))
            return -1;
        rc = try_open(h, why, sizeof(why), err, errlen);
    }
    if (rc == 1)
        snprintf(err, errlen, "%s/data.mdb: damaged history: %s (--state-recover moves it "
                 "aside and starts afresh)", h->dir, why);
    return rc == 0 ? 0 : -1;
}

dh_history_t *dh_history_open(const dh_history_options_t *o, const dh_history_tuning_t *t,
                              dh_log_t *log, char *err, size_t errlen)
{
    dh_history_t *h = dh_calloc(1, sizeof(*h));
    h->o = *o;
    h->tune = *t;
    h->log = log;
    h->ephemeral = o->no_state || !o->state_dir;
    h->lock_fd = -1;
    h->since_us = INT64_MAX;
    dh_days_init(&h->days);
    h->last_sync_ts = INT64_MIN;
    h->maint_day = INT64_MIN;
    h->max_ts = INT64_MIN;
    h->st.since_us = INT64_MAX;
    /* about 160 bytes a record in the B-tree, with half the map left for
       copy-on-write pages and fill slack */
    h->max_entries = o->max_bytes / 512;
    h->cap = 64;
    while (h->cap < t->cache_entries)
        h->cap *= 2;
    int rc;
    if (make_dir(h, err, errlen) || take_lock(h, err, errlen) || open_env(h, err, errlen))
        goto failed;
    if ((rc = mdb_txn_begin(h->env, NULL, MDB_RDONLY, &h->rtxn))) {
        fail(err, errlen, h->dir, "read transaction", rc);
        goto failed;
    }
    h->cache = dh_calloc(h->cap, sizeof(entry_t));
    h->dirty_list = dh_calloc(h->cap, sizeof(uint32_t));
    clock_gettime(CLOCK_MONOTONIC, &h->last_fsync);
    return h;
failed:
    dh_history_close(h);
    return NULL;
}

static void remove_dir(const char *dir)
{
    static const char *const files[] = {"data.mdb", "lock.mdb", "dnshound.lock"};
    char path[4200];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

void dh_history_close(dh_history_t *h)
{
    if (!h)
        return;
    if (h->env && h->cache) {
        if (dh_history_sync(h) != 0)
            dh_log(h->log, DH_LOG_ERROR, "history", NULL,
                   "state dir %s: last history batch not written", h->dir);
        mdb_env_sync(h->env, 1);
    }
    if (h->rtxn)
        mdb_txn_abort(h->rtxn);
    if (h->env)
        mdb_env_close(h->env);
    if (h->lock_fd >= 0)
        close(h->lock_fd);
    if (h->ephemeral && h->dir[0])
        remove_dir(h->dir);
    free(h->cache);
    free(h->keys);
    free(h->dirty_list);
    dh_days_free(&h->days);
    free(h);
}

/* ---- the cache ------------------------------------------------------ */

static const char *key_of(const dh_history_t *h, const entry_t *e)
{
    return h->keys + e->key_off;
}

static entry_t *cache_slot(dh_history_t *h, const char *key, size_t len, uint64_t hash)
{
    size_t i = hash & (h->cap - 1);
    for (;;) {
        entry_t *e = &h->cache[i];
        if (!e->used ||
            (e->hash == hash && e->keylen == len && memcmp(key_of(h, e), key, len) == 0))
            return e;
        i = (i + 1) & (h->cap - 1);
    }
}

static uint32_t keep_key(dh_history_t *h, const char *key, size_t len)
{
    if (h->keys_len + len > h->keys_cap) {
        h->keys_cap = (h->keys_cap + len) * 2;
        h->keys = dh_realloc(h->keys, h->keys_cap);
    }
    memcpy(h->keys + h->keys_len, key, len);
    h->keys_len += len;
    return (uint32_t)(h->keys_len - len);
}

/* Only after a commit: dirty entries would be lost. */
static void cache_clear(dh_history_t *h)
{
    for (size_t i = 0; i < h->cap; i++)
        h->cache[i].used = 0;
    h->used = h->dirty = 0;
    h->keys_len = 0;
}

/* LMDB values need not be aligned for dh_history_rec_t: read them with
   memcpy only. */
static bool valid_record(const MDB_val *v)
{
    uint32_t version;
    if (v->mv_size != sizeof(dh_history_rec_t))
        return false;
    memcpy(&version, v->mv_data, sizeof(version));
    return version == REC_VERSION;
}

static int64_t last_seen_of(const MDB_val *v)
{
    int64_t last;
    memcpy(&last, (const char *)v->mv_data + offsetof(dh_history_rec_t, last_us), sizeof(last));
    return last;
}

/* Read a record from disk into e->rec; false when the domain is unknown. */
static bool load(dh_history_t *h, entry_t *e)
{
    MDB_val k = {e->keylen, (void *)key_of(h, e)}, v;
    h->st.disk_reads++;
    int rc = mdb_get(h->rtxn, h->domains, &k, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        h->st.read_errors++;
        dh_log(h->log, DH_LOG_ERROR, "history", NULL, "%s/data.mdb: history lookup failed: %s",
               h->dir, mdb_strerror(rc));
    }
    if (rc != 0 || !valid_record(&v))
        return false;
    memcpy(&e->rec, v.mv_data, sizeof(e->rec));
    return true;
}

/* ---- commits ----------------------------------------------------- */

static void maybe_fsync(dh_history_t *h)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - h->last_fsync.tv_sec >= 1) {
        mdb_env_sync(h->env, 1);
        h->last_fsync = now;
    }
}

/* Write dirty records [from, from + n) and, with the last slice, "since". */
static int put_dirty(dh_history_t *h, MDB_txn *txn, size_t from, size_t n, bool last)
{
    for (size_t i = from; i < from + n; i++) {
        entry_t *e = &h->cache[h->dirty_list[i]];
        MDB_val k = {e->keylen, (void *)key_of(h, e)}, v = {sizeof(e->rec), &e->rec};
        int rc = mdb_put(txn, h->domains, &k, &v, 0);
        if (rc)
            return rc;
    }
    if (!last || h->since_us == INT64_MAX)
        return 0;
    size_t len;
    const void *days = dh_days_bytes(&h->days, &len);
    MDB_val k = {4, "days"}, v = {len, (void *)days};
    int rc = put_meta(h, txn, "since", h->since_us);
    return rc ? rc : mdb_put(txn, h->meta, &k, &v, 0);
}

static int evict_to(dh_history_t *h, uint64_t keep, uint64_t *left);

static int commit_slice(dh_history_t *h, size_t from, size_t n, bool last)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(h->env, NULL, 0, &txn);
    if (rc == 0 && (rc = put_dirty(h, txn, from, n, last)) == 0)
        rc = mdb_txn_commit(txn);
    else if (rc != 0 && txn)
        mdb_txn_abort(txn);
    return rc;
}

/* A write LMDB refused: counted (history.write_errors), logged once, so
   that a full map under churn is never silent yet never floods stderr. */
static void write_failed(dh_history_t *h, const char *what, int rc)
{
    if (h->st.write_errors++ == 0)
        dh_log(h->log, DH_LOG_ERROR, "history", NULL,
               "state dir %s: history %s failed: %s (logged once; --stats "
               "history.write_errors counts every failure)",
               h->dir, what, mdb_strerror(rc));
}

/* Keep the history ahead of its bound: when the records after this batch
   would pass HIGH_PCT of max_entries, the least recently seen go first, down
   to LOW_PCT with the batch included. LMDB copies every page it changes, so
   a map allowed to fill could not even run the deletes that free it. */
#define HIGH_PCT 80
#define LOW_PCT 60
#define HARD_PCT 30 /* after MDB_MAP_FULL all the same: evict harder, retry once */

/* Before writing n records onto *entries: evict down to pct of the bound,
   the n included, when they would pass HIGH_PCT (always when pct is
   HARD_PCT). */
static int make_room(dh_history_t *h, uint64_t *entries, size_t n, unsigned pct)
{
    uint64_t high = h->max_entries * HIGH_PCT / 100, low = h->max_entries * pct / 100;
    if (pct != HARD_PCT && *entries + n <= high)
        return 0;
    int rc = evict_to(h, low > n ? low - n : 0, entries);
    if (rc == 0)
        h->st.evicted_full++;
    return rc;
}

/* The batch goes in slices of at most an eighth of the bound: each
   transaction copies only the pages its slice touches, and eviction runs
   between slices, so a batch larger than the map still fits (a crash may
   then keep part of the last batch: every commit is whole). */
static size_t fresh_in(const dh_history_t *h, size_t from, size_t n)
{
    size_t fresh = 0;
    for (size_t i = from; i < from + n; i++)
        fresh += h->cache[h->dirty_list[i]].fresh;
    return fresh;
}

static int write_batch(dh_history_t *h, uint64_t entries)
{
    size_t slice = h->max_entries / 8 > 64 ? h->max_entries / 8 : 64;
    int failed = 0;
    size_t from = 0;
    do {
        size_t n = h->dirty - from < slice ? h->dirty - from : slice;
        size_t added = fresh_in(h, from, n); /* updates need no room */
        bool last = from + n == h->dirty;
        int rc = make_room(h, &entries, added, LOW_PCT);
        if (rc == 0)
            rc = commit_slice(h, from, n, last);
        if (rc == MDB_MAP_FULL && make_room(h, &entries, n, HARD_PCT) == 0)
            rc = commit_slice(h, from, n, last);
        if (rc) {
            write_failed(h, "commit", rc);
            failed = rc;
        }
        entries += added;
        from += n;
    } while (from < h->dirty);
    return failed;
}

int dh_history_sync(dh_history_t *h)
{
    if (!h->dirty && !h->meta_dirty)
        return 0;
    MDB_stat ms;
    uint64_t entries = mdb_stat(h->rtxn, h->domains, &ms) == 0 ? ms.ms_entries : 0;
    mdb_txn_reset(h->rtxn);
    int rc = write_batch(h, entries);
    int rrc = mdb_txn_renew(h->rtxn);
    if (rrc) { /* without a read transaction no lookup can work: stop reading */
        write_failed(h, "read transaction", rrc);
        return -1;
    }
    /* a slice LMDB refused is not retried (a full or failing disk would
       keep the cache full of dirty records): it is counted in write_errors
       and dropped, and the sync is not a commit */
    h->st.commits += rc == 0;
    for (size_t i = 0; i < h->dirty; i++)
        h->cache[h->dirty_list[i]].dirty = h->cache[h->dirty_list[i]].fresh = 0;
    h->dirty = 0;
    h->meta_dirty = false;
    maybe_fsync(h);
    return rc ? -1 : 0;
}

/* ---- maintenance: lifecycle visitor and expiry ------------------- */

static int maintain_txn(dh_history_t *h, MDB_txn *txn, int64_t now_us)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(txn, h->domains, &c);
    if (rc)
        return rc;
    MDB_val k, v;
    int op = MDB_FIRST;
    while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        dh_history_rec_t rec;
        if (!valid_record(&v)) {
            rc = mdb_cursor_del(c, 0);
        } else {
            memcpy(&rec, v.mv_data, sizeof(rec));
            if (rec.last_us < now_us - h->o.expire_us) {
                h->st.expired++;
                rc = mdb_cursor_del(c, 0);
            } else if (h->visit && h->visit(h->visit_ctx, k.mv_data, k.mv_size, &rec, now_us)) {
                MDB_val nv = {sizeof(rec), &rec};
                rc = mdb_cursor_put(c, &k, &nv, MDB_CURRENT);
            }
        }
        if (rc)
            break;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int dh_history_maintain(dh_history_t *h, int64_t now_us)
{
    if (dh_history_sync(h) != 0)
        return -1;
    mdb_txn_reset(h->rtxn);
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(h->env, NULL, 0, &txn);
    if (rc == 0) {
        rc = maintain_txn(h, txn, now_us);
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
    }
    int rrc = mdb_txn_renew(h->rtxn);
    cache_clear(h); /* records changed on disk */
    h->maint_day = day_of(now_us);
    if (rc || rrc) {
        write_failed(h, "maintenance", rc ? rc : rrc);
        return -1;
    }
    return 0;
}

/* ---- eviction: the least recently seen first -------------------- */

#define AGE_BUCKETS 65536

/* Where the records' last sightings lie: their range, then a histogram of
   AGE_BUCKETS equal slices of it. Invalid records count as the oldest. */
typedef struct {
    int64_t min, max;
    uint64_t width, total;
    uint64_t *hist;
} ages_t;

/* An invalid record (INT64_MIN) goes first, into bucket 0, and is left out
   of the span, which would otherwise stretch every bucket over decades. */
static int64_t age_key(const MDB_val *v)
{
    return valid_record(v) ? last_seen_of(v) : INT64_MIN;
}

static size_t bucket_of(const ages_t *a, int64_t last)
{
    if (last <= a->min)
        return 0;
    return (size_t)(((uint64_t)last - (uint64_t)a->min) / a->width);
}

static int scan_ages(dh_history_t *h, ages_t *a)
{
    MDB_txn *txn;
    MDB_cursor *c;
    int rc = mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(txn, h->domains, &c)) == 0) {
        MDB_val k, v;
        a->min = INT64_MAX;
        a->max = INT64_MIN;
        a->total = 0;
        for (int op = MDB_FIRST; mdb_cursor_get(c, &k, &v, op) == 0; op = MDB_NEXT) {
            int64_t last = age_key(&v);
            a->total++;
            if (last == INT64_MIN)
                continue;
            a->min = last < a->min ? last : a->min;
            a->max = last > a->max ? last : a->max;
        }
        if (a->min > a->max) /* no valid record */
            a->min = a->max = 0;
        a->width = ((uint64_t)a->max - (uint64_t)a->min) / AGE_BUCKETS + 1;
        for (int op = MDB_FIRST; mdb_cursor_get(c, &k, &v, op) == 0; op = MDB_NEXT)
            a->hist[bucket_of(a, age_key(&v))]++;
        mdb_cursor_close(c);
    }
    mdb_txn_abort(txn);
    return rc;
}

/* Delete every record of the buckets before `cut` and the first `in_cut`
   (in key order) of bucket `cut`, committing every `slice` deletes: each
   transaction copies only the pages its deletes touch, so eviction needs a
   slice of the map, never the whole tree's worth. */
static int delete_oldest(dh_history_t *h, const ages_t *a, size_t cut, uint64_t in_cut,
                         uint64_t slice)
{
    MDB_txn *txn = NULL;
    MDB_cursor *c = NULL;
    char resume[KEY_MAX];
    MDB_val k = {0, NULL}, v;
    uint64_t in_txn = 0, taken = 0;
    int op = MDB_FIRST;
    int rc = mdb_txn_begin(h->env, NULL, 0, &txn);
    if (rc == 0)
        rc = mdb_cursor_open(txn, h->domains, &c);
    while (rc == 0 && (rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        size_t b = bucket_of(a, age_key(&v));
        if (b > cut || (b == cut && taken >= in_cut))
            continue;
        taken += b == cut;
        size_t len = k.mv_size < KEY_MAX ? k.mv_size : KEY_MAX;
        memcpy(resume, k.mv_data, len);
        if ((rc = mdb_cursor_del(c, 0)) != 0 || ++in_txn < slice)
            continue;
        mdb_cursor_close(c);
        c = NULL;
        rc = mdb_txn_commit(txn);
        txn = NULL;
        if (rc == 0 && (rc = mdb_txn_begin(h->env, NULL, 0, &txn)) == 0)
            rc = mdb_cursor_open(txn, h->domains, &c);
        k.mv_data = resume; /* go on after the last key deleted */
        k.mv_size = len;
        op = MDB_SET_RANGE;
        in_txn = 0;
    }
    if (c)
        mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (txn && rc == 0)
        return mdb_txn_commit(txn);
    if (txn)
        mdb_txn_abort(txn);
    return rc;
}

/* Remove the least recently seen records (by last sighting in event time,
   ties in key order) until at most `keep` remain (*left: how many). 0 or
   an LMDB error. */
static int evict_to(dh_history_t *h, uint64_t keep, uint64_t *left)
{
    ages_t a = {.hist = dh_calloc(AGE_BUCKETS, sizeof(uint64_t))};
    int rc = scan_ages(h, &a);
    if (rc == 0)
        *left = a.total < keep ? a.total : keep;
    if (rc == 0 && a.total > keep) {
        uint64_t drop = a.total - keep, before = 0;
        size_t cut = 0;
        while (before + a.hist[cut] < drop)
            before += a.hist[cut++];
        MDB_envinfo info;
        MDB_stat st;
        uint64_t pages = mdb_env_info(h->env, &info) == 0 && mdb_env_stat(h->env, &st) == 0
                             ? info.me_mapsize / st.ms_psize
                             : 256;
        uint64_t slice = pages / 16 > 64 ? pages / 16 : 64;
        rc = delete_oldest(h, &a, cut, drop - before, slice);
    }
    free(a.hist);
    return rc;
}

/* ---- observing events ------------------------------------------- */

/* true when the slots got a new member */
static bool add_hash(uint32_t *slots, uint8_t *n, uint32_t hash)
{
    for (uint8_t i = 0; i < *n; i++)
        if (slots[i] == hash)
            return false;
    if (*n >= DH_HISTORY_SLOTS)
        return false;
    slots[(*n)++] = hash;
    return true;
}

static bool add_answers(dh_history_rec_t *r, const dh_event_t *ev)
{
    bool added = false;
    for (uint32_t i = 0; i < ev->n_answers && r->n_addrs < DH_HISTORY_SLOTS; i++) {
        const dh_answer_t *a = &ev->answers[i];
        dh_addr_t addr;
        if (a->data && (a->rrtype == 1 || a->rrtype == 28 || a->rrtype < 0) &&
            dh_event_answer_addr(ev, i, &addr))
            added |= add_hash(r->addr_hash, &r->n_addrs, (uint32_t)dh_hash64(&addr, sizeof(addr)));
    }
    return added;
}

/* Apply one event; true when the record changed materially (see history.h). */
static bool update(dh_history_rec_t *r, const dh_event_t *ev, bool found)
{
    bool material = !found;
    if (!found) {
        memset(r, 0, sizeof(*r));
        r->version = REC_VERSION;
        r->first_us = r->last_us = ev->ts_us;
        r->first_client = ev->client;
        r->days_seen = 1;
    } else if (day_of(ev->ts_us) > day_of(r->last_us)) {
        r->days_seen++;
        material = true;
    }
    if (ev->ts_us < r->first_us) {
        r->first_us = ev->ts_us;
        material = true;
    }
    if (ev->ts_us > r->last_us)
        r->last_us = ev->ts_us;
    if (ev->client.family != DH_AF_UNSET)
        material |= add_hash(r->client_hash, &r->n_clients,
                             (uint32_t)dh_hash64(&ev->client, sizeof(ev->client)));
    material |= add_answers(r, ev);
    return material;
}

/* Commit when the cache is half full or sync_interval of event time has
   passed; run maintenance at the first commit of a new day. */
static void maybe_commit(dh_history_t *h, int64_t ts)
{
    if (ts > h->max_ts)
        h->max_ts = ts;
    if (h->maint_day == INT64_MIN)
        h->maint_day = day_of(ts);
    if (h->last_sync_ts == INT64_MIN)
        h->last_sync_ts = ts;
    bool due = ts - h->last_sync_ts >= h->tune.sync_interval_us;
    if (h->used * 2 < h->cap && !due)
        return;
    h->last_sync_ts = ts;
    if (day_of(h->max_ts) > h->maint_day)
        dh_history_maintain(h, h->max_ts);
    else
        dh_history_sync(h);
    if (h->used * 2 >= h->cap)
        cache_clear(h);
}

/* The cache entry of domain, read from disk on a miss (found false and a
   zeroed record when the domain is unknown). NULL when the cache is full:
   observe keeps it at most half full, but marks made between events (as
   windows close) may add entries, and the table must keep a free slot. */
static entry_t *fetch(dh_history_t *h, const char *domain, size_t len, bool *found)
{
    h->st.lookups++;
    uint64_t hash = dh_hash64(domain, len);
    entry_t *e = cache_slot(h, domain, len, hash);
    if (e->used) {
        h->st.cache_hits++;
        *found = e->rec.version == REC_VERSION;
        return e;
    }
    *found = false;
    if ((h->used + 2) * 4 > h->cap * 3) {
        h->st.write_errors++; /* counted: a mark (or a record) that could not be kept */
        return NULL;
    }
    e->used = 1;
    e->hash = hash;
    e->keylen = (uint16_t)len;
    e->key_off = keep_key(h, domain, len);
    e->dirty = 0;
    memset(&e->rec, 0, sizeof(e->rec));
    h->used++;
    *found = load(h, e);
    e->fresh = !*found;
    return e;
}

static void mark_dirty(dh_history_t *h, entry_t *e)
{
    if (!e->dirty) {
        e->dirty = 1;
        h->dirty_list[h->dirty++] = (uint32_t)(e - h->cache);
    }
}

dh_history_rec_t *dh_history_observe(dh_history_t *h, const char *domain, size_t len,
                                     const dh_event_t *ev, dh_history_rec_t *before,
                                     bool *found)
{
    *found = false;
    if (len == 0 || len > KEY_MAX)
        return NULL;
    maybe_commit(h, ev->ts_us);
    entry_t *e = fetch(h, domain, len, found);
    if (!e)
        return NULL;
    if (*found)
        *before = e->rec;
    else
        h->st.inserted++;
    if (update(&e->rec, ev, *found))
        mark_dirty(h, e);
    /* the day counts ride along with any commit; a new day or an older
       "since" is a reason for one */
    if (dh_days_add(&h->days, ev->ts_us))
        h->meta_dirty = true;
    if (ev->ts_us < h->since_us) {
        h->since_us = ev->ts_us;
        h->meta_dirty = true;
    }
    return &e->rec;
}

void dh_history_changed(dh_history_t *h, dh_history_rec_t *live)
{
    entry_t *e = (entry_t *)((char *)live - offsetof(entry_t, rec));
    mark_dirty(h, e);
}

int dh_history_mark(dh_history_t *h, const char *domain, size_t len, uint32_t flags)
{
    bool found;
    if (len == 0 || len > KEY_MAX)
        return -1;
    entry_t *e = fetch(h, domain, len, &found);
    if (!e)
        return -1;
    if (!found) {
        e->used = 0; /* not a record: leave no empty entry behind */
        h->used--;
        return -1;
    }
    if ((e->rec.flags & flags) != flags) {
        e->rec.flags |= flags;
        mark_dirty(h, e);
    }
    return 0;
}

int64_t dh_history_since(const dh_history_t *h)
{
    return h->since_us;
}

uint32_t dh_history_days_before(dh_history_t *h, int64_t ts_us)
{
    int64_t horizon = h->o.expire_us > 0 ? (h->o.expire_us + DAY_US - 1) / DAY_US : 0;
    return dh_days_before(&h->days, ts_us, horizon > INT32_MAX ? 0 : (int32_t)horizon);
}

void dh_history_set_visitor(dh_history_t *h, dh_history_visit_fn fn, void *ctx)
{
    h->visit = fn;
    h->visit_ctx = ctx;
}

dh_history_stats_t dh_history_stats(const dh_history_t *h)
{
    dh_history_stats_t s = h->st;
    s.since_us = h->since_us;
    s.days_with_data = h->days.n;
    MDB_stat ms;
    if (h->rtxn && mdb_stat(h->rtxn, h->domains, &ms) == 0)
        s.entries = ms.ms_entries;
    return s;
}
