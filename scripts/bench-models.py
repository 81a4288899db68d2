#!/usr/bin/python3
"""Writes the fixed benchmark model set `make bench` (scripts/bench-all.sh) measures.

    scripts/bench-models.py OUT_DIR

writes OUT_DIR/<name>.onnx for every model below and OUT_DIR/models.json, a list of
{"name", "file", "description", "bench_args"} in benchmark order (bench_args: the extra
`zrt bench` arguments the model needs: the state carry of the recurrent model, fewer
warm-up runs for the slow ones).
Weights are seeded, so the files are the same on every run.
"""
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
# A model from the ONNX backend test data (Debian libonnx-testdata): one Conv, 16 -> 13
# channels, 3x3, over a [20,16,50,40] batch (passes `zrt conformance`).
TESTDATA_MODEL = "/usr/share/libonnx-testdata/data/pytorch-operator/test_operator_conv/model.onnx"


def tensor(name, array):
    return numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)


def save(model, path):
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def make(name, nodes, inputs, outputs, initializers, doc):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers, doc_string=doc)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="zrt-bench",
                             doc_string=doc)


def io(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def tiny(rng):
    c = 0.5 * np.arange(16, dtype=np.float32).reshape(1, 16)
    return make("tiny_add", [helper.make_node("Add", ["X", "C"], ["Y"])], [io("X", [1, 16])], [io("Y", [1, 16])],
                [tensor("C", c)], "Y = X + C, X float[1,16]")


def mlp(rng):
    w1, b1 = rng.standard_normal((784, 128)) * 0.05, rng.standard_normal(128) * 0.05
    w2, b2 = rng.standard_normal((128, 10)) * 0.05, rng.standard_normal(10) * 0.05
    nodes = [
        helper.make_node("MatMul", ["image", "w1"], ["h0"]),
        helper.make_node("Add", ["h0", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["h2"]),
        helper.make_node("MatMul", ["h2", "w2"], ["h3"]),
        helper.make_node("Add", ["h3", "b2"], ["logits"]),
    ]
    return make("mlp_784_128_10", nodes, [io("image", [1, 784])], [io("logits", [1, 10])],
                [tensor("w1", w1), tensor("b1", b1), tensor("w2", w2), tensor("b2", b2)], "MLP 784-128-10 (ReLU)")


def relay(elements, label):
    # C is a scalar broadcast over X, so the file stays small while every run moves
    # `elements` floats in and out.
    return make(f"relay_{label}", [helper.make_node("Add", ["X", "C"], ["Y"])], [io("X", [1, elements])],
                [io("Y", [1, elements])], [tensor("C", np.array([0.25], dtype=np.float32))],
                f"relay {label}: Y = X + C, X float[1,{elements}]")


def conv(rng):
    # [1,3,32,32] -> Conv 16 3x3 -> Relu -> MaxPool 2 -> Conv 32 3x3 -> Relu -> GlobalAveragePool
    # -> Flatten -> Gemm 32->10
    nodes = [
        helper.make_node("Conv", ["image", "k1", "c1"], ["a1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "k2", "c2"], ["a2"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fb"], ["logits"], transB=1),
    ]
    inits = [
        tensor("k1", rng.standard_normal((16, 3, 3, 3)) * 0.2),
        tensor("c1", rng.standard_normal(16) * 0.05),
        tensor("k2", rng.standard_normal((32, 16, 3, 3)) * 0.08),
        tensor("c2", rng.standard_normal(32) * 0.05),
        tensor("fc", rng.standard_normal((10, 32)) * 0.2),
        tensor("fb", rng.standard_normal(10) * 0.05),
    ]
    return make("small_convnet", nodes, [io("image", [1, 3, 32, 32])], [io("logits", [1, 10])], inits,
                "conv net: 2 Conv 3x3 (16, 32 channels), MaxPool, GlobalAveragePool, Gemm; image float[1,3,32,32]")


def gru(rng):
    n_in, hidden = 64, 128
    nodes = [helper.make_node("GRU", ["X", "W", "R", "B", "", "H"], ["", "Y_h"], hidden_size=hidden)]
    inits = [
        tensor("W", rng.standard_normal((1, 3 * hidden, n_in)) * 0.15),
        tensor("R", rng.standard_normal((1, 3 * hidden, hidden)) * 0.1),
        tensor("B", rng.standard_normal((1, 6 * hidden)) * 0.05),
    ]
    return make("gru_step", nodes, [io("X", [1, 1, n_in]), io("H", [1, 1, hidden])], [io("Y_h", [1, 1, hidden])],
                inits, f"one GRU step (input {n_in}, hidden {hidden}); state carried Y_h -> H")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench-models.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2024)
    models = [
        ("tiny", tiny(rng), "tiny Y = X + C, X float[1,16]", []),
        ("mlp", mlp(rng), "MLP 784-128-10 (ReLU), image float[1,784]", []),
        ("relay_4m", relay(1 << 20, "4MiB"), "relay 4 MiB: Y = X + C, X float[1,1048576]", ["--warmup", "50"]),
        ("relay_16m", relay(1 << 22, "16MiB"), "relay 16 MiB: Y = X + C, X float[1,4194304]", ["--warmup", "20"]),
        ("conv", conv(rng), "small conv net, image float[1,3,32,32] -> logits [1,10]", []),
        ("gru", gru(rng), "GRU step (input 64, hidden 128), state carried Y_h -> H", ["--carry", "Y_h=H"]),
    ]
    index = []
    for name, model, description, args in models:
        path = os.path.join(out, name + ".onnx")
        save(model, path)
        index.append({"name": name, "file": path, "description": description, "bench_args": args})
    if os.path.exists(TESTDATA_MODEL):
        path = os.path.join(out, "onnx_conv.onnx")
        shutil.copyfile(TESTDATA_MODEL, path)
        index.append({"name": "onnx_conv", "file": path,
                      "description": "ONNX test data pytorch-operator/test_operator_conv: Conv 16->13 3x3 over "
                                     "float[20,16,50,40]",
                      "bench_args": ["--warmup", "20"]})
    else:
        print(f"bench-models.py: {TESTDATA_MODEL} not found (install libonnx-testdata); skipping it",
              file=sys.stderr)
    with open(os.path.join(out, "models.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    for m in index:
        print(f"{m['file']}: {m['description']}")


if __name__ == "__main__":
    main()
