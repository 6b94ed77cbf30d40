// linux.seccomp: the profile's vocabulary, its validation, and its compilation to classic BPF.

#include "skiff/runtime/seccomp.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/json.h"
#include "skiff/base/log.h"
#include "skiff/base/unique_fd.h"

// Older kernel headers lack the newer flags; the values are kernel ABI.
#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace skiff::runtime {

namespace {

using boost::json::value;

template <typename T>
struct Named {
  std::string_view name;
  T value;
};

// The errno or tracer data of ERRNO and TRACE is filled in by action_value.
constexpr Named<uint32_t> kActions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

constexpr Named<scmp_compare> kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

constexpr Named<unsigned int> kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

constexpr std::string_view kArchitectures[] = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",  "SCMP_ARCH_X32",       "SCMP_ARCH_ARM",     "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",        "SCMP_ARCH_MIPS64",  "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",     "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",       "SCMP_ARCH_RISCV64",
};

constexpr std::string_view kArchPrefix = "SCMP_ARCH_";
constexpr uint32_t kMaxArgIndex = 5;  // syscalls take at most six arguments
constexpr size_t kBinaryTreeMinRules = 8;

template <typename T, size_t N>
const Named<T>* lookup(const Named<T> (&table)[N], std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) {
      return &entry;
    }
  }
  return nullptr;
}

std::string libseccomp_version() {
  const scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

// libseccomp names an architecture by the lowercase suffix of its OCI name
// ("SCMP_ARCH_X86_64" -> "x86_64"); 0 when this libseccomp does not know it.
uint32_t arch_token(std::string_view oci_name) {
  if (!oci_name.starts_with(kArchPrefix)) {
    return 0;
  }
  std::string name(oci_name.substr(kArchPrefix.size()));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return seccomp_arch_resolve_name(name.c_str());
}

bool takes_errno(std::string_view action) {
  return action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_TRACE";
}

// The libseccomp action; ERRNO and TRACE carry errno_ret, EPERM by default as in runc.
uint32_t action_value(const std::string& action, std::optional<uint32_t> errno_ret) {
  const auto* entry = lookup(kActions, action);
  if (entry == nullptr) {
    throw Error("seccomp: unknown action \"" + action + "\"");
  }
  if (takes_errno(action)) {
    return entry->value | (errno_ret.value_or(EPERM) & 0xffffu);
  }
  return entry->value;
}

// libseccomp returns -errno rather than setting errno.
void check_scmp(int rc, const std::string& context) {
  if (rc < 0) {
    throw_errno(-rc, context);
  }
}

// ---- parsing ----

const value& required(const boost::json::object& obj, std::string_view key, std::string_view parent) {
  const value* v = json::find(obj, key);
  if (v == nullptr) {
    json::invalid(json::field(parent, key), "is required");
  }
  return *v;
}

std::string parse_action(const value& v, std::string_view path) {
  std::string action = json::as_string(v, path);
  if (lookup(kActions, action) == nullptr) {
    json::invalid(path, "unknown action", v);
  }
  return action;
}

// errnoRet is the 16-bit data of SECCOMP_RET_ERRNO / SECCOMP_RET_TRACE, so only those take one.
uint32_t parse_errno_ret(const value& v, std::string_view path, std::string_view action) {
  if (!takes_errno(action)) {
    json::invalid(path, "is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", v);
  }
  return static_cast<uint32_t>(json::as_int_in(v, path, 0, 0xffff));
}

std::string parse_architecture(const value& v, std::string_view path) {
  std::string arch = json::as_string(v, path);
  if (std::find(std::begin(kArchitectures), std::end(kArchitectures), arch) == std::end(kArchitectures)) {
    json::invalid(path, "unknown architecture", v);
  }
  if (arch_token(arch) == 0) {
    json::invalid(path, "architecture not supported by libseccomp " + libseccomp_version(), v);
  }
  return arch;
}

SeccompArg parse_arg(const value& v, std::string_view path) {
  const auto& obj = json::as_object(v, path);
  SeccompArg arg;
  arg.index =
      static_cast<uint32_t>(json::as_int_in(required(obj, "index", path), json::field(path, "index"), 0, kMaxArgIndex));
  arg.value = json::as_uint64(required(obj, "value", path), json::field(path, "value"));
  if (const value* two = json::find(obj, "valueTwo")) {
    arg.value_two = json::as_uint64(*two, json::field(path, "valueTwo"));
  }
  const value& op = required(obj, "op", path);
  arg.op = json::as_string(op, json::field(path, "op"));
  if (lookup(kOperators, arg.op) == nullptr) {
    json::invalid(json::field(path, "op"), "unknown operator", op);
  }
  return arg;
}

SeccompRule parse_rule(const value& v, std::string_view path) {
  const auto& obj = json::as_object(v, path);
  SeccompRule rule;
  std::string names_path = json::field(path, "names");
  const value& names = required(obj, "names", path);
  rule.names = json::as_string_array(names, names_path);
  if (rule.names.empty()) {
    json::invalid(names_path, "must name at least one syscall", names);
  }
  for (size_t i = 0; i < rule.names.size(); ++i) {
    if (rule.names[i].empty()) {
      json::invalid(json::element(names_path, i), "must not be empty", names.get_array()[i]);
    }
  }
  rule.action = parse_action(required(obj, "action", path), json::field(path, "action"));
  if (const value* errno_ret = json::find(obj, "errnoRet")) {
    rule.errno_ret = parse_errno_ret(*errno_ret, json::field(path, "errnoRet"), rule.action);
  }
  if (const value* args = json::find(obj, "args")) {
    std::string args_path = json::field(path, "args");
    const auto& arr = json::as_array(*args, args_path);
    for (size_t i = 0; i < arr.size(); ++i) {
      rule.args.push_back(parse_arg(arr[i], json::element(args_path, i)));
    }
  }
  return rule;
}

// ---- compiling ----

struct FilterRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterRelease>;

scmp_arg_cmp to_cmp(const SeccompArg& arg) {
  const auto* op = lookup(kOperators, arg.op);
  if (op == nullptr) {
    throw Error("seccomp: unknown operator \"" + arg.op + "\"");
  }
  // Only MASKED_EQ has a second operand (value is the mask, valueTwo the datum).
  uint64_t datum_b = op->value == SCMP_CMP_MASKED_EQ ? arg.value_two : 0;
  return scmp_arg_cmp{arg.index, op->value, arg.value, datum_b};
}

// libseccomp ANDs the conditions of one rule and cannot express two conditions on the same
// argument; like runc, such a rule becomes one rule per condition (so they OR).
std::vector<std::vector<scmp_arg_cmp>> condition_sets(const SeccompRule& rule) {
  std::vector<scmp_arg_cmp> all;
  bool repeated_index = false;
  for (const auto& arg : rule.args) {
    scmp_arg_cmp cmp = to_cmp(arg);
    repeated_index |= std::any_of(all.begin(), all.end(), [&](const scmp_arg_cmp& c) { return c.arg == cmp.arg; });
    all.push_back(cmp);
  }
  if (!repeated_index) {
    return {all};
  }
  std::vector<std::vector<scmp_arg_cmp>> sets;
  for (const auto& cmp : all) {
    sets.push_back({cmp});
  }
  return sets;
}

std::vector<sock_filter> export_bpf(void* ctx) {
  UniqueFd fd(::memfd_create("skiff-seccomp-bpf", MFD_CLOEXEC));
  if (!fd) {
    throw_errno("memfd_create for the seccomp filter");
  }
  check_scmp(seccomp_export_bpf(ctx, fd.get()), "export seccomp filter");
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) {
    throw_errno("rewind the exported seccomp filter");
  }
  std::string bytes = read_all(fd.get(), "exported seccomp filter");
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0) {
    throw Error("export seccomp filter: libseccomp wrote " + std::to_string(bytes.size()) +
                " bytes, not a whole number of instructions");
  }
  std::vector<sock_filter> filter(bytes.size() / sizeof(sock_filter));
  std::memcpy(filter.data(), bytes.data(), bytes.size());
  return filter;
}

}  // namespace

