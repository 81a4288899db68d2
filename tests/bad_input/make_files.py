#!/usr/bin/python3
"""Writes the models, .npy files and options files the bad-input CLI tests feed to zrt.

    tests/bad_input/make_files.py OUT_DIR

Each file is the smallest one that reached a crash, a silent wrong result or a raw
library message before zrt was hardened against it (see tests/bad_input/CMakeLists.txt).
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OPSET = 17
HUGE = 2**62 + 1  # float[HUGE] needs 2^64 + 4 bytes: wrapped to 4 before the fix


def save(model, path, patch=None):
    model.ir_version = 8
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    if patch:  # same-length byte replacements, so protobuf lengths stay right
        for old, new in patch:
            assert len(old) == len(new) and old in data
            data = data.replace(old, new)
    with open(path, "wb") as f:
        f.write(data)


def graph_model(name, nodes, inputs, outputs, **kwargs):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], **kwargs)


def identity(name, dims):
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, dims)
    return graph_model(name, [helper.make_node("Identity", ["X"], ["Y"])], [x], [y])


def write_npy(path, array):
    np.save(path, array, allow_pickle=False)


def npy_with_header(path, header, data=b""):
    """A .npy file with a hand-written header (padded, ending in a newline): format 1.0,
    or 2.0 (4-byte header length) when the header is too long for 1.0."""
    long = len(header) > 65000
    prefix = 12 if long else 10
    header = header + b" " * ((64 - (prefix + len(header) + 1) % 64) % 64) + b"\n"
    version = b"\x02\x00" if long else b"\x01\x00"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + version + len(header).to_bytes(prefix - 8, "little") + header + data)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)

    # 1. Sizes that wrap: a declared dim, a --dim value, an options file's free dim.
    save(identity("huge", [HUGE]), p("huge_input.onnx"))
    save(identity("free", ["N"]), p("free_dim.onnx"))
    with open(p("huge_free_dim.json"), "w") as f:
        json.dump({"free_dims_by_name": {"N": HUGE}}, f)
    # A fixed-shape model for --dim on a fixed dim.
    save(identity("fixed", [1, 4]), p("fixed.onnx"))

    # 7. Thread counts past the limit in an options file.
    with open(p("huge_threads.json"), "w") as f:
        json.dump({"intra_op_threads": 2147483647}, f)

    # 8. Names and metadata that are not UTF-8 (patched in after building).
    x = helper.make_tensor_value_info("XNAME", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 4])
    m = graph_model("bad_utf8", [helper.make_node("Identity", ["XNAME"], ["Y"])], [x], [y],
                    producer_name="PRODUCER")
    helper.set_model_props(m, {"note": "METAVALUE"})
    save(m, p("not_utf8.onnx"), patch=[(b"XNAME", b"X\xff\xfeNM"), (b"METAVALUE", b"META\xc3\x28LUE")])

    # 9. Two outputs whose names map to the same file name.
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2]) for n in ("a/b", "a_b")]
    nodes = [helper.make_node("Identity", ["X"], ["a/b"]), helper.make_node("Neg", ["X"], ["a_b"])]
    save(graph_model("clash", nodes, [x], outs), p("output_clash.onnx"))

    # 10. Bool bytes other than 0 and 1 into Not.
    b = helper.make_tensor_value_info("B", TensorProto.BOOL, [4])
    nb = helper.make_tensor_value_info("NB", TensorProto.BOOL, [4])
    save(graph_model("not", [helper.make_node("Not", ["B"], ["NB"])], [b], [nb]), p("not.onnx"))
    npy_with_header(p("bool_2_255.npy"), b"{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }",
                    bytes([2, 255, 0, 1]))

    # Also fix: a 100,000-dim shape (the message must stay short), a NUL in a header,
    # and a JSON number out of range.
    dims = ", ".join(["1"] * 100000)
    npy_with_header(p("many_dims.npy"), ("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims).encode())
    npy_with_header(p("nul_header.npy"), b"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x\x00y': 1}")
    with open(p("number_1e400.json"), "w") as f:
        f.write('{"intra_op_threads": 1e400}\n')


if __name__ == "__main__":
    main()
