#include "zrt/devices.hpp"

#include "ort/api.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"

namespace zrt {

namespace {

std::map<std::string, std::string> pairs(const OrtKeyValuePairs* kv) {
  std::map<std::string, std::string> out;
  if (kv == nullptr) return out;
  const char* const* keys = nullptr;
  const char* const* values = nullptr;
  std::size_t count = 0;
  detail::api().GetKeyValuePairs(kv, &keys, &values, &count);
  for (std::size_t i = 0; i < count; ++i) out.emplace(keys[i], values[i] != nullptr ? values[i] : "");
  return out;
}

}  // namespace

const char* to_string(HardwareType type) noexcept {
  switch (type) {
    case HardwareType::Cpu: return "CPU";
    case HardwareType::Gpu: return "GPU";
    case HardwareType::Npu: return "NPU";
  }
  return "unknown";
}

namespace detail {

EpDevice describe_ep_device(const OrtEpDevice* device) {
  const OrtApi& a = api();
  EpDevice d;
  d.handle = device;
  d.ep_name = a.EpDevice_EpName(device);
  d.ep_vendor = a.EpDevice_EpVendor(device);
  d.ep_metadata = pairs(a.EpDevice_EpMetadata(device));
  d.ep_options = pairs(a.EpDevice_EpOptions(device));
  const OrtHardwareDevice* hardware = a.EpDevice_Device(device);
  d.hardware = static_cast<HardwareType>(a.HardwareDevice_Type(hardware));
  d.vendor = a.HardwareDevice_Vendor(hardware);
  d.vendor_id = a.HardwareDevice_VendorId(hardware);
  d.device_id = a.HardwareDevice_DeviceId(hardware);
  d.device_metadata = pairs(a.HardwareDevice_Metadata(hardware));
  if (const OrtMemoryInfo* memory = a.EpDevice_MemoryInfo(device, OrtDeviceMemoryType_DEFAULT)) {
    d.memory = MemoryInfo::borrow(memory, nullptr);  // lives as long as the device does
  }
  return d;
}

}  // namespace detail

std::vector<EpDevice> Environment::devices() const {
  const OrtEpDevice* const* devices = nullptr;
  std::size_t count = 0;
  detail::check(detail::api().GetEpDevices(handle(), &devices, &count), "Environment::devices");
  std::vector<EpDevice> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(detail::describe_ep_device(devices[i]));
  return out;
}

void Environment::register_provider_library(const std::string& name, const std::filesystem::path& library) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(library, ec)) {
    throw Error(ErrorCode::NoSuchFile,
                "Environment::register_provider_library '" + name + "': no library at '" + library.string() + "'");
  }
  detail::check(detail::api().RegisterExecutionProviderLibrary(handle(), name.c_str(), library.c_str()),
                ("Environment::register_provider_library '" + name + "' from '" + library.string() + "'").c_str());
}

void Environment::unregister_provider_library(const std::string& name) {
  detail::check(detail::api().UnregisterExecutionProviderLibrary(handle(), name.c_str()),
                ("Environment::unregister_provider_library '" + name + "'").c_str());
}

}  // namespace zrt
