"""Export of a trained separable network with its policy for sepnn.

The ONNX graph is written node by node so that every device's branch is explicit and
readable: nodes are named d<k>/..., batch norms are folded into their convolutions, an
exchange is a Slice on the sender (d<j>/p<p>/to<k>: its leading channels) and, on the
receiver, a Concat of what arrived, a 1x1 merge convolution and an Add. The head pools on
every device and classifies on device 0. The POLICY.json places every node on the device
its name says, so sepnn moves exactly the slices the transmission policy keeps."""
import json

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

INPUT, OUTPUT = "image", "logits"
OPSET = 13


def folded(conv, bn, rows):
    """Weight and bias of output channels `rows` of conv followed by its batch norm."""
    scale = bn.weight[rows] / torch.sqrt(bn.running_var[rows] + bn.eps)
    w = conv.weight[rows] * scale[:, None, None, None]
    b = bn.bias[rows] - bn.running_mean[rows] * scale
    return w.detach().numpy(), b.detach().numpy()


class GraphBuilder:
    def __init__(self):
        self.nodes, self.inits = [], []
        self.sent = set()  # nodes whose result travels in an exchange

    def _const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, name, inputs, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def conv(self, name, x, wb, stride=1, group=1):
        w, b = wb
        k = w.shape[-1]
        return self.op("Conv", name, [x, self._const(name + ".weight", w),
                                      self._const(name + ".bias", b)],
                       kernel_shape=[k, k], strides=[stride, stride],
                       pads=[k // 2] * 4, group=group)

    def take(self, name, x, channels):
        """Channels [0, channels) of an NCHW tensor."""
        return self.op("Slice", name, [x, self._const(name + ".starts", np.array([0])),
                                       self._const(name + ".ends", np.array([channels])),
                                       self._const(name + ".axes", np.array([1]))])

    def model(self, classes):
        graph = helper.make_graph(
            self.nodes, "separable_resnext",
            [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, [1, 1, 28, 28])],
            [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, [1, classes])],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="sepnn-nas")
        onnx.checker.check_model(model)
        return model


def build_onnx(net, policy):
    cfg, g = net.cfg, GraphBuilder()
    counts = policy.counts()
    with torch.no_grad():
        feats = []
        for k in range(cfg.devices):
            rows = slice(k * cfg.width, (k + 1) * cfg.width)
            stem = g.conv(f"d{k}/stem", INPUT, folded(net.stem[0], net.stem[1], rows),
                          stride=net.stem[0].stride[0])
            feats.append(g.op("Relu", f"d{k}/stem/relu", [stem]))
        for b, block in enumerate(net.blocks):
            c = cfg.channels(b)
            for k in range(cfg.devices):
                rows, x, n = slice(k * c, (k + 1) * c), feats[k], f"d{k}/b{b}"
                y = g.op("Relu", n + "/relu1", [g.conv(n + "/conv1", x, folded(
                    block.conv1[0], block.conv1[1], rows))])
                y = g.op("Relu", n + "/relu2", [g.conv(n + "/conv2", y, folded(
                    block.conv2[0], block.conv2[1], rows), stride=cfg.stride(b),
                    group=cfg.cardinality)])
                y = g.conv(n + "/conv3", y, folded(block.conv3[0], block.conv3[1], rows))
                short = x if block.shortcut is None else g.conv(
                    n + "/shortcut", x, folded(block.shortcut[0], block.shortcut[1], rows),
                    stride=cfg.stride(b))
                feats[k] = g.op("Relu", n + "/relu3", [g.op("Add", n + "/add", [y, short])])
            if b < len(counts):
                feats = exchange(g, net.exchanges[b], b, counts[b], feats)
        pooled = []
        for k in range(cfg.devices):
            pooled.append(g.op("Flatten", f"d{k}/flatten",
                               [g.op("GlobalAveragePool", f"d{k}/pool", [feats[k]])]))
        cat = g.op("Concat", "head/concat", pooled, axis=1)
        g.op("Gemm", OUTPUT, [cat, g._const("fc.weight", net.fc.weight.numpy()),
                              g._const("fc.bias", net.fc.bias.numpy())], transB=1)
    return g.model(net.fc.out_features), g.sent


