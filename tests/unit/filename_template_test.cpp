// filename_template_test.cpp: -T tokens, -T/-F editing in command-line order, ISO-8601 times.
#include "filename_template.h"

#include <gtest/gtest.h>

#include <ctime>
#include <limits>
#include <set>
#include <string>

#include "config.h"

namespace tcpflow {
namespace {

IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::V4(bytes);
}

IpAddress V6(std::initializer_list<std::uint8_t> list) {
  std::uint8_t bytes[16] = {};
  std::size_t i = 0;
  for (auto b : list) bytes[i++] = b;
  return IpAddress::V6(bytes);
}

// 192.168.1.2:34567 -> 10.0.0.1:80, first seen 2020-09-13T12:26:40Z, with MACs.
NameFields Fields() {
  NameFields f;
  f.key.src = V4(192, 168, 1, 2);
  f.key.dst = V4(10, 0, 0, 1);
  f.key.src_port = 34567;
  f.key.dst_port = 80;
  f.has_macs = true;
  f.src_mac = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  f.dst_mac = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  f.first_seen_sec = 1600000000;
  return f;
}

FilenameTemplate MustParse(std::string_view text) {
  std::string error;
  auto t = FilenameTemplate::Parse(text, &error);
  EXPECT_TRUE(t.has_value()) << text << ": " << error;
  return t.value_or(*FilenameTemplate::Parse("", nullptr));
}

std::string Expand(std::string_view text, const NameFields& f, std::uint32_t counter = 0) {
  return MustParse(text).Expand(f, counter);
}

// The template after a sequence of -F letters (a string "Ftk" means -Ftk) and -T arguments.
std::string Edit(std::initializer_list<std::string_view> options) {
  std::string t = kDefaultFilenameTemplate;
  for (std::string_view option : options) {
    if (option.starts_with("T")) {
      t = ApplyTemplateOption(t, option.substr(1));
    } else {
      for (char letter : option.substr(1)) EXPECT_TRUE(ApplyFilenameFlag(t, letter)) << letter;
    }
  }
  return t;
}

constexpr const char* kDefaultName = "192.168.001.002.34567-010.000.000.001.00080";

TEST(FilenameTemplateTest, DefaultTemplateAndCounter) {
  const auto t = MustParse(kDefaultFilenameTemplate);
  const NameFields f = Fields();
  EXPECT_EQ(t.Expand(f, 0), kDefaultName);
  EXPECT_EQ(t.Expand(f, 1), std::string(kDefaultName) + "c1");
  EXPECT_EQ(t.Expand(f, 2), std::string(kDefaultName) + "c2");
  EXPECT_EQ(t.Expand(f, 10), std::string(kDefaultName) + "c10");  // no padding
  EXPECT_EQ(t.text(), kDefaultFilenameTemplate);
  EXPECT_TRUE(t.UsesCounter());
}

TEST(FilenameTemplateTest, AddressesAndPorts) {
  NameFields f = Fields();
  EXPECT_EQ(Expand("%A|%B|%a|%b", f), "192.168.001.002|010.000.000.001|34567|00080");
  f.key.src_port = 0;
  f.key.dst_port = 65535;
  f.key.src = V4(0, 0, 0, 0);
  f.key.dst = V4(255, 255, 255, 255);
  EXPECT_EQ(Expand("%A.%a-%B.%b", f), "000.000.000.000.00000-255.255.255.255.65535");
}

TEST(FilenameTemplateTest, Ipv6AddressesAsInetNtop) {
  NameFields f = Fields();
  f.key.src = V6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  f.key.dst = V6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3});
  f.key.dst_port = 65535;
  EXPECT_EQ(Expand(kDefaultFilenameTemplate, f), "2001:db8::2.34567-::ffff:10.1.2.3.65535");
}

TEST(FilenameTemplateTest, AddressTextMatchesIpAddressFilenameForm) {
  const IpAddress addresses[] = {V4(1, 2, 3, 4),
                                 V4(10, 0, 0, 255),
                                 V4(0, 0, 0, 0),
                                 V6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2}),
                                 V6({0x20, 0x01, 0x06, 0xf8, 0x10, 0x2d, 0, 0, 0x02, 0xd0, 0x09,
                                     0xff, 0xfe, 0xe3, 0xe8, 0xde}),
                                 V6({}),
                                 IpAddress()};
  for (const IpAddress& a : addresses) {
    NameFields f;
    f.key.src = a;
    EXPECT_EQ(Expand("%A", f), a.ToFilenameString());
  }
}

