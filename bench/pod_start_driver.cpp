// pod_start_driver: the skiff side of bench/pod-start. One long-lived process drives the pod
// library (PodManager) so that neither this process's start-up nor the script's is charged to
// skiff; the script interleaves its commands with podman's.
//
// usage: pod_start_driver --state-root DIR --cgroup-parent REL --rootfs DIR --rootfs DIR
//                         [--network none|bridge] [--port HOST:CONTAINER] [--bridge NAME]
//                         [--subnet CIDR] [--pause PATH] [--command ARG...]
//
// Then, one command per line on stdin, one answer per line on stdout:
//   create <id>   create_pod of a pod with one container per --rootfs, each running --command;
//                 answers "ok <microseconds of create_pod>" once every container is running
//   remove <id>   remove_pod(id, force); answers "ok <microseconds of remove_pod>"
//   quit          removes any pod left in the state root, then exits
// A failure answers "err <message>" (one line) and the driver keeps going. EOF acts as quit.
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "skiff/pod/pod_manager.h"
#include "skiff/pod/pod_spec.h"

namespace {

using skiff::pod::ContainerSpec;
using skiff::pod::NetworkMode;
using skiff::pod::PodManager;
using skiff::pod::PodManagerOptions;
using skiff::pod::PodSpec;

struct Options {
  PodManagerOptions manager;
  std::vector<std::string> rootfs;
  NetworkMode network = NetworkMode::none;
  std::vector<skiff::netns::PortMapping> ports;
  std::vector<std::string> command = {"sleep", "1000"};
};

[[noreturn]] void usage(const std::string& message) {
  std::cerr << "pod_start_driver: " << message << "\n";
  std::exit(2);
}

skiff::netns::PortMapping parse_port(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos) {
    usage("--port wants HOST:CONTAINER, got " + text);
  }
  skiff::netns::PortMapping port;
  port.host_port = static_cast<uint16_t>(std::stoul(text.substr(0, colon)));
  port.container_port = static_cast<uint16_t>(std::stoul(text.substr(colon + 1)));
  return port;
}

Options parse(int argc, char** argv) {
  Options o;
  o.manager.bridge.subnet6.clear();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--command") {
      o.command.assign(argv + i + 1, argv + argc);
      if (o.command.empty()) {
        usage("--command wants at least one argument");
      }
      break;
    }
    if (i + 1 >= argc) {
      usage(arg + " wants a value");
    }
    std::string value = argv[++i];
    if (arg == "--state-root") {
      o.manager.state_root = value;
      o.manager.bridge.state_dir = value + "/network";
    } else if (arg == "--cgroup-parent") {
      o.manager.cgroup_parent = value;
    } else if (arg == "--pause") {
      o.manager.pause_path = value;
    } else if (arg == "--rootfs") {
      o.rootfs.push_back(value);
    } else if (arg == "--network") {
      o.network = skiff::pod::parse_network_mode(value);
    } else if (arg == "--port") {
      o.ports.push_back(parse_port(value));
    } else if (arg == "--bridge") {
      o.manager.bridge.bridge = value;
    } else if (arg == "--subnet") {
      o.manager.bridge.subnet4 = value;
    } else {
      usage("unknown option " + arg);
    }
  }
  if (o.manager.state_root.empty() || o.rootfs.empty()) {
    usage("--state-root and at least one --rootfs are needed");
  }
  if (o.network == NetworkMode::bridge && !skiff::pod::bridge_networking_available()) {
    usage("--network bridge: this build does not link the netns module (SKIFF_POD_NETNS)");
  }
  if (o.network != NetworkMode::bridge) {
    o.ports.clear();
  }
  return o;
}

PodSpec pod_spec(const Options& o, const std::string& id) {
  PodSpec spec;
  spec.id = id;
  spec.network = o.network;
  spec.ports = o.ports;
  char name = 'a';
  for (const auto& rootfs : o.rootfs) {
    ContainerSpec c;
    c.name = std::string("c") + name++;
    c.rootfs = rootfs;
    c.args = o.command;
    spec.containers.push_back(std::move(c));
  }
  return spec;
}

int64_t elapsed_us(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - since).count();
}

std::string one_line(std::string text) {
  for (char& ch : text) {
    if (ch == '\n' || ch == '\r') {
      ch = ' ';
    }
  }
  return text;
}

void remove_all(PodManager& manager) {
  try {
    manager.recover(true);
    for (const auto& pod : manager.list_pods()) {
      try {
        manager.remove_pod(pod.id, true);
      } catch (const std::exception& e) {
        std::cerr << "pod_start_driver: remove " << pod.id << ": " << e.what() << "\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "pod_start_driver: cleanup: " << e.what() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  PodManager manager(options.manager);
  std::string line;
  while (std::getline(std::cin, line)) {
    auto space = line.find(' ');
    std::string verb = line.substr(0, space);
    std::string id = space == std::string::npos ? "" : line.substr(space + 1);
    if (verb == "quit") {
      break;
    }
    try {
      if (verb == "create" && !id.empty()) {
        PodSpec spec = pod_spec(options, id);
        auto start = std::chrono::steady_clock::now();
        manager.create_pod(spec);
        std::cout << "ok " << elapsed_us(start) << std::endl;
      } else if (verb == "remove" && !id.empty()) {
        auto start = std::chrono::steady_clock::now();
        manager.remove_pod(id, true);
        std::cout << "ok " << elapsed_us(start) << std::endl;
      } else {
        std::cout << "err unknown command: " << one_line(line) << std::endl;
      }
    } catch (const std::exception& e) {
      std::cout << "err " << one_line(e.what()) << std::endl;
    }
  }
  remove_all(manager);
  return 0;
}
