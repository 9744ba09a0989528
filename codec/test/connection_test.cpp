#include "wsprobe/connection.hpp"

#include <gtest/gtest.h>

#include "frame_log.hpp"
#include "rfc6455_vectors.hpp"
#include "wsprobe/close.hpp"

namespace wsprobe::codec {
namespace {

using vectors::from_hex;

ConnectionOptions options(Role role) {
  ConnectionOptions o;
  o.role = role;
  o.random = counting_random(0x10);
  return o;
}

// Frames as the peer of `receiver` would send them: masked towards a server.
std::vector<uint8_t> frame(Role receiver, uint8_t b0, const std::vector<uint8_t>& payload) {
  FrameHeader h;
  h.fin = (b0 & 0x80) != 0;
  h.rsv = (b0 >> 4) & 7;
  h.opcode = b0 & 0xF;
  h.masked = receiver == Role::server;
  h.mask = {0xa0, 0xb1, 0xc2, 0xd3};
  return encode_frame(h, payload);
}

std::vector<uint8_t> close_payload(uint16_t code, std::string_view reason = {}) {
  std::vector<uint8_t> p{static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
  if (!reason.empty()) p.insert(p.end(), reason.begin(), reason.end());
  return p;
}

// Decodes what a connection sent, as its peer would.
std::vector<vectors::ParsedFrame> sent_frames(Connection& c, Role sender) {
  FrameParserOptions o;
  o.role = sender == Role::client ? Role::server : Role::client;
  const auto out = c.bytes_to_send();
  const auto log = vectors::parse_whole(o, out);
  EXPECT_FALSE(log.error) << log.error->reason;
  return log.frames;
}

class ConnectionBothRoles : public ::testing::TestWithParam<Role> {};

TEST_P(ConnectionBothRoles, ReceivesTextAndBinaryMessages) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x81, from_hex("48656c6c6f")));
  c.receive(frame(role, 0x82, from_hex("00ff")));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<MessageEvent>(events[0]).text(), "Hello");
  EXPECT_EQ(std::get<MessageEvent>(events[1]).opcode, Opcode::binary);
  EXPECT_EQ(std::get<MessageEvent>(events[1]).data, from_hex("00ff"));
}

TEST_P(ConnectionBothRoles, TakesEventsIntoTheCallersVectorSwappingStorage) {
  const Role role = GetParam();
  Connection c(options(role));
  std::vector<Event> into;
  into.reserve(8);
  const Event* lent = into.data();
  c.take_events(into);  // nothing yet: `into` is empty, the connection holds its storage
  EXPECT_TRUE(into.empty());
  c.receive(frame(role, 0x81, from_hex("41")));
  c.receive(frame(role, 0x89, from_hex("42")));
  c.take_events(into);
  ASSERT_EQ(into.size(), 2u);
  EXPECT_EQ(std::get<MessageEvent>(into[0]).text(), "A");
  EXPECT_EQ(std::get<PingEvent>(into[1]).payload, from_hex("42"));
  EXPECT_EQ(into.data(), lent);  // the events were read into the storage lent
  c.take_events(into);           // none since: the last ones are dropped, the storage lent again
  EXPECT_TRUE(into.empty());
  c.receive(frame(role, 0x82, from_hex("43")));
  c.take_events(into);
  ASSERT_EQ(into.size(), 1u);
  EXPECT_EQ(std::get<MessageEvent>(into[0]).data, from_hex("43"));
  EXPECT_EQ(into.data(), lent);
  EXPECT_TRUE(c.events().empty());
}

TEST_P(ConnectionBothRoles, AnswersPingWithPongOfTheSamePayload) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x89, from_hex("010203")));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<PingEvent>(events[0]).payload, from_hex("010203"));
  const auto frames = sent_frames(c, role);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].header.opcode, 0xA);
  EXPECT_EQ(frames[0].payload, from_hex("010203"));
}

TEST_P(ConnectionBothRoles, IgnoresUnsolicitedPong) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x8A, from_hex("41")));
  EXPECT_EQ(std::get<PongEvent>(c.events().at(0)).payload, from_hex("41"));
  EXPECT_TRUE(c.bytes_to_send().empty());
  EXPECT_EQ(c.state(), State::open);
}

