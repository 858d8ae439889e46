"""Writes models that are wrong in one way each, into the directory argv[1]."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def conv_graph(x_shape, initializers, name="g"):
    return helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])],
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [x_shape[0], 4, 8, 8])],
        initializers)


def save(graph, file):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with open(os.path.join(out, file), "wb") as f:
        f.write(model.SerializeToString())


w = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")

# The conv's weight is neither an initializer nor a graph input.
save(conv_graph([1, 3, 8, 8], []), "missing-initializer.onnx")

# The weight lives in an external file that is not there.
external = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")
external.ClearField("raw_data")
external.data_location = TensorProto.EXTERNAL
entry = external.external_data.add()
entry.key, entry.value = "location", "weights-that-are-missing.bin"
save(conv_graph([1, 3, 8, 8], [external]), "external-data.onnx")

# A dynamic batch dimension.
save(conv_graph(["N", 3, 8, 8], [w]), "dynamic.onnx")

# A well-formed model and inputs of the wrong shape and type for it.
save(conv_graph([1, 3, 8, 8], [w]), "good.onnx")
for name, array in (("good-input.pb", np.ones((1, 3, 8, 8), np.float32)),
                    ("wrong-shape.pb", np.ones((1, 3, 8, 9), np.float32)),
                    ("wrong-type.pb", np.ones((1, 3, 8, 8), np.int64))):
    with open(os.path.join(out, name), "wb") as f:
        f.write(numpy_helper.from_array(array, "x").SerializeToString())
