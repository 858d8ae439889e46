#include "HostConstants.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

using namespace mlir::sepnn;
using llvm::ArrayRef;

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> HostTensor::asIntegers() const {
  std::vector<int64_t> out;
  for (double v : values)
    out.push_back((int64_t)v);
  return out;
}

template <typename T>
static void appendRaw(const std::string &raw, std::vector<double> &out) {
  for (size_t i = 0; i + sizeof(T) <= raw.size(); i += sizeof(T)) {
    T v;
    memcpy(&v, raw.data() + i, sizeof(T)); // little-endian hosts only
    out.push_back((double)v);
  }
}

std::optional<HostTensor>
mlir::sepnn::decodeTensorProto(const onnx::TensorProto &t) {
  if (t.has_data_location() && t.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  HostTensor h;
  h.shape.assign(t.dims().begin(), t.dims().end());
  h.dtype = t.data_type();
  const std::string &raw = t.raw_data();
  using TP = onnx::TensorProto;
  switch (t.data_type()) {
  case TP::FLOAT:
    if (t.has_raw_data())
      appendRaw<float>(raw, h.values);
    else
      h.values.assign(t.float_data().begin(), t.float_data().end());
    break;
  case TP::DOUBLE:
    if (t.has_raw_data())
      appendRaw<double>(raw, h.values);
    else
      h.values.assign(t.double_data().begin(), t.double_data().end());
    break;
  case TP::INT64:
    if (t.has_raw_data())
      appendRaw<int64_t>(raw, h.values);
    else
      h.values.assign(t.int64_data().begin(), t.int64_data().end());
    break;
  case TP::INT32:
  case TP::INT8:
  case TP::UINT8:
  case TP::BOOL:
    if (t.has_raw_data()) {
      if (t.data_type() == TP::INT32)
        appendRaw<int32_t>(raw, h.values);
      else if (t.data_type() == TP::INT8)
        appendRaw<int8_t>(raw, h.values);
      else
        appendRaw<uint8_t>(raw, h.values);
    } else {
      h.values.assign(t.int32_data().begin(), t.int32_data().end());
    }
    break;
  default:
    return std::nullopt;
  }
  if ((int64_t)h.values.size() != h.numElements())
    return std::nullopt;
  return h;
}

bool mlir::sepnn::isHostFoldableOp(llvm::StringRef opType) {
  return llvm::is_contained(
      ArrayRef<llvm::StringRef>{"Constant", "Shape", "Identity", "Cast", "Add",
                                "Sub", "Mul", "Div", "Unsqueeze", "Squeeze",
                                "Reshape", "Concat", "Gather", "Slice",
                                "ConstantOfShape"},
      opType);
}

static const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                            llvm::StringRef name) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

/// Elementwise arithmetic on equal shapes or with a one-element operand.
static std::optional<HostTensor> arithmetic(const std::string &op,
                                            const HostTensor &a,
                                            const HostTensor &b) {
  bool aScalar = a.numElements() == 1, bScalar = b.numElements() == 1;
  if (a.shape != b.shape && !aScalar && !bScalar)
    return std::nullopt;
  HostTensor out = aScalar && !bScalar ? b : a;
  out.dtype = a.dtype;
  for (size_t i = 0; i < out.values.size(); ++i) {
    double x = a.values[aScalar ? 0 : i], y = b.values[bScalar ? 0 : i];
    double r = op == "Add" ? x + y : op == "Sub" ? x - y : op == "Mul" ? x * y
                                                                       : x / y;
    if (op == "Div" && !a.isFloat())
      r = std::trunc(r);
    out.values[i] = r;
  }
  return out;
}