Seccomp parse_seccomp(const value& v, std::string_view path) {
  const auto& obj = json::as_object(v, path);
  Seccomp seccomp;
  std::string default_path = json::field(path, "defaultAction");
  const value& default_action = required(obj, "defaultAction", path);
  seccomp.default_action = parse_action(default_action, default_path);
  // Every syscall would wait for an agent that cannot receive the listener fd yet.
  if (seccomp.default_action == "SCMP_ACT_NOTIFY") {
    json::invalid(default_path, "SCMP_ACT_NOTIFY cannot be the default action", default_action);
  }
  if (const value* errno_ret = json::find(obj, "defaultErrnoRet")) {
    seccomp.default_errno_ret =
        parse_errno_ret(*errno_ret, json::field(path, "defaultErrnoRet"), seccomp.default_action);
  }
  if (const value* archs = json::find(obj, "architectures")) {
    std::string archs_path = json::field(path, "architectures");
    const auto& arr = json::as_array(*archs, archs_path);
    for (size_t i = 0; i < arr.size(); ++i) {
      seccomp.architectures.push_back(parse_architecture(arr[i], json::element(archs_path, i)));
    }
  }
  if (const value* flags = json::find(obj, "flags")) {
    std::string flags_path = json::field(path, "flags");
    seccomp.flags = json::as_string_array(*flags, flags_path);
    for (size_t i = 0; i < seccomp.flags.size(); ++i) {
      if (lookup(kFlags, seccomp.flags[i]) == nullptr) {
        json::invalid(json::element(flags_path, i), "unknown flag", flags->get_array()[i]);
      }
    }
  }
  std::string listener_path = json::field(path, "listenerPath");
  if (const value* listener = json::find(obj, "listenerPath")) {
    seccomp.listener_path = json::as_string(*listener, listener_path);
    if (seccomp.listener_path.size() >= sizeof(sockaddr_un::sun_path)) {
      json::invalid(
          listener_path,
          "is longer than a unix socket path can be (" + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)",
          *listener);
    }
  }
  if (const value* metadata = json::find(obj, "listenerMetadata")) {
    std::string metadata_path = json::field(path, "listenerMetadata");
    seccomp.listener_metadata = json::as_string(*metadata, metadata_path);
    if (seccomp.listener_path.empty()) {
      json::invalid(metadata_path, "requires listenerPath", *metadata);
    }
  }
  if (const value* syscalls = json::find(obj, "syscalls")) {
    std::string syscalls_path = json::field(path, "syscalls");
    const auto& arr = json::as_array(*syscalls, syscalls_path);
    for (size_t i = 0; i < arr.size(); ++i) {
      seccomp.syscalls.push_back(parse_rule(arr[i], json::element(syscalls_path, i)));
      if (seccomp.syscalls.back().action == "SCMP_ACT_NOTIFY" && seccomp.listener_path.empty()) {
        json::invalid(listener_path, "is required when a rule uses SCMP_ACT_NOTIFY (" +
                                         json::field(json::element(syscalls_path, i), "action") + ")");
      }
    }
  }
  return seccomp;
}

