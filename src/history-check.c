/*
 * history-check.c - is an LMDB data.mdb safe to map? (see history-check.h)
 *
 * Why a file of its own: it is a reader of LMDB's on-disk format (meta
 * pages, then a walk over every page of the live trees with pread), a
 * subsystem apart from the history that uses it. It never maps the file and
 * never writes.
 */
#include "history-check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util-mem.h"

/* LMDB maps data.mdb and trusts it: a file cut short maps pages beyond its
   end, and the first access to one kills the process with SIGBUS. So before
   mapping, the two meta pages are read with pread and checked against the
   file's size. The layout is liblmdb 0.9's (64-bit): a 16-byte page header
   (mp_flags at 10, P_META 0x08), then MDB_meta: mm_magic at 0, mm_version
   at 4, mm_mapsize at 16, the free DB's md_pad (the page size) at 24,
   mm_last_pg at 120 and mm_txnid at 128. */
#define LMDB_PAGEHDR 16
#define LMDB_P_META 0x08
#define LMDB_MAGIC 0xBEEFC0DEu
#define LMDB_DATA_VERSION 1
#define LMDB_META_END (LMDB_PAGEHDR + 136)

typedef struct {
    uint32_t psize;
    uint64_t last_pg, txnid;
    uint64_t free_root, main_root; /* the md_root (at 40) of mm_dbs[0] at 24, [1] at 72 */
} meta_info_t;

#define IO_FAILED DH_LMDB_CHECK_IO_FAILED

