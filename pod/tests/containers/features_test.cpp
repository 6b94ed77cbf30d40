// What standalone containers offer beyond their lifecycle: exec, cp (escapes refused), attach
// with -i and -t, published ports, log rotation, top and stats, recovery of interrupted creates.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "container_test_util.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/netns/netlink.h"
#include "skiff/pod/attach.h"

namespace skiff::pod::testing {
namespace {

using std::chrono::milliseconds;

// Reads frames until the exit frame; returns the output and the exit code.
std::pair<std::string, int> read_until_exit(int fd) {
  std::string out;
  while (auto frame = read_frame(fd)) {
    if (frame->type == FrameType::stdout_data || frame->type == FrameType::stderr_data) {
      out += frame->payload;
    } else if (frame->type == FrameType::exit) {
      return {out, std::stoi(frame->payload)};
    }
  }
  return {out, -1};
}

class TempFile {
 public:
  TempFile() {
    char name[] = "/tmp/skiff-ctr-out-XXXXXX";
    fd_.reset(::mkstemp(name));
    path_ = name;
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] std::string text() const { return read_file(path_); }

 private:
  UniqueFd fd_;
  std::string path_;
};

TEST_F(ContainerTest, ExecRunsInTheContainerWithItsOptions) {
  auto spec = script("host", "echo ready; while :; do sleep 0.1; done");
  spec.hostname = "exec-host";
  manager().start(manager().create(spec));
  ASSERT_TRUE(wait_for_output("host", "ready"));
  TempFile out;
  ExecSpec exec;
  exec.args = {"sh", "-c", "echo $(hostname) $(id -un) $(pwd) $FOO; exit 7"};
  exec.env = {"FOO=bar"};
  exec.user = "app";
  exec.workdir = "/tmp";
  exec.stdio_out = out.fd();
  EXPECT_EQ(manager().exec("host", exec), 7);
  EXPECT_EQ(out.text(), "exec-host app /tmp bar\n");
  // The exec's output is the caller's, not the container's log.
  EXPECT_EQ(output("host"), "ready");
  manager().stop("host", milliseconds(0));
  EXPECT_THROW(manager().exec("host", exec), Error);
}

TEST_F(ContainerTest, TopAndStatsSeeTheContainersProcesses) {
  manager().start(manager().create(script("procs", "sleep 1000 & echo ready; wait")));
  ASSERT_TRUE(wait_for_output("procs", "ready"));
  // The shell's child may not have exec'd sleep yet when "ready" is out: polled, bounded.
  std::vector<ProcessRow> rows;
  bool saw_sleep = false;
  for (int attempt = 0; attempt < 100 && !saw_sleep; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    rows = manager().top("procs");
    saw_sleep =
        std::any_of(rows.begin(), rows.end(), [](const ProcessRow& row) { return row.command == "sleep 1000"; });
  }
  EXPECT_TRUE(saw_sleep);
  ASSERT_EQ(rows.size(), 2U);
  for (const auto& row : rows) {
    EXPECT_EQ(row.user, "0");
  }
  EXPECT_EQ(manager().stats("procs").pids_current, 2U);
}

TEST_F(ContainerTest, CopyInAndOutStaysInsideTheRootfs) {
  manager().start(manager().create(script("files", "ln -s ../../../../.. /tmp/up; echo ready; sleep 1000")));
  ASSERT_TRUE(wait_for_output("files", "ready"));
  ::skiff::testing::TempDir host("skiff-ctr-cp-");
  write_file(host.path() + "/in.txt", "into the container\n");
  mkdir_all(host.path() + "/tree/sub");
  write_file(host.path() + "/tree/sub/leaf", "leaf\n");

  manager().copy_in("files", host.path() + "/in.txt", "/tmp");
  manager().copy_in("files", host.path() + "/tree", "/tmp/tree");
  TempFile out;
  ExecSpec cat;
  cat.args = {"cat", "/tmp/in.txt", "/tmp/tree/sub/leaf"};
  cat.stdio_out = out.fd();
  EXPECT_EQ(manager().exec("files", cat), 0);
  EXPECT_EQ(out.text(), "into the container\nleaf\n");

  manager().copy_out("files", "/etc/passwd", host.path() + "/passwd");
  EXPECT_NE(read_file(host.path() + "/passwd").find("app:x:1000"), std::string::npos);

  // Through a symlink that climbs out, and with "..": both end inside the container's root.
  std::string marker = "skiff-ctr-escape-" + std::to_string(::getpid());
  write_file(host.path() + "/" + marker, "escaped?\n");
  manager().copy_in("files", host.path() + "/" + marker, "/tmp/up/" + marker);
  EXPECT_FALSE(path_exists("/" + marker)) << "cp followed a symlink out of the container";
  ::unlink(("/" + marker).c_str());
  manager().copy_in("files", host.path() + "/" + marker, "/../../../../" + marker + "2");
  EXPECT_FALSE(path_exists("/" + marker + "2")) << "cp followed .. out of the container";
  ::unlink(("/" + marker + "2").c_str());
  TempFile listing;
  ExecSpec ls;
  ls.args = {"sh", "-c", "cat /" + marker + " /" + marker + "2"};
  ls.stdio_out = listing.fd();
  EXPECT_EQ(manager().exec("files", ls), 0);
  EXPECT_EQ(listing.text(), "escaped?\nescaped?\n");
  manager().copy_out("files", "/tmp/up/etc/passwd", host.path() + "/passwd2");
  EXPECT_EQ(read_file(host.path() + "/passwd2"), read_file(host.path() + "/passwd"));
  // A symlink is copied out as the symlink, never followed.
  manager().copy_out("files", "/tmp/up", host.path() + "/up");
  EXPECT_EQ(std::filesystem::read_symlink(host.path() + "/up"), "../../../../..");
}

TEST_F(ContainerTest, InteractiveStdinComesFromTheAttachClient) {
  auto spec = script("reader", "read line; echo got $line; cat; echo done");
  spec.interactive = true;
  UniqueFd attach = manager().start(manager().create(spec), {.attach = true});
  ASSERT_TRUE(attach);
  send_frame(attach.get(), FrameType::stdin_data, "hello\nrest\n");
  send_frame(attach.get(), FrameType::stdin_close, {});
  auto [out, code] = read_until_exit(attach.get());
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out, "got hello\nrest\ndone\n");
  EXPECT_EQ(output("reader"), "got hello\nrest\ndone");
}

TEST_F(ContainerTest, TtyGivesTheContainerATerminalWithResizes) {
  auto spec = script("term", "stty size; test -t 0 && echo is-a-tty; read x; stty size; exit 4");
  spec.tty = true;
  spec.interactive = true;
  UniqueFd attach = manager().start(manager().create(spec), {.attach = true});
  ASSERT_TRUE(attach);
  send_frame(attach.get(), FrameType::resize, resize_payload(33, 111));
  send_frame(attach.get(), FrameType::stdin_data, "go\n");
  auto [out, code] = read_until_exit(attach.get());
  EXPECT_EQ(code, 4);
  EXPECT_NE(out.find("is-a-tty\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("33 111\r\n"), std::string::npos) << out;
  // The terminal's output is in the log too.
  EXPECT_NE(output("term").find("is-a-tty"), std::string::npos);
}

TEST_F(ContainerTest, LogsRotateBySize) {
  auto spec = script("chatty", "i=0; while [ $i -lt 100 ]; do echo line-$i; i=$((i+1)); done");
  spec.log.max_size = 1024;
  spec.log.max_files = 3;
  manager().start(manager().create(spec));
  ASSERT_EQ(manager().wait("chatty"), 0);
  auto path = manager().info("chatty").log_path;
  ASSERT_TRUE(path_exists(path + ".1"));
  ASSERT_TRUE(path_exists(path + ".2"));
  EXPECT_FALSE(path_exists(path + ".3")) << "more files kept than max_files";
  for (const auto& file : {path, path + ".1", path + ".2"}) {
    EXPECT_LE(read_file(file).size(), 1024U) << file;
  }
  // What is kept reads in order, oldest rotated file first, and ends with the last line.
  std::vector<std::string> lines;
  manager().logs("chatty", {}, [&](const LogLine& l) { lines.push_back(l.content); });
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "line-99");
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(std::stoi(lines[i].substr(5)), std::stoi(lines[i - 1].substr(5)) + 1);
  }
}

TEST_F(ContainerTest, APublishedPortReachesTheContainer) {
  netns::Netlink().set_up("lo");  // unshare --net leaves it down
  auto spec = script("web", "exec nc -ll -p 80 -e echo served");
  spec.network.mode = ContainerNetwork::Mode::bridge;
  spec.ports.push_back({"tcp", "", 18080, 80});
  manager().start(manager().create(spec));
  auto info = manager().info("web");
  EXPECT_FALSE(info.ip_address.empty());
  std::string got;
  for (int i = 0; i < 200 && got.empty(); ++i) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(18080);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      pollfd p{fd.get(), POLLIN, 0};
      char buf[64];
      while (::poll(&p, 1, 3000) == 1) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n <= 0) {
          break;
        }
        got.append(buf, static_cast<size_t>(n));
      }
    }
    if (got.empty()) {
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  EXPECT_EQ(got, "served\n");
  auto doc = manager().inspect("web");
  EXPECT_EQ(doc.at("NetworkSettings").at("Ports").at("80/tcp").at(0).at("HostPort").as_string(), "18080");
  manager().remove("web", true);
}

TEST_F(ContainerTest, ReadOnlyRootfsAndDroppedCapabilities) {
  auto spec = script("locked", "touch /x 2>/dev/null && echo wrote; chown 1000 /tmp 2>/dev/null || echo no-chown");
  spec.read_only = true;
  spec.cap_drop = {"chown"};
  spec.no_new_privileges = true;
  manager().start(manager().create(spec));
  EXPECT_EQ(manager().wait("locked"), 0);
  EXPECT_EQ(output("locked"), "no-chown");
}

TEST_F(ContainerTest, RecoveryRemovesAnInterruptedCreate) {
  auto id = manager().create(script("half", "true"));
  // What a create killed before it finished leaves: the dir still marked.
  write_file(state_root() + "/containers/" + id + "/creating", "");
  EXPECT_EQ(manager().recover(), std::vector<std::string>{id});
  EXPECT_THROW(manager().info("half"), Error);
  EXPECT_TRUE(store().containers().empty());
  // The name is free again.
  manager().create(script("half", "true"));
}

}  // namespace
}  // namespace skiff::pod::testing
