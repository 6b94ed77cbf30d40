// logs, top, stats: what a container writes, which processes it has, what its cgroup uses.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <thread>

#include "command_context.h"
#include "container_lookup.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"
#include "skiff/cli/format.h"

namespace skiff::cli {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr size_t kShortIdLength = 12;

struct LogsFlags {
  std::string container;
  bool follow = false;
  std::optional<size_t> tail;
  std::string since;
  bool timestamps = false;
};

// A Go duration as podman's --since takes one: "90s", "10m", "1h30m", "1.5h".
std::optional<int64_t> parse_duration_ns(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  double total = 0;
  while (!text.empty()) {
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end == text.data()) {
      return std::nullopt;
    }
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    double unit = 0;
    for (auto [name, nanos] :
         {std::pair<std::string_view, double>{"ms", 1e6}, {"h", 3600e9}, {"m", 60e9}, {"s", 1e9}}) {
      if (text.starts_with(name)) {
        unit = nanos;
        text.remove_prefix(name.size());
        break;
      }
    }
    if (unit == 0) {
      return std::nullopt;
    }
    total += number * unit;
  }
  return static_cast<int64_t>(total);
}

// --since: an RFC 3339 time, a Unix time in seconds, or a duration before now.
int64_t parse_since(const std::string& text) {
  if (auto seconds = parse_rfc3339(text)) {
    return *seconds * kNanosPerSecond;
  }
  double unix_seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), unix_seconds);
  if (ec == std::errc() && end == text.data() + text.size()) {
    return static_cast<int64_t>(unix_seconds * 1e9);
  }
  if (auto ago = parse_duration_ns(text)) {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return now - *ago;
  }
  throw Error("--since: invalid time \"" + text + "\" (want an RFC 3339 time, a Unix time or a duration like 10m)");
}

int print_logs(Context& ctx, const LogsFlags& flags) {
  pod::LogsOptions options;
  options.follow = flags.follow;
  options.tail = flags.tail;
  if (!flags.since.empty()) {
    options.since_ns = parse_since(flags.since);
  }
  ctx.containers().logs(resolve_container(ctx.containers(), flags.container), options, [&](const pod::LogLine& line) {
    std::ostream& out = line.stream == pod::LogStream::stderr_stream ? std::cerr : std::cout;
    if (flags.timestamps) {
      out << line.timestamp << " ";
    }
    out << line.content;
    if (line.complete) {
      out << "\n";
    }
    out.flush();
  });
  return 0;
}

int print_top(Context& ctx, const std::string& name) {
  std::vector<std::vector<std::string>> rows = {{"USER", "PID", "PPID", "COMMAND"}};
  for (const auto& row : ctx.containers().top(resolve_container(ctx.containers(), name))) {
    rows.push_back({row.user, std::to_string(row.pid), std::to_string(row.ppid), row.command});
  }
  std::cout << format_table(rows);
  return 0;
}

// The host's memory, which bounds a container without a limit of its own (as podman shows it).
uint64_t host_memory() {
  for (const auto& line : split(read_file("/proc/meminfo"), '\n')) {
    if (line.starts_with("MemTotal:")) {
      auto fields = split(std::string(trim(line.substr(9))), ' ');
      return parse_uint(fields.front(), "MemTotal") * 1024;
    }
  }
  throw Error("/proc/meminfo has no MemTotal line");
}

struct StatsSample {
  std::string id;
  std::string name;
  cgroups::Stats stats;
  std::chrono::steady_clock::time_point at;
};

std::string percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", value);
  return text;
}

