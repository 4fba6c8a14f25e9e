#!/usr/bin/env python3
"""Runs one command and measures it for bench/scale.sh: wall time, user and system CPU and peak RSS from the
kernel (wait4's rusage: ru_maxrss is the process's high-water mark, VmHWM), and, sampled every SAMPLE_MS from
/proc while it runs, the most sockets it held at once (each in-flight probe holds at least one; nothing else in
`vpnprobe run` does) the highest thread count and the time its threads waited, runnable, for a CPU (schedstat, as last seen: a
lower bound; it shows when the servers on the same cores took the CPU from the client). Prints one JSON object; the command's stdout goes to a file.

usage: scale_measure.py STDOUT_FILE COMMAND [ARG ...]
"""
import json
import os
import subprocess
import sys
import time

SAMPLE_S = float(os.environ.get("SAMPLE_MS", "2")) / 1000


def sockets_of(pid):
    n = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                    n += 1
            except OSError:
                pass  # closed between listdir and readlink
    except OSError:
        pass
    return n


def threads_of(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def runqueue_wait_s(pid):
    """Time the process's threads spent runnable but waiting for a CPU (schedstat's second field)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        pass
    return total / 1e9


def main():
    out_path, cmd = sys.argv[1], sys.argv[2:]
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out)
        peak_sockets = peak_threads = 0
        waited = 0.0
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_sockets = max(peak_sockets, sockets_of(proc.pid))
            peak_threads = max(peak_threads, threads_of(proc.pid))
            waited = max(waited, runqueue_wait_s(proc.pid))
            time.sleep(SAMPLE_S)
        wall = time.monotonic() - t0
    json.dump({
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": wall,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "maxrss_kib": ru.ru_maxrss,
        "peak_sockets": peak_sockets,
        "peak_threads": peak_threads,
        "runqueue_wait_s": waited,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
