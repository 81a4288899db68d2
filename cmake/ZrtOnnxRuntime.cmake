# Locates ONNX Runtime: ZRT_ORT_ROOT (an official release layout: include/, lib/), or the
# copy scripts/fetch-onnxruntime.sh keeps in the user's cache, of the flavor ZRT_ORT_FLAVOR
# (cpu: the default, CPU EP only; gpu: CUDA, TensorRT and WebGPU EPs compiled in). Defines
# the interface target zrt_onnxruntime, ZRT_ORT_LIBRARY_DIR and ZRT_ORT_GPU_LIBRARY_DIR.
#
# Running one build against either core. Both flavors are ORT 1.29.0 with the same soname
# (libonnxruntime.so.1) and C API, so the choice of core is made when the program starts,
# by the dynamic loader, not when it is built. libzrt (and anything linked to ORT) carries
# the ORT lib/ folder as DT_RUNPATH, not DT_RPATH: the link below forces
# --enable-new-dtags. The loader searches LD_LIBRARY_PATH before DT_RUNPATH (but after
# DT_RPATH, which is why DT_RPATH would not do), so
#   LD_LIBRARY_PATH=$ZRT_ORT_GPU_LIBRARY_DIR build/tests/test_x
# runs an executable of the normal (cpu) build against the gpu core. ctest tests get this
# with zrt_test_with_gpu_core(TEST...) or, for gtest_discover_tests, with
# PROPERTIES ${ZRT_ORT_GPU_TEST_PROPERTIES} (both also set XDG_RUNTIME_DIR for Mesa). The
# tests ort_core_default and ort_core_gpu (zrt_add_ort_core_checks) prove it on every build.
set_property(CACHE ZRT_ORT_FLAVOR PROPERTY STRINGS cpu gpu)
if(NOT ZRT_ORT_FLAVOR MATCHES "^(cpu|gpu)$")
  message(FATAL_ERROR "zrt: ZRT_ORT_FLAVOR must be cpu or gpu, not '${ZRT_ORT_FLAVOR}'")
endif()
set(_zrt_fetch_script "${CMAKE_CURRENT_SOURCE_DIR}/scripts/fetch-onnxruntime.sh")

# A root this module fetched (not one the user gave) follows ZRT_ORT_FLAVOR when it changes.
if(ZRT_ORT_ROOT AND ZRT_ORT_ROOT STREQUAL "${_ZRT_ORT_FETCHED_ROOT}"
   AND NOT ZRT_ORT_FLAVOR STREQUAL "${_ZRT_ORT_FETCHED_FLAVOR}")
  set(ZRT_ORT_ROOT "" CACHE PATH "ONNX Runtime folder" FORCE)
endif()
if(NOT ZRT_ORT_ROOT)
  execute_process(
    COMMAND "${_zrt_fetch_script}" --flavor "${ZRT_ORT_FLAVOR}"
    OUTPUT_VARIABLE _zrt_fetched_root
    RESULT_VARIABLE _zrt_fetch_result
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _zrt_fetch_result EQUAL 0)
    message(FATAL_ERROR "zrt: fetching ONNX Runtime failed (scripts/fetch-onnxruntime.sh --flavor "
                        "${ZRT_ORT_FLAVOR}); set ZRT_ORT_ROOT to an ONNX Runtime folder with include/ "
                        "and lib/ instead")
  endif()
  set(ZRT_ORT_ROOT "${_zrt_fetched_root}" CACHE PATH "ONNX Runtime folder" FORCE)
  set(_ZRT_ORT_FETCHED_ROOT "${_zrt_fetched_root}" CACHE INTERNAL "")
  set(_ZRT_ORT_FETCHED_FLAVOR "${ZRT_ORT_FLAVOR}" CACHE INTERNAL "")
endif()

# Search again whenever the root changed.
if(NOT ZRT_ORT_ROOT STREQUAL "${_ZRT_ORT_SEARCHED_ROOT}")
  unset(ZRT_ORT_INCLUDE_DIR CACHE)
  unset(ZRT_ORT_LIBRARY CACHE)
  set(_ZRT_ORT_SEARCHED_ROOT "${ZRT_ORT_ROOT}" CACHE INTERNAL "")
