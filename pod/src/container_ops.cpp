// What ContainerManager does inside a running container: exec, top, stats.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "container_store.h"
#include "monitor.h"
#include "pod_store.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"
#include "skiff/image/image_user.h"
#include "skiff/pod/container_manager.h"
#include "skiff/runtime/container.h"
#include "skiff/runtime/spec.h"

namespace skiff::pod {

namespace {

ContainerLayout running_layout(const std::string& state_root, const std::string& id, const std::string& what) {
  ContainerLayout layout{state_root, id};
  auto status = load_container_record(status_path(layout.dir()));
  if (!status || !monitor_alive(*status) || status->state != "running") {
    throw Error("cannot " + what + " container " + id + ": it is not running", EINVAL);
  }
  return layout;
}

std::string proc_field(const std::string& status_text, std::string_view key) {
  for (const auto& line : split(status_text, '\n')) {
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
      return std::string(trim(std::string_view(line).substr(key.size() + 1)));
    }
  }
  return {};
}

}  // namespace

int ContainerManager::exec(const std::string& name_or_id, const ExecSpec& spec) {
  std::string id = resolve(name_or_id);
  ContainerLayout layout = running_layout(options_.state_root, id, "exec in");
  if (spec.args.empty()) {
    throw Error("exec: no command given", EINVAL);
  }
  std::string config_path = layout.dir() + "/config.json";
  runtime::Spec container = runtime::parse_spec(json::parse_file(config_path), config_path);
  runtime::ExecOptions options;
  options.id = id;
  options.process = *container.process;
  options.process.terminal = false;
  options.process.args = spec.args;
  for (const auto& e : spec.env) {
    std::string key = e.substr(0, e.find('='));
    auto& env = options.process.env;
    std::erase_if(env, [&](const std::string& old) { return old.substr(0, old.find('=')) == key; });
    env.push_back(e);
  }
  if (spec.workdir) {
    options.process.cwd = *spec.workdir;
  }
  if (spec.user) {
    // Names resolve in the container's own /etc/passwd, read inside its rootfs.
    UniqueFd rootfs(::open(container.root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!rootfs) {
      throw_errno("open the rootfs of container " + id);
    }
    image::ImageUser user = image::resolve_image_user(rootfs.get(), *spec.user);
    options.process.user.uid = user.uid;
    options.process.user.gid = user.gid;
    options.process.user.additional_gids = user.additional_gids;
  }
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  if (spec.stdio_in == 0 && spec.stdio_out == 1 && spec.stdio_err == 2) {
    return rt.exec(options);
  }
  // The process inherits fds 0-2: a child of ours points them where asked and runs the exec.
  pid_t child = check(::fork(), "fork for exec");
  if (child == 0) {
    ::dup2(spec.stdio_in, STDIN_FILENO);
    ::dup2(spec.stdio_out, STDOUT_FILENO);
    ::dup2(spec.stdio_err, STDERR_FILENO);
    try {
      ::_exit(rt.exec(options) & 0xff);
    } catch (const std::exception& e) {
      std::string message = std::string(e.what()) + "\n";
      (void)!::write(STDERR_FILENO, message.data(), message.size());
      // podman's codes: 127 for a command that is not found, 126 for one that cannot run.
      bool not_found = message.find("not found") != std::string::npos || message.find("ENOENT") != std::string::npos;
      ::_exit(not_found ? 127 : 126);
    }
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      throw_errno("wait for exec");
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<ProcessRow> ContainerManager::top(const std::string& name_or_id) {
  std::string id = resolve(name_or_id);
  running_layout(options_.state_root, id, "list the processes of");
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  std::vector<ProcessRow> rows;
  for (pid_t pid : rt.pids(id)) {
    std::string proc = "/proc/" + std::to_string(pid);
    try {
      std::string status = read_file(proc + "/status");
      ProcessRow row;
      row.pid = pid;
      row.ppid = static_cast<pid_t>(parse_int(proc_field(status, "PPid"), "PPid"));
      row.user = split(proc_field(status, "Uid"), '\t').front();  // the real uid
      std::string cmdline = read_file(proc + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      row.command = std::string(trim(cmdline));
      if (row.command.empty()) {
        row.command = "[" + proc_field(status, "Name") + "]";
      }
      rows.push_back(std::move(row));
    } catch (const Error& e) {
      if (e.code() != ENOENT && e.code() != ESRCH) {
        throw;  // a process that exited while we looked is simply not listed
      }
    }
  }
  return rows;
}

cgroups::Stats ContainerManager::stats(const std::string& name_or_id) {
  std::string id = resolve(name_or_id);
  running_layout(options_.state_root, id, "read the stats of");
  runtime::Runtime rt{runtime::StateRoot(options_.state_root)};
  return rt.stats(id);
}

}  // namespace skiff::pod
