/*
 * gen-dnslog.c -- deterministic synthetic DNS log generator for dnshound.
 *
 * Standalone C11 (libc + libm only).  Writes Zeek 6.x dns.log (TSV or JSON)
 * or Suricata EVE DNS (v2 = Suricata 7, v3 = Suricata 8) for a synthetic
 * enterprise network: Zipf-popular registered domains, A/AAAA pairs on one
 * socket, CNAME chains to CDNs, PTR/TXT/MX/SRV/HTTPS/NS/SOA, NXDOMAIN,
 * SERVFAIL and unanswered queries, DNSBL and AV-reputation lookups, plus
 * optional attack scenarios (iodine, dnscat2, exfil, dga, beacon, fastflux,
 * recon, lookalike, intel, doh) whose ground truth is printed on stderr.
 *
 * Everything is driven by a seeded xoshiro256** PRNG: the same arguments
 * always give byte-identical output.  Events are generated in timestamp
 * order and written through a small reorder heap keyed by the time the
 * sensor would write the record (response time, connection expiry, flow
 * timeout), so memory stays constant however many events are requested.
 *
 * Build: cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 \
 *           -o gen-dnslog bench/gen-dnslog.c -lm
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAMEMAX 256
#define DATAMAX 272
#define MAXRR 12
#define US 1000000LL

/* ------------------------------------------------------------------ */
/* errors                                                              */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen-dnslog: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64 for seeding/hashing, xoshiro256** for streams       */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = mix64(seed) ^ mix64(stream * 0xd1b54a32d192ed03ULL + 0x5851f42d4c957f2dULL);
    for (int i = 0; i < 4; i++) {
        x = mix64(x + (uint64_t)i);
        r->s[i] = x;
    }
}

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return res;
}