def exchange(g, ex, p, counts, feats):
    """Point p: every receiver k adds merge(concat of its senders' leading channels)."""
    c, merged = ex.channels, []
    for k, row in enumerate(counts):
        senders = [(j, n) for j, n in enumerate(row) if n]
        if not senders:
            merged.append(feats[k])
            continue
        # A whole feature map travels as it is (a slice of all of it is no node at all).
        parts = [feats[j] if n == c else g.take(f"d{j}/p{p}/to{k}", feats[j], n)
                 for j, n in senders]
        g.sent.update(parts)
        rows = slice(k * c, (k + 1) * c)
        w = torch.cat([ex.weight[rows, j * c:j * c + n] for j, n in senders], 1)
        x = parts[0] if len(parts) == 1 else g.op("Concat", f"d{k}/p{p}/gather", parts, axis=1)
        m = g.conv(f"d{k}/p{p}/merge", x, (w.numpy(), ex.bias[rows].numpy()))
        merged.append(g.op("Add", f"d{k}/p{p}/add", [feats[k], m]))
    return merged


def run_onnx(model, image):
    """Evaluates the exported graph with PyTorch's functional ops: a check that the
    graph computes what the trained network does, before sepnn ever sees it."""
    env = {INPUT: image}
    env.update({t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
                for t in model.graph.initializer})
    for n in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        i = [env[x] for x in n.input]
        if n.op_type == "Conv":
            out = F.conv2d(i[0], i[1], i[2], a["strides"], a["pads"][:2], 1, a["group"])
        elif n.op_type == "Relu":
            out = F.relu(i[0])
        elif n.op_type == "Add":
            out = i[0] + i[1]
        elif n.op_type == "Slice":
            out = i[0][:, int(i[1][0]):int(i[2][0])]
        elif n.op_type == "Concat":
            out = torch.cat(i, a["axis"])
        elif n.op_type == "GlobalAveragePool":
            out = i[0].mean((2, 3), keepdim=True)
        elif n.op_type == "Flatten":
            out = i[0].flatten(1)
        elif n.op_type == "Gemm":
            out = i[0] @ i[1].T + i[2]
        else:
            raise AssertionError(n.op_type)
        env[n.output[0]] = out
    return env[OUTPUT]


def node_device(name):
    """d<k>/... runs on device k; the head on device 0 (which delivers the output)."""
    return int(name[1:name.index("/")]) if name.startswith("d") and "/" in name else 0


def sepnn_policy(model, sent, transmit_dtype="f32"):
    ops = {}
    for node in model.graph.node:
        entry = {"split": "device", "device": node_device(node.name)}
        if node.name in sent and transmit_dtype != "f32":
            entry["transmit_dtype"] = transmit_dtype  # only exchanged features are compressed
        ops[node.name] = entry
    return {"version": 1, "transmit_dtype": "f32",
            "default": {"split": "device", "device": 0}, "ops": ops}


def write_tensor(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def export(net, policy, onnx_path, policy_paths, sample, sample_path, ref_path):
    """Writes the ONNX model, its sepnn policies (policy_paths: transfer type -> path)
    and one sample with PyTorch's logits."""
    net.eval()
    model, sent = build_onnx(net, policy)
    with torch.no_grad():
        want = net(sample, policy.counts())
        got = run_onnx(model, sample)
    err = (want - got).abs().max().item()
    if err > 1e-4:
        raise SystemExit(f"error: the exported graph differs from the trained network by "
                         f"{err} (an export bug)")
    onnx.save(model, onnx_path)
    for dtype, path in policy_paths.items():
        with open(path, "w") as f:
            json.dump(sepnn_policy(model, sent, dtype), f, indent=1)
    write_tensor(sample_path, sample.numpy(), INPUT)
    write_tensor(ref_path, want.numpy(), OUTPUT)
    return model


def export_layerwise(net, onnx_path, policy_path):
    """The dense network as one ONNX graph, and the policy of its layer-wise split:
    sepnn's default (every convolution evenly by output channels over all devices) with
    the classifier on device 0. Its manifest's bytes are the layerwise row's."""
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), onnx_path, input_names=[INPUT],
                      output_names=[OUTPUT], opset_version=OPSET)
    model = onnx.load(onnx_path)
    fc = [n.name for n in model.graph.node if n.op_type == "Gemm"]
    with open(policy_path, "w") as f:
        json.dump({"version": 1, "ops": {name: {"split": "device", "device": 0}
                                         for name in fc}}, f, indent=1)