TEST(FilenameTemplateTest, Macs) {
  NameFields f = Fields();
  EXPECT_EQ(Expand("%E_%e", f), "00:11:22:33:44:55_66:77:88:99:aa:bb");
  f.has_macs = false;  // no real MACs on this link: printed as zeros
  EXPECT_EQ(Expand("%E_%e", f), "00:00:00:00:00:00_00:00:00:00:00:00");
}

TEST(FilenameTemplateTest, VlanIsTheVidAndOnlyWhenTagged) {
  NameFields f = Fields();
  EXPECT_EQ(Expand("x%V%v", f), "x");
  f.key.vlan = 100;
  EXPECT_EQ(Expand(kDefaultFilenameTemplate, f), std::string(kDefaultName) + "--100");
  EXPECT_EQ(Expand(kDefaultFilenameTemplate, f, 1), std::string(kDefaultName) + "--100c1");
  f.key.vlan = 0;
  EXPECT_EQ(Expand("x%V%v", f), "x--0");
  f.key.vlan = 4095;
  EXPECT_EQ(Expand("%v", f), "4095");
}

TEST(FilenameTemplateTest, Times) {
  NameFields f = Fields();
  EXPECT_EQ(Expand("%T|%t", f), "2020-09-13T12:26:40Z|1600000000");
  f.first_seen_sec = 1600000000 + 3600;  // the caller added -S tdelta=3600
  EXPECT_EQ(Expand("%T|%t", f), "2020-09-13T13:26:40Z|1600003600");
  f.first_seen_sec = -1;
  EXPECT_EQ(Expand("%T|%t", f), "1969-12-31T23:59:59Z|-1");
}

TEST(FilenameTemplateTest, CounterTokens) {
  const NameFields f = Fields();
  EXPECT_EQ(Expand("x%c", f, 0), "x");
  EXPECT_EQ(Expand("x%c", f, 7), "x7");
  EXPECT_EQ(Expand("x%C", f, 0), "x");
  EXPECT_EQ(Expand("x%C", f, 7), "xc");
  EXPECT_EQ(Expand("x%#", f, 0), "x0");
  EXPECT_EQ(Expand("x%#", f, 4294967295u), "x4294967295");
  // The reference's own example: -T '%C%c%#' gives 0, c11, c22.
  EXPECT_EQ(Expand("%C%c%#", f, 0), "0");
  EXPECT_EQ(Expand("%C%c%#", f, 1), "c11");
  EXPECT_EQ(Expand("%C%c%#", f, 2), "c22");
}

TEST(FilenameTemplateTest, BinningAndSession) {
  NameFields f = Fields();
  f.flow_id = 234567890123ULL;
  EXPECT_EQ(Expand("%N|%K|%M|%G", f), "123|890|567|234");
  f.flow_id = 1001;
  EXPECT_EQ(Expand("%N|%K|%M|%G", f), "001|001|000|000");
  f.flow_id = std::numeric_limits<std::uint64_t>::max();  // 18446744073709551615
  EXPECT_EQ(Expand("%G%M%K%N", f), "073709551615");
  f.session_id = 42;
  EXPECT_EQ(Expand("%S", f), "00000000000000000042");
  f.session_id = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(Expand("%S", f), "18446744073709551615");
}

TEST(FilenameTemplateTest, ReferenceExampleAllTokens) {
  NameFields f = Fields();
  EXPECT_EQ(Expand("%E_%e_%S_%#_%N_%K_%M_%G", f),
            "00:11:22:33:44:55_66:77:88:99:aa:bb_00000000000000000000_0_000_000_000_000");
}

TEST(FilenameTemplateTest, LiteralsPercentAndSlash) {
  const NameFields f = Fields();
  EXPECT_EQ(Expand("", f), "");
  EXPECT_EQ(Expand("plain", f), "plain");
  EXPECT_EQ(Expand("100%%", f), "100%");
  EXPECT_EQ(Expand("%%%%a%%", f), "%%a%");
  EXPECT_EQ(Expand("%A/%a/%B/%b/%c%N.flow", f),
            "192.168.001.002/34567/010.000.000.001/00080/000.flow");
}

TEST(FilenameTemplateTest, BadTemplates) {
  std::string error;
  EXPECT_FALSE(FilenameTemplate::Parse("z%q%C%c", &error).has_value());
  EXPECT_EQ(error, "invalid filename template 'z%q%C%c': unknown token '%q'");
  EXPECT_FALSE(FilenameTemplate::Parse("y%c%", &error).has_value());
  EXPECT_EQ(error, "invalid filename template 'y%c%': cannot end with a %");
  EXPECT_FALSE(FilenameTemplate::Parse("%", &error).has_value());
  EXPECT_NE(error.find("cannot end with a %"), std::string::npos);
  EXPECT_FALSE(FilenameTemplate::Parse("%A%1", &error).has_value());
  EXPECT_NE(error.find("'%1'"), std::string::npos);
  EXPECT_FALSE(FilenameTemplate::Parse("%/", nullptr).has_value());  // null error is allowed
}

