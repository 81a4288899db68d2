# Run with cmake -P: installs the zrt build in ZRT_BUILD_DIR into a fresh prefix under
# WORK_DIR, then configures, builds and runs the consumer project against it.
# Inputs: ZRT_BUILD_DIR, CONSUMER_SOURCE_DIR, WORK_DIR, CXX_COMPILER, BUILD_TYPE, SANITIZE.
foreach(var ZRT_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "install_and_consume: ${var} is not set")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install_and_consume: ${what} failed (${rc})")
  endif()
endfunction()

run_step("install" "${CMAKE_COMMAND}" --install "${ZRT_BUILD_DIR}" --prefix "${prefix}")

set(configure_args -S "${CONSUMER_SOURCE_DIR}" -B "${build}" "-DCMAKE_PREFIX_PATH=${prefix}")
if(CXX_COMPILER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(BUILD_TYPE)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()
if(SANITIZE)
  # libzrt was built with sanitizers: the consumer must link their runtimes too.
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE}" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()
run_step("configure" "${CMAKE_COMMAND}" ${configure_args})
run_step("build" "${CMAKE_COMMAND}" --build "${build}")

# Nothing but the installed tree's own RPATH should be needed to run it.
find_program(consumer zrt_consumer PATHS "${build}" NO_DEFAULT_PATH REQUIRED)
run_step("run" "${consumer}")
