#include "skiff/base/base64.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"

namespace skiff {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, DecodesWhatItEncodes) {
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all += static_cast<char>(c);
  }
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string data = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(data), "x"), data);
  }
  EXPECT_EQ(base64_decode("dXNlcjpwYXNz", "auth"), "user:pass");
}

TEST(Base64, BadTextIsAnErrorNamingWhat) {
  for (const char* bad : {"abc", "ab=c", "a===", "Zm9v!A==", "=Zm9"}) {
    try {
      base64_decode(bad, "auths.example.com.auth");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("auths.example.com.auth: not valid base64"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace skiff
