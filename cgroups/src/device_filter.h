#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "skiff/base/unique_fd.h"
#include "skiff/cgroups/resources.h"

// cgroup v2 has no devices controller: the device allowlist is an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's cgroup (what runc and crun do).
namespace skiff::cgroups {

// The few eBPF instructions the device filter needs, built by hand so that no libbpf is needed.
namespace bpf {

constexpr bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}
// dst = *(u32*)(src + off)
constexpr bpf_insn load_word(uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}
// 32-bit ALU: dst op= imm, dst op= src
constexpr bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) {
  return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
constexpr bpf_insn alu32_reg(uint8_t op, uint8_t dst, uint8_t src) {
  return insn(BPF_ALU | op | BPF_X, dst, src, 0, 0);
}
// 32-bit compares: if (dst op imm) / (dst op src) goto pc + 1 + off
constexpr bpf_insn jump32_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) {
  return insn(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
}
constexpr bpf_insn jump32_reg(uint8_t op, uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_JMP32 | op | BPF_X, dst, src, off, 0);
}
constexpr bpf_insn exit_insn() {
  return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

}  // namespace bpf

// The program for rules with the v1 devices controller's semantics: a request is denied unless
// a rule allows it, and the last rule that matches decides. An allow rule matches when it grants
// every access requested, a deny rule when it forbids any of it. Type "a" means every device and
// every access whatever the rest says, as the v1 kernel reads it. Throws on a malformed rule.
std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules);

// Loads a device filter program meant for the cgroup dir (named in errors); a rejection's error
// carries the verifier's log.
UniqueFd load_device_filter(const std::vector<bpf_insn>& program, const std::string& dir);

// The ids of the device programs attached directly to the cgroup directory dir.
std::vector<uint32_t> attached_device_filters(const std::string& dir);

// Attaches program to dir and then detaches the device programs that were there before, so
// that the cgroup is never without a filter (while both are attached, both must allow).
void attach_device_filter(const std::string& dir, int program_fd);

// Builds, loads and attaches the filter for rules. Errors name dir and carry errno.
void apply_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules);

}  // namespace skiff::cgroups
