/* Internal: the stop flag and the run's signal handlers (signals.c), shared
 * with runner.c. Not a public header: tradewar/runner.h declares the public
 * tw_run_request_stop and tw_run_catch_signals. */
#ifndef TW_SIGNALS_H
#define TW_SIGNALS_H

#include <signal.h>

/* The signal that asked the run to stop (0: none). Polled by the run loop
 * and watched, by address, by the output writer's long loops. */
extern volatile sig_atomic_t tw_stop_signal;

/* The handlers in place before a run installed its own. */
typedef struct tw_saved_signals {
    struct sigaction term, intr, usr1;
} tw_saved_signals;

/* Installs the stop handlers for a run, saving the old ones in `old`. */
void tw_signals_install(tw_saved_signals *old);

/* Puts back the handlers that tw_signals_install saved. */
void tw_signals_restore(const tw_saved_signals *old);

#endif
