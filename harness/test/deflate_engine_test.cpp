// The tester's side of permessage-deflate (RFC 7692), without a network: the catalogue's deflate
// fields and data-set windows, the sender's compressed frames, the receiver's inflating and the
// data sets 12.x/13.x are made of.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>

#include "engine/catalogue.hpp"
#include "engine/data_set.hpp"
#include "engine/handshake_response.hpp"
#include "engine/receiver.hpp"
#include "engine/sender.hpp"
#include "wsprobe/deflate.hpp"
#include "wsprobe/reader.hpp"

namespace wsprobe::harness {
namespace {

std::optional<Catalogue> load(const std::string& cases, std::string& error) {
  CatalogueOptions o;
  o.builtin = false;
  return load_catalogue_texts({{"t.json", R"({"area": "deflate", "cases": [)" + cases + "]}"}}, o,
                              error);
}

const std::string deflate_case = R"({"id": "1.1", "rfc": "RFC 7692 7.2", "roles": ["server"],
  "description": "d", "expectation": "e",
  "deflate": {"offer": ["permessage-deflate; server_max_window_bits=9", "permessage-deflate"],
              "expect": {"server_no_context_takeover": true, "server_max_window_bits": 9}},
  "steps": [{"send": {"opcode": "text", "compress": true,
                      "payload": {"data": "json-document", "size": 1000, "window": 300}},
             "repeat": 5}],
  "expect": {"ok": [{"text": {"data": "json-document", "size": 1000, "window": 300},
                     "repeat": 5}]}})";

TEST(DeflateCatalogue, ReadsTheOffersAndWhatTheAgreementMustHold) {
  std::string error;
  const auto cat = load(deflate_case, error);
  ASSERT_TRUE(cat) << error;
  const Case& c = cat->cases.at(0);
  ASSERT_TRUE(c.deflate);
  EXPECT_EQ(c.deflate->offers.size(), 2U);
  EXPECT_EQ(c.deflate->server_no_context_takeover, true);
  EXPECT_EQ(c.deflate->server_max_window_bits, 9);
  EXPECT_FALSE(c.deflate->client_max_window_bits);
  ASSERT_EQ(c.steps.size(), 1U);  // one step standing for its 5 windows
  EXPECT_EQ(c.steps[0].copies, 5U);
  EXPECT_TRUE(c.steps[0].compress);
  EXPECT_EQ(c.ok.size(), 5U);
}

TEST(DeflateCatalogue, EachCopyOfARepeatedWindowIsTheNextWindowCyclically) {
  std::string error;
  const auto cat = load(deflate_case, error);
  ASSERT_TRUE(cat) << error;
  const auto data = data_set("json-document", 1000, 0);
  const Case& c = cat->cases.at(0);
  for (size_t k = 0; k < 5; ++k) {
    std::vector<uint8_t> want;
    for (size_t i = 0; i < 300; ++i)
      want.push_back(data[(k * 300 + i) % data.size()]);  // copy 3 wraps around the end
    EXPECT_EQ(c.steps[0].copy(k).payload.bytes(), want) << "copy " << k;
    EXPECT_EQ(c.steps[0].copy(k).copies, 1U);
    EXPECT_EQ(c.ok[k].payload, Payload(want)) << "copy " << k;
  }
}

TEST(DeflateCatalogue, RefusesACompressedStepWithoutAnOfferAndAnOfferOnTheWrongRole) {
  std::string error;
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["server"], "steps": [{"send": {"opcode": "text", "payload": "a", "compress": true}}]})",
                    error));
  EXPECT_NE(error.find("needs a deflate offer"), std::string::npos) << error;
  // The tester offers as the client (servers under test); clients under test make their own.
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["client"], "deflate": {"offer": "permessage-deflate"}})",
                    error));
  EXPECT_NE(error.find("tests clients only makes no offer"), std::string::npos) << error;
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "deflate": {"accept": [{}]}})",
                    error));
  EXPECT_NE(error.find("tests servers makes an offer"), std::string::npos) << error;
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["server"], "deflate": {"offer": "permessage-deflate",
    "expect": {"client_max_window_bits": 16}}})",
                    error));
  EXPECT_NE(error.find("8 to 15"), std::string::npos) << error;
}