std::optional<std::vector<HostTensor>> mlir::sepnn::evaluateOnHost(
    const onnx::NodeProto &node, ArrayRef<const HostTensor *> in,
    ArrayRef<std::optional<std::vector<int64_t>>> inputShapes) {
  const std::string &op = node.op_type();
  auto all = [&] {
    return !in.empty() && llvm::all_of(in, [](const HostTensor *t) { return t; });
  };
  auto one = [](HostTensor t) { return std::vector<HostTensor>{std::move(t)}; };

  if (op == "Constant") {
    const onnx::AttributeProto *value = findAttr(node, "value");
    if (value && value->has_t())
      if (auto t = decodeTensorProto(value->t()))
        return one(*t);
    if (const auto *ints = findAttr(node, "value_ints"))
      return one({{(int64_t)ints->ints_size()},
                  std::vector<double>(ints->ints().begin(), ints->ints().end()),
                  onnx::TensorProto::INT64});
    if (const auto *i = findAttr(node, "value_int"))
      return one({{}, {(double)i->i()}, onnx::TensorProto::INT64});
    if (const auto *f = findAttr(node, "value_float"))
      return one({{}, {(double)f->f()}, onnx::TensorProto::FLOAT});
    return std::nullopt;
  }
  if (op == "Shape") {
    if (inputShapes.empty() || !inputShapes[0])
      return std::nullopt;
    const std::vector<int64_t> &s = *inputShapes[0];
    int64_t rank = s.size();
    int64_t start = 0, end = rank;
    if (const auto *a = findAttr(node, "start"))
      start = std::clamp<int64_t>(normalizeAxis(a->i(), rank), 0, rank);
    if (const auto *a = findAttr(node, "end"))
      end = std::clamp<int64_t>(normalizeAxis(a->i(), rank), 0, rank);
    HostTensor t{{std::max<int64_t>(0, end - start)}, {}, onnx::TensorProto::INT64};
    for (int64_t i = start; i < end; ++i)
      t.values.push_back(s[i]);
    return one(t);
  }
  if (!all())
    return std::nullopt;
  const HostTensor &x = *in[0];
  int64_t rank = x.shape.size();

  if (op == "Identity")
    return one(x);
  if (op == "Cast") {
    HostTensor t = x;
    if (const auto *to = findAttr(node, "to"))
      t.dtype = to->i();
    if (!t.isFloat())
      for (double &v : t.values)
        v = std::trunc(v);
    return one(t);
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    if (in.size() != 2)
      return std::nullopt;
    if (auto r = arithmetic(op, x, *in[1]))
      return one(*r);
    return std::nullopt;
  }
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape") {
    HostTensor t = x;
    if (op == "Reshape") {
      if (in.size() != 2)
        return std::nullopt;
      std::vector<int64_t> shape = in[1]->asIntegers();
      int64_t known = 1, infer = -1;
      for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0)
          shape[i] = i < x.shape.size() ? x.shape[i] : 1;
        if (shape[i] == -1)
          infer = i;
        else
          known *= shape[i];
      }
      if (infer >= 0)
        shape[infer] = known ? x.numElements() / known : 0;
      t.shape = shape;
      return t.numElements() == x.numElements() ? std::optional(one(t))
                                                : std::nullopt;
    }
    std::vector<int64_t> axes;
    if (in.size() > 1)
      axes = in[1]->asIntegers();
    else if (const auto *a = findAttr(node, "axes"))
      axes.assign(a->ints().begin(), a->ints().end());
    if (op == "Unsqueeze") {
      int64_t outRank = rank + axes.size();
      for (int64_t &a : axes)
        a = normalizeAxis(a, outRank);
      llvm::sort(axes);
      for (int64_t a : axes)
        t.shape.insert(t.shape.begin() + std::min<int64_t>(a, t.shape.size()), 1);
    } else {
      std::vector<int64_t> shape;
      for (int64_t i = 0; i < rank; ++i) {
        bool drop = axes.empty() ? x.shape[i] == 1
                                 : llvm::any_of(axes, [&](int64_t a) {
                                     return normalizeAxis(a, rank) == i;
                                   });
        if (!drop)
          shape.push_back(x.shape[i]);
      }
      t.shape = shape;
    }
    return one(t);
  }
  if (op == "Concat") {
    const auto *a = findAttr(node, "axis");
    if (!a || rank != 1 || normalizeAxis(a->i(), 1) != 0)
      return std::nullopt; // shape vectors only
    HostTensor t{{0}, {}, x.dtype};
    for (const HostTensor *p : in) {
      if (p->shape.size() != 1)
        return std::nullopt;
      t.values.insert(t.values.end(), p->values.begin(), p->values.end());
    }
    t.shape = {(int64_t)t.values.size()};
    return one(t);
  }
  if (op == "Gather") {
    if (in.size() != 2 || rank != 1)
      return std::nullopt;
    const HostTensor &idx = *in[1];
    HostTensor t{idx.shape, {}, x.dtype};
    for (int64_t i : idx.asIntegers()) {
      i = normalizeAxis(i, x.shape[0]);
      if (i < 0 || i >= x.shape[0])
        return std::nullopt;
      t.values.push_back(x.values[i]);
    }
    return one(t);
  }
  if (op == "Slice") {
    if (in.size() < 3 || rank != 1)
      return std::nullopt;
    int64_t dim = x.shape[0];
    int64_t start = in[1]->asIntegers().at(0), end = in[2]->asIntegers().at(0);
    int64_t step = in.size() > 4 ? in[4]->asIntegers().at(0) : 1;
    if (step != 1)
      return std::nullopt;
    start = std::clamp<int64_t>(start < 0 ? start + dim : start, 0, dim);
    end = std::clamp<int64_t>(end < 0 ? end + dim : end, 0, dim);
    HostTensor t{{std::max<int64_t>(0, end - start)}, {}, x.dtype};
    for (int64_t i = start; i < end; ++i)
      t.values.push_back(x.values[i]);
    return one(t);
  }
  if (op == "ConstantOfShape") {
    HostTensor t{x.asIntegers(), {}, onnx::TensorProto::FLOAT};
    double fill = 0;
    if (const auto *v = findAttr(node, "value"); v && v->has_t())
      if (auto c = decodeTensorProto(v->t()); c && !c->values.empty()) {
        fill = c->values[0];
        t.dtype = c->dtype;
      }
    t.values.assign(t.numElements(), fill);
    return one(t);
  }
  return std::nullopt;
}

