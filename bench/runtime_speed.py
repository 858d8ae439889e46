#!/usr/bin/python3
"""sepnn's single-device runtime against ONNX Runtime, on this machine (issue:
runtime speed). One command:

    bench/runtime_speed.py [--models resnet18,resnext50_32x4d,mobilenet_v2,vgg16,squeezenet1_1]
        [--threads 1,2] [--repeat 20] [--rounds 3] [--warmup 2] [--work /tmp/sepnn-bench-speed]
        [--cache ~/.cache/sepnn-bench/ort] [--sepnn build/tools/sepnn/sepnn]
        [--skip-two-devices] [--recompile] [--json FILE]

What it does (docs/runtime-speed.md has the details):
- installs ONNX Runtime 1.30 from npm (onnxruntime-node, which ships
  libonnxruntime.so for linux x64 and arm64) into --cache, once;
- measures this machine's FP32 peak with an FMA loop (bench/fp32_peak.cpp,
  compiled here with g++ -O2 -march=native), on 1 and on T threads;
- exports each torchvision model (random weights, batch 1, 3x224x224) and
  compiles it for one device (and for two, on loopback); both are reused by
  later runs while the model, the sepnn binary and runtime/ are unchanged;
- for each thread count T, alternates rounds: one sepnn device process
  (SEPNN_THREADS=T), one ONNX Runtime process (intraOpNumThreads=T), again,
  ...; each process runs --warmup untimed then --repeat timed inferences on the
  same input. T=1 runs are pinned to core 0 (taskset -c 0); at T>1 each peer
  has one thread per CPU (sepnn pins its own when T <= the CPUs it may use; ONNX
  Runtime's are pinned the same way, see ort_affinity). Latency is the median of
  all timed inferences of all rounds;
- prints per model: GFLOP (Conv, Gemm and MatMul only), the two latencies, the
  ratio sepnn/ORT, GFLOP/s and % of the measured peak for T threads, and each
  process's peak RSS (largest VmHWM of it and its children, via GNU time);
- then, for 2 devices on loopback (each device SEPNN_THREADS=1, unpinned), the
  end-to-end latency of `sepnn run` (per inference, the device that delivers the
  output) against the single-device latency at 1 thread (pinned to core 0),
  alternated the same way.

Exits non-zero if any model failed to export, compile or run (the others are
still measured and printed).
"""
import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EXPORTER = os.path.join(REPO, "examples", "export_torchvision.py")
ORT_RUNNER = os.path.join(HERE, "ort_runner.js")
PEAK_SOURCE = os.path.join(HERE, "fp32_peak.cpp")
ORT_PACKAGE = "onnxruntime-node"
ORT_VERSION = "1.30.0"
DEFAULT_MODELS = "resnet18,resnext50_32x4d,mobilenet_v2,vgg16,squeezenet1_1"
BASE_PORT = 24600


def log(msg):
    print(msg, flush=True)


class Failed(Exception):
    pass


# ---------------------------------------------------------------- processes

TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def tree_hwm_kb(pid):
    """Largest VmHWM among pid and its descendants, now (0 once gone)."""
    best, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]))
            for tid in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in open(f"/proc/{p}/task/{tid}/children").read().split()]
        except (OSError, ValueError):
            pass
    return best


