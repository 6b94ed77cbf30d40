#include "skiff/apiserver/leader_election.h"

#include <unistd.h>

#include <array>
#include <ctime>

#include "skiff/apiserver/registry.h"
#include "skiff/apiserver/status.h"
#include "skiff/base/log.h"

namespace skiff::apiserver {

namespace {

const ResourceType& lease_type() {
  return *find_resource("coordination.k8s.io", "v1", "leases");
}

int64_t int_member(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_int64() ? value->as_int64() : 0;
}

std::string string_member(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : "";
}

}  // namespace

std::string default_leader_identity() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    host = {'s', 'k', 'i', 'f', 'f'};
  }
  return std::string(host.data()) + "_" + std::to_string(getpid());
}

std::string kube_micro_timestamp() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::tm tm{};
  gmtime_r(&now.tv_sec, &tm);
  std::array<char, 32> seconds{};
  std::strftime(seconds.data(), seconds.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string micros = std::to_string(now.tv_nsec / 1000);
  return std::string(seconds.data()) + "." + std::string(6 - micros.size(), '0') + micros + "Z";
}

LeaderElector::LeaderElector(ObjectRegistry& registry, LeaderElectionConfig config, std::function<void()> on_started,
                             std::function<void()> on_stopped)
    : registry_(registry),
      config_(std::move(config)),
      on_started_(std::move(on_started)),
      on_stopped_(std::move(on_stopped)) {}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start() {
  if (!thread_.joinable()) {
    thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
  }
}

void LeaderElector::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    wake_.notify_all();
    thread_.join();
  }
}

bool LeaderElector::try_acquire_or_renew() {
  std::string now = kube_micro_timestamp();
  boost::json::object spec{{"holderIdentity", config_.identity},
                           {"leaseDurationSeconds", config_.lease_duration.count()},
                           {"acquireTime", now},
                           {"renewTime", now},
                           {"leaseTransitions", 0}};
  boost::json::object lease;
  try {
    lease = registry_.get(lease_type(), config_.lease_namespace, config_.lease_name);
  } catch (const ApiError& e) {
    if (e.http_code() != 404) {
      throw;
    }
    try {
      registry_.create(lease_type(), config_.lease_namespace,
                       {{"apiVersion", "coordination.k8s.io/v1"},
                        {"kind", "Lease"},
                        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
                        {"spec", spec}});
    } catch (const ApiError& create_error) {
      if (create_error.http_code() == 409) {  // another server created it first
        return false;
      }
      throw;
    }
    observed_spec_ = boost::json::serialize(spec);
    observed_holder_ = config_.identity;
    observed_transitions_ = 0;
    observed_time_ = std::chrono::steady_clock::now();
    return true;
  }
  const auto* current = lease.if_contains("spec");
  boost::json::object old_spec = current && current->is_object() ? current->as_object() : boost::json::object{};
  if (std::string raw = boost::json::serialize(old_spec); raw != observed_spec_) {
    observed_spec_ = raw;
    observed_holder_ = string_member(old_spec, "holderIdentity");
    observed_transitions_ = int_member(old_spec, "leaseTransitions");
    observed_time_ = std::chrono::steady_clock::now();
  }
  bool valid = std::chrono::steady_clock::now() <
               observed_time_ + std::chrono::seconds(int_member(old_spec, "leaseDurationSeconds"));
  if (!observed_holder_.empty() && !observed_self() && valid && !config_.sole_server) {
    return false;  // held by another server that renews it
  }
  if (observed_self()) {
    spec["acquireTime"] = old_spec.contains("acquireTime") ? old_spec.at("acquireTime") : boost::json::value(now);
    spec["leaseTransitions"] = observed_transitions_;
  } else {
    spec["leaseTransitions"] = observed_transitions_ + 1;
  }
  lease["spec"] = spec;
  try {
    // The resourceVersion read makes the update a compare-and-swap: 409 when another server wrote first.
    registry_.update(lease_type(), config_.lease_namespace, config_.lease_name, Part::object, lease);
  } catch (const ApiError& e) {
    if (e.http_code() == 409 || e.http_code() == 404) {
      return false;
    }
    throw;
  }
  observed_spec_ = boost::json::serialize(spec);
  observed_holder_ = config_.identity;
  observed_transitions_ = int_member(spec, "leaseTransitions");
  observed_time_ = std::chrono::steady_clock::now();
  return true;
}

void LeaderElector::release() {
  try {
    boost::json::object lease = registry_.get(lease_type(), config_.lease_namespace, config_.lease_name);
    const auto* spec = lease.if_contains("spec");
    if (!spec || !spec->is_object() || string_member(spec->as_object(), "holderIdentity") != config_.identity) {
      return;
    }
    std::string now = kube_micro_timestamp();
    lease["spec"] = boost::json::object{{"holderIdentity", ""},
                                        {"leaseDurationSeconds", 1},
                                        {"acquireTime", now},
                                        {"renewTime", now},
                                        {"leaseTransitions", int_member(spec->as_object(), "leaseTransitions")}};
    registry_.update(lease_type(), config_.lease_namespace, config_.lease_name, Part::object, lease);
  } catch (const std::exception& e) {
    log::warning(std::string("leader election: releasing the lease: ") + e.what());
  }
}

void LeaderElector::run(const std::stop_token& stop) {
  auto last_renewal = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    bool held = false;
    try {
      held = try_acquire_or_renew();
    } catch (const std::exception& e) {
      log::warning(std::string("leader election: ") + e.what());
    }
    auto now = std::chrono::steady_clock::now();
    if (held) {
      last_renewal = now;
      if (!leading_) {
        log::info("leader election: " + config_.identity + " leads (lease " + config_.lease_namespace + "/" +
                  config_.lease_name + ")");
        leading_ = true;
        on_started_();
      }
    } else if (leading_ && (!observed_self() || now - last_renewal >= config_.renew_deadline)) {
      log::warning("leader election: " + config_.identity + " lost the lease");
      leading_ = false;
      on_stopped_();
    }
    std::unique_lock lock(wait_mutex_);
    wake_.wait_for(lock, stop, config_.retry_period, [] { return false; });
  }
  if (leading_) {
    leading_ = false;
    on_stopped_();
    release();
  }
}

}  // namespace skiff::apiserver
