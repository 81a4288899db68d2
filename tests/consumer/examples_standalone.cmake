# Run with cmake -P: installs the zrt build in ZRT_BUILD_DIR into a fresh prefix under
# WORK_DIR, builds examples/ against it as a standalone project (as a user who copies
# them would) and runs each example. device_lane runs against the gpu ORT core
# (GPU_LIBRARY_DIR, with XDG_RUNTIME_DIR) when there is one; otherwise it is only built.
# Inputs: ZRT_BUILD_DIR, EXAMPLES_SOURCE_DIR, WORK_DIR, GPU_LIBRARY_DIR, XDG_RUNTIME_DIR
# and those of consume.cmake.
include("${CMAKE_CURRENT_LIST_DIR}/consume.cmake")
foreach(var ZRT_BUILD_DIR EXAMPLES_SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "examples_standalone: ${var} is not set")
  endif()
endforeach()
set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

zrt_step("install" "${CMAKE_COMMAND}" --install "${ZRT_BUILD_DIR}" --prefix "${prefix}")
zrt_configure_args(args "${EXAMPLES_SOURCE_DIR}" "${build}" "${prefix}")
zrt_step("configure the examples" "${CMAKE_COMMAND}" ${args})
zrt_step("build the examples" "${CMAKE_COMMAND}" --build "${build}")

# Each runs in its build folder, where CMakeLists.txt copied the models.
function(run_example regex)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${build}" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${ARGN}:\n${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc})")
  endif()
  zrt_expect("${ARGN}" "${regex}" "${out}")
endfunction()
run_example("class [0-9]" ./quickstart)
run_example("step 7: state" ./streaming_state)
run_example("1 4 9 10" ./extending)
run_example("outputs exact" ./serving_lanes replicated 2 50)
run_example("outputs exact" ./serving_lanes shared 2 50)
if(GPU_LIBRARY_DIR)
  run_example("class [0-9] on WebGPU, max \\|WebGPU - CPU\\| = [0-9.e-]+, 2 host<->device copies"
              "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${GPU_LIBRARY_DIR}" "XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR}"
              ./device_lane)
else()
  message("device_lane: built; not run (no gpu ONNX Runtime core)")
endif()
