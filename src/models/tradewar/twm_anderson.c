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
    double *end = buf + twm_aa_doubles(n, m);
    if (m > TWM_AA_MAXM) /* the step's scratch is sized for TWM_AA_MAXM */
        m = TWM_AA_MAXM;
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
    return end;
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

/* out[q] = sum_i a[i] c_q[i] (times w[i] when w is given), c_q = cols + q n,
 * for q < k, each sum from 0.0 in the order i = 0, 1, ... (bitwise the plain
 * loop per q), up to four sums at a time in one pass: each sum is a chain of
 * dependent adds, so one at a time leaves the adder waiting on its latency. */
static void multi_dot(double *out, const double *a, const double *cols, int k,
                      size_t n, const double *w)
{
    int q = 0;
    for (; q + 4 <= k; q += 4) {
        const double *c0 = cols + (size_t)(q) * n, *c1 = cols + (size_t)(q + 1) * n,
                     *c2 = cols + (size_t)(q + 2) * n, *c3 = cols + (size_t)(q + 3) * n;
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        if (w)
            for (size_t i = 0; i < n; i++) {
                s0 += c0[i] * a[i] * w[i];
                s1 += c1[i] * a[i] * w[i];
                s2 += c2[i] * a[i] * w[i];
                s3 += c3[i] * a[i] * w[i];
            }
        else
            for (size_t i = 0; i < n; i++) {
                s0 += a[i] * c0[i];
                s1 += a[i] * c1[i];
                s2 += a[i] * c2[i];
                s3 += a[i] * c3[i];
            }
        out[q] = s0;
        out[q + 1] = s1;
        out[q + 2] = s2;
        out[q + 3] = s3;
    }
    for (; q + 2 <= k; q += 2) {
        const double *c0 = cols + (size_t)(q) * n, *c1 = cols + (size_t)(q + 1) * n;
        double s0 = 0.0, s1 = 0.0;
        if (w)
            for (size_t i = 0; i < n; i++) {
                s0 += c0[i] * a[i] * w[i];
                s1 += c1[i] * a[i] * w[i];
            }
        else
            for (size_t i = 0; i < n; i++) {
                s0 += a[i] * c0[i];
                s1 += a[i] * c1[i];
            }
        out[q] = s0;
        out[q + 1] = s1;
    }
    for (; q < k; q++) {
        const double *c0 = cols + (size_t)(q) * n;
        double s0 = 0.0;
        if (w)
            for (size_t i = 0; i < n; i++)
                s0 += c0[i] * a[i] * w[i];
        else
            for (size_t i = 0; i < n; i++)
                s0 += a[i] * c0[i];
        out[q] = s0;
    }
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
        double gr[TWM_AA_MAXM];
        multi_dot(gr, df, a->dF, a->k, n, NULL);
        for (int q = 0; q < a->k; q++)
            a->G[h * m + q] = a->G[q * m + h] = gr[q];
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
    multi_dot(a->rhs, a->f_old, a->dF, k, n, w);
    for (int p = 0; p < k; p++) {
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

