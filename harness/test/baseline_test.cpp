// Baselines: reading and writing the file, judging changes against accepted verdicts, updating.
#include "report/baseline.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace wsprobe::harness {
namespace {

Verdict v(std::string_view text) {
  const auto parsed = parse_verdict(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(Verdict{});
}

CaseResult result(const std::string& id, std::string_view verdict, const std::string& reason) {
  CaseResult r;
  r.id = id;
  r.behavior = v(verdict).behavior;
  r.behavior_close = v(verdict).close;
  r.reason = reason;
  return r;
}

ServerRun run_of(std::vector<CaseResult> results) {
  ServerRun run;
  run.agent = "peer";
  run.results = std::move(results);
  return run;
}

std::optional<Baseline> parse(const std::string& text) {
  std::string error;
  auto b = parse_baseline(nlohmann::json::parse(text), error);
  EXPECT_TRUE(b) << error;
  return b;
}

TEST(Verdict, ParsesAndPrintsAutobahnsPair) {
  EXPECT_EQ(to_string(v("NON-STRICT / OK")), "NON-STRICT / OK");
  EXPECT_EQ(v("FAILED / WRONG CODE").close, CloseBehavior::wrong_code);
  EXPECT_EQ(v("OK / FAILED BY CLIENT").close, CloseBehavior::failed_by_client);
  EXPECT_FALSE(parse_verdict("OK"));
  EXPECT_FALSE(parse_verdict("FINE / OK"));
}

TEST(BaselineCompare, AnAcceptedVerdictIsTheSame) {
  EXPECT_EQ(compare({v("NON-STRICT / OK")}, v("NON-STRICT / OK")), Change::same);
  EXPECT_EQ(compare({v("OK / OK"), v("NON-STRICT / OK")}, v("NON-STRICT / OK")), Change::same);
}

TEST(BaselineCompare, FailedWhereOkWasAcceptedIsWorse) {
  EXPECT_EQ(compare({v("OK / OK")}, v("FAILED / OK")), Change::worse);
  EXPECT_EQ(compare({v("OK / OK")}, v("OK / WRONG CODE")), Change::worse);
  EXPECT_EQ(compare({v("NON-STRICT / OK")}, v("UNIMPLEMENTED / OK")), Change::worse);
  EXPECT_EQ(compare({v("OK / UNCLEAN")}, v("OK / WRONG CODE")), Change::worse);
}

TEST(BaselineCompare, OneVerdictBetterAndTheOtherWorseIsWorse) {
  EXPECT_EQ(compare({v("FAILED / OK")}, v("OK / FAILED")), Change::worse);
}

TEST(BaselineCompare, ANewlyPassingCaseIsBetter) {
  EXPECT_EQ(compare({v("FAILED / FAILED")}, v("OK / OK")), Change::better);
  EXPECT_EQ(compare({v("NON-STRICT / OK")}, v("OK / OK")), Change::better);
  EXPECT_EQ(compare({v("FAILED / WRONG CODE"), v("NON-STRICT / OK")}, v("OK / OK")),
            Change::better);
}

TEST(BaselineCompare, InformationalRanksWithOk) {
  EXPECT_EQ(compare({v("INFORMATIONAL / INFORMATIONAL")}, v("OK / OK")), Change::different);
  EXPECT_EQ(compare({v("OK / OK")}, v("INFORMATIONAL / INFORMATIONAL")), Change::different);
}

TEST(BaselineCompare, BetweenRacedVerdictsIsNeitherWorseNorBetter) {
  EXPECT_EQ(compare({v("OK / OK"), v("FAILED / OK")}, v("NON-STRICT / OK")), Change::different);
}

TEST(BaselineCompare, ACaseNotListedIsExpectedOk) {
  const auto b = parse(R"({"wsprobe_baseline": 1, "agent": "peer", "accepted": {
      "6.4.1": {"verdict": "NON-STRICT / OK", "reason": "UTF-8 checked per message"}}})");
  const auto c = compare(
      *b, run_of({result("1.1.1", "FAILED / OK", "no echo"),
                  result("6.4.1", "NON-STRICT / OK", "late"), result("7.1.1", "OK / OK", "")}));
  EXPECT_EQ(c.same, 2U);
  ASSERT_EQ(c.changes.size(), 1U);
  EXPECT_EQ(c.changes[0].id, "1.1.1");
  EXPECT_EQ(c.changes[0].change, Change::worse);
  EXPECT_EQ(c.changes[0].accepted, "OK / OK");
  EXPECT_EQ(c.changes[0].got, "FAILED / OK");
  EXPECT_EQ(c.changes[0].reason, "no echo");
}

