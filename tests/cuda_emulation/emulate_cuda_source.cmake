# Writes a .cu file as C++ for the CPU emulation of tests/cuda_emulation/cuda_runtime.h:
#   name<<<grid, block, shared, stream>>>(args)   ->  emu_launch(name, grid, block, shared, stream)(args)
#   extern __shared__ ... float NAME[];          ->  float* NAME = emu_dynamic_shared();
# The result defines the same functions as the .cu, so a test built from it must not link the
# CUDA objects (tests/CMakeLists.txt builds it from the generated file and the CPU sources it needs).
# Usage: cmake -DSOURCE=in.cu -DOUTPUT=out.cpp -P emulate_cuda_source.cmake
file(READ "${SOURCE}" text)
# (a launch configuration may hold ">", as in static_cast<int>(n), but never ";")
string(REGEX REPLACE "([A-Za-z_0-9:]+(<[A-Za-z_0-9:, ]+>)?)<<<([^;]*)>>>\\(" "emu_launch(\\1, \\3)(" text "${text}")
string(REGEX REPLACE "extern __shared__ [^;]*float ([A-Za-z_0-9]+)\\[\\];" "float* \\1 = emu_dynamic_shared();" text "${text}")
if(text MATCHES "<<<")
  message(FATAL_ERROR "emulate_cuda_source: a launch in ${SOURCE} was not rewritten")
endif()
file(WRITE "${OUTPUT}" "// Generated from ${SOURCE} by emulate_cuda_source.cmake: do not edit.\n${text}")
