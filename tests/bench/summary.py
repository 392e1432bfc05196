#!/usr/bin/python3
"""Turns the benchmark's raw figures into the Markdown tables of docs/bench.md.

usage: summary.py RESULTS [LOCAL_JSON_DIR] [FABRIC_TABLE] [JMH_TABLE]

RESULTS holds "KIND VMS RUN METRIC SECONDS" lines (tests/bench/hooks.sh); LOCAL_JSON_DIR the
hyperfine exports of run.sh (*.json); FABRIC_TABLE tests/bench/fabric.sh's table; JMH_TABLE JMH's
result table. Every figure is the median of the runs, with the range (min-max) beside it; ratios
are taken run by run (the runs are interleaved: product, baseline, raw QEMU, then again) and
their median is shown.
"""
import collections
import json
import os
import statistics
import sys

# The product's phases one after another (they add up to its prolog), and the table's rows: those
# with one inside another (INSIDE_OF) ran at once, inside it. The product makes the network, the
# disks and the domain definitions at once ("make"), then starts the domains; the bash baseline
# makes the network then the disks, then defines and starts the domains ("domains"). derive()
# gives the baseline the same rows: make = fabric + disks, start = domains.
PROLOG_PHASES = ["config", "plan", "make", "start", "sisters", "ready"]
PROLOG_ROWS = ["config", "plan", "make", "fabric", "disks", "define", "start", "sisters", "ready", "report"]
INSIDE_OF = {"fabric": "make", "disks": "make", "define": "make", "report": "ready"}
PHASE_LABEL = {"startup": "JVM start-up", "config": "config", "plan": "plan",
               "make": "make (network, disks, definitions)", "fabric": "&nbsp;&nbsp;in it: fabric",
               "disks": "&nbsp;&nbsp;in it: disks", "define": "&nbsp;&nbsp;in it: define",
               "start": "start (baseline: define+start)", "sisters": "sister nodes",
               "ready": "wait for ready", "report": "&nbsp;&nbsp;in it: report",
               "overhead": "**hook overhead** (total - wait)",
               "total": "**total**", "plan+connect": "plan + libvirt connect", "files": "files",
               "network": "network", "check": "final check"}
EPILOG_PHASES = ["plan+connect", "domains", "files", "network", "check"]


def load(path):
    figures = collections.defaultdict(dict)  # (kind, vms, metric) -> {run: seconds}
    for line in open(path):
        parts = line.split()
        if len(parts) != 5:
            continue
        kind, vms, run, metric, value = parts
        figures[(kind, int(vms), metric)][int(run)] = float(value)
    return figures


def derive(f):
    """Start-up (wall minus the logged phases), overhead (wall minus the wait), time to ready."""
    keys = {(k, v) for (k, v, _) in f}
    for kind, vms in keys:
        if kind == "baseline":
            fabric = f.get((kind, vms, "prolog:fabric"), {})
            disks = f.get((kind, vms, "prolog:disks"), {})
            for run in set(fabric) & set(disks):
                f[(kind, vms, "prolog:make")][run] = fabric[run] + disks[run]
            for run, t in f.get((kind, vms, "prolog:domains"), {}).items():
                f[(kind, vms, "prolog:start")][run] = t
        wall = f.get((kind, vms, "prolog"), {})
        for run, total in wall.items():
            phases = [f.get((kind, vms, "prolog:" + p), {}).get(run) for p in PROLOG_PHASES]
            logged = sum(p for p in phases if p is not None)
            if kind == "product":
                f[(kind, vms, "prolog:startup")][run] = total - logged
            f[(kind, vms, "prolog:total")][run] = total
            ready = f.get((kind, vms, "prolog:ready"), {}).get(run)
            if ready is not None:
                f[(kind, vms, "prolog:overhead")][run] = total - ready
                f[(kind, vms, "ttr")][run] = ready + f[(kind, vms, "prolog:start")].get(run, 0.0)
        for run, total in f.get((kind, vms, "epilog"), {}).items():
            phases = [f.get((kind, vms, "epilog:" + p), {}).get(run) for p in EPILOG_PHASES]
            if kind == "product":
                f[(kind, vms, "epilog:startup")][run] = total - sum(p for p in phases if p is not None)
            f[(kind, vms, "epilog:total")][run] = total


def cell(values, unit="s"):
    if not values:
        return "-"
    v = sorted(values)
    med = statistics.median(v)
    if unit == "x":
        return "%.2fx (%.2f-%.2f)" % (med, v[0], v[-1])
    return "%.3f (%.3f-%.3f)" % (med, v[0], v[-1])


def ratio(f, a, b):
    """Run-by-run a/b; a and b are (kind, vms, metric)."""
    runs = set(f.get(a, {})) & set(f.get(b, {}))
    return [f[a][r] / f[b][r] for r in sorted(runs) if f[b][r] > 0]


def median(f, key):
    v = list(f.get(key, {}).values())
    return statistics.median(v) if v else None


