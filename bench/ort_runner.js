// ONNX Runtime peer for bench/runtime_speed.py: loads one model with onnxruntime-node
// (found through NODE_PATH), feeds it one float32 input read from a raw file, runs
// WARMUP untimed inferences then REPEAT timed ones, and prints one JSON line:
// {"ort_version", "latencies_ms": [...], "max_rss_kb", "rss_before_session_kb"}.
//
// Usage: NODE_PATH=CACHE/node_modules node ort_runner.js MODEL.onnx INPUT.bin DIMS THREADS WARMUP REPEAT
//   SEPNN_BENCH_ORT_AFFINITY (optional): the session's intra_op_thread_affinities.
//   SEPNN_BENCH_ORT_PROFILE (optional): profile every run into PREFIX_<date>.json.
//   DIMS: comma-separated input shape (1,3,224,224); INPUT.bin: little-endian float32.
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [model, inputBin, dimsArg, threadsArg, warmupArg, repeatArg] = process.argv.slice(2);
  if (!repeatArg) {
    console.error('usage: ort_runner.js MODEL.onnx INPUT.bin DIMS THREADS WARMUP REPEAT');
    process.exit(2);
  }
  const rssBefore = process.resourceUsage().maxRSS;
  const ort = require('onnxruntime-node');
  const pkg = JSON.parse(fs.readFileSync(
      path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'package.json'), 'utf8'));
  const threads = parseInt(threadsArg, 10);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Worker threads pinned one per CPU when the benchmark says so (runtime_speed.py's
    // ort_affinity; the calling thread is pinned by taskset).
    ...(process.env.SEPNN_BENCH_ORT_AFFINITY ? {
      extra: {session: {intra_op_thread_affinities: process.env.SEPNN_BENCH_ORT_AFFINITY}},
    } : {}),
    // ONNX Runtime's own per-node profile (bench/layer_profile.py): a JSON trace
    // written at the end, its name starting with this prefix.
    ...(process.env.SEPNN_BENCH_ORT_PROFILE ? {
      enableProfiling: true, profileFilePrefix: process.env.SEPNN_BENCH_ORT_PROFILE,
    } : {}),
  });
  const dims = dimsArg.split(',').map(Number);
  const buf = fs.readFileSync(inputBin);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected)
    throw new Error(`${inputBin}: ${data.length} floats, the shape ${dimsArg} needs ${expected}`);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, dims)};
  for (let i = 0; i < parseInt(warmupArg, 10); ++i)
    await session.run(feeds);
  const latencies = [];
  for (let i = 0; i < parseInt(repeatArg, 10); ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const t1 = process.hrtime.bigint();
    latencies.push(Number(t1 - t0) / 1e6);
  }
  if (process.env.SEPNN_BENCH_ORT_PROFILE)
    session.endProfiling();
  process.stdout.write(JSON.stringify({
    ort_version: pkg.version,
    latencies_ms: latencies,
    max_rss_kb: process.resourceUsage().maxRSS,
    rss_before_session_kb: rssBefore,
  }) + '\n');
}

main().catch((e) => {
  console.error('error: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