static uint16_t get16(const unsigned char *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Meta page `which` (0 or 1) at offset off; 0, or -1 with why. */
static int read_meta(int fd, off_t off, int which, meta_info_t *m, char *why, size_t whylen)
{
    unsigned char b[LMDB_META_END];
    ssize_t n = pread(fd, b, sizeof(b), off);
    if (n < 0) {
        snprintf(why, whylen, "cannot read meta page %d: %s", which, strerror(errno));
        return IO_FAILED;
    }
    if ((size_t)n < sizeof(b)) {
        snprintf(why, whylen, "cut short: meta page %d is incomplete", which);
        return -1;
    }
    const unsigned char *meta = b + LMDB_PAGEHDR;
    if (!(get16(b + 10) & LMDB_P_META) || get32(meta) != LMDB_MAGIC) {
        snprintf(why, whylen, "not an LMDB file (meta page %d has no LMDB magic)", which);
        return -1;
    }
    if (get32(meta + 4) != LMDB_DATA_VERSION) {
        snprintf(why, whylen, "LMDB format version %u, this liblmdb reads %d",
                 get32(meta + 4), LMDB_DATA_VERSION);
        return -1;
    }
    m->psize = get32(meta + 24);
    m->last_pg = get64(meta + 120);
    m->txnid = get64(meta + 128);
    m->free_root = get64(meta + 24 + 40);
    m->main_root = get64(meta + 72 + 40);
    if (m->psize < 512 || m->psize > 65536 || (m->psize & (m->psize - 1))) {
        snprintf(why, whylen, "meta page %d: page size %u is not an LMDB page size", which,
                 m->psize);
        return -1;
    }
    return 0;
}

/* ---- the walk: every page of the live trees, read with pread -------

   A page of random bytes inside the tree makes LMDB read through garbage
   offsets (SIGSEGV) or fail an assertion (abort). So the trees of the meta
   page LMDB will use are walked once before mapping, checking what LMDB
   trusts: each page's number, kind (branch or leaf) and bounds
   (16 <= lower <= upper <= page size), each node inside its page, child
   and overflow page numbers within the file, each page reached once, the
   named databases (F_SUBDATA leaves of the main tree) and the free lists
   (their page numbers too). Keys' order is not checked (a lookup may then
   miss, never crash). Layout, liblmdb 0.9: the page header is mp_pgno at 0,
   mp_flags at 10, mp_lower at 12, mp_upper at 14 (mp_pages, overflow
   pages: 12), then 16-bit node offsets; a node is mn_lo, mn_hi, mn_flags,
   mn_ksize (16 bits each), the key, then the data (a leaf: size lo|hi<<16)
   or, in a branch, the child lo|hi<<16|flags<<32. */
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define F_BIGDATA 0x01
#define F_SUBDATA 0x02
#define P_INVALID UINT64_MAX
#define MAX_DEPTH 32

enum { TREE_MAIN, TREE_FREE, TREE_PLAIN };

typedef struct {
    int fd;
    uint32_t psize;
    uint64_t last_pg;
    uint8_t *seen; /* a bit a page */
    char *why;
    size_t whylen;
} walk_t;

static int bad_page(walk_t *w, uint64_t pgno, const char *what)
{
    snprintf(w->why, w->whylen, "page %llu: %s", (unsigned long long)pgno, what);
    return -1;
}

/* Read `len` bytes at page pgno's offset `off`: 0, or -1/IO_FAILED. */
static int read_at(walk_t *w, uint64_t pgno, size_t off, void *buf, size_t len)
{
    ssize_t n = pread(w->fd, buf, len, (off_t)(pgno * w->psize + off));
    if (n < 0) {
        snprintf(w->why, w->whylen, "cannot read page %llu: %s", (unsigned long long)pgno,
                 strerror(errno));
        return IO_FAILED;
    }
    return (size_t)n == len ? 0 : bad_page(w, pgno, "beyond the end of the file");
}

/* A free list: a count, then that many page numbers, all within the file. */
static int check_idl(walk_t *w, uint64_t pgno, const unsigned char *d, size_t len)
{
    if (len < 8 || len % 8 || get64(d) != len / 8 - 1)
        return bad_page(w, pgno, "a free list of the wrong size");
    for (size_t i = 8; i < len; i += 8)
        if (get64(d + i) > w->last_pg)
            return bad_page(w, pgno, "a free page beyond the last page");
    return 0;
}

static int walk_overflow(walk_t *w, uint64_t pgno, uint64_t dsize, int kind)
{
    unsigned char hdr[16];
    int rc;
    if (pgno > w->last_pg)
        return bad_page(w, pgno, "an overflow page beyond the last page");
    if ((rc = read_at(w, pgno, 0, hdr, sizeof(hdr))))
        return rc;
    uint64_t pages = get32(hdr + 12);
    if (get64(hdr) != pgno || !(get16(hdr + 10) & P_OVERFLOW) || pages == 0 ||
        pages - 1 > w->last_pg - pgno || pages * w->psize - 16 < dsize)
        return bad_page(w, pgno, "not the overflow page its node says");
    if (kind != TREE_FREE)
        return 0;
    unsigned char *d = dh_malloc(dsize ? dsize : 1);
    if ((rc = read_at(w, pgno, 16, d, dsize)) == 0)
        rc = check_idl(w, pgno, d, dsize);
    free(d);
    return rc;
}

static int walk_page(walk_t *w, uint64_t pgno, int kind, int depth);

/* One node of a page (b: the page, off: the node's offset). */
static int walk_node(walk_t *w, uint64_t pgno, const unsigned char *b, size_t off, bool branch,
                     int kind, int depth)
{
    const unsigned char *node = b + off;
    uint64_t lo = get16(node), hi = get16(node + 2), flags = get16(node + 4);
    size_t ksize = get16(node + 6), at = off + 8 + ksize; /* where the data starts */
    if (at > w->psize)
        return bad_page(w, pgno, "a key beyond the page");
    if (branch)
        return walk_page(w, lo | hi << 16 | flags << 32, kind, depth + 1);
    uint64_t dsize = lo | hi << 16;
    if (flags & F_BIGDATA)
        return at + 8 > w->psize ? bad_page(w, pgno, "a node beyond the page")
                                 : walk_overflow(w, get64(b + at), dsize, kind);
    if (at + dsize > w->psize)
        return bad_page(w, pgno, "data beyond the page");
    if (flags & F_SUBDATA) { /* a named database: its MDB_db record */
        if (kind != TREE_MAIN || dsize != 48)
            return bad_page(w, pgno, "a sub-database where none can be");
        uint64_t root = get64(b + at + 40);
        return root == P_INVALID ? 0 : walk_page(w, root, TREE_PLAIN, 0);
    }
    if (flags & ~(uint64_t)F_BIGDATA)
        return bad_page(w, pgno, "a node with unknown flags");
    return kind == TREE_FREE ? check_idl(w, pgno, b + at, dsize) : 0;
}

static int walk_page(walk_t *w, uint64_t pgno, int kind, int depth)
{
    if (depth > MAX_DEPTH)
        return bad_page(w, pgno, "a tree deeper than LMDB builds");
    if (pgno > w->last_pg)
        return bad_page(w, pgno, "beyond the last page");
    if (w->seen[pgno / 8] & (1u << (pgno % 8)))
        return bad_page(w, pgno, "reached twice");
    w->seen[pgno / 8] |= (uint8_t)(1u << (pgno % 8));
    unsigned char *b = dh_malloc(w->psize);
    int rc = read_at(w, pgno, 0, b, w->psize);
    if (rc) {
        free(b);
        return rc;
    }
    /* P_DIRTY, P_LOOSE and P_KEEP are LMDB's in-memory marks, not the kind */
    unsigned flags = get16(b + 10) & ~0xc010u, lower = get16(b + 12), upper = get16(b + 14);
    bool branch = flags == P_BRANCH;
    if (get64(b) != pgno)
        rc = bad_page(w, pgno, "its header names another page");
    else if (flags != P_BRANCH && flags != P_LEAF)
        rc = bad_page(w, pgno, "neither a branch nor a leaf page");
    else if (lower < 16 || lower > upper || upper > w->psize || (lower - 16) % 2 ||
             (branch && lower == 16))
        rc = bad_page(w, pgno, "bounds out of order");
    for (unsigned i = 16; rc == 0 && i < lower; i += 2) {
        size_t off = get16(b + i);
        rc = off < upper || off + 8 > w->psize ? bad_page(w, pgno, "a node beyond the page")
                                               : walk_node(w, pgno, b, off, branch, kind, depth);
    }
    free(b);
    return rc;
}

/* 0 when every page of the live trees is sound; -1 or IO_FAILED with why. */
static int walk_trees(int fd, const meta_info_t *m, char *why, size_t whylen)
{
    walk_t w = {.fd = fd, .psize = m->psize, .last_pg = m->last_pg, .why = why,
                .whylen = whylen};
    w.seen = dh_calloc(m->last_pg / 8 + 1, 1);
    w.seen[0] |= 3; /* the meta pages */
    int rc = 0;
    if (m->free_root != P_INVALID)
        rc = walk_page(&w, m->free_root, TREE_FREE, 0);
    if (rc == 0 && m->main_root != P_INVALID)
        rc = walk_page(&w, m->main_root, TREE_MAIN, 0);
    free(w.seen);
    return rc;
}

/* The checks on an open data file; 0 when LMDB can map it safely. */
static int check_data_fd(int fd, char *why, size_t whylen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot stat: %s", strerror(errno));
        return IO_FAILED;
    }
    if (st.st_size == 0) { /* LMDB would start afresh: the history would be lost unsaid */
        snprintf(why, whylen, "cut short: empty (0 bytes)");
        return -1;
    }
    meta_info_t m0, m1;
    int rc = read_meta(fd, 0, 0, &m0, why, whylen);
    if (rc || (rc = read_meta(fd, (off_t)m0.psize, 1, &m1, why, whylen)))
        return rc;
    const meta_info_t *cur = m1.txnid > m0.txnid ? &m1 : &m0; /* the one LMDB uses */
    if (m1.psize != m0.psize) {
        snprintf(why, whylen, "meta pages disagree (page size %u and %u)", m0.psize, m1.psize);
        return -1;
    }
    if (cur->last_pg >= (uint64_t)st.st_size / m0.psize) { /* pages 0..last_pg mapped */
        snprintf(why, whylen, "cut short: %lld bytes, the history counts %llu pages of %u",
                 (long long)st.st_size, (unsigned long long)cur->last_pg + 1, m0.psize);
        return -1;
    }
    if (st.st_size % m0.psize != 0) {
        snprintf(why, whylen, "cut short: %lld bytes is not a whole number of %u-byte pages",
                 (long long)st.st_size, m0.psize);
        return -1;
    }
    return walk_trees(fd, cur, why, whylen);
}

int dh_lmdb_check_data_file(const char *dir, char *why, size_t whylen)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return IO_FAILED;
    }
    int rc = check_data_fd(fd, why, whylen);
    close(fd);
    return rc;
}

