// The pod spec's validation and its JSON form (pod.json), without containers.

#include <gtest/gtest.h>

#include "skiff/base/error.h"
#include "skiff/pod/pod_spec.h"

namespace skiff::pod {
namespace {

PodSpec valid_spec() {
  PodSpec spec;
  spec.id = "web-1.default";
  spec.hostname = "web";
  spec.share_pid = true;
  spec.network = NetworkMode::bridge;
  spec.ports.push_back({"tcp", "127.0.0.1", 8080, 80});
  spec.dns_servers = {"10.0.0.10"};
  spec.resources = boost::json::object{{"memory", {{"limit", 1 << 30}}}};
  ContainerSpec c;
  c.name = "nginx";
  c.rootfs = "/var/lib/rootfs";
  c.args = {"nginx", "-g", "daemon off;"};
  c.env = {"A=1"};
  c.uid = 101;
  c.stop_signal = SIGQUIT;
  c.mounts.push_back({"/srv", "/usr/share/nginx/html", true});
  spec.containers.push_back(c);
  c.name = "setup";
  spec.init_containers.push_back(c);
  return spec;
}

TEST(PodSpec, RoundTripsThroughJson) {
  PodSpec spec = valid_spec();
  PodSpec back = pod_spec_from_json(pod_spec_to_json(spec));
  EXPECT_EQ(pod_spec_to_json(back), pod_spec_to_json(spec));
  EXPECT_EQ(back.containers[0].stop_signal, SIGQUIT);
  EXPECT_EQ(back.ports[0].host_port, 8080);
  EXPECT_TRUE(back.containers[0].mounts[0].readonly);
}

TEST(PodSpec, ValidationNamesTheProblem) {
  EXPECT_NO_THROW(validate_pod_spec(valid_spec()));
  auto expect_error = [](PodSpec spec, const std::string& fragment) {
    try {
      validate_pod_spec(spec);
      ADD_FAILURE() << "accepted; wanted an error with " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  PodSpec bad = valid_spec();
  bad.id = "a_b";
  expect_error(bad, "a_b");
  bad = valid_spec();
  bad.containers[0].name = "Nginx";
  expect_error(bad, "Nginx");
  bad = valid_spec();
  bad.init_containers[0].name = "nginx";
  expect_error(bad, "used twice");
  bad = valid_spec();
  bad.network = NetworkMode::none;
  expect_error(bad, "bridge");
  bad = valid_spec();
  bad.containers[0].rootfs = "rootfs";
  expect_error(bad, "absolute");
}

// An infra-only pod (podman pod create): containers join it later, one by one.
TEST(PodSpec, APodWithoutContainersIsValid) {
  PodSpec spec = valid_spec();
  spec.init_containers.clear();
  spec.containers.clear();
  EXPECT_NO_THROW(validate_pod_spec(spec));
}

}  // namespace
}  // namespace skiff::pod
