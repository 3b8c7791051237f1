#!/usr/bin/python3
"""yardstick.py: an independent, vectorised NumPy implementation of the
trade model's equilibrium (MODEL.md section 2, with the critical-input CES
nest), the yardstick of the solver benchmark (docs/BENCHMARK.md).

    bench/yardstick.py DIR K [--cf TARIFFS.csv] [--reps R] [--check DUMP.csv]

Same shocks as bench_yardstick.c (see there). Method, written for NumPy
rather than copied from the C solver: Anderson-accelerated wages (type II,
memory 6) on the tatonnement map G(lw) = normalise(lw + ED(lw)); for given
wages the price fixed point (equations 1-2 in logs, Anderson memory 5,
warm-started) and the expenditure system 4-6 (Anderson-accelerated sweeps,
warm-started), tolerances 1e-3 of the outer residual (floor 1e-14). Every
step is whole-array NumPy (batched matmul for the input-output sums); one
thread (OMP/OPENBLAS_NUM_THREADS=1 set before NumPy is imported).

--check compares what[n] and Phat[n,j] of every solve with the engine's
(bench_yardstick --dump) and fails above 1e-8 relative.
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis"))
from tradewar_data.dataset import derive, read_dir  # noqa: E402


def frac(x):
    return x - math.floor(x)


class Anderson:
    """Type-II Anderson mixing on x <- g(x), memory m (least squares on differences)."""

    def __init__(self, m):
        self.m = m
        self.reset()

    def reset(self):
        self.dx, self.df, self.xp, self.fp = [], [], None, None

    def step(self, x, g):
        f = g - x
        if self.xp is not None:
            self.dx.append(x - self.xp)
            self.df.append(f - self.fp)
            if len(self.dx) > self.m:
                self.dx.pop(0)
                self.df.pop(0)
        self.xp, self.fp = x.copy(), f.copy()
        if not self.dx:
            return g
        DF = np.stack([d.ravel() for d in self.df], 1)
        DX = np.stack([d.ravel() for d in self.dx], 1)
        gam = np.linalg.lstsq(DF, f.ravel(), rcond=None)[0]
        return (g.ravel() - (DX + DF) @ gam).reshape(g.shape)


class Model:
    def __init__(self, ds):
        d = derive(ds)
        self.N, self.J = ds.N, ds.J
        self.tau = ds.tau
        X = d["X"]
        with np.errstate(divide="ignore", invalid="ignore"):
            pi = np.where(X[:, None, :] > 0, ds.Z * (1 + ds.tau) / X[:, None, :], 0.0)
        n = np.arange(self.N)
        for j in range(self.J):   # empty cells: pi[n,n,j] = 1 (twm_data.c's convention)
            empty = X[:, j] <= 0
            pi[n[empty], n[empty], j] = 1.0
        self.pi = pi
        self.G = ds.gamma                         # [n,k,j]
        self.gva = d["gva"]                       # [n,j]
        self.alpha = np.maximum(d["alpha"], 0.0)
        self.VA, self.D, self.X0 = d["VA"], d["D"], X
        self.theta = ds.sectors.theta
        self.crm = int(np.argmax(ds.sectors.critical)) if ds.sectors.critical.any() else -1

    def solve(self, tau_new, eps, tol=1e-10, max_iter=5000):
        N, J, th = self.N, self.J, self.theta
        kap = (1 + tau_new) / (1 + self.tau)
        with np.errstate(divide="ignore"):
            lA = np.where(self.pi > 0, np.log(self.pi), -np.inf) - th * np.log(kap)
        A = np.exp(lA)                                    # pi kappa^-theta   [n,i,j]
        W = 1.0 / (1.0 + tau_new)
        Trate = tau_new * W
        G, gva, c = self.G, self.gva, self.crm
        nest = c >= 0 and eps != 1.0
        if nest:
            s = G[:, c, :]                                # [n,j]
            Gc = G.copy()
            Gc[:, c, :] = 0.0
            inner = (s > 0) & (s < 1)
            oms = np.where(inner, 1 - s, 1.0)
        VA, D, alpha = self.VA, self.D, self.alpha
        VAw = VA / VA.sum()

        lP = np.zeros((N, J))
        X = self.X0.copy()

        def lcost(lw, lP):
            if not nest:
                return gva * lw[:, None] + (lP[:, None, :] @ G)[:, 0, :]
            core = (gva * lw[:, None] + (lP[:, None, :] @ Gc)[:, 0, :]) / oms
            a = (1 - eps) * core
            b = (1 - eps) * lP[:, c][:, None]
            m = np.maximum(a, b)
            lse = m + np.log((1 - s) * np.exp(a - m) + s * np.exp(b - m))
            return np.where(inner, lse / (1 - eps), np.where(s >= 1, lP[:, c][:, None], core))

        def prices(lw, lP, itol):
            aa = Anderson(5)
            for _ in range(2000):
                lc = lcost(lw, lP)
                e = np.exp(-th * lc)                       # [i,j]
                S = (A * e[None]).sum(1)                   # [n,j]
                new = -np.log(S) / th
                if np.abs(new - lP).max() < itol:
                    lP = new
                    break
                lP = aa.step(lP, new)
            lc = lcost(lw, lP)
            e = np.exp(-th * lc)
            S = (A * e[None]).sum(1)
            lP = -np.log(S) / th
            return lP, lc, A * e[None] / S[:, None, :]

        def expenditure(lw, pin, lP, lc, X, itol):
            if nest:
                sp = np.where(inner, s * np.exp((1 - eps) * (lP[:, c][:, None] - lc)), s)
                sc = np.where(inner, (1 - sp) / oms, 1.0)
                Gn = Gc * sc[:, None, :]
                Gn[:, c, :] = sp
                gvn = gva * sc
            else:
                Gn, gvn = G, gva
            Wp = pin * W                                   # pi'/(1+tau')
            Rp = pin * Trate
            what = np.exp(lw)
            aa = Anderson(5)
            for _ in range(2000):
                Y = (Wp * X[:, None, :]).sum(0)            # [i,j]
                R = (Rp * X[:, None, :]).sum((1, 2))
                I = what * VA + R + D
                new = (Gn @ Y[:, :, None])[:, :, 0] + alpha * I[:, None]
                if np.abs(new - X).max() < itol * max(1.0, np.abs(new).max()):
                    X = new
                    break
                X = aa.step(X, new)
            Y = (Wp * X[:, None, :]).sum(0)
            ED = ((gvn * Y).sum(1) - what * VA) / VA
            return X, ED

        def normalise(lw):
            return lw - math.log((np.exp(lw) * VAw).sum())

        lw = np.zeros(N)
        aa = Anderson(6)
        res = np.inf
        itol = 1e-3
        for it in range(1, max_iter + 1):
            lP, lc, pin = prices(lw, lP, itol)
            X, ED = expenditure(lw, pin, lP, lc, X, itol)
            res = np.abs(ED).max()
            if res < tol:
                return dict(converged=True, iterations=it, what=np.exp(lw), Phat=np.exp(lP),
                            residual=res)
            itol = min(1e-3, max(1e-14, 1e-2 * res))
            lw = normalise(aa.step(lw, normalise(lw + ED)))
        return dict(converged=False, iterations=max_iter, what=np.exp(lw), Phat=np.exp(lP),
                    residual=res)


def shock(m, tcf, s):
    u = frac((s + 1) * 0.6180339887498949)
    v = frac((s + 1) * 0.4142135623730950)
    eps = 0.05 + 0.45 * frac((s + 1) * 0.7320508075688772)
    if tcf is not None:
        return np.maximum(0.0, m.tau + (0.5 + u) * (tcf - m.tau)), eps
    t = m.tau.copy()
    t[0, 2:, :] += 0.10
    t[0, 1, :] += 0.30 + 1.15 * u
    t[1, 0, :] += 0.30 + 1.15 * v
    return t, eps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("K", type=int)
    ap.add_argument("--cf")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--check")
    a = ap.parse_args()
    ds = read_dir(a.dir)
    m = Model(ds)
    tcf = None
    if a.cf:
        import csv
        tcf = m.tau.copy()
        ri = {r: k for k, r in enumerate(ds.regions)}
        si = {s: k for k, s in enumerate(ds.sectors.code)}
        with open(a.cf) as f:
            for r in csv.DictReader(f):
                tcf[ri[r["importer"]], ri[r["exporter"]], si[r["sector"]]] = float(r["rate"])
    out, best, its = [], np.inf, 0
    for rep in range(a.reps):
        t = 0.0
        its = 0
        for s in range(a.K):
            tn, eps = shock(m, tcf, s)
            t0 = time.process_time()
            r = m.solve(tn, eps)
            t += time.process_time() - t0
            if not r["converged"]:
                print(f"solve {s}: not converged (residual {r['residual']:.3g})")
            its += r["iterations"]
            if rep == 0:
                out.append(np.concatenate([r["what"], r["Phat"].ravel()]))
        best = min(best, t)
    print(f"numpy  {m.N}x{m.J}: {1e3 * best / a.K:.4f} ms/solve (best of {a.reps} x {a.K} solves), "
          f"outer iterations {its / a.K:.2f}")
    if a.check:
        eng = np.loadtxt(a.check, delimiter=",", ndmin=2)
        eng = eng[eng[:, 0] < len(out)]
        idx = eng[:, 0].astype(int)
        mine = np.array(out)[idx]
        rel = np.abs(mine - eng[:, 1:]) / np.abs(eng[:, 1:])
        print(f"max relative difference to the engine (what, Phat; {len(idx)} solves): "
              f"{rel.max():.2e}")
        if not rel.max() <= 1e-8:
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