TEST(BaselineCompare, CasesTheRunDidNotSelectAreLeftOut) {
  const auto b = parse(R"({"wsprobe_baseline": 1, "accepted": {
      "9.1.1": {"verdict": "FAILED / FAILED", "reason": "too slow"}}})");
  const auto c = compare(*b, run_of({result("1.1.1", "OK / OK", "")}));
  EXPECT_EQ(c.same, 1U);
  EXPECT_TRUE(c.changes.empty());
}

TEST(BaselineFile, RoundTripsWithIdsInNumericOrder) {
  Baseline b;
  b.agent = "peer";
  b.library = "lib 1.0";
  b.accepted["10.1"] = {{v("FAILED / OK")}, "ten"};
  b.accepted["2.10"] = {{v("NON-STRICT / OK"), v("OK / OK")}, "races"};
  b.accepted["2.9"] = {{v("OK / UNCLEAN")}, "nine"};
  const std::string text = baseline_text(b);
  EXPECT_LT(text.find("\"2.9\""), text.find("\"2.10\""));
  EXPECT_LT(text.find("\"2.10\""), text.find("\"10.1\""));
  const auto back = parse(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->library, "lib 1.0");
  EXPECT_EQ(back->accepted.at("2.10").verdicts.size(), 2U);
  EXPECT_EQ(back->accepted.at("10.1").reason, "ten");
}

TEST(BaselineFile, RejectsAFileThatIsNotABaseline) {
  std::string error;
  EXPECT_FALSE(parse_baseline(nlohmann::json::parse(R"({"verdicts": {}})"), error));
  EXPECT_NE(error.find("wsprobe_baseline"), std::string::npos);
  EXPECT_FALSE(parse_baseline(
      nlohmann::json::parse(R"({"wsprobe_baseline": 1, "accepted": {"1.1": {"verdict": "bad"}}})"),
      error));
  EXPECT_NE(error.find("case 1.1"), std::string::npos);
}

// The panel's goldens are baselines: what the project ships, it uses.
TEST(BaselineFile, ReadsEveryPanelGolden) {
  size_t read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(WSPROBE_GOLDEN_DIR)) {
    if (entry.path().extension() != ".json") continue;
    std::string error;
    const auto b = read_baseline(entry.path().string(), error);
    ASSERT_TRUE(b) << error;
    EXPECT_EQ(b->agent, entry.path().stem().string());
    for (const auto& [id, a] : b->accepted)
      EXPECT_FALSE(a.reason.empty()) << entry.path() << " " << id;
    ++read;
  }
  EXPECT_GE(read, 12U);
}

TEST(BaselineUpdate, AcceptsTheRunAndKeepsTheReasonsOfAcceptedVerdicts) {
  const auto b = parse(R"({"wsprobe_baseline": 1, "agent": "old", "accepted": {
      "3.2": {"verdict": "NON-STRICT / OK", "reason": "reviewed: fails before echoing"},
      "5.1": {"verdict": "FAILED / OK", "reason": "old defect"},
      "9.1": {"verdict": "FAILED / OK", "reason": "not run this time"}}})");
  const auto u = updated(
      *b, run_of({result("3.2", "NON-STRICT / OK", "run's words"), result("5.1", "OK / OK", ""),
                  result("6.1", "FAILED / FAILED", "new defect")}));
  EXPECT_EQ(u.agent, "peer");
  EXPECT_EQ(u.accepted.at("3.2").reason, "reviewed: fails before echoing");
  EXPECT_EQ(u.accepted.count("5.1"), 0U);  // passes now: nothing to accept
  EXPECT_EQ(u.accepted.at("6.1").reason, "new defect");
  EXPECT_EQ(to_string(u.accepted.at("6.1").verdicts), "FAILED / FAILED");
  EXPECT_EQ(u.accepted.at("9.1").reason, "not run this time");
}

TEST(BaselineUpdate, AVerdictThatChangedGetsTheRunsReason) {
  const auto b = parse(R"({"wsprobe_baseline": 1, "accepted": {
      "3.2": {"verdict": "NON-STRICT / OK", "reason": "old words"}}})");
  const auto u = updated(*b, run_of({result("3.2", "FAILED / OK", "new words")}));
  EXPECT_EQ(u.accepted.at("3.2").reason, "new words");
}

}  // namespace
}  // namespace wsprobe::harness
