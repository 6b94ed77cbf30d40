// skiff-runtime events [--stats] [--interval 5s] <id>: runc's events command.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <iostream>

#include "commands.h"
#include "skiff/base/error.h"

namespace skiff::cli {

namespace {

// A Go duration as runc takes it: "5s", "100ms", "1m30s", "1.5h" (units ns, us, µs, ms, s, m, h).
std::chrono::nanoseconds parse_duration(const std::string& text, const std::string& flag) {
  auto bad = [&]() -> Error {
    return Error(flag + ": invalid duration \"" + text + "\" (want a number and a unit: 500ms, 5s, 1m)");
  };
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"\u00b5s", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  if (text.empty()) {
    throw bad();
  }
  double total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find_first_not_of("0123456789.", pos);
    std::string number = text.substr(pos, end - pos);
    if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1 ||
        end == std::string::npos) {
      throw bad();
    }
    // The longest unit that matches ("ms" before "m").
    std::string_view rest = std::string_view(text).substr(end);
    const std::pair<std::string_view, double>* unit = nullptr;
    for (const auto& u : kUnits) {
      if (rest.starts_with(u.first) && (unit == nullptr || u.first.size() > unit->first.size())) {
        unit = &u;
      }
    }
    if (unit == nullptr) {
      throw bad();
    }
    total += std::stod(number) * unit->second;
    pos = end + unit->first.size();
  }
  if (!std::isfinite(total) || total > 9e18) {
    throw bad();
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

struct EventsFlags {
  bool stats = false;
  std::string interval = "5s";
  std::string id;
};

void print(const runtime::Event& event) {
  // One line per event, flushed: readers follow the stream as it comes.
  std::cout << boost::json::serialize(runtime::event_json(event)) << std::endl;
  if (!std::cout) {
    throw Error("events: write to stdout failed");
  }
}

}  // namespace

void add_events_command(CLI::App& app, Action& action) {
  auto f = std::make_shared<EventsFlags>();
  auto* events = app.add_subcommand(
      "events", "print a container's resource usage every interval and its OOM kills as they happen, as JSON lines");
  events->add_flag("--stats", f->stats, "print the container's resource usage once and exit");
  events->add_option("--interval", f->interval, "how often to print resource usage (default 5s)");
  events->add_option("id", f->id, "container id")->required();
  events->callback([&action, f] {
    action = [f](runtime::Runtime& rt) {
      std::chrono::nanoseconds interval = parse_duration(f->interval, "--interval");
      if (interval <= std::chrono::nanoseconds::zero()) {
        throw Error("--interval: the duration must be greater than 0 (got \"" + f->interval + "\")");
      }
      if (f->stats) {
        print({runtime::Event::Type::stats, f->id, rt.stats(f->id)});
        return 0;
      }
      rt.events(f->id, interval, print);
      return 0;
    };
  });
}

}  // namespace skiff::cli
