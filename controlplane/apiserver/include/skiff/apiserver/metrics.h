#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace skiff::apiserver {

// What kube's request-info filter makes of a request, for the metrics' labels: the verb (GET,
// LIST, WATCH, CREATE, UPDATE, PATCH, DELETE, DELETECOLLECTION, or the HTTP method for
// non-resource URLs), and the served resource and subresource ("" for non-resource URLs and
// unknown resources, which keeps the label values to a fixed set).
struct RequestLabels {
  std::string verb;
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  bool operator<(const RequestLabels& other) const {
    return std::tie(verb, group, version, resource, subresource) <
           std::tie(other.verb, other.group, other.version, other.resource, other.subresource);
  }
};
RequestLabels request_labels(std::string_view method, std::string_view target);

// The figures the store adds to each scrape.
struct StoreFigures {
  int64_t keys = 0;
  int64_t revision = 0;
  int64_t db_bytes = 0;
};

// The server's Prometheus metrics under kube's names: apiserver_request_total{verb, group,
// version, resource, subresource, code}, apiserver_request_duration_seconds (a histogram by
// verb, group, version, resource, subresource), apiserver_longrunning_requests{verb="WATCH"},
// the store's apiserver_storage_keys, apiserver_storage_revision and
// apiserver_storage_db_total_size_in_bytes, and skiff_leader.
class ServerMetrics {
 public:
  explicit ServerMetrics(std::function<StoreFigures()> store_figures);

  void observe_request(const RequestLabels& labels, int code, std::chrono::duration<double> latency);
  void watch_started() { ++watches_; }
  void watch_ended() { --watches_; }
  [[nodiscard]] int64_t watches() const { return watches_; }
  // Whether this server leads (skiff_leader).
  void set_leader(bool leader) { leader_ = leader; }

  // The text exposition format (version 0.0.4).
  std::string render();

  static constexpr std::array<double, 14> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4,
                                                      0.6,   1,    2,     5,    10,  30,  60};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };

  std::function<StoreFigures()> store_figures_;
  std::mutex mutex_;
  std::map<std::pair<RequestLabels, int>, uint64_t> counts_;
  std::map<RequestLabels, Histogram> latencies_;
  std::atomic<int64_t> watches_{0};
  std::atomic<bool> leader_{false};
};

}  // namespace skiff::apiserver