onnx::TensorProto mlir::sepnn::encodeTensorProto(const HostTensor &t,
                                                 const std::string &name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  for (int64_t d : t.shape)
    proto.add_dims(d);
  using TP = onnx::TensorProto;
  switch (t.dtype) {
  case TP::FLOAT:
    proto.set_data_type(TP::FLOAT);
    for (double v : t.values)
      proto.add_float_data((float)v);
    break;
  case TP::DOUBLE:
    proto.set_data_type(TP::DOUBLE);
    for (double v : t.values)
      proto.add_double_data(v);
    break;
  case TP::INT32:
  case TP::INT8:
  case TP::UINT8:
  case TP::BOOL:
    proto.set_data_type(t.dtype);
    for (double v : t.values)
      proto.add_int32_data((int32_t)v);
    break;
  default:
    proto.set_data_type(TP::INT64);
    for (double v : t.values)
      proto.add_int64_data((int64_t)v);
  }
  return proto;
}

/// The static shape of `name` from the graph's value infos, if known.
static std::optional<std::vector<int64_t>>
staticShape(const onnx::GraphProto &graph, const std::string &name) {
  for (const auto *list : {&graph.input(), &graph.value_info(), &graph.output()})
    for (const auto &info : *list) {
      if (info.name() != name || !info.type().has_tensor_type() ||
          !info.type().tensor_type().has_shape())
        continue;
      std::vector<int64_t> dims;
      for (const auto &d : info.type().tensor_type().shape().dim()) {
        if (!d.has_dim_value())
          return std::nullopt;
        dims.push_back(d.dim_value());
      }
      return dims;
    }
  return std::nullopt;
}

bool mlir::sepnn::foldShapeArithmetic(onnx::ModelProto &model) {
  onnx::GraphProto &graph = *model.mutable_graph();
  std::map<std::string, HostTensor> known;
  for (const auto &t : graph.initializer())
    if (auto h = decodeTensorProto(t))
      known[t.name()] = *h;
  bool changed = false;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  for (const onnx::NodeProto &node : graph.node()) {
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    std::vector<const HostTensor *> inputs;
    std::vector<std::optional<std::vector<int64_t>>> shapes;
    for (const std::string &in : node.input()) {
      auto it = known.find(in);
      inputs.push_back(it == known.end() ? nullptr : &it->second);
      shapes.push_back(in.empty() ? std::nullopt : staticShape(graph, in));
    }
    std::optional<std::vector<HostTensor>> outputs;
    if (defaultDomain && isHostFoldableOp(node.op_type()))
      outputs = evaluateOnHost(node, inputs, shapes);
    if (!outputs || (int)outputs->size() != node.output_size()) {
      *kept.Add() = node;
      continue;
    }
    for (int i = 0; i < node.output_size(); ++i) {
      known[node.output(i)] = (*outputs)[i];
      *graph.add_initializer() = encodeTensorProto((*outputs)[i], node.output(i));
    }
    changed = true;
  }
  if (changed)
    graph.mutable_node()->Swap(&kept);
  return changed;
}
