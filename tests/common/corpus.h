// corpus.h: the shared public capture corpus for tests that run on real captures. It is read in
// place from $TCPFLOW_CORPUS, else $top_srcdir/../shared/corpus (make check sets top_srcdir), and
// is there when that folder holds its MANIFEST.tsv.
//
// Design note: the corpus is optional, so a test that needs it skips, saying why, when it is not
// there. A corpus that is there but lacks a capture does not skip: the test gets the path and
// fails opening it, so that a renamed or lost capture cannot pass unnoticed.
#ifndef TCPFLOW_TESTS_COMMON_CORPUS_H
#define TCPFLOW_TESTS_COMMON_CORPUS_H

#include <string>

namespace tcpflow::testing {

// The path of capture `name` in the corpus; or "" when the corpus is not there, with *why_not
// set to a one-line reason (which folder was looked at, what was missing) for GTEST_SKIP().
std::string CorpusCapture(const std::string& name, std::string* why_not);

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_CORPUS_H
