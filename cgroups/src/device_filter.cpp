#include "device_filter.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "skiff/base/error.h"

namespace skiff::cgroups {

namespace {

constexpr uint32_t kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// What the prologue loads from struct bpf_cgroup_dev_ctx, one register each; r1 (the context
// pointer) is free afterwards and serves as scratch.
constexpr uint8_t kScratch = BPF_REG_1;
constexpr uint8_t kType = BPF_REG_2;
constexpr uint8_t kAccess = BPF_REG_3;
constexpr uint8_t kMajor = BPF_REG_4;
constexpr uint8_t kMinor = BPF_REG_5;

std::string describe(const DeviceRule& rule) {
  auto number = [](const std::optional<int64_t>& n) { return n ? std::to_string(*n) : std::string("*"); };
  return std::string(rule.allow ? "allow " : "deny ") + rule.type + " " + number(rule.major) + ":" +
         number(rule.minor) + " " + rule.access;
}

uint32_t access_bits(const DeviceRule& rule) {
  uint32_t bits = 0;
  for (char c : rule.access) {
    switch (c) {
      case 'r':
        bits |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        bits |= BPF_DEVCG_ACC_WRITE;
        break;
      case 'm':
        bits |= BPF_DEVCG_ACC_MKNOD;
        break;
      default:
        throw Error("device rule \"" + describe(rule) + "\": access must be a combination of r, w and m");
    }
  }
  return bits;
}

// The kernel hands major and minor over as u32; the immediate is their bit pattern.
int32_t device_number(const DeviceRule& rule, int64_t n) {
  if (n < 0 || n > static_cast<int64_t>(UINT32_MAX)) {
    throw Error("device rule \"" + describe(rule) + "\": device number " + std::to_string(n) + " is out of range");
  }
  return static_cast<int32_t>(static_cast<uint32_t>(n));
}

bpf_insn return_value(bool allow) {
  return bpf::alu32_imm(BPF_MOV, BPF_REG_0, allow ? 1 : 0);
}

// Appends the block "if the request matches rule, return its verdict"; every failed test jumps
// to the next block. Returns false when the rule matches every request: the verifier refuses
// unreachable code, so nothing may follow.
bool append_rule(std::vector<bpf_insn>& out, const DeviceRule& rule) {
  if (rule.type == "a") {
    out.push_back(return_value(rule.allow));
    out.push_back(bpf::exit_insn());
    return false;
  }
  if (rule.type != "b" && rule.type != "c") {
    throw Error("device rule \"" + describe(rule) + "\": type must be a, b or c");
  }
  std::vector<size_t> to_next;
  auto jump = [&](bpf_insn insn) {
    to_next.push_back(out.size());
    out.push_back(insn);
  };
  jump(bpf::jump32_imm(BPF_JNE, kType, rule.type == "c" ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0));
  uint32_t access = access_bits(rule);
  if (access != kAllAccess) {
    out.push_back(bpf::alu32_reg(BPF_MOV, kScratch, kAccess));
    out.push_back(bpf::alu32_imm(BPF_AND, kScratch, static_cast<int32_t>(access)));
    // An allow must cover the whole request; a deny needs to forbid only part of it (or
    // "deny w" would let an O_RDWR open through).
    jump(rule.allow ? bpf::jump32_reg(BPF_JNE, kScratch, kAccess, 0) : bpf::jump32_imm(BPF_JEQ, kScratch, 0, 0));
  }
  if (rule.major) {
    jump(bpf::jump32_imm(BPF_JNE, kMajor, device_number(rule, *rule.major), 0));
  }
  if (rule.minor) {
    jump(bpf::jump32_imm(BPF_JNE, kMinor, device_number(rule, *rule.minor), 0));
  }
  out.push_back(return_value(rule.allow));
  out.push_back(bpf::exit_insn());
  for (size_t at : to_next) {
    out[at].off = static_cast<int16_t>(out.size() - at - 1);
  }
  return true;
}

long sys_bpf(bpf_cmd cmd, bpf_attr& attr) {
  return ::syscall(SYS_bpf, cmd, &attr, sizeof(attr));
}

template <typename T>
uint64_t pointer(T* p) {
  return reinterpret_cast<uintptr_t>(p);
}

UniqueFd open_cgroup(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw_errno("open cgroup " + dir);
  }
  return fd;
}

struct Attached {
  std::vector<uint32_t> ids;
  uint32_t flags = 0;
};

Attached query(int cgroup_fd, const std::string& dir) {
  Attached out;
  out.ids.resize(4);
  for (;;) {
    bpf_attr attr{};
    attr.query.target_fd = cgroup_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = pointer(out.ids.data());
    attr.query.prog_cnt = static_cast<uint32_t>(out.ids.size());
    if (sys_bpf(BPF_PROG_QUERY, attr) == 0) {
      out.ids.resize(attr.query.prog_cnt);
      out.flags = attr.query.attach_flags;
      return out;
    }
    // ENOSPC: more programs than room; prog_cnt says how many there are now.
    if (errno != ENOSPC) {
      throw_errno("query device filters of " + dir);
    }
    out.ids.resize(std::max<size_t>(attr.query.prog_cnt, out.ids.size() * 2));
  }
}

void attach(int cgroup_fd, int program_fd, uint32_t flags, const std::string& dir) {
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(cgroup_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(program_fd);
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = flags;
  if (sys_bpf(BPF_PROG_ATTACH, attr) < 0) {
    throw_errno("attach device filter to " + dir);
  }
}

// Detaches one program by id; one that is already gone is fine.
void detach(int cgroup_fd, uint32_t id, const std::string& dir) {
  bpf_attr get{};
  get.prog_id = id;
  UniqueFd program(static_cast<int>(sys_bpf(BPF_PROG_GET_FD_BY_ID, get)));
  if (!program) {
    if (errno == ENOENT) {
      return;
    }
    throw_errno("open device filter " + std::to_string(id) + " of " + dir);
  }
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(cgroup_fd);
  attr.attach_bpf_fd = static_cast<uint32_t>(program.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (sys_bpf(BPF_PROG_DETACH, attr) < 0 && errno != ENOENT) {
    throw_errno("detach old device filter " + std::to_string(id) + " from " + dir);
  }
}

}  // namespace

std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> out = {
      bpf::load_word(kType, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, access_type)),
      bpf::alu32_imm(BPF_AND, kType, 0xffff),
      bpf::load_word(kAccess, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, access_type)),
      bpf::alu32_imm(BPF_RSH, kAccess, 16),
      bpf::load_word(kMajor, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, major)),
      bpf::load_word(kMinor, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  // Last rule first, so that the first block that matches is the rule that came last.
  for (auto rule = rules.rbegin(); rule != rules.rend(); ++rule) {
    if (!append_rule(out, *rule)) {
      return out;
    }
  }
  out.push_back(return_value(false));
  out.push_back(bpf::exit_insn());
  return out;
}

