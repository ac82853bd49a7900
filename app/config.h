#pragma once
// Reads Config (model/config.h) from flags, optionally preceded by a config file of
// `key = value` lines with the same names (flags win). `--help` prints every flag.
#include <string>

#include "model/config.h"

namespace ringside {

// Parses argv (argv[0] is skipped). On `--help` sets *help. Returns an empty string or the
// error to print.
std::string parse_config(int argc, char** argv, Config* config, bool* help);
std::string usage();

}  // namespace ringside
