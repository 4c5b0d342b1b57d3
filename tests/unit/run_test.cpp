// run_test.cpp: the run module with its output in memory: the output folder checks, report.xml
// written through the OutputFs, messages and exit status. Captures are read from a scratch
// folder (PcapSource reads the disk); everything the run writes goes to a MemoryOutputFs.
#include "run.h"

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>
#include <string>

#include "common/pcap_builder.h"
#include "common/temp_dir.h"
#include "config.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

using testing::TempDir;

const std::string kC2S = "out/192.168.001.002.34567-010.000.000.001.00080";
const std::string kS2C = "out/010.000.000.001.00080-192.168.001.002.34567";

class RunTest : public ::testing::Test {
 protected:
  RunTest() {
    config_.output.outdir = "out";
    config_.quiet = true;
  }

  // Writes a capture of one short exchange and reads it with -r.
  void ReadExchange() {
    ASSERT_TRUE(dir_.ok());
    testing::Conversation c("192.168.1.2", 34567, "10.0.0.1", 80, 1000, 5000);
    c.Handshake();
    c.ClientSends("ping");
    c.ServerSends("pong");
    c.ClientFin();
    c.ServerFin();
    testing::PcapWriter pcap;
    c.AppendTo(pcap);
    ASSERT_TRUE(pcap.WriteFile(dir_ / "in.pcap"));
    config_.input.read_files.push_back(dir_ / "in.pcap");
  }
  int Run() { return RunPipeline(config_, fs_, err_, &stop_); }
  std::string File(const std::string& path) const {
    const auto it = fs_.files().find(path);
    if (it == fs_.files().end()) return "<missing>";
    return std::string(it->second.bytes.begin(), it->second.bytes.end());
  }

  TempDir dir_;
  Config config_;
  MemoryOutputFs fs_;
  std::ostringstream err_;
  volatile std::sig_atomic_t stop_ = 0;
};

TEST_F(RunTest, OutdirThatIsAFileStopsTheRun) {
  FileId id = 0;
  ASSERT_EQ(fs_.CreateExclusive("out", &id), OutputFs::CreateStatus::kCreated);
  ASSERT_TRUE(fs_.Close(id, nullptr));
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(err_.str(), "tcpflow: outdir is not a directory: out\n");
  EXPECT_EQ(fs_.files().size(), 1u) << "no report.xml";
}

TEST_F(RunTest, OutdirThatCannotBeWrittenStopsTheRun) {
  fs_.read_only_dirs.insert("out");
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(err_.str(), "tcpflow: cannot write to output directory out: Permission denied\n");
  EXPECT_TRUE(fs_.files().empty());
}

TEST_F(RunTest, FlowsAndReportGoThroughTheFileSystem) {
  ReadExchange();
  EXPECT_EQ(Run(), 0) << err_.str();
  EXPECT_EQ(err_.str(), "reportfilename: out/report.xml\n");
  EXPECT_EQ(fs_.Stat("out"), OutputFs::PathKind::kDirectory);
  EXPECT_EQ(File(kC2S), "ping");
  EXPECT_EQ(File(kS2C), "pong");
  const std::string report = File("out/report.xml");
  EXPECT_EQ(report.rfind("<?xml", 0), 0u) << report;
  EXPECT_NE(report.find("<filename>" + kC2S + "</filename>"), std::string::npos) << report;
  EXPECT_NE(report.find("<filename>" + kS2C + "</filename>"), std::string::npos) << report;
  EXPECT_NE(report.find(dir_ / "in.pcap"), std::string::npos) << "the input is named";
  EXPECT_NE(report.find("</dfxml>"), std::string::npos) << report;
}

TEST_F(RunTest, ReportPathFromTheCommandLine) {
  ReadExchange();
  config_.report.path = "elsewhere.xml";
  EXPECT_EQ(Run(), 0) << err_.str();
  EXPECT_EQ(err_.str(), "reportfilename: elsewhere.xml\n");
  EXPECT_NE(File("elsewhere.xml").find("</dfxml>"), std::string::npos);
  EXPECT_EQ(File("out/report.xml"), "<missing>");
}

TEST_F(RunTest, NoReportWhenTurnedOff) {
  ReadExchange();
  config_.report.enabled = false;
  EXPECT_EQ(Run(), 0) << err_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_EQ(fs_.files().size(), 2u);
}

TEST_F(RunTest, ReportWriteErrorFailsTheRun) {
  ReadExchange();
  fs_.max_file_bytes = 100;  // the flow files fit, the report's header does not
  EXPECT_EQ(Run(), 1);
  EXPECT_EQ(err_.str(),
            "reportfilename: out/report.xml\n"
            "tcpflow: write error on out/report.xml\n");
  EXPECT_EQ(File(kC2S), "ping");
}

}  // namespace
}  // namespace tcpflow