TEST_P(ConnectionBothRoles, EchoesCloseCodeAndEndsClosed) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x88, close_payload(4000, "bye")));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 1u);
  const auto& close = std::get<CloseEvent>(events[0]);
  EXPECT_EQ(close.code, 4000);
  EXPECT_EQ(close.reason, "bye");
  EXPECT_TRUE(close.remote);
  const auto frames = sent_frames(c, role);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, close_payload(4000));
  EXPECT_EQ(c.state(), State::closed);
  // RFC 6455 7.1.1: the server closes TCP first; the client waits for it.
  EXPECT_EQ(c.should_close_transport(), role == Role::server);
}

TEST_P(ConnectionBothRoles, AnswersEmptyCloseWithEmptyClose) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x88, {}));
  EXPECT_EQ(std::get<CloseEvent>(c.events().at(0)).code, close_code::no_status);
  const auto frames = sent_frames(c, role);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].payload.empty());
}

TEST_P(ConnectionBothRoles, IgnoresEverythingAfterTheCloseFrame) {
  const Role role = GetParam();
  Connection c(options(role));
  auto bytes = frame(role, 0x88, close_payload(1000));
  const auto more = frame(role, 0x81, from_hex("41"));
  bytes.insert(bytes.end(), more.begin(), more.end());
  c.receive(bytes);
  c.receive(frame(role, 0x89, {}));
  EXPECT_EQ(c.events().size(), 1u);
  EXPECT_EQ(sent_frames(c, role).size(), 1u);  // only the close echo, no pong
}

TEST_P(ConnectionBothRoles, FailsInvalidCloseCodesWith1002) {
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
    const Role role = GetParam();
    Connection c(options(role));
    c.receive(frame(role, 0x88, close_payload(code)));
    const auto events = c.events();
    ASSERT_EQ(events.size(), 1u) << code;
    EXPECT_EQ(std::get<FailureEvent>(events[0]).error.close_code, close_code::protocol_error)
        << code;
    EXPECT_EQ(std::get<FailureEvent>(events[0]).error.rule, Rule::invalid_close_code) << code;
    EXPECT_EQ(c.sent_close_code(), close_code::protocol_error);
    EXPECT_FALSE(c.should_close_transport());  // the close frame goes out first
    EXPECT_EQ(sent_frames(c, role).at(0).header.opcode, 0x8);
    EXPECT_TRUE(c.should_close_transport());
  }
}

TEST_P(ConnectionBothRoles, FailsOneByteCloseWith1002) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x88, from_hex("03")));
  EXPECT_EQ(c.sent_close_code(), close_code::protocol_error);
}

TEST_P(ConnectionBothRoles, FailsInvalidUtf8CloseReasonWith1007) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x88, vectors::concat(close_payload(1000), from_hex("eda080"))));
  EXPECT_EQ(c.sent_close_code(), close_code::invalid_payload);
}

TEST_P(ConnectionBothRoles, FailsInvalidUtf8TextWith1007AndSendsCloseFrame) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x81, from_hex("cebae1bdb9cf83cebcceb5eda080656469746564")));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<FailureEvent>(events[0]).error.close_code, close_code::invalid_payload);
  EXPECT_EQ(std::get<FailureEvent>(events[0]).error.rule, Rule::invalid_utf8);
  const auto frames = sent_frames(c, role);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].header.opcode, 0x8);
  EXPECT_EQ(parse_close_payload(frames[0].payload)->code, close_code::invalid_payload);
}

TEST_P(ConnectionBothRoles, FailsOversizeMessageWith1009BeforeReadingIt) {
  const Role role = GetParam();
  auto o = options(role);
  o.max_message_size = 1000;
  Connection c(o);
  FrameHeader h{true, 0, 0x2, role == Role::server, {1, 2, 3, 4}, 1001};
  std::array<uint8_t, max_header_size> header{};
  const size_t n = encode_header(h, header);
  c.receive(std::span(header).first(n));  // only the header: no payload yet
  EXPECT_EQ(std::get<FailureEvent>(c.events().at(0)).error.close_code, close_code::message_too_big);
  EXPECT_EQ(c.sent_close_code(), close_code::message_too_big);
}

