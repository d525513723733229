/*
 * kafka-conf.h - librdkafka configuration from the Kafka options
 * (dh_kafka_options_t, options.h), shared by the Kafka source and sink:
 * bootstrap servers (-b), then every -X / config file property in order, as
 * kcat does. Only brokers and props are read here.
 */
#ifndef DH_KAFKA_CONF_H
#define DH_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "log.h"
#include "options.h"

/* The head of the rd_kafka opaque of every dnshound client (the consumer's
   and the producer's state structs begin with it): librdkafka's log lines
   go to this logger as "[kind:kafka]". Set before rd_kafka_new; the
   logger is borrowed and outlives the client. */
typedef struct {
    dh_log_t *logger; /* NULL: stderr */
    const char *kind; /* "source", "sink" */
} dh_kafka_client_t;

/* A new conf (caller owns it, or hands it to rd_kafka_new). NULL with err
   naming the bad property. */
rd_kafka_conf_t *dh_kafka_conf_new(const dh_kafka_options_t *o, char *err, size_t errlen);

/* Apply o's brokers and properties onto an existing conf (so that a
   caller's defaults set before can be overridden), and route librdkafka's
   log lines through dh_log: the conf's opaque must begin with a
   dh_kafka_client_t. The log callback runs on librdkafka's threads (dh_log
   is thread-safe). 0 or -1 with err. */
int dh_kafka_conf_apply(rd_kafka_conf_t *c, const dh_kafka_options_t *o, char *err,
                        size_t errlen);

/* A new client (RD_KAFKA_CONSUMER or RD_KAFKA_PRODUCER) on conf, its opaque
   cl (the head of the caller's state, set before; borrowed, outlives the
   client). conf is taken: librdkafka owns it, or it is destroyed when the
   client cannot be made (NULL with err "kafka consumer: ..."). */
rd_kafka_t *dh_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, dh_kafka_client_t *cl,
                         char *err, size_t errlen);

/* Set one property; -1 with err filled. */
int dh_kafka_conf_set(rd_kafka_conf_t *c, const char *key, const char *value, char *err,
                      size_t errlen);

#endif
