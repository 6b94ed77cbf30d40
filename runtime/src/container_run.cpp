#include "signal_forwarding.h"
#include "skiff/base/error.h"
#include "skiff/base/log.h"
#include "skiff/runtime/container.h"

namespace skiff::runtime {

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
  pid_t pid = create(options);
  int exit_code = 0;
  try {
    start(options.id);
    exit_code = signals.wait_for(pid);
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
