/*
 * mockbroker - a throw-away Kafka cluster for tests, in its own process.
 *
 * What: starts librdkafka's built-in mock cluster (rd_kafka_mock_cluster_new,
 * rdkafka_mock.h, librdkafka >= 2.0.2) with --brokers N brokers on
 * 127.0.0.1 ephemeral ports, creates the --topic NAME:PARTITIONS topics, prints
 * the bootstrap address ("127.0.0.1:PORT,...") as the first line on stdout
 * (and into --bootstrap-file, atomically: temp name + rename), then applies
 * commands read one per line from stdin or from a --control FIFO:
 *
 *   down ID                      rd_kafka_mock_broker_set_down (ID -1 = all)
 *   up ID                        rd_kafka_mock_broker_set_up
 *   rtt ID MS                    rd_kafka_mock_broker_set_rtt
 *   errors APIKEY COUNT ERRCODE  push COUNT x ERRCODE for requests APIKEY
 *                                (numbers: 0 = Produce, 1 = Fetch, 3 = Metadata,
 *                                11 = JoinGroup, ...; ERRCODE may be negative,
 *                                e.g. -195 = _TRANSPORT: the broker disconnects)
 *   topic NAME PARTITIONS        create one more topic
 *   quit                         exit 0
 *
 * Every applied command prints "ok <command>" on stdout (flushed); a bad or
 * failed one prints "mockbroker: error: <command>: <reason>" on stderr and the
 * helper goes on.
 *
 * Why: there is no Kafka broker on the developers' machines nor in CI, so the
 * Kafka tests of dnshound run against librdkafka's mock cluster. Creating it
 * inside the program under test is not possible (dnshound is a black box to
 * the end-to-end tests, and kcat must reach the same cluster), hence this
 * separate process. CI must never leak it, so it cannot outlive its creator:
 *   - prctl(PR_SET_PDEATHSIG, SIGTERM), plus a poll of getppid() every 250 ms
 *     (covers the parent dying before prctl, and reparenting);
 *   - a hard lifetime, --max-seconds S (default 300), after which it exits 3;
 *   - SIGTERM/SIGINT/SIGHUP destroy the cluster and exit 0.
 * On stdin EOF without --control it keeps running until one of the above, so
 * "mockbroker ... </dev/null &" works. With --control the FIFO is created if
 * missing (and then removed at exit) and reopened each time its last writer
 * closes. Exit status: 0 quit or signal, 1 error, 2 usage, 3 --max-seconds
 * reached, 4 parent gone.
 *
 * Pitfalls of this mock (librdkafka 2.0.2 + kcat 1.7.1, 2-core machine,
 * measured with tests/kafka/smoke.sh and by hand):
 *   - No CreateTopics admin API: create topics here (--topic, "topic") with
 *     the partition count you mean. Any Metadata request for an unknown topic
 *     auto-creates it with 4 partitions, even from a consumer: a typo in a
 *     topic name is not an error.
 *   - Retention is by size: each partition keeps ~5 MiB of message sets and
 *     silently drops the oldest (30 MB of 10 KB messages into 1 partition
 *     left the last 516). Keep test data per partition well under that.
 *   - Consumer groups work (kcat -G members split partitions, offsets are
 *     committed) but are slow: the first join of a group takes ~3 s, a
 *     rebalance takes about session.timeout.ms, and a member that dies
 *     without LeaveGroup is evicted after ~2 x session.timeout.ms (10-11.5 s at
 *     6000). Use session.timeout.ms=6000 in tests.
 *   - "down" drops the connections and refuses new ones but does NOT move
 *     partition leadership: with 1 broker everything stalls until "up".
 *     kcat gives up at once ("All broker connections are down") unless
 *     run with -E; producers need message.timeout.ms > the outage.
 *   - Each control call (down/up/rtt/topic/errors) goes through the mock
 *     thread, whose wake-up is sometimes lost: a command can take up to ~1 s
 *     (its 1 s poll timeout). Wait for the "ok" line before relying on it.
 *   - The broker listens on 127.0.0.1 only, with a listen backlog of 5.
 *   - Nothing is persisted: data and committed offsets die with the process.
 *
 * Build: cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra
 *        -Werror tests/kafka/mockbroker.c $(pkg-config --cflags --libs rdkafka)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64
#define LINE_MAX_LEN 1024
#define MAX_ERRORS 100000

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_LIFETIME = 3, EXIT_ORPHAN = 4, EXIT_FAIL = 1 };

static volatile sig_atomic_t g_signal;
static rd_kafka_mock_cluster_t *g_mc;
static int g_brokers = 1;

static void on_signal(int sig) { g_signal = sig; }

static void usage(FILE *f)
{
    fputs("usage: mockbroker [--brokers N] [--topic NAME:PARTITIONS]... "
          "[--bootstrap-file PATH]\n"
          "                  [--control FIFO] [--max-seconds S]\n"
          "Runs librdkafka's mock Kafka cluster; prints its bootstrap address, then\n"
          "reads commands (down ID | up ID | rtt ID MS | errors APIKEY COUNT ERRCODE |\n"
          "topic NAME PARTITIONS | quit) from stdin or FIFO.\n",
          f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses a whole decimal integer in [lo, hi]; returns 0 on success. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static void cmd_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mockbroker: error: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static int create_topic(const char *name, long parts, const char *ctx)
{
    int repl = g_brokers < 3 ? g_brokers : 3;
    rd_kafka_resp_err_t err;
    if (!*name || strlen(name) > 249) {
        cmd_error(ctx, "bad topic name");
        return -1;
    }
    err = rd_kafka_mock_topic_create(g_mc, name, (int)parts, repl);
    if (err) {
        cmd_error(ctx, "%s", rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

/* "NAME:PARTITIONS" (split at the last ':'). */
static int create_topic_spec(const char *spec)
{
    char buf[LINE_MAX_LEN];
    char *colon;
    long parts;
    if (strlen(spec) >= sizeof buf)
        return -1;
    strcpy(buf, spec);
    colon = strrchr(buf, ':');
    if (!colon || parse_long(colon + 1, 1, 10000, &parts)) {
        cmd_error(spec, "expected NAME:PARTITIONS");
        return -1;
    }
    *colon = '\0';
    return create_topic(buf, parts, spec);
}

