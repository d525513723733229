/*
 * detector-call.h - call one detector's on_event the way the detector host
 * does: build the event's view (event-view.h), then pass it. The event must
 * be complete (registered_domain set) before the call.
 */
#ifndef DH_TEST_DETECTOR_CALL_H
#define DH_TEST_DETECTOR_CALL_H

#include "detector.h"
#include "event-view.h"

static inline void det_call(const dh_detector_type_t *type, void *st, const dh_event_t *ev,
                            const dh_verdict_t *v, const dh_detect_env_t *env)
{
    dh_event_view_t view;
    dh_event_view_init(&view, ev);
    type->on_event(st, &view, v, env);
}

#endif
