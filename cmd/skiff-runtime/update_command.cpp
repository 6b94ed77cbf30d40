#include <unistd.h>

#include "commands.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/strings.h"

namespace skiff::cli {

namespace {

struct UpdateFlags {
  std::string resources_file;
  std::string blkio_weight, cpu_period, cpu_quota, cpu_share, cpu_rt_period, cpu_rt_runtime;
  std::string cpuset_cpus, cpuset_mems, memory, memory_reservation, memory_swap, kernel_memory, kernel_memory_tcp;
  std::string pids_limit;
  std::string id;
};

void set(boost::json::object& resources, const char* group, const char* key, boost::json::value value) {
  auto& section = resources[group];
  if (!section.is_object()) {
    section = boost::json::object();
  }
  section.as_object()[key] = std::move(value);
}

// The linux.resources fragment that the flags (or --resources) describe.
boost::json::object build_patch(const UpdateFlags& f) {
  boost::json::object patch;
  if (!f.resources_file.empty()) {
    std::string text = f.resources_file == "-" ? read_all(STDIN_FILENO, "stdin") : read_file(f.resources_file);
    auto doc = json::parse(text, f.resources_file == "-" ? "stdin" : f.resources_file);
    patch = json::as_object(doc, "--resources");
  }
  if (!f.blkio_weight.empty()) {
    set(patch, "blockIO", "weight", parse_uint(f.blkio_weight, "--blkio-weight"));
  }
  if (!f.cpu_period.empty()) {
    set(patch, "cpu", "period", parse_uint(f.cpu_period, "--cpu-period"));
  }
  if (!f.cpu_quota.empty()) {
    set(patch, "cpu", "quota", parse_int(f.cpu_quota, "--cpu-quota"));
  }
  if (!f.cpu_share.empty()) {
    set(patch, "cpu", "shares", parse_uint(f.cpu_share, "--cpu-share"));
  }
  if (!f.cpu_rt_period.empty()) {
    set(patch, "cpu", "realtimePeriod", parse_uint(f.cpu_rt_period, "--cpu-rt-period"));
  }
  if (!f.cpu_rt_runtime.empty()) {
    set(patch, "cpu", "realtimeRuntime", parse_int(f.cpu_rt_runtime, "--cpu-rt-runtime"));
  }
  if (!f.cpuset_cpus.empty()) {
    set(patch, "cpu", "cpus", boost::json::string(f.cpuset_cpus));
  }
  if (!f.cpuset_mems.empty()) {
    set(patch, "cpu", "mems", boost::json::string(f.cpuset_mems));
  }
  if (!f.memory.empty()) {
    set(patch, "memory", "limit", parse_byte_size(f.memory, "--memory", true));
  }
  if (!f.memory_reservation.empty()) {
    set(patch, "memory", "reservation", parse_byte_size(f.memory_reservation, "--memory-reservation", true));
  }
  if (!f.memory_swap.empty()) {
    set(patch, "memory", "swap", parse_byte_size(f.memory_swap, "--memory-swap", true));
  }
  if (!f.kernel_memory.empty()) {
    set(patch, "memory", "kernel", parse_byte_size(f.kernel_memory, "--kernel-memory", true));
  }
  if (!f.kernel_memory_tcp.empty()) {
    set(patch, "memory", "kernelTCP", parse_byte_size(f.kernel_memory_tcp, "--kernel-memory-tcp", true));
  }
  if (!f.pids_limit.empty()) {
    set(patch, "pids", "limit", parse_int(f.pids_limit, "--pids-limit"));
  }
  return patch;
}

}  // namespace

void add_update_command(CLI::App& app, Action& action) {
  auto f = std::make_shared<UpdateFlags>();
  auto* update = app.add_subcommand("update", "change the resource limits of a container");
  update->add_option("-r,--resources", f->resources_file, "a linux.resources JSON file, or - for stdin");
  update->add_option("--blkio-weight", f->blkio_weight, "block IO weight (10-1000)");
  update->add_option("--cpu-period", f->cpu_period, "CFS period in microseconds");
  update->add_option("--cpu-quota", f->cpu_quota, "CFS quota in microseconds");
  update->add_option("--cpu-share", f->cpu_share, "CPU shares (relative weight)");
  update->add_option("--cpu-rt-period", f->cpu_rt_period, "realtime period in microseconds");
  update->add_option("--cpu-rt-runtime", f->cpu_rt_runtime, "realtime runtime in microseconds");
  update->add_option("--cpuset-cpus", f->cpuset_cpus, "CPUs allowed (0-3, 0,1)");
  update->add_option("--cpuset-mems", f->cpuset_mems, "memory nodes allowed");
  update->add_option("--memory", f->memory, "memory limit (100M, 1g)");
  update->add_option("--memory-reservation", f->memory_reservation, "memory soft limit");
  update->add_option("--memory-swap", f->memory_swap, "memory plus swap limit; -1 for unlimited");
  update->add_option("--kernel-memory", f->kernel_memory, "kernel memory limit (deprecated by the kernel)");
  update->add_option("--kernel-memory-tcp", f->kernel_memory_tcp, "kernel TCP buffer limit");
  update->add_option("--pids-limit", f->pids_limit, "maximum number of processes");
  update->add_option("--l3-cache-schema", "not supported: Intel RDT");
  update->add_option("--mem-bw-schema", "not supported: Intel RDT");
  update->add_option("id", f->id, "container id")->required();
  update->callback([&action, f] {
    action = [f](runtime::Runtime& rt) {
      rt.update(f->id, build_patch(*f));
      return 0;
    };
  });
}

}  // namespace skiff::cli