TEST(DeflateCatalogue, ReadsWhichOffersMayBeAcceptedAndWhetherDecliningIsRight) {
  std::string error;
  auto cat = load(deflate_case, error);
  ASSERT_TRUE(cat) << error;
  EXPECT_FALSE(cat->cases.at(0).deflate->accept_only);  // any offer, by default
  EXPECT_FALSE(cat->cases.at(0).deflate->decline_ok);   // declined: UNIMPLEMENTED
  // RFC 7692 7: an invalid first offer must be declined; the second may be taken.
  cat = load(R"({"id": "1", "rfc": "RFC 7692 7", "description": "d", "expectation": "e",
    "roles": ["server"], "deflate": {"offer": ["permessage-deflate; x", "permessage-deflate"],
    "expect": {"accept_only": [2], "declined": "ok"}}})",
             error);
  ASSERT_TRUE(cat) << error;
  EXPECT_EQ(cat->cases.at(0).deflate->accept_only, std::vector<size_t>{2});
  EXPECT_TRUE(cat->cases.at(0).deflate->decline_ok);
}

TEST(DeflateCatalogue, RefusesAnOfferNumberOutOfRangeAndACompressedStepThatMayBeDeclined) {
  std::string error;
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["server"], "deflate": {"offer": "permessage-deflate", "expect": {"accept_only": [2]}}})",
                    error));
  EXPECT_NE(error.find("accept_only numbers offers from 1 to 1"), std::string::npos) << error;
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["server"], "deflate": {"offer": "permessage-deflate", "expect": {"declined": "fine"}}})",
                    error));
  EXPECT_NE(error.find("declined is"), std::string::npos) << error;
  // Declined, the steps run without the extension: nothing can be compressed.
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["server"], "deflate": {"offer": "permessage-deflate", "expect": {"declined": "ok"}},
    "steps": [{"send": {"opcode": "text", "payload": "a", "compress": true}}]})",
                    error));
  EXPECT_NE(error.find("sends no compressed step"), std::string::npos) << error;
}

TEST(DeflateCatalogue, TheBuiltInCatalogueHasAutobahns216CompressionCases) {
  std::string error;
  const auto cat = load_catalogue({}, error);
  ASSERT_TRUE(cat) << error;
  size_t n = 0;
  for (const auto& c : cat->cases) {
    if (!c.id.starts_with("12.") && !c.id.starts_with("13.")) continue;
    ++n;
    ASSERT_TRUE(c.deflate) << c.id;
    ASSERT_EQ(c.steps.size(), 1U) << c.id;
    EXPECT_EQ(c.steps[0].copies, 1000U) << c.id;  // Autobahn: 1000 messages, one at a time
    EXPECT_EQ(c.steps[0].await, 1U) << c.id;
    EXPECT_EQ(c.ok.size(), 1000U) << c.id;
    // Both roles: test-client accepts the client's offer as Autobahn's fuzzingserver does.
    EXPECT_TRUE(c.for_server && c.for_client) << c.id;
    ASSERT_FALSE(c.deflate->accept.empty()) << c.id;
  }
  EXPECT_EQ(n, 216U);
}

// A client's offers, as test-client reads them from its request.
std::vector<codec::ExtensionOffer> offered(const std::string& field) {
  codec::HttpHeaders h;
  h.add("Sec-WebSocket-Extensions", field);
  return codec::parse_extensions(h).value();
}

std::string answer(const DeflateSpec& spec, const std::string& field) {
  const auto a = accept_client_deflate(spec, offered(field));
  return a ? codec::format_extension(a->response) : "none";
}

TEST(DeflateCatalogue, ReadsHowTheTesterAnswersAClientsOffersAsAutobahnsFuzzingserver) {
  std::string error;
  // 13.7's answers: 13.5's, then 13.2's, then 13.1's, the first that accepts an offer.
  const auto cat = load(R"({"id": "1", "rfc": "RFC 7692 7.1", "description": "d",
    "expectation": "e", "roles": ["client"], "deflate": {"accept": [
      {"client_no_context_takeover": true, "client_max_window_bits": 9,
       "require_offered": ["client_no_context_takeover", "client_max_window_bits"]},
      {"client_no_context_takeover": true, "require_offered": ["client_no_context_takeover"]},
      {}]}})",
                        error);
  ASSERT_TRUE(cat) << error;
  const DeflateSpec& spec = *cat->cases.at(0).deflate;
  ASSERT_EQ(spec.accept.size(), 3U);
  EXPECT_EQ(answer(spec, "permessage-deflate; client_no_context_takeover; client_max_window_bits"),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits=9");
  EXPECT_EQ(answer(spec, "permessage-deflate; client_no_context_takeover"),
            "permessage-deflate; client_no_context_takeover");
  // RFC 7692 7.1.1.1, 7.1.2.1: what the client asks of the server is answered, by the codec.
  EXPECT_EQ(answer(spec, "permessage-deflate; server_max_window_bits=10"),
            "permessage-deflate; server_max_window_bits=10");
  EXPECT_EQ(answer(spec, "x-webkit-deflate-frame"), "none");
  // 13.4: client_max_window_bits=15, only of a client that offered client_max_window_bits.
  DeflateSpec fifteen;
  fifteen.accept[0].config.answer_client_max_window_bits = true;
  fifteen.accept[0].require_client_max_window_bits = true;
  EXPECT_EQ(answer(fifteen, "permessage-deflate; client_max_window_bits"),
            "permessage-deflate; client_max_window_bits=15");
  EXPECT_EQ(answer(fifteen, "permessage-deflate"), "none");
  // Unknown names in require_offered are refused.
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["client"], "deflate": {"accept": [{"require_offered": ["server_max_window_bits"]}]}})",
                    error));
  EXPECT_NE(error.find("require_offered names"), std::string::npos) << error;
}

