// run and create: a container made from the flags, its image pulled first when the store lacks
// it; run then starts it, detached or attached through its monitor's attach socket.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "command_context.h"
#include "container_exit.h"
#include "run_flags.h"
#include "skiff/base/error.h"
#include "skiff/cli/pull_progress.h"
#include "skiff/image/auth_file.h"
#include "skiff/image/pull.h"
#include "skiff/image/reference.h"
#include "skiff/pod/attach.h"

namespace skiff::cli {

namespace {

struct RunOnlyFlags {
  bool detach = false;
  bool rm = false;
};

// The image in the store, pulled (with podman's progress lines) when it is not there yet.
void ensure_image(Context& ctx, const RunFlags& flags) {
  if (ctx.store().find_image(flags.image)) {
    return;
  }
  auto ref = image::Reference::parse(flags.image);
  image::PullOptions options;
  options.registries = Context::registries();
  if (!flags.tls_verify) {
    options.registries.mark_insecure(ref.registry);
  }
  options.credentials = image::find_credentials(ref);
  std::cerr << "Trying to pull " << ref.str() << "...\n";
  PullProgress progress(std::cerr, is_terminal(STDERR_FILENO));
  options.progress = progress.callback();
  image::pull(flags.image, ctx.store(), options);
  progress.finish();
  std::cerr << "Writing manifest to image destination\n";
}

// rm: run --rm (the monitor removes it when detached, else this process does).
std::string create_container(Context& ctx, const RunFlags& flags, bool rm = false, bool detach = false) {
  pod::ContainerRunSpec spec = run_spec(flags);  // bad values fail before anything is pulled
  spec.rm = rm;
  spec.auto_remove = rm && detach;
  ensure_image(ctx, flags);
  return ctx.containers().create(spec);
}

// Starts the container attached and relays the caller's terminal or stdin and its output until
// it exits; returns its exit code.
int run_attached(pod::ContainerManager& containers, const std::string& id, const RunFlags& flags) {
  UniqueFd connection = start_or_exit_code(containers, id, pod::StartOptions{.attach = true});
  // Raw mode and resizes need a terminal on stdin; without one, -t still gives the container its own.
  bool terminal = flags.tty && is_terminal(STDIN_FILENO);
  pod::RelayOptions relay{.in_fd = flags.interactive ? STDIN_FILENO : -1,
                          .out_fd = STDOUT_FILENO,
                          .err_fd = STDERR_FILENO,
                          .tty = terminal};
  std::cout.flush();
  std::optional<int> code = pod::relay_attach(connection.get(), relay);
  if (code && flags.restart != "no") {
    return *code;  // its monitor carries on with the restart policy
  }
  // The monitor sends the exit code before it has cleaned up: `skiff rm` right after must find
  // the container stopped.
  int ended = containers.wait(id);
  return code ? *code : ended;
}

int run(Context& ctx, const RunFlags& flags, const RunOnlyFlags& run_only) {
  // Detached, its monitor removes it at the end; attached, this process does.
  std::string id = create_container(ctx, flags, run_only.rm, run_only.detach);
  auto& containers = ctx.containers();
  int code = 0;
  try {
    if (run_only.detach) {
      start_or_exit_code(containers, id, {});
      std::cout << id << "\n";
      return 0;
    }
    code = run_attached(containers, id, flags);
  } catch (const ContainerCommandFailed& failed) {
    if (run_only.rm) {
      containers.remove(id, true, true);
    }
    std::cerr << "Error: " << failed.what() << "\n";
    return failed.exit_code();
  } catch (...) {
    if (run_only.rm) {
      containers.remove(id, true, true);
    }
    throw;
  }
  if (run_only.rm) {
    containers.remove(id, true, true);  // --rm takes the anonymous volumes too, as podman's does
  }
  return code;
}

}  // namespace

void add_run_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<RunFlags>();
  auto run_only = std::make_shared<RunOnlyFlags>();
  auto* cmd = parent.add_subcommand("run", "run a command in a new container");
  cmd->add_flag("-d,--detach", run_only->detach, "run in the background and print the container's id");
  cmd->add_flag("--rm", run_only->rm, "remove the container when it exits");
  add_run_flags(*cmd, *flags);
  cmd->callback([&ctx, flags, run_only] {
    flags->command = ctx.command_words;
    ctx.set_action([&ctx, flags, run_only] { return run(ctx, *flags, *run_only); }, true);
  });
}

void add_create_command(CLI::App& parent, Context& ctx) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = parent.add_subcommand("create", "create a container without starting it, and print its id");
  add_run_flags(*cmd, *flags);
  cmd->callback([&ctx, flags] {
    flags->command = ctx.command_words;
    ctx.set_action(
        [&ctx, flags] {
          std::cout << create_container(ctx, *flags) << "\n";
          return 0;
        },
        true);
  });
}

}  // namespace skiff::cli
