#include "skiff/base/background_removal.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"

namespace skiff {
namespace {

class BackgroundRemovalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/skiff-bgrm-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    tree_ = dir_ + "/doomed";
    mkdir_all(tree_ + "/a/b/c");
    write_file(tree_ + "/a/file", "data");
    write_file(tree_ + "/a/b/c/deep", "data");
  }
  void TearDown() override { remove_all(dir_); }

  std::string dir_;
  std::string tree_;
};

TEST_F(BackgroundRemovalTest, RemovesTheTreeInAProcessNobodyHasToReap) {
  std::array<int, 2> fds{};
  ASSERT_EQ(::pipe(fds.data()), 0);  // not close-on-exec: the remover must close it anyway
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);

  remove_all_in_background(tree_);

  // The intermediate child was reaped before the call returned, and the remover is not ours.
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  // Once this process lets go of the pipe, nobody holds its write end.
  write_end.reset();
  char byte = 0;
  EXPECT_EQ(::read(read_end.get(), &byte, 1), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (path_exists(tree_) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(path_exists(tree_));
  EXPECT_TRUE(path_exists(dir_));
}

TEST_F(BackgroundRemovalTest, WithMoreThanOneThreadTheTreeIsGoneOnReturn) {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::thread other([&] {
    std::unique_lock lock(mutex);
    done_cv.wait(lock, [&] { return done; });
  });
  remove_all_in_background(tree_);
  EXPECT_FALSE(path_exists(tree_));
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  done_cv.notify_one();
  other.join();
}

TEST_F(BackgroundRemovalTest, AMissingTreeIsNotAnError) {
  EXPECT_NO_THROW(remove_all_in_background(dir_ + "/never-made"));
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

}  // namespace
}  // namespace skiff
