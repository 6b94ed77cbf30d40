#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skiff {

// Splits on sep; empty fields are kept ("a,,b" -> {"a", "", "b"}).
std::vector<std::string> split(std::string_view text, char sep);
std::string_view trim(std::string_view text);

// Parses a whole decimal number; what names the argument or field in the error.
int64_t parse_int(std::string_view text, std::string_view what);
uint64_t parse_uint(std::string_view text, std::string_view what);

// "512", "64k", "100M", "1.5g", "2GiB", "10mb" -> bytes (powers of 1024, as docker and runc).
// "-1" is allowed when allow_unlimited, meaning no limit.
int64_t parse_byte_size(std::string_view text, std::string_view what, bool allow_unlimited = false);

// Whether name is what podman and docker accept for a container, pod or volume name:
// [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 253 characters.
bool is_valid_object_name(std::string_view name);

}  // namespace skiff
