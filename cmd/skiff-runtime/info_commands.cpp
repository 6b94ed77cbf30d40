#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/base/subprocess.h"
#include "skiff/runtime/default_spec.h"

namespace skiff::cli {

namespace {

void check_format(const std::string& format) {
  if (format != "table" && format != "json") {
    throw Error("--format: unknown format \"" + format + "\" (want table or json)");
  }
}

// Prints rows as columns padded to their widest cell, as Go's tabwriter does for runc.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - row[i].size() + 3, ' ');
      }
    }
    std::cout << line << "\n";
  }
}

int print_ps(runtime::Runtime& rt, const std::string& format, const std::vector<std::string>& args) {
  check_format(format);
  if (args.empty()) {
    throw Error("ps: a container id is required");
  }
  std::vector<pid_t> pids = rt.pids(args[0]);
  if (format == "json") {
    boost::json::array out;
    for (pid_t pid : pids) {
      out.emplace_back(pid);
    }
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  SubprocessOptions ps;
  ps.args = {"ps"};
  if (args.size() > 1) {
    ps.args.insert(ps.args.end(), args.begin() + 1, args.end());
  } else {
    ps.args.emplace_back("-ef");
  }
  SubprocessResult result = run_subprocess(ps);
  if (!result.ok()) {
    throw Error("ps " + std::string(result.describe()) + ": " + result.err);
  }
  auto lines = split(result.out, '\n');
  if (lines.empty()) {
    return 0;
  }
  // Find the PID column in the header; print the header and the container's rows.
  std::istringstream header(lines[0]);
  std::string word;
  int pid_column = -1;
  for (int i = 0; header >> word; ++i) {
    if (word == "PID") {
      pid_column = i;
      break;
    }
  }
  if (pid_column < 0) {
    throw Error("ps: the output has no PID column (pass options that print one)");
  }
  std::cout << lines[0] << "\n";
  for (size_t i = 1; i < lines.size(); ++i) {
    std::istringstream row(lines[i]);
    std::string field;
    for (int c = 0; c <= pid_column && row >> field; ++c) {
    }
    pid_t pid = static_cast<pid_t>(std::atoi(field.c_str()));
    if (std::find(pids.begin(), pids.end(), pid) != pids.end()) {
      std::cout << lines[i] << "\n";
    }
  }
  return 0;
}

int print_list(runtime::Runtime& rt, const std::string& format, bool quiet) {
  check_format(format);
  auto containers = rt.list();
  if (quiet) {
    for (const auto& c : containers) {
      std::cout << c.state.id << "\n";
    }
    return 0;
  }
  if (format == "json") {
    boost::json::array out;
    for (const auto& c : containers) {
      boost::json::object entry = runtime::oci_state(c.state, c.status);
      entry["pid"] = c.status == runtime::Status::stopped ? 0 : c.state.pid;
      out.push_back(std::move(entry));
    }
    std::cout << boost::json::serialize(out) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const auto& c : containers) {
    rows.push_back({c.state.id, std::to_string(c.status == runtime::Status::stopped ? 0 : c.state.pid),
                    std::string(runtime::status_name(c.status)), c.state.bundle, c.state.created, c.state.owner});
  }
  print_table(rows);
  return 0;
}

}  // namespace

void add_info_commands(CLI::App& app, Action& action) {
  auto format = std::make_shared<std::string>("table");
  auto args = std::make_shared<std::vector<std::string>>();
  auto* ps = app.add_subcommand("ps", "list the processes of a container: ps [options] <id> [ps options]");
  ps->add_option("-f,--format", *format, "table or json");
  ps->prefix_command();
  ps->callback([&action, format, args, ps] {
    *args = ps->remaining();
    action = [format, args](runtime::Runtime& rt) { return print_ps(rt, *format, *args); };
  });

  auto quiet = std::make_shared<bool>(false);
  auto* list = app.add_subcommand("list", "list containers");
  list->alias("ls");
  list->add_option("-f,--format", *format, "table or json");
  list->add_flag("-q,--quiet", *quiet, "print only the ids");
  list->callback([&action, format, quiet] {
    action = [format, quiet](runtime::Runtime& rt) { return print_list(rt, *format, *quiet); };
  });

  auto bundle = std::make_shared<std::string>(".");
  auto rootless = std::make_shared<bool>(false);
  auto* spec = app.add_subcommand("spec", "write a default config.json into the bundle");
  spec->add_option("-b,--bundle", *bundle, "bundle directory (default: the current directory)");
  spec->add_flag("--rootless", *rootless, "a config for an unprivileged user");
  spec->callback([&action, bundle, rootless] {
    action = [bundle, rootless](runtime::Runtime&) {
      std::string path = *bundle + "/config.json";
      if (path_exists(path)) {
        throw Error("spec: " + path + " already exists; remove it first");
      }
      write_file(path, json::pretty(runtime::default_spec(*rootless, ::geteuid(), ::getegid())), 0644);
      return 0;
    };
  });

  auto* features = app.add_subcommand("features", "print what this runtime supports, as JSON");
  features->callback([&action] {
    action = [](runtime::Runtime&) {
      std::cout << json::pretty(runtime::runtime_features());
      return 0;
    };
  });
}

}  // namespace skiff::cli
