#include "skiff/cli/image_changes.h"

#include <gtest/gtest.h>

#include "skiff/base/error.h"

namespace skiff::cli {
namespace {

TEST(ApplyChange, CommandsInJsonAndShellForm) {
  boost::json::object config;
  apply_change(config, R"(CMD ["/bin/echo", "hi"])");
  apply_change(config, "ENTRYPOINT /bin/sh -x");
  EXPECT_EQ(config["Cmd"], (boost::json::array{"/bin/echo", "hi"}));
  EXPECT_EQ(config["Entrypoint"], (boost::json::array{"/bin/sh", "-c", "/bin/sh -x"}));
}

TEST(ApplyChange, EnvReplacesAndAppends) {
  boost::json::object config{{"Env", boost::json::array{"PATH=/bin"}}};
  apply_change(config, "ENV PATH=/usr/bin A=1");
  apply_change(config, "env B two words");
  EXPECT_EQ(config["Env"], (boost::json::array{"PATH=/usr/bin", "A=1", "B=two words"}));
}

TEST(ApplyChange, ScalarsLabelsPortsVolumes) {
  boost::json::object config;
  apply_change(config, "WORKDIR /srv");
  apply_change(config, "USER 1000:1000");
  apply_change(config, R"(LABEL "a b"=c d=e)");
  apply_change(config, "EXPOSE 80 53/udp");
  apply_change(config, "VOLUME /data");
  apply_change(config, "STOPSIGNAL SIGINT");
  EXPECT_EQ(config["WorkingDir"], "/srv");
  EXPECT_EQ(config["User"], "1000:1000");
  EXPECT_EQ(config["Labels"], (boost::json::object{{"a b", "c"}, {"d", "e"}}));
  EXPECT_TRUE(config["ExposedPorts"].as_object().contains("80/tcp"));
  EXPECT_TRUE(config["ExposedPorts"].as_object().contains("53/udp"));
  EXPECT_TRUE(config["Volumes"].as_object().contains("/data"));
  EXPECT_EQ(config["StopSignal"], "SIGINT");
}

TEST(ApplyChange, ErrorsQuoteTheInstruction) {
  boost::json::object config;
  try {
    apply_change(config, "RUN make");
    FAIL() << "RUN accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"RUN make\": unknown instruction \"RUN\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(apply_change(config, "CMD [1, 2]"), Error);
  EXPECT_THROW(apply_change(config, "WORKDIR"), Error);
  EXPECT_THROW(apply_change(config, "LABEL a=b nokey"), Error);
}

}  // namespace
}  // namespace skiff::cli
