/*
 * dns-beacon.c - regular query timing: C2 beacons over DNS (T1071.004, DET0400).
 *
 * An implant that sleeps and checks in queries its C2 name (or a fresh
 * subdomain of its C2 domain) at a near-constant interval, with some jitter,
 * all day long; a person's lookups come in bursts. This is RITA's beacon
 * analysis adapted to DNS logs alone. Two keyed tables in event time (one
 * window, 24 h by default): client x query name, and client x registered
 * domain (a beacon that rotates subdomains is only regular per domain). Per
 * key, the intervals between the most recent RING+1 check-ins are kept (1 s
 * resolution, 2 bytes each; with the series below a key costs about 660 bytes; queries less
 * than burst_gap seconds after the key's previous query - an A+AAAA pair,
 * retries, a burst of tasking - belong to the same check-in), plus a
 * histogram of check-ins over the window (BINS bins) and counters. Common
 * domains and benign services create no state, and a key's first check-in
 * only a slot in a fixed-size, direct-mapped gate (most names are looked up
 * once in a window, and allocating for each would make the state as large
 * as the traffic): the full entry is created at the second check-in. A slot
 * overwritten by another key before its second check-in only delays that
 * key by one check-in.
 *
 * When a window closes, a key with >= min_timestamps check-ins is scored on
 * those intervals (RITA: at least 4 timestamps):
 *
 *   ts         (1 - |Bowley skew| + 1 - MAD/median) / 2, RITA's tsScore
 *   regularity jitter-tolerant: the jitter estimate 2*MAD/median (a uniform
 *              +-J jitter measures about J) scores 1 up to jitter_full and
 *              falls to 0 at jitter_zero
 *   histogram  flatness (1 - coefficient of variation) of check-ins per bin
 *              over the bins the key was active in (bins merged to cover two
 *              intervals), times min(1, bins / hist_min_groups): a beacon is
 *              spread evenly over time, a user session is bursty and short
 *   count      check-ins relative to what a beacon at the median interval
 *              would make over the observed part of the window, or relative
 *              to full_count check-ins (RITA's connection-count score)
 *
 * The weighted mean (weights from the rule) fires at >= min_score. Skipped:
 * medians below min_interval (retries, bursts), intervals explained by the
 * answers' TTL (a client re-resolving a name when its cache entry expires is
 * a cache effect, not a beacon: most intervals last about the TTL of the
 * answer before them), domains common across clients, benign
 * services and the rule's benign_domains (time sync, connectivity checks,
 * OCSP, update services). Domains queried by prevalent_clients or more
 * clients have their score multiplied by prevalent_factor. When the name and
 * its registered domain both fire for one client and window, only the name
 * (more specific) is reported: the name table closes first and marks the
 * domain's entry.
 *
 * That score needs hours: an idle tunnel polling every 4 s (iodine), or a
 * beacon checking in every minute, is plain after twenty to forty check-ins,
 * long before a day-long window closes. So each key also follows its
 * *series* (issue 11): check-ins split by their own, shorter burst gap
 * (series_burst_gap, so a 4 s poll is not one endless burst), the last
 * SERIES_RING intervals kept (microseconds). After each
 * check-in the last series_min_intervals intervals are judged: median in
 * [series_min_period, series_max_period], jitter estimate (2*MAD/median) at
 * most series_max_jitter, every interval within series_max_deviation of the
 * median, not the answers' TTL (a cache refresh), the domain not prevalent.
 * The first time they pass, the key's series *latches* at that event: the
 * key is reported (at its close in a replay; at once, as an early alert, in
 * live mode), its evidence gives the run's intervals, median, jitter and
 * first/last check-in; from then on every interval within
 * series_max_deviation of its median counts to the run (intervals_seen),
 * and still_regular says whether the last ones still pass. Check-ins that
 * come out of order (Zeek writes an unanswered query when it times out) are
 * put in their place.
 * The latch is decided in on_event from event time alone, whatever the
 * early-alert mode, and nothing undoes it, so a replay reports exactly the
 * findings a live run alerted on. A name and its registered domain: the
 * first to latch is reported, the other is covered (a name that latches
 * together with its domain wins, as the more specific).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detector-kit.h"
#include "../sketch.h"
#include "../util-dns.h"
#include "../util-mem.h"
#include "../util-time.h"
#include "dns-beacon.h"

#define RING 128       /* intervals kept per key (between the most recent check-ins) */
#define BINS 96        /* histogram bins per window (15 min at 24 h) */
#define SKEW_MIN_IQR 10 /* s: below this IQR the Bowley skew is taken as 0 (RITA) */
#define RECENT 10      /* intervals listed in the evidence */
#define ADDR_LEN sizeof(dh_addr_t)
#define SEC 1000000LL
#define SERIES_RING 40     /* series intervals kept: series_min_intervals at most */
#define SERIES_MAX_IV_S 3600 /* a longer series interval is kept as "too long" (they are
                                microseconds in a uint32: 4294 s at most) */

typedef struct {
    int64_t window, min_timestamps, burst_gap, min_interval, hist_min_groups, full_count,
        prevalent_clients, gate_slots, early_every_queries, early_every_seconds,
        series_min_intervals;
    double min_score, jitter_full, jitter_zero, ttl_tolerance, ttl_tolerance_above, ttl_share,
        weight_ts, weight_regularity, weight_histogram, weight_count, prevalent_factor,
        series_burst_gap, series_min_period, series_max_period, series_max_jitter,
        series_max_deviation;
} params_t;

/* What a key's series is (see the top of the file). */
enum { SERIES_OPEN, SERIES_LATCHED };

/* Per key and window (about 660 bytes). Times are seconds since the window
   start, the series' microseconds of event time. */
typedef struct {
    dh_kit_early_t early;  /* first: name table early alerts (detector-kit.h) */
    dh_addr_t client;
    uint8_t from_resolver, common, fqdn_reported, ttl_known;
    uint8_t rd_len;        /* name table: length of the registered-domain suffix, 0 none */
    uint16_t n_iv;         /* intervals in iv[] */
    uint32_t queries, checkins, prevalence;
    uint32_t last_sec;     /* newest query */
    uint32_t last_ci;      /* newest check-in */
    int32_t ttl_max, ttl_last; /* effective TTL of the answers (min over a response) */
    uint32_t ttl_iv, ttl_hit;  /* intervals after an answer with a TTL, and those lasting about it */
    uint32_t cache_iv;     /* domain table: median interval of a name below it judged a cache effect */
    int64_t first_us, last_us;
    uint8_t bins[BINS];
    uint16_t iv[RING];     /* intervals between check-ins, oldest first, capped at 65535 s */
    /* the series: check-ins split by series_burst_gap */
    int64_t s_last_us;     /* newest query of the series */
    int64_t s_ci_us;       /* start of its newest check-in */
    int64_t s_first_us, s_end_us; /* latched run: its first and newest counted check-in */
    uint32_t s_count;      /* latched run: its intervals within series_max_deviation of
                              the median, from its first check-in on */
    float s_median, s_jitter;     /* latched run: median interval (s), jitter estimate */
    uint8_t s_started;     /* s_last_us and s_ci_us are set */
    uint8_t s_state;       /* SERIES_OPEN, SERIES_LATCHED */
    uint8_t s_covered;     /* the name / the domain of this key latched first: not reported */
    uint8_t s_running;     /* the latched run's last intervals are still regular */
    uint8_t s_n, s_head;   /* intervals in s_iv, the slot of the next one */
    uint32_t s_iv[SERIES_RING]; /* intervals (us), circular; UINT32_MAX: over SERIES_MAX_IV_S */
} track_t;
_Static_assert(sizeof(track_t) <= 672, "per-key state must stay small");

