// skiff pod create, start, stop, rm, ps, inspect, logs, and run --pod: containers of one pod share
// localhost and the host name; the pod's published port serves what a container in it listens on.
#include <boost/json.hpp>
#include <filesystem>
#include <regex>

#include "container_cli_fixture.h"
#include "skiff/base/file.h"
#include "skiff/base/strings.h"

namespace skiff::cli_testing {
namespace {

// The fixture's checks, and no pod left: each test removes its pods.
class PodCli : public ContainerCli {
 protected:
  void TearDown() override {
    auto rm = skiff({"pod", "rm", "--all", "--force"});
    EXPECT_EQ(rm.code, 0) << rm.err;
    std::string pods = run_dir() + "/pods";
    if (path_exists(pods)) {
      EXPECT_TRUE(std::filesystem::is_empty(pods)) << "pod state left in " << pods;
    }
    ContainerCli::TearDown();
  }

  boost::json::object inspect_pod(const std::string& name) {
    auto result = skiff({"pod", "inspect", name});
    EXPECT_EQ(result.code, 0) << result.err;
    return boost::json::parse(result.out).as_array().at(0).as_object();
  }

  // A web server in pod on port 8000, serving text at /index.html.
  std::string serve(const std::string& pod, const std::string& name, const std::string& text) {
    auto run = skiff({"run", "-d", "--pod", pod, "--name", name, image(),
                      "mkdir -p /tmp/www && echo " + text +
                          " > /tmp/www/index.html && echo serving && exec httpd -f -p 8000 -h /tmp/www"});
    EXPECT_EQ(run.code, 0) << run.err;
    return std::string(trim(run.out));
  }