static uint32_t rbelow(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int64_t rrange(rng_t *r, int64_t lo, int64_t hi) /* inclusive */
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static double runit(rng_t *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }
static int rchance(rng_t *r, double p) { return runit(r) < p; }
static double rexp(rng_t *r, double mean) { return -mean * log(1.0 - runit(r)); }
static double rnorm(rng_t *r)
{
    double u1 = runit(r), u2 = runit(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ------------------------------------------------------------------ */
/* string builder                                                      */

typedef struct {
    char *p;
    size_t n, cap;
} sb_t;

static void sb_reserve(sb_t *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap)
        return;
    size_t nc = b->cap ? b->cap : 1024;
    while (nc < b->n + extra + 1)
        nc *= 2;
    char *np = realloc(b->p, nc);
    if (!np)
        die("out of memory");
    b->p = np;
    b->cap = nc;
}
static inline void sb_putc(sb_t *b, char c)
{
    sb_reserve(b, 1);
    b->p[b->n++] = c;
}
static inline void sb_putn(sb_t *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
}
static inline void sb_puts(sb_t *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_u64(sb_t *b, uint64_t v)
{
    char t[24];
    int i = 24;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_putn(b, t + i, (size_t)(24 - i));
}
static void sb_pad(sb_t *b, uint64_t v, int w)
{
    char t[24];
    for (int i = w - 1; i >= 0; i--) {
        t[i] = (char)('0' + v % 10);
        v /= 10;
    }
    sb_putn(b, t, (size_t)w);
}
static void sb_ip4(sb_t *b, uint32_t ip)
{
    sb_u64(b, ip >> 24);
    sb_putc(b, '.');
    sb_u64(b, (ip >> 16) & 255);
    sb_putc(b, '.');
    sb_u64(b, (ip >> 8) & 255);
    sb_putc(b, '.');
    sb_u64(b, ip & 255);
}
static void sb_hex(sb_t *b, unsigned v)
{
    char t[16];
    int i = 16;
    do {
        t[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    sb_putn(b, t + i, (size_t)(16 - i));
}

/* JSON string body (no quotes) */
static void sb_json_str(sb_t *b, const char *s)
{
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            sb_putc(b, '\\');
            sb_putc(b, (char)c);
        } else if (c < 0x20) {
            static const char hx[] = "0123456789abcdef";
            char e[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
            sb_putn(b, e, 6);
        } else {
            sb_putc(b, (char)c);
        }
    }
    sb_putc(b, '"');
}

/* Zeek ASCII writer escaping: non-printables, tab, backslash as \xNN, and
 * the set separator inside container elements. */
static void sb_zeek_str(sb_t *b, const char *s, int in_vec)
{
    if (!*s) {
        sb_puts(b, "(empty)");
        return;
    }
    if (!in_vec && s[0] == '-' && s[1] == 0) {
        sb_puts(b, "\\x2d");
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if (c < 0x20 || c >= 0x7f || c == '\\' || (in_vec && c == ',')) {
            static const char hx[] = "0123456789abcdef";
            char e[4] = {'\\', 'x', hx[c >> 4], hx[c & 15]};
            sb_putn(b, e, 4);
        } else {
            sb_putc(b, (char)c);
        }
    }
}

/* ------------------------------------------------------------------ */
/* time formatting                                                     */

static void sb_epoch6(sb_t *b, int64_t us) /* Zeek TSV time */
{
    sb_u64(b, (uint64_t)(us / US));
    sb_putc(b, '.');
    sb_pad(b, (uint64_t)(us % US), 6);
}

static void sb_epoch_json(sb_t *b, int64_t us) /* Zeek JSON time */
{
    sb_u64(b, (uint64_t)(us / US));
    sb_putc(b, '.');
    uint64_t f = (uint64_t)(us % US);
    if (f == 0) {
        sb_putc(b, '0');
        return;
    }
    int w = 6;
    while (f % 10 == 0) {
        f /= 10;
        w--;
    }
    sb_pad(b, f, w);
}

static void sb_iso(sb_t *b, int64_t us) /* EVE timestamp, UTC +0000 */
{
    static int64_t csec = -1;
    static char cbuf[32];
    int64_t sec = us / US;
    if (sec != csec) {
        time_t tt = (time_t)sec;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(cbuf, sizeof cbuf, "%Y-%m-%dT%H:%M:%S", &tm);
        csec = sec;
    }
    sb_puts(b, cbuf);
    sb_putc(b, '.');
    sb_pad(b, (uint64_t)(us % US), 6);
    sb_puts(b, "+0000");
}

static void fmt_zeek_date(char *out, size_t cap, int64_t us)
{
    time_t tt = (time_t)(us / US);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%d-%H-%M-%S", &tm);
}

static void fmt_iso_short(char *out, size_t cap, int64_t us)
{
    time_t tt = (time_t)(us / US);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Zeek computes times as doubles from (sec, usec); rtt is a double
 * difference of two such values. */
static double zeek_time(int64_t us) { return (double)(us / US) + (double)(us % US) / 1e6; }

/* shortest round-trip representation, as the Zeek JSON writer prints doubles */
static void sb_dbl_short(sb_t *b, double d)
{
    char t[48];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(t, sizeof t, "%.*g", prec, d);
        if (strtod(t, NULL) == d)
            break;
    }
    if (strchr(t, 'e')) {
        /* not expected for rtt >= 1e-4; fall back to fixed notation */
        snprintf(t, sizeof t, "%.17f", d);
        size_t n = strlen(t);
        while (n > 2 && t[n - 1] == '0' && t[n - 2] != '.')
            t[--n] = 0;
    }
    sb_puts(b, t);
    if (!strchr(t, '.'))
        sb_puts(b, ".0");
}

/* ------------------------------------------------------------------ */
/* options and globals                                                 */

enum { F_ZEEK, F_ZEEK_JSON, F_EVE };

static struct {
    int fmt;
    int eve_ver;
    long events;
    uint32_t clients;
    uint32_t domains;
    int nres;
    int64_t start;    /* seconds */
    int64_t duration; /* seconds */
    uint64_t seed;
    double noise;
    int noise_set;
    const char *out;
    const char *truth;
} O = {F_ZEEK, 2, 10000, 200, 5000, 2, 1700000000, 86400, 1, 0.2, 0, NULL, NULL};

static FILE *OUT;
static FILE *TRUTH;
static uint32_t g_res[2] = {0x0A000035u /* 10.0.0.53 */, 0x0A000135u /* 10.0.1.53 */};
static char g_internal[64]; /* internal AD zone, e.g. corp.bluestone.lan */
static uint64_t g_dseed, g_cseed;
static uint64_t g_cperm_off;
static double g_zc_client; /* pow(n+1, 1-s)-1 for the client Zipf */

#define MAX_SPECIAL 8
static uint32_t g_mail[MAX_SPECIAL], g_nmail;
static uint32_t g_av[MAX_SPECIAL], g_nav;
static uint32_t g_used[64], g_nused;
static uint32_t g_attack_client[16];

/* ------------------------------------------------------------------ */
/* vocabulary                                                          */

static const char *const WORDS[] = {
    "cloud", "data", "shop", "news", "tech", "bank", "media", "travel", "home", "green", "blue",
    "smart", "web", "app", "soft", "link", "hub", "zone", "point", "star", "sun", "river",
    "stone", "north", "west", "east", "city", "metro", "prime", "fast", "bright", "open",
    "secure", "global", "digital", "alpha", "nova", "pixel", "bit", "byte", "code", "dev",
    "labs", "works", "studio", "market", "store", "deals", "health", "care", "food", "fresh",
    "wine", "coffee", "sport", "game", "play", "music", "radio", "film", "photo", "art",
    "design", "print", "paper", "book", "read", "learn", "school", "mail", "post", "chat",
    "talk", "social", "friend", "family", "kids", "pet", "garden", "house", "auto", "car",
    "bike", "fly", "air", "sea", "ocean", "lake", "forest", "mountain", "snow", "fire",
    "storm", "rain", "light", "power", "energy", "solar", "wind", "gold", "silver", "iron",
    "steel", "rock", "jazz", "rocket", "space", "planet", "moon", "orbit", "quantum", "logic",
    "matrix", "vector", "signal", "wave", "pulse", "spark", "flow", "stream", "bridge",
    "gate", "harbor", "island", "valley", "field", "farm", "bread", "sugar", "spice", "tea",
    "ticket", "event", "jobs", "career", "money", "pay", "fund", "trade", "invest", "capital",
    "legal", "law", "insure", "clinic", "dental", "vision", "fit", "yoga", "run", "tribe",
    "nest", "peak", "craft", "maple", "cedar", "fox", "wolf", "eagle", "lion", "panda",
};
#define NWORDS (sizeof WORDS / sizeof WORDS[0])

static const char *const TOPDOMS[] = {
    "google.com", "microsoft.com", "windowsupdate.com", "apple.com", "gstatic.com",
    "googleapis.com", "office.com", "live.com", "amazonaws.com", "facebook.com",
    "icloud.com", "akamaized.net", "youtube.com", "msftconnecttest.com", "office365.com",
    "doubleclick.net", "bing.com", "azure.com", "cloudflare.com", "github.com",
    "linkedin.com", "instagram.com", "whatsapp.net", "googlevideo.com", "zoom.us",
    "slack.com", "dropbox.com", "adobe.com", "mozilla.org", "ubuntu.com", "wikipedia.org",
    "netflix.com", "spotify.com", "yahoo.com", "salesforce.com", "okta.com", "digicert.com",
    "sentry.io", "twitter.com", "skype.com",
};
#define NTOP (sizeof TOPDOMS / sizeof TOPDOMS[0])

static const char *const SUBS[] = {
    "www", "api", "cdn", "mail", "static", "img", "m", "login", "app", "assets", "portal",
    "support", "shop", "blog", "news", "docs", "auth", "accounts", "media", "video",
    "update", "download", "edge", "ws", "events", "telemetry", "clients", "graph", "status",
    "files",
};
#define NSUBS (sizeof SUBS / sizeof SUBS[0])

static const struct {
    const char *tld;
    int w;
} TLDS[] = {
    {"com", 50}, {"net", 9}, {"org", 8}, {"de", 6}, {"co.uk", 5}, {"io", 4}, {"fr", 3},
    {"com.au", 2}, {"nl", 2}, {"info", 2}, {"co", 2}, {"ca", 2}, {"eu", 1}, {"ch", 1},
    {"se", 1}, {"co.jp", 1}, {"es", 1}, {"it", 1},
};
#define NTLDS (sizeof TLDS / sizeof TLDS[0])

static const char *const INTERNAL_HOSTS[] = {
    "dc01", "dc02", "fs01", "fs02", "print01", "wsus", "sccm", "exch01", "intranet", "git",
    "jira", "confluence", "vpn", "proxy", "nas01", "backup", "sql01", "sql02", "web01",
    "web02", "mon", "ldap", "adfs", "crm", "erp", "hr", "files", "time", "kms", "ca01",
};
#define NIHOSTS (sizeof INTERNAL_HOSTS / sizeof INTERNAL_HOSTS[0])

static const uint8_t PUB1[] = {
    3, 5, 13, 18, 20, 23, 31, 34, 35, 37, 40, 44, 45, 46, 50, 51, 52, 54, 62, 63, 64, 66, 69,
    74, 76, 77, 78, 80, 81, 82, 83, 85, 87, 88, 89, 91, 93, 94, 95, 99, 104, 107, 108, 109,
    128, 130, 134, 138, 141, 142, 143, 146, 151, 152, 157, 159, 162, 163, 164, 167, 173, 176,
    178, 184, 185, 188, 193, 194, 195, 199, 204, 205, 206, 207, 208, 209, 212, 213, 216, 217,
};
#define NPUB1 (sizeof PUB1 / sizeof PUB1[0])

/* residential-looking first octets used by the fast-flux botnet */
static const uint8_t RES1[] = {
    24, 67, 68, 71, 73, 75, 76, 86, 90, 92, 98, 101, 112, 113, 117, 122, 124, 174, 177, 179,
    181, 186, 187, 189, 190, 200, 201, 211, 218, 220, 222,
};
#define NRES1 (sizeof RES1 / sizeof RES1[0])

static const uint16_t V6PFX[][2] = {
    {0x2606, 0x4700}, {0x2a04, 0x4e42}, {0x2600, 0x1f18}, {0x2620, 0x01ec},
    {0x2001, 0x4860}, {0x2a03, 0x2880}, {0x2400, 0xcb00}, {0x2a00, 0x1450},
    {0x2600, 0x9000}, {0x2a01, 0x0111}, {0x2607, 0xf8b0}, {0x2a02, 0x26f0},
};
#define NV6PFX (sizeof V6PFX / sizeof V6PFX[0])

static const char CONS[] = "bcdfghjklmnprstvwz";
static const char VOWS[] = "aeiou";
static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char HEX[] = "0123456789abcdef";

static void put_syllables(rng_t *r, char *out, size_t cap, int n)
{
    size_t len = strlen(out);
    for (int i = 0; i < n && len + 3 < cap; i++) {
        out[len++] = CONS[rbelow(r, sizeof CONS - 1)];
        out[len++] = VOWS[rbelow(r, sizeof VOWS - 1)];
        if (rchance(r, 0.25) && len + 1 < cap)
            out[len++] = CONS[rbelow(r, sizeof CONS - 1)];
    }
    out[len] = 0;
}

static void append(char *out, size_t cap, const char *s)
{
    size_t len = strlen(out), n = strlen(s);
    if (len + n >= cap)
        n = cap - 1 - len;
    memcpy(out + len, s, n);
    out[len + n] = 0;
}

static void put_rand(rng_t *r, char *out, size_t cap, const char *alpha, size_t alen, int n)
{
    size_t len = strlen(out);
    for (int i = 0; i < n && len + 1 < cap; i++)
        out[len++] = alpha[rbelow(r, (uint32_t)alen)];
    out[len] = 0;
}

static const char *pick_tld(rng_t *r)
{
    static int tot = 0;
    if (!tot)
        for (size_t i = 0; i < NTLDS; i++)
            tot += TLDS[i].w;
    int x = (int)rbelow(r, (uint32_t)tot);
    for (size_t i = 0; i < NTLDS; i++) {
        if (x < TLDS[i].w)
            return TLDS[i].tld;
        x -= TLDS[i].w;
    }
    return "com";
}

/* plausible registered-domain label: words and syllables */
static void make_label(rng_t *r, char *out, size_t cap)
{
    out[0] = 0;
    uint32_t p = rbelow(r, 100);
    if (p < 35) {
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
    } else if (p < 50) {
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
    } else if (p < 70) {
        put_syllables(r, out, cap, 2 + (int)rbelow(r, 3));
    } else if (p < 80) {
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
        append(out, cap, "-");
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
    } else if (p < 90) {
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
        put_syllables(r, out, cap, 1 + (int)rbelow(r, 2));
    } else if (p < 95) {
        char d[8];
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
        snprintf(d, sizeof d, "%u", 2 + rbelow(r, 998));
        append(out, cap, d);
    } else {
        put_syllables(r, out, cap, 1 + (int)rbelow(r, 2));
        append(out, cap, WORDS[rbelow(r, NWORDS)]);
    }
}

static uint32_t pub_ip(uint64_t h)
{
    uint32_t a = PUB1[h % NPUB1];
    uint32_t b = (uint32_t)(h >> 12) & 255, c = (uint32_t)(h >> 24) & 255;
    uint32_t d = 1 + (uint32_t)((h >> 40) % 254);
    return (a << 24) | (b << 16) | (c << 8) | d;
}

/* ------------------------------------------------------------------ */
/* registered domains (computed from rank, never stored)               */

enum { CDN_NONE, CDN_AKAMAI, CDN_CLOUDFRONT, CDN_FASTLY, CDN_AZURE };

typedef struct {
    uint32_t rank;
    int valid;
    char name[72];
    uint64_t h;
    uint8_t na, v6, cdn, nsub, ns_kind, mx_kind;
    uint8_t sub[6];
    uint32_t ttl;
    uint32_t v4base;
    uint16_t v6w[3];
} dom_t;

#define DCACHE 8192
static dom_t *g_dcache;

static const uint32_t TTL_CHOICES[] = {30, 60, 60, 120, 300, 300, 300, 600, 900, 1800,
                                       3600, 3600, 7200, 14400, 86400};

static const dom_t *dom_get(uint32_t rank)
{
    dom_t *d = &g_dcache[rank % DCACHE];
    if (d->valid && d->rank == rank)
        return d;
    memset(d, 0, sizeof *d);
    d->rank = rank;
    d->valid = 1;
    d->h = mix64(g_dseed ^ ((uint64_t)rank * 0x9e3779b97f4a7c15ULL));
    rng_t r;
    rng_seed(&r, d->h, 77);
    if (rank < NTOP) {
        snprintf(d->name, sizeof d->name, "%s", TOPDOMS[rank]);
    } else {
        char lab[48];
        make_label(&r, lab, sizeof lab);
        snprintf(d->name, sizeof d->name, "%s.%s", lab, pick_tld(&r));
    }
    uint32_t x = rbelow(&r, 100);
    d->na = x < 50 ? 1 : x < 75 ? 2 : x < 85 ? 3 : 4;
    d->v6 = rchance(&r, rank < 1000 ? 0.8 : 0.5);
    x = rbelow(&r, 100);
    d->cdn = x < 76 ? CDN_NONE : x < 82 ? CDN_AKAMAI : x < 90 ? CDN_CLOUDFRONT : x < 95 ? CDN_FASTLY : CDN_AZURE;
    d->ttl = TTL_CHOICES[rbelow(&r, sizeof TTL_CHOICES / sizeof TTL_CHOICES[0])];
    d->v4base = pub_ip(rng_next(&r)) & 0xffffff00u;
    size_t pi = rbelow(&r, NV6PFX);
    d->v6w[0] = V6PFX[pi][0];
    d->v6w[1] = V6PFX[pi][1];
    d->v6w[2] = (uint16_t)rng_next(&r);
    d->nsub = (uint8_t)(2 + rbelow(&r, 5));
    d->sub[0] = 0; /* www always */
    for (int i = 1; i < d->nsub; i++)
        d->sub[i] = (uint8_t)(1 + rbelow(&r, NSUBS - 1));
    d->ns_kind = (uint8_t)rbelow(&r, 4);
    d->mx_kind = (uint8_t)rbelow(&r, 3);
    return d;
}

/* Zipf-like rank in [0,n): continuous power-law inverse (s=1 for domains) */
static uint32_t zipf_dom(rng_t *r, uint32_t n)
{
    double x = exp(runit(r) * log((double)n + 1.0));
    uint32_t k = (uint32_t)x;
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return k - 1;
}

static uint32_t zipf_client(rng_t *r)
{
    const double s = 0.8;
    double x = pow(g_zc_client * runit(r) + 1.0, 1.0 / (1.0 - s));
    uint32_t k = (uint32_t)x;
    if (k < 1)
        k = 1;
    if (k > O.clients)
        k = O.clients;
    return (uint32_t)(((uint64_t)(k - 1) * 2654435761ULL + g_cperm_off) % O.clients);
}

/* ------------------------------------------------------------------ */
/* clients                                                             */

static uint32_t client_ip(uint32_t idx)
{
    uint32_t a = 1 + idx / 62500, rem = idx % 62500;
    return (10u << 24) | (a << 16) | ((rem / 250) << 8) | (rem % 250 + 2);
}

static uint64_t client_h(uint32_t idx) { return mix64(g_cseed ^ ((uint64_t)idx * 0xa0761d6478bd642fULL)); }
static int client_windows(uint32_t idx) { return client_h(idx) % 100 < 62; }
static uint32_t client_resolver(uint32_t idx) { return g_res[(client_h(idx) >> 8) % (uint64_t)O.nres]; }
static int client_edns(uint32_t idx) { return !client_windows(idx) || ((client_h(idx) >> 20) & 3) == 0; }
static int client_suffix_bug(uint32_t idx) { return (client_h(idx) >> 32) % 100 < 4; }

static uint16_t client_port(rng_t *r, uint32_t idx)
{
    if (client_windows(idx))
        return (uint16_t)(49152 + rbelow(r, 16384));
    return (uint16_t)(32768 + rbelow(r, 28232));
}

static int is_used(uint32_t c)
{
    for (uint32_t i = 0; i < g_nused; i++)
        if (g_used[i] == c)
            return 1;
    return 0;
}

/* a dedicated client index derived from the seed and a tag */
static uint32_t pick_special(uint64_t tag)
{
    uint64_t h = mix64(O.seed ^ mix64(tag));
    uint32_t c = (uint32_t)(h % O.clients);
    for (uint32_t tries = 0; tries < O.clients && is_used(c); tries++)
        c = (c + 1) % O.clients;
    if (g_nused < 64)
        g_used[g_nused++] = c;
    return c;
}

/* ------------------------------------------------------------------ */
/* DNS transaction                                                     */

enum {
    T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_NULL = 10, T_PTR = 12, T_MX = 15, T_TXT = 16,
    T_AAAA = 28, T_SRV = 33, T_HTTPS = 65, T_AXFR = 252, T_PRIVATE = 65399
};

typedef struct {
    char owner[NAMEMAX];
    char data[DATAMAX]; /* name, text, printable rdata */
    uint8_t addr[16];
    uint16_t type;
    uint32_t ttl;
    uint16_t prio, weight, port;
} rr_t;

typedef struct {
    char zone[NAMEMAX], mname[NAMEMAX], rname[NAMEMAX];
    uint32_t ttl, serial, refresh, retry, expire, minimum;
} soa_t;

typedef struct {
    int64_t ts;  /* query time (us) */
    int64_t rtt; /* us; < 0: no response seen */
    uint32_t cli, srv;
    uint16_t cport, sport;
    uint8_t tcp, aa, rd, ra, edns, soa_auth, last;
    uint32_t txidx;          /* Suricata 7 tx_id (one per query/answer pair) */
    uint32_t tx3q, tx3r;     /* Suricata 8 tx_id of request and response */
    uint16_t id, qtype;
    int rcode; /* -1: unset */
    char uid[24];
    uint64_t flow;
    char q[NAMEMAX];
    int nans;
    rr_t ans[MAXRR];
    soa_t soa; /* SOA answer or authority */
    /* flow summary (valid when last) */
    int64_t fl_start, fl_end;
    uint32_t fl_pq, fl_pr, fl_bq, fl_br;
} txn_t;

static const char *qtype_zeek(uint16_t t, char *buf, size_t cap)
{
    switch (t) {
    case T_A: return "A";
    case T_NS: return "NS";
    case T_CNAME: return "CNAME";
    case T_SOA: return "SOA";
    case T_NULL: return "NULL";
    case T_PTR: return "PTR";
    case T_MX: return "MX";
    case T_TXT: return "TXT";
    case T_AAAA: return "AAAA";
    case T_SRV: return "SRV";
    case T_HTTPS: return "HTTPS";
    case T_AXFR: return "AXFR";
    default: snprintf(buf, cap, "query-%u", t); return buf;
    }
}

static const char *qtype_eve(uint16_t t, char *buf, size_t cap)
{
    switch (t) {
    case T_PRIVATE: snprintf(buf, cap, "%u", t); return buf;
    default: return qtype_zeek(t, buf, cap);
    }
}

static const char *rcode_name(int rc)
{
    switch (rc) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "rcode-x";
    }
}

static void scpy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static rr_t g_rr_scratch;

static rr_t *rr_add(txn_t *t, const char *owner, uint16_t type, uint32_t ttl)
{
    rr_t *r = t->nans < MAXRR ? &t->ans[t->nans++] : &g_rr_scratch;
    scpy(r->owner, sizeof r->owner, owner);
    r->type = type;
    r->ttl = ttl;
    r->data[0] = 0;
    return r;
}

static void rr_a(txn_t *t, const char *owner, uint32_t ip, uint32_t ttl)
{
    rr_t *r = rr_add(t, owner, T_A, ttl);
    r->addr[0] = (uint8_t)(ip >> 24);
    r->addr[1] = (uint8_t)(ip >> 16);
    r->addr[2] = (uint8_t)(ip >> 8);
    r->addr[3] = (uint8_t)ip;
}

static void rr_aaaa(txn_t *t, const char *owner, const uint16_t w[8], uint32_t ttl)
{
    rr_t *r = rr_add(t, owner, T_AAAA, ttl);
    for (int i = 0; i < 8; i++) {
        r->addr[2 * i] = (uint8_t)(w[i] >> 8);
        r->addr[2 * i + 1] = (uint8_t)w[i];
    }
}

static void rr_name(txn_t *t, const char *owner, uint16_t type, const char *name, uint32_t ttl)
{
    rr_t *r = rr_add(t, owner, type, ttl);
    scpy(r->data, sizeof r->data, name);
}

static void rr_srv(txn_t *t, const char *owner, uint16_t prio, uint16_t weight, uint16_t port,
                   const char *target, uint32_t ttl)
{
    rr_t *r = rr_add(t, owner, T_SRV, ttl);
    r->prio = prio;
    r->weight = weight;
    r->port = port;
    scpy(r->data, sizeof r->data, target);
}

static void make_uid(rng_t *r, char *out)
{
    static const char dig[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t w[2] = {rng_next(r), rng_next(r) & 0xffffffffULL};
    size_t n = 0;
    out[n++] = 'C';
    for (int k = 0; k < 2; k++) {
        char t[16];
        int i = 0;
        uint64_t v = w[k];
        do {
            t[i++] = dig[v % 62];
            v /= 62;
        } while (v);
        while (i > 0)
            out[n++] = t[--i];
    }
    out[n] = 0;
}

static uint64_t make_flow_id(rng_t *r) { return 1 + (rng_next(r) & ((1ULL << 51) - 1)); }

static void txn_begin(txn_t *t, rng_t *r, int64_t ts, uint32_t cidx, uint16_t qtype, const char *q)
{
    t->ts = ts;
    t->rtt = -1;
    t->cli = client_ip(cidx);
    t->srv = client_resolver(cidx);
    t->cport = client_port(r, cidx);
    t->sport = 53;
    t->tcp = 0;
    t->aa = 0;
    t->rd = 1;
    t->ra = 1;
    t->edns = (uint8_t)client_edns(cidx);
    t->soa_auth = 0;
    t->last = 1;
    t->txidx = 0;
    t->tx3q = 0;
    t->tx3r = 1;
    t->id = (uint16_t)rng_next(r);
    t->qtype = qtype;
    t->rcode = -1;
    make_uid(r, t->uid);
    t->flow = make_flow_id(r);
    scpy(t->q, sizeof t->q, q);
    t->nans = 0;
}

/* ------------------------------------------------------------------ */
/* response helpers                                                    */

static int64_t rtt_cached(rng_t *r) { return rrange(r, 180, 2600); }
static int64_t rtt_recursive(rng_t *r)
{
    double ms = exp(log(28.0) + 0.75 * rnorm(r));
    if (ms < 4)
        ms = 4 + runit(r) * 3;
    if (ms > 1800)
        ms = 1800 - runit(r) * 200;
    return (int64_t)(ms * 1000.0);
}

static uint32_t ttl_decay(rng_t *r, uint32_t base)
{
    if (base < 60 || rchance(r, 0.35))
        return base;
    return base - rbelow(r, base / 2 + 1);
}

static void set_soa(txn_t *t, const char *zone, int kind, rng_t *r)
{
    soa_t *s = &t->soa;
    scpy(s->zone, sizeof s->zone, zone);
    if (kind == 1) { /* TLD */
        if (!strcmp(zone, "com") || !strcmp(zone, "net")) {
            scpy(s->mname, sizeof s->mname, "a.gtld-servers.net");
            scpy(s->rname, sizeof s->rname, "nstld.verisign-grs.com");
        } else {
            snprintf(s->mname, sizeof s->mname, "a0.%s.afilias-nst.info", zone);
            snprintf(s->rname, sizeof s->rname, "hostmaster.donuts.email");
        }
        s->serial = (uint32_t)(O.start + O.duration / 2);
        s->refresh = 1800;
        s->retry = 900;
        s->expire = 604800;
        s->minimum = 86400;
        s->ttl = 900 - rbelow(r, 400);
    } else if (kind == 2) { /* internal AD zone */
        snprintf(s->mname, sizeof s->mname, "dc01.%s", g_internal);
        snprintf(s->rname, sizeof s->rname, "hostmaster.%s", g_internal);
        s->serial = 4121 + (uint32_t)(O.start % 1000);
        s->refresh = 900;
        s->retry = 600;
        s->expire = 86400;
        s->minimum = 3600;
        s->ttl = 3600;
    } else {
        uint64_t h = mix64(g_dseed ^ (uint64_t)strlen(zone) ^ ((uint64_t)(unsigned char)zone[0] << 8) ^
                           ((uint64_t)(unsigned char)zone[1] << 16));
        switch (h % 4) {
        case 0:
            snprintf(s->mname, sizeof s->mname, "ns1.%s", zone);
            snprintf(s->rname, sizeof s->rname, "hostmaster.%s", zone);
            break;
        case 1:
            snprintf(s->mname, sizeof s->mname, "ns-%u.awsdns-%02u.org", (unsigned)(h >> 8) % 2048,
                     (unsigned)(h >> 20) % 64);
            scpy(s->rname, sizeof s->rname, "awsdns-hostmaster.amazon.com");
            break;
        case 2:
            snprintf(s->mname, sizeof s->mname, "%s.ns.cloudflare.com", WORDS[(h >> 8) % NWORDS]);
            scpy(s->rname, sizeof s->rname, "dns.cloudflare.com");
            break;
        default:
            snprintf(s->mname, sizeof s->mname, "ns%u.domaincontrol.com", 1 + (unsigned)(h >> 8) % 80);
            scpy(s->rname, sizeof s->rname, "dns.jomax.net");
            break;
        }
        s->serial = 2023000000u + (uint32_t)((h >> 24) % 1000000);
        s->refresh = 7200;
        s->retry = 3600;
        s->expire = 1209600;
        s->minimum = 300;
        s->ttl = 300 - rbelow(r, 200);
    }
}

static void respond(txn_t *t, int rcode, int64_t rtt)
{
    t->rcode = rcode;
    t->rtt = rtt;
}

/* NXDOMAIN; SOA authority present with probability p_soa (else rejected=T
 * in Zeek unless the response carries an EDNS OPT record) */
static void respond_nx(txn_t *t, rng_t *r, const char *zone, int kind, double p_soa, int64_t rtt)
{
    respond(t, 3, rtt);
    if (zone && rchance(r, p_soa)) {
        t->soa_auth = 1;
        set_soa(t, zone, kind, r);
    }
}

static void respond_nodata(txn_t *t, rng_t *r, const char *zone, int kind, int64_t rtt)
{
    respond(t, 0, rtt);
    t->soa_auth = 1;
    set_soa(t, zone, kind, r);
}

static const char *tld_of(const char *dom)
{
    const char *p = strchr(dom, '.');
    return p ? p + 1 : dom;
}

/* approximate wire sizes for flow records */
static uint32_t q_bytes(const txn_t *t) { return 28 + 12 + (uint32_t)strlen(t->q) + 2 + 4 + (t->edns ? 11 : 0); }
static uint32_t r_bytes(const txn_t *t)
{
    uint32_t b = q_bytes(t);
    for (int i = 0; i < t->nans; i++) {
        const rr_t *a = &t->ans[i];
        b += 12;
        switch (a->type) {
        case T_A: b += 4; break;
        case T_AAAA: b += 16; break;
        case T_TXT: b += (uint32_t)strlen(a->data) + 1; break;
        case T_HTTPS: b += 30; break;
        case T_NULL: b += (uint32_t)strlen(a->data) * 5 / 8 + 1; break;
        default: b += (uint32_t)strlen(a->data) / 2 + 4; break;
        }
    }
    if (t->soa_auth)
        b += 60;
    return b;
}

/* single-transaction flow summary */
static void flow_single(txn_t *t)
{
    t->last = 1;
    t->fl_start = t->ts;
    t->fl_end = t->rtt >= 0 ? t->ts + t->rtt : t->ts;
    t->fl_pq = 1;
    t->fl_pr = t->rtt >= 0;
    t->fl_bq = q_bytes(t);
    t->fl_br = t->rtt >= 0 ? r_bytes(t) : 0;
}

/* ------------------------------------------------------------------ */
/* benign answer builders                                              */

static void v6_of(const dom_t *d, uint64_t h, uint16_t w[8])
{
    w[0] = d->v6w[0];
    w[1] = d->v6w[1];
    w[2] = d->v6w[2];
    w[3] = (uint16_t)((h >> 4) & 0x0f00);
    w[4] = 0;
    w[5] = 0;
    w[6] = (h & 1) ? 0 : (uint16_t)(h >> 16);
    w[7] = (uint16_t)(h >> 32);
    if (!w[7])
        w[7] = 1;
}

/* A/AAAA answer for an external name, with optional CDN CNAME chain */
static void answer_addr(txn_t *t, rng_t *r, const dom_t *d, const char *qname, int v6, int cdnish)
{
    char owner[NAMEMAX];
    scpy(owner, sizeof owner, qname);
    int chain = cdnish && d->cdn != CDN_NONE;
    uint32_t ttl = ttl_decay(r, d->ttl);
    int n = d->na;
    uint32_t base = d->v4base;
    int has_v6 = d->v6;
    if (chain) {
        char c1[NAMEMAX + 32], c2[NAMEMAX + 32];
        uint64_t h = d->h;
        has_v6 = 1;
        switch (d->cdn) {
        case CDN_AKAMAI:
            snprintf(c1, sizeof c1, "%s.edgekey.net", qname);
            snprintf(c2, sizeof c2, "e%u.%s.akamaiedge.net", (unsigned)(h % 9000) + 1000,
                     (h >> 20) & 1 ? "dscb" : "a");
            rr_name(t, owner, T_CNAME, c1, ttl_decay(r, 21600));
            rr_name(t, c1, T_CNAME, c2, ttl_decay(r, 300));
            scpy(owner, sizeof owner, c2);
            base = ((h >> 8) & 1 ? 0x17000000u : 0x68400000u) | (uint32_t)((h >> 16) & 0xffff) << 8;
            ttl = 20 + rbelow(r, 41);
            n = 2;
            break;
        case CDN_CLOUDFRONT:
            c1[0] = 'd';
            c1[1] = 0;
            {
                rng_t hr;
                rng_seed(&hr, h, 5);
                put_rand(&hr, c1, sizeof c1, "abcdefghijklmnopqrstuvwxyz0123456789", 36, 13);
            }
            append(c1, sizeof c1, ".cloudfront.net");
            rr_name(t, owner, T_CNAME, c1, ttl_decay(r, 300));
            scpy(owner, sizeof owner, c1);
            base = ((h >> 9) & 1 ? 0x0d200000u : 0x12400000u) | (uint32_t)((h >> 16) & 0xff) << 8;
            ttl = 60;
            n = 4;
            break;
        case CDN_FASTLY:
            snprintf(c1, sizeof c1, "%s.map.fastly.net", WORDS[(h >> 7) % NWORDS]);
            rr_name(t, owner, T_CNAME, c1, ttl_decay(r, 3600));
            scpy(owner, sizeof owner, c1);
            base = 0x97650000u; /* 151.101.0.0 */
            ttl = 30 + rbelow(r, 31);
            n = 4;
            break;
        default: {
            char lab[48];
            scpy(lab, sizeof lab, d->name);
            for (char *p = lab; *p; p++)
                if (*p == '.')
                    *p = '-';
            snprintf(c1, sizeof c1, "%s.azureedge.net", lab);
            snprintf(c2, sizeof c2, "%s.afd.azureedge.net", lab);
            rr_name(t, owner, T_CNAME, c1, ttl_decay(r, 3600));
            rr_name(t, c1, T_CNAME, c2, ttl_decay(r, 60));
            scpy(owner, sizeof owner, c2);
            base = 0x0d6b0000u | (uint32_t)((h >> 10) & 0xff) << 8; /* 13.107.x */
            ttl = 30 + rbelow(r, 200);
            n = 2;
            break;
        }
        }
    }
    if (v6 && !has_v6) {
        /* NOERROR/NODATA: SOA of the zone in the authority section */
        respond_nodata(t, r, d->name, 0, 0);
        return;
    }
    uint32_t start = rbelow(r, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        uint64_t h = mix64(d->h + (uint64_t)((start + (uint32_t)i) % (uint32_t)n) + (chain ? 1000 : 0));
        if (v6) {
            uint16_t w[8];
            v6_of(d, h, w);
            rr_aaaa(t, owner, w, ttl);
        } else {
            uint32_t host = 1 + (uint32_t)(h % 254);
            if (d->cdn == CDN_FASTLY && chain)
                rr_a(t, owner, base | ((uint32_t)(1 + 64 * ((start + (uint32_t)i) % 4)) << 8) | host, ttl);
            else
                rr_a(t, owner, base | host, ttl);
        }
    }
    t->rcode = 0;
}

static void random_internal_ip_name(rng_t *r, char *host, size_t cap, uint32_t *ip)
{
    uint32_t k = rbelow(r, NIHOSTS);
    snprintf(host, cap, "%s.%s", INTERNAL_HOSTS[k], g_internal);
    *ip = 0x0A000200u | (uint32_t)(10 + k * 3); /* servers live in 10.0.2.0/24 */
}

/* ------------------------------------------------------------------ */
/* sources                                                             */

enum { SK_BENIGN, SK_IODINE, SK_DNSCAT2, SK_EXFIL, SK_DGA, SK_BEACON, SK_FASTFLUX, SK_RECON,
       SK_LOOKALIKE, SK_INTEL, SK_DOH, SK_N };
static const char *const SK_NAMES[SK_N] = {"benign", "iodine", "dnscat2", "exfil", "dga", "beacon",
                                           "fastflux", "recon", "lookalike", "intel", "doh"};
static const long SK_DEFAULT[SK_N] = {0, 600, 300, 150, 600, 240, 300, 255, 12, 12, 6};

/* Look-alikes of protected brands (rules/lookalike-brands.txt) a phished
   client resolves, and names on the shipped threat-intel lists
   (rules/intel/); the last intel name resolves to a listed address. */
static const char *const LOOKALIKE_NAMES[] = {"login.micros0ft.com", "paypal.com.account-verify.xyz",
                                              "secure-paypa1.com"};
static const char *const INTEL_NAMES[] = {"api.ipify.org", "www.packetriot.net",
                                          "abcdefghijklmnop.onion.to", "files.mirror-cdn.net"};
#define INTEL_LISTED_IP 0xADD4FEC0u /* 173.212.254.192, in rules/intel/tor2web-gateways.txt */
/* Public DoH resolvers (rules/doh-resolvers.txt) and Firefox's DoH canary
   (rules/doh_evasion.yaml), answered: a client moving its DNS out of sight. */
static const char *const DOH_NAMES[] = {"dns.google", "cloudflare-dns.com", "use-application-dns.net"};

typedef struct {
    int kind;
    rng_t r;
    long limit, done;
    int64_t t, t_end; /* scenario clock and hard stop (us) */
    uint32_t client;
    char domain[128];
    txn_t *cur;
    /* scenario state */
    txn_t tx;
    long k, burst_left, burst_no, resolve_at;
    uint16_t port, sess, seq, ack;
    uint32_t c2ip;
    char uid[24];
    uint64_t flow;
    int64_t fl_start;
    uint32_t fl_pq, fl_pr, fl_bq, fl_br;
    uint32_t ffpool_base, ffpool_n;
    uint8_t ffseen[32];
    /* benign state */
    txn_t qb[2];
    int qn, qi;
    double u;
    int wp;
    /* the benign typo traps of the last hours (trap_name): two users making
       the same typo within a window is a campaign to the detector, not
       background, so the generator does not make one */
    char typo_recent[64][40];
    int64_t typo_ts[64];
    uint32_t typo_next;
    /* ground truth */
    int64_t first, last;
    long count;
} src_t;

/* --- diurnal time warp for benign traffic --- */
static const double HOUR_W[24] = {0.30, 0.25, 0.22, 0.20, 0.22, 0.30, 0.50, 0.80,
                                  1.20, 1.45, 1.50, 1.45, 1.30, 1.40, 1.50, 1.45,
                                  1.35, 1.10, 0.85, 0.70, 0.60, 0.50, 0.42, 0.35};
static double *g_cum;
static int g_nsteps;
static double g_step;

static void warp_init(void)
{
    g_nsteps = (int)(O.duration / 60);
    if (g_nsteps < 1)
        g_nsteps = 1;
    if (g_nsteps > 200000)
        g_nsteps = 200000;
    g_step = (double)O.duration / g_nsteps;
    g_cum = malloc(sizeof(double) * (size_t)(g_nsteps + 1));
    if (!g_cum)
        die("out of memory");
    g_cum[0] = 0;
    for (int k = 0; k < g_nsteps; k++) {
        double mid = (double)O.start + (k + 0.5) * g_step;
        int hour = (int)(((int64_t)mid / 3600) % 24);
        g_cum[k + 1] = g_cum[k] + HOUR_W[hour];
    }
    for (int k = 1; k <= g_nsteps; k++)
        g_cum[k] /= g_cum[g_nsteps];
}

static double warp(src_t *s, double u)
{
    while (s->wp < g_nsteps - 1 && u >= g_cum[s->wp + 1])
        s->wp++;
    double lo = g_cum[s->wp], hi = g_cum[s->wp + 1];
    double f = hi > lo ? (u - lo) / (hi - lo) : 0;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    return (s->wp + f) * g_step;
}

/* --- benign lookups --- */

static void pick_ext_name(rng_t *r, const dom_t *d, char *out, size_t cap, int *cdnish)
{
    uint32_t x = rbelow(r, 100);
    *cdnish = 0;
    if (x < 22) {
        scpy(out, cap, d->name);
    } else if (x < 60) {
        snprintf(out, cap, "www.%s", d->name);
        *cdnish = 1;
    } else {
        uint8_t si = d->sub[rbelow(r, d->nsub)];
        const char *sub = SUBS[si];
        *cdnish = si == 0 || si == 2 || si == 4 || si == 5 || si == 9 || si == 19;
        if (d->rank < 2000 && rchance(r, 0.15))
            snprintf(out, cap, "%s%u.%s", sub, 1 + rbelow(r, 9), d->name);
        else if (d->rank < 500 && si != 0 && rchance(r, 0.1))
            snprintf(out, cap, "%s.%s-%u.%s", sub, rchance(r, 0.5) ? "eu-west" : "us-east",
                     1 + rbelow(r, 3), d->name);
        else
            snprintf(out, cap, "%s.%s", sub, d->name);
    }
}

static void finish_pair(src_t *s, txn_t *a, txn_t *b)
{
    /* b shares a's socket: same uid, flow, port; later tx index */
    memcpy(b->uid, a->uid, sizeof a->uid);
    b->flow = a->flow;
    b->cport = a->cport;
    b->srv = a->srv;
    b->txidx = 1;
    /* v3: both requests go out before the responses come back */
    a->tx3q = 0;
    b->tx3q = 1;
    a->tx3r = 2;
    b->tx3r = 3;
    a->last = 0;
    b->last = 1;
    b->fl_start = a->ts;
    int64_t ea = a->rtt >= 0 ? a->ts + a->rtt : a->ts, eb = b->rtt >= 0 ? b->ts + b->rtt : b->ts;
    b->fl_end = ea > eb ? ea : eb;
    b->fl_pq = 2;
    b->fl_pr = (uint32_t)(a->rtt >= 0) + (uint32_t)(b->rtt >= 0);
    b->fl_bq = q_bytes(a) + q_bytes(b);
    b->fl_br = (a->rtt >= 0 ? r_bytes(a) : 0) + (b->rtt >= 0 ? r_bytes(b) : 0);
    (void)s;
}

static void unanswer_maybe(rng_t *r, txn_t *t, double p)
{
    if (rchance(r, p)) {
        t->rtt = -1;
        t->rcode = -1;
        t->nans = 0;
        t->soa_auth = 0;
        t->aa = 0;
    }
}

/* Look-alike and multilingual traps of the benign background (issue 11),
   none of them an attack: a user's one-letter typo of a brand (NXDOMAIN, one burst: the A and
   AAAA of one lookup), the brands' own regional registrations (on the shipped
   rules/lookalike-legitimate.txt, resolving to addresses of their own), and
   brand-owned look-alikes that resolve to the brand's own addresses (the
   brand's apex answers: the detector sees both). The typos are of .com
   brands of rules/lookalike-brands.txt whose label has typo families
   (min_brand_label 6), so that two users rarely make the same one. */
static const char *const TRAP_TYPO_BRANDS[] = {
    "google",   "microsoft", "facebook", "linkedin",  "instagram", "netflix",  "paypal",
    "amazon",   "github",    "dropbox",  "outlook",   "hotmail",   "icloud",   "youtube",
    "twitter",  "spotify",   "walmart",  "coinbase",  "binance",   "docusign", "salesforce",
    "snapchat", "whatsapp",  "tiktok",   "discord",   "wetransfer", "airbnb",  "roblox"};
static const char *const TRAP_REGIONAL[] = {"apple.cm",   "binance.co", "discord.co", "yahoo.cm",
                                            "xbox.co",    "hotmail.co", "facebook.cc", "youtube.co",
                                            "onedrive.co", "whatsapp.cc"};
/* Multilingual traps: the sites of a town's bakery, a regional paper, a
   shop, transliterated from Polish, Turkish, Indonesian, Vietnamese, Urdu,
   Arabic and Persian (written for the generator, none from a list the
   lexical model was trained on): rare in the network (one client asks) and
   answered, they must not look random (new_domain's lexical signal). */
static const char *const TRAP_MULTILINGUAL[] = {
    "piekarniazdrojowa.pl",   "gazetakaliska.pl",      "sklepwedkarskiplock.pl",
    "przychodniazdrowie.pl",  "kasabagazetesi.com.tr", "ozturkmobilya.com.tr",
    "sehirhaberleri.com",     "tokobangunanjaya.co.id", "warungsatemadura.id",
    "beritakotabandung.com",  "nhathuocminhchau.vn",   "baodanangngaynay.vn",
    "quanannhagiau.com",      "khabarnamapeshawar.pk", "dawakhanaquetta.pk",
    "roznamajhang.com",       "almadinatalyawm.com",   "sahifatalwatan.net",
    "maktabatalnoor.com",     "khabarhayeshiraz.ir",   "forooshgahparvaz.ir",
    "rooznamehkhorasan.com"};
static const struct {
    const char *name;
    uint32_t brand_rank; /* TOPDOMS rank of the brand whose addresses it shares */
} TRAP_OWNED[] = {{"facebookpay.com", 9}, {"mymicrosoft.com", 1}, {"google-access.net", 0},
                  {"appleid.com", 3}};

/* A one-letter typo of label[0..n): a letter doubled, left out, or swapped
   with the next, never the first (typos rarely hit it). */
static void typo_of(rng_t *r, const char *label, size_t n, char *out, size_t cap)
{
    size_t pos = 1 + rbelow(r, (uint32_t)(n - 2)), o = 0;
    uint32_t op = rbelow(r, 3);
    if (op == 2 && label[pos] == label[pos + 1])
        op = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (op == 1 && i == pos)
            continue;
        if (op == 2 && i == pos) {
            out[o++] = label[pos + 1];
            if (o + 1 < cap)
                out[o++] = label[pos];
            i++;
            continue;
        }
        out[o++] = label[i];
        if (op == 0 && i == pos && o + 1 < cap)
            out[o++] = label[i];
    }
    out[o] = 0;
}

/* One trap lookup into name; the kind (6: NXDOMAIN from the com zone, 0:
   answered as d) and d, the domain whose answers it takes (NULL for 6). */
static int trap_name(src_t *s, int64_t ts, char *name, size_t cap, const dom_t **d)
{
    rng_t *r = &s->r;
    uint32_t w = rbelow(r, 5);
    if (w == 4) {
        snprintf(name, cap, "%s%s", rchance(r, 0.5) ? "www." : "",
                 TRAP_MULTILINGUAL[rbelow(r, sizeof TRAP_MULTILINGUAL / sizeof *TRAP_MULTILINGUAL)]);
        *d = dom_get(NTOP + rbelow(r, 1000)); /* addresses of their own */
        return 0;
    }
    if (w < 2) {
        char lab[64];
        for (int tries = 0; tries < 8; tries++) {
            const char *brand =
                TRAP_TYPO_BRANDS[rbelow(r, sizeof TRAP_TYPO_BRANDS / sizeof *TRAP_TYPO_BRANDS)];
            typo_of(r, brand, strlen(brand), lab, sizeof lab);
            int recent = 0;
            for (int i = 0; i < 64 && !recent; i++)
                recent = s->typo_ts[i] && ts - s->typo_ts[i] < 3 * 3600 * US &&
                         strcmp(s->typo_recent[i], lab) == 0;
            if (!recent)
                break;
        }
        uint32_t slot = s->typo_next++ % 64;
        scpy(s->typo_recent[slot], sizeof s->typo_recent[slot], lab);
        s->typo_ts[slot] = ts;
        snprintf(name, cap, "%s%s.com", rchance(r, 0.5) ? "www." : "", lab);
        *d = NULL;
        return 6;
    }
    if (w == 2) {
        snprintf(name, cap, "%s%s", rchance(r, 0.5) ? "www." : "",
                 TRAP_REGIONAL[rbelow(r, sizeof TRAP_REGIONAL / sizeof *TRAP_REGIONAL)]);
        *d = dom_get(NTOP + rbelow(r, 1000)); /* addresses of their own */
        return 0;
    }
    uint32_t k = rbelow(r, sizeof TRAP_OWNED / sizeof *TRAP_OWNED);
    scpy(name, cap, TRAP_OWNED[k].name);
    *d = dom_get(TRAP_OWNED[k].brand_rank);
    return 0;
}

/* address lookup (A, optionally AAAA on the same socket) */
static int lookup_addr(src_t *s, int64_t ts, uint32_t cidx)
{
    rng_t *r = &s->r;
    txn_t *a = &s->qb[0], *b = &s->qb[1];
    int pair = rchance(r, 0.3846);
    char name[NAMEMAX];
    double v = runit(r);
    int kind; /* 0 external, 1 internal ok, 2 internal nx, 3 suffix nx, 4 servfail, 5 ext nx,
                 6 a brand typo (NXDOMAIN from com) */
    int trap = 0;
    const dom_t *d = NULL;
    int cdnish = 0;
    uint32_t iip = 0;
    if (v < 0.10) {
        if (rchance(r, 0.05)) {
            if (rchance(r, 0.5))
                snprintf(name, sizeof name, "wpad.%s", g_internal);
            else
                snprintf(name, sizeof name, "%s%u.%s", INTERNAL_HOSTS[rbelow(r, NIHOSTS)],
                         3 + rbelow(r, 20), g_internal);
            kind = 2;
        } else {
            random_internal_ip_name(r, name, sizeof name, &iip);
            kind = 1;
        }
    } else if (v < 0.13 && client_suffix_bug(cidx)) {
        d = dom_get(zipf_dom(r, O.domains));
        snprintf(name, sizeof name, "www.%s.%s", d->name, g_internal);
        kind = 3;
    } else if (v >= 0.13 && v < 0.135) {
        /* benign high-entropy names: video CDNs, telemetry, cloud apps */
        uint32_t w = rbelow(r, 3);
        if (w == 0) {
            snprintf(name, sizeof name, "rr%u---sn-", 1 + rbelow(r, 5));
            put_rand(r, name, sizeof name, "abcdefghijklmnopqrstuvwxyz0123456789", 36, 4);
            append(name, sizeof name, "-");
            put_rand(r, name, sizeof name, "abcdefghijklmnopqrstuvwxyz0123456789", 36, 4);
            append(name, sizeof name, ".googlevideo.com");
        } else if (w == 1) {
            snprintf(name, sizeof name, "o%u.ingest.sentry.io", 100000 + rbelow(r, 900000));
        } else {
            name[0] = 0;
            put_rand(r, name, sizeof name, HEX, 16, 32);
            append(name, sizeof name, ".cloudapp.azure.com");
        }
        d = dom_get(rbelow(r, 40 < O.domains ? 40 : O.domains));
        kind = 0;
        cdnish = 0;
    } else if (v >= 0.135 && v < 0.1358 && O.domains > NTOP + 1000) {
        kind = trap_name(s, ts, name, sizeof name, &d);
        trap = 1;
    } else {
        d = dom_get(zipf_dom(r, O.domains));
        if (rchance(r, 0.012)) {
            char lab[48];
            lab[0] = 0;
            append(lab, sizeof lab, WORDS[rbelow(r, NWORDS)]);
            if (rchance(r, 0.5))
                put_rand(r, lab, sizeof lab, "0123456789", 10, 1 + (int)rbelow(r, 2));
            snprintf(name, sizeof name, "%s.%s", lab, d->name);
            kind = 5;
        } else {
            pick_ext_name(r, d, name, sizeof name, &cdnish);
            kind = rchance(r, 0.002) ? 4 : 0;
        }
    }
    int cached = d ? rchance(r, d->rank < 200 ? 0.85 : 0.55) : kind != 6;
    for (int i = 0; i < 1 + pair; i++) {
        txn_t *t = i ? b : a;
        int64_t tts = i ? a->ts + rrange(r, 15, 350) : ts;
        txn_begin(t, r, tts, cidx, i ? T_AAAA : T_A, name);
        int64_t rtt = (kind == 1 || kind == 2 || kind == 3 || cached) ? rtt_cached(r) : rtt_recursive(r);
        switch (kind) {
        case 1:
            t->aa = 1;
            if (i)
                respond_nodata(t, r, g_internal, 2, rtt);
            else {
                rr_a(t, name, iip, 3600 - rbelow(r, 2400));
                respond(t, 0, rtt);
            }
            break;
        case 2:
        case 3:
            t->aa = 1;
            respond_nx(t, r, g_internal, 2, 0.9, rtt);
            break;
        case 4:
            respond(t, 2, rtt_recursive(r) * 4 + 500000);
            break;
        case 5:
            respond_nx(t, r, d->name, 0, 0.5, rtt);
            break;
        case 6:
            respond_nx(t, r, "com", 0, 0.9, rtt);
            break;
        default:
            answer_addr(t, r, d, name, i, cdnish);
            t->rtt = rtt;
            break;
        }
        if (!trap) /* a trap is answered: its truth is how it was answered */
            unanswer_maybe(r, t, kind == 4 ? 0.3 : 0.015);
        if (t->rtt >= 0 && t->rtt < 150)
            t->rtt = 150;
    }
    if (pair)
        finish_pair(s, a, b);
    else
        flow_single(a);
    return 1 + pair;
}

static void rev_name(uint32_t ip, char *out, size_t cap)
{
    snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", ip & 255, (ip >> 8) & 255, (ip >> 16) & 255, ip >> 24);
}

static void lookup_ptr(src_t *s, int64_t ts, uint32_t cidx)
{
    rng_t *r = &s->r;
    txn_t *t = &s->qb[0];
    char name[NAMEMAX], host[NAMEMAX];
    if (rchance(r, 0.55)) {
        uint32_t ip = client_ip(rbelow(r, O.clients));
        if (rchance(r, 0.3))
            ip = 0x0A000200u | (10 + rbelow(r, 90));
        rev_name(ip, name, sizeof name);
        txn_begin(t, r, ts, cidx, T_PTR, name);
        t->aa = 1;
        if (rchance(r, 0.7)) {
            snprintf(host, sizeof host, "%s-%u-%u.%s", rchance(r, 0.6) ? "ws" : "lt", (ip >> 8) & 255,
                     ip & 255, g_internal);
            if ((ip & 0xffffff00u) == 0x0A000200u)
                snprintf(host, sizeof host, "%s.%s", INTERNAL_HOSTS[(ip & 255) % NIHOSTS], g_internal);
            rr_name(t, name, T_PTR, host, 1200);
            respond(t, 0, rtt_cached(r));
        } else {
            respond_nx(t, r, "10.in-addr.arpa", 2, 0.9, rtt_cached(r));
        }
    } else {
        uint32_t ip = pub_ip(rng_next(r));
        rev_name(ip, name, sizeof name);
        txn_begin(t, r, ts, cidx, T_PTR, name);
        uint32_t x = rbelow(r, 100);
        if (x < 55) {
            uint32_t k = rbelow(r, 4);
            if (k == 0)
                snprintf(host, sizeof host, "ec2-%u-%u-%u-%u.compute-1.amazonaws.com", ip >> 24,
                         (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
            else if (k == 1)
                snprintf(host, sizeof host, "%s%02u%s%u-in-f%u.1e100.net", rchance(r, 0.5) ? "fra" : "lhr",
                         rbelow(r, 30), "s", rbelow(r, 40), ip & 255);
            else if (k == 2)
                snprintf(host, sizeof host, "server-%u-%u-%u-%u.%s%u.r.cloudfront.net", ip >> 24,
                         (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, rchance(r, 0.5) ? "fra" : "ams",
                         50 + rbelow(r, 10));
            else
                snprintf(host, sizeof host, "static.%u.%u.%u.%u.clients.your-server.de", ip & 255,
                         (ip >> 8) & 255, (ip >> 16) & 255, ip >> 24);
            rr_name(t, name, T_PTR, host, ttl_decay(r, 3600));
            respond(t, 0, rtt_recursive(r));
        } else if (x < 95) {
            char zone[64];
            snprintf(zone, sizeof zone, "%u.in-addr.arpa", ip >> 24);
            respond_nx(t, r, zone, 0, 0.5, rtt_recursive(r));
        } else {
            respond(t, 2, rtt_recursive(r) * 3 + 800000);
        }
    }
    unanswer_maybe(r, t, 0.015);
    flow_single(t);
}

static const char *const DKIM_SEL[] = {"selector1", "selector2", "google", "k1", "s1", "default"};

static void lookup_misc(src_t *s, int64_t ts, uint32_t cidx, int which)
{
    rng_t *r = &s->r;
    txn_t *t = &s->qb[0];
    const dom_t *d = dom_get(zipf_dom(r, O.domains));
    char name[NAMEMAX], tmp[DATAMAX];
    int64_t rtt = rchance(r, 0.5) ? rtt_cached(r) : rtt_recursive(r);
    switch (which) {
    case T_HTTPS: {
        int cdnish;
        pick_ext_name(r, d, name, sizeof name, &cdnish);
        if (rchance(r, 0.5))
            snprintf(name, sizeof name, "www.%s", d->name), cdnish = 1;
        txn_begin(t, r, ts, cidx, T_HTTPS, name);
        if (cdnish && d->cdn != CDN_NONE) {
            snprintf(tmp, sizeof tmp, "%.200s.cdn.cloudflare.net", name);
            rr_name(t, name, T_CNAME, tmp, ttl_decay(r, 300));
            respond_nodata(t, r, "cloudflare.net", 0, rtt);
        } else if (rchance(r, 0.45)) {
            rr_add(t, name, T_HTTPS, ttl_decay(r, d->ttl));
            respond(t, 0, rtt);
        } else {
            respond_nodata(t, r, d->name, 0, rtt);
        }
        break;
    }
    case T_TXT: {
        uint32_t x = rbelow(r, 100);
        if (x < 45) {
            scpy(name, sizeof name, d->name);
            txn_begin(t, r, ts, cidx, T_TXT, name);
            snprintf(tmp, sizeof tmp, "v=spf1 include:_spf.%s %s", d->name, rchance(r, 0.5) ? "~all" : "-all");
            rr_name(t, name, T_TXT, tmp, ttl_decay(r, 3600));
            if (rchance(r, 0.5)) {
                scpy(tmp, sizeof tmp, "google-site-verification=");
                put_rand(r, tmp, sizeof tmp,
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 64, 43);
                rr_name(t, name, T_TXT, tmp, ttl_decay(r, 3600));
            }
            respond(t, 0, rtt);
        } else if (x < 75) {
            snprintf(name, sizeof name, "_dmarc.%s", d->name);
            txn_begin(t, r, ts, cidx, T_TXT, name);
            if (rchance(r, 0.8)) {
                snprintf(tmp, sizeof tmp, "v=DMARC1; p=%s; rua=mailto:dmarc@%s",
                         rchance(r, 0.5) ? "none" : "quarantine", d->name);
                rr_name(t, name, T_TXT, tmp, ttl_decay(r, 3600));
                respond(t, 0, rtt);
            } else {
                respond_nx(t, r, d->name, 0, 0.8, rtt);
            }
        } else {
            snprintf(name, sizeof name, "%s._domainkey.%s", DKIM_SEL[rbelow(r, 6)], d->name);
            txn_begin(t, r, ts, cidx, T_TXT, name);
            scpy(tmp, sizeof tmp, "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ");
            put_rand(r, tmp, sizeof tmp,
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 64, 150);
            append(tmp, sizeof tmp, "IDAQAB");
            rr_name(t, name, T_TXT, tmp, ttl_decay(r, 3600));
            respond(t, 0, rtt);
        }
        break;
    }
    case T_MX: {
        scpy(name, sizeof name, d->name);
        txn_begin(t, r, ts, cidx, T_MX, name);
        if (d->mx_kind == 0) {
            snprintf(tmp, sizeof tmp, "mail.%s", d->name);
            rr_name(t, name, T_MX, tmp, ttl_decay(r, 3600));
        } else if (d->mx_kind == 1) {
            rr_name(t, name, T_MX, "aspmx.l.google.com", ttl_decay(r, 3600));
            rr_name(t, name, T_MX, "alt1.aspmx.l.google.com", ttl_decay(r, 3600));
        } else {
            char lab[72];
            scpy(lab, sizeof lab, d->name);
            for (char *p = lab; *p; p++)
                if (*p == '.')
                    *p = '-';
            snprintf(tmp, sizeof tmp, "%s.mail.protection.outlook.com", lab);
            rr_name(t, name, T_MX, tmp, ttl_decay(r, 3600));
        }
        respond(t, 0, rtt);
        break;
    }
    case T_SRV: {
        if (rchance(r, 0.7)) {
            uint32_t k = rbelow(r, 3);
            if (k == 0)
                snprintf(name, sizeof name, "_ldap._tcp.dc._msdcs.%s", g_internal);
            else if (k == 1)
                snprintf(name, sizeof name, "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.%s", g_internal);
            else
                snprintf(name, sizeof name, "_kerberos._tcp.dc._msdcs.%s", g_internal);
            txn_begin(t, r, ts, cidx, T_SRV, name);
            t->aa = 1;
            for (int i = 1; i <= 2; i++) {
                snprintf(tmp, sizeof tmp, "dc0%d.%s", i, g_internal);
                rr_srv(t, name, 0, 100, k == 2 ? 88 : 389, tmp, 600);
            }
            respond(t, 0, rtt_cached(r));
        } else {
            static const char *const svc[] = {"_sip._tls", "_sipfederationtls._tcp", "_autodiscover._tcp",
                                              "_xmpp-client._tcp"};
            uint32_t k = rbelow(r, 4);
            snprintf(name, sizeof name, "%s.%s", svc[k], d->name);
            txn_begin(t, r, ts, cidx, T_SRV, name);
            if (rchance(r, 0.7)) {
                respond_nx(t, r, d->name, 0, 0.6, rtt);
            } else {
                snprintf(tmp, sizeof tmp, "%s.%s", k == 2 ? "autodiscover" : "sip", d->name);
                rr_srv(t, name, 10, 10, k == 2 ? 443 : k == 3 ? 5222 : 5061, tmp, ttl_decay(r, 3600));
                respond(t, 0, rtt);
            }
        }
        break;
    }
    default: { /* NS / SOA */
        int ns = rchance(r, 0.6);
        scpy(name, sizeof name, d->name);
        txn_begin(t, r, ts, cidx, ns ? T_NS : T_SOA, name);
        if (ns) {
            int n = 2 + (int)rbelow(r, 3);
            for (int i = 0; i < n; i++) {
                switch (d->ns_kind) {
                case 0: snprintf(tmp, sizeof tmp, "ns%d.%s", i + 1, d->name); break;
                case 1:
                    snprintf(tmp, sizeof tmp, "ns-%u.awsdns-%02u.%s", (unsigned)(d->h >> (i * 8)) % 2048,
                             (unsigned)(d->h >> (i * 4)) % 64, i % 2 ? "net" : "com");
                    break;
                case 2: snprintf(tmp, sizeof tmp, "%s.ns.cloudflare.com", WORDS[(d->h >> (i * 6)) % NWORDS]); break;
                default: snprintf(tmp, sizeof tmp, "ns%d%u.domaincontrol.com", i + 1, (unsigned)(d->h % 70)); break;
                }
                rr_name(t, name, T_NS, tmp, ttl_decay(r, 86400));
            }
        } else {
            set_soa(t, d->name, 0, r);
            rr_add(t, name, T_SOA, t->soa.ttl);
        }
        respond(t, 0, rtt);
        break;
    }
    }
    unanswer_maybe(r, t, 0.015);
    if (t->rtt >= 0 && t->rtt < 150)
        t->rtt = 150;
    flow_single(t);
}

/* DNSBL lookups by the mail servers (with a TXT follow-up when listed) */
static int lookup_dnsbl(src_t *s, int64_t ts, uint32_t cidx)
{
    rng_t *r = &s->r;
    txn_t *a = &s->qb[0], *b = &s->qb[1];
    static const char *const lists[] = {"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org"};
    uint32_t li = rbelow(r, 10);
    li = li < 6 ? 0 : li < 8 ? 1 : 2;
    uint32_t ip = pub_ip(rng_next(r));
    char name[NAMEMAX], tmp[DATAMAX];
    snprintf(name, sizeof name, "%u.%u.%u.%u.%s", ip & 255, (ip >> 8) & 255, (ip >> 16) & 255, ip >> 24,
             lists[li]);
    txn_begin(a, r, ts, cidx, T_A, name);
    int listed = rchance(r, 0.15);
    if (listed) {
        static const uint8_t codes[] = {2, 3, 4, 9, 10, 11};
        rr_a(a, name, 0x7f000000u | codes[rbelow(r, 6)], li == 0 ? 60 : 2100);
        respond(a, 0, rtt_recursive(r));
    } else {
        respond_nx(a, r, lists[li], 0, 0.7, rtt_recursive(r));
    }
    unanswer_maybe(r, a, 0.01);
    if (!listed || a->rtt < 0 || li != 0) {
        flow_single(a);
        return 1;
    }
    txn_begin(b, r, a->ts + rrange(r, 200, 3000), cidx, T_TXT, name);
    snprintf(tmp, sizeof tmp, "Listed by %s%s, see https://check.spamhaus.org/listed/?searchterm=%u.%u.%u.%u",
             rchance(r, 0.5) ? "SBL" : "XBL", rchance(r, 0.5) ? "" : "CSS", ip >> 24, (ip >> 16) & 255,
             (ip >> 8) & 255, ip & 255);
    rr_name(b, name, T_TXT, tmp, 60);
    respond(b, 0, rtt_recursive(r));
    finish_pair(s, a, b);
    return 2;
}

/* AV / file-reputation lookups: long hex/base32 labels, benign */
static void lookup_av(src_t *s, int64_t ts, uint32_t cidx)
{
    rng_t *r = &s->r;
    txn_t *t = &s->qb[0];
    char name[NAMEMAX];
    name[0] = 0;
    int sophos = rchance(r, 0.6);
    if (sophos) {
        put_rand(r, name, sizeof name, HEX, 16, rchance(r, 0.5) ? 32 : 40);
        append(name, sizeof name, ".sophosxl.net");
    } else {
        put_rand(r, name, sizeof name, B32, 32, 26);
        append(name, sizeof name, ".avqs.mcafee.com");
    }
    txn_begin(t, r, ts, cidx, T_A, name);
    if (rchance(r, 0.75)) {
        uint32_t ip = sophos ? 0x7f000000u | rbelow(r, 4) : 0x7f000000u | (rbelow(r, 3) << 8) | (1 + rbelow(r, 4));
        rr_a(t, name, ip, sophos ? 300 : 900);
        respond(t, 0, rtt_recursive(r));
    } else {
        respond_nx(t, r, sophos ? "sophosxl.net" : "avqs.mcafee.com", 0, 0.5, rtt_recursive(r));
    }
    unanswer_maybe(r, t, 0.01);
    flow_single(t);
}

static void benign_build(src_t *s, int64_t ts)
{
    rng_t *r = &s->r;
    double c = runit(r);
    s->qi = 0;
    if (c < 0.006 && g_nmail) {
        s->qn = lookup_dnsbl(s, ts, g_mail[rbelow(r, g_nmail)]);
        return;
    }
    if (c < 0.012 && g_nav) {
        lookup_av(s, ts, g_av[rbelow(r, g_nav)]);
        s->qn = 1;
        return;
    }
    uint32_t cidx = zipf_client(r);
    double x = runit(r);
    s->qn = 1;
    if (x < 0.040)
        lookup_ptr(s, ts, cidx);
    else if (x < 0.0733)
        lookup_misc(s, ts, cidx, T_HTTPS);
    else if (x < 0.0933)
        lookup_misc(s, ts, cidx, T_TXT);
    else if (x < 0.1133)
        lookup_misc(s, ts, cidx, T_SRV);
    else if (x < 0.1267)
        lookup_misc(s, ts, cidx, T_MX);
    else if (x < 0.1333)
        lookup_misc(s, ts, cidx, T_NS);
    else
        s->qn = lookup_addr(s, ts, cidx);
}

static int benign_fill(src_t *s)
{
    if (s->qi >= s->qn) {
        long rem = s->limit - s->done;
        if (rem <= 0)
            return 0;
        double mean = (1.0 - s->u) / ((double)rem / 1.3333 + 1.0);
        double prev = s->u;
        s->u += rexp(&s->r, mean);
        if (s->u >= 1.0) /* rare overshoot near the end: stay inside the window */
            s->u = prev + (1.0 - prev) * runit(&s->r);
        int64_t ts = O.start * US + (int64_t)(warp(s, s->u) * 1e6);
        benign_build(s, ts);
        if (s->qn == 2 && rem == 1) {
            s->qn = 1;
            flow_single(&s->qb[0]);
        }
    }
    s->cur = &s->qb[s->qi++];
    s->done++;
    return 1;
}

/* --- attack scenarios --- */

static void scen_flow_persist(src_t *s, txn_t *t)
{
    /* iodine: one socket for the whole session */
    t->cport = s->port;
    memcpy(t->uid, s->uid, sizeof s->uid);
    t->flow = s->flow;
    t->txidx = (uint32_t)s->done;
    t->tx3q = 2 * (uint32_t)s->done;
    t->tx3r = 2 * (uint32_t)s->done + 1;
    if (s->done == 0) {
        s->fl_start = t->ts;
        s->fl_pq = s->fl_pr = s->fl_bq = s->fl_br = 0;
    }
    s->fl_pq++;
    s->fl_bq += q_bytes(t);
    if (t->rtt >= 0) {
        s->fl_pr++;
        s->fl_br += r_bytes(t);
    }
    t->last = s->done + 1 >= s->limit;
    t->fl_start = s->fl_start;
    t->fl_end = t->rtt >= 0 ? t->ts + t->rtt : t->ts;
    t->fl_pq = s->fl_pq;
    t->fl_pr = s->fl_pr;
    t->fl_bq = s->fl_bq;
    t->fl_br = s->fl_br;
}

static void printable_rdata(rng_t *r, char *out, size_t cap, int n)
{
    out[0] = 0;
    put_rand(r, out, cap, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-", 64, n);
}

/* split a long payload into labels of at most `chunk` characters */
static void dotify(const char *payload, int chunk, const char *suffix, char *out, size_t cap)
{
    size_t n = 0, len = strlen(payload);
    for (size_t i = 0; i < len && n + 2 < cap; i++) {
        if (i && i % (size_t)chunk == 0)
            out[n++] = '.';
        out[n++] = payload[i];
    }
    out[n] = 0;
    append(out, cap, ".");
    append(out, cap, suffix);
}

static int iodine_fill(src_t *s)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    static const char hs_cmd[] = "vlizsoyrrn";
    char payload[260], name[NAMEMAX], rd[DATAMAX];
    s->t += (int64_t)(rexp(r, 0.5) * 1e6) + 20000;
    if (s->t > s->t_end)
        return 0;
    payload[0] = 0;
    int ping = 0;
    if (s->done < 10) {
        payload[0] = hs_cmd[s->done];
        payload[1] = 0;
        if (payload[0] == 'z')
            put_rand(r, payload, sizeof payload, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 52, 28);
        else
            put_rand(r, payload, sizeof payload, B32, 32, payload[0] == 'l' ? 20 : 8 + (int)rbelow(r, 6));
    } else if (rchance(r, 0.35)) {
        ping = 1;
        payload[0] = 'p';
        payload[1] = 0;
        put_rand(r, payload, sizeof payload, B32, 32, 9 + (int)rbelow(r, 4));
    } else {
        payload[0] = "0123456789abcdef"[s->sess & 15];
        payload[1] = 0;
        int n = 90 + (int)rbelow(r, 120);
        if (rchance(r, 0.3))
            put_rand(r, payload, sizeof payload,
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789+", 64, n);
        else
            put_rand(r, payload, sizeof payload, B32, 32, n);
    }
    dotify(payload, 57, s->domain, name, sizeof name);
    uint16_t qt = rchance(r, 0.15) ? T_PRIVATE : T_NULL;
    txn_begin(t, r, s->t, s->client, qt, name);
    printable_rdata(r, rd, sizeof rd, ping ? 6 + (int)rbelow(r, 10) : 20 + (int)rbelow(r, 180));
    rr_t *a = rr_add(t, name, qt, 0);
    if (qt == T_NULL)
        scpy(a->data, sizeof a->data, rd);
    respond(t, 0, rtt_recursive(r) + 20000);
    scen_flow_persist(s, t);
    return 1;
}

static int dnscat2_fill(src_t *s)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    char lab[80], name[NAMEMAX], ans[80];
    s->t += rrange(r, 950000, 1150000);
    if (rchance(r, 0.03))
        s->t += rrange(r, 1000000, 6000000);
    if (s->t > s->t_end)
        return 0;
    int data = s->done > 0 && rchance(r, 0.4);
    int dlen = data ? 2 * (int)rrange(r, 1, 21) : 0; /* hex chars, query total <= 60 */
    snprintf(lab, sizeof lab, "%04x%s%04x%04x%04x", (unsigned)(rng_next(r) & 0xffff), s->done ? "01" : "00",
             s->sess, s->seq, s->ack);
    put_rand(r, lab, sizeof lab, HEX, 16, dlen);
    snprintf(name, sizeof name, "%s.dnsc.%s", lab, s->domain);
    txn_begin(t, r, s->t, s->client, T_TXT, name);
    s->seq = (uint16_t)(s->seq + dlen / 2);
    int rdata = rchance(r, 0.3);
    int rlen = rdata ? 2 * (int)rrange(r, 1, 40) : 0;
    snprintf(ans, sizeof ans, "%04x%s%04x%04x%04x", (unsigned)(rng_next(r) & 0xffff), s->done ? "01" : "00",
             s->sess, s->ack, s->seq);
    put_rand(r, ans, sizeof ans, HEX, 16, rlen);
    s->ack = (uint16_t)(s->ack + rlen / 2);
    rr_name(t, name, T_TXT, ans, 60);
    respond(t, 0, rtt_recursive(r) + 30000);
    unanswer_maybe(r, t, 0.01);
    flow_single(t);
    return 1;
}

static int exfil_fill(src_t *s)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    char name[NAMEMAX];
    if (s->done)
        s->t += rrange(r, 60 * US, 120 * US);
    if (s->t > s->t_end)
        return 0;
    name[0] = 0;
    put_rand(r, name, sizeof name, B32, 32, 40 + (int)rbelow(r, 21));
    append(name, sizeof name, ".");
    append(name, sizeof name, s->domain);
    txn_begin(t, r, s->t, s->client, T_A, name);
    if (rchance(r, 0.6)) {
        respond_nx(t, r, s->domain, 0, 0.5, rtt_recursive(r) + 40000);
    } else {
        rr_a(t, name, 0, 0);
        respond(t, 0, rtt_recursive(r) + 40000);
    }
    flow_single(t);
    return 1;
}

static void dga_name(rng_t *r, char *out, size_t cap)
{
    static const char cons[] = "bcdfghjklmnpqrstvwxz";
    static const char vow[] = "aeiouy";
    static const char *const tl[] = {"com", "com", "com", "com", "net", "net", "info", "info", "biz", "biz"};
    int n = 12 + (int)rbelow(r, 9);
    size_t k = 0;
    for (int i = 0; i < n && k + 1 < cap; i++)
        out[k++] = rchance(r, 0.78) ? cons[rbelow(r, sizeof cons - 1)] : vow[rbelow(r, sizeof vow - 1)];
    out[k] = 0;
    append(out, cap, ".");
    append(out, cap, tl[rbelow(r, 10)]);
}

static int dga_fill(src_t *s)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    char name[NAMEMAX];
    if (s->burst_left <= 0) {
        if (s->done)
            s->t += rrange(r, 540 * US, 660 * US);
        s->burst_left = rrange(r, 50, 200);
        s->burst_no++;
        s->resolve_at = (s->burst_no % 2 == 0) ? rrange(r, 0, s->burst_left - 1) : -1;
        s->k = 0;
    } else {
        s->t += (int64_t)(rexp(r, 0.08) * 1e6) + 2000;
    }
    if (s->t > s->t_end)
        return 0;
    dga_name(r, name, sizeof name);
    if (s->done == 0)
        scpy(s->domain, sizeof s->domain, name);
    txn_begin(t, r, s->t, s->client, T_A, name);
    if (s->k == s->resolve_at) {
        rr_a(t, name, pub_ip(rng_next(r)), 300);
        respond(t, 0, rtt_recursive(r) + 50000);
    } else {
        respond_nx(t, r, tld_of(name), 1, 0.6, rtt_recursive(r));
    }
    s->k++;
    s->burst_left--;
    flow_single(t);
    return 1;
}

static int beacon_fill(src_t *s)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    char name[NAMEMAX];
    if (s->done)
        s->t += (int64_t)(60.0 * (0.85 + 0.30 * runit(r)) * 1e6);
    if (s->t > s->t_end)
        return 0;
    snprintf(name, sizeof name, "update.%s", s->domain);
    txn_begin(t, r, s->t, s->client, T_A, name);
    rr_a(t, name, s->c2ip, 30 + rbelow(r, 31));
    respond(t, 0, rtt_recursive(r));
    unanswer_maybe(r, t, 0.01);
    flow_single(t);
    return 1;
}

static int fastflux_fill(src_t *s)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    char name[NAMEMAX];
    if (s->done)
        s->t += (int64_t)(rexp(r, 25.0) * 1e6) + 100000;
    if (s->t > s->t_end)
        return 0;
    uint32_t k = rbelow(r, s->ffpool_n);
    uint32_t cidx = (s->ffpool_base + k * 7919u) % O.clients;
    s->ffseen[k / 8] |= (uint8_t)(1u << (k % 8));
    if (rchance(r, 0.3))
        snprintf(name, sizeof name, "www.%s", s->domain);
    else
        scpy(name, sizeof name, s->domain);
    txn_begin(t, r, s->t, cidx, T_A, name);
    uint32_t ttl = 30 + rbelow(r, 91);
    int n = 4 + (int)rbelow(r, 5);
    for (int i = 0; i < n; i++) {
        uint32_t ip = ((uint32_t)RES1[rbelow(r, NRES1)] << 24) | (rbelow(r, 256) << 16) | (rbelow(r, 256) << 8) |
                      (1 + rbelow(r, 254));
        rr_a(t, name, ip, ttl);
    }
    respond(t, 0, rtt_recursive(r));
    flow_single(t);
    return 1;
}

static int recon_fill(src_t *s)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    char name[NAMEMAX], host[NAMEMAX];
    long sweep = s->limit - 1;
    if (sweep > 254)
        sweep = 254;
    if (s->done < sweep) {
        if (s->done)
            s->t += rrange(r, 180000, 290000);
        if (s->t > s->t_end)
            return 0;
        uint32_t ip = s->c2ip | (uint32_t)(s->done + 1);
        rev_name(ip, name, sizeof name);
        txn_begin(t, r, s->t, s->client, T_PTR, name);
        t->aa = 1;
        if (rchance(r, 0.15)) {
            snprintf(host, sizeof host, "srv-%u.%s", ip & 255, g_internal);
            rr_name(t, name, T_PTR, host, 1200);
            respond(t, 0, rtt_cached(r));
        } else {
            respond_nx(t, r, "10.in-addr.arpa", 2, 0.9, rtt_cached(r));
        }
        flow_single(t);
        return 1;
    }
    if (s->done >= s->limit || s->k)
        return 0;
    s->k = 1;
    s->t += rrange(r, 5 * US, 20 * US);
    if (s->t > s->t_end)
        return 0;
    txn_begin(t, r, s->t, s->client, T_AXFR, g_internal);
    t->tcp = 1;
    t->ra = 1;
    respond(t, 5, rtt_cached(r) + 400);
    flow_single(t);
    t->fl_pq = 5; /* SYN, ACK, query, FIN, ACK */
    t->fl_pr = 4;
    t->fl_bq += 160;
    t->fl_br += 120;
    return 1;
}

/* A few lookups of each name of a fixed list, minutes apart, all answered. */
static int list_fill(src_t *s, const char *const *names, size_t n_names, uint32_t last_ip)
{
    rng_t *r = &s->r;
    txn_t *t = &s->tx;
    if (s->done)
        s->t += rrange(r, 60 * US, 300 * US);
    if (s->t > s->t_end)
        return 0;
    size_t i = (size_t)s->done % n_names;
    txn_begin(t, r, s->t, s->client, T_A, names[i]);
    uint32_t ip = last_ip && i == n_names - 1 ? last_ip : s->c2ip + (uint32_t)i;
    rr_a(t, names[i], ip, 300);
    respond(t, 0, rtt_recursive(r));
    flow_single(t);
    return 1;
}

static int64_t scen_span(int kind, long n)
{
    switch (kind) {
    case SK_IODINE: return (int64_t)(n * 0.55 * US);
    case SK_DNSCAT2: return (int64_t)(n * 1.1 * US);
    case SK_EXFIL: return n * 90 * US;
    case SK_DGA: return (n / 125 + 1) * 600 * US;
    case SK_BEACON: return n * 60 * US;
    case SK_FASTFLUX: return n * 25 * US;
    case SK_LOOKALIKE:
    case SK_INTEL:
    case SK_DOH: return n * 300 * US;
    default: return 90 * US;
    }
}

static void scen_init(src_t *s, int kind, long limit)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->limit = limit;
    rng_seed(&s->r, O.seed, 1000 + (uint64_t)kind);
    rng_t *r = &s->r;
    s->client = g_attack_client[kind];
    int64_t D = O.duration * US, span = scen_span(kind, limit);
    int64_t room = (int64_t)(0.9 * (double)D) - span;
    s->t = O.start * US + D / 20 + (room > 0 ? rrange(r, 0, room) : 0);
    s->t_end = (O.start + O.duration) * US;
    s->port = client_port(r, s->client);
    make_uid(r, s->uid);
    s->flow = make_flow_id(r);
    s->sess = (uint16_t)rng_next(r);
    s->seq = (uint16_t)rng_next(r);
    s->ack = (uint16_t)rng_next(r);
    s->first = -1;
    char lab[64];
    lab[0] = 0;
    switch (kind) {
    case SK_IODINE:
        put_syllables(r, lab, sizeof lab, 3 + (int)rbelow(r, 2));
        snprintf(s->domain, sizeof s->domain, "t1.%s.com", lab);
        break;
    case SK_DNSCAT2:
        put_syllables(r, lab, sizeof lab, 1);
        snprintf(s->domain, sizeof s->domain, "%s-%u%c.com", lab, rbelow(r, 10), 'a' + (int)rbelow(r, 26));
        break;
    case SK_EXFIL:
        snprintf(s->domain, sizeof s->domain, "%s%s%s.net", WORDS[rbelow(r, NWORDS)], WORDS[rbelow(r, NWORDS)],
                 rchance(r, 0.5) ? "stat" : "sync");
        break;
    case SK_BEACON:
        append(lab, sizeof lab, WORDS[rbelow(r, NWORDS)]);
        put_syllables(r, lab, sizeof lab, 2);
        snprintf(s->domain, sizeof s->domain, "%s.com", lab);
        s->c2ip = pub_ip(rng_next(r));
        break;
    case SK_FASTFLUX:
        put_syllables(r, lab, sizeof lab, 2);
        append(lab, sizeof lab, WORDS[rbelow(r, NWORDS)]);
        snprintf(s->domain, sizeof s->domain, "%s%u.xyz", lab, rbelow(r, 100));
        s->ffpool_n = O.clients < 150 ? O.clients : 150;
        s->ffpool_base = rbelow(r, O.clients);
        break;
    case SK_RECON:
        s->c2ip = 0x0A000200u; /* sweep 10.0.2.0/24 (server subnet) */
        snprintf(s->domain, sizeof s->domain, "2.0.10.in-addr.arpa");
        break;
    case SK_LOOKALIKE:
        scpy(s->domain, sizeof s->domain, "<micros0ft.com,paypal.com.account-verify.xyz,secure-paypa1.com>");
        s->c2ip = pub_ip(rng_next(r));
        break;
    case SK_INTEL:
        scpy(s->domain, sizeof s->domain, "<ipify.org,packetriot.net,onion.to,173.212.254.192>");
        s->c2ip = pub_ip(rng_next(r));
        break;
    case SK_DOH:
        scpy(s->domain, sizeof s->domain, "<dns.google,cloudflare-dns.com,use-application-dns.net>");
        s->c2ip = pub_ip(rng_next(r));
        break;
    default:
        break;
    }
}

