/* Stop signals: SIGTERM/SIGINT/SIGUSR1 set a flag that the run loop polls
 * (never acted on inside the handler), so a stop lands at a checkpoint. */
#include "signals.h"

#include <string.h>

#include "tradewar/runner.h"

volatile sig_atomic_t tw_stop_signal = 0;

void tw_run_request_stop(int signo) { tw_stop_signal = signo ? signo : SIGTERM; }

static void on_signal(int signo) { tw_run_request_stop(signo); }

void tw_run_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* a signal must not fail a write or read with EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

void tw_signals_install(tw_saved_signals *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* a signal must not fail a write or read with EINTR */
    sigaction(SIGTERM, &sa, &old->term);
    sigaction(SIGINT, &sa, &old->intr);
    sigaction(SIGUSR1, &sa, &old->usr1);
}

void tw_signals_restore(const tw_saved_signals *old)
{
    sigaction(SIGTERM, &old->term, NULL);
    sigaction(SIGINT, &old->intr, NULL);
    sigaction(SIGUSR1, &old->usr1, NULL);
}
