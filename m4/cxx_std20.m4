# TCPFLOW_CXX_STD20: make sure the C++ compiler accepts C++20 (std::span), adding
# -std=c++20 to CXX when it is not the default.
AC_DEFUN([TCPFLOW_CXX_STD20], [
  AC_CACHE_CHECK([whether $CXX supports C++20], [tcpflow_cv_cxx20], [
    tcpflow_cv_cxx20=no
    for flag in "" "-std=c++20" "-std=c++2a"; do
      save_CXX="$CXX"; CXX="$CXX $flag"
      AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <span>
#include <cstdint>]], [[std::span<const std::uint8_t> s; return static_cast<int>(s.size());]])],
        [tcpflow_cv_cxx20="${flag:-default}"])
      CXX="$save_CXX"
      test "x$tcpflow_cv_cxx20" != xno && break
    done])
  AS_IF([test "x$tcpflow_cv_cxx20" = xno],
        [AC_MSG_ERROR([a C++20 compiler is required (g++ 10 or later)])])
  AS_IF([test "x$tcpflow_cv_cxx20" != xdefault], [CXX="$CXX $tcpflow_cv_cxx20"])
])
