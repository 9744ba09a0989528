// The case catalogue's loader, generators, dump and selection rules.

#include "engine/catalogue.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "wsprobe/utf8.hpp"

namespace wsprobe::harness {
namespace {

using nlohmann::json;

std::string sha256_hex(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0xF];
  }
  return out;
}

// What a case does and how it is judged: the dump without the fields that only document it.
std::string behaviour_digest(json c) {
  for (const char* documentation : {"file", "requirement", "rfc_text", "slow"})
    c.erase(documentation);
  return sha256_hex(c.dump());
}

Catalogue builtin() {
  std::string error;
  auto cat = load_catalogue(CatalogueOptions{}, error);
  EXPECT_TRUE(cat) << error;
  return cat ? *cat : Catalogue{};
}

// The built-in catalogue loads to exactly the cases of the snapshot (harness/test/
// catalogue_snapshot.json, taken before the case files were rewritten with generators and
// structured fields): same ids, steps, expectations and close rules. WSPROBE_UPDATE_SNAPSHOT=1
// rewrites the snapshot from the current catalogue.
TEST(CatalogueSnapshot, BuiltInCasesMatchTheSnapshot) {
  const json dump = dump_cases(builtin());
  json now = json::object();
  for (const auto& c : dump["cases"])
    now[c["id"].get<std::string>()] = behaviour_digest(c);
  if (std::getenv("WSPROBE_UPDATE_SNAPSHOT") != nullptr) {
    std::ofstream(WSPROBE_CATALOGUE_SNAPSHOT) << json{{"cases", now}}.dump(1) << "\n";
    GTEST_SKIP() << "snapshot rewritten";
  }
  std::ifstream in(WSPROBE_CATALOGUE_SNAPSHOT);
  ASSERT_TRUE(in) << "no snapshot at " << WSPROBE_CATALOGUE_SNAPSHOT;
  const json snapshot = json::parse(in)["cases"];
  std::vector<std::string> missing, added, changed;
  for (const auto& [id, digest] : snapshot.items()) {
    if (!now.contains(id)) {
      missing.push_back(id);
    } else if (now[id] != digest) {
      changed.push_back(id);
    }
  }
  for (const auto& [id, digest] : now.items()) {
    if (!snapshot.contains(id)) added.push_back(id);
  }
  EXPECT_TRUE(missing.empty()) << "cases gone: " << json(missing).dump();
  EXPECT_TRUE(added.empty()) << "cases new: " << json(added).dump();
  EXPECT_TRUE(changed.empty()) << "cases changed: " << json(changed).dump();
}

// --- the loader ------------------------------------------------------------------------

// Loads one area file "mine.json" (and more files if given); on failure returns the error.
std::optional<Catalogue> load(const json& doc, std::string& error, uint64_t limit = 100,
                              std::vector<std::pair<std::string, std::string>> more = {}) {
  CatalogueOptions o;
  o.limit = limit;
  more.insert(more.begin(), {"mine.json", doc.dump()});
  return load_catalogue_texts(more, o, error);
}

Case load_one(const json& c, uint64_t limit = 100) {
  std::string error;
  const auto cat = load(json{{"area", "mine"}, {"cases", {c}}}, error, limit);
  EXPECT_TRUE(cat) << error;
  EXPECT_EQ(cat ? cat->cases.size() : 0, 1U);
  return cat && !cat->cases.empty() ? cat->cases[0] : Case{};
}

std::string load_error(const json& c) {
  std::string error;
  EXPECT_FALSE(load(json{{"area", "mine"}, {"cases", {c}}}, error));
  return error;
}

json minimal(const std::string& id = "1.1") {
  return {{"id", id}, {"rfc", "5.6"}, {"description", "d"}, {"expectation", "e"}};
}

