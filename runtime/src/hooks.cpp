#include "skiff/runtime/hooks.h"

#include "skiff/base/error.h"
#include "skiff/base/log.h"
#include "skiff/base/subprocess.h"

namespace skiff::runtime {

namespace {

void run_one(const Hook& hook, std::string_view kind, size_t index, const std::string& state_json) {
  SubprocessOptions options;
  options.path = hook.path;
  options.args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  options.env = hook.env;
  options.input = state_json;
  if (hook.timeout_seconds) {
    options.timeout = std::chrono::seconds(*hook.timeout_seconds);
  }
  std::string name = "hooks." + std::string(kind) + "[" + std::to_string(index) + "] (" + hook.path + ")";
  SubprocessResult result;
  try {
    result = run_subprocess(options);
  } catch (const Error& e) {
    throw Error(name + ": " + e.what());
  }
  if (result.timed_out) {
    throw Error(name + ": timed out after " + std::to_string(*hook.timeout_seconds) + "s");
  }
  if (!result.ok()) {
    std::string err = result.err;
    while (!err.empty() && err.back() == '\n') {
      err.pop_back();
    }
    throw Error(name + ": " + result.describe() + (err.empty() ? "" : ": " + err));
  }
}

}  // namespace

void run_hooks(const std::vector<Hook>& hooks, std::string_view kind, const std::string& state_json) {
  for (size_t i = 0; i < hooks.size(); ++i) {
    run_one(hooks[i], kind, i, state_json);
  }
}

void run_hooks_warn_only(const std::vector<Hook>& hooks, std::string_view kind, const std::string& state_json) {
  for (size_t i = 0; i < hooks.size(); ++i) {
    try {
      run_one(hooks[i], kind, i, state_json);
    } catch (const Error& e) {
      log::warning(e.what());
    }
  }
}

}  // namespace skiff::runtime
