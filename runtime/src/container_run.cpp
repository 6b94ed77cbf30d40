#include <optional>

#include "signal_forwarding.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/log.h"
#include "skiff/runtime/container.h"
#include "terminal_proxy.h"

namespace skiff::runtime {

namespace {

bool wants_terminal(const std::string& bundle) {
  Spec spec = load_spec(bundle);
  return spec.process && spec.process->terminal;
}

}  // namespace

int Runtime::run(const CreateOptions& options, bool detach) {
  if (detach) {
    create(options);
    try {
      start(options.id);
    } catch (...) {
      try {
        remove(options.id, true);
      } catch (const std::exception& e) {
        log::warning(std::string("cleaning up after a failed start: ") + e.what());
      }
      throw;
    }
    return 0;
  }
  ForwardedSignals signals;
  // A terminal with nowhere to send it: relay it ourselves, as runc does.
  std::optional<ConsoleListener> console;
  CreateOptions create_options = options;
  if (options.console_socket.empty() && wants_terminal(options.bundle)) {
    mkdir_all(root_.path(), 0711);
    console.emplace(root_.path());
    create_options.console_socket = console->path();
  }
  pid_t pid = create(create_options);
  int exit_code = 0;
  try {
    UniqueFd master;
    if (console) {
      master = console->receive_master();
    }
    start(options.id);
    exit_code = master ? relay_terminal(master.get(), pid, signals) : signals.wait_for(pid);
  } catch (...) {
    try {
      remove(options.id, true);
    } catch (const std::exception& e) {
      log::warning(std::string("cleaning up after a failed run: ") + e.what());
    }
    throw;
  }
  remove(options.id, true);
  return exit_code;
}

}  // namespace skiff::runtime
