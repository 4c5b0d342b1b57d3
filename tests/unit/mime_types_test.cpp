// mime_types_test.cpp: the Content-Type -> extension table (values observed from tcpflow 1.6.1).
#include "mime_types.h"

#include <gtest/gtest.h>

#include <string>

namespace tcpflow {
namespace {

TEST(MimeTypesTest, KnownTypes) {
  EXPECT_EQ(ExtensionForContentType("text/html"), "html");
  EXPECT_EQ(ExtensionForContentType("text/plain"), "txt");
  EXPECT_EQ(ExtensionForContentType("text/css"), "css");
  EXPECT_EQ(ExtensionForContentType("image/jpeg"), "jpg");
  EXPECT_EQ(ExtensionForContentType("image/png"), "png");
  EXPECT_EQ(ExtensionForContentType("image/gif"), "gif");
  EXPECT_EQ(ExtensionForContentType("image/svg+xml"), "svg");
  EXPECT_EQ(ExtensionForContentType("application/json"), "json");
  EXPECT_EQ(ExtensionForContentType("application/javascript"), "js");
  EXPECT_EQ(ExtensionForContentType("application/pdf"), "pdf");
  EXPECT_EQ(ExtensionForContentType("application/xml"), "xml");
  EXPECT_EQ(ExtensionForContentType("application/zip"), "zip");
  EXPECT_EQ(ExtensionForContentType("text/csv"), "csv");
}

TEST(MimeTypesTest, ObservedSurprises) {
  EXPECT_EQ(ExtensionForContentType("video/mp4"), "m4v");
  EXPECT_EQ(ExtensionForContentType("audio/mpeg"), "mpga");
  EXPECT_EQ(ExtensionForContentType("video/mpeg"), "mpg");
  EXPECT_EQ(ExtensionForContentType("application/vnd.nokia.n-gage.symbian.install"), "n-gage");
  EXPECT_EQ(ExtensionForContentType("application/octet-stream"), "");
  EXPECT_EQ(ExtensionForContentType("text/javascript"), "");
  EXPECT_EQ(ExtensionForContentType("text/xml"), "");
}

TEST(MimeTypesTest, FirstAndLastEntries) {
  EXPECT_EQ(ExtensionForContentType("application/andrew-inset"), "ez");
  EXPECT_EQ(ExtensionForContentType("x-conference/x-cooltalk"), "ice");
  EXPECT_EQ(ExtensionForContentType("application/x-mscardfile"), "crd");
  EXPECT_EQ(ExtensionForContentType("text/x-java-source"), "java");
}

TEST(MimeTypesTest, CaseIsIgnored) {
  EXPECT_EQ(ExtensionForContentType("TEXT/HTML"), "html");
  EXPECT_EQ(ExtensionForContentType("Text/Html"), "html");
  EXPECT_EQ(ExtensionForContentType("image/JPEG"), "jpg");
}

TEST(MimeTypesTest, ParametersAreCut) {
  EXPECT_EQ(ExtensionForContentType("text/html; charset=utf-8"), "html");
  EXPECT_EQ(ExtensionForContentType("text/html;charset=utf-8"), "html");
  EXPECT_EQ(ExtensionForContentType("text/html;"), "html");
  EXPECT_EQ(ExtensionForContentType(";text/html"), "");
}

TEST(MimeTypesTest, TrailingSpaceKeptLeadingSkipped) {
  EXPECT_EQ(ExtensionForContentType("text/html ; charset=x"), "");
  EXPECT_EQ(ExtensionForContentType("text/html "), "");
  EXPECT_EQ(ExtensionForContentType("text/html\t"), "");
  EXPECT_EQ(ExtensionForContentType(" text/html"), "html");
  EXPECT_EQ(ExtensionForContentType("\t text/html; q=1"), "html");
}

TEST(MimeTypesTest, UnknownAndEmpty) {
  EXPECT_EQ(ExtensionForContentType("application/x-unknown-thing"), "");
  EXPECT_EQ(ExtensionForContentType("text/htm"), "");
  EXPECT_EQ(ExtensionForContentType("text/html5"), "");
  EXPECT_EQ(ExtensionForContentType("text"), "");
  EXPECT_EQ(ExtensionForContentType(""), "");
  EXPECT_EQ(ExtensionForContentType("   "), "");
  EXPECT_EQ(ExtensionForContentType(";"), "");
}

TEST(MimeTypesTest, VeryLongTypes) {
  // The longest key in the table (73 characters) still matches, in any case.
  const std::string longest =
      "application/vnd.openxmlformats-officedocument.presentationml.presentation";
  EXPECT_EQ(ExtensionForContentType(longest), "pptx");
  std::string upper = longest;
  for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  EXPECT_EQ(ExtensionForContentType(upper), "pptx");
  EXPECT_EQ(ExtensionForContentType(longest + "x"), "");
  EXPECT_EQ(ExtensionForContentType(longest + "; charset=utf-8"), "pptx");
  EXPECT_EQ(ExtensionForContentType(std::string(100000, 'a')), "");
  EXPECT_EQ(ExtensionForContentType("text/html" + std::string(100000, ' ')), "");
}

}  // namespace
}  // namespace tcpflow