static int src_fill(src_t *s)
{
    int ok;
    if (s->kind == SK_BENIGN)
        return benign_fill(s);
    if (s->done >= s->limit)
        return 0;
    switch (s->kind) {
    case SK_IODINE: ok = iodine_fill(s); break;
    case SK_DNSCAT2: ok = dnscat2_fill(s); break;
    case SK_EXFIL: ok = exfil_fill(s); break;
    case SK_DGA: ok = dga_fill(s); break;
    case SK_BEACON: ok = beacon_fill(s); break;
    case SK_FASTFLUX: ok = fastflux_fill(s); break;
    case SK_RECON: ok = recon_fill(s); break;
    case SK_LOOKALIKE:
        ok = list_fill(s, LOOKALIKE_NAMES, sizeof LOOKALIKE_NAMES / sizeof *LOOKALIKE_NAMES, 0);
        break;
    case SK_INTEL:
        ok = list_fill(s, INTEL_NAMES, sizeof INTEL_NAMES / sizeof *INTEL_NAMES, INTEL_LISTED_IP);
        break;
    case SK_DOH: ok = list_fill(s, DOH_NAMES, sizeof DOH_NAMES / sizeof *DOH_NAMES, 0); break;
    default: ok = 0;
    }
    if (!ok)
        return 0;
    s->cur = &s->tx;
    s->done++;
    return 1;
}

