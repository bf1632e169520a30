#!/usr/bin/python3
"""bench/rusage.py - run a command K times and report its exact CPU cost.

usage: rusage.py [-n K] [-t TIMEOUT_S] [-o OUTFILE] [-r] [-g] [-w PID] -- CMD [ARG...]

Each run's resource usage comes from wait4(), so it is the command's own
user+sys time (µs resolution, including every descendant it waited for, as
a shell script waits for its forks) and its peak RSS; the cost of this
wrapper is not in it. Peak RSS is not taken from those runs (a child
forked from Python inherits Python's RSS high-water mark across exec): with
-r one more run goes through /usr/bin/time -f %M (a small C parent), and
max_rss_kb is its figure, else 0. Prints one line of key=value pairs:
  runs ok timed_out user_s sys_s cpu_s wall_s max_rss_kb cg_cpu_s
On timeout the whole process group is killed (SIGKILL) and timed_out=1;
the CPU of a killed run is whatever its reaped processes had used. With -g
the command runs in a cgroup v1 cpuacct group of its own (when the
hierarchy is at /sys/fs/cgroup/cpuacct), whose usage counts every process,
killed or not: cg_cpu_s (mean per run; -1 without the cgroup). With -w
PID the runs start only once PID's next burst of CPU has ended (its CPU
moved, then stood still for 0.15 s: longer than an agent's poll waits for
wireguard-go's reply), so they do not share the machine with a poll of a
1 s interval; after 5 s they start anyway: after_burst=1 or 0.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time


def task_cpu_ns(pid):
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def wait_after_burst(pid, quiet_s=0.15, deadline_s=5.0):
    """True once pid's CPU moved and then stood still for quiet_s."""
    end = time.monotonic() + deadline_s
    start = last = task_cpu_ns(pid)
    moved_at = None
    while time.monotonic() < end:
        time.sleep(0.002)
        c = task_cpu_ns(pid)
        if c != last:
            last, moved_at = c, time.monotonic()
        elif moved_at is not None and last != start and \
                time.monotonic() - moved_at >= quiet_s:
            return True
    return False


def main(argv):
    runs, timeout, outfile, want_rss, want_cg = 1, None, os.devnull, False, False
    after_pid = None
    i = 1
    while i < len(argv) and argv[i] != "--":
        if argv[i] == "-n":
            runs = int(argv[i + 1]); i += 2
        elif argv[i] == "-t":
            timeout = float(argv[i + 1]); i += 2
        elif argv[i] == "-g":
            want_cg = True; i += 1
        elif argv[i] == "-r":
            want_rss = True; i += 1
        elif argv[i] == "-w":
            after_pid = int(argv[i + 1]); i += 2
        elif argv[i] == "-o":
            outfile = argv[i + 1]; i += 2
        else:
            sys.exit(f"rusage.py: unknown option {argv[i]}")
    cmd = argv[i + 1:]
    if not cmd:
        sys.exit(__doc__)
    user = sys_ = wall = 0.0
    max_rss = ok = timed_out = 0
    done = 0
    cg = None
    if want_cg:
        cg = "/sys/fs/cgroup/cpuacct/wga-bench.%d" % os.getpid()
        try:
            os.mkdir(cg)
        except OSError:
            cg = None
    preexec = None
    if cg:
        def preexec():
            with open(cg + "/tasks", "w") as f:
                f.write(str(os.getpid()))
    after_burst = -1
    if after_pid is not None:
        after_burst = 1 if wait_after_burst(after_pid) else 0
    for _run in range(runs):
        with open(outfile, "ab") as out:
            t0 = time.monotonic()
            p = subprocess.Popen(cmd, stdout=out, start_new_session=True,
                                 preexec_fn=preexec)
        killed = False
        if timeout is not None:
            def on_alarm(*_):
                nonlocal killed
                killed = True
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        while True:
            try:
                _, status, ru = os.wait4(p.pid, 0)
                break
            except InterruptedError:
                continue
        signal.setitimer(signal.ITIMER_REAL, 0)
        wall += time.monotonic() - t0
        p.returncode = status
        user += ru.ru_utime
        sys_ += ru.ru_stime
        done += 1
        if killed:
            timed_out = 1
            try:
                os.killpg(p.pid, signal.SIGKILL)   # stragglers
            except ProcessLookupError:
                pass
            break
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            ok += 1
    if want_rss and not timed_out:
        rfd, rpath = tempfile.mkstemp(prefix="rusage.")
        os.close(rfd)
        try:
            with open(os.devnull, "wb") as out:
                subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rpath] + cmd,
                               stdout=out, timeout=timeout)
            with open(rpath) as f:
                max_rss = int(f.read().split()[-1])
        finally:
            os.unlink(rpath)
    n = max(done, 1)
    cg_cpu = -1.0
    if cg:
        for _ in range(50):     # killed stragglers leave the group as they die
            with open(cg + "/tasks") as f:
                if not f.read().strip():
                    break
            time.sleep(0.1)
        with open(cg + "/cpuacct.usage") as f:
            cg_cpu = int(f.read()) / 1e9 / n
        try:
            os.rmdir(cg)
        except OSError:
            pass
    print(f"runs={n} ok={ok} timed_out={timed_out} user_s={user / n:.6f} "
          f"sys_s={sys_ / n:.6f} cpu_s={(user + sys_) / n:.6f} "
          f"wall_s={wall / n:.6f} max_rss_kb={max_rss} cg_cpu_s={cg_cpu:.6f}"
          + (f" after_burst={after_burst}" if after_burst >= 0 else ""))


if __name__ == "__main__":
    main(sys.argv)