std::vector<uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(CatalogueLoader, ReadsEveryCaseField) {
  json c = minimal("2.3");
  c["rfc_text"] = "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response.";
  c["requirement"] = "SHOULD";
  c["roles"] = {"client"};
  c["slow"] = true;
  c["timeout"] = 2.5;
  c["steps"] = json::parse(R"([{"send": {"opcode": "ping", "payload": {"hex": "00ff"}, "fin": true,
      "rsv": 4, "mask": false, "length_form": "16"}, "chop": 1}, {"wait": 0.5, "tag": "A"},
      {"raw": "8100"}, {"close": {"code": 1000, "reason": "ok"}}])");
  c["expect"] =
      json::parse(R"({"ok": [{"pong": {"hex": "00ff"}}], "non_strict": [{"timeout": "A"}]})");
  c["handshake"] = json::parse(R"({"method": "POST", "set": {"Sec-WebSocket-Version": "8"},
      "expect_status": [426], "expect_header": {"Sec-WebSocket-Version": "13"}})");
  const Case k = load_one(c);
  EXPECT_EQ(k.id, "2.3");
  EXPECT_EQ(k.area, "mine");
  EXPECT_EQ(k.file, "mine.json");
  EXPECT_EQ(k.rfc_text, c["rfc_text"]);
  EXPECT_EQ(k.requirement, Requirement::should);
  EXPECT_FALSE(k.informational);
  EXPECT_FALSE(k.for_server);
  EXPECT_TRUE(k.for_client);
  EXPECT_TRUE(k.slow);
  EXPECT_EQ(k.timeout, 2.5);
  ASSERT_EQ(k.steps.size(), 4U);
  EXPECT_EQ(k.steps[0].header.opcode, 9);
  EXPECT_EQ(k.steps[0].header.rsv, 4);
  EXPECT_FALSE(k.steps[0].header.masked);
  EXPECT_EQ(k.steps[0].length_form, codec::LengthForm::extended16);
  EXPECT_EQ(k.steps[0].payload, (std::vector<uint8_t>{0x00, 0xff}));
  EXPECT_EQ(k.steps[0].chop, 1U);
  EXPECT_EQ(k.steps[1].kind, Step::Kind::wait);
  EXPECT_EQ(k.steps[1].tag, "A");
  EXPECT_EQ(k.steps[2].raw, (std::vector<uint8_t>{0x81, 0x00}));
  EXPECT_TRUE(k.steps[3].close);
  EXPECT_EQ(k.steps[3].payload, (std::vector<uint8_t>{0x03, 0xe8, 'o', 'k'}));
  ASSERT_EQ(k.ok.size(), 1U);
  EXPECT_EQ(k.ok[0].kind, Expected::Kind::pong);
  ASSERT_TRUE(k.non_strict);
  EXPECT_EQ((*k.non_strict)[0].tag, "A");
  ASSERT_TRUE(k.handshake);
  EXPECT_EQ(k.handshake->method, "POST");
  EXPECT_EQ(k.handshake->expect_status, std::vector<int>{426});
}

TEST(CatalogueLoader, DefaultsToAMustCaseForBothRolesClosedByTheTester) {
  const Case k = load_one(minimal());
  EXPECT_EQ(k.requirement, Requirement::must);
  EXPECT_TRUE(k.for_server && k.for_client);
  EXPECT_FALSE(k.slow);
  EXPECT_EQ(k.timeout, 1.0);
  EXPECT_TRUE(k.close.closed_by_me);
  EXPECT_EQ(k.close.codes, std::vector<uint16_t>{1000});
  EXPECT_FALSE(k.close.wrong_code_fails || k.close.wrong_endpoint_fatal || k.close.fc1000);
}

TEST(CatalogueLoader, InformationalRequirementGradesTheCaseInformational) {
  json c = minimal();
  c["requirement"] = "informational";
  EXPECT_TRUE(load_one(c).informational);
}

TEST(CatalogueLoader, CloseAfterExpectedIsTheTesterClosingWith1000) {
  json c = minimal();
  c["close"] = {{"by", "tester"}, {"after", "expected"}};
  const auto close = load_one(c).close;
  EXPECT_TRUE(close.fc1000 && close.closed_by_me && close.require_clean);
  EXPECT_EQ(close.codes, std::vector<uint16_t>{1000});
}

TEST(CatalogueLoader, ClosePeerCarriesCodesAndBothVerdictRules) {
  json c = minimal();
  c["close"] = json::parse(R"({"by": "peer", "codes": [1002, 1007], "clean": false,
                              "wrong_endpoint_fatal": true, "wrong_code_fails": true})");
  const auto close = load_one(c).close;
  EXPECT_FALSE(close.closed_by_me);
  EXPECT_FALSE(close.require_clean);
  EXPECT_EQ(close.codes, (std::vector<uint16_t>{1002, 1007}));
  EXPECT_TRUE(close.wrong_endpoint_fatal);
  EXPECT_TRUE(close.wrong_code_fails);
}

