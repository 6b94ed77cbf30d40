// inspect: a container's details as JSON; at the top level, as podman's, a name that is no
// container is looked up as an image.
#include <iostream>
#include <memory>

#include "command_context.h"
#include "container_lookup.h"
#include "image_details.h"
#include "skiff/base/error.h"
#include "skiff/base/json.h"
#include "skiff/cli/app.h"
#include "skiff/cli/go_template.h"

namespace skiff::cli {

namespace {

// The container's inspect document; nullopt when there is no such container.
std::optional<boost::json::object> inspect_container(Context& ctx, const std::string& name) {
  try {
    return ctx.containers().inspect(resolve_container(ctx.containers(), name));
  } catch (const NoSuchContainer&) {
    return std::nullopt;
  }
}

int inspect(Context& ctx, const std::vector<std::string>& names, const std::string& format, bool or_image) {
  std::optional<GoTemplate> format_template = parse_format(format, {"json"});
  boost::json::array out;
  int code = 0;
  for (const auto& name : names) {
    try {
      if (auto container = inspect_container(ctx, name)) {
        out.push_back(*container);
      } else if (or_image && ctx.store().find_image(name)) {
        out.push_back(inspect_image(image_details(ctx.store(), find_image(ctx.store(), name))));
      } else {
        throw Error(or_image ? "no such object: \"" + name + "\"" : "no such container: \"" + name + "\"");
      }
    } catch (const Error& e) {
      std::cerr << "Error: " << e.what() << "\n";
      code = kErrorExitCode;
    }
  }
  std::cout << inspect_output(out, format_template);
  return code;
}

}  // namespace

void add_container_inspect_command(CLI::App& parent, Context& ctx, bool or_image) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto format = std::make_shared<std::string>("json");
  auto* cmd = parent.add_subcommand(
      "inspect", or_image ? "print containers' or images' details as a JSON array (a container first, else an image)"
                          : "print containers' details as a JSON array");
  cmd->add_option("-f,--format", *format, "json (default) or a Go template ('{{.State.Status}}')");
  cmd->add_option(or_image ? "name" : "container", *names,
                  or_image ? "containers or images: names or ids" : "containers: names or ids")
      ->required();
  cmd->callback([&ctx, names, format, or_image] {
    ctx.set_action([&ctx, names, format, or_image] { return inspect(ctx, *names, *format, or_image); }, true);
  });
}

}  // namespace skiff::cli
