#include "skiff/apiserver/metrics.h"

#include <sstream>

#include "skiff/apiserver/api_handler.h"
#include "skiff/apiserver/resources.h"
#include "skiff/base/log.h"

namespace skiff::apiserver {

namespace {

std::string labels_text(const RequestLabels& labels) {
  return "verb=\"" + labels.verb + "\",group=\"" + labels.group + "\",version=\"" + labels.version + "\",resource=\"" +
         labels.resource + "\",subresource=\"" + labels.subresource + "\"";
}

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

RequestLabels request_labels(std::string_view method, std::string_view target) {
  RequestLabels labels;
  labels.verb = std::string(method);
  ParsedTarget parsed = parse_target(std::string(target));
  const std::vector<std::string>& segments = parsed.segments;
  size_t rest = 0;
  if (segments.size() >= 2 && segments[0] == "api") {
    labels.version = segments[1];
    rest = 2;
  } else if (segments.size() >= 3 && segments[0] == "apis") {
    labels.group = segments[1];
    labels.version = segments[2];
    rest = 3;
  } else {
    return {labels.verb, "", "", "", ""};
  }
  // /namespaces/<ns>/<resource>... is a namespaced resource; /namespaces[/<name>] the namespaces.
  if (segments.size() >= rest + 3 && segments[rest] == "namespaces") {
    rest += 2;
  }
  if (segments.size() <= rest) {
    return {labels.verb, "", "", "", ""};
  }
  const ResourceType* type = find_resource(labels.group, labels.version, segments[rest]);
  if (!type) {
    return {labels.verb, "", "", "", ""};
  }
  labels.resource = type->resource;
  bool named = segments.size() > rest + 1;
  if (segments.size() > rest + 2 && type->has_subresource(segments[rest + 2])) {
    labels.subresource = segments[rest + 2];
  }
  auto watch = parsed.query.find("watch");
  bool watching = watch != parsed.query.end() && (watch->second == "true" || watch->second == "1");
  if (method == "GET") {
    labels.verb = named ? "GET" : watching ? "WATCH" : "LIST";
  } else if (method == "POST") {
    labels.verb = "CREATE";
  } else if (method == "PUT") {
    labels.verb = "UPDATE";
  } else if (method == "PATCH") {
    labels.verb = "PATCH";
  } else if (method == "DELETE") {
    labels.verb = named ? "DELETE" : "DELETECOLLECTION";
  }
  return labels;
}

ServerMetrics::ServerMetrics(std::function<StoreFigures()> store_figures) : store_figures_(std::move(store_figures)) {}

void ServerMetrics::observe_request(const RequestLabels& labels, int code, std::chrono::duration<double> latency) {
  std::lock_guard lock(mutex_);
  ++counts_[{labels, code}];
  Histogram& histogram = latencies_[labels];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (latency.count() <= kBuckets[i]) {
      ++histogram.buckets[i];
    }
  }
  ++histogram.count;
  histogram.sum += latency.count();
}

std::string ServerMetrics::render() {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    out += "# HELP apiserver_request_total Requests by verb, group, version, resource, subresource and code.\n";
    out += "# TYPE apiserver_request_total counter\n";
    for (const auto& [key, count] : counts_) {
      out += "apiserver_request_total{" + labels_text(key.first) + ",code=\"" + std::to_string(key.second) + "\"} " +
             std::to_string(count) + "\n";
    }
    out += "# HELP apiserver_request_duration_seconds Request latency in seconds (a watch: until its stream starts).\n";
    out += "# TYPE apiserver_request_duration_seconds histogram\n";
    for (const auto& [labels, histogram] : latencies_) {
      std::string text = labels_text(labels);
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        out += "apiserver_request_duration_seconds_bucket{" + text + ",le=\"" + number(kBuckets[i]) + "\"} " +
               std::to_string(histogram.buckets[i]) + "\n";
      }
      out += "apiserver_request_duration_seconds_bucket{" + text + ",le=\"+Inf\"} " + std::to_string(histogram.count) +
             "\n";
      out += "apiserver_request_duration_seconds_sum{" + text + "} " + number(histogram.sum) + "\n";
      out += "apiserver_request_duration_seconds_count{" + text + "} " + std::to_string(histogram.count) + "\n";
    }
  }
  out += "# HELP apiserver_longrunning_requests Requests being served that run long (watches).\n";
  out += "# TYPE apiserver_longrunning_requests gauge\n";
  out += "apiserver_longrunning_requests{verb=\"WATCH\"} " + std::to_string(watches_.load()) + "\n";
  out += "# HELP skiff_leader 1 when this server holds the leader Lease (kube-system/skiff-server), 0 otherwise.\n";
  out += "# TYPE skiff_leader gauge\n";
  out += std::string("skiff_leader ") + (leader_.load() ? "1" : "0") + "\n";
  try {
    StoreFigures store = store_figures_();
    out += "# HELP apiserver_storage_keys Keys in the store now.\n# TYPE apiserver_storage_keys gauge\n";
    out += "apiserver_storage_keys " + std::to_string(store.keys) + "\n";
    out += "# HELP apiserver_storage_revision The store's current revision.\n";
    out += "# TYPE apiserver_storage_revision gauge\n";
    out += "apiserver_storage_revision " + std::to_string(store.revision) + "\n";
    out += "# HELP apiserver_storage_db_total_size_in_bytes The store database's size in bytes.\n";
    out += "# TYPE apiserver_storage_db_total_size_in_bytes gauge\n";
    out += "apiserver_storage_db_total_size_in_bytes " + std::to_string(store.db_bytes) + "\n";
  } catch (const std::exception& e) {
    // The request figures are still worth serving when the store does not answer.
    log::warning(std::string("metrics: store figures: ") + e.what());
  }
  return out;
}

}  // namespace skiff::apiserver
