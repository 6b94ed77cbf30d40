#include "skiff/cli/go_template.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <sstream>

#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/cli/format.h"

namespace skiff::cli {

namespace {

constexpr std::string_view kTablePrefix = "table";

Error template_error(const std::string& what) {
  return Error("--format: template: " + what);
}

// "\t" and "\n" typed into the flag, as podman turns them into a tab and a newline.
std::string unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == 't' || text[i + 1] == 'n')) {
      out += text[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The words of an action: "|" alone, quoted strings ("..." or `...`) unquoted, other words as
// they are.
std::vector<std::string> words(std::string_view action, std::vector<bool>& quoted) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < action.size()) {
    char c = action[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
    } else if (c == '|') {
      out.emplace_back("|");
      quoted.push_back(false);
      ++i;
    } else if (c == '"' || c == '`') {
      std::string word;
      size_t j = i + 1;
      for (; j < action.size() && action[j] != c; ++j) {
        if (c == '"' && action[j] == '\\' && j + 1 < action.size()) {
          ++j;
          word += action[j] == 'n' ? '\n' : action[j] == 't' ? '\t' : action[j];
        } else {
          word += action[j];
        }
      }
      if (j >= action.size()) {
        throw template_error("unterminated string in {{" + std::string(action) + "}}");
      }
      out.push_back(word);
      quoted.push_back(true);
      i = j + 1;
    } else {
      size_t j = i;
      while (j < action.size() && std::isspace(static_cast<unsigned char>(action[j])) == 0 && action[j] != '|') {
        ++j;
      }
      out.emplace_back(action.substr(i, j - i));
      quoted.push_back(false);
      i = j;
    }
  }
  return out;
}

std::vector<std::string> field_path(const std::string& word, std::string_view action) {
  if (word == ".") {
    return {};
  }
  if (!word.starts_with(".")) {
    throw template_error("function \"" + word + "\" not defined in {{" + std::string(action) + "}}");
  }
  auto parts = split(word.substr(1), '.');
  for (const auto& part : parts) {
    if (part.empty()) {
      throw template_error("bad field \"" + word + "\" in {{" + std::string(action) + "}}");
    }
  }
  return parts;
}

bool known_function(const std::string& name) {
  return name == "json" || name == "upper" || name == "lower" || name == "join" || name == "index";
}

GoTemplate::Action parse_action(std::string_view text) {
  std::vector<bool> quoted;
  auto all = words(text, quoted);
  GoTemplate::Action action;
  // Stages separated by "|": the first names the value (a path, or a function of a path), the
  // others are functions of the value so far.
  std::vector<std::vector<std::pair<std::string, bool>>> stages(1);
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == "|" && !quoted[i]) {
      stages.emplace_back();
    } else {
      stages.back().emplace_back(all[i], quoted[i]);
    }
  }
  for (size_t s = 0; s < stages.size(); ++s) {
    const auto& stage = stages[s];
    if (stage.empty()) {
      throw template_error("missing value in {{" + std::string(text) + "}}");
    }
    GoTemplate::Call call;
    size_t first_arg = 0;
    if (s == 0 && !stage.front().second && stage.front().first.starts_with(".")) {
      action.path = field_path(stage.front().first, text);
      if (stage.size() > 1) {
        throw template_error("unexpected \"" + stage[1].first + "\" in {{" + std::string(text) + "}}");
      }
      continue;
    }
    call.name = stage.front().first;
    if (stage.front().second || !known_function(call.name)) {
      throw template_error("function \"" + call.name + "\" not defined in {{" + std::string(text) + "}}");
    }
    first_arg = 1;
    if (s == 0) {
      if (stage.size() < 2 || stage[1].second) {
        throw template_error(call.name + " needs a field in {{" + std::string(text) + "}}");
      }
      action.path = field_path(stage[1].first, text);
      first_arg = 2;
    }
    for (size_t i = first_arg; i < stage.size(); ++i) {
      if (!stage[i].second) {
        throw template_error("unexpected \"" + stage[i].first + "\" in {{" + std::string(text) + "}}");
      }
      call.args.push_back(stage[i].first);
    }
    size_t wanted = call.name == "join" || call.name == "index" ? 1 : 0;
    if (call.args.size() != wanted) {
      throw template_error(call.name + " takes " + std::to_string(wanted) + " string argument(s) in {{" +
                           std::string(text) + "}}");
    }
    action.calls.push_back(std::move(call));
  }
  return action;
}

// A value as Go's text/template prints it: strings bare, maps as map[k:v ...] by key.
std::string go_text(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::string:
      return std::string(value.get_string());
    case boost::json::kind::null:
      return "<no value>";
    case boost::json::kind::array: {
      std::string out = "[";
      for (const auto& item : value.get_array()) {
        out += (out.size() > 1 ? " " : "") + go_text(item);
      }
      return out + "]";
    }
    case boost::json::kind::object: {
      std::vector<std::pair<std::string, std::string>> entries;
      for (const auto& [key, item] : value.get_object()) {
        entries.emplace_back(std::string(key), go_text(item));
      }
      std::sort(entries.begin(), entries.end());
      std::string out = "map[";
      for (size_t i = 0; i < entries.size(); ++i) {
        out += (i > 0 ? " " : "") + entries[i].first + ":" + entries[i].second;
      }
      return out + "]";
    }
    default:
      return boost::json::serialize(value);
  }
}

