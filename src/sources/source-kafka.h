/*
 * source-kafka.h - consume sensor topics as a consumer-group member.
 *
 * `kafka:TOPIC[,TOPIC...]` inputs: every message is one record in any format
 * the file path reads (sniffed per partition), after shipper envelopes are
 * unwrapped (envelope.h). Each assigned partition is one pipeline stream;
 * the watermark is the minimum over partitions.
 *
 * Delivery is at-least-once: offsets are committed by dnshound itself, only
 * up to the first message whose event may still count in an open window or
 * a pending transaction (dh_pipeline_safe_time), and only after the sink
 * confirmed delivery of everything written so far. After a crash the
 * restarted consumer re-reads from there: the open windows are rebuilt and
 * re-closed, detections that had already been delivered come again with the
 * same deterministic event.id (consumers de-duplicate on it), nothing is lost.
 *
 * On SIGINT/SIGTERM: stop consuming, flush the sink, commit what is safe,
 * leave the group. With exit_at_end: stop once every assigned partition
 * reached its end, close every window (end of input), flush, commit all.
 */
#ifndef DH_SOURCE_KAFKA_H
#define DH_SOURCE_KAFKA_H

#include "../pipeline.h"

/* Run the consumer for spec ("kafka:TOPIC[,TOPIC]") until it stops. 0 when
   it ended cleanly (signal or end of topics), -1 on a fatal error (reported
   on the log). *finished tells whether the pipeline was already finished
   (windows closed, exit_at_end). */
int dh_kafka_consume(dh_pipeline_t *pl, const dh_options_t *o, const char *spec, int *finished);

/* Ask a running consumer to stop (async-signal-safe): SIGINT/SIGTERM. */
void dh_kafka_request_stop(void);

/* Ask a running consumer to end its input now, as if every partition had
   reached its end (async-signal-safe): SIGUSR1. Every window closes and is
   reported, output is delivered, everything read is committed. */
void dh_kafka_request_finish(void);

#endif