TEST(CatalogueLoader, CountsRelativeToTheLimitAreLimitTimesOverPlus) {
  json c = minimal();
  c["steps"] = json::parse(R"([
      {"send": {"opcode": "binary", "payload": {"repeat_hex": "00", "count": {"limit": 1, "divide": 2, "add": 1}}}},
      {"send": {"opcode": "binary", "payload": {"repeat": "ab", "count": {"limit": 2}}}}])");
  const Case k = load_one(c, 100);
  EXPECT_EQ(k.steps[0].payload.size(), 51U);
  EXPECT_EQ(k.steps[1].payload.size(), 400U);
}

TEST(CatalogueLoader, GeneratedDataSetsAreDeterministicAndOfTheirKind) {
  auto payload = [](const std::string& data, uint64_t seed) {
    json c = minimal();
    c["steps"] = {
        {{"send",
          {{"opcode", "binary"}, {"payload", {{"data", data}, {"size", 4099}, {"seed", seed}}}}}}};
    return load_one(c).steps[0].payload.bytes();
  };
  const auto utf8 = payload("utf8-mixed", 1);
  EXPECT_EQ(utf8.size(), 4099U);
  EXPECT_TRUE(codec::is_valid_utf8(utf8));
  EXPECT_EQ(utf8, payload("utf8-mixed", 1));
  EXPECT_NE(utf8, payload("utf8-mixed", 2));
  EXPECT_TRUE(std::any_of(utf8.begin(), utf8.end(), [](uint8_t b) { return b >= 0xF0; }));
  const auto ascii = payload("ascii", 0);
  EXPECT_TRUE(
      std::all_of(ascii.begin(), ascii.end(), [](uint8_t b) { return b >= 0x20 && b < 0x7F; }));
  EXPECT_EQ(payload("binary-random", 3).size(), 4099U);
}

TEST(CatalogueLoader, RepeatStandsForCopiesOfAStepAndOfAnEvent) {
  json c = minimal();
  c["steps"] = json::parse(R"([{"send": {"opcode": "text", "payload": "x"}, "repeat": 3}])");
  c["expect"] = json::parse(R"({"ok": [{"text": "x", "repeat": 3}]})");
  const Case k = load_one(c);
  ASSERT_EQ(k.steps.size(), 1U);  // held once, standing for its copies
  EXPECT_EQ(k.steps[0].copies, 3U);
  EXPECT_EQ(k.steps[0].copy(2).payload, bytes("x"));
  EXPECT_EQ(k.ok.size(), 3U);
  EXPECT_EQ(k.ok[2].payload, bytes("x"));
}

TEST(CatalogueLoader, RepeatWithTheHandshakeSendsTheFirstCopyWithItAndTheRestAfter) {
  json c = minimal();
  c["steps"] = json::parse(
      R"([{"send": {"opcode": "text", "payload": "x"}, "with_handshake": true, "repeat": 3}])");
  const Case k = load_one(c);
  ASSERT_EQ(k.steps.size(), 2U);
  EXPECT_TRUE(k.steps[0].with_handshake);
  EXPECT_EQ(k.steps[0].copies, 1U);
  EXPECT_FALSE(k.steps[1].with_handshake);
  EXPECT_EQ(k.steps[1].copies, 2U);
}

TEST(CatalogueGenerator, MakesOneCasePerRowWithTypedValues) {
  const json g = json::parse(R"({"generate": {
      "tables": [{"columns": ["id", "code"], "rows": [["7.9.1", 0], ["7.9.2", 999]]}],
      "case": {"id": "${id}", "rfc": "7.4", "description": "Send the code ${code}.",
               "expectation": "e", "steps": [{"close": {"code": "${code}"}}],
               "close": {"by": "tester", "codes": [1002], "clean": false}}}})");
  std::string error;
  const auto cat = load(json{{"area", "close"}, {"cases", {g}}}, error);
  ASSERT_TRUE(cat) << error;
  ASSERT_EQ(cat->cases.size(), 2U);
  EXPECT_EQ(cat->cases[1].id, "7.9.2");
  EXPECT_EQ(cat->cases[1].description, "Send the code 999.");
  EXPECT_EQ(cat->cases[1].steps[0].payload, (std::vector<uint8_t>{0x03, 0xe7}));
}

