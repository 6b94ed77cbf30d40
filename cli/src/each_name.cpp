#include "each_name.h"

#include <iostream>

#include "skiff/cli/app.h"

namespace skiff::cli {

int for_each_name(const std::vector<std::string>& names, const std::function<std::string(const std::string&)>& action,
                  const std::function<int(const Error&)>& code_for_error) {
  int code = 0;
  for (const auto& name : names) {
    try {
      std::string out = action(name);
      if (!out.empty()) {
        std::cout << out << "\n";
      }
    } catch (const Error& e) {
      std::cerr << "Error: " << e.what() << "\n";
      code = code_for_error ? code_for_error(e) : kErrorExitCode;
    }
  }
  return code;
}

}  // namespace skiff::cli
