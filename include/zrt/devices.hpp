// The devices ONNX Runtime's execution providers can use (ORT's OrtEpDevice), chosen by
// hand (SessionOptions::provider_on) or by a policy (SessionOptions::device_policy).
//   for (const zrt::EpDevice& d : env.devices()) ...   // EP, vendor, hardware, memory
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zrt/memory.hpp"

struct OrtEpDevice;

namespace zrt {

enum class HardwareType : int { Cpu = 0, Gpu = 1, Npu = 2 };
const char* to_string(HardwareType type) noexcept;

// One (execution provider, hardware device) pair ORT offers. `handle` stays valid while
// the environment it came from lives (and the EP library stays registered).
struct EpDevice {
  std::string ep_name;  // "CPUExecutionProvider", ...
  std::string ep_vendor;
  HardwareType hardware = HardwareType::Cpu;
  std::string vendor;  // the hardware's vendor
  std::uint32_t vendor_id = 0;
  std::uint32_t device_id = 0;
  std::map<std::string, std::string> ep_metadata;
  std::map<std::string, std::string> ep_options;
  std::map<std::string, std::string> device_metadata;
  std::optional<MemoryInfo> memory;  // the device's default memory, when the EP names one
  const OrtEpDevice* handle = nullptr;
};

// ORT's automatic EP selection policies (SessionOptions::device_policy).
enum class DevicePolicy : int {
  Default = 0,
  PreferCpu = 1,
  PreferNpu = 2,
  PreferGpu = 3,
  MaxPerformance = 4,
  MaxEfficiency = 5,
  MinPower = 6,
};

// A custom policy: given the devices ORT offers, the indices of those to use, in order
// of preference (at most `max_selected`). An exception thrown here fails session
// creation with its message.
using DeviceSelector =
    std::function<std::vector<std::size_t>(std::span<const EpDevice> devices, std::size_t max_selected)>;

namespace detail {
EpDevice describe_ep_device(const OrtEpDevice* device);
}

}  // namespace zrt