endif()
find_path(ZRT_ORT_INCLUDE_DIR onnxruntime_c_api.h
  PATHS "${ZRT_ORT_ROOT}/include" "${ZRT_ORT_ROOT}/include/onnxruntime" NO_DEFAULT_PATH)
find_library(ZRT_ORT_LIBRARY NAMES onnxruntime libonnxruntime.so.1 PATHS "${ZRT_ORT_ROOT}/lib" NO_DEFAULT_PATH)
if(NOT ZRT_ORT_INCLUDE_DIR OR NOT ZRT_ORT_LIBRARY)
  message(FATAL_ERROR "zrt: no ONNX Runtime in ZRT_ORT_ROOT='${ZRT_ORT_ROOT}' "
                      "(expected include/onnxruntime_c_api.h and lib/libonnxruntime.so)")
endif()
get_filename_component(ZRT_ORT_LIBRARY_DIR "${ZRT_ORT_LIBRARY}" DIRECTORY)
message(STATUS "zrt: ONNX Runtime from ${ZRT_ORT_ROOT} (flavor ${ZRT_ORT_FLAVOR})")

add_library(zrt_onnxruntime INTERFACE)
target_include_directories(zrt_onnxruntime SYSTEM INTERFACE "${ZRT_ORT_INCLUDE_DIR}")
target_link_libraries(zrt_onnxruntime INTERFACE "${ZRT_ORT_LIBRARY}")
# DT_RUNPATH rather than DT_RPATH, for every target linked from here on (see above).
add_link_options(LINKER:--enable-new-dtags)

# ---- the gpu core, for running this build's executables against it -----------------
set(ZRT_ORT_GPU_LIBRARY_DIR "" CACHE PATH
    "lib/ folder of a gpu-flavor ONNX Runtime (libonnxruntime.so.1 with the CUDA, TensorRT and \
WebGPU EPs) that tests run this build against; empty: the gpu flavor fetched by \
scripts/fetch-onnxruntime.sh --flavor gpu (make setup fetches it), if it is there")
if(NOT ZRT_ORT_GPU_LIBRARY_DIR)
  if(ZRT_ORT_FLAVOR STREQUAL "gpu")
    set(ZRT_ORT_GPU_LIBRARY_DIR "${ZRT_ORT_LIBRARY_DIR}")
  else()
    # Only looks in the cache: a plain configure downloads nothing beyond its own flavor.
    execute_process(
      COMMAND "${_zrt_fetch_script}" --flavor gpu --cached
      OUTPUT_VARIABLE _zrt_gpu_root
      RESULT_VARIABLE _zrt_gpu_result
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_zrt_gpu_result EQUAL 0 AND _zrt_gpu_root)
      set(ZRT_ORT_GPU_LIBRARY_DIR "${_zrt_gpu_root}/lib")
    endif()
  endif()
endif()
if(ZRT_ORT_GPU_LIBRARY_DIR)
  message(STATUS "zrt: gpu ONNX Runtime core for tests: ${ZRT_ORT_GPU_LIBRARY_DIR}")
else()
  message(STATUS "zrt: no gpu ONNX Runtime core for tests "
                 "(scripts/fetch-onnxruntime.sh --flavor gpu, or make setup, fetches it)")
endif()

