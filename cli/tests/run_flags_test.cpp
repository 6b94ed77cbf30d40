#include "../src/run_flags.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "skiff/base/error.h"

namespace skiff::cli {
namespace {

TEST(RunFlags, VolumesAreBindsOrNamedWithOptions) {
  auto bind = parse_volume("/tmp:/data:ro");
  EXPECT_EQ(bind.source, "/tmp");
  EXPECT_EQ(bind.destination, "/data");
  EXPECT_TRUE(bind.readonly);
  EXPECT_FALSE(bind.is_volume());
  auto named = parse_volume("cache:/var/cache");
  EXPECT_TRUE(named.is_volume());
  EXPECT_FALSE(named.readonly);
  auto anonymous = parse_volume("/data");
  EXPECT_EQ(anonymous.source, "");
  EXPECT_EQ(anonymous.destination, "/data");
  EXPECT_THROW(parse_volume("data"), Error);
  EXPECT_THROW(parse_volume("/tmp:relative"), Error);
  EXPECT_THROW(parse_volume("/tmp:/data:sideways"), Error);
  EXPECT_THROW(parse_volume("/no/such/host/dir:/data"), Error);
}

TEST(RunFlags, PublishTakesIpPortsAndProtocol) {
  auto plain = parse_publish("8080:80");
  EXPECT_EQ(plain.host_port, 8080);
  EXPECT_EQ(plain.container_port, 80);
  EXPECT_EQ(plain.protocol, "tcp");
  EXPECT_EQ(plain.host_ip, "");
  auto full = parse_publish("127.0.0.1:5353:53/udp");
  EXPECT_EQ(full.host_ip, "127.0.0.1");
  EXPECT_EQ(full.host_port, 5353);
  EXPECT_EQ(full.protocol, "udp");
  // Without a host port: one picked when the container is created.
  auto any = parse_publish("80");
  EXPECT_EQ(any.host_port, 0);
  EXPECT_EQ(any.container_port, 80);
  auto on_ip = parse_publish("127.0.0.1::53/udp");
  EXPECT_EQ(on_ip.host_ip, "127.0.0.1");
  EXPECT_EQ(on_ip.host_port, 0);
  EXPECT_EQ(on_ip.container_port, 53);
  EXPECT_THROW(parse_publish(""), Error);
  EXPECT_THROW(parse_publish("1:2:3:4"), Error);
  EXPECT_THROW(parse_publish("70000:80"), Error);
  EXPECT_THROW(parse_publish("80:80/sctp"), Error);
  EXPECT_THROW(parse_publish("a:80"), Error);
}

TEST(RunFlags, EnvFromFlagsFilesAndTheCaller) {
  ::setenv("SKIFF_RUN_FLAGS_TEST", "from-caller", 1);
  EXPECT_EQ(resolve_env("A=1"), "A=1");
  EXPECT_EQ(resolve_env("SKIFF_RUN_FLAGS_TEST"), "SKIFF_RUN_FLAGS_TEST=from-caller");
  EXPECT_EQ(resolve_env("SKIFF_RUN_FLAGS_UNSET_VAR"), std::nullopt);
  EXPECT_THROW(resolve_env("=x"), Error);
  EXPECT_EQ(parse_env_file("# comment\n\nA=1\n  B = two words\nSKIFF_RUN_FLAGS_TEST\nSKIFF_RUN_FLAGS_UNSET_VAR\n"),
            (std::vector<std::string>{"A=1", "B = two words", "SKIFF_RUN_FLAGS_TEST=from-caller"}));
  ::unsetenv("SKIFF_RUN_FLAGS_TEST");
}

TEST(RunFlags, EntrypointIsAWordOrAJsonArray) {
  EXPECT_EQ(parse_entrypoint("/bin/sh"), std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(parse_entrypoint(R"(["/bin/sh", "-c"])"), (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(parse_entrypoint(""), std::vector<std::string>{});
  EXPECT_THROW(parse_entrypoint(R"(["/bin/sh", 1])"), Error);
}

TEST(RunFlags, SpecFromFlags) {
  RunFlags flags;
  flags.image = "busybox";
  flags.command = {"echo", "hi"};
  flags.memory = "64m";
  flags.cpus = 1.5;
  flags.restart = "on-failure:3";
  flags.network = "none";
  flags.labels = {"a=b", "flag"};
  flags.security_opts = {"no-new-privileges", "seccomp=unconfined"};
  auto spec = run_spec(flags);
  EXPECT_EQ(spec.command, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_EQ(spec.memory, 64 << 20);
  EXPECT_EQ(spec.restart.kind, pod::RestartPolicy::Kind::on_failure);
  EXPECT_EQ(spec.restart.max_retries, 3);
  EXPECT_EQ(spec.network.mode, pod::ContainerNetwork::Mode::none);
  EXPECT_EQ(spec.labels.at("a"), "b");
  EXPECT_EQ(spec.labels.at("flag"), "");
  EXPECT_TRUE(spec.no_new_privileges);
  EXPECT_EQ(spec.seccomp_profile, "unconfined");

  auto bad = [&](auto change, const std::string& flag) {
    RunFlags copy = flags;
    change(copy);
    try {
      run_spec(copy);
      ADD_FAILURE() << flag << " accepted";
    } catch (const Error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with(flag)) << e.what();
    }
  };
  bad([](RunFlags& f) { f.memory = "1k"; }, "--memory");
  bad([](RunFlags& f) { f.memory = "lots"; }, "--memory");
  bad([](RunFlags& f) { f.cpus = 0; }, "--cpus");
  bad([](RunFlags& f) { f.restart = "sometimes"; }, "--restart");
  bad([](RunFlags& f) { f.network = "moon"; }, "--network");
  bad([](RunFlags& f) { f.publish = {"8080:80"}; }, "--publish");  // network none
  bad([](RunFlags& f) { f.workdir = "relative"; }, "--workdir");
  bad([](RunFlags& f) { f.security_opts = {"apparmor=x"}; }, "--security-opt");
}

}  // namespace
}  // namespace skiff::cli