TEST(FilenameTemplateTest, UsesCounter) {
  EXPECT_TRUE(MustParse("x%c").UsesCounter());
  EXPECT_TRUE(MustParse("x%#").UsesCounter());
  EXPECT_FALSE(MustParse("x%C").UsesCounter());  // "c" for every counter > 0: cannot tell apart
  EXPECT_FALSE(MustParse("x%%c").UsesCounter());
  EXPECT_FALSE(MustParse("%A").UsesCounter());
}

TEST(FilenameTemplateTest, ExpandIntoAppendsWithoutReallocating) {
  const auto t = MustParse("%T/%G%M%K%N/%A.%a-%B.%b%V%v%E%e%S%C%c%#");
  NameFields f = Fields();
  f.key.vlan = 7;
  f.key.src = V6({0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  std::string out = "prefix/";
  out.reserve(512);
  const char* data = out.data();
  t.ExpandInto(f, 3, out);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out, "prefix/" + t.Expand(f, 3));
  EXPECT_TRUE(out.starts_with("prefix/2020-09-13T12:26:40Z/000000000000/2001:db8:102:"));
}

// ---- -T and -F editing, in command-line order ----------------------------------------------

TEST(FilenameTemplateTest, TemplateOptionAppendsCounter) {
  EXPECT_EQ(ApplyTemplateOption(kDefaultFilenameTemplate, "%A-%B"), "%A-%B%C%c");
  EXPECT_EQ(ApplyTemplateOption("", "x%c"), "x%c");
  EXPECT_EQ(ApplyTemplateOption("", "x%C"), "x%C%C%c");
  // "%%c" is a literal '%' and 'c', not a counter: the counter is still appended (the
  // reference looked for the substring and then looped forever on the second flow).
  EXPECT_EQ(ApplyTemplateOption("", "x%%c"), "x%%c%C%c");
  // The reference's -T 'abc%' example: names abc%C, abc%C1.
  const std::string t = ApplyTemplateOption("", "abc%");
  EXPECT_EQ(t, "abc%%C%c");
  EXPECT_EQ(Expand(t, Fields(), 0), "abc%C");
  EXPECT_EQ(Expand(t, Fields(), 1), "abc%C1");
  const NameFields f = Fields();
  const auto x = MustParse(ApplyTemplateOption("", "%A-%B"));
  EXPECT_EQ(x.Expand(f, 0), "192.168.001.002-010.000.000.001");
  EXPECT_EQ(x.Expand(f, 2), "192.168.001.002-010.000.000.001c2");
}

TEST(FilenameTemplateTest, FlagLettersPrepend) {
  const NameFields f = Fields();
  EXPECT_EQ(Edit({"Ft"}), std::string("%tT") + kDefaultFilenameTemplate);
  EXPECT_EQ(Expand(Edit({"Ft"}), f), std::string("1600000000T") + kDefaultName);
  EXPECT_EQ(Expand(Edit({"FT"}), f), std::string("2020-09-13T12:26:40Z") + kDefaultName);
  EXPECT_EQ(Expand(Edit({"Fk"}), f), std::string("000/") + kDefaultName);
  EXPECT_EQ(Expand(Edit({"Fm"}), f), std::string("000000-000999/000000/") + kDefaultName);
  EXPECT_EQ(Expand(Edit({"Fg"}), f),
            std::string("000000000-000999999/000000000-000000999/000000000/") + kDefaultName);
  NameFields later = f;
  later.flow_id = 1234567;
  EXPECT_EQ(Expand(Edit({"Fm"}), later), std::string("001000-001999/001234/") + kDefaultName);
}

TEST(FilenameTemplateTest, FlagLettersStackInOrder) {
  const NameFields f = Fields();
  EXPECT_EQ(Expand(Edit({"Ftk"}), f), std::string("000/1600000000T") + kDefaultName);
  EXPECT_EQ(Expand(Edit({"FkT"}), f), std::string("2020-09-13T12:26:40Z000/") + kDefaultName);
  EXPECT_EQ(Expand(Edit({"Fkm"}), f), std::string("000000-000999/000000/000/") + kDefaultName);
  EXPECT_EQ(Edit({"Ft", "Fk"}), Edit({"Ftk"}));
}

TEST(FilenameTemplateTest, TemplateOptionAndFlagsInteract) {
  const NameFields f = Fields();
  EXPECT_EQ(Expand(Edit({"Fk", "TX%N"}), f), "X000");      // -T later: -Fk is lost
  EXPECT_EQ(Expand(Edit({"TX%N", "Fk"}), f), "000/X000");  // -T first: -Fk applies on top
  EXPECT_EQ(Expand(Edit({"TX%N", "Fk"}), f, 3), "000/X000c3");
}

TEST(FilenameTemplateTest, FlagLettersThatLeaveTheTemplate) {
  for (char letter : {'X', 'M'}) {
    std::string t = kDefaultFilenameTemplate;
    EXPECT_TRUE(ApplyFilenameFlag(t, letter));
    EXPECT_EQ(t, kDefaultFilenameTemplate);
  }
  for (char letter : {'z', 'K', 'G', '%', '\0'}) {
    std::string t = kDefaultFilenameTemplate;
    EXPECT_FALSE(ApplyFilenameFlag(t, letter)) << letter;
    EXPECT_EQ(t, kDefaultFilenameTemplate);
  }
}

TEST(FilenameTemplateTest, FlagCAppendsCounterToEveryName) {
  const NameFields f = Fields();
  const std::string t = Edit({"Fc"});
  EXPECT_EQ(t, "%A.%a-%B.%b%V%vc%#");
  EXPECT_EQ(Expand(t, f, 0), std::string(kDefaultName) + "c0");
  EXPECT_EQ(Expand(t, f, 1), std::string(kDefaultName) + "c1");
  EXPECT_EQ(Edit({"Fc", "Fc"}), t);  // applying it again changes nothing
  EXPECT_EQ(Edit({"Fcc"}), t);
  // Every counter gives a different name, so "try 0, 1, 2, ... until free" always ends.
  const auto parsed = MustParse(t);
  EXPECT_TRUE(parsed.UsesCounter());
  std::set<std::string> names;
  for (std::uint32_t counter = 0; counter < 100; ++counter) names.insert(parsed.Expand(f, counter));
  EXPECT_EQ(names.size(), 100u);
}

TEST(FilenameTemplateTest, FlagCWithOtherTemplates) {
  const NameFields f = Fields();
  EXPECT_EQ(Edit({"Tx%c", "Fc"}), "x%#");
  EXPECT_EQ(Expand(Edit({"Tx%c", "Fc"}), f, 0), "x0");
  EXPECT_EQ(Edit({"T%C%c%#", "Fc"}), "c%#%#");
  EXPECT_EQ(Edit({"Tx%C", "Fc"}), "xcc%#");     // -T made it x%C%C%c
  EXPECT_EQ(Edit({"Ta%%c", "Fc"}), "a%%cc%#");  // the literal %%c is left alone
  EXPECT_EQ(Expand(Edit({"Fc", "Fk"}), f, 2), std::string("000/") + kDefaultName + "c2");
  EXPECT_EQ(Expand(Edit({"Fk", "Fc"}), f, 0), std::string("000/") + kDefaultName + "c0");
  // -T after -Fc replaces the template, the -Fc edit with it (as with -Fk).
  EXPECT_EQ(Edit({"Fc", "Tx"}), "x%C%c");
}

// ---- ISO-8601 times --------------------------------------------------------------------------

TEST(FilenameTemplateTest, IsoTimeFraction) {
  EXPECT_EQ(FormatIsoTime({1600000000, 0}), "2020-09-13T12:26:40Z");
  EXPECT_EQ(FormatIsoTime({1600000000, 500000}), "2020-09-13T12:26:40.500000Z");
  EXPECT_EQ(FormatIsoTime({1600000000, 5}), "2020-09-13T12:26:40.000005Z");
  EXPECT_EQ(FormatIsoTime({1600000000, 999999}), "2020-09-13T12:26:40.999999Z");
  std::string out = "t=";
  AppendIsoTime(out, {0, 1});
  EXPECT_EQ(out, "t=1970-01-01T00:00:00.000001Z");
}

TEST(FilenameTemplateTest, IsoTimeNegativeAndAncient) {
  EXPECT_EQ(FormatIsoTime({0, 0}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoTime({-1, 0}), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIsoTime({-1, 500000}), "1969-12-31T23:59:59.500000Z");
  EXPECT_EQ(FormatIsoTime({-86400, 0}), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatIsoTime({-62135596800, 0}), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoTime({-62167219200, 0}), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoTime({-62167219201, 0}), "-0001-12-31T23:59:59Z");
  EXPECT_EQ(FormatIsoTime({951782400, 0}), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatIsoTime({4107456000, 0}), "2100-02-28T00:00:00Z");
  EXPECT_EQ(FormatIsoTime({4107542400, 0}), "2100-03-01T00:00:00Z");  // 2100 is no leap year
  EXPECT_EQ(FormatIsoTime({4294967295, 0}), "2106-02-07T06:28:15Z");
  EXPECT_EQ(FormatIsoTime({253402300799, 0}), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatIsoTime({253402300800, 0}), "10000-01-01T00:00:00Z");
  // The extremes must not overflow (no UB); the text just has to be a time.
  EXPECT_TRUE(FormatIsoTime({std::numeric_limits<std::int64_t>::max(), 999999}).ends_with("Z"));
  EXPECT_TRUE(FormatIsoTime({std::numeric_limits<std::int64_t>::min(), 0}).starts_with("-"));
}

TEST(FilenameTemplateTest, IsoTimeCarriesOutOfRangeMicroseconds) {
  // tcpdump-timestamp-invalid-micro.pcap has usec = 1000000 (the reference printed ".1000000Z").
  EXPECT_EQ(FormatIsoTime({1418145370, 1000000}), "2014-12-09T17:16:11Z");
  EXPECT_EQ(FormatIsoTime({1418145370, 2500000}), "2014-12-09T17:16:12.500000Z");
  EXPECT_EQ(FormatIsoTime({1418145370, -1}), "2014-12-09T17:16:09.999999Z");
  EXPECT_EQ(FormatIsoTime({std::numeric_limits<std::int64_t>::max(), 1000000}),
            FormatIsoTime({std::numeric_limits<std::int64_t>::max(), 0}));
}

TEST(FilenameTemplateTest, IsoTimeAgreesWithGmtime) {
  // Years 1..9999 in strides that hit every month, day and time of day over the run.
  for (std::int64_t sec = -62135596800; sec < 253402300799; sec += 7654321 * 13 + 17) {
    const std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    ASSERT_EQ(FormatIsoTime({sec, 0}), expected) << sec;
  }
}

// Issue #7 item 7: a template cannot name a file outside the output directory.
TEST(FilenameTemplateTest, TemplatesLeavingTheOutputDirectoryAreRefused) {
  const char* const refused[] = {"/etc/%A",     "/%A",       "../%A",    "..",
                                 "a/../%A",     "%A/..",     "a/..",     "../../etc/passwd%c",
                                 "%K/../../%A", "//x%A%C%c", "x/../../y"};
  for (const char* text : refused) {
    std::string error;
    EXPECT_FALSE(FilenameTemplate::Parse(text, &error).has_value()) << text;
    EXPECT_NE(error.find("output directory"), std::string::npos) << text << ": " << error;
    EXPECT_EQ(error.rfind("invalid filename template '" + std::string(text) + "': ", 0), 0u)
        << error;
  }
  // Dots that are not a whole ".." component are ordinary characters.
  const NameFields f = Fields();
  EXPECT_EQ(Expand("...%A", f), "...192.168.001.002");
  EXPECT_EQ(Expand("%A..%B/.x/./a..", f), "192.168.001.002..010.000.000.001/.x/./a..");
  EXPECT_EQ(Expand(".%c", f, 1), ".1");
}

// Tokens that expand to nothing cannot make a ".." component or a leading '/' either.
TEST(FilenameTemplateTest, EmptyTokensCannotLeaveTheOutputDirectory) {
  NameFields f = Fields();  // untagged: %V and %v are empty
  EXPECT_EQ(Expand("%V/etc/%A", f), "_etc/192.168.001.002");
  EXPECT_EQ(Expand("%v%V/x", f), "_x");
  EXPECT_EQ(Expand("..%V/%A", f), "__/192.168.001.002");
  EXPECT_EQ(Expand("x/.%C.%c/%A", f), "x/__/192.168.001.002");
  EXPECT_EQ(Expand("x/.%C.%c/%A", f, 2), "x/.c.2/192.168.001.002");
  EXPECT_EQ(Expand("%A/..%v", f), "192.168.001.002/__");
  f.key.vlan = 7;
  EXPECT_EQ(Expand("%V/etc/%A", f), "--/etc/192.168.001.002");
  EXPECT_EQ(Expand("..%V/%A", f), "..--/192.168.001.002");
  // The check covers only what ExpandInto appends, not what was in the buffer before.
  const FilenameTemplate t = MustParse("%V/x");
  std::string out = "../prefix/";
  t.ExpandInto(Fields(), 0, out);
  EXPECT_EQ(out, "../prefix/_x");
}

}  // namespace
}  // namespace tcpflow
