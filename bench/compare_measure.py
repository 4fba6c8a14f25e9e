#!/usr/bin/env python3
"""vpnprobe beside the anchors: the measuring half of bench/compare.sh (which checks the lab and the tools,
then runs this inside the vantage namespace with `ip netns exec`). Prints figures, asserts nothing about
them; a tool whose answer is wrong (a failed handshake, no SSTP, a probe that failed) is reported as such
and its figures are not used.

Each sample is measured from outside the tool: wall with a monotonic clock around the process (or the
HTTP request, for blackbox_exporter), CPU as user+sys from the kernel (wait4's rusage of the child; the
exporter's /proc/PID/stat, in clock ticks). Tools run in turn, round after round (alternating), so a
change in the machine's load touches all of them alike. Per operation = the sample's total / its
operations; the table shows the median over the rounds and the ratio vpnprobe / anchor."""

import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request


def run_process(argv, stdin=subprocess.DEVNULL):
    """Runs argv, returns (exit status, output, wall seconds, CPU seconds user+sys of the child)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out.decode(errors="replace"), wall, usage.ru_utime + usage.ru_stime


class Tool:
    """One row: a name, and sample() -> ((operations, wall, cpu), None) or (None, why it failed)."""

    def __init__(self, name, sample, note=""):
        self.name, self.sample, self.note = name, sample, note
        self.walls, self.cpus, self.errors = [], [], []


def repeat(argv, times, ok):
    """`times` processes of argv one after another: one operation each."""

    def sample():
        wall = cpu = 0.0
        for _ in range(times):
            rc, out, w, c = run_process(argv)
            why = ok(rc, out)
            if why:
                return None, why
            wall += w
            cpu += c
        return (times, wall, cpu), None

    return sample


def s_time(cfg):
    argv = ["openssl", "s_time", "-connect", f"{cfg['sstp_addr']}:{cfg['sstp_port']}", "-new",
            "-time", str(cfg["stime_seconds"]), "-CAfile", cfg["sstp_ca"], "-verify", "4"]

    def sample():
        rc, out, wall, cpu = run_process(argv)
        m = re.search(r"(\d+) connections in", out)
        if rc != 0 or not m or int(m.group(1)) == 0:
            return None, f"openssl s_time exit {rc}: {out.strip()[-200:]}"
        return (int(m.group(1)), wall, cpu), None

    return sample


def ike_scan_batch(cfg, count, answers):
    """One ike-scan process, the target listed `count` times (1 ms between packets): client CPU per exchange
    with its start-up spread over `count`; its wall is throughput, not a round trip. Counts the answers by
    kind in `answers` (beyond a few half-open IKE SAs strongSwan answers with N(COOKIE), see README)."""
    argv = ["ike-scan", "--ikev2", "-r", "1", "--interval=1"] + [cfg["ike_addr"]] * count

    def sample():
        rc, out, wall, cpu = run_process(argv)
        handshakes = len(re.findall(r"\tIKEv2 SA_INIT Handshake returned", out))
        notifies = re.findall(r"\tNotify message \d+ \((\w+)\)", out)
        if rc != 0 or handshakes + len(notifies) != count:
            return None, f"ike-scan exit {rc}, {handshakes + len(notifies)} of {count} answered"
        answers["SA_INIT"] = answers.get("SA_INIT", 0) + handshakes
        for n in notifies:
            answers[n] = answers.get(n, 0) + 1
        return (count, wall, cpu), None

    return sample


def vpnprobe_run(cfg, scenario, count):
    argv = [cfg["vpnprobe"], "run", scenario, "--count", str(count), "--parallel", "1", "--format", "table"]

    def sample():
        rc, out, wall, cpu = run_process(argv)
        if rc != 0:
            return None, f"vpnprobe run exit {rc}: {out.strip()[-300:]}"
        return (count, wall, cpu), None

    return sample


def blackbox(cfg, count):
    url = (f"http://127.0.0.1:{cfg['blackbox_port']}/probe?module=tls_vpn"
           f"&target={cfg['sstp_addr']}:{cfg['sstp_port']}")
    pid = cfg["blackbox_pid"]

    def exporter_cpu():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def sample():
        cpu0 = exporter_cpu()
        wall = 0.0
        for _ in range(count):
            start = time.monotonic()
            with urllib.request.urlopen(url, timeout=10) as r:
                body = r.read().decode()
            wall += time.monotonic() - start
            if not re.search(r"^probe_success 1$", body, re.M):
                return None, "blackbox_exporter: probe_success is not 1"
        return (count, wall, exporter_cpu() - cpu0), None

    return sample


def main():
    cfg = json.load(open(sys.argv[1]))
    # Everything here must leave from the vantage namespace: refuse to run in the root one.
    if os.stat("/proc/self/ns/net").st_ino == cfg["home_net"]:
        sys.exit("compare_measure.py: running in the caller's network namespace; run it through bench/compare.sh")
    n = cfg["per_sample"]
    vp = cfg["vpnprobe"]
    sstp_common = ["--sni", cfg["sstp_sni"], cfg["sstp_addr"]]
    ike_common = ["--sa-init-only", "--name", cfg["ike_id"], "--ca", cfg["ike_ca"], cfg["ike_addr"]]

    def exit_ok(rc, out):
        return None if rc == 0 else f"exit {rc}: {out.strip()[-300:]}"

    def untrusted_ok(rc, out):
        # the lab's CA is not in the system store: the probe runs whole and reports the untrusted root (exit 1)
        return None if rc == 1 and "untrusted_root" in out else f"exit {rc}: {out.strip()[-300:]}"

    def ikescan_ok(rc, out):
        if rc != 0 or not re.search(r"\t(IKEv2 SA_INIT Handshake returned|Notify message)", out):
            return f"ike-scan exit {rc}, no answer: {out.strip()[-200:]}"
        return None

    def nmap_ok(rc, out):
        return None if rc == 0 and "SSTP is supported" in out else f"nmap exit {rc}: {out.strip()[-300:]}"

    sstp_ca_probe = [vp, "sstp", "--ca", cfg["sstp_ca"]] + sstp_common
    tools = [
        Tool("openssl s_time -new", s_time(cfg), "its own loop; ops = its connection count"),
        Tool("vpnprobe sstp --ca", repeat(sstp_ca_probe, n, exit_ok), "one process per probe"),
        Tool("vpnprobe sstp (system store)", repeat([vp, "sstp"] + sstp_common, n, untrusted_ok),
             "one process per probe; exit 1: untrusted root"),
        Tool("vpnprobe run sstp --count", vpnprobe_run(cfg, cfg["sstp_scenario"], cfg["run_count"]),
             "one process, --count probes one after another"),
    ]
    # (vpnprobe row, anchor row): the ratios printed
    pairs = [("vpnprobe run sstp --count", "openssl s_time -new"), ("vpnprobe sstp --ca", "openssl s_time -new"),
             ("vpnprobe sstp (system store)", "openssl s_time -new")]
    if cfg.get("blackbox_pid"):
        tools.append(Tool("blackbox_exporter tcp+tls", blackbox(cfg, cfg["run_count"]),
                          "the exporter's CPU; wall = the HTTP /probe request"))
        pairs.append(("vpnprobe run sstp --count", "blackbox_exporter tcp+tls"))
    if cfg.get("nmap"):
        tools.append(Tool("nmap --script sstp-discover",
                          repeat(["nmap", "-n", "-Pn", "-sT", "-p", str(cfg["sstp_port"]), "--script",
                                  "sstp-discover", cfg["sstp_addr"]], 1, nmap_ok), "one process per probe"))
        pairs.append(("vpnprobe sstp --ca", "nmap --script sstp-discover"))
    ike_answers = {}
    if cfg.get("ike_scan"):
        tools += [
            Tool("ike-scan --ikev2", repeat(["ike-scan", "--ikev2", "-r", "1", cfg["ike_addr"]], n, ikescan_ok),
                 "one process per exchange"),
            Tool("ike-scan --ikev2, --count targets at once", ike_scan_batch(cfg, cfg["run_count"], ike_answers),
                 "one process, the target listed --count times"),
            Tool("vpnprobe ikev2 --sa-init-only", repeat([vp, "ikev2"] + ike_common, n, exit_ok),
                 "one process per probe"),
            Tool("vpnprobe run ikev2 sa_init_only --count", vpnprobe_run(cfg, cfg["ike_scenario"], cfg["run_count"]),
                 "one process, --count probes one after another"),
        ]
        pairs += [("vpnprobe ikev2 --sa-init-only", "ike-scan --ikev2"),
                  ("vpnprobe run ikev2 sa_init_only --count", "ike-scan --ikev2, --count targets at once")]

    for r in range(cfg["rounds"]):
        for t in tools:
            result, why = t.sample()
            if why:
                t.errors.append(why)
                continue
            ops, wall, cpu = result
            t.walls.append(wall / ops)
            t.cpus.append(cpu / ops)
        print(f"round {r + 1}/{cfg['rounds']} done", file=sys.stderr, flush=True)

    med = {t.name: (statistics.median(t.walls) * 1e3, statistics.median(t.cpus) * 1e3) for t in tools if t.walls}
    print(f"{'tool':42} {'samples':>7} {'wall/op ms':>11} {'CPU/op ms':>10}  how")
    for t in tools:
        if t.name not in med:
            print(f"{t.name:42} FAILED: {t.errors[0] if t.errors else 'no sample'}")
            continue
        print(f"{t.name:42} {len(t.walls):>7} {med[t.name][0]:>11.2f} {med[t.name][1]:>10.2f}  {t.note}")
        if t.errors:
            print(f"{'':42} {len(t.errors)} failed sample(s), first: {t.errors[0]}")
    print()
    print(f"{'ratio (medians)':80} {'wall':>6} {'CPU':>6}")
    for mine, anchor in pairs:
        if mine in med and anchor in med:
            # (the exporter's CPU is counted in clock ticks: a short sample can read 0)
            ratios = [f"{m / a:>6.1f}" if a > 0 else "   n/a" for m, a in zip(med[mine], med[anchor])]
            print(f"{mine + ' / ' + anchor:80} {ratios[0]} {ratios[1]}")
        else:
            print(f"{mine + ' / ' + anchor:80}    n/a (a row failed)")
    if ike_answers:
        print("\nike-scan's batch answers:", ", ".join(f"{k} {v}" for k, v in sorted(ike_answers.items())))


if __name__ == "__main__":
    main()