boost::json::value apply(const GoTemplate::Call& call, const boost::json::value& value) {
  if (call.name == "json") {
    return boost::json::value(boost::json::serialize(value));
  }
  if (call.name == "upper" || call.name == "lower") {
    std::string text = go_text(value);
    for (char& c : text) {
      c = static_cast<char>(call.name == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                                 : std::tolower(static_cast<unsigned char>(c)));
    }
    return boost::json::value(text);
  }
  if (call.name == "join") {
    if (!value.is_array()) {
      throw template_error("join of a value that is not a list");
    }
    std::string out;
    for (const auto& item : value.get_array()) {
      out += (out.empty() ? "" : call.args.front()) + go_text(item);
    }
    return boost::json::value(out);
  }
  // index: a map's entry (none is "<no value>", as Go prints a missing map key)
  if (!value.is_object()) {
    throw template_error("index of a value that is not a map");
  }
  const auto* found = value.get_object().if_contains(call.args.front());
  return found != nullptr ? *found : boost::json::value(nullptr);
}

boost::json::value evaluate(const GoTemplate::Action& action, const boost::json::value& data) {
  const boost::json::value* at = &data;
  std::string walked;
  for (const auto& field : action.path) {
    walked += "." + field;
    const auto* object = at->if_object();
    const auto* next = object != nullptr ? object->if_contains(field) : nullptr;
    if (next == nullptr) {
      throw template_error("can't evaluate field " + field + " (at <" + walked + ">)");
    }
    at = next;
  }
  boost::json::value value = *at;
  for (const auto& call : action.calls) {
    value = apply(call, value);
  }
  return value;
}

// "CreatedAt" -> "CREATED AT", "ID" -> "ID": podman's headers for fields it has no name for.
std::string header_of(const GoTemplate::Action& action, const std::map<std::string, std::string>& headers) {
  std::string field = action.path.empty() ? "" : action.path.back();
  if (auto named = headers.find(field); named != headers.end()) {
    return named->second;
  }
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    bool boundary = i > 0 && std::isupper(static_cast<unsigned char>(field[i])) != 0 &&
                    std::islower(static_cast<unsigned char>(field[i - 1])) != 0;
    out += std::string(boundary ? " " : "") + static_cast<char>(std::toupper(static_cast<unsigned char>(field[i])));
  }
  return out;
}

}  // namespace

bool GoTemplate::is_template(std::string_view text) {
  return text.find("{{") != std::string_view::npos;
}

GoTemplate::GoTemplate(std::string_view raw) {
  std::string text = unescape(raw);
  std::string_view rest = text;
  if (rest.starts_with(kTablePrefix) &&
      (rest.size() == kTablePrefix.size() || std::isspace(static_cast<unsigned char>(rest[kTablePrefix.size()])))) {
    table_ = true;
    rest.remove_prefix(kTablePrefix.size());
    while (!rest.empty() && rest.front() == ' ') {
      rest.remove_prefix(1);
    }
  }
  while (!rest.empty()) {
    size_t open = rest.find("{{");
    if (open == std::string_view::npos) {
      pieces_.push_back({std::string(rest), false, {}});
      break;
    }
    if (open > 0) {
      pieces_.push_back({std::string(rest.substr(0, open)), false, {}});
    }
    size_t close = rest.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw template_error("unclosed action in \"" + std::string(raw) + "\"");
    }
    std::string_view inner = rest.substr(open + 2, close - open - 2);
    pieces_.push_back({"", true, parse_action(trim(inner))});
    rest.remove_prefix(close + 2);
  }
}

std::string GoTemplate::render(const boost::json::value& data) const {
  std::string out;
  for (const auto& piece : pieces_) {
    out += piece.is_action ? go_text(evaluate(piece.action, data)) : piece.text;
  }
  if (out.empty() || out.back() != '\n') {
    out += '\n';
  }
  return out;
}

std::string GoTemplate::render_all(const std::vector<boost::json::value>& documents,
                                   const std::map<std::string, std::string>& headers) const {
  if (!table_) {
    std::string out;
    for (const auto& document : documents) {
      out += render(document);
    }
    return out;
  }
  std::string header;
  for (const auto& piece : pieces_) {
    header += piece.is_action ? header_of(piece.action, headers) : piece.text;
  }
  std::vector<std::vector<std::string>> rows;
  auto add_lines = [&rows](const std::string& text) {
    for (const auto& line : split(text, '\n')) {
      if (!line.empty()) {
        rows.push_back(split(line, '\t'));
      }
    }
  };
  add_lines(header);
  for (const auto& document : documents) {
    add_lines(render(document));
  }
  return format_table(rows);
}

std::optional<GoTemplate> parse_format(const std::string& format, const std::vector<std::string>& named) {
  if (GoTemplate::is_template(format)) {
    return GoTemplate(format);
  }
  if (std::find(named.begin(), named.end(), format) != named.end()) {
    return std::nullopt;
  }
  std::string names;
  for (const auto& name : named) {
    names += name + ", ";
  }
  throw Error("--format: unknown format \"" + format + "\" (want " + names + "or a Go template)");
}

std::string inspect_output(const boost::json::array& documents, const std::optional<GoTemplate>& format) {
  if (!format) {
    return json::pretty(documents);
  }
  return format->render_all(std::vector<boost::json::value>(documents.begin(), documents.end()));
}

}  // namespace skiff::cli
