#!/bin/sh
# `vpnprobe run` on one thread and on two (--threads 1 vs 2), the same scenario, taking turns for ROUNDS rounds
# (so a change in the machine's load touches both alike): a few hundred rows of SoftEther SSTP (full probe, no
# credentials) and strongSwan IKEv2 SA_INIT-only, against lab addresses, from the lab's clean vantage namespace
# (the scenario's vantage point; vpnprobe opens every socket inside it). Read-only: it never starts, stops or
# reconfigures the lab. Prints, per run: wall, CPU (user+sys of the whole process, from wait4), CPU / wall (above
# 1.0 = more than one core busy on average), the CPU of each of the process's threads that used more than 5 % of
# it (from /proc/PID/task/TID/stat, read every 20 ms while it runs), the rows passed, and the exit code.
# A second scenario, `loopback`, is CPU-bound on the client: LOOPBACK_ROWS IKEv2 SA_INIT-only rows to a closed UDP
# port of 127.0.0.1 (the kernel's port unreachable ends each probe at once, so the probe's own work, its key
# generation above all, is what remains; nothing leaves the machine).
# Asserts nothing.
#   usage: bench/threads.sh [VPNPROBE]      (VPNPROBE_LAB_RUN=/work/lab-run; COPIES=40 targets per server:
#          rows = COPIES x (3 SSTP + 4 IKEv2); LOOPBACK_ROWS=1000; ROUNDS=3; PARALLEL=64; CASES="lab loopback")
set -eu
bin=${1:-build/vpnprobe}
run=${VPNPROBE_LAB_RUN:-/work/lab-run}
copies=${COPIES:-40}
rounds=${ROUNDS:-3}
parallel=${PARALLEL:-64}
# shellcheck disable=SC1091
. "$run/sstp-lab.env"
sstp_ca=$LAB_CA
# shellcheck disable=SC1091
. "$run/ike-lab.env"
dir=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT

{
    echo "version: 1"
    echo "name: bench-threads"
    echo "parallel: $parallel"
    echo "vantage_points: [{name: clean, netns: $VANTAGE_CLEAN}]"
    echo "targets:"
    i=0
    while [ "$i" -lt "$copies" ]; do
        for s in RSA:$SSTP_RSA_ADDR ECDSA:$SSTP_ECDSA_ADDR EXPIRED:$SSTP_EXPIRED_ADDR; do
            echo "  - {name: sstp-${s%%:*}-$i, host: ${s#*:}, sni: vpn.test, ca: $sstp_ca}"
        done
        for s in FRAG:$IKE_FRAG_ADDR NOFRAG:$IKE_NOFRAG_ADDR FRAGBIG:$IKE_FRAGBIG_ADDR NOEKU:$IKE_NOEKU_ADDR; do
            echo "  - {name: ike-${s%%:*}-$i, host: ${s#*:}, sni: vpn.test, ca: $IKE_CA}"
        done
        i=$((i + 1))
    done
    echo "probes:"
    echo "  - {name: sstp, type: sstp, timeout: 10, targets: [$(i=0; sep=; while [ $i -lt "$copies" ]; do
        printf '%ssstp-RSA-%s, sstp-ECDSA-%s, sstp-EXPIRED-%s' "$sep" $i $i $i; sep=', '; i=$((i + 1)); done)]}"
    echo "  - {name: ikev2, type: ikev2, timeout: 10, options: {preset: modern, sa_init_only: true}, targets: [$(i=0; sep=
        while [ $i -lt "$copies" ]; do
        printf '%sike-FRAG-%s, ike-NOFRAG-%s, ike-FRAGBIG-%s, ike-NOEKU-%s' "$sep" $i $i $i $i; sep=', '; i=$((i + 1))
        done)]}"
} > "$dir/lab.yaml"

# Below the ephemeral range: a probe's own socket that got this port would swallow the datagrams sent to it (a
# connected UDP socket drops them without a port unreachable) and that probe would wait for its deadline.
closed_port=$(python3 -c '
import socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for port in range(low - 10000, low):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break')
{
    echo "version: 1"
    echo "name: bench-threads-loopback"
    echo "parallel: $parallel"
    echo "vantage_points: [{name: lo, source: 127.0.0.1}]"
    echo "targets:"
    i=0
    while [ "$i" -lt "${LOOPBACK_ROWS:-1000}" ]; do
        echo "  - {name: lo-$i, host: 127.0.0.1, ports: {ikev2: $closed_port}}"
        i=$((i + 1))
    done
    echo "probes: [{type: ikev2, timeout: 10, options: {preset: modern, sa_init_only: true}," \
        "expect: {failed_phase: ike_sa_init, findings: [ikev2.sa_init_refused]}}]"
} > "$dir/loopback.yaml"

echo "vpnprobe: $bin; lab: $((copies * 7)) rows ($((copies * 3)) SSTP, $((copies * 4)) IKEv2 SA_INIT-only);" \
    "loopback: ${LOOPBACK_ROWS:-1000} rows; --parallel $parallel; cores: $(nproc);" \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$rounds" ]; do
    for case in ${CASES:-lab loopback}; do
    for t in 1 2; do
        python3 - "$bin" "$dir/$case.yaml" "$t" "$r" "$case" <<'PY'
import json, os, subprocess, sys, time
bin, scenario, threads, rnd, case = sys.argv[1:6]
tick = os.sysconf("SC_CLK_TCK")
start = time.monotonic()
p = subprocess.Popen([bin, "run", scenario, "--threads", threads, "--format", "json"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
out = []
import threading
reader = threading.Thread(target=lambda: out.append(p.stdout.read()))
reader.start()
tasks = {}  # tid -> (name, user+sys ticks), the last values read
while True:
    try:
        for tid in os.listdir(f"/proc/{p.pid}/task"):
            try:
                with open(f"/proc/{p.pid}/task/{tid}/stat") as f:
                    stat = f.read()
                name = stat[stat.index("(") + 1:stat.rindex(")")]
                fields = stat[stat.rindex(")") + 2:].split()
                tasks[tid] = (name, int(fields[11]) + int(fields[12]))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                pass
    except FileNotFoundError:
        pass
    pid, status, ru = os.wait4(p.pid, os.WNOHANG)
    if pid:
        break
    time.sleep(0.02)
wall = time.monotonic() - start
reader.join()
cpu = ru.ru_utime + ru.ru_stime
try:
    rows = json.loads(out[0])["rows"]
    passed = sum(1 for r in rows if r["passed"])
    rows_text = f"{passed}/{len(rows)} passed"
except Exception as e:
    rows_text = f"no report ({e})"
busy = sorted((t for t in tasks.values() if t[1] / tick >= 0.05 * cpu), key=lambda t: -t[1])
per_thread = ", ".join(f"{n} {v / tick:.2f}s" for n, v in busy)
print(f"round {rnd} {case:8} --threads {threads}: wall {wall:.2f}s  cpu {cpu:.2f}s (user {ru.ru_utime:.2f} sys {ru.ru_stime:.2f})"
      f"  cpu/wall {cpu / wall:.2f}  threads: [{per_thread}]  {rows_text}  exit {os.waitstatus_to_exitcode(status)}")
PY
    done
    done
    r=$((r + 1))
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
