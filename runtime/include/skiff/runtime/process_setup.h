#pragma once

#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "skiff/runtime/seccomp.h"
#include "skiff/runtime/spec.h"

namespace skiff::runtime {

// The steps that turn a process inside the container's namespaces into the user's process,
// shared by a container's init and by exec. All of them run in the new process and throw an
// Error that the runtime passes to the user verbatim.

void set_rlimits(const std::vector<Rlimit>& rlimits);
void set_oom_score_adj(int value);
void set_personality(const Personality& personality);

// Drops the bounding set, switches to the process's uid, gid and groups keeping the allowed
// capabilities, sets the capability sets, changes to cwd (checking that it lies inside the
// container: CVE-2024-21626), applies the umask and no_new_privs. seccomp is loaded here when
// no_new_privs is off (it then needs CAP_SYS_ADMIN, which is about to go); otherwise the caller
// loads it last with load_late_seccomp. setgroups_allowed is false in a user namespace whose
// setgroups is denied (a rootless single mapping). A filter that needs a notify listener is
// always loaded here, so that its fd can reach the seccomp agent before the process execs; the
// listener fd is returned (invalid when there is none).
UniqueFd finalize_process(const Process& process, const SeccompProgram* seccomp, bool setgroups_allowed);
// Loads the seccomp filter just before execve, when finalize_process left it for last.
void load_late_seccomp(const Process& process, const SeccompProgram* seccomp);

// The environment the process gets: the spec's, plus HOME (from the container's /etc/passwd,
// or "/") when it has none.
std::vector<std::string> process_environment(const Process& process);
// Finds args[0] in the container, through PATH when it has no slash, and checks it can be
// executed: "exec: \"foo\": executable file not found in $PATH".
std::string resolve_executable(const Process& process, const std::vector<std::string>& env);

// Marks every fd from 3 + preserve_fds up close-on-exec and clears close-on-exec on the
// preserved ones (LISTEN_FDS style), so the user's process gets 0, 1, 2 and those only.
void prepare_inherited_fds(int preserve_fds);

// execve; on failure throws "exec <path>: ENOENT ...".
[[noreturn]] void exec_process(const std::string& path, const Process& process, const std::vector<std::string>& env);

}  // namespace skiff::runtime