/* ------------------------------------------------------------------ */
/* reorder heap: records are written in sensor write-time order        */

typedef struct {
    int64_t key;
    uint64_t seq;
    char *s;
    uint32_t n;
} hent_t;

static hent_t *H;
static size_t Hn, Hcap;
static uint64_t Hseq;
static int64_t g_last_write;
static uint64_t g_records;

static int hless(const hent_t *a, const hent_t *b) { return a->key < b->key || (a->key == b->key && a->seq < b->seq); }

static void write_rec(const char *s, size_t n, int64_t key)
{
    if (fwrite(s, 1, n, OUT) != n)
        die("write error: %s", strerror(errno));
    if (key > g_last_write)
        g_last_write = key;
    g_records++;
}

static void heap_pop_write(void)
{
    hent_t top = H[0];
    H[0] = H[--Hn];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < Hn && hless(&H[l], &H[m]))
            m = l;
        if (l + 1 < Hn && hless(&H[l + 1], &H[m]))
            m = l + 1;
        if (m == i)
            break;
        hent_t tmp = H[i];
        H[i] = H[m];
        H[m] = tmp;
        i = m;
    }
    write_rec(top.s, top.n, top.key);
    free(top.s);
}

static int64_t g_now; /* generation clock: no future record can have key < g_now */

