#include "skiff/netns/in_netns.h"

#include <sched.h>

#include <exception>
#include <thread>

#include "skiff/base/error.h"

namespace skiff::netns {

void in_netns(int netns_fd, const std::function<void()>& fn) {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      if (::setns(netns_fd, CLONE_NEWNET) < 0) {
        throw_errno("enter network namespace (fd " + std::to_string(netns_fd) + ")");
      }
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) {
    std::rethrow_exception(failure);
  }
}

}  // namespace skiff::netns