/* A key's first check-in, before it has a track_t (most keys never get a
   second one in a window). */
typedef struct {
    int64_t first_us, last_us;
    int32_t ttl; /* effective TTL of the latest answer, -1 none */
    uint32_t queries;
} seen_t;

/* One slot of the gate: whose first check-in (key hash and window) it holds. */
struct gate_slot {
    uint64_t hash; /* 0: empty */
    int64_t window_start;
    seen_t s;
};

/* The occupied gate slots of one window: how many, and the oldest first
   check-in among them since the window got its first one (slots freed later
   do not raise it: conservative, and most windows keep one-off lookups from
   their start anyway). beacon_oldest_open reads these few, not every slot. */
#define GATE_WINDOWS 8
struct gate_window {
    int64_t start, oldest;
    uint32_t slots;
};

typedef struct {
    char **items; /* sorted, lowercase, no leading dot */
    size_t n;
} suffixes_t;

typedef struct {
    dh_kit_t kit;
    params_t p;
    dh_table_t *names, *domains; /* created in this order: names close first */
    struct gate_slot *gate;      /* first check-ins of both levels */
    size_t gate_mask;
    struct gate_window gwin[GATE_WINDOWS]; /* the windows of occupied slots */
    size_t n_gwin;
    suffixes_t benign;
    int64_t min_ts, max_ts;      /* event time seen by the detector (observed span) */
} beacon_t;
DH_KIT_STATE_LAYOUT(beacon_t, p);

/* What the scoring found for one key. */
typedef struct {
    int n;                       /* intervals analysed */
    double deltas[RING];         /* sorted */
    double recent[RECENT];       /* most recent intervals, oldest first */
    int n_recent;
    double q1, median, q3, mad, skew, jitter;
    double ts, reg, hist, count, score;
    int groups;
    bool cache;                  /* the timing is explained by the TTL */
    double observed_s;
    bool scored, by_score, by_series; /* judge() */
} result_t;

/* ---- parameters -------------------------------------------------------- */

static const dh_kit_params_t params = DH_KIT_FIELDS(params_t, window, min_timestamps, burst_gap,
    min_interval, hist_min_groups, full_count, prevalent_clients, gate_slots, early_every_queries,
    early_every_seconds, min_score, jitter_full, jitter_zero, ttl_tolerance, ttl_tolerance_above,
    ttl_share, weight_ts, weight_regularity, weight_histogram, weight_count, prevalent_factor,
    series_min_intervals, series_burst_gap, series_min_period, series_max_period,
    series_max_jitter, series_max_deviation);

/* Bounds of the C code (array sizes, a uint16_t pace, the gate's memory),
   checked again whatever the rule's limits say. */
static int check_c_bounds(const dh_kit_t *k, const params_t *p, char *err, size_t errlen)
{
    return dh_kit_param_max(k, "min_timestamps", p->min_timestamps, RING, err, errlen) ||
                   dh_kit_param_max(k, "hist_min_groups", p->hist_min_groups, BINS, err, errlen) ||
                   dh_kit_param_max(k, "early_every_queries", p->early_every_queries, UINT16_MAX,
                                    err, errlen) ||
                   dh_kit_param_max(k, "gate_slots", p->gate_slots, 1 << 26, err, errlen) ||
                   dh_kit_param_max(k, "series_min_intervals", p->series_min_intervals,
                                    SERIES_RING, err, errlen) ||
                   dh_kit_param_max(k, "series_max_period", (int64_t)ceil(p->series_max_period),
                                    SERIES_MAX_IV_S, err, errlen)
               ? -1
               : 0;
}

static int check_params(const dh_kit_t *k, const params_t *p, char *err, size_t errlen)
{
    if (check_c_bounds(k, p, err, errlen))
        return -1;
    if (p->jitter_zero <= p->jitter_full)
        return dh_kit_param_error(k, "jitter_zero", "must be greater than jitter_full", err,
                                  errlen);
    if (p->weight_ts + p->weight_regularity + p->weight_histogram + p->weight_count <= 0)
        return dh_kit_param_error(k, "weight_ts", "the weights must not all be 0", err, errlen);
    if (p->burst_gap > p->min_interval)
        return dh_kit_param_error(k, "burst_gap", "must not exceed min_interval", err, errlen);
    if (p->series_burst_gap >= p->series_min_period)
        return dh_kit_param_error(k, "series_burst_gap", "must be less than series_min_period",
                                  err, errlen);
    if (p->series_min_period >= p->series_max_period)
        return dh_kit_param_error(k, "series_max_period", "must be greater than series_min_period",
                                  err, errlen);
    return 0;
}

/* ---- benign domain suffixes --------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_benign(void *ctx, const dh_yaml_node_t *it, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    suffixes_t *s = ctx;
    const char *v = it->value;
    while (*v == '.')
        v++;
    char *c = dh_strdup(v);
    for (char *q = c; *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    s->items[s->n++] = c;
    return 0;
}

static int read_benign(dh_rule_t *rule, suffixes_t *s, char *err, size_t errlen)
{
    dh_yaml_node_t *seq;
    if (dh_yaml_seq(rule->thresholds, "benign_domains", "names", 0, &seq, err, errlen))
        return -1;
    if (!seq)
        return 0;
    s->items = dh_calloc(seq->n_items ? seq->n_items : 1, sizeof(char *));
    if (dh_yaml_each_scalar(seq, "benign_domains", "a name", add_benign, s, err, errlen))
        return -1;
    dh_yaml_mark_used(seq);
    qsort(s->items, s->n, sizeof(char *), cmp_str);
    return 0;
}

static bool suffix_member(const suffixes_t *s, const char *name, size_t len)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *m = s->items[mid];
        size_t ml = strlen(m);
        int c = memcmp(m, name, ml < len ? ml : len);
        if (c == 0)
            c = ml < len ? -1 : ml > len ? 1 : 0;
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* name equals a member or ends with "." + member. */
static bool is_benign(const suffixes_t *s, const char *name, size_t len)
{
    size_t i = 0;
    while (s->n && i < len) {
        if (suffix_member(s, name + i, len - i))
            return true;
        const char *dot = memchr(name + i, '.', len - i);
        if (!dot)
            break;
        i = (size_t)(dot - name) + 1;
    }
    return false;
}

static void free_suffixes(suffixes_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i]);
    free(s->items);
}

/* ---- create ------------------------------------------------------------- */

/* The name part of a client x name key (after the client address), as a
   C string in out; returns its length. */
static size_t key_name(const void *key, size_t keylen, char out[DH_STATE_MAX_KEY + 1])
{
    size_t len = keylen - ADDR_LEN;
    memcpy(out, (const char *)key + ADDR_LEN, len);
    out[len] = '\0';
    return len;
}

static void close_name(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                       dh_close_t why);
static void close_domain(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                         dh_close_t why);

