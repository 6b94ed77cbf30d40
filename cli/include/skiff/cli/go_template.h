#pragma once

// --format with a Go template, as podman takes one: `{{.Names}}`, `{{.State.Pid}}`,
// `{{json .Config}}`, `table {{.ID}}\t{{.Image}}`. The subset scripts use: field paths on the
// command's JSON document, the functions json, upper, lower, join and index, pipes into them
// (`{{.Labels | json}}`), and "table" for a header row and aligned columns. A literal "\t" or
// "\n" in the flag's text is a tab or a newline, as podman reads it.

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::cli {

class GoTemplate {
 public:
  // Throws naming --format and what it could not parse.
  explicit GoTemplate(std::string_view text);

  // Whether the text is a template rather than one of a command's named formats (table, json).
  static bool is_template(std::string_view text);

  // The text for one document, ending in a newline. Throws for a field the document lacks.
  [[nodiscard]] std::string render(const boost::json::value& data) const;
  // "table ...": the documents under a header row, in columns (format.h's format_table), each
  // column's header the field's name in capitals ("CreatedAt" is "CREATED AT") unless headers
  // names it ("ID" -> "CONTAINER ID"). Otherwise each document's text in turn.
  [[nodiscard]] std::string render_all(const std::vector<boost::json::value>& documents,
                                       const std::map<std::string, std::string>& headers = {}) const;

  // A function applied to the value so far, with string arguments (join's separator, index's key).
  struct Call {
    std::string name;
    std::vector<std::string> args;
  };
  struct Action {
    std::vector<std::string> path;  // empty: the document itself
    std::vector<Call> calls;        // applied in order
  };

 private:
  struct Piece {
    std::string text;  // literal text, when action is unset
    bool is_action = false;
    Action action;
  };
  bool table_ = false;
  std::vector<Piece> pieces_;
};

// --format's value: a template, or nullopt for one of the command's named formats (table, json);
// anything else is an error listing them.
std::optional<GoTemplate> parse_format(const std::string& format, const std::vector<std::string>& named);

// What an inspect command prints: the documents as a JSON array, or each through the template.
std::string inspect_output(const boost::json::array& documents, const std::optional<GoTemplate>& format);

}  // namespace skiff::cli
