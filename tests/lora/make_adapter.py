#!/usr/bin/python3
"""Writes an ONNX Runtime LoRA adapter file (.onnx_adapter).

    make_adapter.py OUT NAME=DIMS:VALUES [NAME=DIMS:VALUES ...]
    make_adapter.py one.onnx_adapter lora_A=4x2:1,0,0,1,0,0,0,0 lora_B=2x3:1,2,3,4,5,6

Each parameter is a float tensor: DIMS are its dims joined by 'x', VALUES its elements
in row-major order. At run time ORT feeds each parameter to the model input (or
overridable initializer) of the same name.

The format is ORT's flatbuffer schema (onnxruntime/lora/adapter_format/adapter_schema.fbs):
    table Parameter { name:string; dims:[int64]; data_type:TensorDataType(int32);
                      raw_data:[uint8] (force_align: 8); }
    table Adapter { format_version:int; adapter_version:int; model_version:int;
                    parameters:[Parameter]; }
    root_type Adapter; file_identifier "TORT";
It is encoded here by hand (no flatbuffers package needed), front to back: every
reference (uoffset) points forward, as flatbuffers requires, and each table's vtable
sits just before the table.
"""

import struct
import sys

FORMAT_VERSION = 1  # the only version ORT 1.29 reads
FLOAT = 1  # TensorDataType.FLOAT (the ONNX numbering)


class Writer:
    def __init__(self):
        self.buf = bytearray()

    def pos(self):
        return len(self.buf)

    def pad_to(self, align, offset=0):
        """Pads so that pos() + offset is a multiple of align."""
        while (self.pos() + offset) % align:
            self.buf.append(0)

    def put(self, fmt, *values):
        at = self.pos()
        self.buf += struct.pack("<" + fmt, *values)
        return at

    def forward(self, at, target):
        """Sets the uoffset at `at` to point at `target` (later in the buffer)."""
        assert target > at
        struct.pack_into("<I", self.buf, at, target - at)

    def table(self, fields):
        """Writes a vtable and its table. fields: (struct format, value) per field, in
        schema order; returns the table's position and each field's position."""
        self.pad_to(4, 4 + 2 * len(fields))  # the table (after the vtable) 4-aligned
        vtable = self.pos()
        inline_size = 4 + sum(struct.calcsize("<" + f) for f, _ in fields)
        self.put("HH", 4 + 2 * len(fields), inline_size)
        offset = 4
        for f, _ in fields:
            self.put("H", offset)
            offset += struct.calcsize("<" + f)
        start = self.put("i", self.pos() - vtable)  # soffset: table - vtable
        return start, [self.put(f, v) for f, v in fields]

    def vector(self, element_fmt, values, align):
        """A vector whose elements are `align`-aligned; returns its position."""
        self.pad_to(align, 4)
        at = self.put("I", len(values))
        for v in values:
            self.put(element_fmt, v)
        return at

    def string(self, text):
        data = text.encode()
        self.pad_to(4)
        at = self.put("I", len(data))
        self.buf += data + b"\0"
        return at


def parse_parameter(spec):
    name, _, rest = spec.partition("=")
    dims_text, _, values_text = rest.partition(":")
    if not name or not dims_text:
        raise SystemExit(f"make_adapter.py: expected NAME=DIMS:VALUES, got '{spec}'")
    dims = [int(d) for d in dims_text.split("x")]
    values = [float(v) for v in values_text.split(",")] if values_text else []
    count = 1
    for d in dims:
        count *= d
    if count != len(values):
        raise SystemExit(f"make_adapter.py: '{name}': dims {dims_text} need {count} values, got {len(values)}")
    return name, dims, values


def encode(parameters, adapter_version=1, model_version=1):
    w = Writer()
    root = w.put("I", 0)
    w.buf += b"TORT"
    adapter, (_, _, _, params_at) = w.table([("i", FORMAT_VERSION), ("i", adapter_version), ("i", model_version),
                                             ("I", 0)])
    w.forward(root, adapter)
    vector = w.vector("I", [0] * len(parameters), 4)
    w.forward(params_at, vector)
    for index, (name, dims, values) in enumerate(parameters):
        table, (name_at, dims_at, _, data_at) = w.table([("I", 0), ("I", 0), ("i", FLOAT), ("I", 0)])
        w.forward(vector + 4 + 4 * index, table)
        w.forward(name_at, w.string(name))
        w.forward(dims_at, w.vector("q", dims, 8))
        raw = struct.pack(f"<{len(values)}f", *values)
        w.forward(data_at, w.vector("B", raw, 8))
    return bytes(w.buf)


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    data = encode([parse_parameter(spec) for spec in argv[2:]])
    with open(argv[1], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main(sys.argv)
