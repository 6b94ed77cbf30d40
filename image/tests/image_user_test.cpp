#include "skiff/image/image_user.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch_dir.h"
#include "skiff/base/error.h"
#include "skiff/base/file.h"
#include "skiff/base/unique_fd.h"

namespace skiff::image {
namespace {

constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "# a comment\n"
    "broken:x:notanumber:0::/:/bin/sh\n"
    "nginx:x:101:101:nginx user:/var/cache/nginx:/sbin/nologin\n";
constexpr std::string_view kGroup =
    "root:x:0:root\n"
    "bin:x:1:root,daemon\n"
    "adm:x:4:root, nginx\n"
    "nginx:x:101:\n"
    "www:x:33:nginx\n";

class ImageUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("rootfs/etc/passwd", kPasswd);
    dir_.write("rootfs/etc/group", kGroup);
    open_rootfs();
  }
  void open_rootfs() { rootfs_.reset(::open((dir_.path() + "/rootfs").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)); }
  std::string rootfs() const { return dir_.path() + "/rootfs"; }
  std::string error_of(std::string_view user) const {
    try {
      resolve_image_user(rootfs_.get(), user);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  testing::ScratchDir dir_;
  UniqueFd rootfs_;
};

TEST(ImageUserFiles, FindPasswdNameAndParseGroups) {
  auto nginx = find_passwd_name(kPasswd, "nginx");
  ASSERT_TRUE(nginx);
  EXPECT_EQ(nginx->uid, 101U);
  EXPECT_EQ(nginx->gid, 101U);
  EXPECT_EQ(nginx->home, "/var/cache/nginx");
  EXPECT_FALSE(find_passwd_name(kPasswd, "broken"));
  EXPECT_FALSE(find_passwd_name(kPasswd, "ngin"));
  auto groups = parse_group_file(kGroup);
  ASSERT_EQ(groups.size(), 5U);
  EXPECT_EQ(groups[2].name, "adm");
  EXPECT_EQ(groups[2].gid, 4U);
  EXPECT_EQ(groups[2].members, (std::vector<std::string>{"root", "nginx"}));
  EXPECT_TRUE(groups[3].members.empty());
}

TEST_F(ImageUserTest, EmptyUserIsRootWithItsGroups) {
  auto user = resolve_image_user(rootfs_.get(), "");
  EXPECT_EQ(user.uid, 0U);
  EXPECT_EQ(user.gid, 0U);
  EXPECT_EQ(user.additional_gids, (std::vector<gid_t>{0, 1, 4}));
}

TEST_F(ImageUserTest, NameGivesIdsAndMemberships) {
  auto user = resolve_image_user(rootfs_.get(), "nginx");
  EXPECT_EQ(user.uid, 101U);
  EXPECT_EQ(user.gid, 101U);
  EXPECT_EQ(user.additional_gids, (std::vector<gid_t>{4, 33}));
}

TEST_F(ImageUserTest, NumericUserUsesPasswdWhenPresent) {
  auto daemon = resolve_image_user(rootfs_.get(), "1");
  EXPECT_EQ(daemon.uid, 1U);
  EXPECT_EQ(daemon.gid, 1U);
  EXPECT_EQ(daemon.additional_gids, (std::vector<gid_t>{1}));
  auto unknown = resolve_image_user(rootfs_.get(), "1000");
  EXPECT_EQ(unknown.uid, 1000U);
  EXPECT_EQ(unknown.gid, 0U);
  EXPECT_TRUE(unknown.additional_gids.empty());
}

TEST_F(ImageUserTest, ExplicitGroupReplacesGidAndMemberships) {
  auto numeric = resolve_image_user(rootfs_.get(), "1000:2000");
  EXPECT_EQ(numeric.uid, 1000U);
  EXPECT_EQ(numeric.gid, 2000U);
  EXPECT_TRUE(numeric.additional_gids.empty());
  auto named = resolve_image_user(rootfs_.get(), "nginx:adm");
  EXPECT_EQ(named.uid, 101U);
  EXPECT_EQ(named.gid, 4U);
  EXPECT_TRUE(named.additional_gids.empty());
  auto group_only = resolve_image_user(rootfs_.get(), ":www");
  EXPECT_EQ(group_only.uid, 0U);
  EXPECT_EQ(group_only.gid, 33U);
}

TEST_F(ImageUserTest, UnknownNamesAreClearErrors) {
  std::string err = error_of("nobody");
  EXPECT_NE(err.find("user \"nobody\""), std::string::npos) << err;
  EXPECT_NE(err.find("/etc/passwd"), std::string::npos) << err;
  err = error_of("nginx:staff");
  EXPECT_NE(err.find("no group \"staff\""), std::string::npos) << err;
  EXPECT_NE(error_of("nginx:").find("empty"), std::string::npos);
  EXPECT_NE(error_of("4294967296").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("0:99999999999").find("out of range"), std::string::npos);
}

TEST_F(ImageUserTest, ImageWithoutIdFilesTakesOnlyNumbers) {
  ::unlink((rootfs() + "/etc/passwd").c_str());
  ::unlink((rootfs() + "/etc/group").c_str());
  auto user = resolve_image_user(rootfs_.get(), "65534:65534");
  EXPECT_EQ(user.uid, 65534U);
  EXPECT_EQ(user.gid, 65534U);
  EXPECT_EQ(resolve_image_user(rootfs_.get(), "").uid, 0U);
  EXPECT_NE(error_of("root").find("no /etc/passwd"), std::string::npos);
  EXPECT_NE(error_of("0:wheel").find("no /etc/group"), std::string::npos);
}

TEST_F(ImageUserTest, SymlinksThatClimbOutStayInsideTheRootfs) {
  // The host side: a passwd the image must never see.
  dir_.write("host/passwd", "evil:x:0:0::/:/bin/sh\n");
  ::unlink((rootfs() + "/etc/passwd").c_str());
  ASSERT_EQ(::symlink("../../host/passwd", (rootfs() + "/etc/passwd").c_str()), 0);
  EXPECT_NE(error_of("evil").find("no /etc/passwd"), std::string::npos);
  // Absolute, with ".." above "/": inside the rootfs it names /host/passwd there.
  ::unlink((rootfs() + "/etc/passwd").c_str());
  ASSERT_EQ(::symlink(("/../../" + dir_.path() + "/host/passwd").c_str(), (rootfs() + "/etc/passwd").c_str()), 0);
  EXPECT_NE(error_of("evil").find("no /etc/passwd"), std::string::npos);
  // The same link resolves to the rootfs' own file when there is one.
  dir_.write("rootfs/" + dir_.path() + "/host/passwd", "inside:x:7:8::/:/bin/sh\n");
  auto user = resolve_image_user(rootfs_.get(), "inside");
  EXPECT_EQ(user.uid, 7U);
  EXPECT_EQ(user.gid, 8U);
  EXPECT_NE(error_of("evil").find("no user \"evil\""), std::string::npos);
}

TEST_F(ImageUserTest, FifoOrDirectoryIsRefusedWithoutBlocking) {
  ::unlink((rootfs() + "/etc/passwd").c_str());
  ASSERT_EQ(::mkfifo((rootfs() + "/etc/passwd").c_str(), 0644), 0);
  EXPECT_NE(error_of("root").find("not a regular file"), std::string::npos);
  ::unlink((rootfs() + "/etc/group").c_str());
  ASSERT_EQ(::mkdir((rootfs() + "/etc/group").c_str(), 0755), 0);
  ::unlink((rootfs() + "/etc/passwd").c_str());
  dir_.write("rootfs/etc/passwd", kPasswd);
  EXPECT_NE(error_of("root").find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace skiff::image
