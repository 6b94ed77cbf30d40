#include "skiff/base/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "skiff/base/error.h"
#include "skiff/base/unique_fd.h"

namespace skiff {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/skiff-file-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) {
      remove_all(dir_);
    }
  }
  std::string at(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST_F(FileTest, WriteThenRead) {
  write_file(at("a"), "hello\nworld");
  EXPECT_EQ(read_file(at("a")), "hello\nworld");
  write_file(at("a"), "x");  // truncates
  EXPECT_EQ(read_file(at("a")), "x");
  write_file(at("empty"), "");
  EXPECT_EQ(read_file(at("empty")), "");
}

TEST_F(FileTest, LargeContentRoundTrips) {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>(i * 7);
  }
  write_file(at("big"), big);
  EXPECT_EQ(read_file(at("big")), big);
}

TEST_F(FileTest, WriteFileUsesTheMode) {
  mode_t old = ::umask(0);
  write_file(at("m"), "x", 0600);
  write_file_atomic(at("n"), "y", 0640);
  ::umask(old);
  EXPECT_EQ(mode_of(at("m")), 0600u);
  EXPECT_EQ(mode_of(at("n")), 0640u);
}

TEST_F(FileTest, ReadFileAt) {
  write_file(at("rel"), "relative");
  UniqueFd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir);
  EXPECT_EQ(read_file_at(dir.get(), "rel"), "relative");
}

TEST_F(FileTest, ErrorsNameThePathAndErrno) {
  try {
    read_file(at("missing"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(at("missing")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ENOENT"), std::string::npos) << e.what();
  }
  try {
    write_file(at("no/such/dir/f"), "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(at("no/such/dir/f")), std::string::npos) << e.what();
  }
}

TEST_F(FileTest, WriteExistingFileNeitherCreatesNorTruncates) {
  EXPECT_THROW(write_existing_file(at("absent"), "1"), Error);
  EXPECT_FALSE(path_exists(at("absent")));
  write_file(at("f"), "abcdef");
  write_existing_file(at("f"), "XY");
  EXPECT_EQ(read_file(at("f")), "XYcdef");
}

TEST_F(FileTest, AtomicWriteReplacesAndLeavesNoTemporary) {
  write_file(at("state.json"), "old");
  write_file_atomic(at("state.json"), "new");
  EXPECT_EQ(read_file(at("state.json")), "new");
  EXPECT_FALSE(path_exists(at("state.json.tmp")));
  write_file_atomic(at("fresh"), "made");
  EXPECT_EQ(read_file(at("fresh")), "made");
}

TEST_F(FileTest, AtomicWriteKeepsTheOldContentOnFailure) {
  // The rename cannot replace a directory: the old entry stays and the temporary goes.
  ::mkdir(at("d").c_str(), 0755);
  EXPECT_THROW(write_file_atomic(at("d"), "x"), Error);
  EXPECT_FALSE(path_exists(at("d.tmp")));
  struct stat st {};
  ASSERT_EQ(::stat(at("d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(FileTest, ReadAllAndWriteAllOnAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd r(fds[0]);
  UniqueFd w(fds[1]);
  write_all(w.get(), "through a pipe", "pipe");
  w.reset();
  EXPECT_EQ(read_all(r.get(), "pipe"), "through a pipe");
}

TEST_F(FileTest, PathExistsDoesNotFollowSymlinks) {
  EXPECT_TRUE(path_exists(dir_));
  EXPECT_FALSE(path_exists(at("nothing")));
  ASSERT_EQ(::symlink("nothing", at("dangling").c_str()), 0);
  EXPECT_TRUE(path_exists(at("dangling")));
}

TEST_F(FileTest, MkdirAll) {
  mkdir_all(at("a/b/c"));
  EXPECT_TRUE(path_exists(at("a/b/c")));
  mkdir_all(at("a/b/c"));  // existing is fine
  mkdir_all(at("a/b/c/"));
  write_file(at("file"), "");
  EXPECT_THROW(mkdir_all(at("file")), Error);
  EXPECT_THROW(mkdir_all(at("file/sub")), Error);
}

TEST_F(FileTest, RemoveAllRemovesATree) {
  mkdir_all(at("t/a/b"));
  write_file(at("t/a/b/f"), "1");
  write_file(at("t/g"), "2");
  ASSERT_EQ(::mkfifo(at("t/fifo").c_str(), 0600), 0);
  mkdir_all(at("t/empty"));
  ASSERT_EQ(::symlink("a", at("t/alink").c_str()), 0);
  remove_all(at("t"));
  EXPECT_FALSE(path_exists(at("t")));
}

TEST_F(FileTest, RemoveAllOfMissingOrFile) {
  remove_all(at("never"));
  write_file(at("plain"), "x");
  remove_all(at("plain"));
  EXPECT_FALSE(path_exists(at("plain")));
}

TEST_F(FileTest, RemoveAllDoesNotFollowSymlinks) {
  mkdir_all(at("outside"));
  write_file(at("outside/keep"), "precious");
  mkdir_all(at("tree"));
  ASSERT_EQ(::symlink(at("outside").c_str(), at("tree/link").c_str()), 0);
  ASSERT_EQ(::symlink("../outside/keep", at("tree/filelink").c_str()), 0);
  remove_all(at("tree"));
  EXPECT_FALSE(path_exists(at("tree")));
  EXPECT_EQ(read_file(at("outside/keep")), "precious");
  // A symlink given as the path itself is removed, not its target.
  ASSERT_EQ(::symlink(at("outside").c_str(), at("top").c_str()), 0);
  remove_all(at("top"));
  EXPECT_FALSE(path_exists(at("top")));
  EXPECT_EQ(read_file(at("outside/keep")), "precious");
}

}  // namespace
}  // namespace skiff