/* After the thresholds: their checks, the benign list, both tables, the gate. */
static int beacon_setup(void *state, char *err, size_t errlen)
{
    beacon_t *b = state;
    if (check_params(&b->kit, &b->p, err, errlen) ||
        read_benign(b->kit.rule, &b->benign, err, errlen))
        return -1;
    b->min_ts = INT64_MAX;
    b->max_ts = INT64_MIN;
    /* names are scored early (sorting RING intervals: at most every
       early_every_queries queries or early_every_seconds of event time a
       key; a series that just latched is checked at once); registered
       domains only by their series early (a flag: every event), their score
       at close, where a name reported marks its domain */
    dh_kit_pace_t pace = {(uint16_t)b->p.early_every_queries, b->p.early_every_seconds};
    dh_kit_etable_opts_t o = {.name = "dns_beacon.client_name", .value_size = sizeof(track_t),
                              .window_s = b->p.window, .on_close = close_name, .ctx = b,
                              .pace = pace};
    b->names = dh_kit_early_table(&b->kit, &o);
    o = (dh_kit_etable_opts_t){.name = "dns_beacon.client_domain", .value_size = sizeof(track_t),
                               .window_s = b->p.window, .on_close = close_domain, .ctx = b,
                               .pace = {1, 0}};
    b->domains = dh_kit_early_table(&b->kit, &o);
    size_t n = 1;
    while (n < (size_t)b->p.gate_slots)
        n *= 2;
    b->gate = dh_calloc(n, sizeof(*b->gate));
    b->gate_mask = n - 1;
    return 0;
}

/* ---- per event ------------------------------------------------------------ */

/* Effective TTL of a response: the shortest answer (a cache drops the whole
   chain when its first record expires); without answers, the authority
   section (negative caching). -1 when the log gives none. */
static int64_t event_ttl(const dh_event_t *ev)
{
    int64_t best[2] = {-1, -1};
    for (uint32_t i = 0; i < ev->n_answers; i++) {
        const dh_answer_t *a = &ev->answers[i];
        int s = a->section == DH_SECTION_ANSWER ? 0 : a->section == DH_SECTION_AUTHORITY ? 1 : -1;
        if (s >= 0 && a->ttl >= 0 && (best[s] < 0 || a->ttl < best[s]))
            best[s] = a->ttl;
    }
    return best[0] >= 0 ? best[0] : best[1];
}

static void note_ttl(track_t *w, int64_t ttl)
{
    if (ttl < 0)
        return;
    int32_t t = ttl > INT32_MAX ? INT32_MAX : (int32_t)ttl;
    w->ttl_known = 1;
    w->ttl_last = t;
    if (t > w->ttl_max)
        w->ttl_max = t;
}

