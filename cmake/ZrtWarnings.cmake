# Warnings (as errors) and sanitizers for zrt's own targets.
function(zrt_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion
                                           -Wshadow -Wnon-virtual-dtor)
  if(ZRT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(ZRT_SANITIZE)
  add_compile_options(-fsanitize=${ZRT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${ZRT_SANITIZE})
endif()
