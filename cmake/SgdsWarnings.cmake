# Warnings on for our own code (dependencies are included as SYSTEM so theirs stay quiet).
add_library(sgds_warnings INTERFACE)
target_compile_options(sgds_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)
if(SGDS_SANITIZE)
  target_compile_options(sgds_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all>)
  target_link_options(sgds_warnings INTERFACE -fsanitize=address,undefined)
endif()
