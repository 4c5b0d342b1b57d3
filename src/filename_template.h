// filename_template.h: flow-file names from -T templates and -F letters, and ISO-8601 UTC times.
//
// Design note: a template is parsed once into a list of tokens (literal runs and % fields), so
// building a name per flow does no parsing and allocates nothing beyond the growth of the output
// string. The expansion is the reference's (tcpflow 1.6.1) token for token, except that the VLAN
// is the 12-bit VID and that -Fc really appends a counter to every name (REFERENCE DECISIONS).
#ifndef TCPFLOW_FILENAME_TEMPLATE_H
#define TCPFLOW_FILENAME_TEMPLATE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flow_key.h"
#include "packet.h"

namespace tcpflow {

// Everything a name can be built from, for one flow direction.
struct NameFields {
  FlowKey key;  // src/dst addresses and ports; key.vlan = 12-bit VID or kNoVlan
  bool has_macs = false;
  MacAddress src_mac{};
  MacAddress dst_mac{};
  std::int64_t first_seen_sec = 0;  // time_t of the first packet, tdelta already added
  std::uint64_t flow_id = 0;        // %N %K %M %G binning
  std::uint64_t session_id = 0;     // %S
};

class FilenameTemplate {
 public:
  // Parses and validates `text`. On a bad template returns std::nullopt and sets *error (if not
  // null) to a one-line message naming the template and the fault: an unknown token ('%' and the
  // letter after it), a '%' at the very end ("cannot end with a %"), or a name that would leave
  // the output directory: a leading '/' or a '..' component (between slashes, or at either end).
  static std::optional<FilenameTemplate> Parse(std::string_view text, std::string* error);

  // The name for one flow with connection counter `counter` (0 = first try). %c and %C expand
  // only when counter > 0 (no padding); %# always. '/' is an ordinary character here (the caller
  // makes directories). The name never leaves the output directory: should tokens that expand
  // to nothing leave a leading '/' or a ".." component, the '/' becomes '_' and ".." becomes "__".
  std::string Expand(const NameFields& f, std::uint32_t counter) const;
  // Appends the same expansion to `out`; allocates only if `out` must grow.
  void ExpandInto(const NameFields& f, std::uint32_t counter, std::string& out) const;

  // True when names differ for every counter value (the template has %c or %#), so a caller may
  // try counter 0, 1, 2, ... until a name is free. %C alone does not count: it is the same "c"
  // for every counter > 0, and such a loop would never end.
  bool UsesCounter() const;
  const std::string& text() const { return text_; }

 private:
  enum class Kind : std::uint8_t {
    kLiteral,
    kSrcAddr,      // %A
    kDstAddr,      // %B
    kSrcPort,      // %a
    kDstPort,      // %b
    kSrcMac,       // %E
    kDstMac,       // %e
    kVlanMark,     // %V
    kVlanId,       // %v
    kIsoTime,      // %T
    kTimeT,        // %t
    kCounter,      // %c
    kCounterMark,  // %C
    kCounterAll,   // %#
    kBinN,         // %N
    kBinK,         // %K
    kBinM,         // %M
    kBinG,         // %G
    kSession,      // %S
  };
  struct Token {
    Kind kind;
    std::uint32_t begin = 0;  // kLiteral: [begin, end) in literals_
    std::uint32_t end = 0;
  };

  void AppendTokens(const NameFields& f, std::uint32_t counter, std::string& out) const;
  // Neutralises a leading '/' and ".." components in out[start..].
  static void KeepInside(std::string& out, std::size_t start);

  std::string text_;
  std::string literals_;  // the literal runs, concatenated (%% already reduced to %)
  std::vector<Token> tokens_;
};

// -T: the new template is `t_argument`, with "%C%c" appended when it has no %c token.
// (`current` is replaced; it is taken only so that -T and -F read alike at the call site.)
std::string ApplyTemplateOption(std::string current, std::string_view t_argument);

// -F letter, applied to the template in command-line order. Returns false for an unknown letter
// (the caller warns "-F invalid format specification 'z'" and carries on).
//   t  prepend "%tT"            T  prepend "%T"
//   k  prepend "%K/"            m  prepend "%M000-%M999/%M%K/"
//   g  prepend "%G000000-%G999999/%G%M000-%G%M999/%G%M%K/"
//   X, M  template unchanged (the caller clears store_output / sets md5)
//   c  every name carries its counter: "%C%c" becomes "c%#", any other %c becomes "%#" and any
//      other %C becomes "c", so the default names are ...c0, ...c1, ...; applying it again
//      changes nothing. (The reference turned %c into %C, giving "cc" and an endless loop.)
bool ApplyFilenameFlag(std::string& current, char letter);

// ISO-8601 UTC: "YYYY-MM-DDTHH:MM:SSZ", or "YYYY-MM-DDTHH:MM:SS.ffffffZ" when usec != 0.
// Any int64 second count works (proleptic Gregorian; years before 0 get a '-'). A usec outside
// 0..999999 (broken captures) is carried into the seconds first.
std::string FormatIsoTime(const Timeval& t);
// Appends the same text to `out`.
void AppendIsoTime(std::string& out, const Timeval& t);

}  // namespace tcpflow

#endif  // TCPFLOW_FILENAME_TEMPLATE_H