TEST(CatalogueGenerator, SelectPicksTheRowsVariant) {
  const json g = json::parse(R"({"generate": {
      "tables": [{"columns": ["id", "hex", "utf8"], "rows": [["6.1", "ce", "invalid"], ["6.2", "ceba", "valid"]]}],
      "case": {"id": "${id}", "rfc": "8.1", "description": "d", "expectation": "e",
               "steps": [{"send": {"opcode": "text", "payload": {"hex": "${hex}"}}}]},
      "select": "utf8",
      "variants": {"valid": {"expect": {"ok": [{"text": {"hex": "${hex}"}}]}, "close": {"by": "tester", "after": "expected"}},
                   "invalid": {"close": {"by": "peer", "codes": [1007], "clean": false, "wrong_endpoint_fatal": true}}}}})");
  std::string error;
  const auto cat = load(json{{"area", "utf8"}, {"cases", {g}}}, error);
  ASSERT_TRUE(cat) << error;
  EXPECT_TRUE(cat->cases[0].close.wrong_endpoint_fatal);
  EXPECT_TRUE(cat->cases[0].ok.empty());
  EXPECT_TRUE(cat->cases[1].close.fc1000);
  EXPECT_EQ(cat->cases[1].ok[0].payload, (std::vector<uint8_t>{0xce, 0xba}));
}

// The README's example: Autobahn's 9.7/9.8 (1000 messages per size) as two tables' product.
TEST(CatalogueGenerator, TwoTablesMakeTheirCartesianProduct) {
  const json g = json::parse(R"({"generate": {
  "tables": [{"columns": ["group", "kind", "data"], "rows": [[7, "text", "utf8-mixed"], [8, "binary", "binary-random"]]},
             {"columns": ["n", "size"], "rows": [[1, 0], [2, 16], [3, 64], [4, 256], [5, 1024], [6, 4096]]}],
  "case": {"id": "9.${group}.${n}", "rfc": "5.6", "requirement": "MUST", "rfc_text": "...",
           "description": "Send 1000 ${kind} messages of ${size} bytes.",
           "expectation": "The server echoes all of them, in order.",
           "steps": [{"send": {"opcode": "${kind}", "payload": {"data": "${data}", "size": "${size}"}}, "repeat": 1000}],
           "close": {"by": "tester", "after": "expected"}, "timeout": 60},
  "select": "kind",
  "variants": {
    "text": {"expect": {"ok": [{"text": {"data": "utf8-mixed", "size": "${size}"}, "repeat": 1000}]}},
    "binary": {"expect": {"ok": [{"binary": {"data": "binary-random", "size": "${size}"}, "repeat": 1000}]}}
  }}})");
  std::string error;
  const auto cat = load(json{{"area", "performance"}, {"cases", {g}}}, error);
  ASSERT_TRUE(cat) << error;
  ASSERT_EQ(cat->cases.size(), 12U);
  EXPECT_EQ(cat->cases[0].id, "9.7.1");
  EXPECT_EQ(cat->cases[11].id, "9.8.6");
  const Case& k = cat->cases[11];
  ASSERT_EQ(k.steps.size(), 1U);
  EXPECT_EQ(k.steps[0].copies, 1000U);
  EXPECT_EQ(k.steps[0].header.opcode, 2);
  EXPECT_EQ(k.steps[0].payload.size(), 4096U);
  EXPECT_EQ(k.ok.size(), 1000U);
  EXPECT_EQ(k.ok[0].payload, k.steps[0].payload);
  EXPECT_EQ(k.description, "Send 1000 binary messages of 4096 bytes.");
}

// Every error names the file and the case.
TEST(CatalogueErrors, UnknownFieldNamesFileCaseAndField) {
  json c = minimal("3.1");
  c["informational"] = true;  // the old spelling: requirement replaces it
  const auto e = load_error(c);
  EXPECT_NE(e.find("mine.json: case 3.1"), std::string::npos) << e;
  EXPECT_NE(e.find("informational"), std::string::npos) << e;
}

