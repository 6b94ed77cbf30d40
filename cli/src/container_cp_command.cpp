// cp: a file or directory between the host and a container, either way; the container's side is
// resolved inside its rootfs, so that a path never leaves it.
#include <iostream>
#include <memory>

#include "command_context.h"
#include "container_lookup.h"
#include "skiff/base/error.h"

namespace skiff::cli {

namespace {

struct ContainerPath {
  std::string container;  // empty: a host path
  std::string path;
};

// "CONTAINER:PATH", or a host path (one starting with / or . is always the host's, as podman
// decides).
ContainerPath parse_cp_argument(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || text.front() == '/' || text.front() == '.') {
    return {"", text};
  }
  return {text.substr(0, colon), text.substr(colon + 1)};
}

int copy(Context& ctx, const std::string& source_text, const std::string& destination_text) {
  auto source = parse_cp_argument(source_text);
  auto destination = parse_cp_argument(destination_text);
  if (source.container.empty() == destination.container.empty()) {
    throw Error(source.container.empty() ? "cp: neither \"" + source_text + "\" nor \"" + destination_text +
                                               "\" names a container: give one as CONTAINER:PATH"
                                         : "cp: copying between containers is not supported: copy to the host first");
  }
  if (!source.container.empty()) {
    ctx.containers().copy_out(resolve_container(ctx.containers(), source.container), source.path, destination.path);
  } else {
    ctx.containers().copy_in(resolve_container(ctx.containers(), destination.container), source.path, destination.path);
  }
  return 0;
}

}  // namespace

void add_cp_command(CLI::App& parent, Context& ctx) {
  auto source = std::make_shared<std::string>();
  auto destination = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("cp", "copy files between a container and the host: CONTAINER:PATH either side");
  cmd->add_option("source", *source, "CONTAINER:PATH or a host path")->required();
  cmd->add_option("destination", *destination, "CONTAINER:PATH or a host path")->required();
  cmd->callback([&ctx, source, destination] {
    ctx.set_action([&ctx, source, destination] { return copy(ctx, *source, *destination); }, true);
  });
}

}  // namespace skiff::cli
