# Run with cmake -P: builds the .deb of the zrt build in ZRT_BUILD_DIR (cpack, as make
# package does), checks its Depends and contents, unpacks it into a clean folder under
# WORK_DIR (dpkg-deb -x: no root, no dpkg database) and builds and runs the consumer
# against the unpacked /usr with find_package(zrt) and with pkg-config.
# Inputs: ZRT_BUILD_DIR, WORK_DIR and those of consume.cmake.
include("${CMAKE_CURRENT_LIST_DIR}/consume.cmake")
foreach(var ZRT_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR LIBDIR MODEL)
  if(NOT ${var})
    message(FATAL_ERROR "package_and_consume: ${var} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

zrt_step("cpack" cpack --config "${ZRT_BUILD_DIR}/CPackConfig.cmake" -B "${WORK_DIR}/cpack")
file(GLOB deb "${WORK_DIR}/cpack/*.deb")
list(LENGTH deb debs)
if(NOT debs EQUAL 1)
  message(FATAL_ERROR "package_and_consume: expected one .deb in ${WORK_DIR}/cpack, found ${debs}: ${deb}")
endif()

# Depends, from dpkg-shlibdeps: hwloc and the C++ runtime for libzrt; fmt, protobuf and
# libonnx for the CLI, when it is in the package; ORT never (it is inside).
zrt_step("dpkg-deb --contents" dpkg-deb --contents "${deb}")
set(contents "${ZRT_STEP_OUTPUT}")
zrt_step("dpkg-deb --field Depends" dpkg-deb --field "${deb}" Depends)
set(depends "${ZRT_STEP_OUTPUT}")
set(needed "libc6" "libstdc\\+\\+6" "libhwloc[0-9]+")
if(contents MATCHES " \\./usr/bin/zrt\n")
  list(APPEND needed "libfmt[0-9]+" "libprotobuf[0-9]+" "libonnx[0-9]+")
endif()
foreach(package IN LISTS needed)
  zrt_expect("Depends" "(^|, )${package} " "${depends}")
endforeach()
if(depends MATCHES "onnxruntime")
  message(FATAL_ERROR "Depends names an ONNX Runtime package, but ORT is inside: ${depends}")
endif()

set(root "${WORK_DIR}/root")
zrt_step("dpkg-deb --extract" dpkg-deb --extract "${deb}" "${root}")
zrt_check_layout("${root}/usr")
zrt_consume_cmake("${root}/usr" "${WORK_DIR}/cmake")
zrt_consume_pkgconfig("${root}/usr" "${WORK_DIR}/pkg-config")