TEST(CatalogueErrors, OldCloseStringIsRejected) {
  json c = minimal("3.2");
  c["close"] = "fc1000";
  EXPECT_NE(load_error(c).find("mine.json: case 3.2: close must be an object"), std::string::npos);
}

TEST(CatalogueErrors, OldCountExpressionIsRejected) {
  json c = minimal("3.3");
  c["steps"] = json::parse(
      R"([{"send": {"opcode": "binary", "payload": {"repeat_hex": "00", "count": "limit+1"}}}])");
  EXPECT_NE(load_error(c).find("mine.json: case 3.3: a count is"), std::string::npos);
}

TEST(CatalogueErrors, BadValuesNameFileAndCase) {
  json c = minimal("3.4");
  c["requirement"] = "MUSTNT";
  EXPECT_NE(load_error(c).find("mine.json: case 3.4: requirement is"), std::string::npos);
  c = minimal("3.5");
  c["roles"] = {"proxy"};
  EXPECT_NE(load_error(c).find("mine.json: case 3.5: a role is"), std::string::npos);
  c = minimal("3.6");
  c["timeout"] = "soon";  // a JSON type error
  EXPECT_NE(load_error(c).find("mine.json: case 3.6: "), std::string::npos);
  c = minimal("3.7");
  c["close"] = {{"by", "tester"}, {"after", "expected"}, {"codes", {1000}}};
  EXPECT_NE(load_error(c).find("mine.json: case 3.7: close.after"), std::string::npos);
  c = minimal("3.8");
  c["steps"] =
      json::parse(R"([{"send": {"opcode": "text", "payload": {"data": "emoji", "size": 3}}}])");
  EXPECT_NE(load_error(c).find("mine.json: case 3.8: unknown data set 'emoji'"), std::string::npos);
}

TEST(CatalogueErrors, GeneratorErrorsNameTheFileAndTheRow) {
  const json g = json::parse(R"({"generate": {"tables": [{"columns": ["id"], "rows": [["1.1"]]}],
      "case": {"id": "${id}", "rfc": "${section}", "description": "d", "expectation": "e"}}})");
  const auto e = load_error(g);
  EXPECT_NE(e.find("mine.json: generator row"), std::string::npos) << e;
  EXPECT_NE(e.find("no column 'section'"), std::string::npos) << e;
}

TEST(CatalogueErrors, DuplicateIdNamesBothFiles) {
  std::string error;
  const json other{{"area", "theirs"}, {"cases", {minimal("4.1")}}};
  EXPECT_FALSE(load(json{{"area", "mine"}, {"cases", {minimal("4.1")}}}, error, 100,
                    {{"theirs.json", other.dump()}}));
  EXPECT_EQ(error, "duplicate case id 4.1 in mine.json and theirs.json");
}

TEST(CatalogueErrors, AreaMustBeAMarkerName) {
  std::string error;
  EXPECT_FALSE(load(json{{"area", "Close Codes"}, {"cases", json::array()}}, error));
  EXPECT_EQ(error, "mine.json: area 'Close Codes' is not a lower-case identifier");
}

TEST(CatalogueErrors, ParseErrorNamesTheFile) {
  std::string error;
  EXPECT_FALSE(load_catalogue_texts({{"broken.json", "{"}}, CatalogueOptions{}, error));
  EXPECT_EQ(error.rfind("broken.json: ", 0), 0U) << error;
}

// --- selection -------------------------------------------------------------------------

Catalogue selection_catalogue() {
  json server_only = minimal("14.1.1");
  server_only["roles"] = {"server"};
  std::string error;
  auto cat = load(
      json{{"area", "mine"},
           {"cases",
            {minimal("6.1.1"), minimal("6.10.1"), minimal("16.1.1"), minimal("6.2"), server_only}}},
      error);
  EXPECT_TRUE(cat) << error;
  return cat ? *cat : Catalogue{};
}

std::vector<std::string> ids(const std::vector<const Case*>& cases) {
  std::vector<std::string> out;
  out.reserve(cases.size());
  for (const auto* c : cases)
    out.push_back(c->id);
  return out;
}

TEST(CaseSelection, SortsIdsNumerically) {
  EXPECT_EQ(ids(select_cases(selection_catalogue(), {}, {})),
            (std::vector<std::string>{"6.1.1", "6.2", "6.10.1", "14.1.1", "16.1.1"}));
}

