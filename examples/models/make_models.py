#!/usr/bin/python3
"""Writes the examples' models next to this script (both are committed):

  mlp.onnx  MLP 784 -> 128 (Relu) -> 10: input "x" float[batch,784], output "logits"
            float[batch,10]. The weights are small dyadic rationals (k/16), computed by
            the graph itself from index formulas, so the file is 2 KB instead of 400 KB;
            ONNX Runtime folds them into constants when it loads the model. The same
            model as zrt's test MLP (tests/models), whose results are exact.
  gru.onnx  one GRU step for streaming: input "X" float[1,1,4] and state "H" float[1,1,8],
            output "Y_h" float[1,1,8], the next state. Fixed, irregular weights.

Usage: /usr/bin/python3 examples/models/make_models.py [--check]   (needs python3-onnx)
--check writes nothing and fails if a committed file differs from what it would write
(make test runs it).
"""
import argparse
import math
import pathlib
import sys

import onnx
import onnx.checker
import onnx.parser

HEADER = '<ir_version: 8, opset_import: ["" : 17]>\n'


def grid(name, rows, cols, a, b, c, m, off):
    """Nodes computing name[i,j] = ((a*i + b*j + c) mod m - off) / 16, float[rows,cols]
    (cols 0: a vector over i)."""
    n = name
    lines = [
        f"{n}_rows = Constant <value_int = {rows}> ()",
        f"{n}_i = Range(zero, {n}_rows, one)",
        f"{n}_ci = Constant <value_int = {a}> ()",
        f"{n}_ai = Mul({n}_i, {n}_ci)",
    ]
    if cols:
        lines += [
            f"{n}_cols = Constant <value_int = {cols}> ()",
            f"{n}_j = Range(zero, {n}_cols, one)",
            f"{n}_cj = Constant <value_int = {b}> ()",
            f"{n}_bj = Mul({n}_j, {n}_cj)",
            f"{n}_col = Unsqueeze({n}_ai, axis1)",  # [rows,1]
            f"{n}_row = Unsqueeze({n}_bj, axis0)",  # [1,cols]
            f"{n}_sum = Add({n}_col, {n}_row)",
        ]
    else:
        lines += [f"{n}_sum = Identity({n}_ai)"]
    lines += [
        f"{n}_c = Constant <value_int = {c}> ()",
        f"{n}_v = Add({n}_sum, {n}_c)",
        f"{n}_m = Constant <value_int = {m}> ()",
        f"{n}_mod = Mod({n}_v, {n}_m)",
        f"{n}_off = Constant <value_int = {off}> ()",
        f"{n}_k = Sub({n}_mod, {n}_off)",
        f"{n}_f = Cast <to = 1> ({n}_k)",
        f"{name} = Div({n}_f, sixteen)",
    ]
    return lines


def mlp():
    nodes = [
        "zero = Constant <value_int = 0> ()",
        "one = Constant <value_int = 1> ()",
        "axis0 = Constant <value_ints = [0]> ()",
        "axis1 = Constant <value_ints = [1]> ()",
        "sixteen = Constant <value_float = 16.0> ()",
    ]
    nodes += grid("W1", 784, 128, 7, 13, 0, 5, 2)  # W1[i,j] = ((7i + 13j) mod 5 - 2) / 16
    nodes += grid("B1", 128, 0, 1, 0, 0, 7, 3)  # B1[j] = (j mod 7 - 3) / 16
    nodes += grid("W2", 128, 10, 5, 11, 1, 5, 2)  # W2[j,k] = ((5j + 11k + 1) mod 5 - 2) / 16
    nodes += grid("B2", 10, 0, 1, 0, 0, 3, 1)  # B2[k] = (k mod 3 - 1) / 16
    nodes += [
        "h0 = MatMul(x, W1)",
        "h1 = Add(h0, B1)",
        "h = Relu(h1)",
        "l0 = MatMul(h, W2)",
        "logits = Add(l0, B2)",
    ]
    body = "\n".join("  " + n for n in nodes)
    return HEADER + "mlp (float[batch,784] x) => (float[batch,10] logits) {\n" + body + "\n}\n"


def gru():
    def values(count, scale, seed):
        return ",".join(f"{scale * math.sin(i * 7 + seed):.6f}" for i in range(count))

    hidden, inputs = 8, 4
    return (
        HEADER
        + "gru (float[1,1,4] X, float[1,1,8] H) => (float[1,1,8] Y_h) {\n"
        + f"  W = Constant <value = float[1,24,4] {{{values(3 * hidden * inputs, 0.5, 1)}}}> ()\n"
        + f"  R = Constant <value = float[1,24,8] {{{values(3 * hidden * hidden, 0.4, 2)}}}> ()\n"
        + f"  B = Constant <value = float[1,48] {{{values(6 * hidden, 0.1, 3)}}}> ()\n"
        + "  Y, Y_h = GRU <hidden_size = 8> (X, W, R, B, , H)\n"
        + "}\n"
    )


def main():
    parser = argparse.ArgumentParser(description="Writes the examples' models next to this script.")
    parser.add_argument("--check", action="store_true", help="only check that the files are current")
    check = parser.parse_args().check
    here = pathlib.Path(__file__).resolve().parent
    stale = []
    for name, text in (("mlp", mlp()), ("gru", gru())):
        model = onnx.parser.parse_model(text)
        model.producer_name = "zrt examples/models/make_models.py"
        onnx.checker.check_model(model, full_check=True)
        data = model.SerializeToString()
        path = here / f"{name}.onnx"
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(str(path))
            continue
        path.write_bytes(data)
        print(f"{path}: {len(data)} bytes")
    if stale:
        sys.exit(f"make_models.py: not what this script writes (run it): {', '.join(stale)}")
    if check:
        print("make_models.py: the committed models are current")


if __name__ == "__main__":
    main()