def run_measured(cmd, env=None, timeout=900):
    """Runs cmd; returns (returncode, stdout, stderr, peak RSS in kB).

    Peak RSS is the largest VmHWM of the process and its descendants. It comes
    from GNU time (%M, i.e. wait4's ru_maxrss) rather than from our own wait4:
    a child forked from this Python process inherits, across exec, the high
    water mark of the Python image it was forked from, which GNU time's tiny
    image does not add. Without /usr/bin/time, VmHWM is polled every 20 ms."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".maxrss") as rssfile:
        full = [TIME, "-o", rssfile.name, "-f", "%M"] + cmd if TIME else cmd
        p = subprocess.Popen(full, stdout=out, stderr=err, env=env, start_new_session=True)
        polled = [0]
        done = threading.Event()

        def poll():
            while not done.wait(0.02):
                polled[0] = max(polled[0], tree_hwm_kb(p.pid))

        poller = None
        if not TIME:
            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
        killed = False
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(p.pid, signal.SIGKILL)  # the group we started, nothing else
            p.wait()
        done.set()
        if poller:
            poller.join()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        if killed:
            stderr += f"\n(killed after {timeout} s)"
        rss = polled[0]
        if TIME:
            lines = [l for l in rssfile.read().split("\n") if l.strip()]
            try:
                rss = int(lines[-1])
            except (IndexError, ValueError):
                rss = 0
            # GNU time prints "Command exited with non-zero status N" into -o.
        return p.returncode, stdout, stderr, rss


def check(cmd, what, env=None, timeout=1800):
    rc, out, err, _ = run_measured(cmd, env=env, timeout=timeout)
    if rc != 0:
        tail = (out + err).strip()[-1500:]
        raise Failed(f"{what}: exit {rc}: {' '.join(cmd)}\n{tail}")
    return out


def pinned(cmd, threads):
    """T=1: pinned to core 0; T>1: each peer pins its threads (sepnn itself,
    ONNX Runtime through ort_affinity)."""
    if threads == 1 and shutil.which("taskset"):
        return ["taskset", "-c", "0"] + cmd
    return cmd


def env_with(**kv):
    env = dict(os.environ)
    env.update({k: str(v) for k, v in kv.items()})
    return env


def median(xs):
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- machine

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.lower().startswith(("model name", "hardware", "processor\t: arm")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class ForeignCpu:
    """How much CPU other processes took since start(): all busy time of the
    machine (/proc/stat) less this process's and its children's. Above a few
    percent the figures are noisy."""

    def __init__(self):
        self.start()

    @staticmethod
    def _sample():
        import resource
        f = open("/proc/stat").readline().split()[1:]
        ticks = [int(x) for x in f]
        busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        own = sum(getattr(resource.getrusage(w), k)
                  for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for k in ("ru_utime", "ru_stime"))
        return time.monotonic(), busy, own

    def start(self):
        self.t0 = self._sample()

    def fraction(self):
        """Share of all CPUs' time used by others since start()."""
        t1 = self._sample()
        wall = t1[0] - self.t0[0]
        if wall <= 0:
            return 0.0
        others = (t1[1] - self.t0[1]) - (t1[2] - self.t0[2])
        return max(0.0, others / (wall * (os.cpu_count() or 1)))


def measure_peak(work, thread_counts):
    """GFLOP/s of an FMA loop, per thread count (T=1 pinned like the runs)."""
    exe = os.path.join(work, "fp32_peak")
    if (not os.path.exists(exe)
            or os.path.getmtime(exe) < os.path.getmtime(PEAK_SOURCE)):
        check(["g++", "-O2", "-march=native", "-ffp-contract=fast", "-pthread",
               PEAK_SOURCE, "-o", exe], "compile fp32_peak.cpp")
    peak = {}
    for t in thread_counts:
        out = check(pinned([exe, str(t)], t), "fp32_peak")
        row = json.loads(out.strip().splitlines()[-1])
        peak[t] = row
    return peak


# ---------------------------------------------------------------- ONNX Runtime

