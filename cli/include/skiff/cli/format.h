#pragma once

// How `skiff` prints sizes, ages and tables, as podman does (its go-units and tabwriter rules).

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::cli {

// Decimal units with three significant digits: "4.52 MB", "512 B", "1.23 GB".
std::string human_size(uint64_t bytes);
// Binary units for progress: "1.5 MiB", "512 B".
std::string human_binary_size(uint64_t bytes);
// How long ago: "Less than a second", "About a minute", "3 hours", "2 weeks", "5 years".
std::string human_duration(int64_t seconds);
// Seconds since the epoch of an RFC 3339 timestamp ("2024-05-01T12:00:00.123Z", "…+02:00");
// none when text is not one.
std::optional<int64_t> parse_rfc3339(std::string_view text);

// Rows printed as columns: each cell padded to its column's widest cell plus two spaces, and to
// at least twelve characters, as podman's tabwriter does. The last column is not padded.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace skiff::cli
