#pragma once
// A message's wire form as a string (model/messages.h), for the tests of those forms.
#include <string>

namespace ringside {

template <class T>
std::string encode(const T& m) {
  std::string out(m.encoded_size(), '\0');
  m.encode(out.data());
  return out;
}

}  // namespace ringside