/* Applies one command line. Returns 1 on quit, 0 otherwise. */
static int apply(char *line)
{
    char cmd[LINE_MAX_LEN];
    char *tok[5] = {0};
    char *save = NULL, *p;
    int n = 0;
    long a, b, c;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

    /* trim */
    while (*line == ' ' || *line == '\t')
        line++;
    p = line + strlen(line);
    while (p > line && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r'))
        *--p = '\0';
    if (!*line || *line == '#')
        return 0;
    snprintf(cmd, sizeof cmd, "%s", line);

    for (p = strtok_r(line, " \t", &save); p && n < 5; p = strtok_r(NULL, " \t", &save))
        tok[n++] = p;

#define ARGS(k)                                                                    \
    do {                                                                           \
        if (n != (k)) {                                                            \
            cmd_error(cmd, "expected %d argument(s)", (k)-1);                      \
            return 0;                                                              \
        }                                                                          \
    } while (0)

    if (!strcmp(tok[0], "quit")) {
        ARGS(1);
        printf("ok %s\n", cmd);
        fflush(stdout);
        return 1;
    } else if (!strcmp(tok[0], "down") || !strcmp(tok[0], "up")) {
        ARGS(2);
        if (parse_long(tok[1], -1, INT32_MAX, &a)) {
            cmd_error(cmd, "bad broker id");
            return 0;
        }
        err = tok[0][0] == 'd' ? rd_kafka_mock_broker_set_down(g_mc, (int32_t)a)
                               : rd_kafka_mock_broker_set_up(g_mc, (int32_t)a);
    } else if (!strcmp(tok[0], "rtt")) {
        ARGS(3);
        if (parse_long(tok[1], -1, INT32_MAX, &a) || parse_long(tok[2], 0, INT_MAX, &b)) {
            cmd_error(cmd, "expected rtt ID MS");
            return 0;
        }
        err = rd_kafka_mock_broker_set_rtt(g_mc, (int32_t)a, (int)b);
    } else if (!strcmp(tok[0], "errors")) {
        rd_kafka_resp_err_t *errs;
        long i;
        ARGS(4);
        if (parse_long(tok[1], 0, INT16_MAX, &a) || parse_long(tok[2], 1, MAX_ERRORS, &b) ||
            parse_long(tok[3], RD_KAFKA_RESP_ERR__BEGIN, RD_KAFKA_RESP_ERR_END_ALL, &c)) {
            cmd_error(cmd, "expected errors APIKEY COUNT ERRCODE");
            return 0;
        }
        errs = malloc((size_t)b * sizeof *errs);
        if (!errs) {
            cmd_error(cmd, "out of memory");
            return 0;
        }
        for (i = 0; i < b; i++)
            errs[i] = (rd_kafka_resp_err_t)c;
        rd_kafka_mock_push_request_errors_array(g_mc, (int16_t)a, (size_t)b, errs);
        free(errs);
    } else if (!strcmp(tok[0], "topic")) {
        ARGS(3);
        if (parse_long(tok[2], 1, 10000, &b)) {
            cmd_error(cmd, "bad partition count");
            return 0;
        }
        if (create_topic(tok[1], b, cmd))
            return 0;
    } else {
        cmd_error(cmd, "unknown command");
        return 0;
    }
#undef ARGS
    if (err) {
        cmd_error(cmd, "%s", rd_kafka_err2str(err));
        return 0;
    }
    printf("ok %s\n", cmd);
    fflush(stdout);
    return 0;
}

static int write_bootstrap_file(const char *path, const char *bs)
{
    char tmp[PATH_MAX];
    FILE *f;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return -1;
    f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", bs);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int open_control(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "mockbroker: %s: %s\n", path, strerror(errno));
    return fd;
}

int main(int argc, char **argv)
{
    const char *topics[MAX_TOPICS];
    int ntopics = 0, i, rc = EXIT_OK, in_fd, created_fifo = 0;
    const char *bootstrap_file = NULL, *control = NULL;
    long max_seconds = 300, v;
    char errstr[512], linebuf[LINE_MAX_LEN];
    size_t linelen = 0;
    int discarding = 0;
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    struct sigaction sa;
    sigset_t block, oldmask;
    double deadline;
    pid_t ppid0 = getppid();

    /* Never outlive the creator. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != ppid0)
        return EXIT_ORPHAN;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return EXIT_OK;
        }
        if (!val) {
            fprintf(stderr, "mockbroker: %s: missing value\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
        i++;
        if (!strcmp(a, "--brokers")) {
            if (parse_long(val, 1, 64, &v))
                goto bad;
            g_brokers = (int)v;
        } else if (!strcmp(a, "--topic")) {
            if (ntopics == MAX_TOPICS || !strchr(val, ':'))
                goto bad;
            topics[ntopics++] = val;
        } else if (!strcmp(a, "--bootstrap-file")) {
            bootstrap_file = val;
        } else if (!strcmp(a, "--control")) {
            control = val;
        } else if (!strcmp(a, "--max-seconds")) {
            if (parse_long(val, 1, 86400, &max_seconds))
                goto bad;
        } else {
            fprintf(stderr, "mockbroker: unknown option %s\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
        continue;
    bad:
        fprintf(stderr, "mockbroker: %s: bad value '%s'\n", a, val);
        return EXIT_USAGE;
    }
    deadline = now_s() + (double)max_seconds;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (control) {
        struct stat st;
        if (mkfifo(control, 0600) == 0) {
            created_fifo = 1;
        } else if (errno != EEXIST) {
            fprintf(stderr, "mockbroker: mkfifo %s: %s\n", control, strerror(errno));
            return EXIT_FAIL;
        }
        if (stat(control, &st) != 0 || !S_ISFIFO(st.st_mode)) {
            fprintf(stderr, "mockbroker: %s exists and is not a FIFO\n", control);
            return EXIT_FAIL;
        }
    }

    /* librdkafka's threads inherit this mask: signals go to the main thread. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &oldmask);

    /* A dummy producer owns the mock cluster (as in librdkafka's tests). */
    conf = rd_kafka_conf_new();
    /* log_level 4: hide the dummy producer's "No bootstrap.servers" notice. */
    if (rd_kafka_conf_set(conf, "client.id", "mockbroker", errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "mockbroker: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return EXIT_FAIL;
    }
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "mockbroker: rd_kafka_new: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
        return EXIT_FAIL;
    }
    g_mc = rd_kafka_mock_cluster_new(rk, g_brokers);
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    if (!g_mc) {
        fprintf(stderr, "mockbroker: rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(rk);
        return EXIT_FAIL;
    }

    for (i = 0; i < ntopics; i++)
        if (create_topic_spec(topics[i])) {
            rc = EXIT_USAGE;
            goto out;
        }

    printf("%s\n", rd_kafka_mock_cluster_bootstraps(g_mc));
    fflush(stdout);
    if (bootstrap_file &&
        write_bootstrap_file(bootstrap_file, rd_kafka_mock_cluster_bootstraps(g_mc))) {
        fprintf(stderr, "mockbroker: %s: %s\n", bootstrap_file, strerror(errno));
        rc = EXIT_FAIL;
        goto out;
    }

    in_fd = control ? open_control(control) : STDIN_FILENO;
    if (in_fd < 0) {
        rc = EXIT_FAIL;
        goto out;
    }

    for (;;) {
        struct pollfd pfd = {.fd = in_fd, .events = POLLIN};
        double left;
        int n;

        if (g_signal)
            break;
        if (getppid() != ppid0) {
            fprintf(stderr, "mockbroker: parent gone, exiting\n");
            rc = EXIT_ORPHAN;
            break;
        }
        left = deadline - now_s();
        if (left <= 0) {
            fprintf(stderr, "mockbroker: --max-seconds %ld reached, exiting\n", max_seconds);
            rc = EXIT_LIFETIME;
            break;
        }
        n = poll(&pfd, in_fd >= 0 ? 1 : 0, left < 0.25 ? (int)(left * 1000) + 1 : 250);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "mockbroker: poll: %s\n", strerror(errno));
            rc = EXIT_FAIL;
            break;
        }
        if (n <= 0 || in_fd < 0)
            continue;

        {
            /* One read per wake-up: stdin may be a blocking terminal or pipe. */
            char chunk[512];
            ssize_t r = read(in_fd, chunk, sizeof chunk);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (r <= 0) { /* EOF (the last writer closed) or error */
                if (linelen && !discarding) {
                    linebuf[linelen] = '\0';
                    if (apply(linebuf))
                        goto out;
                }
                linelen = 0;
                discarding = 0;
                if (control) {
                    /* Open the new read end before closing the old one: the
                     * pipe never lacks a reader, so a writer that comes and
                     * goes in between neither blocks nor loses its line. */
                    int fd = open_control(control);
                    close(in_fd);
                    in_fd = fd;
                    if (in_fd < 0) {
                        rc = EXIT_FAIL;
                        goto out;
                    }
                } else {
                    in_fd = -1; /* stdin EOF: run on until lifetime or signal */
                }
                continue;
            }
            for (ssize_t k = 0; k < r; k++) {
                if (chunk[k] == '\n') {
                    linebuf[linelen] = '\0';
                    if (!discarding && apply(linebuf))
                        goto out;
                    linelen = 0;
                    discarding = 0;
                } else if (linelen + 1 < sizeof linebuf) {
                    linebuf[linelen++] = chunk[k];
                } else if (!discarding) {
                    cmd_error("(line)", "longer than %d bytes, ignored", LINE_MAX_LEN - 1);
                    discarding = 1;
                }
            }
        }
    }

out:
    rd_kafka_mock_cluster_destroy(g_mc);
    rd_kafka_destroy(rk);
    if (created_fifo)
        unlink(control);
    return rc;
}
