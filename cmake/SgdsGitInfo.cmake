# The git sha (+dirty) is regenerated at every build, not only at configure time, so result
# files never carry a stale revision. The file is rewritten only when the text changes.
set(SGDS_GIT_INFO_SOURCE ${CMAKE_CURRENT_BINARY_DIR}/generated/git_info.cpp)
add_custom_target(sgds_git_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR} -DOUTPUT=${SGDS_GIT_INFO_SOURCE}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/WriteGitInfo.cmake
  BYPRODUCTS ${SGDS_GIT_INFO_SOURCE}
  COMMENT "Recording git revision")
