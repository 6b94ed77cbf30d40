#include "command_context.h"

namespace skiff::cli {

pod::ContainerManagerOptions container_manager_options(Context& ctx) {
  pod::ContainerManagerOptions options;
  options.state_root = ctx.run_root();
  options.store = &ctx.store();
  options.bridge.state_dir = ctx.store_root() + "/network";
  return options;
}

}  // namespace skiff::cli
