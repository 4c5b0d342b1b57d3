// corpus.cpp: finding captures of the shared public corpus.
#include "corpus.h"

#include <cstdlib>
#include <filesystem>

namespace tcpflow::testing {

std::string CorpusCapture(const std::string& name, std::string* why_not) {
  std::string dir;
  if (const char* corpus = std::getenv("TCPFLOW_CORPUS"); corpus != nullptr && *corpus != '\0') {
    dir = corpus;
  } else if (const char* top = std::getenv("top_srcdir"); top != nullptr && *top != '\0') {
    dir = std::string(top) + "/../shared/corpus";
  } else {
    *why_not =
        "public capture corpus not found: neither TCPFLOW_CORPUS (the corpus folder) nor "
        "top_srcdir is set";
    return "";
  }
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(dir + "/MANIFEST.tsv", ignored)) {
    *why_not = "public capture corpus not found: no " + dir + "/MANIFEST.tsv";
    return "";
  }
  return dir + "/" + name;
}

}  // namespace tcpflow::testing
