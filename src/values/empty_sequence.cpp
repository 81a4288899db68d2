// Value::empty_sequence. ORT's C API cannot build an empty sequence (CreateValue wants at
// least one element, and the CreateEmptyTensorSequence of ORT's early opset-13 work was
// dropped), but a session can return one: a one-node model `SequenceEmpty<dtype=T>` yields
// an empty seq(tensor(T)). One such session per element type is made on first use and kept
// for the process.
#include <array>
#include <mutex>
#include <string>
#include <string_view>

#include "ort/api.hpp"
#include "ort/protobuf_writer.hpp"
#include "zrt/environment.hpp"
#include "zrt/value.hpp"

namespace zrt {

using detail::api;
using detail::check;
using detail::put_bytes;
using detail::put_int;

namespace {

// ModelProto (onnx.proto field numbers) of: seq(tensor(T)) s = SequenceEmpty<dtype=T>().
std::string sequence_empty_model(ElementType element) {
  const auto t = static_cast<std::uint64_t>(element);
  std::string attribute;  // AttributeProto{name: "dtype", type: INT, i: T}
  put_bytes(attribute, 1, "dtype");
  put_int(attribute, 20, 2);
  put_int(attribute, 3, t);
  std::string node;  // NodeProto{output: "s", op_type: "SequenceEmpty", attribute}
  put_bytes(node, 2, "s");
  put_bytes(node, 4, "SequenceEmpty");
  put_bytes(node, 5, attribute);
  std::string tensor_type, tensor, sequence, type, output, graph, opset, model;
  put_int(tensor_type, 1, t);         // TypeProto.Tensor{elem_type: T}
  put_bytes(tensor, 1, tensor_type);  // TypeProto{tensor_type}
  put_bytes(sequence, 1, tensor);     // TypeProto.Sequence{elem_type}
  put_bytes(type, 4, sequence);       // TypeProto{sequence_type}
  put_bytes(output, 1, "s");          // ValueInfoProto{name: "s", type}
  put_bytes(output, 2, type);
  put_bytes(graph, 1, node);  // GraphProto{node, name, output}
  put_bytes(graph, 2, "zrt_empty_sequence");
  put_bytes(graph, 12, output);
  put_int(opset, 2, 11);  // OperatorSetIdProto{domain: "", version: 11}
  put_int(model, 1, 8);   // ModelProto{ir_version: 8, opset_import, graph}
  put_bytes(model, 8, opset);
  put_bytes(model, 7, graph);
  return model;
}

constexpr std::size_t kElementTypes = static_cast<std::size_t>(ElementType::Int2) + 1;  // the highest number

// Kept for the process and never destroyed (like cpu_memory_info), so no value made at
// exit finds its session gone. One intra-op thread: a run makes one empty sequence.
struct EmptySequenceSessions {
  Environment environment = Environment::default_environment();
  std::mutex mutex;
  std::array<OrtSession*, kElementTypes> sessions{};

  OrtSession* get(ElementType element) {
    const std::scoped_lock lock(mutex);
    OrtSession*& session = sessions[static_cast<std::size_t>(element)];
    if (session == nullptr) {
      OrtSessionOptions* raw = nullptr;
      check(api().CreateSessionOptions(&raw), "Value::empty_sequence");
      const detail::SessionOptionsPtr options(raw);
      check(api().SetIntraOpNumThreads(options.get(), 1), "Value::empty_sequence");
      check(api().SetInterOpNumThreads(options.get(), 1), "Value::empty_sequence");
      const std::string model = sequence_empty_model(element);
      check(api().CreateSessionFromArray(environment.handle(), model.data(), model.size(), options.get(), &session),
            "Value::empty_sequence");
    }
    return session;
  }
};

}  // namespace

Value Value::empty_sequence(ElementType element) {
  const auto index = static_cast<std::size_t>(element);
  if (element == ElementType::Undefined || index >= kElementTypes) {
    throw Error("Value::empty_sequence: element type " + std::to_string(static_cast<int>(element)) +
                " is not a tensor element type");
  }
  static EmptySequenceSessions* const cache = new EmptySequenceSessions;
  OrtSession* session = nullptr;
  try {
    session = cache->get(element);
  } catch (const Error& e) {
    throw Error(e.code(), "Value::empty_sequence(" + std::string(to_string(element)) + "): ORT has no empty " +
                              "sequence of this element type: " + e.what());
  }
  const char* output_name = "s";
  OrtValue* out = nullptr;
  check(api().Run(session, nullptr, nullptr, nullptr, 0, &output_name, 1, &out), "Value::empty_sequence");
  return Value(out);
}

}  // namespace zrt
