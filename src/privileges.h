// privileges.h: -U USER and -z DIR: give up root for good once the capture is open.
//
// Design note: the run module (run.cpp) creates the output directory and report.xml, opens the
// first capture source (live capture needs root), hands them to the user with ChownForUser (by
// path), and then calls DropPrivileges. Everything that needs the system's user and group databases
// happens before the chroot, which would hide them. After a chroot every path is resolved inside
// DIR and the working directory is DIR itself, so relative paths keep their meaning only for a run
// started in DIR; anything run later (tcp_cmd's /bin/sh) must exist inside DIR. Neither function
// prints anything; errors are one line without a prefix.
#ifndef TCPFLOW_PRIVILEGES_H
#define TCPFLOW_PRIVILEGES_H

#include <string>

namespace tcpflow {

// Becomes `user` for good: looks the user up (uid, primary group, supplementary groups), then,
// when `chroot_dir` is not empty, chroot(chroot_dir) and chdir("/"), then sets the supplementary
// groups, the group id and the user id, in that order (real, effective and saved ids alike).
// Finally checks that uid 0 cannot be regained. Returns false with `error` set when the user is
// unknown, the process is not root, the user is root itself (nothing would be dropped), or a
// step fails; the process may then be half-way (e.g. chrooted) and should stop.
bool DropPrivileges(const std::string& user, const std::string& chroot_dir, std::string* error);

// chown(path) to `user` and that user's primary group, so that the file or directory stays
// usable after DropPrivileges. Returns false with `error` set when the user is unknown or the
// chown fails (for instance when not root).
bool ChownForUser(const std::string& path, const std::string& user, std::string* error);

}  // namespace tcpflow

#endif  // TCPFLOW_PRIVILEGES_H