# XDG_RUNTIME_DIR for tests that use the WebGPU EP: Mesa's Vulkan drivers want a private,
# writable one and complain without it.
set(ZRT_TEST_XDG_RUNTIME_DIR "${CMAKE_BINARY_DIR}/xdg-runtime")
file(MAKE_DIRECTORY "${ZRT_TEST_XDG_RUNTIME_DIR}")
file(CHMOD "${ZRT_TEST_XDG_RUNTIME_DIR}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

# ZRT_ORT_GPU_TEST_PROPERTIES: test properties that run a test against the gpu core (empty
# without one), for set_tests_properties(TEST PROPERTIES ${ZRT_ORT_GPU_TEST_PROPERTIES}) and
# gtest_discover_tests(TARGET PROPERTIES ${ZRT_ORT_GPU_TEST_PROPERTIES}). Each property has
# one value: gtest_discover_tests (CMake 3.25) keeps only the first element of a list value.
set(ZRT_ORT_GPU_TEST_PROPERTIES "")
if(ZRT_ORT_GPU_LIBRARY_DIR)
  set(ZRT_ORT_GPU_TEST_PROPERTIES
      ENVIRONMENT_MODIFICATION "LD_LIBRARY_PATH=path_list_prepend:${ZRT_ORT_GPU_LIBRARY_DIR}"
      ENVIRONMENT "XDG_RUNTIME_DIR=${ZRT_TEST_XDG_RUNTIME_DIR}")
endif()

# zrt_test_with_gpu_core(TEST...): these ctest tests (added in the calling directory) run
# against the gpu core; adds to their ENVIRONMENT and ENVIRONMENT_MODIFICATION. An error
# when there is no gpu core: guard with if(ZRT_ORT_GPU_LIBRARY_DIR).
function(zrt_test_with_gpu_core)
  if(NOT ZRT_ORT_GPU_LIBRARY_DIR)
    message(FATAL_ERROR "zrt_test_with_gpu_core(${ARGN}): no gpu ONNX Runtime core "
                        "(ZRT_ORT_GPU_LIBRARY_DIR is empty)")
  endif()
  set_property(TEST ${ARGN} APPEND PROPERTY ENVIRONMENT_MODIFICATION
               "LD_LIBRARY_PATH=path_list_prepend:${ZRT_ORT_GPU_LIBRARY_DIR}")
  set_property(TEST ${ARGN} APPEND PROPERTY ENVIRONMENT "XDG_RUNTIME_DIR=${ZRT_TEST_XDG_RUNTIME_DIR}")
endfunction()

# zrt_add_ort_core_checks(): zrt_ort_core_check, an executable linked to libzrt only (ORT
# comes through libzrt's DT_RUNPATH), prints the core it loaded and that core's EPs.
# ort_core_default: as built, only the CPU EP (cpu flavor) or WebGPU among them (gpu);
# ort_core_gpu: the same executable with the gpu core in LD_LIBRARY_PATH lists WebGPU and
# loaded the library from ZRT_ORT_GPU_LIBRARY_DIR.
function(zrt_add_ort_core_checks)
  add_executable(zrt_ort_core_check "${PROJECT_SOURCE_DIR}/cmake/ort_core_check.cpp")
  target_link_libraries(zrt_ort_core_check PRIVATE zrt::zrt ${CMAKE_DL_LIBS})
  target_include_directories(zrt_ort_core_check SYSTEM PRIVATE "${ZRT_ORT_INCLUDE_DIR}")
  zrt_warnings(zrt_ort_core_check)
  add_test(NAME ort_core_default COMMAND zrt_ort_core_check)
  if(ZRT_ORT_FLAVOR STREQUAL "gpu")
    set(_expect "\nproviders [^\n]*WebGpuExecutionProvider")
  else()
    set(_expect "\nproviders CPUExecutionProvider\n")
  endif()
  set_tests_properties(ort_core_default PROPERTIES PASS_REGULAR_EXPRESSION "${_expect}" LABELS ort_core)
  if(ZRT_ORT_GPU_LIBRARY_DIR)
    string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" _dir_re "${ZRT_ORT_GPU_LIBRARY_DIR}")
    add_test(NAME ort_core_gpu COMMAND zrt_ort_core_check)
    set_tests_properties(ort_core_gpu PROPERTIES
      PASS_REGULAR_EXPRESSION "core ${_dir_re}/+libonnxruntime[^\n]*\n[^\n]*\nproviders [^\n]*WebGpuExecutionProvider"
      LABELS ort_core)
    zrt_test_with_gpu_core(ort_core_gpu)
  endif()
endfunction()