static uint16_t cap16(uint32_t v)
{
    return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* Append the interval to a new newest check-in (the oldest drops out). */
static void push_interval(track_t *w, uint32_t d)
{
    if (w->n_iv == RING) {
        memmove(w->iv, w->iv + 1, (RING - 1) * sizeof(w->iv[0]));
        w->n_iv--;
    }
    w->iv[w->n_iv++] = cap16(d);
}

/* Split interval i at a check-in a seconds after its start, b before its end. */
static void split_interval(track_t *w, int i, uint32_t a, uint32_t b)
{
    if (w->n_iv < RING) {
        memmove(w->iv + i + 1, w->iv + i, (size_t)(w->n_iv - i) * sizeof(w->iv[0]));
        w->n_iv++;
    } else if (i == 0) {
        w->iv[0] = cap16(b); /* the older part would drop out at once */
        return;
    } else {
        memmove(w->iv, w->iv + 1, (size_t)(i - 1) * sizeof(w->iv[0]));
        i--;
    }
    w->iv[i] = cap16(a);
    w->iv[i + 1] = cap16(b);
}

/* An out-of-order check-in at sec < last_ci: walk back through the kept
   check-ins to its place. false when it is within gap of a neighbour (part
   of that check-in's burst). */
static bool insert_late(track_t *w, uint32_t sec, uint32_t gap)
{
    uint32_t t = w->last_ci;
    for (int i = w->n_iv - 1; i >= 0; i--) {
        uint32_t prev = w->iv[i] > t ? 0 : t - w->iv[i];
        if (sec >= prev) {
            if (sec - prev < gap || t - sec < gap)
                return false;
            split_interval(w, i, sec - prev, t - sec);
            return true;
        }
        t = prev;
    }
    if (t - sec < gap)
        return false;
    if (w->n_iv < RING) { /* older than every kept check-in */
        memmove(w->iv + 1, w->iv, w->n_iv * sizeof(w->iv[0]));
        w->iv[0] = cap16(t - sec);
        w->n_iv++;
    }
    return true;
}

/* A query starts a new check-in unless it follows the key's previous query
   (or, out of order, a kept check-in) by less than burst_gap seconds. */
static bool checkin(track_t *w, uint32_t sec, uint32_t gap)
{
    if (w->checkins == 0) {
        w->last_ci = sec;
        return true;
    }
    if (sec >= w->last_sec) {
        if (sec - w->last_sec < gap)
            return false;
        push_interval(w, sec - w->last_ci);
        w->last_ci = sec;
        return true;
    }
    if (w->last_sec - sec < gap || sec >= w->last_ci)
        return false; /* inside the newest burst */
    return insert_late(w, sec, gap);
}

static void count_checkin(const beacon_t *b, track_t *w, uint32_t sec)
{
    w->checkins++;
    size_t bin = (size_t)((uint64_t)sec * BINS / (uint64_t)b->p.window);
    if (bin < BINS && w->bins[bin] < UINT8_MAX)
        w->bins[bin]++;
}

/* Does the interval d to a new check-in last about the TTL of the answer
   before it (within [ttl*(1-tol), ttl*(1+tol_above)]: the entry expired and
   the application needed the name again soon after)? */
static void ttl_interval(const params_t *p, track_t *w, uint32_t d)
{
    if (w->ttl_last <= 0)
        return;
    double t = w->ttl_last;
    w->ttl_iv++;
    if (d >= t * (1 - p->ttl_tolerance) && d <= t * (1 + p->ttl_tolerance_above))
        w->ttl_hit++;
}

/* ---- the series (early judgement, see the top of the file) ---------------- */

static int cmp_dbl(const void *a, const void *b);

typedef struct {
    double median, jitter; /* seconds; 2*MAD/median */
} series_fit_t;

/* The last n intervals of the series in seconds, oldest first (n <= s_n). */
static void series_last(const track_t *w, int n, double *out)
{
    for (int i = 0; i < n; i++) {
        int slot = (w->s_head - n + i + 2 * SERIES_RING) % SERIES_RING;
        out[i] = w->s_iv[slot] == UINT32_MAX ? INFINITY : w->s_iv[slot] / 1e6;
    }
}

static double sum_last(const track_t *w, int n)
{
    double v[SERIES_RING], sum = 0;
    series_last(w, n, v);
    for (int i = 0; i < n; i++)
        sum += v[i];
    return sum;
}

/* Are the last series_min_intervals intervals one regular series: median
   within the period bounds, every interval within series_max_deviation of
   it, jitter estimate at most series_max_jitter? */
static bool series_regular(const params_t *p, const track_t *w, series_fit_t *fit)
{
    int n = (int)p->series_min_intervals;
    if (n < 1 || w->s_n < n)
        return false;
    double v[SERIES_RING] = {0}, dev[SERIES_RING];
    series_last(w, n, v);
    double lo = v[0], hi = v[0], f = p->series_max_deviation;
    for (int i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    /* every interval within f of the median bounds hi / lo: a bursty key
       stops here, before any sort */
    if (isinf(hi) || hi * (1 - f) > lo * (1 + f))
        return false;
    qsort(v, (size_t)n, sizeof(double), cmp_dbl);
    double med = dh_beacon_percentile(v, n, 0.5);
    if (med < p->series_min_period || med > p->series_max_period || lo < med * (1 - f) ||
        hi > med * (1 + f))
        return false;
    for (int i = 0; i < n; i++)
        dev[i] = fabs(v[i] - med);
    qsort(dev, (size_t)n, sizeof(double), cmp_dbl);
    fit->median = med;
    fit->jitter = 2 * dh_beacon_percentile(dev, n, 0.5) / med;
    return fit->jitter <= p->series_max_jitter;
}

/* A series at the period of the latest answer's TTL, or of a key whose
   intervals mostly lasted the TTL before them so far (cache_effect's share),
   is a cache refresh: the application wanted the name again as the entry
   expired. (The domain level sees other names' answers in between: the
   latest TTL alone would let one of them through.) */
static bool series_cached(const params_t *p, const track_t *w, double median)
{
    double t = w->ttl_last;
    if (t > 0 && median >= t * (1 - p->ttl_tolerance) && median <= t * (1 + p->ttl_tolerance_above))
        return true;
    return w->ttl_iv >= 3 && w->ttl_hit >= p->ttl_share * w->ttl_iv;
}

/* The series' intervals changed (a check-in at ts_us): judge them. True
   when the series latched here. Once latched, only whether the last ones
   are still regular (and their median, jitter) is followed. */
static bool series_judge(const beacon_t *b, track_t *w, int64_t ts_us)
{
    const params_t *p = &b->p;
    series_fit_t fit;
    bool regular = series_regular(p, w, &fit) && !series_cached(p, w, fit.median);
    if (w->s_state == SERIES_LATCHED) {
        w->s_running = regular;
        if (regular) {
            w->s_median = (float)fit.median;
            w->s_jitter = (float)fit.jitter;
        }
        return false;
    }
    /* a domain several clients poll at one rhythm is a fleet's agent more
       often than an implant: left to the day's score */
    if (!regular || w->prevalence >= (uint64_t)p->prevalent_clients)
        return false;
    int n = (int)p->series_min_intervals;
    w->s_state = SERIES_LATCHED;
    w->s_running = 1;
    w->s_count = (uint32_t)n;
    w->s_end_us = ts_us;
    w->s_first_us = ts_us - (int64_t)llround(sum_last(w, n) * 1e6);
    w->s_median = (float)fit.median;
    w->s_jitter = (float)fit.jitter;
    return true;
}

/* Is an interval (us) part of the latched run: within series_max_deviation
   of its median? The run's intervals_seen counts those from its first
   check-in on. */
static bool in_run(const beacon_t *b, const track_t *w, uint32_t iv)
{
    double d = iv / 1e6, m = w->s_median, f = b->p.series_max_deviation;
    return iv != UINT32_MAX && d >= m * (1 - f) && d <= m * (1 + f);
}

/* A late check-in split the interval old that started at start into a and
   b: recount them in the latched run. */
static void run_split(const beacon_t *b, track_t *w, int64_t start, uint32_t old, uint32_t a,
                      uint32_t bb)
{
    if (w->s_state != SERIES_LATCHED || start < w->s_first_us)
        return;
    int64_t c = (int64_t)w->s_count - in_run(b, w, old) + in_run(b, w, a) + in_run(b, w, bb);
    w->s_count = c < 0 ? 0 : (uint32_t)c;
}

/* An out-of-order check-in at ts_us, before the newest: split the kept
   interval it falls in (Zeek writes an unanswered query when it times out,
   a minute late, after the next check-in: without it the run would show a
   double interval). False when it is within series_burst_gap of a kept
   check-in (part of it) or older than them all. The ring is rewritten
   oldest first from slot 0. */
static bool series_insert_late(const beacon_t *b, track_t *w, int64_t ts_us)
{
    int n = w->s_n;
    uint32_t iv[SERIES_RING + 1];
    for (int i = 0; i < n; i++)
        iv[i] = w->s_iv[(w->s_head - n + i + 2 * SERIES_RING) % SERIES_RING];
    double gap = b->p.series_burst_gap * 1e6;
    int64_t end = w->s_ci_us; /* of interval i */
    for (int i = n - 1; i >= 0 && iv[i] != UINT32_MAX; i--) {
        int64_t start = end - iv[i];
        if (ts_us < start) {
            end = start;
            continue;
        }
        if ((double)(ts_us - start) < gap || (double)(end - ts_us) < gap)
            return false;
        run_split(b, w, start, iv[i], (uint32_t)(ts_us - start), (uint32_t)(end - ts_us));
        memmove(iv + i + 1, iv + i, (size_t)(n - i) * sizeof(iv[0]));
        iv[i] = (uint32_t)(ts_us - start);
        iv[i + 1] = (uint32_t)(end - ts_us);
        int drop = ++n > SERIES_RING; /* the oldest goes */
        n -= drop;
        memcpy(w->s_iv, iv + drop, (size_t)n * sizeof(iv[0]));
        w->s_n = (uint8_t)n;
        w->s_head = (uint8_t)(n % SERIES_RING);
        return true;
    }
    return false;
}

/* One query of the key in its series: a query less than series_burst_gap
   after the previous one belongs to its check-in; one older than the newest
   check-in (out of order) is put in its place. True when the series latched
   at it. */
static bool series_query(const beacon_t *b, track_t *w, int64_t ts_us)
{
    if (!w->s_started) {
        w->s_started = 1;
        w->s_last_us = w->s_ci_us = ts_us;
        return false;
    }
    if (ts_us < w->s_last_us) {
        if (ts_us >= w->s_ci_us || !series_insert_late(b, w, ts_us))
            return false;
        return series_judge(b, w, w->s_ci_us);
    }
    bool same = (double)(ts_us - w->s_last_us) < b->p.series_burst_gap * 1e6;
    w->s_last_us = ts_us;
    if (same)
        return false;
    int64_t d = ts_us - w->s_ci_us;
    uint32_t iv = d > DH_S_TO_US(SERIES_MAX_IV_S) ? UINT32_MAX : (uint32_t)d;
    w->s_iv[w->s_head] = iv;
    w->s_head = (uint8_t)((w->s_head + 1) % SERIES_RING);
    if (w->s_n < SERIES_RING)
        w->s_n++;
    w->s_ci_us = ts_us;
    if (w->s_state == SERIES_LATCHED && in_run(b, w, iv)) {
        w->s_count++;
        w->s_end_us = ts_us;
    }
    return series_judge(b, w, ts_us);
}

/* The series is reported: it latched, and neither the name nor the domain
   above or below it latched first. */
static bool series_reports(const track_t *w)
{
    return w->s_state == SERIES_LATCHED && !w->s_covered;
}

/* Gate: absorb a query into the key's first check-in (true), or say it
   starts a second one, or that the first has lasted burst_gap already
   (false: a poll every few seconds is a series, not a burst, and needs a
   full entry to be followed; its score still counts one check-in). */
static bool gate(seen_t *s, int64_t ts_us, int64_t ttl, int64_t gap)
{
    int64_t sec = ts_us / SEC;
    if (s->queries > 0 && sec - s->last_us / SEC >= gap)
        return false;
    if (s->queries > 0 && ts_us - s->first_us >= gap * SEC)
        return false;
    if (s->queries > 0 && s->first_us / SEC - sec >= gap)
        return false;
    if (s->queries == 0 || ts_us < s->first_us)
        s->first_us = ts_us;
    if (ts_us > s->last_us)
        s->last_us = ts_us;
    if (ttl >= 0)
        s->ttl = ttl;
    else if (s->queries == 0)
        s->ttl = -1;
    s->queries++;
    return true;
}

/* One query (at ts_us, answered with ttl) of the key; true when its series
   latched at it. */
static bool track(const beacon_t *b, track_t *w, const dh_event_t *ev, const dh_verdict_t *v,
                  int64_t ts_us, int64_t ttl)
{
    int64_t ws = dh_table_window_start(w);
    uint32_t sec = (uint32_t)((ts_us - ws) / SEC);
    if (w->queries == 0) {
        w->client = ev->client;
        w->first_us = w->last_us = ts_us;
        w->last_sec = sec;
    }
    if (ts_us < w->first_us)
        w->first_us = ts_us;
    if (ts_us > w->last_us)
        w->last_us = ts_us;
    w->queries++;
    w->from_resolver |= v->from_resolver;
    if (v->prevalence > w->prevalence)
        w->prevalence = v->prevalence;
    bool later = w->checkins > 0 && sec >= w->last_sec;
    uint32_t prev = w->last_ci;
    if (checkin(w, sec, (uint32_t)b->p.burst_gap)) {
        count_checkin(b, w, sec);
        if (later)
            ttl_interval(&b->p, w, sec - prev);
    }
    note_ttl(w, ttl);
    if (sec > w->last_sec)
        w->last_sec = sec;
    return series_query(b, w, ts_us);
}

/* The second check-in of a key: replay the first from the gate. The gate
   kept only its first and last query, so the series starts at the last. */
static void promote(const beacon_t *b, track_t *w, const seen_t *s, const dh_event_t *ev,
                    const dh_verdict_t *v)
{
    track(b, w, ev, v, s->first_us, s->ttl);
    w->queries = s->queries;
    w->last_us = s->last_us;
    w->last_sec = (uint32_t)((s->last_us - dh_table_window_start(w)) / SEC);
    w->s_last_us = w->s_ci_us = s->last_us;
}

/* ---- the windows of the gate's slots (for beacon_oldest_open) ---------- */

static struct gate_window *gwin_find(beacon_t *b, int64_t start)
{
    for (size_t i = 0; i < b->n_gwin; i++)
        if (b->gwin[i].start == start)
            return &b->gwin[i];
    return NULL;
}

static void gwin_remove(beacon_t *b, struct gate_window *w)
{
    *w = b->gwin[--b->n_gwin];
}

/* Forget the windows the watermark has closed: their slots can never be
   promoted (a later event of theirs is late), so they hold nothing back. */
static void gwin_purge(beacon_t *b)
{
    int64_t wm = dh_state_watermark(b->kit.env->state);
    for (size_t i = b->n_gwin; i-- > 0;)
        if (b->gwin[i].start + b->p.window * SEC <= wm)
            gwin_remove(b, &b->gwin[i]);
}

/* A slot of window start got its first check-in (at first_us). With more
   open windows than GATE_WINDOWS (events far out of order), the newest entry
   takes it over, keeping the newer start: it then ends later and holds the
   older time until then, which errs on the safe side. */
static void gwin_join(beacon_t *b, int64_t start, int64_t first_us)
{
    struct gate_window *w = gwin_find(b, start);
    if (!w && b->n_gwin == GATE_WINDOWS)
        gwin_purge(b);
    if (!w && b->n_gwin < GATE_WINDOWS) {
        w = &b->gwin[b->n_gwin++];
        *w = (struct gate_window){.start = start, .oldest = first_us};
    }
    if (!w) {
        w = &b->gwin[0];
        for (size_t i = 1; i < b->n_gwin; i++)
            if (b->gwin[i].start > w->start)
                w = &b->gwin[i];
        if (start > w->start)
            w->start = start;
    }
    w->slots++;
    if (first_us < w->oldest)
        w->oldest = first_us;
}

/* A slot of window start was freed (promoted, or taken by another key). */
static void gwin_leave(beacon_t *b, int64_t start)
{
    struct gate_window *w = gwin_find(b, start);
    if (w && --w->slots == 0)
        gwin_remove(b, w);
}

/* The gate slot of a key in the window of ts, reset when it held another
   key or another window. */
static struct gate_slot *gate_slot(beacon_t *b, const char *gkey, size_t glen, int64_t ts)
{
    int64_t win = b->p.window * SEC;
    int64_t ws = (ts / win - (ts % win < 0)) * win;
    uint64_t h = dh_hash64(gkey, glen) | 1;
    struct gate_slot *g = &b->gate[h & b->gate_mask];
    if (g->hash != h || g->window_start != ws) {
        if (g->hash && g->s.queries)
            gwin_leave(b, g->window_start);
        memset(g, 0, sizeof(*g));
        g->hash = h;
        g->window_start = ws;
    }
    return g;
}

/* The slot g absorbed a query: a first one joins its window, an earlier one
   (out of order) may make the window's oldest older. */
static void gwin_note(beacon_t *b, const struct gate_slot *g)
{
    struct gate_window *w;
    if (g->s.queries == 1)
        gwin_join(b, g->window_start, g->s.first_us);
    else if ((w = gwin_find(b, g->window_start)) && g->s.first_us < w->oldest)
        w->oldest = g->s.first_us;
}

/* The key's full entry in t, updated with ev; NULL while the key has had a
   single check-in (or the event is late). gkey is the gate key: a level
   byte, then the key of t, whose dh_hash64 is hash. A tracked key costs one
   lookup (refresh_h: an entry exists only in an open window, so it is never
   late). *latched: its series latched at ev. */
static track_t *admit(beacon_t *b, dh_table_t *t, const char *gkey, size_t glen, uint64_t hash,
                      const dh_event_t *ev, const dh_verdict_t *v, int64_t ttl, bool *latched)
{
    const char *key = gkey + 1;
    size_t keylen = glen - 1;
    *latched = false;
    track_t *w = dh_table_refresh_h(t, key, keylen, hash, ev->ts_us);
    if (w) {
        *latched = track(b, w, ev, v, ev->ts_us, ttl);
        return w;
    }
    struct gate_slot *g = gate_slot(b, gkey, glen, ev->ts_us);
    if (gate(&g->s, ev->ts_us, ttl, b->p.burst_gap)) {
        gwin_note(b, g);
        return NULL;
    }
    seen_t s = g->s;
    g->hash = 0; /* promoted: the slot is free again */
    gwin_leave(b, g->window_start);
    w = dh_table_touch_h(t, key, keylen, hash, ev->ts_us, NULL);
    if (w) {
        promote(b, w, &s, ev, v);
        *latched = track(b, w, ev, v, ev->ts_us, ttl);
    }
    return w;
}

/* key = client address + name; 0 when it does not fit. */
static size_t make_key(char *key, const dh_addr_t *client, const char *name, size_t len)
{
    if (len > DH_STATE_MAX_KEY - ADDR_LEN - 1)
        return 0;
    memcpy(key, client, ADDR_LEN);
    memcpy(key + ADDR_LEN, name, len);
    return ADDR_LEN + len;
}

/* gate key = level byte + key */
static size_t make_gate_key(char *key, char level, const dh_addr_t *client, const char *name,
                            size_t len)
{
    key[0] = level;
    size_t n = make_key(key + 1, client, name, len);
    return n ? n + 1 : 0;
}

/* Mark an existing entry of the window of ts common (state is not created
   for common domains; keys created before the domain became common are
   dropped when they close). */
static void mark_common(dh_table_t *t, const char *key, size_t keylen, uint64_t hash, int64_t ts)
{
    track_t *w = dh_table_find_h(t, key, keylen, hash, ts);
    if (w)
        w->common = 1;
}

/* Length of the name (without a trailing dot) when the event is one to
   track, else 0: it needs a client and a registered domain (a C2 domain is
   registered; single-label and internal names are not), and no benign mark.
   Service-location lookups (a name with an _underscore label, such as
   Active Directory's _ldap._tcp.dc._msdcs or DNS-SD's _http._tcp) are
   periodic by design (the DC locator re-runs every ~100 minutes) and carry
   no C2. An SRV query of a name without one is not service location: an
   iodine session in SRV mode polls with encoded names. */
static bool has_underscore_label(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] == '_' && (i == 0 || name[i - 1] == '.'))
            return true;
    return false;
}