static void emit(int64_t key, const sb_t *b)
{
    if (key <= g_now && (Hn == 0 || H[0].key > key)) {
        write_rec(b->p, b->n, key);
        return;
    }
    if (Hn == Hcap) {
        Hcap = Hcap ? Hcap * 2 : 4096;
        H = realloc(H, Hcap * sizeof *H);
        if (!H)
            die("out of memory");
    }
    hent_t e = {key, Hseq++, malloc(b->n), (uint32_t)b->n};
    if (!e.s)
        die("out of memory");
    memcpy(e.s, b->p, b->n);
    size_t i = Hn++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!hless(&e, &H[p]))
            break;
        H[i] = H[p];
        i = p;
    }
    H[i] = e;
}

static void flush_until(int64_t t)
{
    while (Hn && H[0].key <= t)
        heap_pop_write();
}

/* ------------------------------------------------------------------ */
/* renderers                                                           */

static sb_t g_line, g_ans, g_ttl;

static void zeek_answer_str(const txn_t *t, const rr_t *a, char *out, size_t cap, int *logged)
{
    *logged = 1;
    switch (a->type) {
    case T_A: snprintf(out, cap, "%u.%u.%u.%u", a->addr[0], a->addr[1], a->addr[2], a->addr[3]); break;
    case T_AAAA: inet_ntop(AF_INET6, a->addr, out, (socklen_t)cap); break;
    case T_TXT: snprintf(out, cap, "TXT %zu %s", strlen(a->data), a->data); break;
    case T_SOA: scpy(out, cap, t->soa.mname); break;
    case T_HTTPS: *logged = 0; out[0] = 0; break; /* no script-level handler */
    case T_CNAME:
    case T_PTR:
    case T_NS:
    case T_MX:
    case T_SRV: scpy(out, cap, a->data); break;
    default: snprintf(out, cap, "<unknown type=%u>", a->type); break;
    }
}

