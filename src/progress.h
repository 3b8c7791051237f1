/* Internal: progress display on rank 0 (done/total, samples/s, ETA).
 * On a terminal a live line redrawn in place; otherwise (batch logs) a plain
 * line at most every `interval` seconds. Writes to stderr. */
#ifndef TRADEWAR_PROGRESS_H
#define TRADEWAR_PROGRESS_H

#include <stdint.h>

typedef struct tw_progress {
    int enabled, tty;
    uint64_t total, start_done, done;
    double t0, last;
    double interval;
} tw_progress;

double tw_now(void); /* monotonic seconds */
void tw_progress_start(tw_progress *p, int enabled, uint64_t total, uint64_t already_done);
void tw_progress_update(tw_progress *p, uint64_t done);
void tw_progress_finish(tw_progress *p);

#endif
