# Locates ONNX Runtime: ZRT_ORT_ROOT (an official release layout: include/, lib/), or the
# copy scripts/fetch-onnxruntime.sh keeps in the user's cache. Defines the interface
# target zrt_onnxruntime and ZRT_ORT_LIBRARY_DIR.
if(NOT ZRT_ORT_ROOT)
  execute_process(
    COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/scripts/fetch-onnxruntime.sh"
    OUTPUT_VARIABLE _zrt_fetched_root
    RESULT_VARIABLE _zrt_fetch_result
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _zrt_fetch_result EQUAL 0)
    message(FATAL_ERROR "zrt: fetching ONNX Runtime failed (scripts/fetch-onnxruntime.sh); "
                        "set ZRT_ORT_ROOT to an ONNX Runtime folder with include/ and lib/ instead")
  endif()
  set(ZRT_ORT_ROOT "${_zrt_fetched_root}" CACHE PATH "ONNX Runtime folder" FORCE)
endif()

find_path(ZRT_ORT_INCLUDE_DIR onnxruntime_c_api.h
  PATHS "${ZRT_ORT_ROOT}/include" "${ZRT_ORT_ROOT}/include/onnxruntime" NO_DEFAULT_PATH)
find_library(ZRT_ORT_LIBRARY NAMES onnxruntime libonnxruntime.so.1 PATHS "${ZRT_ORT_ROOT}/lib" NO_DEFAULT_PATH)
if(NOT ZRT_ORT_INCLUDE_DIR OR NOT ZRT_ORT_LIBRARY)
  message(FATAL_ERROR "zrt: no ONNX Runtime in ZRT_ORT_ROOT='${ZRT_ORT_ROOT}' "
                      "(expected include/onnxruntime_c_api.h and lib/libonnxruntime.so)")
endif()
get_filename_component(ZRT_ORT_LIBRARY_DIR "${ZRT_ORT_LIBRARY}" DIRECTORY)
message(STATUS "zrt: ONNX Runtime from ${ZRT_ORT_ROOT}")

add_library(zrt_onnxruntime INTERFACE)
target_include_directories(zrt_onnxruntime SYSTEM INTERFACE "${ZRT_ORT_INCLUDE_DIR}")
target_link_libraries(zrt_onnxruntime INTERFACE "${ZRT_ORT_LIBRARY}")
