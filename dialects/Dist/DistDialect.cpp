#include "Dist/DistDialect.h"
#include "Dist/DistOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sepnn::dist;

#include "Dist/DistDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "Dist/DistAttrs.cpp.inc"

void DistDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "Dist/DistOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "Dist/DistAttrs.cpp.inc"
      >();
}

LogicalResult
ClusterAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                    int64_t devices, ArrayAttr names) {
  if (devices <= 0)
    return emitError() << "cluster needs at least one device, got " << devices;
  if (names && (int64_t)names.size() != devices)
    return emitError() << "cluster has " << devices << " devices but "
                       << names.size() << " names";
  return success();
}

LogicalResult DeviceAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t id) {
  if (id < 0)
    return emitError() << "device id must be non-negative, got " << id;
  return success();
}

std::optional<int64_t> mlir::sepnn::dist::getDevice(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto device = op->getAttrOfType<DeviceAttr>(
            DistDialect::kDeviceAttrName))
      return device.getId();
  return std::nullopt;
}

void mlir::sepnn::dist::setDevice(Operation *op, int64_t device) {
  op->setAttr(DistDialect::kDeviceAttrName,
              DeviceAttr::get(op->getContext(), device));
}

ClusterAttr mlir::sepnn::dist::getCluster(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto cluster =
            op->getAttrOfType<ClusterAttr>(DistDialect::kClusterAttrName))
      return cluster;
  return {};
}

/// Checks that a peer id names another device of the cluster.
static LogicalResult verifyPeer(Operation *op, StringRef role, int64_t peer) {
  ClusterAttr cluster = getCluster(op);
  if (peer < 0 || (cluster && peer >= cluster.getDevices()))
    return op->emitOpError("'") << role << "' device " << peer
                                << " is not in the cluster";
  if (std::optional<int64_t> self = getDevice(op); self && *self == peer)
    return op->emitOpError("'") << role << "' device " << peer
                                << " is the device that runs this op";
  return success();
}

static LogicalResult verifyWire(Operation *op, std::optional<StringRef> wire) {
  if (wire && *wire != "f16" && *wire != "int8")
    return op->emitOpError("wire type '")
           << *wire << "' is not f16 or int8 (f32 is the default)";
  return success();
}

LogicalResult SendOp::verify() {
  if (failed(verifyWire(*this, getWire())))
    return failure();
  return verifyPeer(*this, "to", getTo());
}
LogicalResult RecvOp::verify() {
  if (failed(verifyWire(*this, getWire())))
    return failure();
  return verifyPeer(*this, "from", getFrom());
}

/// Pairs every dist.send of the module with exactly one dist.recv of the same
/// tag and type, and checks that their devices agree.
static LogicalResult verifyTransferPairs(Operation *module) {
  struct Pair {
    SmallVector<SendOp, 1> sends;
    SmallVector<RecvOp, 1> recvs;
  };
  llvm::MapVector<int64_t, Pair> byTag;
  // This runs before the ops' own verifiers: check their peers first so
  // that a bad peer is reported as such, not as a missing partner.
  WalkResult peers = module->walk([&](Operation *op) {
    if (auto send = dyn_cast<SendOp>(op)) {
      byTag[send.getTag()].sends.push_back(send);
      if (failed(send.verify()))
        return WalkResult::interrupt();
    } else if (auto recv = dyn_cast<RecvOp>(op)) {
      byTag[recv.getTag()].recvs.push_back(recv);
      if (failed(recv.verify()))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (peers.wasInterrupted())
    return failure();
  for (auto &[tag, pair] : byTag) {
    if (pair.sends.size() > 1)
      return pair.sends[1].emitOpError("tag ") << tag << " is sent twice";
    if (pair.recvs.size() > 1)
      return pair.recvs[1].emitOpError("tag ") << tag << " is received twice";
    if (pair.recvs.empty())
      return pair.sends[0].emitOpError("has no matching dist.recv with tag ")
             << tag;
    if (pair.sends.empty())
      return pair.recvs[0].emitOpError("has no matching dist.send with tag ")
             << tag;
    SendOp send = pair.sends[0];
    RecvOp recv = pair.recvs[0];
    if (send.getInput().getType() != recv.getType())
      return recv.emitOpError("type ")
             << recv.getType() << " differs from the sent type "
             << send.getInput().getType() << " (tag " << tag << ")";
    if (send.getWire() != recv.getWire())
      return recv.emitOpError("wire type differs from the send's (tag ")
             << tag << ")";
    std::optional<int64_t> sender = getDevice(send);
    std::optional<int64_t> receiver = getDevice(recv);
    if (receiver && *receiver != send.getTo())
      return send.emitOpError("sends tag ")
             << tag << " to device " << send.getTo()
             << " but it is received on device " << *receiver;
    if (sender && *sender != recv.getFrom())
      return recv.emitOpError("expects tag ")
             << tag << " from device " << recv.getFrom()
             << " but it is sent by device " << *sender;
  }
  return success();
}

LogicalResult DistDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  if (attr.getName() == kClusterAttrName) {
    if (!isa<ClusterAttr>(attr.getValue()))
      return op->emitOpError("'dist.cluster' must be a #dist.cluster attribute");
    if (!isa<ModuleOp>(op))
      return op->emitOpError("'dist.cluster' belongs on a module");
    return verifyTransferPairs(op);
  }
  if (attr.getName() == kDeviceAttrName) {
    auto device = dyn_cast<DeviceAttr>(attr.getValue());
    if (!device)
      return op->emitOpError("'dist.device' must be a #dist.device attribute");
    ClusterAttr cluster = getCluster(op);
    if (cluster && device.getId() >= cluster.getDevices())
      return op->emitOpError("is placed on device ")
             << device.getId() << " but the cluster has "
             << cluster.getDevices() << " devices";
    return success();
  }
  if (attr.getName() == kTransmitAttrName) {
    auto dtype = dyn_cast<StringAttr>(attr.getValue());
    if (!dtype || !llvm::is_contained(ArrayRef<StringRef>{"f32", "f16", "int8"},
                                      dtype.getValue()))
      return op->emitOpError("'dist.transmit_dtype' must be \"f32\", \"f16\" "
                             "or \"int8\"");
    return success();
  }
  return op->emitOpError("unknown dist attribute '")
         << attr.getName().getValue() << "'";
}

#define GET_OP_CLASSES
#include "Dist/DistOps.cpp.inc"