TEST_P(ConnectionBothRoles, FailsOnceThenDiscardsInput) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x83, {}));  // reserved opcode
  c.receive(frame(role, 0x81, from_hex("41")));
  c.receive(frame(role, 0x84, {}));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<FailureEvent>(events[0]).error.close_code, close_code::protocol_error);
  EXPECT_EQ(std::get<FailureEvent>(events[0]).error.rule, Rule::reserved_opcode);
  EXPECT_EQ(sent_frames(c, role).size(), 1u);
}

TEST_P(ConnectionBothRoles, ReportsAbnormalClosureOnEofWithoutCloseFrame) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(from_hex("81"));  // the transport ends inside a frame header
  c.receive_eof();
  const auto events = c.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<CloseEvent>(events[0]).code, close_code::abnormal);
  EXPECT_FALSE(std::get<CloseEvent>(events[0]).remote);
  EXPECT_EQ(c.state(), State::closed);
}

TEST_P(ConnectionBothRoles, RefusesToSendAfterClose) {
  Connection c(options(GetParam()));
  EXPECT_FALSE(c.send_close(1000, "done"));
  EXPECT_EQ(c.state(), State::closing);
  EXPECT_TRUE(c.close_expected());
  EXPECT_EQ(c.send_text("late")->rule, Rule::send_after_close);
  EXPECT_TRUE(c.send_ping());
  EXPECT_TRUE(c.send_close());
  EXPECT_EQ(sent_frames(c, GetParam()).size(), 1u);
}

TEST_P(ConnectionBothRoles, RefusesInvalidSends) {
  Connection c(options(GetParam()));
  EXPECT_EQ(c.send_text("\xed\xa0\x80")->close_code, close_code::invalid_payload);
  EXPECT_EQ(c.send_text("\xed\xa0\x80")->rule, Rule::send_invalid_utf8_text);
  EXPECT_EQ(c.send_ping(std::vector<uint8_t>(126))->rule, Rule::control_frame_too_long);
  EXPECT_EQ(c.send_close(1006)->rule, Rule::invalid_close_code);
  EXPECT_TRUE(c.bytes_to_send().empty());
}

TEST_P(ConnectionBothRoles, StillDeliversMessagesAfterSendingClose) {
  const Role role = GetParam();
  Connection c(options(role));
  ASSERT_FALSE(c.send_close());
  (void)c.bytes_to_send();
  c.receive(frame(role, 0x81, from_hex("41")));
  c.receive(frame(role, 0x89, {}));  // no pong may follow our close
  c.receive(frame(role, 0x88, close_payload(1000)));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<CloseEvent>(events[2]).code, 1000);
  EXPECT_TRUE(c.bytes_to_send().empty());
  EXPECT_EQ(c.state(), State::closed);
}

TEST_P(ConnectionBothRoles, SendsAnswersToEarlierMessagesBeforeTheFailureClose) {
  // Autobahn 3.2: a valid message and a bad frame in one read. The echo of the message must go
  // out before the close frame that fails the connection.
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(vectors::concat(frame(role, 0x81, from_hex("41")), frame(role, 0xa1, from_hex("42"))));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 2u);
  ASSERT_FALSE(c.send_text(std::get<MessageEvent>(events[0]).text()));
  const auto frames = sent_frames(c, role);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].header.opcode, 0x1);
  EXPECT_EQ(frames[1].header.opcode, 0x8);
  EXPECT_EQ(parse_close_payload(frames[1].payload)->code, close_code::protocol_error);
  EXPECT_TRUE(c.send_text("late"));  // the close is out: nothing more
}

TEST_P(ConnectionBothRoles, EchoesMessageReceivedJustBeforeTheCloseFrame) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(
      vectors::concat(frame(role, 0x81, from_hex("41")), frame(role, 0x88, close_payload(1000))));
  const auto events = c.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(c.state(), State::closing);
  ASSERT_FALSE(c.send_text("A"));
  const auto frames = sent_frames(c, role);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].payload, close_payload(1000));
  EXPECT_EQ(c.state(), State::closed);
}

