#pragma once

// The container commands of the built `skiff`, run as a user runs them (as root): each test gets
// a store and a runroot of its own with the busybox test image pulled from a registry on loopback,
// and checks at the end that no container, state dir, name or rootfs mount is left.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "test_registry.h"
#include "test_support.h"

namespace skiff::cli_testing {

struct SkiffRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string skiff_binary();

class ContainerCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // skiff --root <store> --runroot <run> args..., with input on stdin when given.
  SkiffRun skiff(std::vector<std::string> args, const std::optional<std::string>& input = std::nullopt) const;
  // The global flags, for a command line run some other way (a pty, a shell).
  [[nodiscard]] std::vector<std::string> skiff_command(const std::vector<std::string>& args) const;
  // busybox, as the registry serves it (pulled in SetUp).
  static std::string image();
  // skiff run -d --network none [flags] image script; returns the id.
  std::string run_detached(const std::string& name, const std::string& script,
                           const std::vector<std::string>& flags = {});
  // inspect's document of one container.
  boost::json::object inspect(const std::string& name);
  // Polls (bounded: a broken build fails instead of hanging) until pred holds.
  static bool eventually(const std::function<bool()>& pred);
  // Ids of every container (ps -a -q --no-trunc).
  std::vector<std::string> all_containers();
  // Runs script with sh -e in a network namespace of the test's own (what it makes there, a
  // bridge, veths, port mappings, goes with it), lo up, bounded by two minutes. The script may call
  // skiff (this test's store and runroot) and fetch URL (curl, retried until it answers).
  [[nodiscard]] SkiffRun run_in_own_network(const std::string& script) const;

  [[nodiscard]] std::string store_dir() const { return dir_.path() + "/store"; }
  [[nodiscard]] std::string run_dir() const { return dir_.path() + "/run"; }
  [[nodiscard]] const std::string& scratch() const { return dir_.path(); }

  static std::unique_ptr<testing::TestRegistry> registry;

 private:
  testing::TempDir dir_{"skiff-cli-ctr-"};
};

}  // namespace skiff::cli_testing
