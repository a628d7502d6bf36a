// The simulated network (sim/network.h): a packet to an address nobody listens on is
// dropped and recorded; delivery is FIFO per (sender, destination) like a TCP stream;
// partitions and down hosts block delivery, decided when the packet would arrive.
#include "sim/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace raftlab::sim {
namespace {

// Two hosts, A (10.0.0.1) and B (10.0.0.2), each with a receiver on port 2380 of its
// own namespace bound to 0.0.0.0 (so reachable on the host IP), recording request ids.
class NetworkTest : public ::testing::Test {
 protected:
  NetworkTest() : trace_(TraceLevel::Default), net_(loop_, trace_, Prng(1).derive("network"), NetworkOptions{}) {
    a_ = net_.add_host("A", "10.0.0.1");
    b_ = net_.add_host("B", "10.0.0.2");
    for (HostIndex h : {a_, b_}) {
      auto err = net_.listen(net_.host_netns(h), 2380, true, std::nullopt, h + 1, [this, h](const Packet& p) {
        received_[static_cast<size_t>(h)].push_back(std::get<ClientRequest>(p.body).req);
        arrival_ns_[static_cast<size_t>(h)].push_back(loop_.now().ns);
      });
      EXPECT_FALSE(err.has_value()) << *err;
    }
  }

  Origin from(HostIndex h) const { return Origin{net_.host_netns(h), h, h == a_ ? "procA" : "procB", -1}; }

  static Packet request(std::uint64_t id) {
    Packet p;
    ClientRequest r;
    r.req = id;
    r.kind = ClientOpKind::Get;
    r.key = "/k";
    p.body = r;
    return p;
  }

  std::vector<TraceEvent> drops() const {
    std::vector<TraceEvent> out;
    for (const auto& e : trace_.events())
      if (e.kind == Ev::Drop) out.push_back(e);
    return out;
  }

  EventLoop loop_;
  Trace trace_;
  Network net_;
  HostIndex a_ = -1, b_ = -1;
  std::vector<std::uint64_t> received_[2];
  std::vector<std::int64_t> arrival_ns_[2];
};

TEST_F(NetworkTest, DeliversToAListenerOnAnotherHostWithinTheLatencyRange) {
  net_.send(from(a_), "http://10.0.0.2:2380", request(7));
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  ASSERT_EQ(received_[1], (std::vector<std::uint64_t>{7}));
  const NetworkOptions defaults;
  EXPECT_GE(arrival_ns_[1][0], defaults.inter_host.min.ns);
  EXPECT_LE(arrival_ns_[1][0], defaults.inter_host.max.ns);
  EXPECT_TRUE(drops().empty());
}

TEST_F(NetworkTest, PacketToAPortNobodyListensOnIsDroppedAndRecorded) {
  net_.send(from(a_), "http://10.0.0.2:9999", request(1));
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  EXPECT_TRUE(received_[1].empty());
  EXPECT_EQ(net_.packets_dropped(), 1u);
  const auto d = drops();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].who, "procA");
  EXPECT_EQ(d[0].a, "http://10.0.0.2:9999");
  EXPECT_EQ(d[0].b, "connection refused");
  EXPECT_FALSE(d[0].c.empty());  // the message, described
  EXPECT_GT(d[0].at.ns, 0);      // recorded when it would have arrived
}

TEST_F(NetworkTest, PacketToAnUnknownIpIsDroppedAndRecorded) {
  net_.send(from(a_), "http://10.9.9.9:2380", request(1));
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  const auto d = drops();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].b, "no route to host");
}

