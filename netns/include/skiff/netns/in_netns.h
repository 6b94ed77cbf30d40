#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace skiff::netns {

// Runs fn on a short-lived thread that first joins the network namespace netns_fd refers to
// (setns changes only the calling thread's namespace, so the caller's own stays untouched), waits
// for it and rethrows what fn threw. Sockets made inside stay in that namespace after the thread
// is gone, so fn may return one (a Netlink, a listening socket).
void in_netns(int netns_fd, const std::function<void()>& fn);

template <typename F>
requires(!std::is_void_v<std::invoke_result_t<F&>>) std::invoke_result_t<F&> in_netns(int netns_fd, F&& fn) {
  std::optional<std::invoke_result_t<F&>> result;
  in_netns(netns_fd, std::function<void()>([&] { result.emplace(fn()); }));
  return std::move(*result);
}

}  // namespace skiff::netns
