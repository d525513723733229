/*
 * kafka-conf.h - librdkafka configuration from the run's options, shared by
 * the Kafka source and sink: bootstrap servers (-b), then every -X / config
 * file property in order, as kcat does.
 */
#ifndef DH_KAFKA_CONF_H
#define DH_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "options.h"

/* A new conf (caller owns it, or hands it to rd_kafka_new). NULL with err
   naming the bad property. */
rd_kafka_conf_t *dh_kafka_conf_new(const dh_options_t *o, char *err, size_t errlen);

/* Apply the run's brokers and properties onto an existing conf (so that a
   caller's defaults set before can be overridden). 0 or -1 with err. */
int dh_kafka_conf_apply(rd_kafka_conf_t *c, const dh_options_t *o, char *err, size_t errlen);

/* Set one property; -1 with err filled. */
int dh_kafka_conf_set(rd_kafka_conf_t *c, const char *key, const char *value, char *err,
                      size_t errlen);

#endif