static void build_zeek_answers(const txn_t *t, int json, int *nlog)
{
    char buf[DATAMAX + 32];
    g_ans.n = g_ttl.n = 0;
    *nlog = 0;
    if (t->rtt < 0)
        return;
    for (int i = 0; i < t->nans; i++) {
        int logged;
        zeek_answer_str(t, &t->ans[i], buf, sizeof buf, &logged);
        if (!logged)
            continue;
        if (*nlog) {
            sb_putc(&g_ans, ',');
            sb_putc(&g_ttl, ',');
        }
        if (json) {
            sb_json_str(&g_ans, buf);
            sb_u64(&g_ttl, t->ans[i].ttl);
            sb_puts(&g_ttl, ".0");
        } else {
            sb_zeek_str(&g_ans, buf, 1);
            sb_u64(&g_ttl, t->ans[i].ttl);
            sb_puts(&g_ttl, ".000000");
        }
        (*nlog)++;
    }
}

static int zeek_rejected(const txn_t *t)
{
    return t->rtt >= 0 && t->rcode != 0 && t->nans == 0 && !t->soa_auth && !t->edns;
}

static int64_t zeek_write_key(const txn_t *t)
{
    if (t->rtt >= 0)
        return t->ts + t->rtt;
    /* unmatched query: logged when the connection state expires */
    return t->ts + 60 * US + (int64_t)(mix64(t->flow ^ t->id) % (uint64_t)(8 * US));
}

static void render_zeek(const txn_t *t)
{
    sb_t *b = &g_line;
    char tb[32];
    int nlog;
    b->n = 0;
    build_zeek_answers(t, 0, &nlog);
    sb_epoch6(b, t->ts);
    sb_putc(b, '\t');
    sb_puts(b, t->uid);
    sb_putc(b, '\t');
    sb_ip4(b, t->cli);
    sb_putc(b, '\t');
    sb_u64(b, t->cport);
    sb_putc(b, '\t');
    sb_ip4(b, t->srv);
    sb_putc(b, '\t');
    sb_u64(b, t->sport);
    sb_puts(b, t->tcp ? "\ttcp\t" : "\tudp\t");
    sb_u64(b, t->id);
    sb_putc(b, '\t');
    if (nlog) {
        char rb[48];
        snprintf(rb, sizeof rb, "%.6f", zeek_time(t->ts + t->rtt) - zeek_time(t->ts));
        sb_puts(b, rb);
    } else {
        sb_putc(b, '-');
    }
    sb_putc(b, '\t');
    sb_zeek_str(b, t->q, 0);
    sb_puts(b, "\t1\tC_INTERNET\t");
    sb_u64(b, t->qtype);
    sb_putc(b, '\t');
    sb_puts(b, qtype_zeek(t->qtype, tb, sizeof tb));
    sb_putc(b, '\t');
    if (t->rtt >= 0) {
        sb_u64(b, (uint64_t)t->rcode);
        sb_putc(b, '\t');
        sb_puts(b, rcode_name(t->rcode));
    } else {
        sb_puts(b, "-\t-");
    }
    sb_puts(b, (t->aa && nlog) ? "\tT" : "\tF");
    sb_puts(b, "\tF");
    sb_puts(b, t->rd ? "\tT" : "\tF");
    sb_puts(b, (t->ra && nlog) ? "\tT" : "\tF");
    sb_puts(b, "\t0\t");
    if (nlog) {
        sb_putn(b, g_ans.p, g_ans.n);
        sb_putc(b, '\t');
        sb_putn(b, g_ttl.p, g_ttl.n);
    } else {
        sb_puts(b, "-\t-");
    }
    sb_puts(b, zeek_rejected(t) ? "\tT\n" : "\tF\n");
    emit(zeek_write_key(t), b);
}