  // What another container of the pod fetches from localhost:8000 (retried until the server
  // listens).
  SkiffRun fetch_in_pod(const std::string& pod) {
    return skiff({"run", "--rm", "--pod", pod, image(),
                  "for i in $(seq 100); do wget -qO- http://localhost:8000/index.html && exit 0; sleep 0.1; done; "
                  "exit 1"});
  }
};

TEST_F(PodCli, ContainersOfAPodShareLocalhostAndHostNameButNotPids) {
  auto create = skiff({"pod", "create", "--name", "duo", "--network", "none", "--hostname", "duohost"});
  ASSERT_EQ(create.code, 0) << create.err;
  EXPECT_EQ(create.out, "duo\n");
  std::string server = serve("duo", "srv", "from-the-pod");

  auto fetched = fetch_in_pod("duo");
  EXPECT_EQ(fetched.code, 0) << fetched.err;
  EXPECT_EQ(fetched.out, "from-the-pod\n");
  auto hostname = skiff({"run", "--rm", "--pod", "duo", image(), "hostname; cat /etc/hostname"});
  EXPECT_EQ(hostname.out, "duohost\nduohost\n") << hostname.err;
  // Each container has its own PID namespace: the other's httpd is not visible.
  auto pids = skiff({"run", "--rm", "--pod", "duo", image(), "echo $$; ps -o comm | grep -c httpd"});
  EXPECT_EQ(pids.out, "1\n0\n") << pids.err;

  auto ps = skiff({"pod", "ps"});
  EXPECT_TRUE(std::regex_search(ps.out, std::regex("duo +duo +Running +.* ago +1\n"))) << ps.out;
  auto doc = inspect_pod("duo");
  EXPECT_EQ(doc.at("Hostname"), "duohost");
  EXPECT_EQ(doc.at("State"), "Running");
  EXPECT_EQ(doc.at("NumContainers"), 1);
  EXPECT_EQ(doc.at("Containers").as_array().at(0).at("Id").as_string(), server);
  EXPECT_EQ(doc.at("InfraConfig").at("NetworkMode"), "none");
  EXPECT_EQ(inspect("srv").at("Pod"), "duo");
  EXPECT_EQ(skiff({"pod", "ps", "--format", "{{.Name}} {{.NumberOfContainers}} {{.ContainerNames}}"}).out,
            "duo 1 [srv]\n");
  EXPECT_EQ(skiff({"pod", "inspect", "-f", "{{.Hostname}} {{.InfraConfig.NetworkMode}}", "duo"}).out, "duohost none\n");
  EXPECT_EQ(skiff({"ps", "--format", "{{.Names}} {{.Pod}}"}).out, "srv duo\n");

  auto logs = skiff({"pod", "logs", "--names", "duo"});
  EXPECT_EQ(logs.code, 0) << logs.err;
  EXPECT_EQ(logs.out, "srv serving\n") << logs.err;
  auto by_id = skiff({"pod", "logs", "-c", "srv", "duo"});
  EXPECT_EQ(by_id.out, server.substr(0, 12) + " serving\n") << by_id.err;
}

TEST_F(PodCli, StopStartAndRemoveActOnTheContainersToo) {
  ASSERT_EQ(skiff({"pod", "create", "--name", "cycle", "--network", "none"}).code, 0);
  serve("cycle", "web", "first");
  run_detached("outsider", "sleep 1000");

  auto stop = skiff({"pod", "stop", "-t", "1", "cycle"});
  EXPECT_EQ(stop.code, 0) << stop.err;
  EXPECT_EQ(stop.out, "cycle\n");
  EXPECT_EQ(inspect("web").at("State").at("Status"), "exited");
  EXPECT_EQ(inspect("outsider").at("State").at("Status"), "running");
  EXPECT_EQ(inspect_pod("cycle").at("State"), "Exited");

  auto start = skiff({"pod", "start", "cycle"});
  EXPECT_EQ(start.code, 0) << start.err;
  EXPECT_EQ(inspect("web").at("State").at("Status"), "running");
  auto fetched = fetch_in_pod("cycle");
  EXPECT_EQ(fetched.out, "first\n") << fetched.err;

  auto refused = skiff({"pod", "rm", "cycle"});
  EXPECT_EQ(refused.code, 125);
  EXPECT_NE(refused.err.find("pod cycle is running"), std::string::npos) << refused.err;
  auto removed = skiff({"pod", "rm", "-f", "cycle"});
  EXPECT_EQ(removed.code, 0) << removed.err;
  EXPECT_EQ(removed.out, "cycle\n");
  EXPECT_EQ(skiff({"inspect", "web"}).code, 125);
  EXPECT_EQ(skiff({"pod", "ps", "-q"}).out, "");
  EXPECT_EQ(inspect("outsider").at("State").at("Status"), "running");
}

TEST_F(PodCli, AContainerJoiningAStoppedPodStartsIt) {
  auto create = skiff({"pod", "create", "--network", "none"});
  ASSERT_EQ(create.code, 0) << create.err;
  std::string id(trim(create.out));
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{12}"))) << id;
  ASSERT_EQ(skiff({"pod", "stop", id}).code, 0);
  auto run = skiff({"run", "--rm", "--pod", id.substr(0, 6), image(), "hostname"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, id + "\n");
  EXPECT_EQ(inspect_pod(id).at("State"), "Running");
}

TEST_F(PodCli, BadInputNamesTheFlagAndLeavesNothing) {
  auto missing = skiff({"run", "--rm", "--pod", "nosuch", image(), "true"});
  EXPECT_EQ(missing.code, 125);
  EXPECT_NE(missing.err.find("no pod with name or ID nosuch found"), std::string::npos) << missing.err;
  ASSERT_EQ(skiff({"pod", "create", "--name", "taken", "--network", "none"}).code, 0);
  auto again = skiff({"pod", "create", "--name", "taken", "--network", "none"});
  EXPECT_EQ(again.code, 125);
  EXPECT_NE(again.err.find("pod taken already exists"), std::string::npos) << again.err;
  for (const auto& [flags, message] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{{{"-p", "8080:80"}, "--publish"},
                                                                     {{"--network", "host"}, "--network"},
                                                                     {{"--hostname", "h"}, "--hostname"}}) {
    std::vector<std::string> args{"run", "--rm", "--pod", "taken"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {image(), "true"});
    auto bad = skiff(args);
    EXPECT_EQ(bad.code, 125) << flags.front();
    EXPECT_NE(bad.err.find(message), std::string::npos) << bad.err;
  }
  auto share = skiff({"pod", "create", "--share", "net", "--network", "none"});
  EXPECT_EQ(share.code, 125);
  EXPECT_NE(share.err.find("--share"), std::string::npos) << share.err;
  auto ports = skiff({"pod", "create", "-p", "8080:80", "--network", "none"});
  EXPECT_EQ(ports.code, 125);
  EXPECT_NE(ports.err.find("--publish"), std::string::npos) << ports.err;
  auto gone = skiff({"pod", "rm", "ghost"});
  EXPECT_EQ(gone.code, 125);
  EXPECT_NE(gone.err.find("no pod with name or ID ghost found"), std::string::npos) << gone.err;
  EXPECT_EQ(skiff({"pod", "ps", "-q"}).out, "taken\n");
  EXPECT_EQ(all_containers(), std::vector<std::string>{});
}

TEST_F(PodCli, APublishedPortOfAPodServesAContainerInItInsideANetworkNamespace) {
  auto result = run_in_own_network(
      "skiff pod create --name pub -p 18081:8000 >/dev/null\n"
      "skiff run -d --pod pub " +
      image() +
      " 'mkdir -p /tmp/www && echo published > /tmp/www/index.html && exec httpd -f -p 8000 -h /tmp/www'"
      " >/dev/null\n"
      "fetch http://127.0.0.1:18081/index.html\n"
      "skiff pod inspect -f '{{json .InfraConfig.PortBindings}}' pub\n"
      "skiff pod rm -f pub >/dev/null\n");
  EXPECT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.out, "published\n{\"8000/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"18081\"}]}\n") << result.err;
}

}  // namespace
}  // namespace skiff::cli_testing
