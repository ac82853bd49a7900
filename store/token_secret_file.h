#pragma once
// The token secret's own file: tokens handed out before a restart must still be recognised
// (and re-granted as the same text) after it, so with durable state the secret must outlive
// the process. It is kept in a file of its own, mode 0600, and never in the database: a copy
// of the database alone must not let anyone mint tokens.
#include <string>

#include "model/token_minter.h"

namespace ringside {

// Reads the secret from `path` (64 hex digits), or creates the file with a new random one.
// False and why when the file cannot be read, written or parsed.
bool load_or_create_secret(const std::string& path, TokenMinter::Secret* secret,
                           std::string* error);

}  // namespace ringside