static size_t wanted(const beacon_t *b, const dh_event_view_t *view, const dh_verdict_t *v,
                     size_t *rd)
{
    const dh_event_t *ev = view->ev;
    if (!ev->has_qname || !ev->registered_domain || ev->client.family == DH_AF_UNSET ||
        v->benign_service || has_underscore_label(ev->qname_lc, ev->qname_len))
        return 0;
    size_t len = ev->qname_len;
    if (len && ev->qname_lc[len - 1] == '.')
        len--;
    *rd = view->rd_len;
    if (*rd > len || is_benign(&b->benign, ev->qname_lc, len))
        return 0;
    return len;
}

/* The series of name w latched: the first of a name and its registered
   domain to latch is the one reported. The domain's entry (dkey, from this
   event's pair, NULL: none) has counted the events before this one: latched
   already, it covers the name; else the name covers it (also when it
   latches at this same event, after the name: the name is more specific). */
static void cover(beacon_t *b, track_t *w, const char *dkey, size_t dlen, uint64_t dhash,
                  int64_t ts)
{
    if (!w->rd_len || !dkey)
        return;
    track_t *dw = dh_table_find_h(b->domains, dkey, dlen, dhash, ts);
    if (dw && dw->s_state == SERIES_LATCHED)
        w->s_covered = 1;
    else if (dw)
        dw->s_covered = 1;
}

