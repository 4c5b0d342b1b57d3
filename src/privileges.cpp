// privileges.cpp: user lookup, chroot and the irreversible switch of group and user ids.
#include "privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace tcpflow {
namespace {

constexpr std::size_t kFirstBufferSize = 4096;
constexpr std::size_t kMaxBufferSize = 1 << 20;

struct UserIds {
  uid_t uid;
  gid_t gid;
};

std::string Quoted(const std::string& text) {
  return "'" + text + "'";
}

std::optional<UserIds> LookUpUser(const std::string& user, std::string* error) {
  if (user.empty()) {
    *error = "no user name given";
    return std::nullopt;
  }
  std::vector<char> buffer(kFirstBufferSize);
  for (;;) {
    passwd entry{};
    passwd* found = nullptr;
    const int rc = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < kMaxBufferSize) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc == EINTR) continue;
    if (rc != 0) {
      *error = "cannot look up user " + Quoted(user) + ": " + std::strerror(rc);
      return std::nullopt;
    }
    if (found == nullptr) {
      *error = "unknown user " + Quoted(user);
      return std::nullopt;
    }
    return UserIds{entry.pw_uid, entry.pw_gid};
  }
}

// The user's supplementary groups as initgroups(3) would set them (primary group included).
std::optional<std::vector<gid_t>> GroupsOf(const std::string& user, gid_t gid, std::string* error) {
  std::vector<gid_t> groups(32);
  for (;;) {
    int count = static_cast<int>(groups.size());
    if (::getgrouplist(user.c_str(), gid, groups.data(), &count) >= 0) {
      groups.resize(static_cast<std::size_t>(count));
      return groups;
    }
    // -1: too small, and count now holds the size needed.
    if (static_cast<std::size_t>(count) <= groups.size() ||
        static_cast<std::size_t>(count) > kMaxBufferSize) {
      *error = "cannot list the groups of user " + Quoted(user);
      return std::nullopt;
    }
    groups.resize(static_cast<std::size_t>(count));
  }
}

// "<what>: <error text>". Callers read errno into `err` first: building `what` may change it.
std::string SysError(int err, const std::string& what) {
  return what + ": " + std::strerror(err);
}

}  // namespace

bool DropPrivileges(const std::string& user, const std::string& chroot_dir, std::string* error) {
  const std::optional<UserIds> ids = LookUpUser(user, error);
  if (!ids) return false;
  if (::geteuid() != 0) {
    *error = "cannot change to user " + Quoted(user) + ": not running as root";
    return false;
  }
  if (ids->uid == 0) {
    *error = "user " + Quoted(user) + " has uid 0: no privileges would be dropped";
    return false;
  }
  const std::optional<std::vector<gid_t>> groups = GroupsOf(user, ids->gid, error);
  if (!groups) return false;
  if (!chroot_dir.empty()) {
    if (::chroot(chroot_dir.c_str()) != 0) {
      const int err = errno;
      *error = SysError(err, "cannot chroot to " + chroot_dir);
      return false;
    }
    if (::chdir("/") != 0) {
      const int err = errno;
      *error = SysError(err, "cannot change to / after chroot to " + chroot_dir);
      return false;
    }
  }
  if (::setgroups(groups->size(), groups->data()) != 0) {
    const int err = errno;
    *error = SysError(err, "cannot set the groups of user " + Quoted(user));
    return false;
  }
  if (::setgid(ids->gid) != 0) {
    const int err = errno;
    *error = SysError(err, "cannot change to group " + std::to_string(ids->gid));
    return false;
  }
  if (::setuid(ids->uid) != 0) {
    const int err = errno;
    *error = SysError(err, "cannot change to user " + Quoted(user));
    return false;
  }
  if (::setuid(0) == 0 || ::seteuid(0) == 0) {
    *error = "root privileges could be regained after changing to user " + Quoted(user);
    return false;
  }
  return true;
}

bool ChownForUser(const std::string& path, const std::string& user, std::string* error) {
  const std::optional<UserIds> ids = LookUpUser(user, error);
  if (!ids) return false;
  if (::chown(path.c_str(), ids->uid, ids->gid) != 0) {
    const int err = errno;
    *error = SysError(err, "cannot give " + path + " to user " + Quoted(user));
    return false;
  }
  return true;
}

}  // namespace tcpflow
