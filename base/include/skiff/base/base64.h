#pragma once

#include <string>
#include <string_view>

namespace skiff {

// Standard base64 (RFC 4648 section 4) with padding, as auth.json, kubeconfigs, Secrets' data and
// etcd's JSON gateway write it.
std::string base64_encode(std::string_view data);
// Decodes padded standard base64; an error names what (a field, a file) and says what is wrong.
std::string base64_decode(std::string_view text, std::string_view what);

}  // namespace skiff