static void beacon_on_event(void *state, const dh_event_view_t *view, const dh_verdict_t *v,
                            const dh_detect_env_t *env)
{
    const dh_event_t *ev = view->ev;
    (void)env;
    beacon_t *b = state;
    if (ev->ts_us < b->min_ts)
        b->min_ts = ev->ts_us;
    if (ev->ts_us > b->max_ts)
        b->max_ts = ev->ts_us;
    size_t rd = 0, len = wanted(b, view, v, &rd);
    if (len == 0)
        return;
    char nkey[DH_STATE_MAX_KEY], dkey[DH_STATE_MAX_KEY];
    size_t nlen = make_gate_key(nkey, 'n', &ev->client, ev->qname_lc, len);
    size_t dlen = make_gate_key(dkey, 'd', &ev->client, ev->registered_domain, rd);
    /* the domain key is the view's client x domain pair (make_key's limit is
       a byte tighter): its hash is the view's */
    uint64_t nhash = nlen ? dh_hash64(nkey + 1, nlen - 1) : 0;
    uint64_t dhash = view->pair_hash;
    if (v->common) {
        if (nlen)
            mark_common(b->names, nkey + 1, nlen - 1, nhash, ev->ts_us);
        if (dlen)
            mark_common(b->domains, dkey + 1, dlen - 1, dhash, ev->ts_us);
        return;
    }
    int64_t ttl = event_ttl(ev);
    bool latched = false;
    track_t *w = nlen ? admit(b, b->names, nkey, nlen, nhash, ev, v, ttl, &latched) : NULL;
    if (w) {
        bool suffix = rd <= UINT8_MAX &&
                      memcmp(ev->qname_lc + len - rd, ev->registered_domain, rd) == 0;
        w->rd_len = suffix ? (uint8_t)rd : 0;
        if (latched) {
            cover(b, w, dlen ? dkey + 1 : NULL, dlen ? dlen - 1 : 0, dhash, ev->ts_us);
            w->early.left = 1; /* check it at once, whatever the scoring pace */
        }
        dh_kit_early_check(&b->kit, b->names, nkey + 1, nlen - 1, w, ev->ts_us);
    }
    track_t *dw = dlen ? admit(b, b->domains, dkey, dlen, dhash, ev, v, ttl, &latched) : NULL;
    if (dw)
        dh_kit_early_check(&b->kit, b->domains, dkey + 1, dlen - 1, dw, ev->ts_us);
}

/* ---- scoring -------------------------------------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Linear-interpolated percentile of sorted v[0..n); 0 when n is 0 (v is not
   read then). */