TEST_F(NetworkTest, LoopbackMeansTheSendersOwnNamespace) {
  net_.send(from(a_), "http://127.0.0.1:2380", request(3));
  net_.send(from(b_), "http://localhost:2380", request(4));
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  EXPECT_EQ(received_[0], (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(received_[1], (std::vector<std::uint64_t>{4}));
}

// 200 packets sent at one instant get independent random latencies; the per-pair
// stream still delivers them in send order, at non-decreasing times.
TEST_F(NetworkTest, DeliveryIsFifoPerSenderDestinationPair) {
  std::vector<std::uint64_t> sent;
  for (std::uint64_t i = 0; i < 200; ++i) {
    net_.send(from(a_), "http://10.0.0.2:2380", request(i));
    sent.push_back(i);
  }
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  EXPECT_EQ(received_[1], sent);
  for (size_t i = 1; i < arrival_ns_[1].size(); ++i) EXPECT_LE(arrival_ns_[1][i - 1], arrival_ns_[1][i]);
}

TEST_F(NetworkTest, FifoHoldsAcrossSendTimes) {
  // Interleave sends over time: a later send never overtakes an earlier one.
  for (std::uint64_t i = 0; i < 50; ++i)
    loop_.at(micros(static_cast<std::int64_t>(i) * 10), [this, i] { net_.send(from(a_), "http://10.0.0.2:2380", request(i)); });
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  ASSERT_EQ(received_[1].size(), 50u);
  for (std::uint64_t i = 0; i < 50; ++i) EXPECT_EQ(received_[1][i], i);
}

TEST_F(NetworkTest, PartitionBlocksDeliveryBetweenGroupsAndHealRestoresIt) {
  net_.partition({{a_}, {b_}});
  EXPECT_FALSE(net_.connected(a_, b_));
  EXPECT_FALSE(net_.reachable(from(a_), "http://10.0.0.2:2380"));
  net_.send(from(a_), "http://10.0.0.2:2380", request(1));
  net_.send(from(b_), "http://10.0.0.1:2380", request(2));
  net_.send(from(a_), "http://127.0.0.1:2380", request(3));  // within a host: unaffected
  ASSERT_TRUE(loop_.run_until(millis(100)));
  EXPECT_TRUE(received_[1].empty());
  EXPECT_EQ(received_[0], (std::vector<std::uint64_t>{3}));
  const auto d = drops();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].b, "i/o timeout (partitioned)");

  net_.heal();
  EXPECT_TRUE(net_.connected(a_, b_));
  net_.send(from(a_), "http://10.0.0.2:2380", request(4));
  ASSERT_TRUE(loop_.run_until(millis(200)));
  EXPECT_EQ(received_[1], (std::vector<std::uint64_t>{4}));
}

TEST_F(NetworkTest, PartitionIsDecidedWhenThePacketWouldArrive) {
  net_.send(from(a_), "http://10.0.0.2:2380", request(1));  // in flight (>= 300us)
  loop_.at(micros(100), [this] { net_.partition({{a_}, {b_}}); });
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  EXPECT_TRUE(received_[1].empty());
  EXPECT_EQ(drops().size(), 1u);
}

TEST_F(NetworkTest, HostDownBlocksDeliveryToAndFromIt) {
  net_.set_host_up(b_, false);
  EXPECT_FALSE(net_.host_up(b_));
  net_.send(from(a_), "http://10.0.0.2:2380", request(1));
  net_.send(from(b_), "http://10.0.0.1:2380", request(2));
  ASSERT_TRUE(loop_.run_until(millis(100)));
  EXPECT_TRUE(received_[0].empty());
  EXPECT_TRUE(received_[1].empty());
  const auto d = drops();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].b, "i/o timeout (host down)");

  net_.set_host_up(b_, true);
  net_.send(from(a_), "http://10.0.0.2:2380", request(3));
  ASSERT_TRUE(loop_.run_until(millis(200)));
  EXPECT_EQ(received_[1], (std::vector<std::uint64_t>{3}));
}

TEST_F(NetworkTest, SamePortTwiceInOneNamespaceIsRefused) {
  auto err = net_.listen(net_.host_netns(a_), 2380, true, std::nullopt, 9, [](const Packet&) {});
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, "bind: address already in use");
}

