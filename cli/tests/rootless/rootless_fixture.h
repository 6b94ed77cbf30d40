#pragma once

// `skiff` run by an unprivileged user (skiff-rootless, by tests/rootless/run-as-user.sh, which
// copies the built skiff beside the test binary), as that user runs it: the default rootless store
// ($XDG_DATA_HOME/skiff, one per test) and run root ($XDG_RUNTIME_DIR/skiff), images from a
// registry on loopback. Container commands join the user and mount namespaces one long-lived
// holder keeps, as podman's do.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "skiff/base/subprocess.h"
#include "skiff/image/rootless_userns.h"
#include "test_registry.h"
#include "test_support.h"

namespace skiff::rootless_testing {

// The skiff that run-as-user.sh put beside this test binary.
std::string skiff_binary();

// The test user's range in /etc/subuid or /etc/subgid.
image::SubIdRange range_of(const std::string& file);

// "uid:gid" of path as the host sees it.
std::string owner_of(const std::string& path);
// "uid:gid" of the test user.
std::string own_ids();

// The holder that pause.pid in run_root names: pid and start time.
std::pair<pid_t, std::string> recorded_holder(const std::string& run_root);

// This suite's holders: skiff-pause processes of this user started by skiff with this suite's
// $XDG_RUNTIME_DIR (pod infras and --init processes of other runs have other environments).
std::vector<pid_t> holders_of_this_suite();

// Polls (bounded: a broken build fails instead of hanging) until pred holds.
bool eventually(const std::function<bool()>& pred);

class SkiffRootless : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // skiff with this test's $XDG_DATA_HOME (so the default rootless store root), with input on
  // stdin when given.
  [[nodiscard]] SubprocessResult skiff(std::vector<std::string> args,
                                       const std::optional<std::string>& input = std::nullopt) const;
  // The same command line for a process started some other way (a pty): an absolute argv.
  [[nodiscard]] std::vector<std::string> skiff_command(const std::vector<std::string>& args) const;

  [[nodiscard]] std::string store() const { return data_.path() + "/skiff"; }
  // The rootless run root: containers' state, the namespace holder's record.
  [[nodiscard]] static std::string run_root();
  // A directory of the test's own, for files the host side writes or reads.
  [[nodiscard]] const std::string& scratch() const { return scratch_.path(); }
  // busybox and layered (/data/owned is 1234:5678), as the registry serves them.
  [[nodiscard]] static std::string busybox();
  [[nodiscard]] static std::string layered();

  static std::unique_ptr<testing::TestRegistry> suite_registry;

 private:
  testing::TempDir data_;
  testing::TempDir scratch_;
};

// Container commands as the unprivileged user, each test on a store of its own with busybox
// pulled (its entrypoint is sh -c, its user app); at the end no container, volume, image, runtime
// state, state dir or rootfs mount (in the holder's mount namespace, where the containers' rootfses
// are mounted) is left, and exactly one holder.
class RootlessContainers : public SkiffRootless {
 protected:
  void SetUp() override;
  void TearDown() override;

  [[nodiscard]] static std::string image() { return busybox(); }
  // skiff run -d --name name --network none [flags] image script; returns the id.
  std::string run_detached(const std::string& name, const std::string& script,
                           const std::vector<std::string>& flags = {}) const;
  // inspect's document of one container.
  [[nodiscard]] boost::json::object inspect(const std::string& name) const;
  // ps's State of the container called name; empty when ps does not list it.
  [[nodiscard]] std::string status_of(const std::string& name) const;
  // Ids of every container (ps -a -q --no-trunc).
  [[nodiscard]] std::vector<std::string> all_containers() const;
};

}  // namespace skiff::rootless_testing