static void render_zeek_json(const txn_t *t)
{
    sb_t *b = &g_line;
    char tb[32];
    int nlog;
    b->n = 0;
    build_zeek_answers(t, 1, &nlog);
    sb_puts(b, "{\"ts\":");
    sb_epoch_json(b, t->ts);
    sb_puts(b, ",\"uid\":\"");
    sb_puts(b, t->uid);
    sb_puts(b, "\",\"id.orig_h\":\"");
    sb_ip4(b, t->cli);
    sb_puts(b, "\",\"id.orig_p\":");
    sb_u64(b, t->cport);
    sb_puts(b, ",\"id.resp_h\":\"");
    sb_ip4(b, t->srv);
    sb_puts(b, "\",\"id.resp_p\":");
    sb_u64(b, t->sport);
    sb_puts(b, t->tcp ? ",\"proto\":\"tcp\",\"trans_id\":" : ",\"proto\":\"udp\",\"trans_id\":");
    sb_u64(b, t->id);
    if (nlog) {
        sb_puts(b, ",\"rtt\":");
        sb_dbl_short(b, zeek_time(t->ts + t->rtt) - zeek_time(t->ts));
    }
    sb_puts(b, ",\"query\":");
    sb_json_str(b, t->q);
    sb_puts(b, ",\"qclass\":1,\"qclass_name\":\"C_INTERNET\",\"qtype\":");
    sb_u64(b, t->qtype);
    sb_puts(b, ",\"qtype_name\":\"");
    sb_puts(b, qtype_zeek(t->qtype, tb, sizeof tb));
    sb_putc(b, '"');
    if (t->rtt >= 0) {
        sb_puts(b, ",\"rcode\":");
        sb_u64(b, (uint64_t)t->rcode);
        sb_puts(b, ",\"rcode_name\":\"");
        sb_puts(b, rcode_name(t->rcode));
        sb_putc(b, '"');
    }
    sb_puts(b, (t->aa && nlog) ? ",\"AA\":true" : ",\"AA\":false");
    sb_puts(b, ",\"TC\":false");
    sb_puts(b, t->rd ? ",\"RD\":true" : ",\"RD\":false");
    sb_puts(b, (t->ra && nlog) ? ",\"RA\":true" : ",\"RA\":false");
    sb_puts(b, ",\"Z\":0");
    if (nlog) {
        sb_puts(b, ",\"answers\":[");
        sb_putn(b, g_ans.p, g_ans.n);
        sb_puts(b, "],\"TTLs\":[");
        sb_putn(b, g_ttl.p, g_ttl.n);
        sb_putc(b, ']');
    }
    sb_puts(b, zeek_rejected(t) ? ",\"rejected\":true}\n" : ",\"rejected\":false}\n");
    emit(zeek_write_key(t), b);
}

/* --- EVE --- */

static void sb_ip6_full(sb_t *b, const uint8_t a[16])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 16; i += 2) {
        if (i)
            sb_putc(b, ':');
        char e[4] = {hx[a[i] >> 4], hx[a[i] & 15], hx[a[i + 1] >> 4], hx[a[i + 1] & 15]};
        sb_putn(b, e, 4);
    }
}

static void eve_head(sb_t *b, int64_t ts, uint64_t flow, const char *etype, uint32_t sip, uint16_t sp,
                     uint32_t dip, uint16_t dp, int tcp, int dns)
{
    sb_puts(b, "{\"timestamp\":\"");
    sb_iso(b, ts);
    sb_puts(b, "\",\"flow_id\":");
    sb_u64(b, flow);
    sb_puts(b, ",\"in_iface\":\"eth0\",\"event_type\":\"");
    sb_puts(b, etype);
    sb_puts(b, "\",\"src_ip\":\"");
    sb_ip4(b, sip);
    sb_puts(b, "\",\"src_port\":");
    sb_u64(b, sp);
    sb_puts(b, ",\"dest_ip\":\"");
    sb_ip4(b, dip);
    sb_puts(b, "\",\"dest_port\":");
    sb_u64(b, dp);
    if (dns) {
        sb_puts(b, tcp ? ",\"proto\":\"TCP\"" : ",\"proto\":\"UDP\"");
        if (O.eve_ver == 3)
            sb_puts(b, ",\"ip_v\":4");
        sb_puts(b, ",\"pkt_src\":\"wire/pcap\",\"dns\":{");
    } else {
        if (O.eve_ver == 3)
            sb_puts(b, ",\"ip_v\":4");
        sb_puts(b, tcp ? ",\"proto\":\"TCP\"" : ",\"proto\":\"UDP\"");
    }
}

static void eve_soa_obj(sb_t *b, const soa_t *s)
{
    sb_puts(b, "{\"mname\":");
    sb_json_str(b, s->mname);
    sb_puts(b, ",\"rname\":");
    sb_json_str(b, s->rname);
    sb_puts(b, ",\"serial\":");
    sb_u64(b, s->serial);
    sb_puts(b, ",\"refresh\":");
    sb_u64(b, s->refresh);
    sb_puts(b, ",\"retry\":");
    sb_u64(b, s->retry);
    sb_puts(b, ",\"expire\":");
    sb_u64(b, s->expire);
    sb_puts(b, ",\"minimum\":");
    sb_u64(b, s->minimum);
    sb_putc(b, '}');
}

static void eve_srv_obj(sb_t *b, const rr_t *a)
{
    sb_puts(b, "{\"priority\":");
    sb_u64(b, a->prio);
    sb_puts(b, ",\"weight\":");
    sb_u64(b, a->weight);
    sb_puts(b, ",\"port\":");
    sb_u64(b, a->port);
    sb_puts(b, ",\"name\":");
    sb_json_str(b, a->data);
    sb_putc(b, '}');
}

/* value for the "grouped" object; returns 0 if the type is not grouped */
static int eve_group_value(sb_t *b, const txn_t *t, const rr_t *a)
{
    switch (a->type) {
    case T_A:
        sb_putc(b, '"');
        sb_ip4(b, ((uint32_t)a->addr[0] << 24) | ((uint32_t)a->addr[1] << 16) | ((uint32_t)a->addr[2] << 8) |
                      a->addr[3]);
        sb_putc(b, '"');
        return 1;
    case T_AAAA:
        sb_putc(b, '"');
        sb_ip6_full(b, a->addr);
        sb_putc(b, '"');
        return 1;
    case T_CNAME:
    case T_PTR:
    case T_NS:
    case T_MX:
    case T_TXT:
    case T_NULL: sb_json_str(b, a->data); return 1;
    case T_SRV: eve_srv_obj(b, a); return 1;
    case T_SOA: eve_soa_obj(b, &t->soa); return 1;
    default: return 0;
    }
}

static void eve_answers(sb_t *b, const txn_t *t)
{
    char tb[32];
    if (!t->nans)
        return;
    sb_puts(b, ",\"answers\":[");
    for (int i = 0; i < t->nans; i++) {
        const rr_t *a = &t->ans[i];
        if (i)
            sb_putc(b, ',');
        sb_puts(b, "{\"rrname\":");
        sb_json_str(b, a->owner);
        sb_puts(b, ",\"rrtype\":\"");
        sb_puts(b, qtype_eve(a->type, tb, sizeof tb));
        sb_puts(b, "\",\"ttl\":");
        sb_u64(b, a->ttl);
        switch (a->type) {
        case T_SRV:
            sb_puts(b, ",\"srv\":");
            eve_srv_obj(b, a);
            break;
        case T_SOA:
            sb_puts(b, ",\"soa\":");
            eve_soa_obj(b, &t->soa);
            break;
        default: {
            size_t mark = b->n;
            sb_puts(b, ",\"rdata\":");
            if (!eve_group_value(b, t, a))
                b->n = mark;
        }
        }
        sb_putc(b, '}');
    }
    sb_putc(b, ']');
    /* grouped: by rrtype in order of first appearance */
    sb_puts(b, ",\"grouped\":{");
    uint16_t seen[MAXRR];
    int nseen = 0, first_group = 1;
    for (int i = 0; i < t->nans; i++) {
        uint16_t ty = t->ans[i].type;
        int dup = 0;
        for (int j = 0; j < nseen; j++)
            if (seen[j] == ty)
                dup = 1;
        if (dup)
            continue;
        seen[nseen++] = ty;
        size_t mark = b->n;
        if (!first_group)
            sb_putc(b, ',');
        sb_putc(b, '"');
        sb_puts(b, qtype_eve(ty, tb, sizeof tb));
        sb_puts(b, "\":[");
        int nv = 0;
        for (int j = i; j < t->nans; j++) {
            if (t->ans[j].type != ty)
                continue;
            if (nv)
                sb_putc(b, ',');
            size_t m2 = b->n;
            if (eve_group_value(b, t, &t->ans[j]))
                nv++;
            else {
                b->n = m2;
                if (nv)
                    b->n--; /* drop comma */
            }
        }
        if (!nv) {
            b->n = mark;
            continue;
        }
        sb_putc(b, ']');
        first_group = 0;
    }
    sb_putc(b, '}');
}

static void eve_authorities(sb_t *b, const txn_t *t)
{
    if (!t->soa_auth)
        return;
    sb_puts(b, ",\"authorities\":[{\"rrname\":");
    sb_json_str(b, t->soa.zone);
    sb_puts(b, ",\"rrtype\":\"SOA\",\"ttl\":");
    sb_u64(b, t->soa.ttl);
    sb_puts(b, ",\"soa\":");
    eve_soa_obj(b, &t->soa);
    sb_puts(b, "}]");
}

static unsigned eve_flags(const txn_t *t)
{
    return 0x8000u | (t->aa ? 0x400u : 0) | (t->rd ? 0x100u : 0) | (t->ra ? 0x80u : 0) | (unsigned)t->rcode;
}

