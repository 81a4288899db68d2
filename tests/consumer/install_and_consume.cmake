# Run with cmake -P: installs the zrt build in ZRT_BUILD_DIR into a fresh prefix under
# WORK_DIR, checks its layout, then builds and runs the consumer (tests/consumer) against
# it with find_package(zrt) and with pkg-config.
# Inputs: ZRT_BUILD_DIR, WORK_DIR and those of consume.cmake.
include("${CMAKE_CURRENT_LIST_DIR}/consume.cmake")
foreach(var ZRT_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR LIBDIR MODEL)
  if(NOT ${var})
    message(FATAL_ERROR "install_and_consume: ${var} is not set")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

zrt_step("install" "${CMAKE_COMMAND}" --install "${ZRT_BUILD_DIR}" --prefix "${prefix}")
zrt_check_layout("${prefix}")
zrt_consume_cmake("${prefix}" "${WORK_DIR}/cmake")
zrt_consume_pkgconfig("${prefix}" "${WORK_DIR}/pkg-config")
