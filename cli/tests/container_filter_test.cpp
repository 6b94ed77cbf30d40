#include "../src/container_filter.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"

namespace skiff::cli {
namespace {

pod::ContainerInfo container(const std::string& name, pod::ContainerStatusKind status, int exit_code = 0) {
  pod::ContainerInfo info;
  info.id = "0123456789abcdef" + name;
  info.name = name;
  info.image = "docker.io/library/busybox:latest";
  info.image_id = "sha256:feedbeef";
  info.status = status;
  info.exit_code = exit_code;
  info.labels = {{"tier", "front"}};
  return info;
}

TEST(ContainerFilter, KeysAndTheirValues) {
  auto web = container("web", pod::ContainerStatusKind::running);
  auto job = container("job", pod::ContainerStatusKind::exited, 3);
  job.labels.clear();
  job.pod = "batch";
  EXPECT_TRUE(ContainerFilter({"name=we"}).matches(web));
  EXPECT_FALSE(ContainerFilter({"name=^eb"}).matches(web));
  EXPECT_TRUE(ContainerFilter({"id=0123"}).matches(web));
  EXPECT_TRUE(ContainerFilter({"label=tier"}).matches(web));
  EXPECT_TRUE(ContainerFilter({"label=tier=front"}).matches(web));
  EXPECT_FALSE(ContainerFilter({"label=tier=back"}).matches(web));
  EXPECT_FALSE(ContainerFilter({"label=tier"}).matches(job));
  EXPECT_TRUE(ContainerFilter({"status=exited"}).matches(job));
  EXPECT_TRUE(ContainerFilter({"exited=3"}).matches(job));
  EXPECT_FALSE(ContainerFilter({"exited=0"}).matches(job));
  EXPECT_TRUE(ContainerFilter({"ancestor=docker.io/library/busybox"}).matches(web));
  EXPECT_TRUE(ContainerFilter({"ancestor=feed"}).matches(web));
  EXPECT_TRUE(ContainerFilter({"pod=batch"}).matches(job));
  EXPECT_FALSE(ContainerFilter({"pod=batch"}).matches(web));
}

TEST(ContainerFilter, OneKeyOrsItsValuesDifferentKeysAnd) {
  auto web = container("web", pod::ContainerStatusKind::running);
  auto job = container("job", pod::ContainerStatusKind::exited, 1);
  ContainerFilter either({"name=web", "name=job"});
  EXPECT_TRUE(either.matches(web));
  EXPECT_TRUE(either.matches(job));
  ContainerFilter both({"name=web", "status=exited"});
  EXPECT_FALSE(both.matches(web));
  EXPECT_FALSE(both.matches(job));
  EXPECT_TRUE(both.wants_stopped());
  EXPECT_FALSE(ContainerFilter({"status=running"}).wants_stopped());
}

TEST(ContainerFilter, BadTermsNameTheFlag) {
  for (const char* bad : {"name", "=x", "color=red", "status=asleep", "name=(["}) {
    try {
      ContainerFilter filter({bad});
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--filter"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace skiff::cli
