#pragma once
// Running a module of the analysis package (analysis/python/sgdsmooth) with Debian's python3, for
// the commands that draw (report, compare). The module draws into a staging folder beside the
// output; the files move into the output folder only when it succeeds, so a failed or interrupted
// drawing leaves the folder as it was.
#include <filesystem>
#include <string>
#include <vector>

namespace sgds::app {

// Where the package lives: $SGDS_SOURCE_DIR/analysis/python if set (an installed binary pointed
// at a checkout), else the source tree this binary was built from. UsageError if `module` is not there.
std::filesystem::path analysis_package_root(const std::string& module);

// $SGDS_PYTHON, else /usr/bin/python3.
std::string analysis_python();

// `python -m sgdsmooth.MODULE ARGS... -o STAGING` for the output folder `output`; then publish the
// staging folder's files into `output`, `last_file` (the folder's marker, e.g. report.md) last.
// A non-zero exit of the module ends the command with that status (its one line already printed);
// SIGINT, SIGTERM and SIGHUP stop it, remove the staging folder and end the command in one line.
void run_drawing_module(const std::string& command, const std::string& module, const std::vector<std::string>& args,
                        const std::string& output, const std::string& last_file);

}  // namespace sgds::app
