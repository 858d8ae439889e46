// abi.h on top of the kernels: checks handles, turns exceptions into the Ctx's first
// error, and makes every call after a failure a no-op.
#include "ctx.h"
#include "kernels/kernels.h"
#include "transport/wire_codec.h"

#include <chrono>
#include <cstring>
#include <new>

namespace sepnn {
namespace rt {
namespace {

bool isTransfer(const char *op) {
  return !std::strcmp(op, "send") || !std::strcmp(op, "recv") ||
         !std::strcmp(op, "send_as") || !std::strcmp(op, "recv_as");
}

// Runs body under the device's instrumentation: with SEPNN_SLOWDOWN it spins until
// the call has taken ctx->slowdown times its time (transfers excepted: waiting is
// not computing); with --op-times it adds the call's time to ctx->opTimes.
template <class F> Tensor instrumented(Ctx *ctx, const char *op, int64_t call, F &&body) {
  const auto t0 = std::chrono::steady_clock::now();
  const Tensor result = body();
  if (ctx->slowdown > 1 && !isTransfer(op)) {
    const auto until = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                (std::chrono::steady_clock::now() - t0) * ctx->slowdown);
    while (std::chrono::steady_clock::now() < until) {
    }
  }
  if (ctx->timeOps) {
    if ((int64_t)ctx->opTimes.size() < call)
      ctx->opTimes.resize(call);
    Ctx::OpTime &t = ctx->opTimes[call - 1];
    t.op = op;
    if (result.id >= 0 && (size_t)result.id < ctx->tensors.size())
      t.shape = ctx->tensors[result.id].shape;
    t.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++t.count;
  }
  return result;
}

// Runs one ABI call: skipped after a failure, any exception recorded with the op name.
template <class F> Tensor guarded(Ctx *ctx, const char *op, F &&body) noexcept {
  if (!ctx || ctx->failed)
    return Tensor{};
  const int64_t call = ++ctx->calls;
  try {
    if (ctx->slowdown > 1 || ctx->timeOps)
      return instrumented(ctx, op, call, body);
    return body();
  } catch (const std::bad_alloc &) {
    ctx->setError(cat(op, " (call #", call, "): out of memory"));
  } catch (const PeerLost &e) {
    ctx->setError(cat(op, " (call #", call, "): ", e.what()), /*peerLost=*/true);
  } catch (const std::exception &e) {
    ctx->setError(cat(op, " (call #", call, "): ", e.what()));
  } catch (...) {
    ctx->setError(cat(op, " (call #", call, "): unknown failure"));
  }
  return Tensor{};
}

std::vector<int64_t> vec(Ints l) { return std::vector<int64_t>(l.begin(), l.end()); }

// The op name in messages: the kind's ONNX-like lowercase name.
const char *unaryName(UnaryKind k) {
  static const char *const names[] = {"relu", "leaky_relu",   "clip",       "sigmoid",
                                      "hard_sigmoid", "hard_swish", "tanh", "neg",
                                      "exp",  "sqrt"};
  const int32_t i = (int32_t)k;
  return i >= 0 && i < (int32_t)(sizeof(names) / sizeof(names[0])) ? names[i] : "unary";
}
const char *binaryName(BinaryKind k) {
  static const char *const names[] = {"add", "sub", "mul", "div", "prelu"};
  const int32_t i = (int32_t)k;
  return i >= 0 && i < (int32_t)(sizeof(names) / sizeof(names[0])) ? names[i] : "binary";
}

} // namespace

Tensor input(Ctx *ctx, int64_t index, Ints shapeList) noexcept {
  return guarded(ctx, "input", [&] {
    const Shape shape = vec(shapeList);
    if (index < 0 || index >= (int64_t)ctx->inputs.size())
      fail("the program reads input ", index, " but only ", ctx->inputs.size(),
           " --input file(s) were given");
    const TensorData &in = ctx->inputs[index];
    if (in.shape != shape)
      fail("input ", index, " (", ctx->inputNames[index], ") has shape ",
           shapeStr(in.shape), ", the program expects ", shapeStr(shape));
    return ctx->add(TensorData::view(shape, in.data()));
  });
}

void output(Ctx *ctx, int64_t index, Tensor t) noexcept {
  guarded(ctx, "output", [&] {
    const TensorData &v = ctx->get(t, "t");
    if (index < 0 || (ctx->maxOutputs >= 0 && index >= ctx->maxOutputs))
      fail("the program writes output ", index, " but only ", ctx->maxOutputs,
           " --output file(s) were given");
    TensorData copy;
    copy.shape = v.shape;
    copy.own.assign(v.data(), v.data() + v.numel());
    ctx->outputs[index] = std::move(copy);
    return Tensor{};
  });
}

Tensor weight(Ctx *ctx, int64_t byteOffset, Ints shapeList) noexcept {
  return guarded(ctx, "weight", [&] {
    const Shape shape = vec(shapeList);
    const int64_t bytes = numelOf(shape) * 4;
    if (!ctx->haveWeights)
      fail("no weights file (looked for ", ctx->weightsPath, ")");
    if (byteOffset < 0 || (uint64_t)byteOffset > ctx->weightsSize ||
        (uint64_t)bytes > ctx->weightsSize - (uint64_t)byteOffset)
      fail("bytes [", byteOffset, ", ", byteOffset + bytes, ") of shape ", shapeStr(shape),
           " are outside ", ctx->weightsPath, " (", ctx->weightsSize, " bytes)");
    const unsigned char *p = ctx->weights + byteOffset;
    if (reinterpret_cast<uintptr_t>(p) % alignof(float) == 0)
      return ctx->add(TensorData::view(shape, reinterpret_cast<const float *>(p)));
    TensorData t = TensorData::zeros(shape); // misaligned: copy rather than alias
    std::memcpy(t.mut(), p, (size_t)bytes);
    return ctx->add(std::move(t));
  });
}

void release(Ctx *ctx, Tensor t) noexcept {
  guarded(ctx, "release", [&] {
    ctx->release(t);
    return Tensor{};
  });
}

namespace {
// r: the fused residual, or an invalid Tensor{} for none.
Tensor convCall(Ctx *ctx, const char *op, const fast::Clamp &clamp, Tensor x, Tensor w, Tensor b,
                Ints pads, Ints strides, Ints dilations, int64_t group, Tensor r = Tensor{}) {
  return guarded(ctx, op, [&] {
    const TensorData *bias = b.id < 0 ? nullptr : &ctx->get(b, "b");
    const TensorData *residual = r.id < 0 ? nullptr : &ctx->get(r, "r");
    const TensorData &xd = ctx->get(x, "x"), &wd = ctx->get(w, "w");
    // A placed result (place_next) is written in place.
    float *into = nullptr;
    if (ctx->placement.dest >= 0) {
      const kernels::ConvGeometry g = kernels::convGeometry(
          xd, wd, bias, vec(pads), vec(strides), vec(dilations), group);
      into = ctx->placedOutput({g.N, g.M, g.OH, g.OW});
    }
    return ctx->add(fast::conv(xd, wd, bias, vec(pads), vec(strides), vec(dilations), group,
                               ctx->packs, clamp, residual, into));
  });
}
} // namespace

Tensor conv(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
            Ints dilations, int64_t group) noexcept {
  return convCall(ctx, "conv", fast::Clamp{}, x, w, b, pads, strides, dilations, group);
}

Tensor conv_relu(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
                 Ints dilations, int64_t group) noexcept {
  return convCall(ctx, "conv_relu", fast::Clamp::relu(), x, w, b, pads, strides, dilations,
                  group);
}

Tensor conv_clip(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
                 Ints dilations, int64_t group, double min, double max) noexcept {
  return convCall(ctx, "conv_clip", fast::Clamp{(float)min, (float)max}, x, w, b, pads,
                  strides, dilations, group);
}

Tensor conv_add(Ctx *ctx, Tensor x, Tensor w, Tensor b, Tensor r, Ints pads, Ints strides,
                Ints dilations, int64_t group) noexcept {
  return convCall(ctx, "conv_add", fast::Clamp{}, x, w, b, pads, strides, dilations, group,
                  r);
}

Tensor conv_add_relu(Ctx *ctx, Tensor x, Tensor w, Tensor b, Tensor r, Ints pads,
                     Ints strides, Ints dilations, int64_t group) noexcept {
  return convCall(ctx, "conv_add_relu", fast::Clamp::relu(), x, w, b, pads, strides,
                  dilations, group, r);
}

Tensor conv_max_pool(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
                     Ints dilations, int64_t group, int64_t relu, Ints kernel,
                     Ints poolPads, Ints poolStrides, Ints poolDilations,
                     int64_t ceilMode) noexcept {
  return guarded(ctx, "conv_max_pool", [&] {
    const TensorData *bias = b.id < 0 ? nullptr : &ctx->get(b, "b");
    return ctx->add(fast::convMaxPool(
        ctx->get(x, "x"), ctx->get(w, "w"), bias, vec(pads), vec(strides), vec(dilations),
        group, ctx->packs, relu ? fast::Clamp::relu() : fast::Clamp{}, vec(kernel),
        vec(poolPads), vec(poolStrides), vec(poolDilations), ceilMode));
  });
}

Tensor batch_norm(Ctx *ctx, Tensor x, Tensor scale, Tensor bias, Tensor mean,
                  Tensor var, double epsilon) noexcept {
  return guarded(ctx, "batch_norm", [&] {
    return ctx->add(kernels::batchNorm(ctx->get(x, "x"), ctx->get(scale, "scale"),
                                       ctx->get(bias, "bias"), ctx->get(mean, "mean"),
                                       ctx->get(var, "var"), epsilon));
  });
}

Tensor relu(Ctx *ctx, Tensor x) noexcept { return unary(ctx, x, UnaryKind::Relu, 0, 0); }

Tensor add(Ctx *ctx, Tensor a, Tensor b) noexcept {
  return binary(ctx, a, b, BinaryKind::Add);
}

Tensor unary(Ctx *ctx, Tensor x, UnaryKind kind, double alpha, double beta) noexcept {
  return guarded(ctx, unaryName(kind), [&] {
    return ctx->add(kernels::unary(ctx->get(x, "x"), kind, alpha, beta));
  });
}

Tensor binary(Ctx *ctx, Tensor a, Tensor b, BinaryKind kind) noexcept {
  return guarded(ctx, binaryName(kind), [&] {
    return ctx->add(kernels::binary(ctx->get(a, "a"), ctx->get(b, "b"), kind));
  });
}

Tensor max_pool(Ctx *ctx, Tensor x, Ints kernel, Ints pads, Ints strides,
                Ints dilations, int64_t ceilMode) noexcept {
  return guarded(ctx, "max_pool", [&] {
    return ctx->add(fast::maxPool(ctx->get(x, "x"), vec(kernel), vec(pads), vec(strides),
                                     vec(dilations), ceilMode));
  });
}

Tensor global_average_pool(Ctx *ctx, Tensor x) noexcept {
  return guarded(ctx, "global_average_pool", [&] {
    return ctx->add(fast::globalAveragePool(ctx->get(x, "x")));
  });
}

Tensor average_pool(Ctx *ctx, Tensor x, Ints kernel, Ints pads, Ints strides,
                    int64_t ceilMode, int64_t countIncludePad) noexcept {
  return guarded(ctx, "average_pool", [&] {
    return ctx->add(kernels::averagePool(ctx->get(x, "x"), vec(kernel), vec(pads),
                                         vec(strides), ceilMode, countIncludePad));
  });
}

Tensor global_max_pool(Ctx *ctx, Tensor x) noexcept {
  return guarded(ctx, "global_max_pool", [&] {
    return ctx->add(kernels::globalMaxPool(ctx->get(x, "x")));
  });
}

Tensor flatten(Ctx *ctx, Tensor x, int64_t axis) noexcept {
  return guarded(ctx, "flatten",
                 [&] { return ctx->add(kernels::flatten(ctx->get(x, "x"), axis)); });
}

Tensor gemm(Ctx *ctx, Tensor a, Tensor b, Tensor c, double alpha, double beta,
            int64_t transA, int64_t transB) noexcept {
  return guarded(ctx, "gemm", [&] {
    const TensorData *cp = c.id < 0 ? nullptr : &ctx->get(c, "c");
    return ctx->add(fast::gemm(ctx->get(a, "a"), ctx->get(b, "b"), cp, alpha, beta,
                               transA, transB));
  });
}

Tensor slice(Ctx *ctx, Tensor x, int64_t axis, int64_t start, int64_t end) noexcept {
  return guarded(ctx, "slice", [&] {
    return ctx->add(kernels::slice(ctx->get(x, "x"), axis, start, end));
  });
}

Tensor matmul(Ctx *ctx, Tensor a, Tensor b) noexcept {
  return guarded(ctx, "matmul", [&] {
    return ctx->add(kernels::matmul(ctx->get(a, "a"), ctx->get(b, "b")));
  });
}

Tensor reshape(Ctx *ctx, Tensor x, Ints shapeList) noexcept {
  return guarded(ctx, "reshape", [&] {
    // Same elements: alias the input (both live until the end of the inference).
    const TensorData &v = ctx->get(x, "x");
    const Shape shape = vec(shapeList);
    kernels::checkReshape(v.shape, shape);
    return ctx->add(TensorData::view(shape, v.data()));
  });
}

Tensor transpose(Ctx *ctx, Tensor x, Ints perm) noexcept {
  return guarded(ctx, "transpose", [&] {
    return ctx->add(kernels::transpose(ctx->get(x, "x"), vec(perm)));
  });
}

Tensor slice_step(Ctx *ctx, Tensor x, int64_t axis, int64_t start, int64_t end,
                  int64_t step) noexcept {
  return guarded(ctx, "slice_step", [&] {
    return ctx->add(kernels::sliceStep(ctx->get(x, "x"), axis, start, end, step));
  });
}

Tensor softmax(Ctx *ctx, Tensor x, int64_t axis) noexcept {
  return guarded(ctx, "softmax",
                 [&] { return ctx->add(kernels::softmax(ctx->get(x, "x"), axis)); });
}

Tensor pad(Ctx *ctx, Tensor x, Ints pads, double value) noexcept {
  return guarded(ctx, "pad", [&] {
    return ctx->add(kernels::pad(ctx->get(x, "x"), vec(pads), value));
  });
}

Tensor reduce_mean(Ctx *ctx, Tensor x, Ints axes, int64_t keepdims) noexcept {
  return guarded(ctx, "reduce_mean", [&] {
    return ctx->add(kernels::reduceMean(ctx->get(x, "x"), vec(axes), keepdims));
  });
}

Tensor reserve(Ctx *ctx, Ints shapeList) noexcept {
  return guarded(ctx, "reserve", [&] { return ctx->add(TensorData::uninit(vec(shapeList))); });
}

void place_next(Ctx *ctx, Tensor dest, int64_t axis, int64_t start) noexcept {
  guarded(ctx, "place_next", [&] {
    const TensorData &d = ctx->get(dest, "dest");
    if (ctx->placement.dest >= 0)
      fail("the previous place_next (into tensor ", ctx->placement.dest,
           ") was not used by a result");
    if (d.ext || d.own.empty())
      fail("dest (tensor ", dest.id, ") does not own its values: not a reserve() result");
    if (axis < 0 || axis >= d.rank() || start < 0 || start >= d.shape[axis])
      fail("axis ", axis, " start ", start, " is outside dest's shape ", shapeStr(d.shape));
    for (int64_t i = 0; i < axis; ++i)
      if (d.shape[i] != 1)
        fail("dest's shape ", shapeStr(d.shape), " has dims other than 1 before axis ", axis,
             ": its slices are not contiguous");
    ctx->placement = {dest.id, axis, start};
    return Tensor{};
  });
}

Tensor concat_n(Ctx *ctx, int64_t axis, const Tensor *parts, int64_t count) noexcept {
  return guarded(ctx, "concat", [&] {
    if (count < 1 || !parts)
      fail("needs at least one input");
    std::vector<const TensorData *> ps;
    for (int64_t i = 0; i < count; ++i)
      ps.push_back(&ctx->get(parts[i], ("input " + std::to_string(i)).c_str()));
    return ctx->add(fast::concat(ps, axis));
  });
}

void send(Ctx *ctx, Tensor t, int64_t peer, int64_t tag) noexcept {
  guarded(ctx, "send", [&] {
    const TensorData &v = ctx->get(t, "t");
    if (!ctx->transport)
      fail("no transport (single-device cluster), cannot send tag ", tag, " to device ",
           peer);
    ctx->transport->send((int)peer, tag, v.data(), (size_t)v.numel());
    return Tensor{};
  });
}

Tensor recv(Ctx *ctx, int64_t peer, int64_t tag, Ints shapeList) noexcept {
  return guarded(ctx, "recv", [&] {
    const Shape shape = vec(shapeList);
    if (!ctx->transport)
      fail("no transport (single-device cluster), cannot receive tag ", tag,
           " from device ", peer);
    TensorData t;
    t.shape = shape;
    t.own = ctx->transport->recv((int)peer, tag, (size_t)numelOf(shape));
    return ctx->add(std::move(t));
  });
}

void send_as(Ctx *ctx, Tensor t, int64_t peer, int64_t tag, WireType wire) noexcept {
  if (wire == WireType::F32)
    return send(ctx, t, peer, tag);
  guarded(ctx, "send_as", [&] {
    codec::checkWireType(wire);
    const TensorData &v = ctx->get(t, "t");
    if (!ctx->transport)
      fail("no transport (single-device cluster), cannot send tag ", tag, " to device ",
           peer);
    const std::vector<uint8_t> bytes = codec::encode(wire, v.shape, v.data());
    ctx->transport->sendPayload((int)peer, tag, wire, bytes.data(), bytes.size());
    return Tensor{};
  });
}

Tensor recv_as(Ctx *ctx, int64_t peer, int64_t tag, Ints shapeList,
               WireType wire) noexcept {
  if (wire == WireType::F32)
    return recv(ctx, peer, tag, shapeList);
  return guarded(ctx, "recv_as", [&] {
    codec::checkWireType(wire);
    const Shape shape = vec(shapeList);
    if (!ctx->transport)
      fail("no transport (single-device cluster), cannot receive tag ", tag,
           " from device ", peer);
    const Payload p =
        ctx->transport->recvPayload((int)peer, tag, wire, codec::encodedBytes(wire, shape),
                                    cat(codec::wireName(wire), " ", shapeStr(shape)));
    TensorData t;
    t.shape = shape;
    t.own = codec::decode(wire, shape, p.data(), p.bytes);
    return ctx->add(std::move(t));
  });
}

} // namespace rt
} // namespace sepnn
