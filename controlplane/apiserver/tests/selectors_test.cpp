#include <gtest/gtest.h>

#include "skiff/apiserver/selectors.h"

using skiff::apiserver::LabelSelector;

TEST(LabelSelector, Placeholder) {
  EXPECT_TRUE(LabelSelector::parse("").empty());
}