TEST_P(ConnectionBothRoles, StopsAutomaticPongsWhileTheOutputBacklogIsFull) {
  const Role role = GetParam();
  auto o = options(role);
  o.max_output_backlog = 1000;
  Connection c(o);
  std::vector<uint8_t> pings;
  for (int i = 0; i < 100; ++i)
    pings = vectors::concat(pings, frame(role, 0x89, std::vector<uint8_t>(100, 'p')));
  c.receive(pings);
  EXPECT_EQ(c.events().size(), 100u);  // every ping is still reported
  EXPECT_LT(c.pending_output(), 1000u + 110u);
  c.bytes_to_send();
  c.receive(frame(role, 0x89, {}));
  EXPECT_EQ(sent_frames(c, role).size(), 1u);  // drained: pongs resume
}

TEST_P(ConnectionBothRoles, AcceptsControlFramesOverASmallMessageLimit) {
  const Role role = GetParam();
  auto o = options(role);
  o.max_message_size = 16;
  Connection c(o);
  c.receive(frame(role, 0x89, std::vector<uint8_t>(125, 'x')));
  EXPECT_TRUE(std::holds_alternative<PingEvent>(c.events().at(0)));
}

TEST_P(ConnectionBothRoles, ReportsNothingAfterFailureWhenTheTransportEnds) {
  const Role role = GetParam();
  Connection c(options(role));
  c.receive(frame(role, 0x83, {}));
  c.receive_eof();
  EXPECT_EQ(c.events().size(), 1u);
  EXPECT_TRUE(c.bytes_to_send().empty());  // the peer is gone: the queued close is dropped
}

INSTANTIATE_TEST_SUITE_P(Roles, ConnectionBothRoles, ::testing::Values(Role::client, Role::server),
                         [](const ::testing::TestParamInfo<Role>& param_info) {
                           return std::string(param_info.param == Role::client ? "Client"
                                                                               : "Server");
                         });

TEST(Connection, ClientMasksWithKeysFromItsRandomSource) {
  Connection c(options(Role::client));
  ASSERT_FALSE(c.send_text("Hello"));
  // counting_random(0x10) gives the key 10 11 12 13.
  EXPECT_EQ(c.bytes_to_send(), from_hex("81 85 10111213 58747e7f7f"));
}

TEST(Connection, ServerSendsUnmaskedFrames) {
  Connection c(options(Role::server));
  ASSERT_FALSE(c.send_binary(from_hex("0102")));
  EXPECT_EQ(c.bytes_to_send(), from_hex("82 02 0102"));
}

TEST(Connection, ServerFailsUnmaskedClientFrame) {
  Connection c(options(Role::server));
  c.receive(from_hex("81 05 48656c6c6f"));
  EXPECT_EQ(std::get<FailureEvent>(c.events().at(0)).error.close_code, close_code::protocol_error);
}

TEST(Connection, ClientAndServerCompleteTheClosingHandshakeInMemory) {
  Connection client(options(Role::client));
  Connection server(options(Role::server));
  ASSERT_FALSE(client.send_text("ping me"));
  server.receive(client.bytes_to_send());
  const auto got = server.events();
  ASSERT_EQ(std::get<MessageEvent>(got.at(0)).text(), "ping me");
  ASSERT_FALSE(server.send_text("echo"));
  ASSERT_FALSE(server.send_close(1001, "going away"));
  client.receive(server.bytes_to_send());
  const auto client_events = client.events();
  ASSERT_EQ(client_events.size(), 2u);
  EXPECT_EQ(std::get<CloseEvent>(client_events[1]).code, 1001);
  server.receive(client.bytes_to_send());
  EXPECT_EQ(std::get<CloseEvent>(server.events().at(0)).code, 1001);
  EXPECT_EQ(server.state(), State::closed);
  EXPECT_EQ(client.state(), State::closed);
  EXPECT_TRUE(server.should_close_transport());
  EXPECT_FALSE(client.should_close_transport());
  EXPECT_TRUE(client.close_expected());
}

}  // namespace
}  // namespace wsprobe::codec