static void render_eve(const txn_t *t)
{
    sb_t *b = &g_line;
    char tb[32];
    /* request / query */
    b->n = 0;
    eve_head(b, t->ts, t->flow, "dns", t->cli, t->cport, t->srv, t->sport, t->tcp, 1);
    if (O.eve_ver == 3) {
        sb_puts(b, "\"version\":3,\"type\":\"request\",\"tx_id\":");
        sb_u64(b, t->tx3q);
        sb_puts(b, ",\"id\":");
        sb_u64(b, t->id);
        sb_puts(b, t->rd ? ",\"flags\":\"100\",\"rd\":true" : ",\"flags\":\"0\"");
        sb_puts(b, ",\"opcode\":0,\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":");
        sb_json_str(b, t->q);
        sb_puts(b, ",\"rrtype\":\"");
        sb_puts(b, qtype_eve(t->qtype, tb, sizeof tb));
        sb_puts(b, "\"}]}}\n");
    } else {
        sb_puts(b, "\"version\":2,\"type\":\"query\",\"id\":");
        sb_u64(b, t->id);
        sb_puts(b, ",\"rrname\":");
        sb_json_str(b, t->q);
        sb_puts(b, ",\"rrtype\":\"");
        sb_puts(b, qtype_eve(t->qtype, tb, sizeof tb));
        sb_puts(b, "\",\"tx_id\":");
        sb_u64(b, t->txidx);
        sb_puts(b, ",\"opcode\":0}}\n");
    }
    emit(t->ts, b);
    if (t->rtt < 0)
        return;
    /* response / answer */
    b->n = 0;
    unsigned fl = eve_flags(t);
    if (O.eve_ver == 3) {
        eve_head(b, t->ts + t->rtt, t->flow, "dns", t->srv, t->sport, t->cli, t->cport, t->tcp, 1);
        sb_puts(b, "\"version\":3,\"type\":\"response\",\"tx_id\":");
        sb_u64(b, t->tx3r);
        sb_puts(b, ",\"id\":");
        sb_u64(b, t->id);
    } else {
        eve_head(b, t->ts + t->rtt, t->flow, "dns", t->cli, t->cport, t->srv, t->sport, t->tcp, 1);
        sb_puts(b, "\"version\":2,\"type\":\"answer\",\"id\":");
        sb_u64(b, t->id);
    }
    sb_puts(b, ",\"flags\":\"");
    sb_hex(b, fl);
    sb_puts(b, "\",\"qr\":true");
    if (t->aa)
        sb_puts(b, ",\"aa\":true");
    if (t->rd)
        sb_puts(b, ",\"rd\":true");
    if (t->ra)
        sb_puts(b, ",\"ra\":true");
    sb_puts(b, ",\"opcode\":0");
    if (O.eve_ver == 3) {
        sb_puts(b, ",\"rcode\":\"");
        sb_puts(b, rcode_name(t->rcode));
        sb_puts(b, "\",\"queries\":[{\"rrname\":");
        sb_json_str(b, t->q);
        sb_puts(b, ",\"rrtype\":\"");
        sb_puts(b, qtype_eve(t->qtype, tb, sizeof tb));
        sb_puts(b, "\"}]");
    } else {
        sb_puts(b, ",\"rrname\":");
        sb_json_str(b, t->q);
        sb_puts(b, ",\"rrtype\":\"");
        sb_puts(b, qtype_eve(t->qtype, tb, sizeof tb));
        sb_puts(b, "\",\"rcode\":\"");
        sb_puts(b, rcode_name(t->rcode));
        sb_putc(b, '"');
    }
    eve_answers(b, t);
    eve_authorities(b, t);
    sb_puts(b, "}}\n");
    emit(t->ts + t->rtt, b);
}

static void eve_flow_tail(sb_t *b, int64_t start, int64_t end, uint32_t pq, uint32_t pr, uint32_t bq, uint32_t br,
                          const char *state, uint32_t txcnt, int tcp, int rst)
{
    sb_puts(b, ",\"flow\":{\"pkts_toserver\":");
    sb_u64(b, pq);
    sb_puts(b, ",\"pkts_toclient\":");
    sb_u64(b, pr);
    sb_puts(b, ",\"bytes_toserver\":");
    sb_u64(b, bq);
    sb_puts(b, ",\"bytes_toclient\":");
    sb_u64(b, br);
    sb_puts(b, ",\"start\":\"");
    sb_iso(b, start);
    sb_puts(b, "\",\"end\":\"");
    sb_iso(b, end);
    sb_puts(b, "\",\"age\":");
    sb_u64(b, (uint64_t)((end - start) / US));
    sb_puts(b, ",\"state\":\"");
    sb_puts(b, state);
    sb_puts(b, "\",\"reason\":\"timeout\",\"alerted\":false");
    if (O.eve_ver == 3 && txcnt) {
        sb_puts(b, ",\"tx_cnt\":");
        sb_u64(b, txcnt);
    }
    sb_putc(b, '}');
    if (tcp) {
        if (rst)
            sb_puts(b, ",\"tcp\":{\"tcp_flags\":\"1f\",\"tcp_flags_ts\":\"1e\",\"tcp_flags_tc\":\"1b\",\"syn\":true,"
                       "\"fin\":true,\"rst\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"");
        else
            sb_puts(b, ",\"tcp\":{\"tcp_flags\":\"1b\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"1b\",\"syn\":true,"
                       "\"fin\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"");
        if (O.eve_ver == 3)
            sb_puts(b, ",\"ts_max_regions\":1,\"tc_max_regions\":1");
        sb_putc(b, '}');
    }
    sb_puts(b, "}\n");
}

/* flow record of a finished DNS flow, written after the flow timeout */
static void render_dns_flow(const txn_t *t, rng_t *r)
{
    sb_t *b = &g_line;
    int est = t->fl_pr > 0;
    int64_t key = t->fl_end + (t->tcp ? 0 : est ? 300 * US : 30 * US) + rrange(r, 1 * US, 15 * US);
    b->n = 0;
    eve_head(b, key, t->flow, "flow", t->cli, t->cport, t->srv, t->sport, t->tcp, 0);
    sb_puts(b, ",\"app_proto\":\"dns\"");
    eve_flow_tail(b, t->fl_start, t->fl_end, t->fl_pq, t->fl_pr, t->fl_bq, t->fl_br,
                  t->tcp ? "closed" : est ? "established" : "new", t->fl_pq + t->fl_pr, t->tcp, 0);
    emit(key, b);
}

/* unrelated flow records (TLS, HTTP, NTP, NetBIOS) interleaved as in real EVE files */
static void render_other_flow(rng_t *r, int64_t now)
{
    sb_t *b = &g_line;
    uint32_t cidx = zipf_client(r);
    uint32_t x = rbelow(r, 100);
    int64_t dur = (int64_t)(rexp(r, 8.0) * 1e6) + rrange(r, 20000, 400000);
    int64_t start = now - rrange(r, 60 * US, 400 * US) - dur;
    uint64_t flow = make_flow_id(r);
    b->n = 0;
    if (x < 75) {
        int https = x < 60;
        uint32_t pq = 6 + rbelow(r, 40), pr = pq - 2 + rbelow(r, 30);
        eve_head(b, now, flow, "flow", client_ip(cidx), client_port(r, cidx), pub_ip(rng_next(r)),
                 https ? 443 : 80, 1, 0);
        sb_puts(b, https ? ",\"app_proto\":\"tls\"" : ",\"app_proto\":\"http\"");
        eve_flow_tail(b, start, start + dur, pq, pr, pq * (60 + rbelow(r, 200)), pr * (200 + rbelow(r, 1200)),
                      "closed", 1, 1, rchance(r, 0.15));
    } else if (x < 88) {
        eve_head(b, now, flow, "flow", client_ip(cidx), 123, pub_ip(rng_next(r)), 123, 0, 0);
        sb_puts(b, ",\"app_proto\":\"ntp\"");
        eve_flow_tail(b, start, start + 40000, 1, 1, 90, 90, "established", 2, 0, 0);
    } else {
        uint32_t cip = client_ip(cidx);
        eve_head(b, now, flow, "flow", cip, 138, cip | 0xffu, 138, 0, 0);
        sb_puts(b, ",\"app_proto\":\"failed\"");
        uint32_t n = 1 + rbelow(r, 5);
        eve_flow_tail(b, start, start + dur, n, 0, n * (200 + rbelow(r, 40)), 0, "new", 0, 0, 0);
    }
    emit(now, b);
}

/* ------------------------------------------------------------------ */
/* CLI                                                                 */

static void usage(FILE *f)
{
    fputs(
        "Usage: gen-dnslog [options]\n"
        "Deterministic synthetic DNS log generator (Zeek dns.log TSV/JSON, Suricata EVE).\n"
        "Same arguments => byte-identical output. Output is streamed (constant memory).\n"
        "\n"
        "Output:\n"
        "  -f, --format FMT      zeek (default): Zeek 6.x TSV dns.log with #header/#close\n"
        "                        zeek-json: Zeek JSON writer, one object per line\n"
        "                        eve: Suricata EVE JSON (DNS + interleaved flow records)\n"
        "      --eve-version N   2 (default): Suricata 7 (type query/answer, version 2)\n"
        "                        3: Suricata 8 (type request/response, queries[],\n"
        "                           responses sent from the resolver)\n"
        "      --noise-ratio R   eve only: non-DNS/flow records per DNS transaction\n"
        "                        (default 0.2; 0 disables). Ignored for Zeek formats.\n"
        "  -o, --output FILE     write to FILE instead of stdout\n"
        "      --truth FILE      write the ground-truth lines to FILE instead of stderr\n"
        "\n"
        "Traffic model:\n"
        "  -n, --events N        total DNS transactions, attacks included (default 10000)\n"
        "  -c, --clients N       client hosts 10.a.b.c (default 200)\n"
        "  -d, --domains N       registered domains, Zipf popularity (default 5000)\n"
        "      --resolvers N     internal resolvers 1 or 2: 10.0.0.53, 10.0.1.53 (default 2)\n"
        "      --start EPOCH     first second of traffic (default 1700000000 =\n"
        "                        2023-11-14T22:13:20Z)\n"
        "      --duration SECS   span of the traffic (default 86400); benign load\n"
        "                        follows a day/night curve\n"
        "  -s, --seed N          PRNG seed (default 1)\n"
        "  -a, --attack LIST     comma-separated scenarios, each NAME or NAME:COUNT\n"
        "                        (COUNT = DNS transactions for the scenario); 'all'\n"
        "                        selects every scenario with its default count:\n"
        "      iodine[:600]      NULL (10) and PRIVATE (65399) queries, base32/base64\n"
        "                        labels split at 57 chars under t1.<random>.com,\n"
        "                        one socket, ~2 q/s\n"
        "      dnscat2[:300]     TXT <hex 18-60>.dnsc.<domain>, answers TXT <hex>, ~1 q/s\n"
        "      exfil[:150]       A <base32 40-60>.<domain> every 60-120 s (hours),\n"
        "                        NXDOMAIN or 0.0.0.0\n"
        "      dga[:600]         bursts of 50-200 random consonant-heavy .com/.net/\n"
        "                        .info/.biz names every ~10 min, mostly NXDOMAIN\n"
        "      beacon[:240]      A update.<domain> every 60 s +/-15 %\n"
        "      fastflux[:300]    many clients resolve one .xyz domain; 4-8 A records\n"
        "                        from scattered /24s, TTL 30-120\n"
        "      recon[:255]       PTR sweep of 10.0.2.0/24 in ~1 min, then one AXFR\n"
        "                        over TCP (REFUSED)\n"
        "      lookalike[:12]    A login.micros0ft.com, paypal.com.account-verify.xyz,\n"
        "                        secure-paypa1.com in turn, minutes apart\n"
        "      intel[:12]        A api.ipify.org, www.packetriot.net,\n"
        "                        abcdefghijklmnop.onion.to, files.mirror-cdn.net (answered\n"
        "                        173.212.254.192) in turn: names and an address on\n"
        "                        the shipped rules/intel lists\n"
        "      doh[:6]           A dns.google, cloudflare-dns.com,\n"
        "                        use-application-dns.net in turn, minutes apart\n"
        "                        Each scenario uses one dedicated client (fastflux: a pool)\n"
        "                        and prints one ground-truth line.\n"
        "  -h, --help            this help\n",
        f);
}

static long parse_long(const char *opt, const char *v, long lo, long hi)
{
    char *e;
    errno = 0;
    long x = strtol(v, &e, 10);
    if (errno || *e || e == v || x < lo || x > hi)
        die("invalid value for %s: '%s' (expected %ld..%ld)", opt, v, lo, hi);
    return x;
}

static long g_attack[SK_N]; /* 0 = off, else count */

static void parse_attacks(const char *list)
{
    char buf[512];
    scpy(buf, sizeof buf, list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *colon = strchr(tok, ':');
        long cnt = -1;
        if (colon) {
            *colon = 0;
            cnt = parse_long("--attack count", colon + 1, 1, 100000000);
        }
        if (!strcmp(tok, "all")) {
            for (int k = 1; k < SK_N; k++)
                g_attack[k] = SK_DEFAULT[k];
            continue;
        }
        int found = 0;
        for (int k = 1; k < SK_N; k++)
            if (!strcmp(tok, SK_NAMES[k])) {
                g_attack[k] = cnt > 0 ? cnt : SK_DEFAULT[k];
                found = 1;
            }
        if (!found)
            die("unknown attack scenario '%s' (see --help)", tok);
    }
}

static const char *need_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die("option %s needs an argument", argv[*i]);
    return argv[++*i];
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
            const char *v = need_arg(argc, argv, &i);
            if (!strcmp(v, "zeek") || !strcmp(v, "zeek-tsv"))
                O.fmt = F_ZEEK;
            else if (!strcmp(v, "zeek-json"))
                O.fmt = F_ZEEK_JSON;
            else if (!strcmp(v, "eve"))
                O.fmt = F_EVE;
            else
                die("unknown format '%s' (zeek, zeek-json, eve)", v);
        } else if (!strcmp(a, "--eve-version")) {
            O.eve_ver = (int)parse_long(a, need_arg(argc, argv, &i), 2, 3);
        } else if (!strcmp(a, "-n") || !strcmp(a, "--events")) {
            O.events = parse_long(a, need_arg(argc, argv, &i), 0, 2000000000L);
        } else if (!strcmp(a, "-c") || !strcmp(a, "--clients")) {
            O.clients = (uint32_t)parse_long(a, need_arg(argc, argv, &i), 1, 3000000);
        } else if (!strcmp(a, "-d") || !strcmp(a, "--domains")) {
            O.domains = (uint32_t)parse_long(a, need_arg(argc, argv, &i), 1, 100000000);
        } else if (!strcmp(a, "--resolvers")) {
            O.nres = (int)parse_long(a, need_arg(argc, argv, &i), 1, 2);
        } else if (!strcmp(a, "--start")) {
            O.start = parse_long(a, need_arg(argc, argv, &i), 0, 4000000000L);
        } else if (!strcmp(a, "--duration")) {
            O.duration = parse_long(a, need_arg(argc, argv, &i), 1, 366L * 86400);
        } else if (!strcmp(a, "-s") || !strcmp(a, "--seed")) {
            const char *v = need_arg(argc, argv, &i);
            char *e;
            errno = 0;
            O.seed = strtoull(v, &e, 0);
            if (errno || *e || e == v)
                die("invalid seed '%s'", v);
        } else if (!strcmp(a, "-a") || !strcmp(a, "--attack")) {
            parse_attacks(need_arg(argc, argv, &i));
        } else if (!strcmp(a, "--noise-ratio")) {
            const char *v = need_arg(argc, argv, &i);
            char *e;
            O.noise = strtod(v, &e);
            if (*e || e == v || O.noise < 0 || O.noise > 10)
                die("invalid --noise-ratio '%s' (0..10)", v);
            O.noise_set = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            O.out = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--truth")) {
            O.truth = need_arg(argc, argv, &i);
        } else {
            usage(stderr);
            die("unknown option '%s'", a);
        }
    }
}

/* ------------------------------------------------------------------ */
/* main                                                                */

static void print_truth(const src_t *s)
{
    char a[32], b[32];
    char who[64];
    fmt_iso_short(a, sizeof a, s->first);
    fmt_iso_short(b, sizeof b, s->last);
    if (s->kind == SK_FASTFLUX) {
        int n = 0;
        for (uint32_t k = 0; k < s->ffpool_n; k++)
            n += (s->ffseen[k / 8] >> (k % 8)) & 1;
        snprintf(who, sizeof who, "multiple(%d)", n);
    } else {
        uint32_t ip = client_ip(s->client);
        snprintf(who, sizeof who, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    }
    static const char *const what[SK_N] = {
        "", "T1071.004/T1572 tunnel qtype=NULL,PRIVATE(65399)", "T1071.004 C2 qtype=TXT",
        "T1048.003 low-and-slow qtype=A", "T1568.002 DGA qtype=A mostly NXDOMAIN", "T1071.004/T1029 beacon qtype=A",
        "T1568.001 fast-flux qtype=A", "T1590.002/T1018 PTR sweep + AXFR",
        "T1583.001 look-alike domains qtype=A", "threat-intel indicators (names, an answered address) qtype=A",
        "T1572 DoH resolver and canary lookups qtype=A"};
    fprintf(TRUTH, "ground-truth scenario=%s client=%s domain=%s count=%ld first=%s last=%s (%s)\n",
            SK_NAMES[s->kind], who, s->kind == SK_DGA ? "<random .com/.net/.info/.biz>" : s->domain, s->count, a, b,
            what[s->kind]);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (!O.noise_set)
        O.noise = 0.2;
    if (O.fmt != F_EVE)
        O.noise = 0;

    OUT = stdout;
    if (O.out) {
        OUT = fopen(O.out, "w");
        if (!OUT)
            die("cannot open %s: %s", O.out, strerror(errno));
    }
    static char obuf[1 << 20];
    setvbuf(OUT, obuf, _IOFBF, sizeof obuf);
    TRUTH = stderr;
    if (O.truth) {
        TRUTH = fopen(O.truth, "w");
        if (!TRUTH)
            die("cannot open %s: %s", O.truth, strerror(errno));
    }

    /* global deterministic setup */
    g_dseed = mix64(O.seed ^ 0x646f6d61696e73ULL);
    g_cseed = mix64(O.seed ^ 0x636c69656e7473ULL);
    g_cperm_off = mix64(O.seed ^ 0x7065726dULL) % O.clients;
    g_zc_client = pow((double)O.clients + 1.0, 1.0 - 0.8) - 1.0;
    g_dcache = calloc(DCACHE, sizeof *g_dcache);
    if (!g_dcache)
        die("out of memory");
    {
        rng_t r;
        rng_seed(&r, O.seed, 9);
        snprintf(g_internal, sizeof g_internal, "corp.%s%s.lan", WORDS[rbelow(&r, NWORDS)], WORDS[rbelow(&r, NWORDS)]);
    }
    warp_init();
    /* dedicated clients: one per scenario kind (chosen whether or not the
     * scenario is enabled, so a scenario's client does not depend on the
     * others), then the mail servers (DNSBL) and AV hosts */
    g_nused = 0;
    for (int k = 1; k < SK_DOH; k++)
        g_attack_client[k] = pick_special(0xa77ac000ULL + (uint64_t)k);
    g_nmail = O.clients >= 40 ? 2 : 0;
    for (uint32_t i = 0; i < g_nmail; i++)
        g_mail[i] = pick_special(0x6d61696cULL + i);
    g_nav = O.clients >= 40 ? 6 : 0;
    for (uint32_t i = 0; i < g_nav; i++)
        g_av[i] = pick_special(0x61760000ULL + i);
    /* scenarios added later pick last: the earlier picks stay as they were */
    for (int k = SK_DOH; k < SK_N; k++)
        g_attack_client[k] = pick_special(0xa77ac000ULL + (uint64_t)k);

    static src_t scen[SK_N];
    long attack_total = 0;
    int nscen = 0;
    src_t *act[SK_N];
    for (int k = 1; k < SK_N; k++) {
        if (!g_attack[k])
            continue;
        /* counting pass: run the scenario once without output */
        scen_init(&scen[k], k, g_attack[k]);
        long cnt = 0;
        int64_t first = -1, last = -1;
        while (src_fill(&scen[k])) {
            if (first < 0)
                first = scen[k].cur->ts;
            last = scen[k].cur->ts;
            cnt++;
        }
        uint8_t seen[32];
        memcpy(seen, scen[k].ffseen, sizeof seen);
        scen_init(&scen[k], k, g_attack[k]);
        scen[k].count = cnt;
        scen[k].first = first;
        scen[k].last = last;
        memcpy(scen[k].ffseen, seen, sizeof seen);
        attack_total += cnt;
        if (cnt)
            act[nscen++] = &scen[k];
    }

    for (int i = 0; i < nscen; i++)
        print_truth(act[i]);
    if (attack_total > O.events)
        fprintf(stderr, "gen-dnslog: note: attack scenarios need %ld transactions, more than --events %ld\n",
                attack_total, O.events);
    fflush(TRUTH);

    static src_t benign;
    memset(&benign, 0, sizeof benign);
    benign.kind = SK_BENIGN;
    rng_seed(&benign.r, O.seed, 1);
    benign.limit = O.events > attack_total ? O.events - attack_total : 0;

    src_t *srcs[SK_N + 1];
    int nsrc = 0;
    srcs[nsrc++] = &benign;
    for (int i = 0; i < nscen; i++)
        srcs[nsrc++] = act[i];
    int live[SK_N + 1];
    for (int i = 0; i < nsrc; i++)
        live[i] = src_fill(srcs[i]);

    rng_t noise;
    rng_seed(&noise, O.seed, 2);

    int64_t first_ts = -1;
    for (int i = 0; i < nsrc; i++)
        if (live[i] && (first_ts < 0 || srcs[i]->cur->ts < first_ts))
            first_ts = srcs[i]->cur->ts;
    if (first_ts < 0)
        first_ts = O.start * US;
    g_last_write = first_ts;

    if (O.fmt == F_ZEEK) {
        char d[40];
        fmt_zeek_date(d, sizeof d, first_ts);
        fprintf(OUT,
                "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n"
                "#open\t%s\n"
                "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\t"
                "qclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\t"
                "rejected\n"
                "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\t"
                "count\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\t"
                "vector[interval]\tbool\n",
                d);
    }

    long dns_out = 0;
    for (;;) {
        int best = -1;
        for (int i = 0; i < nsrc; i++)
            if (live[i] && (best < 0 || srcs[i]->cur->ts < srcs[best]->cur->ts))
                best = i;
        if (best < 0)
            break;
        const txn_t *t = srcs[best]->cur;
        if (t->ts > g_now)
            g_now = t->ts;
        flush_until(g_now);
        switch (O.fmt) {
        case F_ZEEK: render_zeek(t); break;
        case F_ZEEK_JSON: render_zeek_json(t); break;
        default: render_eve(t); break;
        }
        dns_out++;
        if (O.noise > 0) {
            double want = O.noise;
            while (want > 0) {
                if (rchance(&noise, want > 1 ? 1 : want)) {
                    if (t->last && rchance(&noise, 0.5))
                        render_dns_flow(t, &noise);
                    else
                        render_other_flow(&noise, t->ts);
                }
                want -= 1;
            }
        }
        live[best] = src_fill(srcs[best]);
    }
    g_now = INT64_MAX;
    flush_until(INT64_MAX);

    if (O.fmt == F_ZEEK) {
        char d[40];
        fmt_zeek_date(d, sizeof d, g_last_write);
        fprintf(OUT, "#close\t%s\n", d);
    }
    if (fflush(OUT) != 0 || ferror(OUT))
        die("write error: %s", strerror(errno));
    if (OUT != stdout)
        fclose(OUT);
    if (TRUTH != stderr)
        fclose(TRUTH);
    (void)dns_out;
    free(H);
    free(g_line.p);
    free(g_ans.p);
    free(g_ttl.p);
    free(g_cum);
    free(g_dcache);
    return 0;
}