TEST(DeflateCatalogue, AnswersAnUnofferedParameterOnlyToAnOfferWithoutIt) {
  // 34.4.1: only an offer without client_max_window_bits, answered with it all the same (RFC
  // 7692 7.1.2.2 forbids it: the client must refuse); the agreement stays the codec's.
  std::string error;
  const auto cat = load(R"({"id": "1", "rfc": "RFC 7692 7.1.2.2", "description": "d",
    "expectation": "e", "roles": ["client"], "deflate": {"accept": [
      {"require_not_offered": ["client_max_window_bits"],
       "add_parameters": [["client_max_window_bits", "10"], ["x-flag", ""]]}]}})",
                        error);
  ASSERT_TRUE(cat) << error;
  const DeflateSpec& spec = *cat->cases.at(0).deflate;
  EXPECT_EQ(answer(spec, "permessage-deflate; client_max_window_bits"), "none");
  EXPECT_EQ(answer(spec,
                   "permessage-deflate; client_max_window_bits=12, permessage-deflate; "
                   "server_no_context_takeover"),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10; x-flag");
  const auto a = accept_client_deflate(spec, offered("permessage-deflate"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->agreement.client_max_window_bits, codec::max_window_bits);
  // A name both required and excluded, and a malformed parameter, are refused.
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["client"], "deflate": {"accept": [{"require_offered": ["client_max_window_bits"],
    "require_not_offered": ["client_max_window_bits"]}]}})",
                    error));
  EXPECT_NE(error.find("name the same parameter"), std::string::npos) << error;
  EXPECT_FALSE(load(R"({"id": "1", "rfc": "5", "description": "d", "expectation": "e",
    "roles": ["client"], "deflate": {"accept": [{"add_parameters": [["", "1"]]}]}})",
                    error));
  EXPECT_NE(error.find("add_parameters is"), std::string::npos) << error;
}

TEST(DataSets, TheCompressionDocumentsHaveAutobahnsSizesAndKinds) {
  const std::pair<const char*, size_t> sets[] = {{"json-document", 194056},
                                                 {"bitmap-512", 263222},
                                                 {"german-text", 222218},
                                                 {"html-document", 263647},
                                                 {"pdf-document", 1042328}};
  for (const auto& [name, size] : sets) {
    const auto a = data_set(name, size, 0);
    EXPECT_EQ(a.size(), size) << name;
    EXPECT_EQ(a, data_set(name, size, 0)) << name << " is not deterministic";
  }
  // Text sent as text: ASCII, so every window is valid UTF-8 and counts characters as bytes.
  for (const char* name : {"json-document", "html-document"}) {
    const auto d = data_set(name, 194056, 0);
    EXPECT_TRUE(std::all_of(d.begin(), d.end(), [](uint8_t b) { return b < 0x80; })) << name;
  }
  const auto bmp = data_set("bitmap-512", 263222, 0);
  EXPECT_EQ(bmp[0], 'B');
  EXPECT_EQ(bmp[1], 'M');
  EXPECT_EQ(bmp[2] | bmp[3] << 8 | bmp[4] << 16, 263222);  // BITMAPFILEHEADER's size
  const auto german = data_set("german-text", 4096, 0);
  EXPECT_NE(std::string(german.begin(), german.end()).find('\xC3'), std::string::npos)
      << "no umlaut";
  const auto pdf = data_set("pdf-document", 4096, 0);
  EXPECT_EQ(std::string(pdf.begin(), pdf.begin() + 8), "%PDF-1.5");
}

