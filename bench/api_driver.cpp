// api_driver: the measuring side of bench/api. Drives a running skiff-server through the api
// library (TLS, keep-alive, the admin kubeconfig) and prints one JSON object of figures:
//   creates/s and gets/s of N concurrent clients over 10,000 pods; the latency of mutating calls
//   paced at a fixed rate (creates and patches, timed from their scheduled start so a server
//   that falls behind is charged for it, and from their real start), with the server's own
//   histogram of them (/metrics); the latency of listing every pod (the body alone, parsed into
//   objects, and paged by 500 as kubectl does); the time until W watchers (informers) have all seen E events;
//   and the server's VmRSS/VmHWM (from /proc/<pid>/status) with the pods stored.
//
// usage: api_driver --kubeconfig FILE --server-pid PID [--clients N] [--pods N] [--gets N]
//                   [--rate W/S] [--paced N] [--lists N] [--watchers N] [--events N]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <sstream>
#include <thread>

#include "skiff/api/client.h"
#include "skiff/api/informer.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"

namespace {

using Clock = std::chrono::steady_clock;
using skiff::api::ApiClient;
using skiff::api::Resource;

const Resource pods_resource{.plural = "pods"};
const Resource configmaps_resource{.plural = "configmaps"};
const Resource namespaces_resource{.plural = "namespaces", .namespaced = false};

struct Settings {
  std::string kubeconfig;
  int server_pid = 0;
  int clients = 16;
  int pods = 10000;
  int gets = 20000;
  int rate = 1000;
  int paced = 10000;
  int lists = 5;
  int watchers = 100;
  int events = 10000;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// The value at fraction q of sorted samples.
double quantile(std::vector<double> samples, double q) {
  if (samples.empty()) {
    return 0;
  }
  std::sort(samples.begin(), samples.end());
  return samples[std::min(samples.size() - 1, static_cast<size_t>(q * static_cast<double>(samples.size())))];
}

boost::json::object pod(const std::string& name) {
  return boost::json::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"labels", {{"app", "bench"}, {"tier", "web"}}}}},
      {"spec",
       {{"containers", boost::json::array{{{"name", "app"},
                                           {"image", "docker.io/library/nginx:1.25"},
                                           {"ports", boost::json::array{{{"containerPort", 80}}}},
                                           {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}}}}}}}}}};
}

boost::json::object config_map(const std::string& name) {
  return boost::json::object{
      {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"key", name}}}};
}

