#pragma once

// The work kube's namespace controller and garbage collector do for objects being deleted, run
// by the leader only: it empties Terminating namespaces and removes them, deletes the
// dependents of objects with the foregroundDeletion finalizer before them, and orphans the
// dependents of objects with the orphan finalizer, taking each finalizer off when its work is
// done (which removes the object when it was the last).
#include <set>
#include <stop_token>
#include <string>
#include <thread>

namespace skiff::apiserver {

class ObjectRegistry;

// One pass of the garbage collector over the object at store key: true when nothing is left to
// do for it, false when it waits for its dependents (or lost a race) and must be looked at again.
bool collect_garbage(ObjectRegistry& registry, const std::string& key);

// Watches every object and works on those being deleted, from start() to stop() (or
// destruction). It looks at everything once on start, so work left by a previous leader goes on.
class DeletionController {
 public:
  explicit DeletionController(ObjectRegistry& registry);
  DeletionController(const DeletionController&) = delete;
  DeletionController& operator=(const DeletionController&) = delete;
  ~DeletionController();

  void start();
  void stop();

 private:
  void run(const std::stop_token& stop);

  ObjectRegistry& registry_;
  std::jthread thread_;
};

}  // namespace skiff::apiserver