SeccompProgram compile_seccomp(const Seccomp& seccomp) {
  uint32_t default_action = action_value(seccomp.default_action, seccomp.default_errno_ret);
  Filter ctx(seccomp_init(default_action));
  if (!ctx) {
    throw Error("seccomp_init: libseccomp " + libseccomp_version() + " rejected the default action " +
                seccomp.default_action);
  }
  // We only export the program; the container process loads it with our own flags.
  check_scmp(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0), "seccomp: clear the no_new_privs attribute");
  check_scmp(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 0), "seccomp: clear the tsync attribute");

  for (const auto& arch : seccomp.architectures) {
    uint32_t token = arch_token(arch);
    if (token == 0) {
      throw Error("seccomp: architecture " + arch + " is not supported by libseccomp " + libseccomp_version());
    }
    int rc = seccomp_arch_add(ctx.get(), token);
    if (rc == -EDOM) {
      throw Error("seccomp: architecture " + arch + " has a different byte order from this machine's; " +
                  "libseccomp cannot combine them in one filter");
    }
    if (rc != -EEXIST) {
      check_scmp(rc, "seccomp: add architecture " + arch);
    }
  }

  SeccompProgram program;
  std::vector<std::string> unknown;
  size_t added = 0;
  for (const auto& rule : seccomp.syscalls) {
    uint32_t action = action_value(rule.action, rule.errno_ret);
    program.needs_listener |= action == SCMP_ACT_NOTIFY;
    // libseccomp rejects a rule whose action is the default one, and it would change nothing.
    if (action == default_action) {
      continue;
    }
    std::vector<std::vector<scmp_arg_cmp>> sets = condition_sets(rule);
    for (const auto& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        if (std::find(unknown.begin(), unknown.end(), name) == unknown.end()) {
          unknown.push_back(name);
        }
        continue;
      }
      ++added;
      for (const auto& conditions : sets) {
        check_scmp(seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned int>(conditions.size()),
                                          conditions.data()),
                   "seccomp: add rule " + rule.action + " for " + name);
      }
    }
  }
  if (!unknown.empty()) {
    std::string names;
    for (const auto& name : unknown) {
      names += (names.empty() ? "" : ", ") + name;
    }
    log::warning("seccomp: skipping syscalls unknown to libseccomp " + libseccomp_version() + ": " + names);
  }

  // A binary search over syscall numbers instead of a linear scan: large profiles (docker's
  // default has ~350 syscalls) then cost a few comparisons per syscall instead of hundreds.
  // Like runc, not for a few rules, where it gains nothing; libseccomp before 2.5.4 also
  // ignored the default action of a tree without rules (libseccomp#370).
  if (added >= kBinaryTreeMinRules) {
    check_scmp(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2), "seccomp: select the binary tree layout");
  }

  for (const auto& flag : seccomp.flags) {
    const auto* entry = lookup(kFlags, flag);
    if (entry == nullptr) {
      throw Error("seccomp: unknown flag \"" + flag + "\"");
    }
    program.flags |= entry->value;
  }
  program.filter = export_bpf(ctx.get());
  return program;
}

}  // namespace skiff::runtime