UniqueFd load_device_filter(const std::vector<bpf_insn>& program, const std::string& dir) {
  static constexpr char kLicense[] = "Apache-2.0";
  static constexpr char kName[] = "skiff_devices";
  static_assert(sizeof(kName) <= BPF_OBJ_NAME_LEN);
  auto load = [&](std::vector<char>* log) {
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = pointer(program.data());
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.license = pointer(kLicense);
    std::memcpy(attr.prog_name, kName, sizeof(kName));
    if (log != nullptr) {
      attr.log_level = 1;
      attr.log_buf = pointer(log->data());
      attr.log_size = static_cast<uint32_t>(log->size());
    }
    return UniqueFd(static_cast<int>(sys_bpf(BPF_PROG_LOAD, attr)));
  };
  // The verifier log costs time, so it is asked for only to explain a rejection.
  UniqueFd fd = load(nullptr);
  if (fd) {
    return fd;
  }
  int err = errno;
  std::string context = "load device filter for " + dir;
  if (err != EPERM) {
    std::vector<char> log(size_t{64} * 1024, '\0');
    fd = load(&log);
    if (fd) {
      return fd;
    }
    std::string text(log.data(), ::strnlen(log.data(), log.size()));
    while (!text.empty() && text.back() == '\n') {
      text.pop_back();
    }
    // The reason is at the end; a long log is cut from the front.
    constexpr size_t kMaxLog = 2000;
    if (text.size() > kMaxLog) {
      text = "..." + text.substr(text.size() - kMaxLog);
    }
    if (!text.empty()) {
      context += " (verifier log: " + text + ")";
    }
  }
  throw_errno(err, context);
}

std::vector<uint32_t> attached_device_filters(const std::string& dir) {
  UniqueFd cgroup = open_cgroup(dir);
  return query(cgroup.get(), dir).ids;
}

void attach_device_filter(const std::string& dir, int program_fd) {
  UniqueFd cgroup = open_cgroup(dir);
  Attached old = query(cgroup.get(), dir);
  // Someone attached a single program without BPF_F_ALLOW_MULTI: attaching in the same mode
  // replaces it in one step, while a multi attach would be refused.
  if (!old.ids.empty() && (old.flags & BPF_F_ALLOW_MULTI) == 0) {
    attach(cgroup.get(), program_fd, old.flags, dir);
    return;
  }
  attach(cgroup.get(), program_fd, BPF_F_ALLOW_MULTI, dir);
  for (uint32_t id : old.ids) {
    detach(cgroup.get(), id, dir);
  }
}

void apply_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules) {
  UniqueFd program = load_device_filter(device_filter_program(rules), dir);
  attach_device_filter(dir, program.get());
}

}  // namespace skiff::cgroups
