#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "skiff/image/registries_config.h"
#include "skiff/image/store.h"
#include "skiff/pod/container_manager.h"

namespace skiff::cli {

// The global flags, shared by every command.
struct GlobalOptions {
  std::string root;     // the image store; Store::default_root() when empty
  std::string runroot;  // volatile state; /run/skiff or $XDG_RUNTIME_DIR/skiff when empty
  std::string log_level = "warn";
};

// A command's work, run after parsing; returns the exit code.
using Action = std::function<int()>;

class Context;
// Where the containers of ctx live: state under its run root, the bridge's address allocations
// beside the store.
pod::ContainerManagerOptions container_manager_options(Context& ctx);

// What the chosen command needs, and the store it works on (opened on first use).
class Context {
 public:
  GlobalOptions global;
  // run's and exec's container command: the words after the image or container, which
  // split_command_words (command_start.h) keeps from the parser.
  std::vector<std::string> command_words;

  // Sets the command to run. in_user_namespace: the command touches the image store, so a
  // rootless caller runs it inside its user namespace (layers unpack with their owners).
  void set_action(Action action, bool in_user_namespace) {
    action_ = std::move(action);
    in_user_namespace_ = in_user_namespace;
  }
  [[nodiscard]] const Action& action() const { return action_; }
  [[nodiscard]] bool wants_user_namespace() const { return in_user_namespace_; }

  [[nodiscard]] std::string store_root() const;
  [[nodiscard]] std::string run_root() const;
  image::Store& store();
  // The containers, kept under run_root() with their rootfs in the store (made on first use).
  pod::ContainerManager& containers() {
    if (!containers_) {
      containers_ = std::make_unique<pod::ContainerManager>(container_manager_options(*this));
    }
    return *containers_;
  }
  // registries.conf: $CONTAINERS_REGISTRIES_CONF when set (as podman reads it), else the
  // default paths for root or rootless.
  [[nodiscard]] static image::RegistriesConfig registries();
  [[nodiscard]] static std::string registries_path();

 private:
  Action action_;
  bool in_user_namespace_ = false;
  std::unique_ptr<image::Store> store_;
  std::unique_ptr<pod::ContainerManager> containers_;
};

// Each adds a command under parent; name lets the same command appear twice (`skiff images` and
// `skiff image ls`).
void add_pull_command(CLI::App& parent, Context& ctx);
void add_images_command(CLI::App& parent, Context& ctx, const std::string& name);
void add_rmi_command(CLI::App& parent, Context& ctx, const std::string& name);
void add_tag_command(CLI::App& parent, Context& ctx);
void add_inspect_command(CLI::App& parent, Context& ctx);
void add_load_command(CLI::App& parent, Context& ctx);
void add_save_command(CLI::App& parent, Context& ctx);
void add_import_command(CLI::App& parent, Context& ctx);
void add_prune_command(CLI::App& parent, Context& ctx, const std::string& description);
void add_info_command(CLI::App& parent, Context& ctx);
void add_version_command(CLI::App& parent, Context& ctx);
// Containers: run and create (container_run_command.cpp); start, stop, restart, kill, rm, wait
// (container_lifecycle_commands.cpp); ps, logs, top, stats, port (container_query_commands.cpp);
// inspect of a container or else an image; exec; cp.
void add_run_command(CLI::App& parent, Context& ctx);
void add_create_command(CLI::App& parent, Context& ctx);
void add_start_command(CLI::App& parent, Context& ctx);
void add_stop_command(CLI::App& parent, Context& ctx);
void add_restart_command(CLI::App& parent, Context& ctx);
void add_kill_command(CLI::App& parent, Context& ctx);
void add_rm_command(CLI::App& parent, Context& ctx);
void add_wait_command(CLI::App& parent, Context& ctx);
void add_ps_command(CLI::App& parent, Context& ctx, const std::string& name);
void add_logs_command(CLI::App& parent, Context& ctx);
void add_top_command(CLI::App& parent, Context& ctx);
void add_stats_command(CLI::App& parent, Context& ctx);
void add_port_command(CLI::App& parent, Context& ctx);
void add_container_inspect_command(CLI::App& parent, Context& ctx, bool or_image);
void add_exec_command(CLI::App& parent, Context& ctx);
void add_cp_command(CLI::App& parent, Context& ctx);

// Whether fd is a terminal (progress bars, refusing to write an archive to one).
bool is_terminal(int fd);

}  // namespace skiff::cli
