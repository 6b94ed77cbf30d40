#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::apiserver {

// A label selector in kube's string form: "app=web,tier!=db,env in (a,b),!legacy,version".
// Malformed selectors throw an ApiError (400).
class LabelSelector {
 public:
  LabelSelector() = default;
  static LabelSelector parse(std::string_view text);
  // The selector of a LabelSelector object ({matchLabels, matchExpressions}), as Deployments hold.
  static LabelSelector from_object(const boost::json::object& selector);

  [[nodiscard]] bool matches(const boost::json::object* labels) const;
  [[nodiscard]] bool empty() const { return requirements_.empty(); }
  // Back in string form ("app=web,env in (a,b)"), as a Scale's status.selector holds it.
  [[nodiscard]] std::string to_string() const;

 private:
  enum class Op { equals, not_equals, in, not_in, exists, not_exists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

// A field selector: "metadata.name=x,status.phase!=Running". Only the fields kube supports for
// the resource are accepted ("field label not supported" otherwise).
class FieldSelector {
 public:
  FieldSelector() = default;
  static FieldSelector parse(std::string_view text, const std::string& resource);

  [[nodiscard]] bool matches(const boost::json::object& object) const;
  [[nodiscard]] bool empty() const { return requirements_.empty(); }
  // The value an equality on metadata.name requires, "" when none (a get instead of a list).
  [[nodiscard]] std::string required_name() const;

 private:
  struct Requirement {
    std::string field;
    bool equals;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

// The string at a dotted path ("spec.nodeName") of an object, "" when absent; numbers and
// booleans in their JSON form.
std::string field_value(const boost::json::object& object, std::string_view path);

}  // namespace skiff::apiserver