TEST(CaseSelection, GlobIsAnchoredAtTheStartOfTheId) {
  EXPECT_EQ(ids(select_cases(selection_catalogue(), {"6.*"}, {})),
            (std::vector<std::string>{"6.1.1", "6.2", "6.10.1"}));
  EXPECT_EQ(ids(select_cases(selection_catalogue(), {"*.1.1"}, {})),
            (std::vector<std::string>{"6.1.1", "14.1.1", "16.1.1"}));
}

TEST(CaseSelection, PatternWithoutStarIsAnExactId) {
  EXPECT_EQ(ids(select_cases(selection_catalogue(), {"6.1"}, {})), std::vector<std::string>{});
  EXPECT_EQ(ids(select_cases(selection_catalogue(), {"6.2"}, {})), std::vector<std::string>{"6.2"});
}

TEST(CaseSelection, ExcludeWinsOverInclude) {
  EXPECT_EQ(ids(select_cases(selection_catalogue(), {"6.*"}, {"6.1*"})),
            (std::vector<std::string>{"6.2"}));
}

TEST(CaseSelection, ClientRunsOnlyCasesWithTheClientRole) {
  const auto cat = selection_catalogue();
  EXPECT_EQ(ids(select_cases(cat, {"14.*"}, {}, PeerRole::server)),
            std::vector<std::string>{"14.1.1"});
  EXPECT_TRUE(select_cases(cat, {"14.*"}, {}, PeerRole::client).empty());
}

TEST(CaseSelection, BuiltInHandshakeCasesAreServerOnly) {
  const auto cat = builtin();
  // The robustness family is server-only too: its raw frames are a client's (masked), and its
  // health check and server watch are test-server's; so are our own permessage-deflate cases
  // (18.x: the offer is the tester's, as the client). Autobahn's 12.x/13.x run in both roles;
  // 34.x (client_deflate) against clients only.
  for (const auto& c : cat.cases) {
    const bool server_deflate = c.deflate.has_value() && c.id.starts_with("18.");
    EXPECT_EQ(c.for_client, !c.handshake.has_value() && !server_deflate && c.area != "robustness")
        << c.id;
    if (c.area == "client_deflate") {
      EXPECT_FALSE(c.for_server) << c.id;
    }
  }
}

TEST(CatalogueLoader, ReadsDribblesClaimedLengthsAndTheBytesAPeerMayTake) {
  json c = minimal("20.2.7");
  c["steps"] = json::parse(R"([{"send": {"opcode": "text", "payload": "ab"}, "fragment": 1,
      "gather": 64, "chop": [1, 2, 3]}, {"send": {"opcode": "binary", "length": {"limit": 2},
      "payload": {"repeat_hex": "00", "count": {"limit": 1, "add": 1}}}, "until_close": 1.5}])");
  c["close"] = json::parse(R"({"by": "peer", "codes": [1009], "clean": false,
      "within_bytes": {"limit": 1, "divide": 2}})");
  const Case k = load_one(c, 100);
  ASSERT_EQ(k.steps.size(), 2U);
  EXPECT_EQ(k.steps[0].chop_cycle, (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(k.steps[0].chop, 0U);
  EXPECT_EQ(k.steps[1].declared, uint64_t{200});  // RFC 6455 5.2: the header's claim
  EXPECT_EQ(k.steps[1].payload.size(), 101U);
  EXPECT_EQ(k.steps[1].until_close, 1.5);
  EXPECT_EQ(k.close.within_bytes, uint64_t{50});
  json bad = minimal();
  bad["steps"] = json::parse(R"([{"send": {"opcode": "text", "payload": "a"}, "chop": [1, 0]}])");
  EXPECT_NE(load_error(bad).find("a chop list holds sizes above 0"), std::string::npos);
  bad["steps"] = json::parse(R"([{"send": {"opcode": "text", "payload": "ab", "length": 9},
      "fragment": 1}])");
  EXPECT_NE(load_error(bad).find("a claimed length goes on one"), std::string::npos);
  bad["steps"] = json::parse(R"([{"raw": "8100", "until_close": 1}])");
  EXPECT_NE(load_error(bad).find("until_close is seconds"), std::string::npos);
}

}  // namespace
}  // namespace wsprobe::harness
