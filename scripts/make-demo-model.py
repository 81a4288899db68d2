#!/usr/bin/python3
"""Writes the demo model `make run` uses: an MLP 784-128-10 (ReLU) with fixed,
seeded weights, input `image` [1,784] float, output `logits` [1,10] float."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
w1 = numpy_helper.from_array((rng.standard_normal((784, 128)) * 0.05).astype(np.float32), "w1")
b1 = numpy_helper.from_array((rng.standard_normal(128) * 0.05).astype(np.float32), "b1")
w2 = numpy_helper.from_array((rng.standard_normal((128, 10)) * 0.05).astype(np.float32), "w2")
b2 = numpy_helper.from_array((rng.standard_normal(10) * 0.05).astype(np.float32), "b2")
nodes = [
    helper.make_node("MatMul", ["image", "w1"], ["h0"]),
    helper.make_node("Add", ["h0", "b1"], ["h1"]),
    helper.make_node("Relu", ["h1"], ["h2"]),
    helper.make_node("MatMul", ["h2", "w2"], ["h3"]),
    helper.make_node("Add", ["h3", "b2"], ["logits"]),
]
graph = helper.make_graph(
    nodes, "mlp_784_128_10",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 784])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
    [w1, b1, w2, b2], doc_string="zrt demo: MLP 784-128-10")
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="zrt",
                          doc_string="Demo model built by scripts/make-demo-model.py")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, out)