// Same seed, same sends => same arrival times (the network draws from its own stream).
TEST_F(NetworkTest, RepliesStayFifoPerSenderAndAClosedEndpointLeavesNoState) {
  std::vector<std::uint64_t> got;
  for (EndpointId ep : {100, 101}) net_.register_endpoint(ep, from(b_), [&got](const Packet& p) {
    got.push_back(std::get<ClientRequest>(p.body).req);
  });
  for (std::uint64_t id = 1; id <= 20; ++id) net_.reply(from(a_), 100, request(id));
  net_.reply(from(a_), 101, request(99));
  EXPECT_EQ(net_.reply_state_count(), 2u);
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  std::vector<std::uint64_t> want;
  for (std::uint64_t id = 1; id <= 20; ++id) want.push_back(id);
  want.insert(want.begin() + static_cast<std::ptrdiff_t>(std::find(got.begin(), got.end(), 99) - got.begin()), 99);
  EXPECT_EQ(got, want);  // endpoint 100's replies in send order, 101's wherever it fell
  net_.unregister_endpoint(101);  // may be registered again (a restarted member): state kept
  EXPECT_EQ(net_.reply_state_count(), 2u);
  net_.close_endpoint(100);  // a client call's endpoint: never registered again
  EXPECT_EQ(net_.reply_state_count(), 1u);
  net_.reply(from(a_), 100, request(7));  // to a closed endpoint: nothing delivered, no state
  ASSERT_TRUE(loop_.run_until(seconds(2)));
  EXPECT_EQ(net_.reply_state_count(), 1u);
  EXPECT_EQ(got.size(), 21u);
}

// A receiver may close, unregister or re-register its own endpoint while it runs (a
// client call finishing on its reply, a member stopping): the running receiver and what it
// captured stay alive until it returns, and the change holds afterwards.
TEST_F(NetworkTest, AReceiverMayCloseOrReplaceItsOwnEndpointWhileItRuns) {
  std::vector<std::string> log;
  auto big = std::make_shared<std::string>(100, 'x');  // a capture on the heap (ASan sees a use after free)
  net_.register_endpoint(200, from(b_), [this, &log, big](const Packet& p) {
    net_.close_endpoint(200);
    log.push_back("closed " + std::to_string(std::get<ClientRequest>(p.body).req) + " " + std::to_string(big->size()));
  });
  net_.register_endpoint(201, from(b_), [this, &log, big](const Packet& p) {
    net_.register_endpoint(201, from(b_), [&log](const Packet& q) {
      log.push_back("new " + std::to_string(std::get<ClientRequest>(q.body).req));
    });
    log.push_back("old " + std::to_string(std::get<ClientRequest>(p.body).req) + " " + std::to_string(big->size()));
  });
  net_.register_endpoint(202, from(b_), [this, &log](const Packet& p) {
    net_.unregister_endpoint(202);
    log.push_back("gone " + std::to_string(std::get<ClientRequest>(p.body).req));
  });
  big.reset();  // only the receivers hold it now
  net_.reply(from(a_), 200, request(1));
  net_.reply(from(a_), 201, request(2));
  net_.reply(from(a_), 202, request(3));
  ASSERT_TRUE(loop_.run_until(seconds(1)));
  EXPECT_EQ(log, (std::vector<std::string>{"closed 1 100", "old 2 100", "gone 3"}));
  EXPECT_EQ(net_.reply_state_count(), 2u);  // 201 and 202 keep their reply clocks; 200 is gone
  net_.reply(from(a_), 200, request(4));    // closed: nothing
  net_.reply(from(a_), 201, request(5));    // the receiver registered while the old one ran
  net_.reply(from(a_), 202, request(6));    // unregistered: nothing
  ASSERT_TRUE(loop_.run_until(seconds(2)));
  EXPECT_EQ(log, (std::vector<std::string>{"closed 1 100", "old 2 100", "gone 3", "new 5"}));
}

TEST(NetworkDeterminism, SameSeedSameArrivalTimes) {
  auto run = [] {
    EventLoop loop;
    Trace trace(TraceLevel::Full);
    Network net(loop, trace, Prng(99).derive("network"), NetworkOptions{});
    const HostIndex a = net.add_host("A", "10.0.0.1");
    const HostIndex b = net.add_host("B", "10.0.0.2");
    (void)net.listen(net.host_netns(b), 2380, true, std::nullopt, 1, [](const Packet&) {});
    for (std::uint64_t i = 0; i < 20; ++i) {
      Packet p;
      ClientRequest req;
      req.req = i;
      req.kind = ClientOpKind::Get;
      req.key = "/k";
      p.body = std::move(req);
      net.send(Origin{net.host_netns(a), a, "procA", -1}, "http://10.0.0.2:2380", std::move(p));
    }
    (void)loop.run_until(seconds(1));
    return trace.sha256();
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace raftlab::sim
