// What ContainerManager does inside a running container: exec, top, stats.

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "container_store.h"
#include "monitor.h"
#include "pod_store.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/path.h"
#include "skiff/base/strings.h"
#include "skiff/base/unix_socket.h"
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
  UniqueFd console;
  UniqueFd console_dir;
  std::string console_path = layout.dir() + "/exec-console-" + std::to_string(::getpid()) + ".sock";
  if (spec.tty) {
    if (!spec.on_terminal) {
      throw Error("exec with a terminal: no on_terminal to relay it", EINVAL);
    }
    console = listen_unix_socket(console_path, "exec console socket");
    console_dir.reset(::open(layout.dir().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!console_dir) {
      throw_errno("open " + layout.dir());
    }
    options.process.terminal = true;
    options.console_socket = fd_path(console_dir.get()) + "/" + console_path.substr(layout.dir().size() + 1);
  } else if (spec.stdio_in == 0 && spec.stdio_out == 1 && spec.stdio_err == 2) {
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
  if (spec.tty) {
    // The process sends its pty master as it starts, unless the exec fails first (the child
    // then exits without it).
    UniqueFd child_fd(static_cast<int>(::syscall(SYS_pidfd_open, child, 0)));
    if (!child_fd) {
      throw_errno("pidfd_open the exec child " + std::to_string(child));
    }
    std::array<pollfd, 2> ready{pollfd{console.get(), POLLIN, 0}, pollfd{child_fd.get(), POLLIN, 0}};
    while (::poll(ready.data(), ready.size(), -1) < 0) {
      if (errno != EINTR) {
        throw_errno("poll the exec console socket");
      }
    }
    if ((ready[0].revents & POLLIN) != 0) {
      UniqueFd connection(::accept4(console.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!connection) {
        throw_errno("accept on the exec console socket");
      }
      std::remove(console_path.c_str());
      spec.on_terminal(receive_fd(connection.get(), nullptr, "the exec console socket"));
    }
    std::remove(console_path.c_str());
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