double dh_beacon_percentile(const double *v, int n, double p)
{
    if (n <= 0)
        return 0;
    double pos = p * (n - 1);
    int lo = (int)pos;
    if (lo >= n - 1)
        return v[n - 1];
    return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

/* The kept intervals, sorted (and the most recent ones in order). */
static void deltas(const track_t *w, result_t *r)
{
    r->n = 0;
    for (int i = 0; i < w->n_iv; i++)
        if (w->iv[i] > 0)
            r->deltas[r->n++] = w->iv[i];
    int first = r->n > RECENT ? r->n - RECENT : 0;
    r->n_recent = r->n - first;
    memcpy(r->recent, r->deltas + first, (size_t)r->n_recent * sizeof(double));
    qsort(r->deltas, (size_t)r->n, sizeof(double), cmp_dbl);
}

/* Quartiles, MAD, Bowley skew and RITA's ts score. */
static void interval_stats(result_t *r)
{
    r->q1 = dh_beacon_percentile(r->deltas, r->n, 0.25);
    r->median = dh_beacon_percentile(r->deltas, r->n, 0.5);
    r->q3 = dh_beacon_percentile(r->deltas, r->n, 0.75);
    double dev[RING];
    for (int i = 0; i < r->n; i++)
        dev[i] = fabs(r->deltas[i] - r->median);
    qsort(dev, (size_t)r->n, sizeof(double), cmp_dbl);
    r->mad = dh_beacon_percentile(dev, r->n, 0.5);
    double iqr = r->q3 - r->q1;
    r->skew = 0;
    if (iqr >= SKEW_MIN_IQR && r->median != r->q1 && r->median != r->q3)
        r->skew = (r->q3 + r->q1 - 2 * r->median) / iqr;
    double mad_score = r->median >= 1 ? clamp01(1 - r->mad / r->median) : 0;
    r->ts = (1 - fabs(r->skew) + mad_score) / 2;
    r->jitter = r->median > 0 ? 2 * r->mad / r->median : 0;
}

static double regularity(const params_t *p, double jitter)
{
    if (jitter <= p->jitter_full)
        return 1;
    return clamp01((p->jitter_zero - jitter) / (p->jitter_zero - p->jitter_full));
}

/* Flatness of check-ins per group of bins over the bins the key was active
   in, edges (partial bins) excluded; groups cover at least two intervals. */
static double histogram(const beacon_t *b, const track_t *w, int64_t ws, double median, int *groups)
{
    double bin_s = (double)b->p.window / BINS;
    int b0 = (int)((double)(w->first_us - ws) / 1e6 / bin_s);
    int b1 = (int)((double)(w->last_us - ws) / 1e6 / bin_s);
    if (b1 >= BINS)
        b1 = BINS - 1;
    int k = (int)ceil(2 * median / bin_s);
    if (k < 1)
        k = 1;
    double rate[BINS], sum = 0;
    int n = 0;
    for (int i = b0 + 1; i < b1; i += k) {
        int m = b1 - i < k ? b1 - i : k;
        if (2 * m < k && n > 0)
            break;
        int c = 0;
        for (int j = i; j < i + m; j++)
            c += w->bins[j];
        rate[n] = (double)c / m;
        sum += rate[n++];
    }
    *groups = n;
    if (n == 0 || sum <= 0)
        return 0;
    double mean = sum / n, var = 0;
    for (int i = 0; i < n; i++)
        var += (rate[i] - mean) * (rate[i] - mean);
    double cv = sqrt(var / n) / mean;
    double enough = (double)n / (double)b->p.hist_min_groups;
    return (1 - (cv > 1 ? 1 : cv)) * (enough > 1 ? 1 : enough);
}

/* Check-ins against what a beacon at the median interval would make over
   the observed part of the window, or against full_count. */
static double count_score(const beacon_t *b, const track_t *w, int64_t ws, result_t *r)
{
    /* The span of the log this detector saw, in whole hours: analyzers that
       share a topic's partitions see slightly different first and last
       events, and must still score a client alike. */
    const int64_t hour = 3600 * SEC;
    int64_t seen_start = b->min_ts - (b->min_ts % hour + hour) % hour;
    int64_t seen_end = b->max_ts - (b->max_ts % hour + hour) % hour + hour;
    int64_t start = seen_start > ws ? seen_start : ws;
    int64_t end = ws + b->p.window * SEC;
    if (seen_end < end)
        end = seen_end;
    double observed = (double)(end - start) / 1e6;
    double active = (double)(w->last_us - w->first_us) / 1e6;
    r->observed_s = observed > active ? observed : active;
    double expected = r->observed_s / r->median + 1;
    double s1 = w->checkins / expected, s2 = (double)w->checkins / (double)b->p.full_count;
    return clamp01(s1 > s2 ? s1 : s2);
}

/* Cache effect: at least ttl_share of the intervals that followed an answer
   with a TTL lasted about that TTL (a jittered beacon, or one whose answers'
   TTLs have nothing to do with its sleep, does not); or, at the domain
   level, a name below it was judged a cache effect at the same rhythm. */
static bool cache_effect(const params_t *p, const track_t *w, const result_t *r)
{
    if (w->ttl_iv >= 3 && w->ttl_hit >= p->ttl_share * w->ttl_iv)
        return true;
    return w->cache_iv && fabs(r->median - w->cache_iv) <= p->ttl_tolerance * w->cache_iv;
}

/* Score a closing key; false when it is not a candidate at all. */
static bool score(const beacon_t *b, const track_t *w, int64_t ws, result_t *r)
{
    const params_t *p = &b->p;
    if (w->common || w->checkins < (uint32_t)p->min_timestamps)
        return false;
    deltas(w, r);
    if (r->n < 3)
        return false;
    interval_stats(r);
    if (r->median < (double)p->min_interval)
        return false;
    r->cache = cache_effect(p, w, r);
    r->reg = regularity(p, r->jitter);
    r->hist = histogram(b, w, ws, r->median, &r->groups);
    r->count = count_score(b, w, ws, r);
    double wsum = p->weight_ts + p->weight_regularity + p->weight_histogram + p->weight_count;
    r->score = (p->weight_ts * r->ts + p->weight_regularity * r->reg +
                p->weight_histogram * r->hist + p->weight_count * r->count) /
               wsum;
    if (w->prevalence >= (uint64_t)p->prevalent_clients)
        r->score *= p->prevalent_factor;
    return true;
}

static bool fires(const beacon_t *b, const result_t *r)
{
    return !r->cache && r->score >= b->p.min_score;
}

/* What a closing (or early-checked) key is reported for: its score (with
   with_score; the domain level scores only at close) and its series. r is
   filled as far as the score got. */
static void judge(const beacon_t *b, const track_t *w, int64_t ws, bool with_score, result_t *r)
{
    memset(r, 0, sizeof(*r));
    r->scored = with_score && score(b, w, ws, r);
    r->by_score = r->scored && fires(b, r);
    r->by_series = series_reports(w);
}

/* ---- reporting -------------------------------------------------------------- */

static void evidence_thresholds(dh_strbuf_t *sb, const params_t *p)
{
    static const char *const shown[] = {"min_timestamps", "min_score", "min_interval",
                                        "burst_gap", "jitter_full", "jitter_zero",
                                        "ttl_tolerance", "ttl_tolerance_above", "ttl_share",
                                        "series_min_intervals", "series_burst_gap",
                                        "series_min_period", "series_max_period",
                                        "series_max_jitter", "series_max_deviation"};
    dh_kit_json_thresholds(sb, p, &params, shown, DH_N_OF(shown));
}

static void evidence_scores(dh_strbuf_t *sb, const result_t *r)
{
    dh_json_open_obj(sb, "scores");
    dh_json_kv_double(sb, "timestamp", r->ts);
    dh_json_kv_double(sb, "regularity", r->reg);
    dh_json_kv_double(sb, "histogram", r->hist);
    dh_json_kv_double(sb, "count", r->count);
    dh_sb_putc(sb, '}');
    dh_json_kv_double(sb, "score", r->score);
}

static void evidence_ttl(dh_strbuf_t *sb, const track_t *w)
{
    dh_json_kv_bool(sb, "ttl_checked", w->ttl_iv > 0 || w->cache_iv > 0);
    if (w->ttl_known) {
        dh_json_kv_int(sb, "ttl_seconds", w->ttl_max);
        dh_json_kv_int(sb, "ttl_last_seconds", w->ttl_last);
    }
    if (w->ttl_iv)
        dh_json_kv_double(sb, "ttl_explained_share", (double)w->ttl_hit / w->ttl_iv);
}

static void json_seconds(dh_strbuf_t *sb, const char *key, const double *v, int n)
{
    dh_json_open_arr(sb, key);
    for (int i = 0; i < n; i++) {
        dh_json_sep(sb);
        dh_json_double(sb, v[i]);
    }
    dh_sb_putc(sb, ']');
}

/* The interval statistics of the score (when the key was scored). */
static void evidence_score(dh_strbuf_t *sb, const result_t *r)
{
    dh_json_kv_int(sb, "intervals_analysed", r->n);
    dh_json_kv_double(sb, "median_interval_seconds", r->median);
    dh_json_kv_double(sb, "mad_seconds", r->mad);
    dh_json_kv_double(sb, "bowley_skew", r->skew);
    dh_json_kv_double(sb, "jitter_estimate", r->jitter);
    json_seconds(sb, "recent_intervals_seconds", r->recent, r->n_recent);
    evidence_scores(sb, r);
    dh_json_kv_int(sb, "histogram_groups", r->groups);
    dh_json_kv_double(sb, "observed_seconds", r->observed_s);
}

/* The latched series: its regular run (intervals, median, jitter, first and
   newest check-in), whether it was still regular at the last check-in, and
   the most recent intervals. */
static void evidence_series(dh_strbuf_t *sb, const track_t *w)
{
    char t[DH_TIME_STRLEN];
    double recent[RECENT];
    int n = w->s_n < RECENT ? w->s_n : RECENT;
    series_last(w, n, recent);
    for (int i = 0; i < n; i++)
        recent[i] = isinf(recent[i]) ? -1 : recent[i];
    dh_json_open_obj(sb, "series");
    dh_json_kv_uint(sb, "intervals_seen", w->s_count);
    dh_json_kv_double(sb, "median_period_seconds", w->s_median);
    dh_json_kv_double(sb, "jitter_estimate", w->s_jitter);
    dh_json_kv_str(sb, "first_seen", dh_time_format(w->s_first_us, t));
    dh_json_kv_str(sb, "last_seen", dh_time_format(w->s_end_us, t));
    dh_json_kv_bool(sb, "still_regular", w->s_running);
    json_seconds(sb, "recent_intervals_seconds", recent, n);
    dh_sb_putc(sb, '}');
}

static const char *basis(const result_t *r)
{
    return r->by_score && r->by_series ? "score+series" : r->by_series ? "series" : "score";
}

static void evidence(beacon_t *b, const track_t *w, const result_t *r, const char *level,
                     const char *entity)
{
    dh_strbuf_t *sb = &b->kit.ev;
    char t[DH_TIME_STRLEN];
    dh_sb_reset(sb);
    dh_json_kv_str(sb, "level", level);
    dh_json_kv_str(sb, "entity", entity);
    dh_json_kv_str(sb, "basis", basis(r));
    dh_json_kv_int(sb, "window_seconds", b->p.window);
    dh_json_kv_uint(sb, "queries", w->queries);
    dh_json_kv_uint(sb, "distinct_timestamps", w->checkins);
    if (r->scored)
        evidence_score(sb, r);
    if (w->s_state == SERIES_LATCHED)
        evidence_series(sb, w);
    evidence_ttl(sb, w);
    dh_json_kv_uint(sb, "prevalence", w->prevalence);
    dh_json_kv_str(sb, "first_seen", dh_time_format(w->first_us, t));
    dh_json_kv_str(sb, "last_seen", dh_time_format(w->last_us, t));
    evidence_thresholds(sb, &b->p);
}

static void emit(beacon_t *b, const track_t *w, const result_t *r, int64_t ws, const char *name,
                 size_t name_len, const char *domain)
{
    evidence(b, w, r, name ? "name" : "registered_domain", name ? name : domain);
    double conf = b->kit.rule->confidence;
    if (r->by_score && r->score > b->p.min_score)
        conf += r->score - b->p.min_score;
    dh_detection_t d =
        dh_kit_span_detection(w->first_us, w->last_us, ws, &w->client, w->from_resolver);
    dh_kit_detection_names(&d, name, name_len, domain, name);
    d.confidence = dh_kit_confidence(conf);
    dh_kit_emit(&b->kit, &d);
}

/* The name's finding, with its registered domain when that is its suffix. */
static void emit_name(beacon_t *b, const track_t *w, const result_t *r, int64_t ws,
                      const void *key, size_t keylen)
{
    char name[DH_STATE_MAX_KEY + 1], domain[DH_STATE_MAX_KEY + 1];
    size_t len = key_name(key, keylen, name);
    memcpy(domain, name + len - w->rd_len, w->rd_len);
    domain[w->rd_len] = '\0';
    emit(b, w, r, ws, name, len, w->rd_len ? domain : NULL);
}

static void close_name(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                       dh_close_t why)
{
    beacon_t *b = ctx;
    track_t *w = value;
    result_t r;
    judge(b, w, ws, true, &r);
    bool fired = r.by_score || r.by_series;
    if (dh_kit_is_early(why)) { /* the domain is marked when the name's window closes */
        if (fired)
            emit_name(b, w, &r, ws, key, keylen);
        return;
    }
    if (!r.scored && !fired)
        return;
    char name[DH_STATE_MAX_KEY + 1];
    size_t len = key_name(key, keylen, name);
    char dkey[DH_STATE_MAX_KEY];
    size_t dlen = w->rd_len ? make_key(dkey, &w->client, name + len - w->rd_len, w->rd_len) : 0;
    track_t *dw = dlen ? dh_table_find(b->domains, dkey, dlen, ws) : NULL;
    if (dw && r.scored && r.cache)
        dw->cache_iv = (uint32_t)r.median;
    if (dw && fired)
        dw->fqdn_reported = 1;
    if (fired)
        emit_name(b, w, &r, ws, key, keylen);
}

/* A domain is scored at its close only (after its names, which mark it);
   early, only a series that latched is reported. */
static void close_domain(void *ctx, const void *key, size_t keylen, void *value, int64_t ws,
                         dh_close_t why)
{
    beacon_t *b = ctx;
    track_t *w = value;
    result_t r;
    if (dh_kit_is_early(why) && !series_reports(w))
        return;
    judge(b, w, ws, !w->fqdn_reported, &r);
    if (!r.by_score && !r.by_series)
        return;
    char domain[DH_STATE_MAX_KEY + 1];
    key_name(key, keylen, domain);
    emit(b, w, &r, ws, NULL, 0, domain);
}

static void beacon_release(void *state)
{
    beacon_t *b = state;
    free_suffixes(&b->benign);
    free(b->gate);
}

/* First check-ins wait in the gate, outside the state tables: the oldest
   one of a window still open bounds what input may be committed (a closed
   window's slot is only reset when another key hashes into it, so the slots
   themselves cannot tell). Called once a second: a few windows, no scan. */
static int64_t beacon_oldest_open(void *state)
{
    beacon_t *b = state;
    gwin_purge(b);
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < b->n_gwin; i++)
        if (b->gwin[i].oldest < oldest)
            oldest = b->gwin[i].oldest;
    return oldest;
}

static const dh_kit_spec_t spec = {.size = sizeof(beacon_t), .params = &params,
                                   .setup = beacon_setup, .release = beacon_release};

const dh_detector_type_t dh_detector_dns_beacon = {
    .name = "dns_beacon",
    .description = "DNS C2 beaconing: regular query timing per client x name / domain (T1071.004)",
    .oldest_open = beacon_oldest_open,
    .kit = &spec,
    .on_event = beacon_on_event,
};
