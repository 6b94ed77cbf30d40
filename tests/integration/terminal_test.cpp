// process.terminal with --console-socket: the test receives the pty master as a console manager
// (containerd-shim, conmon) does, reads the container's output from it and types into it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <thread>

#include "integration_util.h"
#include "skiff/runtime/terminal.h"

namespace skiff::testing {
namespace {

// A listening unix socket for --console-socket.
class ConsoleSocket {
 public:
  ConsoleSocket() : path_(dir_.path() + "/console.sock") {
    listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener_) {
      throw_errno("socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
      throw_errno("bind " + path_);
    }
    if (::listen(listener_.get(), 4) < 0) {
      throw_errno("listen " + path_);
    }
  }
  [[nodiscard]] const std::string& path() const { return path_; }

  // Accepts the runtime's connection (bounded wait) and receives the pty master.
  UniqueFd receive_master() {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, 30000) != 1) {
      throw Error("no connection on the console socket");
    }
    UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      throw_errno("accept");
    }
    return runtime::receive_pty_master(conn.get());
  }

 private:
  TempDir dir_{"skiff-console-"};
  std::string path_;
  UniqueFd listener_;
};

// Reads from the pty master until the output contains want, the slave side is gone, or a
// (generous) bound passes. Returns everything read.
std::string read_until(int master, const std::string& want, std::string& sofar) {
  for (int i = 0; i < 300 && sofar.find(want) == std::string::npos; ++i) {
    pollfd p{master, POLLIN, 0};
    int n = ::poll(&p, 1, 100);
    if (n <= 0) {
      continue;
    }
    char buf[4096];
    ssize_t got = ::read(master, buf, sizeof buf);
    if (got <= 0) {
      break;  // EIO: every slave fd is closed
    }
    sofar.append(buf, static_cast<size_t>(got));
  }
  return sofar;
}

TEST(Terminal, ContainerProcessGetsAPty) {
  ConsoleSocket console;
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("tty");
  bundle.process()["terminal"] = true;
  bundle.process()["consoleSize"] = boost::json::object{{"height", 30}, {"width", 100}};
  bundle.set_args({"sh", "-c", "tty; stty size; ls -l /dev/console | cut -c1; read line; echo \"got:$line\""});
  bundle.save();
  Result created = rt.run({"create", "--console-socket", console.path(), "--bundle", bundle.path(), id});
  ASSERT_EQ(created.code, 0) << created.err;
  UniqueFd master = console.receive_master();
  ASSERT_TRUE(master);
  Result started = rt.run({"start", id});
  ASSERT_EQ(started.code, 0) << started.err;
  std::string out;
  read_until(master.get(), "30 100", out);
  EXPECT_NE(out.find("/dev/pts/0"), std::string::npos) << out;
  EXPECT_NE(out.find("30 100"), std::string::npos) << out;
  write_all(master.get(), "typed-input\n", "pty master");
  read_until(master.get(), "got:typed-input", out);
  EXPECT_NE(out.find("got:typed-input"), std::string::npos) << out;
  // /dev/console is the pty too (a character device bound over it).
  EXPECT_NE(out.find("\nc"), std::string::npos) << out;
  EXPECT_EQ(wait_for_status(rt, id, "stopped"), "stopped");
}

TEST(Terminal, TerminalWithoutConsoleSocketIsAnError) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("tty-nosock");
  bundle.process()["terminal"] = true;
  bundle.save();
  Result r = rt.run({"create", "--bundle", bundle.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--console-socket"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Terminal, ConsoleSocketThatDoesNotExist) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("tty-badsock");
  bundle.process()["terminal"] = true;
  bundle.save();
  Result r = rt.run({"create", "--console-socket", "/nonexistent/console.sock", "--bundle", bundle.path(), id});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("/nonexistent/console.sock"), std::string::npos) << r.err;
  EXPECT_EQ(joined(leftovers(rt, id, bundle.path())), "");
}

TEST(Terminal, ExecWithTty) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("exec-tty");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "--detach", "--bundle", bundle.path(), id}).code, 0);
  ConsoleSocket console;
  Result exec_result;
  std::thread exec([&] {
    exec_result = rt.run({"exec", "--tty", "--console-socket", console.path(), id, "sh", "-c",
                          "tty; read line; echo \"exec-got:$line\"; exit 6"});
  });
  std::string out;
  try {
    UniqueFd master = console.receive_master();
    read_until(master.get(), "/dev/pts/", out);
    write_all(master.get(), "hello\n", "pty master");
    read_until(master.get(), "exec-got:hello", out);
    // Drain until the slave closes, so the exec process is never blocked on output.
    read_until(master.get(), "never printed", out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  exec.join();
  EXPECT_EQ(exec_result.code, 6) << exec_result.err;
  EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
  EXPECT_NE(out.find("exec-got:hello"), std::string::npos) << out;
}

TEST(Terminal, ExecTtyWithoutConsoleSocketIsAnError) {
  Runtime rt;
  Bundle bundle;
  std::string id = unique_id("exec-tty-nosock");
  bundle.set_args({"sleep", "1000"});
  bundle.save();
  ASSERT_EQ(rt.run({"run", "--detach", "--bundle", bundle.path(), id}).code, 0);
  Result r = rt.run({"exec", "--tty", id, "true"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--console-socket"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace skiff::testing
