#!/usr/bin/python3
"""yardstick_scaling.py: engine vs NumPy yardstick at several sizes, the table
and the plot of docs/BENCHMARK.md.

    bench/yardstick_scaling.py BUILD_DIR [--nafta DIR] [--callgrind] [--plot PNG] [--quick]
                               [--json OUT.json]
    bench/yardstick_scaling.py --replot OUT.json --plot PNG   (redraw, no measuring)

For each world: bench_yardstick (CPU ms per solve, best of 3 repetitions)
and yardstick.py (the same shocks; its answers checked against the
engine's to 1e-8), and with --callgrind the engine's instructions per solve
(callgrind, (I(K=3) - I(K=1)) / 2: loading excluded) and the yardstick's
(the same difference under callgrind; slow: headline sizes only).
Worlds: configs/data/world (14 x 10), --nafta (31 x 40, with its
tariffs_2005.csv counterfactual), synthetic worlds from tradewar-data's
generator: N x 45 for N in 10 20 40 76 and 76 x J for J in 5 10 20 45.
Prints a markdown table; --plot writes the growth plot.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))

from tradewar_data.dataset import write_files  # noqa: E402
from tradewar_data.synth import synth_dataset  # noqa: E402

ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r.stdout + r.stderr


def callgrind(cmd):
    out = run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd)
    return int(re.search(r"Collected : (\d+)", out).group(1))


def measure(build, name, d, cf, k_eng, k_np, use_cg, cg_numpy):
    eng = os.path.join(build, "bench", "bench_yardstick")
    extra = ["--cf", cf] if cf else []
    with tempfile.TemporaryDirectory() as t:
        dump = os.path.join(t, "dump.csv")
        o1 = run([eng, d, str(k_eng), "--dump", dump] + extra)
        o2 = run([sys.executable, os.path.join(HERE, "yardstick.py"), d, str(k_np), "--reps", "2",
                  "--check", dump] + extra)
    ms_e = float(re.search(r"([\d.]+) ms/solve", o1).group(1))
    it_e = float(re.search(r"outer iterations ([\d.]+)", o1).group(1))
    mib = float(re.search(r"workspace per thread ([\d.]+) MiB", o1).group(1))
    ms_n = float(re.search(r"([\d.]+) ms/solve", o2).group(1))
    it_n = float(re.search(r"outer iterations ([\d.]+)", o2).group(1))
    diff = float(re.search(r"engine \(what, Phat; \d+ solves\): ([\d.e+-]+)", o2).group(1))
    row = dict(name=name, size=re.search(r"(\d+x\d+)", o1).group(1), ms_e=ms_e, ms_n=ms_n,
               it_e=it_e, it_n=it_n, mib=mib, diff=diff, ir_e=None, ir_n=None)
    if use_cg:
        row["ir_e"] = (callgrind([eng, d, "3", "--reps", "1"] + extra)
                       - callgrind([eng, d, "1", "--reps", "1"] + extra)) / 2
    if cg_numpy:
        yk = [sys.executable, os.path.join(HERE, "yardstick.py"), d]
        row["ir_n"] = (callgrind(yk + ["3"] + extra) - callgrind(yk + ["1"] + extra)) / 2
    print(f"  {name} {row['size']}: engine {ms_e:.3f} ms ({it_e:.1f} it), numpy {ms_n:.3f} ms "
          f"({it_n:.1f} it), ratio {ms_n / ms_e:.1f}, max rel diff {diff:.1e}", file=sys.stderr)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?")
    ap.add_argument("--nafta")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--callgrind-numpy", action="store_true")
    ap.add_argument("--plot")
    ap.add_argument("--quick", action="store_true", help="fewer sizes and solves")
    ap.add_argument("--json", help="also write the measurements here (for --replot)")
    ap.add_argument("--replot", help="draw --plot from a --json file instead of measuring")
    a = ap.parse_args()
    if a.replot:
        if not a.plot:
            ap.error("--replot needs --plot")
        with open(a.replot) as f:
            m = json.load(f)
        plot(a.plot, m["grow_n"], m["grow_j"])
        return
    if not a.build:
        ap.error("BUILD_DIR is required unless --replot")
    rows, grow_n, grow_j = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        def synth(N, J):
            d = os.path.join(tmp, f"s{N}x{J}")
            if not os.path.isdir(d):
                os.makedirs(d)
                write_files(synth_dataset(N, J, seed=1), d)
            return d
        head = dict(use_cg=a.callgrind, cg_numpy=a.callgrind_numpy)
        rows.append(measure(a.build, "default world", os.path.join(ROOT, "configs/data/world"),
                            None, 400, 40, **head))
        if a.nafta:
            rows.append(measure(a.build, "Caliendo-Parro NAFTA", a.nafta,
                                os.path.join(a.nafta, "tariffs_2005.csv"), 40, 8, **head))
        rows.append(measure(a.build, "synthetic ICIO-size", synth(76, 45), None, 4, 2, **head))
        ns = [10, 20, 40] if not a.quick else [20]
        js = [5, 10, 20] if not a.quick else [10]
        for N in ns:
            grow_n.append(measure(a.build, "synthetic", synth(N, 45), None, 20, 4, a.callgrind, False))
        grow_n.append(rows[-1])
        for J in js:
            grow_j.append(measure(a.build, "synthetic", synth(76, J), None, 10, 3, a.callgrind, False))
        grow_j.append(rows[-1])
    print("| world | N x J | engine ms/solve | NumPy ms/solve | ratio (CPU time) | engine Minstr/solve "
          "| NumPy Minstr/solve | ratio (instructions) | outer it. engine / NumPy | workspace/thread "
          "| max rel. diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows + grow_n[:-1] + grow_j[:-1]:
        ie = f"{r['ir_e'] / 1e6:.2f}" if r["ir_e"] else "-"
        inn = f"{r['ir_n'] / 1e6:.1f}" if r["ir_n"] else "-"
        ri = f"{r['ir_n'] / r['ir_e']:.1f}x" if r["ir_e"] and r["ir_n"] else "-"
        print(f"| {r['name']} | {r['size']} | {r['ms_e']:.3f} | {r['ms_n']:.2f} | "
              f"{r['ms_n'] / r['ms_e']:.1f}x | {ie} | {inn} | {ri} | {r['it_e']:.1f} / {r['it_n']:.1f} | "
              f"{r['mib']:.2f} MiB | {r['diff']:.1e} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "grow_n": grow_n, "grow_j": grow_j}, f, indent=1)
    if a.plot:
        plot(a.plot, grow_n, grow_j)


def plot(path, grow_n, grow_j):
    """The growth plot: CPU ms per solve against N (J = 45) and J (N = 76),
    log-log, ticks at the measured sizes, each point's NumPy/engine ratio
    beside it (on the side away from the reference slope)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, NullLocator
    fig, ax = plt.subplots(1, 2, figsize=(10, 4.2))
    for k, (g, lab, key) in enumerate(((grow_n, "N regions (J = 45)", 0),
                                       (grow_j, "J sectors (N = 76)", 1))):
        x = [int(r["size"].split("x")[key]) for r in g]
        e = [r["ms_e"] for r in g]
        n = [r["ms_n"] for r in g]
        ax[k].loglog(x, e, "o-", label="engine (C)")
        ax[k].loglog(x, n, "s-", label="NumPy yardstick")
        if key == 0:
            ref = [e[-1] * (v / x[-1]) ** 2 for v in x]
            ax[k].loglog(x, ref, "k:", label="slope 2 (N^2 J)")
        else:
            ref = [e[-1] * (v / x[-1]) for v in x]
            ax[k].loglog(x, ref, "k:", label="slope 1")
        for xv, ev, nv in zip(x, e, n):
            ax[k].annotate(f"{nv / ev:.0f}x", (xv, ev), textcoords="offset points",
                           xytext=(-4, 7) if key == 0 else (5, -12),
                           ha="right" if key == 0 else "left", fontsize=8, color="C0")
        ax[k].xaxis.set_major_locator(NullLocator())
        ax[k].xaxis.set_minor_locator(NullLocator())
        ax[k].xaxis.set_minor_formatter(NullFormatter())
        ax[k].set_xticks(x)
        ax[k].set_xticklabels([str(v) for v in x])
        ax[k].set_xlim(x[0] / 1.25, x[-1] * 1.25)
        ax[k].set_xlabel(lab)
        ax[k].set_ylabel("CPU ms per solve (one core)")
        ax[k].grid(True, which="major", alpha=0.3)
        lo, hi = ax[k].get_ylim()
        ax[k].set_ylim(lo / 1.6, hi * 1.3)
    fig.suptitle("Cost per solve, synthetic worlds (tradewar-data synth, seed 1); "
                 "labels: NumPy / engine")
    h, lb = ax[0].get_legend_handles_labels()
    h1, lb1 = ax[1].get_legend_handles_labels()
    fig.legend(h + h1[2:], lb + lb1[2:], loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)

if __name__ == "__main__":
    main()
