// temp_dir.h: scratch folders and whole-file reads for tests that use the real file system.
#ifndef TCPFLOW_TESTS_COMMON_TEMP_DIR_H
#define TCPFLOW_TESTS_COMMON_TEMP_DIR_H

#include <optional>
#include <string>

namespace tcpflow::testing {

// A fresh folder under the system temp folder ($TMPDIR, else /tmp), removed with everything in
// it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // False when the folder could not be made; path() is then "".
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // The path of `name` (which may contain slashes) inside the folder.
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// All the bytes of regular file `path`, or nullopt when it cannot be read.
std::optional<std::string> ReadFile(const std::string& path);

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_TEMP_DIR_H
