#include "tools/storm/poll_sessions.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace ringside::storm {
namespace {

TEST(StormPollSessions, ReadsWhatSeedSessionsWrites) {
  std::vector<PollSession> sessions;
  ASSERT_EQ(parse_poll_sessions("tokA s1\ntokB s2\n", &sessions), "");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].token, "tokA");
  EXPECT_EQ(sessions[0].session_id, "s1");
  EXPECT_EQ(sessions[1].token, "tokB");
  EXPECT_EQ(sessions[1].session_id, "s2");
}

TEST(StormPollSessions, ToleratesCrLfTabsAndEmptyLinesAndNoFinalNewline) {
  std::vector<PollSession> sessions;
  ASSERT_EQ(parse_poll_sessions("\ntokA\ts1\r\n\n  tokB   s2", &sessions), "");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].session_id, "s1");
  EXPECT_EQ(sessions[1].token, "tokB");
}

TEST(StormPollSessions, RejectsBadLinesNamingTheLine) {
  std::vector<PollSession> sessions;
  EXPECT_EQ(parse_poll_sessions("tokA s1\ntokB\n", &sessions),
            "line 2: expected \"TOKEN SESSION_ID\", found 1 field");
  EXPECT_EQ(parse_poll_sessions("tokA s1 extra\n", &sessions),
            "line 1: expected \"TOKEN SESSION_ID\", found 3 fields");
  EXPECT_EQ(parse_poll_sessions("tokA s1\n   \n", &sessions),
            "line 2: expected \"TOKEN SESSION_ID\", found 0 fields");
  EXPECT_EQ(parse_poll_sessions("tok\x01 s1\n", &sessions),
            "line 1: the token has a byte that is not visible ASCII (0x01)");
  EXPECT_EQ(parse_poll_sessions("tokA s\xc3\xa9\n", &sessions),
            "line 1: the session id has a byte that is not visible ASCII (0xc3)");
}

TEST(StormPollSessions, AnEmptyFileIsAnError) {
  std::vector<PollSession> sessions;
  EXPECT_EQ(parse_poll_sessions("", &sessions),
            "no sessions (expected \"TOKEN SESSION_ID\" lines)");
  EXPECT_EQ(parse_poll_sessions("\n\n", &sessions),
            "no sessions (expected \"TOKEN SESSION_ID\" lines)");
}

TEST(StormPollSessions, ReadsAFileAndNamesItInErrors) {
  char path[] = "/tmp/storm_poll_sessions_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  FILE* file = fdopen(fd, "w");
  std::fputs("tokA s1\nbroken\n", file);
  std::fclose(file);
  std::vector<PollSession> sessions;
  EXPECT_EQ(read_poll_sessions(path, &sessions),
            std::string(path) + ": line 2: expected \"TOKEN SESSION_ID\", found 1 field");
  std::remove(path);
  EXPECT_EQ(read_poll_sessions(path, &sessions), std::string(path) + ": No such file or directory");
}

}  // namespace
}  // namespace ringside::storm