// Runs work(i) for i in [0, count) on `clients` threads; the wall time in seconds.
double run_parallel(int clients, int count, const std::function<void(int)>& work) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mutex;
  Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < count && !failed; i = next++) {
        try {
          work(i);
        } catch (const std::exception& e) {
          std::lock_guard lock(failure_mutex);
          failed = true;
          failure = e.what();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  if (failed) {
    throw skiff::Error(failure);
  }
  return seconds_since(start);
}

// VmRSS and VmHWM of pid, in MiB.
std::pair<double, double> memory_of(int pid) {
  std::string status = skiff::read_file("/proc/" + std::to_string(pid) + "/status");
  auto field = [&](const std::string& name) {
    size_t at = status.find(name + ":");
    if (at == std::string::npos) {
      throw skiff::Error("/proc/" + std::to_string(pid) + "/status: no " + name);
    }
    return std::stod(status.substr(at + name.size() + 1)) / 1024.0;
  };
  return {field("VmRSS"), field("VmHWM")};
}

void wait_ready(ApiClient& client) {
  for (int attempt = 0;; ++attempt) {
    try {
      client.get(namespaces_resource, "", "default");
      return;
    } catch (const skiff::Error&) {
      if (attempt == 300) {
        throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// The server's own histogram of mutating calls (/metrics): how many, how many within 10 ms, and
// their summed seconds. Differences of two readings cover the calls in between.
struct ServerMutations {
  double count = 0;
  double within_10ms = 0;
  double seconds = 0;
};

ServerMutations server_mutations(ApiClient& client) {
  ServerMutations out;
  std::istringstream metrics(client.get_text("/metrics"));
  std::string line;
  while (std::getline(metrics, line)) {
    if (!line.starts_with("apiserver_request_duration_seconds") ||
        (line.find("verb=\"CREATE\"") == std::string::npos && line.find("verb=\"PATCH\"") == std::string::npos &&
         line.find("verb=\"UPDATE\"") == std::string::npos && line.find("verb=\"DELETE\"") == std::string::npos)) {
      continue;
    }
    double value = std::stod(line.substr(line.rfind(' ') + 1));
    if (line.find("le=\"0.01\"") != std::string::npos) {
      out.within_10ms += value;
    } else if (line.starts_with("apiserver_request_duration_seconds_count")) {
      out.count += value;
    } else if (line.starts_with("apiserver_request_duration_seconds_sum")) {
      out.seconds += value;
    }
  }
  return out;
}

// Mutating calls started on a fixed schedule (rate per second) by `clients` threads: creates
// of ConfigMaps alternating with strategic-merge patches of the stored pods' labels. A call's
// latency runs from its scheduled start.
struct PacedLatencies {
  // From each call's scheduled start, and from when the call was really made.
  std::vector<double> scheduled;
  std::vector<double> sent;
};

PacedLatencies paced_writes(ApiClient& client, const Settings& settings, const std::string& ns) {
  PacedLatencies latencies{std::vector<double>(static_cast<size_t>(settings.paced)),
                           std::vector<double>(static_cast<size_t>(settings.paced))};
  auto interval = std::chrono::nanoseconds(1000000000LL / settings.rate);
  Clock::time_point start = Clock::now() + std::chrono::milliseconds(10);
  run_parallel(settings.clients, settings.paced, [&](int i) {
    Clock::time_point due = start + interval * i;
    std::this_thread::sleep_until(due);
    Clock::time_point sent = Clock::now();
    if (i % 2 == 0) {
      client.create(configmaps_resource, ns, config_map("paced-" + std::to_string(i)));
    } else {
      client.patch(pods_resource, ns, "pod-" + std::to_string(i % settings.pods),
                   skiff::api::PatchType::strategic_merge,
                   boost::json::object{{"metadata", {{"labels", {{"round", std::to_string(i)}}}}}});
    }
    latencies.scheduled[static_cast<size_t>(i)] = ms(Clock::now() - due);
    latencies.sent[static_cast<size_t>(i)] = ms(Clock::now() - sent);
  });
  return latencies;
}

// W informers on a namespace of their own, then E ConfigMaps created there by the clients: the
// seconds from the first create until every informer has seen every event.
boost::json::object fan_out(ApiClient& client, const Settings& settings) {
  const std::string ns = "bench-fanout";
  client.create(namespaces_resource, "", boost::json::object{{"metadata", {{"name", ns}}}});
  std::mutex mutex;
  std::condition_variable done;
  int finished = 0;
  int relists = 0;
  int errors = 0;
  std::vector<std::unique_ptr<ApiClient>> watcher_clients;
  std::vector<std::unique_ptr<skiff::api::Informer>> informers;
  std::vector<int> seen(static_cast<size_t>(settings.watchers), 0);
  std::atomic<int> listed{0};
  skiff::api::Kubeconfig config = skiff::api::Kubeconfig::load(settings.kubeconfig);
  for (int w = 0; w < settings.watchers; ++w) {
    watcher_clients.push_back(std::make_unique<ApiClient>(config));
    skiff::api::InformerHandlers handlers;
    handlers.on_event = [&, w](const skiff::api::WatchEvent& event) {
      if (event.type == skiff::api::WatchEvent::Type::added && ++seen[static_cast<size_t>(w)] == settings.events) {
        std::lock_guard lock(mutex);
        ++finished;
        done.notify_all();
      }
    };
    handlers.on_relist = [&](skiff::api::RelistReason reason, const std::string&) {
      if (reason == skiff::api::RelistReason::initial) {
        ++listed;
      } else {
        std::lock_guard lock(mutex);
        ++relists;
      }
    };
    handlers.on_error = [&](const std::string& error) {
      std::lock_guard lock(mutex);
      if (++errors <= 3) {
        std::cerr << "watcher: " << error << "\n";
      }
    };
    informers.push_back(
        std::make_unique<skiff::api::Informer>(*watcher_clients.back(), configmaps_resource, ns, std::move(handlers)));
  }
  std::vector<std::thread> threads;
  for (auto& informer : informers) {
    threads.emplace_back([&informer] { informer->run(); });
  }
  while (listed < settings.watchers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The informers' watches start right after their lists; give the last ones a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Clock::time_point start = Clock::now();
  double write_seconds = run_parallel(settings.clients, settings.events, [&](int i) {
    client.create(configmaps_resource, ns, config_map("event-" + std::to_string(i)));
  });
  bool complete = false;
  {
    std::unique_lock lock(mutex);
    complete = done.wait_for(lock, std::chrono::minutes(10), [&] { return finished == settings.watchers; });
  }
  double all_seen = seconds_since(start);
  for (auto& informer : informers) {
    informer->stop();
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::lock_guard lock(mutex);
  return boost::json::object{{"watchers", settings.watchers},
                             {"events", settings.events},
                             {"write_seconds", write_seconds},
                             {"all_seen_seconds", all_seen},
                             {"complete", complete},
                             {"watchers_done", finished},
                             {"relists", relists},
                             {"watch_errors", errors}};
}

boost::json::object run(const Settings& settings) {
  ApiClient client(skiff::api::Kubeconfig::load(settings.kubeconfig));
  wait_ready(client);
  const std::string ns = "bench";
  client.create(namespaces_resource, "", boost::json::object{{"metadata", {{"name", ns}}}});
  boost::json::object out;
  auto [rss_empty, hwm_empty] = memory_of(settings.server_pid);
  out["rss_empty_mib"] = rss_empty;

  double create_seconds = run_parallel(settings.clients, settings.pods, [&](int i) {
    client.create(pods_resource, ns, pod("pod-" + std::to_string(i)));
  });
  out["creates_per_second"] = settings.pods / create_seconds;
  auto [rss_pods, hwm_pods] = memory_of(settings.server_pid);
  out["rss_with_pods_mib"] = rss_pods;
  out["hwm_after_creates_mib"] = hwm_pods;

  double get_seconds = run_parallel(settings.clients, settings.gets, [&](int i) {
    client.get(pods_resource, ns, "pod-" + std::to_string((i * 7919) % settings.pods));
  });
  out["gets_per_second"] = settings.gets / get_seconds;

  std::vector<double> raw;
  std::vector<double> whole;
  std::vector<double> paged;
  for (int i = 0; i < settings.lists; ++i) {
    Clock::time_point start = Clock::now();
    client.get_text(pods_resource.collection_path(ns));
    raw.push_back(ms(Clock::now() - start));
    start = Clock::now();
    size_t items = client.list(pods_resource, ns).items.size();
    whole.push_back(ms(Clock::now() - start));
    start = Clock::now();
    size_t paged_items = client.list_all(pods_resource, ns, skiff::api::ListOptions{.limit = 500}).items.size();
    paged.push_back(ms(Clock::now() - start));
    if (items != static_cast<size_t>(settings.pods) || paged_items != items) {
      throw skiff::Error("list returned " + std::to_string(items) + " and " + std::to_string(paged_items) +
                         " pods, not " + std::to_string(settings.pods));
    }
  }
  out["list_raw_ms_median"] = quantile(raw, 0.5);
  out["list_ms_median"] = quantile(whole, 0.5);
  out["list_paged_ms_median"] = quantile(paged, 0.5);
  auto [rss_listed, hwm_listed] = memory_of(settings.server_pid);
  out["rss_after_lists_mib"] = rss_listed;
  out["hwm_after_lists_mib"] = hwm_listed;

  ServerMutations before = server_mutations(client);
  PacedLatencies latencies = paced_writes(client, settings, ns);
  ServerMutations after = server_mutations(client);
  double served = after.count - before.count;
  out["paced_server_within_10ms"] = served > 0 ? (after.within_10ms - before.within_10ms) / served : 0;
  out["paced_server_mean_ms"] = served > 0 ? (after.seconds - before.seconds) * 1000 / served : 0;
  out["paced_rate"] = settings.rate;
  out["paced_calls"] = settings.paced;
  out["paced_p50_ms"] = quantile(latencies.scheduled, 0.5);
  out["paced_p99_ms"] = quantile(latencies.scheduled, 0.99);
  out["paced_max_ms"] = quantile(latencies.scheduled, 1.0);
  out["paced_sent_p99_ms"] = quantile(latencies.sent, 0.99);

  out["fan_out"] = fan_out(client, settings);
  auto [rss_end, hwm_end] = memory_of(settings.server_pid);
  out["rss_end_mib"] = rss_end;
  out["hwm_end_mib"] = hwm_end;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{"api_driver: skiff-server's API benchmark (run by bench/api)", "api_driver"};
    Settings settings;
    app.add_option("--kubeconfig", settings.kubeconfig, "the server's admin kubeconfig")->required();
    app.add_option("--server-pid", settings.server_pid, "the server's pid, for its memory")->required();
    app.add_option("--clients", settings.clients, "concurrent clients")->check(CLI::PositiveNumber);
    app.add_option("--pods", settings.pods, "pods created, then read and listed")->check(CLI::PositiveNumber);
    app.add_option("--gets", settings.gets, "gets of those pods")->check(CLI::PositiveNumber);
    app.add_option("--rate", settings.rate, "mutating calls per second in the paced phase")->check(CLI::PositiveNumber);
    app.add_option("--paced", settings.paced, "mutating calls in the paced phase")->check(CLI::PositiveNumber);
    app.add_option("--lists", settings.lists, "lists of every pod (the median is printed)")->check(CLI::PositiveNumber);
    app.add_option("--watchers", settings.watchers, "informers in the fan-out phase")->check(CLI::PositiveNumber);
    app.add_option("--events", settings.events, "objects created in the fan-out phase")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    std::cout << boost::json::serialize(run(settings)) << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "api_driver: " << e.what() << "\n";
    return 1;
  }
}
