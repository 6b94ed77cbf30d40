#include "skiff/cli/image_changes.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "skiff/base/error.h"
#include "skiff/base/strings.h"

namespace skiff::cli {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// Whitespace-separated words; double quotes group (LABEL "a b"=c).
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  bool quoted = false;
  bool any = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (any) {
        out.push_back(word);
      }
      word.clear();
      any = false;
    } else {
      word += c;
      any = true;
    }
  }
  if (any) {
    out.push_back(word);
  }
  return out;
}

// ["a", "b"] or a shell command line run by /bin/sh -c.
boost::json::array command(std::string_view change, std::string_view args) {
  if (args.starts_with("[")) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(args, ec);
    if (ec || !parsed.is_array() ||
        !std::all_of(parsed.as_array().begin(), parsed.as_array().end(), [](const auto& v) { return v.is_string(); })) {
      throw Error("--change \"" + std::string(change) + "\": want a JSON array of strings or a shell command");
    }
    return parsed.as_array();
  }
  return boost::json::array{"/bin/sh", "-c", args};
}

// KEY=VALUE pairs, or (the older form) "KEY VALUE".
std::vector<std::pair<std::string, std::string>> pairs(std::string_view change, std::string_view args) {
  auto list = words(args);
  std::vector<std::pair<std::string, std::string>> out;
  if (!list.empty() && list.front().find('=') == std::string::npos) {
    auto space = args.find_first_of(" \t");
    if (space == std::string_view::npos) {
      throw Error("--change \"" + std::string(change) + "\": want KEY=VALUE");
    }
    out.emplace_back(std::string(args.substr(0, space)), std::string(trim(args.substr(space))));
    return out;
  }
  for (const auto& word : list) {
    auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--change \"" + std::string(change) + "\": \"" + word + "\" is not KEY=VALUE");
    }
    out.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  return out;
}

boost::json::object& object_member(boost::json::object& config, std::string_view key) {
  auto& slot = config[key];
  if (!slot.is_object()) {
    slot = boost::json::object();
  }
  return slot.as_object();
}

}  // namespace

void apply_change(boost::json::object& config, std::string_view change) {
  std::string_view text = trim(change);
  auto space = text.find_first_of(" \t");
  std::string instruction = upper(text.substr(0, space));
  std::string_view args = space == std::string_view::npos ? std::string_view() : trim(text.substr(space));
  if (args.empty()) {
    throw Error("--change \"" + std::string(change) +
                "\": " + (instruction.empty() ? "empty" : instruction + " needs a value"));
  }
  if (instruction == "CMD") {
    config["Cmd"] = command(change, args);
  } else if (instruction == "ENTRYPOINT") {
    config["Entrypoint"] = command(change, args);
  } else if (instruction == "ENV") {
    auto& env_value = config["Env"];
    if (!env_value.is_array()) {
      env_value = boost::json::array();
    }
    auto& env = env_value.as_array();
    for (const auto& [key, value] : pairs(change, args)) {
      std::string prefix = key + "=";
      auto existing = std::find_if(env.begin(), env.end(), [&](const boost::json::value& v) {
        return v.is_string() && std::string_view(v.as_string()).starts_with(prefix);
      });
      if (existing != env.end()) {
        *existing = prefix + value;
      } else {
        env.emplace_back(prefix + value);
      }
    }
  } else if (instruction == "WORKDIR") {
    config["WorkingDir"] = args;
  } else if (instruction == "USER") {
    config["User"] = args;
  } else if (instruction == "STOPSIGNAL") {
    config["StopSignal"] = args;
  } else if (instruction == "LABEL") {
    auto& labels = object_member(config, "Labels");
    for (const auto& [key, value] : pairs(change, args)) {
      labels[key] = value;
    }
  } else if (instruction == "EXPOSE") {
    auto& ports = object_member(config, "ExposedPorts");
    for (auto port : words(args)) {
      if (port.find('/') == std::string::npos) {
        port += "/tcp";
      }
      ports[port] = boost::json::object();
    }
  } else if (instruction == "VOLUME") {
    auto& volumes = object_member(config, "Volumes");
    auto list = args.starts_with("[") ? command(change, args) : boost::json::array();
    if (list.empty()) {
      for (const auto& word : words(args)) {
        list.emplace_back(word);
      }
    }
    for (const auto& volume : list) {
      volumes[volume.as_string()] = boost::json::object();
    }
  } else {
    throw Error("--change \"" + std::string(change) + "\": unknown instruction \"" + instruction +
                "\" (want CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME or WORKDIR)");
  }
}

}  // namespace skiff::cli