def hook_tables(f, out):
    sizes = sorted({v for (_, v, _) in f})
    runs = max((len(x) for x in f.values()), default=0)
    out.append("### Prolog per node, by phase (seconds: median of %d runs, min-max)" % runs)
    out.append("")
    head = ["phase"] + ["product, %d VM%s" % (n, "s" if n > 1 else "") for n in sizes] + \
           ["bash baseline, %d VM%s" % (n, "s" if n > 1 else "") for n in sizes]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for p in ["startup"] + PROLOG_ROWS + ["overhead", "total"]:
        if not any(f.get((kind, n, "prolog:" + p)) for kind in ("product", "baseline") for n in sizes):
            continue
        row = [PHASE_LABEL[p]]
        for kind in ("product", "baseline"):
            for n in sizes:
                row.append(cell(list(f.get((kind, n, "prolog:" + p), {}).values())))
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("### Epilog per node, by phase (seconds)")
    out.append("")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for p in ["startup"] + EPILOG_PHASES + ["total"]:
        row = ["destroy+undefine" if p == "domains" else PHASE_LABEL[p]]
        for kind in ("product", "baseline"):
            for n in sizes:
                row.append(cell(list(f.get((kind, n, "epilog:" + p), {}).values())))
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("### Ratios (run by run, median and range)")
    out.append("")
    out.append("| VMs | product overhead | baseline overhead | product / baseline | product time to ready "
               "(start+wait) | raw QEMU to VC-READY | product / raw |")
    out.append("|---:|---|---|---|---|---|---|")
    for n in sizes:
        out.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            n, cell(list(f.get(("product", n, "prolog:overhead"), {}).values())),
            cell(list(f.get(("baseline", n, "prolog:overhead"), {}).values())),
            cell(ratio(f, ("product", n, "prolog:overhead"), ("baseline", n, "prolog:overhead")), "x"),
            cell(list(f.get(("product", n, "ttr"), {}).values())),
            cell(list(f.get(("raw", n, "ready"), {}).values())),
            cell(ratio(f, ("product", n, "ttr"), ("raw", n, "ready")), "x")))
    out.append("")


def hyperfine_tables(d, out):
    rows = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        for r in json.load(open(os.path.join(d, name)))["results"]:
            t = r["times"]
            rows.append((name[:-5], r["median"], min(t), max(t), len(t)))
    if not rows:
        return {}
    out.append("### Whole processes (hyperfine)")
    out.append("")
    out.append("| what | median | min-max | runs |")
    out.append("|---|---:|---|---:|")
    for name, med, lo, hi, n in rows:
        out.append("| %s | %.1f ms | %.1f-%.1f ms | %d |" % (name, med * 1e3, lo * 1e3, hi * 1e3, n))
    out.append("")
    return {name: med for name, med, _, _, _ in rows}


def goals(f, local, fabric_1023, out):
    out.append("### The goals of issue #7")
    out.append("")
    out.append("| goal | measured | |")
    out.append("|---|---|---|")

    def line(goal, value, ok):
        out.append("| %s | %s | %s |" % (goal, value, "MET" if ok else "**NOT MET**"))

    sizes = sorted({v for (k, v, _) in f if k == "product"})
    for n in sizes:
        o = median(f, ("product", n, "prolog:overhead"))
        if o is not None:
            line("hook overhead per node <= 0.5 s (%d VM%s)" % (n, "s" if n > 1 else ""), "%.3f s" % o, o <= 0.5)
        r = ratio(f, ("product", n, "prolog:overhead"), ("baseline", n, "prolog:overhead"))
        if r:
            m = statistics.median(r)
            line("hook overhead <= 0.8x the bash baseline (%d VM%s)" % (n, "s" if n > 1 else ""), "%.2fx" % m, m <= 0.8)
    e = median(f, ("product", 2, "epilog:total"))
    if e is not None:
        line("epilog per node with 2 VMs <= 1.0 s", "%.3f s" % e, e <= 1.0)
    if fabric_1023 is not None:
        line("fabric set-up with 1,023 peers <= 0.2 s", "%.1f ms" % (fabric_1023 * 1e3), fabric_1023 <= 0.2)
    for n in sizes:
        r = ratio(f, ("product", n, "ttr"), ("raw", n, "ready"))
        if r:
            m = statistics.median(r)
            line("time to ready <= 1.10x raw QEMU (%d VM%s)" % (n, "s" if n > 1 else ""), "%.2fx" % m, m <= 1.10)
    plain = local.get("no-request")
    if plain is not None:
        line("a job without a request <= 20 ms", "%.1f ms" % (plain * 1e3), plain <= 0.020)
    out.append("")


def fabric_setup_1023(path):
    """The set-up median (ms) of the 1,023-peer row of fabric.sh's table."""
    if not path or not os.path.exists(path):
        return None
    for line in open(path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "1023":
            return float(cells[3].split()[0]) / 1e3
    return None


def main(argv):
    results = argv[1]
    local_dir = argv[2] if len(argv) > 2 else None
    fabric = argv[3] if len(argv) > 3 else None
    jmh = argv[4] if len(argv) > 4 else None
    out = []
    f = collections.defaultdict(dict)
    if os.path.exists(results):
        f = load(results)
        derive(f)
        if f:
            hook_tables(f, out)
    local = hyperfine_tables(local_dir, out) if local_dir and os.path.isdir(local_dir) else {}
    if fabric and os.path.exists(fabric):
        out.append("### Fabric set-up and teardown against the number of peers (tests/bench/fabric.sh)")
        out.append("")
        out.extend(l.rstrip("\n") for l in open(fabric) if l.startswith("|"))
        out.append("")
    if jmh and os.path.exists(jmh):
        out.append("### What a node computes alone, by job size (JMH, microseconds per operation)")
        out.append("")
        out.append("```")
        out.extend(l.rstrip("\n") for l in open(jmh))
        out.append("```")
        out.append("")
    goals(f, local, fabric_setup_1023(fabric), out)
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv)