def ensure_ort(cache):
    """Installs onnxruntime-node ORT_VERSION into cache once; returns
    (node_modules, libonnxruntime.so path)."""
    modules = os.path.join(cache, "node_modules")
    pkg = os.path.join(modules, ORT_PACKAGE, "package.json")
    have = None
    if os.path.exists(pkg):
        have = json.load(open(pkg)).get("version")
    if have != ORT_VERSION:
        os.makedirs(cache, exist_ok=True)
        log(f"installing {ORT_PACKAGE}@{ORT_VERSION} from npm into {cache}")
        # --ignore-scripts: the postinstall script would download CUDA/other
        # binaries; the CPU libonnxruntime.so is in the package itself.
        check(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
               "--prefix", cache, f"{ORT_PACKAGE}@{ORT_VERSION}"], "npm install")
    arch = {"x86_64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine(), platform.machine())
    lib_dir = os.path.join(modules, ORT_PACKAGE, "bin", "napi-v6", "linux", arch)
    libs = [f for f in os.listdir(lib_dir) if f.startswith("libonnxruntime.so")] \
        if os.path.isdir(lib_dir) else []
    if not libs:
        raise Failed(f"{lib_dir}: no libonnxruntime.so for linux/{arch}")
    return modules, os.path.join(lib_dir, sorted(libs)[0])


def ort_affinity(threads):
    """How ONNX Runtime's threads are pinned at T > 1, as sepnn pins its own
    (runtime/src/kernels/fast/parallel.cpp: with at most as many threads as allowed
    CPUs, the caller on the first, worker i on the (i+1)-th): the calling thread
    through taskset, the workers through the session option
    intra_op_thread_affinities (1-based processor ids, one per worker). Unpinned,
    both peers at times ran with two threads on one CPU (ORT's resnet18 at 2 threads
    measured 33 ms in two rounds and 18.7 in the third). Returns (taskset prefix,
    affinity string), or ([], "") when there are more threads than CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    if threads < 2 or len(cpus) < threads or not shutil.which("taskset"):
        return [], ""
    return (["taskset", "-c", str(cpus[0])],
            ";".join(str(c + 1) for c in cpus[1:threads]))


def run_ort(node_modules, model, threads, warmup, repeat):
    cmd = pinned(["node", ORT_RUNNER, model["onnx"], model["input_bin"],
                  ",".join(map(str, model["input_dims"])), str(threads),
                  str(warmup), str(repeat)], threads)
    prefix, affinity = ort_affinity(threads)
    rc, out, err, rss = run_measured(prefix + cmd, env=env_with(
        NODE_PATH=node_modules, SEPNN_BENCH_ORT_AFFINITY=affinity))
    if rc != 0:
        raise Failed(f"ORT: exit {rc}: {(out + err).strip()[-1500:]}")
    r = json.loads(out.strip().splitlines()[-1])
    return {"latencies_ms": r["latencies_ms"], "peak_rss_kb": rss,
            "node_baseline_rss_kb": r["rss_before_session_kb"],
            "ort_version": r["ort_version"]}


# ---------------------------------------------------------------- models

def tensor_file(path):
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def count_flops(path):
    """FLOPs of one inference: Conv 2*N*M*OH*OW*(C/group)*KH*KW, Gemm and
    MatMul 2*M*K*N; every other op is ignored."""
    import onnx
    m = onnx.shape_inference.infer_shapes(onnx.load(path))
    shapes = {}
    for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        dims = vi.type.tensor_type.shape.dim
        shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    for init in m.graph.initializer:
        shapes[init.name] = list(init.dims)

    def prod(xs):
        p = 1
        for x in xs:
            if x is None:
                raise Failed(f"{path}: unknown dimension in a Conv/Gemm/MatMul shape")
            p *= x
        return p

    total = 0
    for n in m.graph.node:
        if n.op_type == "Conv":
            w, y = shapes[n.input[1]], shapes[n.output[0]]
            total += 2 * prod(y) * prod(w[1:])  # y: N,M,OH,OW; w: M,C/group,KH,KW
        elif n.op_type == "Gemm":
            a, y = shapes[n.input[0]], shapes[n.output[0]]
            trans_a = any(at.name == "transA" and at.i for at in n.attribute)
            total += 2 * prod(y) * (a[0] if trans_a else a[1])
        elif n.op_type == "MatMul":
            a, y = shapes[n.input[0]], shapes[n.output[0]]
            total += 2 * prod(y) * a[-1]
    return total


def file_digest(h, path):
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def build_key(sepnn, onnx_path, args):
    """What a compiled directory depends on: the model, the compiler binary,
    the runtime sources it builds against, and the compile arguments."""
    h = hashlib.sha256()
    for p in (sepnn, onnx_path):
        file_digest(h, p)
    runtime = os.path.join(REPO, "runtime")
    for root, dirs, files in os.walk(runtime):
        dirs[:] = sorted(d for d in dirs if d != "tests")
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(os.path.relpath(p, runtime).encode())
            file_digest(h, p)
    h.update(" ".join(args).encode())
    return h.hexdigest()


def prepare_model(name, work):
    d = os.path.join(work, "models", name)
    onnx_path = os.path.join(d, "model.onnx")
    input_pb = os.path.join(d, "input.pb")
    if not (os.path.exists(onnx_path) and os.path.exists(input_pb)):
        log(f"  exporting {name}")
        check([sys.executable, EXPORTER, name, d], f"export {name}")
    x = tensor_file(input_pb)
    input_bin = os.path.join(d, "input.bin")
    if not os.path.exists(input_bin):
        x.astype("<f4").tofile(input_bin)
    flops_file = os.path.join(d, "flops.json")
    if os.path.exists(flops_file) and os.path.getmtime(flops_file) >= os.path.getmtime(onnx_path):
        flops = json.load(open(flops_file))["flops"]
    else:
        flops = count_flops(onnx_path)
        json.dump({"flops": flops}, open(flops_file, "w"))
    return {"name": name, "onnx": onnx_path, "input_pb": input_pb,
            "input_bin": input_bin, "input_dims": list(x.shape), "flops": flops}


def compile_model(sepnn, model, work, devices, port, recompile):
    out = os.path.join(work, "compiled", model["name"], f"{devices}dev")
    args = ["compile", model["onnx"], "--devices", str(devices),
            "--base-port", str(port), "-o", out]
    key = build_key(sepnn, model["onnx"], args)
    key_file = os.path.join(out, ".bench-key")
    if (not recompile and os.path.exists(key_file)
            and open(key_file).read().strip() == key):
        return out
    log(f"  compiling {model['name']} for {devices} device(s)")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    t0 = time.time()
    check([sepnn] + args, f"sepnn compile {model['name']} ({devices} devices)")
    with open(key_file, "w") as f:
        f.write(key + "\n")
    log(f"  compiled in {time.time() - t0:.0f} s")
    return out


def run_sepnn_single(xdir, model, threads, warmup, repeat, work):
    exe = os.path.join(xdir, "device_0", "device_0")
    rdir = os.path.join(work, "runs", model["name"])
    os.makedirs(rdir, exist_ok=True)
    report = os.path.join(rdir, f"single_t{threads}.json")
    if os.path.exists(report):
        os.remove(report)
    cmd = pinned([exe, "--cluster", os.path.join(xdir, "cluster.json"),
                  "--input", model["input_pb"],
                  "--output", os.path.join(rdir, f"single_t{threads}.pb"),
                  "--repeat", str(warmup + repeat), "--report", report], threads)
    rc, out, err, rss = run_measured(cmd, env=env_with(SEPNN_THREADS=threads))
    if rc != 0:
        raise Failed(f"sepnn device_0: exit {rc}: {(out + err).strip()[-1500:]}")
    r = json.load(open(report))
    # The first inference packs the weights: the warmup inferences are dropped.
    return {"latencies_ms": r["latencies_ms"][warmup:], "peak_rss_kb": rss,
            "rss_kb": r.get("rss_kb")}


def output_devices(xdir):
    m = json.load(open(os.path.join(xdir, "manifest.json")))
    return sorted({o["device"] for o in m["outputs"]})


def run_sepnn_two(sepnn, xdir, model, warmup, repeat, work):
    rdir = os.path.join(work, "runs", model["name"])
    os.makedirs(rdir, exist_ok=True)
    report = os.path.join(rdir, "two_devices.json")
    cmd = [sepnn, "run", xdir, "--input", model["input_pb"],
           "-o", os.path.join(rdir, "two_devices.pb"),
           "--repeat", str(warmup + repeat), "--report", report]
    rc, out, err, rss = run_measured(cmd, env=env_with(SEPNN_THREADS=1))
    if rc != 0:
        raise Failed(f"sepnn run (2 devices): exit {rc}: {(out + err).strip()[-1500:]}")
    # Per inference: the latest of the devices that deliver an output.
    outs = output_devices(xdir)
    per_device = {}
    device_rss_kb = {}
    for k in range(len(json.load(open(os.path.join(xdir, "manifest.json")))["devices"])):
        dev = json.load(open(os.path.join(xdir, "run", f"device_{k}.json")))
        if k in outs:
            per_device[k] = dev["latencies_ms"]
        # VmRSS at inference 1, 10, 100, ... and the last. Not wait4's peak: the
        # devices are forked from `sepnn run`, whose own high-water mark (LLVM
        # and MLIR mapped) they would inherit across exec.
        device_rss_kb[k] = max((kb for _, kb in dev.get("rss_kb", [])), default=0)
    n = min(len(v) for v in per_device.values())
    e2e = [max(v[i] for v in per_device.values()) for i in range(n)]
    r = json.load(open(report))
    return {"latencies_ms": e2e[warmup:], "peak_rss_kb": max(device_rss_kb.values()),
            "tree_peak_rss_kb": rss, "device_rss_kb": device_rss_kb,
            "bytes_per_inference": r.get("bytes_per_inference"),
            "device_latency_ms": {d["rank"]: d["latency_ms"] for d in r.get("devices", [])}}


# ---------------------------------------------------------------- measurement

def alternate(runners, rounds):
    """runners: [(label, fn)]; runs them in turn, `rounds` times; returns per
    label: all timed latencies, per-round medians, max peak RSS, last result."""
    res = {label: {"latencies_ms": [], "round_medians_ms": [], "peak_rss_kb": 0}
           for label, _ in runners}
    for _ in range(rounds):
        for label, fn in runners:
            r = fn()
            s = res[label]
            s["latencies_ms"] += r["latencies_ms"]
            s["round_medians_ms"].append(median(r["latencies_ms"]))
            s["peak_rss_kb"] = max(s["peak_rss_kb"], r["peak_rss_kb"])
            s["last"] = r
    for s in res.values():
        s["median_ms"] = median(s["latencies_ms"])
    return res


def fmt(x, spec, width):
    return f"{'-' if x is None else format(x, spec):>{width}}"


def print_table(title, head, rows, line):
    """A titled table: `head`, a rule, then line(r) for each row (FAILED rows say why)."""
    log("")
    log(title)
    log(head)
    log("-" * len(head))
    for r in rows:
        if r.get("error"):
            log(f"{r['model']:<18} FAILED: {r['error'].splitlines()[0][:100]}")
        else:
            log(line(r))


def print_speed_table(threads, rows, peak):
    print_table(
        f"== single device, {threads} thread(s)"
        f"{' (pinned to core 0)' if threads == 1 else ' (one thread per CPU, pinned)'}"
        f"; FP32 peak {peak:.1f} GFLOP/s ==",
        f"{'model':<18} {'GFLOP':>6} {'sepnn ms':>9} {'ORT ms':>8} {'ratio':>6} "
        f"{'sepnn GF/s':>10} {'%peak':>6} {'ORT GF/s':>9} {'%peak':>6} "
        f"{'sepnn RSS MB':>12} {'ORT RSS MB':>10}",
        rows,
        lambda r: f"{r['model']:<18} {r['gflop']:>6.2f} {fmt(r['sepnn_ms'], '.2f', 9)} "
        f"{fmt(r['ort_ms'], '.2f', 8)} {fmt(r['ratio'], '.2f', 6)} "
        f"{fmt(r['sepnn_gflops'], '.1f', 10)} {fmt(r['sepnn_peak_pct'], '.1f', 6)} "
        f"{fmt(r['ort_gflops'], '.1f', 9)} {fmt(r['ort_peak_pct'], '.1f', 6)} "
        f"{fmt(r['sepnn_rss_mb'], '.0f', 12)} {fmt(r['ort_rss_mb'], '.0f', 10)}")


def print_two_table(rows):
    def line(r):
        kb = None if r["bytes_per_inference"] is None else r["bytes_per_inference"] / 1024
        return (f"{r['model']:<18} {fmt(r['single_ms'], '.2f', 9)} "
                f"{fmt(r['two_ms'], '.2f', 9)} {fmt(r['ratio'], '.2f', 9)} "
                f"{fmt(r.get('single_2t_ms'), '.2f', 10)} "
                f"{fmt(r.get('ratio_vs_2t'), '.2f', 11)} {fmt(kb, '.0f', 8)} "
                f"{fmt(r['two_rss_mb'], '.0f', 14)}")
    print_table(
        "== 2 devices on loopback (SEPNN_THREADS=1 each, unpinned) against one "
        "device (1 thread, core 0) ==",
        f"{'model':<18} {'1 dev ms':>9} {'2 dev ms':>9} {'2dev/1dev':>9} "
        f"{'1dev 2T ms':>10} {'2dev/1dev2T':>11} {'KB/inf':>8} {'max dev RSS MB':>14}",
        rows, line)


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain",
                                "--untracked-files=no", "runtime", "lib", "tools"],
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=DEFAULT_MODELS, help="comma list of torchvision models")
    ap.add_argument("--threads", default="1,2", help="comma list of thread counts")
    ap.add_argument("--repeat", type=int, default=20, help="timed inferences per process")
    ap.add_argument("--rounds", type=int, default=3, help="alternating processes per peer")
    ap.add_argument("--warmup", type=int, default=2, help="untimed inferences per process")
    ap.add_argument("--work", default="/tmp/sepnn-bench-speed",
                    help="exported models, compiled directories, reports (reused)")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/sepnn-bench/ort"),
                    help="where npm installs onnxruntime-node")
    ap.add_argument("--sepnn", default=os.path.join(REPO, "build", "tools", "sepnn", "sepnn"))
    ap.add_argument("--skip-two-devices", action="store_true",
                    help="no 2-devices-on-loopback table")
    ap.add_argument("--recompile", action="store_true",
                    help="compile again even if the compiled directory is current")
    ap.add_argument("--json", help="write every figure to this file")
    args = ap.parse_args()
    if args.repeat < 1 or args.rounds < 1 or args.warmup < 1:
        ap.error("--repeat, --rounds and --warmup must be at least 1 "
                 "(the first inference packs weights)")
    models = [m for m in args.models.split(",") if m]
    thread_counts = [int(t) for t in args.threads.split(",") if t]
    sepnn = os.path.abspath(args.sepnn)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    if not os.access(sepnn, os.X_OK):
        sys.exit(f"error: {sepnn}: no sepnn executable (build it, or pass --sepnn)")

    ncpu = os.cpu_count()
    results = {"cpu": cpu_model(), "cpus": ncpu, "machine": platform.machine(),
               "sepnn": sepnn, "revision": git_revision(),
               "repeat": args.repeat, "rounds": args.rounds, "warmup": args.warmup,
               "single": {}, "two_devices": []}
    log(f"CPU: {results['cpu']} ({ncpu} CPUs, {platform.machine()}); "
        f"sepnn {results['revision']}")
    if max(thread_counts) > ncpu:
        log(f"warning: {max(thread_counts)} threads on {ncpu} CPUs")
    failures = []
    watch = ForeignCpu()
    time.sleep(1)
    results["foreign_cpu_before"] = watch.fraction()
    if results["foreign_cpu_before"] > 0.05:
        log(f"warning: other processes use {100 * results['foreign_cpu_before']:.0f}% "
            f"of the CPUs: the figures will be noisy")
    watch.start()

    node_modules, libort = ensure_ort(os.path.abspath(args.cache))
    results["ort_library"] = libort
    log(f"ONNX Runtime: {ORT_PACKAGE}@{ORT_VERSION}, {libort}")

    peak = measure_peak(work, sorted(set([1] + thread_counts)))
    results["peak"] = {str(t): p for t, p in peak.items()}
    log("FP32 peak (FMA loop, {}-bit vectors): {}".format(
        peak[1]["vector_bits"],
        ", ".join(f"{p['gflops']:.1f} GFLOP/s on {t} thread(s)" for t, p in peak.items())))

    prepared = {}
    for i, name in enumerate(models):
        log(f"{name}:")
        try:
            m = prepare_model(name, work)
            m["x1"] = compile_model(sepnn, m, work, 1, BASE_PORT + 10 * i, args.recompile)
            prepared[name] = m
            log(f"  {m['flops'] / 1e9:.2f} GFLOP per inference")
        except Exception as e:  # noqa: BLE001 - report and go on
            log(f"  FAILED: {e}")
            failures.append(f"{name}: {e}")
            prepared[name] = {"name": name, "error": str(e)}

    for t in thread_counts:
        rows = []
        for name in models:
            m = prepared[name]
            row = {"model": name}
            if "error" in m:
                rows.append(dict(row, error=m["error"]))
                continue
            row["gflop"] = m["flops"] / 1e9
            log(f"  {name}, {t} thread(s): {args.rounds} rounds of sepnn, ORT ...")
            try:
                res = alternate([
                    ("sepnn", lambda: run_sepnn_single(m["x1"], m, t, args.warmup,
                                                       args.repeat, work)),
                    ("ort", lambda: run_ort(node_modules, m, t, args.warmup, args.repeat)),
                ], args.rounds)
            except Exception as e:  # noqa: BLE001
                log(f"  FAILED: {e}")
                failures.append(f"{name} ({t} threads): {e}")
                rows.append(dict(row, error=str(e)))
                continue
            s, o = res["sepnn"], res["ort"]
            pk = peak[t]["gflops"]
            row.update({
                "sepnn_ms": s["median_ms"], "ort_ms": o["median_ms"],
                "ratio": s["median_ms"] / o["median_ms"],
                "sepnn_gflops": m["flops"] / 1e6 / s["median_ms"],
                "ort_gflops": m["flops"] / 1e6 / o["median_ms"],
                "sepnn_round_medians_ms": s["round_medians_ms"],
                "ort_round_medians_ms": o["round_medians_ms"],
                "sepnn_rss_mb": s["peak_rss_kb"] / 1024,
                "ort_rss_mb": o["peak_rss_kb"] / 1024,
                "node_baseline_rss_mb": o["last"]["node_baseline_rss_kb"] / 1024,
                "sepnn_rss_kb_report": s["last"].get("rss_kb"),
            })
            row["sepnn_peak_pct"] = 100 * row["sepnn_gflops"] / pk
            row["ort_peak_pct"] = 100 * row["ort_gflops"] / pk
            log(f"    sepnn {row['sepnn_ms']:.2f} ms (rounds "
                f"{', '.join(f'{x:.2f}' for x in s['round_medians_ms'])}), "
                f"ORT {row['ort_ms']:.2f} ms (rounds "
                f"{', '.join(f'{x:.2f}' for x in o['round_medians_ms'])})")
            rows.append(row)
        results["single"][str(t)] = rows

    if not args.skip_two_devices:
        for i, name in enumerate(models):
            m = prepared[name]
            row = {"model": name}
            if "error" in m:
                results["two_devices"].append(dict(row, error=m["error"]))
                continue
            try:
                x2 = compile_model(sepnn, m, work, 2, BASE_PORT + 10 * i + 2, args.recompile)
                log(f"  {name}, 2 devices: {args.rounds} rounds of 1 device, 2 devices ...")
                res = alternate([
                    ("single", lambda: run_sepnn_single(m["x1"], m, 1, args.warmup,
                                                        args.repeat, work)),
                    ("two", lambda: run_sepnn_two(sepnn, x2, m, args.warmup,
                                                  args.repeat, work)),
                ], args.rounds)
            except Exception as e:  # noqa: BLE001
                log(f"  FAILED: {e}")
                failures.append(f"{name} (2 devices): {e}")
                results["two_devices"].append(dict(row, error=str(e)))
                continue
            one, two = res["single"], res["two"]
            row.update({
                "single_ms": one["median_ms"], "two_ms": two["median_ms"],
                "ratio": two["median_ms"] / one["median_ms"],
                "single_round_medians_ms": one["round_medians_ms"],
                "two_round_medians_ms": two["round_medians_ms"],
                "bytes_per_inference": two["last"]["bytes_per_inference"],
                "two_rss_mb": two["peak_rss_kb"] / 1024,
                "two_device_rss_kb": two["last"]["device_rss_kb"],
                "single_rss_mb": one["peak_rss_kb"] / 1024,
            })
            for r2 in results["single"].get("2", []):
                if r2["model"] == name and r2.get("sepnn_ms"):
                    row["single_2t_ms"] = r2["sepnn_ms"]
                    row["ratio_vs_2t"] = two["median_ms"] / r2["sepnn_ms"]
            log(f"    1 device {row['single_ms']:.2f} ms, 2 devices {row['two_ms']:.2f} ms")
            results["two_devices"].append(row)

    log("")
    log(f"CPU: {results['cpu']} ({ncpu} CPUs); ONNX Runtime {ORT_VERSION} "
        f"(onnxruntime-node); sepnn {results['revision']}")
    log("FP32 peak: " + ", ".join(f"{p['gflops']:.1f} GFLOP/s on {t} thread(s)"
                                   for t, p in peak.items())
        + f" (FMA loop, {peak[1]['vector_bits']}-bit vectors)")
    log(f"Latency: median of {args.rounds} rounds x {args.repeat} inferences "
        f"(after {args.warmup} warmup) per peer, rounds alternating. "
        f"GFLOP counts Conv, Gemm and MatMul only. ratio = sepnn / ORT.")
    for t in thread_counts:
        print_speed_table(t, results["single"][str(t)], peak[t]["gflops"])
    node_rss = [r["node_baseline_rss_mb"] for rows in results["single"].values()
                for r in rows if "node_baseline_rss_mb" in r]
    log(f"RSS: peak (VmHWM) of each process; ORT's includes node itself "
        f"(~{median(node_rss) or 0:.0f} MB before loading ONNX Runtime).")
    if not args.skip_two_devices:
        print_two_table(results["two_devices"])
        log("2 dev ms: per inference, the device that delivers the output (as sepnn run); "
            "ratio < 1: two devices are faster.\nmax dev RSS: the largest VmRSS a device "
            "reported (after inference 1, 10, 100, ... and the last).")

    results["foreign_cpu_during"] = watch.fraction()
    log(f"\nOther processes used {100 * results['foreign_cpu_during']:.1f}% of the CPUs "
        f"during the run{' (figures noisy)' if results['foreign_cpu_during'] > 0.05 else ''}.")
    results["failures"] = failures
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        log(f"\nwrote {args.json}")
    if failures:
        log(f"\n{len(failures)} failure(s):")
        for f in failures:
            log("  " + f.splitlines()[0])
        sys.exit(1)


if __name__ == "__main__":
    main()