// What the tester (a client) wrote, read by a server that agreed to `agreement`.
std::vector<codec::ReaderEvent> read_as_server(const std::vector<uint8_t>& bytes,
                                               const codec::DeflateAgreement& agreement) {
  codec::ReaderOptions o;
  o.role = codec::Role::server;
  o.deflate = agreement;
  codec::Reader reader(o);
  reader.feed(bytes);
  return reader.take_events();
}

Step compressed_text(const std::vector<uint8_t>& payload, size_t fragment) {
  Step s;
  s.header = codec::FrameHeader{true, 0, 0x1, true, {}, 0};
  s.payload = payload;
  s.compress = true;
  s.fragment = fragment;
  return s;
}

std::vector<uint8_t> bytes_of(const std::vector<Outgoing>& frames) {
  std::vector<uint8_t> out;
  for (const auto& f : frames)
    out.insert(out.end(), f.bytes.begin(), f.bytes.end());
  return out;
}

TEST(DeflateSender, CompressesThenFragmentsWithRsv1OnTheFirstFrameOnly) {
  // Frame by frame, and gathered into writes of many frames (12.x/13.x), alike.
  for (const size_t gather : {size_t{0}, size_t{64}}) {
    Sender sender(codec::Role::client, seeded_random(1, "d"));
    const codec::DeflateAgreement agreement;
    sender.set_deflate(agreement);
    const std::string text(5000, 'a');
    Step s = compressed_text({text.begin(), text.end()}, 4);
    s.gather = gather;
    const auto writes = sender.plan(s);
    std::vector<uint8_t> rsv;
    std::string got;
    for (const auto& e : read_as_server(bytes_of(writes), agreement)) {
      if (const auto* h = std::get_if<codec::FrameHeaderEvent>(&e)) rsv.push_back(h->header.rsv);
      if (const auto* m = std::get_if<codec::MessageEvent>(&e)) got = std::string(m->text());
      EXPECT_FALSE(std::holds_alternative<codec::FailureEvent>(e));
    }
    ASSERT_GT(rsv.size(), 2U) << gather;
    EXPECT_EQ(rsv.front(), 4) << gather;  // RFC 7692 6: RSV1 on the first frame
    EXPECT_TRUE(std::all_of(rsv.begin() + 1, rsv.end(), [](uint8_t r) { return r == 0; }))
        << gather;
    EXPECT_EQ(got, text) << gather;
    if (gather != 0) {
      EXPECT_LT(writes.size(), rsv.size());  // several frames a write
    }
  }
}

TEST(DeflateSender, KeepsItsContextUnlessNoContextTakeoverWasAgreed) {
  // Letters without repeats of their own: only a second copy can refer back (to the first).
  std::vector<uint8_t> message(300);
  uint32_t x = 12345;
  for (auto& b : message) {
    x = x * 1103515245U + 12345U;
    b = static_cast<uint8_t>('a' + (x >> 16) % 26);
  }
  for (const bool reset : {false, true}) {
    codec::DeflateAgreement agreement;
    agreement.client_no_context_takeover = reset;
    Sender sender(codec::Role::client, seeded_random(1, "d"));
    sender.set_deflate(agreement);
    const auto first = sender.plan(compressed_text(message, 0));
    const auto second = sender.plan(compressed_text(message, 0));
    // RFC 7692 7.1.1.2: with its context kept, the second copy refers back to the first.
    if (reset) {
      EXPECT_EQ(second[0].bytes.size(), first[0].bytes.size());
    } else {
      EXPECT_LT(second[0].bytes.size(), first[0].bytes.size());
    }
    auto all = bytes_of(first);
    const auto more = bytes_of(second);
    all.insert(all.end(), more.begin(), more.end());
    size_t messages = 0;
    for (const auto& e : read_as_server(all, agreement)) {
      if (const auto* m = std::get_if<codec::MessageEvent>(&e)) {
        EXPECT_EQ(m->data, message);
        ++messages;
      }
    }
    EXPECT_EQ(messages, 2U);
  }
}

std::vector<uint8_t> server_compressed(const std::vector<uint8_t>& message, uint8_t window_bits) {
  codec::Deflater d(codec::DeflateDirection{window_bits, false});
  std::vector<uint8_t> payload;
  d.compress(message, payload);
  return codec::encode_frame(codec::FrameHeader{true, 4, 0x2, false, {}, 0}, payload);
}

