/*
 * kafka-conf.c - see kafka-conf.h.
 */
#include "kafka-conf.h"

#include <stdio.h>
#include <string.h>

int dh_kafka_conf_set(rd_kafka_conf_t *c, const char *key, const char *value, char *err,
                      size_t errlen)
{
    char e[256];
    if (rd_kafka_conf_set(c, key, value, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka property %s=%s: %s", key, value, e);
        return -1;
    }
    return 0;
}

/* librdkafka's log lines (syslog levels), through the client's logger. One
   set of -X properties serves the consumer and the producer, so each warns
   about the other's properties: those warnings say nothing and are dropped.
   Debug lines (-X debug=...) are written at INFO, so that asking for them
   is enough to see them. Called on librdkafka's threads. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    if (strcmp(fac, "CONFWARN") == 0 &&
        (strstr(buf, "is a consumer property") || strstr(buf, "is a producer property")))
        return;
    const dh_kafka_client_t *cl = rd_kafka_opaque(rk);
    dh_log_level_t lv = level <= 3 ? DH_LOG_ERROR : level == 4 ? DH_LOG_WARN : DH_LOG_INFO;
    dh_log(cl ? cl->logger : NULL, lv, cl ? cl->kind : "kafka", cl ? "kafka" : NULL, "%s: %s",
           fac, buf);
}

int dh_kafka_conf_apply(rd_kafka_conf_t *c, const dh_kafka_options_t *o, char *err,
                        size_t errlen)
{
    rd_kafka_conf_set_log_cb(c, on_log);
    if (o->brokers && dh_kafka_conf_set(c, "bootstrap.servers", o->brokers, err, errlen))
        return -1;
    for (size_t i = 0; o->props && o->props[i]; i++) {
        const char *kv = o->props[i];
        const char *eq = strchr(kv, '=');
        char key[256];
        if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
            snprintf(err, errlen, "kafka property '%s': expected key=value", kv);
            return -1;
        }
        memcpy(key, kv, (size_t)(eq - kv));
        key[eq - kv] = '\0';
        if (dh_kafka_conf_set(c, key, eq + 1, err, errlen))
            return -1;
    }
    char v[512];
    size_t vlen = sizeof(v);
    if (rd_kafka_conf_get(c, "bootstrap.servers", v, &vlen) != RD_KAFKA_CONF_OK || !v[0]) {
        snprintf(err, errlen, "kafka: no brokers (-b BROKERS or -X bootstrap.servers=...)");
        return -1;
    }
    return 0;
}

rd_kafka_conf_t *dh_kafka_conf_new(const dh_kafka_options_t *o, char *err, size_t errlen)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (dh_kafka_conf_apply(c, o, err, errlen)) {
        rd_kafka_conf_destroy(c);
        return NULL;
    }
    return c;
}

rd_kafka_t *dh_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, dh_kafka_client_t *cl,
                         char *err, size_t errlen)
{
    rd_kafka_conf_set_opaque(conf, cl);
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, e, sizeof(e));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(err, errlen, "kafka %s: %.400s",
                 type == RD_KAFKA_CONSUMER ? "consumer" : "producer", e);
    }
    return rk;
}