// One table of the containers' figures; CPU % over the time since previous (or since each
// container started, with no previous sample, as podman's --no-stream does).
std::string stats_table(Context& ctx, const std::vector<StatsSample>& samples,
                        const std::vector<StatsSample>& previous) {
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"}};
  uint64_t host = host_memory();
  for (const auto& sample : samples) {
    double cpu = 0;
    auto before =
        std::find_if(previous.begin(), previous.end(), [&](const StatsSample& p) { return p.id == sample.id; });
    if (before != previous.end()) {
      double wall = std::chrono::duration<double, std::nano>(sample.at - before->at).count();
      cpu = wall > 0 ? 100.0 * static_cast<double>(sample.stats.cpu_usage_nanos - before->stats.cpu_usage_nanos) / wall
                     : 0;
    } else {
      auto started = parse_rfc3339(ctx.containers().info(sample.id).started_at);
      double wall = started ? static_cast<double>(std::time(nullptr) - *started) * 1e9 : 0;
      cpu = wall > 0 ? 100.0 * static_cast<double>(sample.stats.cpu_usage_nanos) / wall : 0;
    }
    uint64_t limit =
        sample.stats.memory_limit == 0 || sample.stats.memory_limit > host ? host : sample.stats.memory_limit;
    double mem = 100.0 * static_cast<double>(sample.stats.memory_usage) / static_cast<double>(limit);
    rows.push_back({sample.id.substr(0, kShortIdLength), sample.name, percent(cpu),
                    human_size(sample.stats.memory_usage) + " / " + human_size(limit), percent(mem),
                    std::to_string(sample.stats.pids_current)});
  }
  return format_table(rows);
}

std::vector<StatsSample> sample_stats(Context& ctx, const std::vector<std::string>& names) {
  std::vector<StatsSample> samples;
  std::vector<std::string> targets = names;
  if (targets.empty()) {
    for (const auto& info : ctx.containers().list(false)) {
      targets.push_back(info.id);
    }
  }
  for (const auto& target : targets) {
    auto info = ctx.containers().info(resolve_container(ctx.containers(), target));
    samples.push_back(StatsSample{.id = info.id,
                                  .name = info.name,
                                  .stats = ctx.containers().stats(info.id),
                                  .at = std::chrono::steady_clock::now()});
  }
  return samples;
}

int print_stats(Context& ctx, const std::vector<std::string>& names, bool no_stream) {
  auto samples = sample_stats(ctx, names);
  if (no_stream) {
    std::cout << stats_table(ctx, samples, {});
    return 0;
  }
  bool terminal = is_terminal(STDOUT_FILENO);
  std::vector<StatsSample> previous;
  for (;;) {
    if (terminal) {
      std::cout << "\x1b[2J\x1b[H";  // clear the screen, as podman redraws
    }
    std::cout << stats_table(ctx, samples, previous) << std::flush;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    previous = std::move(samples);
    samples = sample_stats(ctx, names);
  }
}

}  // namespace

void add_logs_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<LogsFlags>();
  auto* cmd = parent.add_subcommand("logs", "print a container's output");
  cmd->add_flag("-f,--follow", flags->follow, "keep printing new output until the container has ended");
  cmd->add_option("-n,--tail", flags->tail, "only the last N lines");
  cmd->add_option("--since", flags->since, "only output since a time: RFC 3339, a Unix time or a duration (10m)");
  cmd->add_flag("-t,--timestamps", flags->timestamps, "prefix each line with the time it was written");
  cmd->add_option("container", flags->container, "the container: name or id")->required();
  cmd->callback([&ctx, flags] { ctx.set_action([&ctx, flags] { return print_logs(ctx, *flags); }, true); });
}

void add_top_command(CLI::App& parent, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("top", "list the processes of a running container");
  cmd->add_option("container", *name, "the container: name or id")->required();
  cmd->callback([&ctx, name] { ctx.set_action([&ctx, name] { return print_top(ctx, *name); }, true); });
}

void add_stats_command(CLI::App& parent, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto no_stream = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("stats", "show running containers' CPU, memory and process figures");
  cmd->add_flag("--no-stream", *no_stream, "print the figures once instead of every second");
  cmd->add_option("container", *names, "containers: names or ids (default: every running one)");
  cmd->callback([&ctx, names, no_stream] {
    ctx.set_action([&ctx, names, no_stream] { return print_stats(ctx, *names, *no_stream); }, true);
  });
}

}  // namespace skiff::cli
