#pragma once
// The end of a run, for people (a table on stdout) and for machines (--json FILE).
#include <cstdio>
#include <string>

#include "tools/storm/accounting.h"
#include "tools/storm/run.h"
#include "tools/storm/stats.h"

namespace ringside::storm {

struct ReportInput {
  std::string target;    // "host:port"
  std::string schedule;  // "rate 100/s", ...
  std::string run_id;
  std::string steady_polls;  // "10000/s over 20000 sessions, 64 connections"; "" when none
  RunTimes times;
  const RunStats* stats = nullptr;
  const LaunchAccounting* accounting = nullptr;
};

// Per-endpoint latency table (with the steady polls' row, if any), time to running, errors by
// code, and the accounting line with the lost and duplicated sessions named.
void write_text_report(FILE* out, const ReportInput& input);
// The same, complete, as one JSON object. Returns "" or why the file could not be written.
std::string write_json_report(const std::string& path, const ReportInput& input);

}  // namespace ringside::storm
