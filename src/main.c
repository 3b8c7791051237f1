/* tradewar: parallel Monte Carlo engine for the 2025 US-China trade war. */
#include <dirent.h>
#include <gsl/gsl_errno.h>
#include <mpi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "tradewar/runner.h"

/* A rank that crashes takes the whole job down at once: MPI_Abort tells the
 * launcher (mpirun, or srun through PMIx, also without --kill-on-bad-exit) to
 * end every rank, instead of leaving the others waiting in a collective until
 * the time limit. Not async-signal-safe, but the process is lost anyway; the
 * result file stays resumable (blocks are flagged only after their rows). */
static void on_crash(int signo)
{
    static const char msg[] = "tradewar: error: fatal signal in this rank: aborting the whole "
                              "job (the result file stays resumable with --resume)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    signal(signo, SIG_DFL);
    MPI_Abort(MPI_COMM_WORLD, 2);
    raise(signo);
}

/* A singleton (`tradewar run` started without mpiexec/srun) starts Open MPI
 * the cheap way (Open MPI 4.1, Debian 12; docs/CLUSTER.md):
 * - the ob1 point-to-point layer: the default selection probes UCX and
 *   libfabric (the cm pml with the ofi/psm/psm2 MTLs) for a network one
 *   process cannot need: MPI_Init + exit ~0.33 s instead of ~0.14 s;
 * - no supporting daemon (ess_singleton_isolated): a singleton otherwise
 *   forks an orted, needed only to spawn or connect to other processes,
 *   which tradewar never does: ~0.14 s -> ~0.04 s.
 * A launcher sets its own variables (Open MPI's mpiexec
 * OMPI_COMM_WORLD_SIZE, PMIx PMIX_RANK, PMI-1/2 and Hydra PMI_RANK/PMI_SIZE):
 * then both are left to the user and the site (UCX on InfiniBand), as each
 * is when the user set it. Other MPI libraries ignore the variables. */
static void singleton_mpi_env(void)
{
    static const char *launched[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                     "PMI_SIZE"};
    for (size_t i = 0; i < sizeof launched / sizeof *launched; i++)
        if (getenv(launched[i]))
            return;
    setenv("OMPI_MCA_pml", "ob1", 0);
    setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
}

/* The MPI library's TCP connections to its launcher without Nagle's
 * algorithm. Under mpiexec (or srun with PMIx) each rank talks to the local
 * PMIx server over a loopback TCP socket that PMIx 4.2 leaves with Nagle on;
 * in MPI_Finalize the client sends three small messages in a row, the server
 * answers none before the third, and delays its ACK of the first (40 ms on
 * Linux), so the second and third wait 40 ms in the client's kernel: every
 * launched run took 0.04 s longer to end, about a third of the fixed cost of
 * a run (mpiexec -n 1 or -n 2 of a program that only calls MPI_Init_thread
 * and MPI_Finalize: 0.11 s, 0.07 s with TCP_NODELAY; docs/BENCHMARK.md). The
 * messages are small and few, so Nagle's coalescing buys nothing here. No
 * PMIx or Open MPI parameter sets it, so every TCP socket the process holds
 * after MPI_Init gets TCP_NODELAY (Linux: /proc/self/fd; elsewhere, or for a
 * singleton, which has no such socket, nothing happens). It changes when
 * bytes leave, never which bytes: no result depends on it. */
static void launcher_sockets_nodelay(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int self = dirfd(d);
    for (struct dirent *e; (e = readdir(d));) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || fd == self)
            continue;
        int type = 0, one = 1;
        socklen_t tl = sizeof type;
        struct sockaddr_storage a;
        socklen_t al = sizeof a;
        if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &tl) || type != SOCK_STREAM ||
            getsockname((int)fd, (struct sockaddr *)&a, &al) ||
            (a.ss_family != AF_INET && a.ss_family != AF_INET6))
            continue;
        (void)setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    closedir(d);
}

static void catch_crashes(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
}

int main(int argc, char **argv)
{
    /* Only the master thread of each rank calls MPI or HDF5 (HDF5 here is
     * not thread-safe); OpenMP threads only evaluate samples. */
    /* A job's stop signal may come at any time, also during MPI start-up:
     * catch it from the start for `run` (the other commands are short and
     * keep the default, immediate behaviour). */
    if (argc > 1 && strcmp(argv[1], "run") == 0)
        tw_run_catch_signals();
    singleton_mpi_env();
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "tradewar: error: MPI_Init_thread failed\n");
        return 2;
    }
    launcher_sockets_nodelay();
    /* GSL's default handler aborts the process; every GSL call we make
     * checks its return value instead */
    gsl_set_error_handler_off();
    /* errors inside MPI end the job (the default on MPI_COMM_WORLD, said
     * explicitly because every step relies on it: no rank may live on alone) */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    if (argc > 1 && strcmp(argv[1], "run") == 0)
        catch_crashes();
    int code = tw_cli_main(MPI_COMM_WORLD, argc, argv);
    MPI_Finalize();
    return code;
}
