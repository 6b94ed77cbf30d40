#pragma once

// Leader election among the skiff-servers on one store, as client-go's leaderelection package
// does it with a coordination.k8s.io/v1 Lease: a candidate takes the Lease when it is missing,
// released, or not renewed for leaseDurationSeconds (measured on the candidate's own clock from
// when it last saw the Lease change); the leader renews it every retry period. Every write is a
// compare-and-swap on the Lease's resourceVersion, so one server at a time holds it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace skiff::apiserver {

class ObjectRegistry;

struct LeaderElectionConfig {
  // holderIdentity: unique per process (hostname_pid by default).
  std::string identity;
  std::string lease_namespace = "kube-system";
  std::string lease_name = "skiff-server";
  std::chrono::seconds lease_duration{15};
  // A leader that could not renew for this long stops leading (before anyone may take over).
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
  // The only server its store can have (SQLite, under the data dir's lock): a Lease held by
  // another identity is a previous run's, taken over at once instead of after its duration.
  bool sole_server = false;
};

// "hostname_pid".
std::string default_leader_identity();

// "2026-01-02T03:04:05.123456Z": kube's metav1.MicroTime, now.
std::string kube_micro_timestamp();

class LeaderElector {
 public:
  // on_started and on_stopped run on the elector's thread when this server starts and stops
  // leading (on_stopped also on stop() while leading).
  LeaderElector(ObjectRegistry& registry, LeaderElectionConfig config, std::function<void()> on_started,
                std::function<void()> on_stopped);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;
  ~LeaderElector();

  void start();
  // Stops campaigning; a leader stops its work and releases the Lease (holderIdentity "",
  // leaseDurationSeconds 1) so that another server takes it at once.
  void stop();

  [[nodiscard]] bool is_leader() const { return leading_; }

  // One attempt to take or renew the Lease (client-go's tryAcquireOrRenew): true when this
  // server holds it afterwards.
  bool try_acquire_or_renew();

 private:
  void run(const std::stop_token& stop);
  void release();
  [[nodiscard]] bool observed_self() const { return observed_holder_ == config_.identity; }

  ObjectRegistry& registry_;
  LeaderElectionConfig config_;
  std::function<void()> on_started_;
  std::function<void()> on_stopped_;
  std::atomic<bool> leading_{false};
  // The Lease's spec as last seen and when (this process's monotonic clock) it changed.
  std::string observed_spec_;
  std::string observed_holder_;
  int64_t observed_transitions_ = 0;
  std::chrono::steady_clock::time_point observed_time_;
  std::mutex wait_mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace skiff::apiserver
