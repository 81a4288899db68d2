// QueueFull names, the latency histogram and request-input checks (serving_detail.hpp).
#include "zrt/serving_queue.hpp"

#include <string>

#include "serving/serving_detail.hpp"
#include "zrt/error.hpp"

namespace zrt {

const char* to_string(QueueFull mode) noexcept {
  switch (mode) {
    case QueueFull::Block: return "block";
    case QueueFull::Reject: return "reject";
  }
  return "unknown";
}

namespace detail {

std::uint64_t LatencyHistogram::upper(std::size_t i) noexcept {
  if (i < kSub) return i;
  const std::size_t e = 3 + (i - kSub) / kSub;
  const std::uint64_t sub = (i - kSub) % kSub;
  const std::uint64_t base = std::uint64_t{1} << e;
  const std::uint64_t width = std::uint64_t{1} << (e - 3);
  return base + (sub + 1) * width - 1;
}

LatencySummary LatencyHistogram::summary() const noexcept {
  std::array<std::uint64_t, kBuckets> counts{};
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
    total += counts[i];
  }
  LatencySummary s;
  s.count = total;
  const std::uint64_t max = max_.load(std::memory_order_relaxed);
  s.max = std::chrono::nanoseconds(static_cast<std::int64_t>(max));
  if (total == 0) return s;
  // The value at rank ceil(q * total), reported as its bucket's upper bound (capped by max).
  auto at = [&](std::uint64_t num, std::uint64_t den) {
    const std::uint64_t rank = (total * num + den - 1) / den;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts[i];
      if (seen >= rank && counts[i] > 0) {
        const std::uint64_t v = upper(i) < max ? upper(i) : max;
        return std::chrono::nanoseconds(static_cast<std::int64_t>(v));
      }
    }
    return s.max;
  };
  s.p50 = at(50, 100);
  s.p99 = at(99, 100);
  return s;
}

std::string input_label(const Session& session, std::size_t index) {
  return "input " + std::to_string(index) + " '" + session.input(index).name + "'";
}
std::string output_label(const Session& session, std::size_t index) {
  return "output " + std::to_string(index) + " '" + session.output(index).name + "'";
}

HostInput host_input(const char* who, const Session& session, const Input& input, std::size_t index) {
  HostInput h;
  if (input.value() == nullptr) {
    h.data = static_cast<const std::byte*>(input.data());
    h.bytes = input.bytes();
    h.type = input.element_type();
    h.shape = input.shape();
    return h;
  }
  const Value& v = *input.value();
  if (v.empty() || !v.is_tensor()) {
    throw Error(std::string(who) + ": " + input_label(session, index) + " must be a tensor, got " +
                (v.empty() ? std::string("an empty Value") : v.describe()));
  }
  h.type = v.element_type();
  if (h.type == ElementType::String) {
    throw Error(std::string(who) + ": " + input_label(session, index) +
                " is a string tensor; only numeric tensors are batched");
  }
  if (!v.memory_info().is_host_accessible()) {
    throw Error(std::string(who) + ": " + input_label(session, index) + " is not in host memory");
  }
  const auto bytes = v.bytes();
  h.data = bytes.data();
  h.bytes = bytes.size();
  h.shape = v.shape();
  return h;
}

}  // namespace detail
}  // namespace zrt
