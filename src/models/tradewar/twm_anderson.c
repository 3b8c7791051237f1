/* Anderson mixing (type II) with fixed-size storage (see twm_anderson.h). */
#include "twm_anderson.h"

#include <math.h>
#include <string.h>

size_t twm_aa_doubles(size_t n, int m)
{
    return 2 * (size_t)m * n + 2 * n + 2 * (size_t)m * (size_t)m + 2 * (size_t)m;
}

double *twm_aa_init(twm_aa *a, size_t n, int m, double *buf)
{
    a->n = n;
    a->m = m;
    a->k = a->head = a->have_old = 0;
    a->dF = buf;
    buf += (size_t)m * n;
    a->dG = buf;
    buf += (size_t)m * n;
    a->f_old = buf;
    buf += n;
    a->g_old = buf;
    buf += n;
    a->G = buf;
    buf += (size_t)m * (size_t)m;
    a->M = buf;
    buf += (size_t)m * (size_t)m;
    a->rhs = buf;
    buf += m;
    a->gam = buf;
    buf += m;
    return buf;
}

void twm_aa_reset(twm_aa *a)
{
    a->k = a->head = a->have_old = 0;
}

/* Solve the k x k system M gam = rhs (symmetric positive semidefinite) by
 * Gaussian elimination with partial pivoting; returns 0 if singular. */
static int small_solve(double *M, double *rhs, double *gam, int k, int ld)
{
    for (int c = 0; c < k; c++) {
        int p = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(M[r * ld + c]) > fabs(M[p * ld + c]))
                p = r;
        if (!(fabs(M[p * ld + c]) > 0.0))
            return 0;
        if (p != c) {
            for (int q = 0; q < k; q++) {
                double t = M[c * ld + q];
                M[c * ld + q] = M[p * ld + q];
                M[p * ld + q] = t;
            }
            double t = rhs[c];
            rhs[c] = rhs[p];
            rhs[p] = t;
        }
        for (int r = c + 1; r < k; r++) {
            double f = M[r * ld + c] / M[c * ld + c];
            for (int q = c; q < k; q++)
                M[r * ld + q] -= f * M[c * ld + q];
            rhs[r] -= f * rhs[c];
        }
    }
    for (int c = k - 1; c >= 0; c--) {
        double s = rhs[c];
        for (int q = c + 1; q < k; q++)
            s -= M[c * ld + q] * gam[q];
        gam[c] = s / M[c * ld + c];
    }
    for (int c = 0; c < k; c++)
        if (!isfinite(gam[c]))
            return 0;
    return 1;
}

/* One Anderson step: x holds the current iterate, g = G(x). On return x is
 * the next iterate. w (optional) weights the residual components. */
void twm_aa_step(twm_aa *a, double *x, const double *g, const double *w)
{
    size_t n = a->n;
    int m = a->m;
    if (a->have_old) {
        int h = a->head;
        double *df = a->dF + (size_t)h * n, *dg = a->dG + (size_t)h * n;
        double *fo = a->f_old, *go = a->g_old;
        if (w) {
            for (size_t i = 0; i < n; i++) {
                double f = g[i] - x[i];
                df[i] = (f - fo[i]) * w[i];
                dg[i] = g[i] - go[i];
                fo[i] = f;
                go[i] = g[i];
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                double f = g[i] - x[i];
                df[i] = f - fo[i];
                dg[i] = g[i] - go[i];
                fo[i] = f;
                go[i] = g[i];
            }
        }
        if (a->k < m)
            a->k++;
        /* update the Gram matrix row/column of the new column only */
        for (int q = 0; q < a->k; q++) {
            const double *fq = a->dF + (size_t)q * n;
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += df[i] * fq[i];
            a->G[h * m + q] = a->G[q * m + h] = s;
        }
        a->head = (h + 1) % m;
    } else {
        for (size_t i = 0; i < n; i++) {
            a->f_old[i] = g[i] - x[i];
            a->g_old[i] = g[i];
        }
        a->have_old = 1;
    }
    int k = a->k;
    if (k == 0) {
        memcpy(x, g, n * sizeof *x);
        return;
    }
    double tr = 0.0;
    for (int p = 0; p < k; p++) {
        const double *fp = a->dF + (size_t)p * n, *fo = a->f_old;
        double r = 0.0;
        if (w)
            for (size_t i = 0; i < n; i++)
                r += fp[i] * fo[i] * w[i];
        else
            for (size_t i = 0; i < n; i++)
                r += fp[i] * fo[i];
        a->rhs[p] = r;
        for (int q = 0; q < k; q++)
            a->M[p * m + q] = a->G[p * m + q];
        tr += a->G[p * m + p];
    }
    for (int p = 0; p < k; p++)
        a->M[p * m + p] += 1e-13 * tr / k + 1e-300;
    if (!small_solve(a->M, a->rhs, a->gam, k, m)) {
        twm_aa_reset(a);
        memcpy(x, g, n * sizeof *x);
        return;
    }
    memcpy(x, g, n * sizeof *x);
    for (int p = 0; p < k; p++) {
        const double gp = a->gam[p], *dg = a->dG + (size_t)p * n;
        for (size_t i = 0; i < n; i++)
            x[i] -= gp * dg[i];
    }
}

