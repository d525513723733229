/*
 * detector.h - the interface every detector implements.
 *
 * One file per detector in src/detectors/ defines one
 * `const dh_detector_type_t dh_detector_NAME`, and one line DETECTOR(NAME) in
 * src/detectors/detectors.def registers it; its thresholds, lists and ATT&CK
 * mapping live in rules/NAME.yaml (data, not code). The pipeline calls:
 *
 *   create(rule, err)        Read and validate rule->thresholds (every key
 *                            it reads is marked used; unknown keys are
 *                            reported by the caller afterwards). Return the
 *                            detector's state, or NULL with err filled
 *                            ("FILE:LINE: ...").
 *   on_event(st, ev, env)    Once per normalized DNS event, in input order.
 *                            ev is borrowed: copy what you keep. Must not
 *                            allocate per event once warmed up.
 *   on_watermark(st, wm, env) Event time has advanced: every window ending at
 *                            or before wm can be closed and its findings
 *                            emitted with env->emit. wm never decreases.
 *                            Optional (NULL).
 *   flush(st, env)           End of input: close every window, emit.
 *   destroy(st)              Free everything. NULL is allowed.
 *
 * Detectors never read the wall clock: only event time decides, so a replay
 * gives byte-identical output.
 */
#ifndef DH_DETECTOR_H
#define DH_DETECTOR_H

#include <stdint.h>

#include "detection.h"
#include "event.h"
#include "rules.h"

typedef struct dh_detect_env {
    void (*emit)(void *pipeline, const dh_detection_t *d);
    void *pipeline;
} dh_detect_env_t;

typedef struct dh_detector_type {
    const char *name;
    const char *description;
    void *(*create)(dh_rule_t *rule, char *err, size_t errlen);
    void (*on_event)(void *state, const dh_event_t *ev, const dh_detect_env_t *env);
    void (*on_watermark)(void *state, int64_t watermark_us, const dh_detect_env_t *env);
    void (*flush)(void *state, const dh_detect_env_t *env);
    void (*destroy)(void *state);
} dh_detector_type_t;

extern const dh_detector_type_t *const dh_detectors[];

#endif
