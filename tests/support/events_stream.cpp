#include "events_stream.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"

namespace skiff::testing {

namespace {
constexpr int kPolls = 600;
constexpr useconds_t kPollInterval = 50000;
}  // namespace

EventsStream::EventsStream(const Runtime& rt, const std::vector<std::string>& args) : out_(dir_.path() + "/out") {
  std::vector<std::string> argv{runtime_path(), "--root", rt.root(), "events"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);
  UniqueFd fd(::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) {
    throw_errno("open " + out_);
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    throw_errno("fork");
  }
  if (pid_ == 0) {
    ::dup2(fd.get(), 1);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
}

EventsStream::~EventsStream() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string EventsStream::output() const {
  return read_file(out_);
}

std::string EventsStream::wait_for(const std::string& text) const {
  std::string out = output();
  for (int i = 0; i < kPolls && out.find(text) == std::string::npos; ++i) {
    ::usleep(kPollInterval);
    out = output();
  }
  return out;
}

int EventsStream::wait() {
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < kPolls && done == 0; ++i) {
    done = ::waitpid(pid_, &status, WNOHANG);
    if (done == 0) {
      ::usleep(kPollInterval);
    }
  }
  if (done == 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = 0;
  if (done == 0) {
    return -2;
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace skiff::testing
