// scanner_test.cpp: scanner selection (-e / -x / -E / -a / -FM), the -H text, StoredPart.
#include "scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tcpflow {
namespace {

using Op = ScannerCommand::Op;

ScannerSelection Select(const std::vector<ScannerCommand>& commands) {
  ScannerSelection selection;
  std::string error;
  EXPECT_TRUE(SelectScanners(commands, &selection, &error)) << error;
  return selection;
}

bool Available(std::string_view name) {
  const std::size_t index = ScannerIndex(name);
  return index < kScannerCount && kScanners[index].missing_reason.empty();
}

TEST(ScannerTest, OnlyTcpdemuxByDefault) {
  const ScannerSelection s = Select({});
  EXPECT_TRUE(s.enabled("tcpdemux"));
  EXPECT_FALSE(s.enabled("md5"));
  EXPECT_FALSE(s.enabled("http"));
  EXPECT_FALSE(s.enabled("netviz"));
  EXPECT_FALSE(s.enabled("python"));
}

TEST(ScannerTest, CommandsApplyInOrder) {
  const ScannerSelection s =
      Select({{Op::kEnable, "md5"}, {Op::kEnable, "http"}, {Op::kDisable, "md5"}});
  EXPECT_FALSE(s.enabled("md5"));
  EXPECT_TRUE(s.enabled("http"));
  EXPECT_TRUE(s.enabled("tcpdemux"));
}

TEST(ScannerTest, EnableOnlyKeepsReassembly) {
  const ScannerSelection s = Select({{Op::kEnable, "http"}, {Op::kEnableOnly, "md5"}});
  EXPECT_TRUE(s.enabled("md5"));
  EXPECT_FALSE(s.enabled("http"));
  EXPECT_TRUE(s.enabled("tcpdemux"));  // 1.6.1 turned it off: nothing was processed
}

TEST(ScannerTest, AllEnablesEveryCompiledScanner) {
  for (const auto& commands : {std::vector<ScannerCommand>{{Op::kEnableAll, ""}},
                               std::vector<ScannerCommand>{{Op::kEnable, "all"}}}) {
    const ScannerSelection s = Select(commands);
    EXPECT_TRUE(s.enabled("md5"));
    EXPECT_TRUE(s.enabled("http"));
    EXPECT_EQ(s.enabled("netviz"), Available("netviz"));
    EXPECT_EQ(s.enabled("python"), Available("python"));
    EXPECT_FALSE(s.enabled("wifiviz"));
  }
}

TEST(ScannerTest, DisableTcpdemux) {
  EXPECT_FALSE(Select({{Op::kDisable, "tcpdemux"}}).enabled("tcpdemux"));
}

TEST(ScannerTest, UnknownNameIsAnError) {
  ScannerSelection selection;
  std::string error;
  EXPECT_FALSE(SelectScanners({{Op::kEnable, "nosuch"}}, &selection, &error));
  EXPECT_EQ(error, "invalid scanner name 'nosuch'");
  EXPECT_FALSE(SelectScanners({{Op::kDisable, "md"}}, &selection, &error));
}

TEST(ScannerTest, MissingScannerSaysWhy) {
  ScannerSelection selection;
  std::string error;
  EXPECT_FALSE(SelectScanners({{Op::kEnable, "wifiviz"}}, &selection, &error));
  EXPECT_EQ(error, "scanner 'wifiviz': not implemented in this version");
  EXPECT_TRUE(SelectScanners({{Op::kDisable, "wifiviz"}}, &selection, &error));
}

TEST(ScannerTest, HelpListsEveryScannerAndItsSettings) {
  const std::string text = ScannerHelpText();
  for (const ScannerInfo& info : kScanners) {
    EXPECT_NE(text.find("\n  " + std::string(info.name) + " ("), std::string::npos) << info.name;
  }
  EXPECT_NE(text.find("-S http_alert_fd=-1"), std::string::npos);
  EXPECT_NE(text.find("-S py_module="), std::string::npos);
  EXPECT_NE(text.find("-S hash="), std::string::npos);
  // -hh lists the settings itself: its scanner part leaves them out.
  const std::string short_text = ScannerHelpText(false);
  EXPECT_EQ(short_text.find("\n    -S "), std::string::npos);
  EXPECT_NE(short_text.find("\n  http ("), std::string::npos);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    EXPECT_LE(end - start, 80u) << text.substr(start, end - start);
    start = end + 1;
  }
}

TEST(ScannerTest, EveryScannerSettingBelongsToARow) {
  for (const SettingInfo& setting : kSettings) {
    const bool scanner_owned = ScannerIndex(setting.owner) < kScannerCount;
    const bool component_owned = setting.owner == "general" || setting.owner == "capture" ||
                                 setting.owner == "ip" || setting.owner == "output" ||
                                 setting.owner == "report";
    EXPECT_TRUE(scanner_owned || component_owned) << setting.name << " owned by " << setting.owner;
  }
}

TEST(ScannerTest, StoredPartFollowsTheByteLimit) {
  const std::uint8_t data[6] = {1, 2, 3, 4, 5, 6};
  const Bytes all(data, 6);
  EXPECT_EQ(StoredPart(100, all, -1).size(), 6u);
  EXPECT_EQ(StoredPart(0, all, 4).size(), 4u);
  EXPECT_EQ(StoredPart(2, all, 4).size(), 2u);
  EXPECT_TRUE(StoredPart(4, all, 4).empty());
  EXPECT_TRUE(StoredPart(0, all, 0).empty());
}

}  // namespace
}  // namespace tcpflow