TEST(DeflateReceiver, InflatesWhatWasAgreedAndFailsRsv1OtherwiseWith1002) {
  const std::vector<uint8_t> message(1000, 'q');
  {
    CaseResult result;
    Wire wire(result, 1.0);
    Receiver receiver(codec::Role::client, 1 << 16, 8, wire, "the server");
    receiver.set_deflate(codec::DeflateAgreement{});
    auto frame = server_compressed(message, 15);
    receiver.feed(frame);
    ASSERT_FALSE(receiver.violation());
    ASSERT_EQ(receiver.events().size(), 1U);
    EXPECT_EQ(receiver.events()[0].payload, Payload(message));
  }
  {
    CaseResult result;
    Wire wire(result, 1.0);
    Receiver receiver(codec::Role::client, 1 << 16, 8, wire, "the server");
    auto frame = server_compressed(message, 15);
    receiver.feed(frame);  // RFC 6455 5.2: RSV1 with nothing agreed
    ASSERT_TRUE(receiver.violation());
    EXPECT_EQ(receiver.failure()->close_code, 1002);
  }
}

TEST(DeflateReceiver, CatchesAServerReferringBackFurtherThanTheAgreedWindow) {
  // server_max_window_bits=9 keeps 512 bytes of context; a server compressing with 15 bits refers
  // 1,000 bytes back into its previous message. (Within one message zlib does not check distances
  // against the window, see codec/src/deflate.cpp: only what reaches past the kept context fails.)
  const auto noise = data_set("binary-random", 1000, 3);
  codec::Deflater server(codec::DeflateDirection{15, false});
  codec::DeflateAgreement agreement;
  agreement.server_max_window_bits = 9;
  CaseResult result;
  Wire wire(result, 1.0);
  Receiver receiver(codec::Role::client, 1 << 16, 8, wire, "the server");
  receiver.set_deflate(agreement);
  for (int i = 0; i < 2; ++i) {
    std::vector<uint8_t> payload;
    server.compress(noise, payload);
    auto frame = codec::encode_frame(codec::FrameHeader{true, 4, 0x2, false, {}, 0}, payload);
    receiver.feed(frame);
  }
  ASSERT_EQ(receiver.events().size(), 1U);
  ASSERT_TRUE(receiver.violation());
  EXPECT_EQ(receiver.failure()->rule, codec::Rule::deflate_invalid_data);
}

TEST(DeflateReceiver, KeepsAnEchoEqualToTheExpectedOneAsTheExpectedOne) {
  std::string error;
  const auto cat = load(deflate_case, error);
  ASSERT_TRUE(cat) << error;
  const auto& expected = cat->cases.at(0).ok;
  CaseResult result;
  Wire wire(result, 1.0);
  Receiver receiver(codec::Role::client, 1 << 16, 8, wire, "the server");
  receiver.share_expected(expected);
  receiver.set_deflate(codec::DeflateAgreement{});
  for (size_t k = 0; k < 2; ++k) {
    auto bytes = expected[k].payload.bytes();
    if (k == 1) bytes[0] ^= 1;  // a wrong echo is kept as it came
    auto frame = codec::encode_frame(codec::FrameHeader{true, 0, 0x1, false, {}, 0}, bytes);
    receiver.feed(frame);
  }
  ASSERT_EQ(receiver.events().size(), 2U);
  EXPECT_TRUE(receiver.events()[0].payload.generated());  // the expected window, shared
  EXPECT_FALSE(receiver.events()[1].payload.generated());
  EXPECT_EQ(receiver.events()[0], expected[0]);
  EXPECT_NE(receiver.events()[1], expected[1]);
}

TEST(DeflateReceiver, CutsUnexpectedMessagesPastItsBudget) {
  // 1000 wrong echoes of 128 KiB would be 128 MiB: past 4 MiB they are kept cut.
  CaseResult result;
  Wire wire(result, 1.0);
  Receiver receiver(codec::Role::client, 1 << 20, 200, wire, "the server");
  for (int i = 0; i < 100; ++i) {
    auto frame = codec::encode_frame(codec::FrameHeader{true, 0, 0x2, false, {}, 0},
                                     std::vector<uint8_t>(100000, 7));
    receiver.feed(frame);
  }
  ASSERT_EQ(receiver.events().size(), 100U);
  EXPECT_EQ(receiver.events().front().payload.size(), 100000U);
  EXPECT_EQ(receiver.events().back().payload.size(), 64U);
}

}  // namespace
}  // namespace wsprobe::harness
