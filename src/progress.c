#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double tw_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fmt_time(double s, char *buf, size_t n)
{
    if (s < 0 || s > 1e8) {
        snprintf(buf, n, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else
        snprintf(buf, n, "%02ld:%02ld", t / 60, t % 60);
}

static void draw(tw_progress *p, int final)
{
    double now = tw_now(), el = now - p->t0;
    uint64_t new_done = p->done - p->start_done;
    double rate = el > 0 ? (double)new_done / el : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : -1;
    char e1[32], e2[32];
    fmt_time(el, e1, sizeof e1);
    fmt_time(eta, e2, sizeof e2);
    double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
    if (p->tty) {
        int w = 30, fill = (int)(pct / 100.0 * w + 0.5);
        char bar[64];
        for (int i = 0; i < w; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[w] = '\0';
        fprintf(stderr, "\r[%s] %5.1f%% %llu/%llu samples  %.0f/s  elapsed %s  ETA %s   %s", bar,
                pct, (unsigned long long)p->done, (unsigned long long)p->total, rate, e1,
                final ? "00:00" : e2, final ? "\n" : "");
    } else {
        fprintf(stderr, "progress: %llu/%llu samples (%.1f%%), %.0f samples/s, elapsed %s, ETA %s\n",
                (unsigned long long)p->done, (unsigned long long)p->total, pct, rate, e1,
                final ? "00:00" : e2);
    }
    fflush(stderr);
    p->last = now;
}

void tw_progress_start(tw_progress *p, int enabled, uint64_t total, uint64_t already_done)
{
    p->enabled = enabled;
    p->tty = isatty(STDERR_FILENO);
    p->total = total;
    p->start_done = p->done = already_done;
    p->t0 = p->last = tw_now();
    p->interval = p->tty ? 0.2 : 10.0;
}

void tw_progress_update(tw_progress *p, uint64_t done)
{
    p->done = done;
    if (p->enabled && tw_now() - p->last >= p->interval)
        draw(p, 0);
}

void tw_progress_finish(tw_progress *p)
{
    if (p->enabled)
        draw(p, 1);
}
