// net/listener: binding IPv4 and IPv6, deadlines, and the back-off after accept errors.
#include "net/listener.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <vector>

namespace wsprobe::harness {
namespace {

using std::chrono::milliseconds;

std::unique_ptr<Listener> listen_on(const std::string& host) {
  std::string error;
  auto l = Listener::open(host, 0, ServerTls{}, error);
  EXPECT_TRUE(l) << error;
  return l;
}

std::unique_ptr<Transport> dial(const std::string& host, uint16_t port) {
  std::string error;
  auto t = Transport::connect(Url{false, host, port, "/"}, Clock::now() + std::chrono::seconds(5),
                              TlsOptions{}, error);
  EXPECT_TRUE(t) << error;
  return t;
}

// A byte written on one side arrives on the other: the pair is one connection.
void expect_connected(Transport& client, Transport& server) {
  const std::array<uint8_t, 1> out{42};
  ASSERT_EQ(client.write(out, Clock::now() + std::chrono::seconds(5)).status, IoStatus::ok);
  std::array<uint8_t, 1> in{};
  const auto r = server.read_some(in, Clock::now() + std::chrono::seconds(5));
  ASSERT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(in[0], 42);
}

TEST(Listener, AcceptsOnIpv4AndReportsThePortItPicked) {
  auto l = listen_on("127.0.0.1");
  ASSERT_TRUE(l);
  EXPECT_NE(l->port(), 0);
  EXPECT_EQ(l->url(), "ws://127.0.0.1:" + std::to_string(l->port()) + "/");
  auto client = dial("127.0.0.1", l->port());
  auto accepted = l->accept(Clock::now() + std::chrono::seconds(5));
  ASSERT_EQ(accepted.status, IoStatus::ok) << accepted.message;
  expect_connected(*client, *accepted.transport);
}

TEST(Listener, AcceptsOnIpv6WithABracketedUrl) {
  auto l = listen_on("::1");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->url(), "ws://[::1]:" + std::to_string(l->port()) + "/");
  auto client = dial("::1", l->port());
  auto accepted = l->accept(Clock::now() + std::chrono::seconds(5));
  ASSERT_EQ(accepted.status, IoStatus::ok) << accepted.message;
  expect_connected(*client, *accepted.transport);
  expect_connected(*accepted.transport, *client);
}

TEST(Listener, LocalhostListensOnBothFamiliesOnOnePort) {
  auto l = listen_on("localhost");
  ASSERT_TRUE(l);
  for (const char* host : {"127.0.0.1", "::1"}) {
    auto client = dial(host, l->port());
    auto accepted = l->accept(Clock::now() + std::chrono::seconds(5));
    ASSERT_EQ(accepted.status, IoStatus::ok) << host << ": " << accepted.message;
    expect_connected(*client, *accepted.transport);
  }
}

TEST(Listener, ReturnsTimeoutAtTheDeadlineWhenNobodyConnects) {
  auto l = listen_on("127.0.0.1");
  ASSERT_TRUE(l);
  const auto started = Clock::now();
  const auto r = l->accept(started + milliseconds(200));
  EXPECT_EQ(r.status, IoStatus::timeout);
  EXPECT_FALSE(r.transport);
  EXPECT_GE(Clock::now() - started, milliseconds(200));
  EXPECT_LT(Clock::now() - started, milliseconds(2000));
}

TEST(Listener, RefusesAPortInUseNamingIt) {
  auto first = listen_on("127.0.0.1");
  ASSERT_TRUE(first);
  std::string error;
  EXPECT_FALSE(Listener::open("127.0.0.1", first->port(), ServerTls{}, error));
  EXPECT_NE(error.find("cannot listen on 127.0.0.1:" + std::to_string(first->port())),
            std::string::npos)
      << error;
}

TEST(Listener, RefusesACertificateThatCannotBeRead) {
  std::string error;
  EXPECT_FALSE(Listener::open("127.0.0.1", 0, ServerTls{"/nonexistent/cert.pem", "k.pem"}, error));
  EXPECT_NE(error.find("'/nonexistent/cert.pem'"), std::string::npos) << error;
}

// With no descriptor left, accept fails with EMFILE while the connection stays queued, so the
// acceptor stays readable: the listener must report it and back off, not spin.
TEST(Listener, ReportsEmfileAndBacksOffInsteadOfSpinning) {
  auto l = listen_on("127.0.0.1");
  ASSERT_TRUE(l);
  auto client = dial("127.0.0.1", l->port());
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::vector<int> filler;
  rlimit low = saved;
  low.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  for (int fd = ::dup(0); fd >= 0; fd = ::dup(0))
    filler.push_back(fd);

  const auto first = l->accept(Clock::now() + std::chrono::seconds(5));
  const auto started = Clock::now();
  const auto second = l->accept(Clock::now() + std::chrono::seconds(5));
  const auto waited = Clock::now() - started;

  for (const int fd : filler)
    ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(first.status, IoStatus::error);
  EXPECT_NE(first.message.find("Too many open files"), std::string::npos) << first.message;
  EXPECT_EQ(second.status, IoStatus::error);
  EXPECT_GE(waited, milliseconds(50));  // the first back-off, waited out before retrying

  // Descriptors back: the queued connection is accepted after the (doubled) back-off.
  const auto third = l->accept(Clock::now() + std::chrono::seconds(5));
  ASSERT_EQ(third.status, IoStatus::ok) << third.message;
  expect_connected(*client, *third.transport);
}

}  // namespace
}  // namespace wsprobe::harness
