// TCP transport between real processes on loopback: the parent is one device, forked
// children are the others.
#include "ctx.h"
#include "test_util.h"
#include "transport/crc32c.h"
#include "transport/socket.h"
#include "transport/tcp.h"
#include "transport/wire.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <thread>
#include <poll.h>
#include <unistd.h>

using namespace sepnn::rt;
using namespace sepnn::rt::test;

static TransportOptions opts(const std::vector<DeviceInfo> &devs, int rank, double timeout = 5,
                       const std::string &hash = "abc123") {
  TransportOptions o;
  o.rank = rank;
  o.devices = devs;
  o.modelHash = hash;
  o.timeoutS = timeout;
  return o;
}
static FloatBuffer pattern(size_t n, float seed) {
  FloatBuffer v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = seed + float(i % 1000) * 0.25f;
  return v;
}
static double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
// Device 1: connects, then is killed (SIGKILL) 300 ms later.
static Child peerThatDies(const std::vector<DeviceInfo> &devs) {
  return spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 2));
    t.connectAll();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(::getpid(), SIGKILL);
    return "";
  });
}

// A peer that connects and then stops (SIGSTOP: it reads nothing more) until the test
// kills it: a send to it stays queued however fast the peer could have read (a peer
// that slept 300 ms before dying read all 64 MB once frame checksums got fast).
static Child peerThatStops(const std::vector<DeviceInfo> &devs) {
  return spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 2));
    t.connectAll();
    ::raise(SIGSTOP);
    return "";
  });
}

#define EXPECT_CONTAINS(hay, needle)                                                     \
  EXPECT_NE(std::string(hay).find(needle), std::string::npos) << "in: " << (hay)

// Whether `f` fails with PeerLost: the device then exits with kExitPeerLost and the
// driver blames the peer. Bad data and timeouts are this device's own findings.
static bool failsWithPeerLost(const std::function<void()> &f) {
  try {
    f();
  } catch (const PeerLost &) {
    return true;
  } catch (const std::exception &) {
  }
  return false;
}

TEST(Transport, LargeTensorsBothWaysAtOnce) {
  const auto devs = loopbackDevices(2);
  const size_t n = 1 << 20; // 4 MB each way, sent before either side receives
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1));
    t.connectAll();
    for (int round = 0; round < 2; ++round) {
      FloatBuffer mine = pattern(n, 1.0f + round);
      t.send(0, 7, mine.data(), n);
      FloatBuffer got = t.recv(0, 5, n);
      if (got != pattern(n, 2.0f + round))
        return "child: wrong data for tag 5";
    }
    float small = 42;
    t.send(0, 9, &small, 1);
    t.finish();
    return t.bytesSent(0) == 2 * n * 4 + 4 ? "" : "child: wrong byte count";
  });
  TcpTransport t(opts(devs, 0));
  t.connectAll();
  for (int round = 0; round < 2; ++round) {
    FloatBuffer mine = pattern(n, 2.0f + round);
    t.send(1, 5, mine.data(), n);
    EXPECT_EQ(t.recv(1, 7, n), pattern(n, 1.0f + round));
  }
  EXPECT_EQ(t.recv(1, 9, 1), FloatBuffer{42});
  EXPECT_EQ(t.bytesSent(1), 2 * n * 4);
  t.finish();
  ChildResult r = join(c, 20);
  EXPECT_EQ(r.exitCode, 0) << r.message;
}

TEST(Transport, ThreeDevicesAllToAll) {
  const auto devs = loopbackDevices(3);
  auto body = [&](int rank) -> std::string {
    TcpTransport t(opts(devs, rank));
    t.connectAll();
    for (int p = 0; p < 3; ++p)
      if (p != rank) {
        float v[2] = {float(rank), float(p)};
        t.send(p, rank * 10 + p, v, 2);
      }
    for (int p = 0; p < 3; ++p)
      if (p != rank) {
        auto got = t.recv(p, p * 10 + rank, 2);
        if (got != FloatBuffer{float(p), float(rank)})
          return "bad data at rank " + std::to_string(rank);
      }
    t.finish();
    return "";
  };
  // Start the highest rank first: connects must retry until their acceptor is up.
  Child c2 = spawn([&] { return body(2); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Child c1 = spawn([&] { return body(1); });
  EXPECT_EQ(body(0), "");
  ChildResult r1 = join(c1, 10), r2 = join(c2, 10);
  EXPECT_EQ(r1.exitCode, 0) << r1.message;
  EXPECT_EQ(r2.exitCode, 0) << r2.message;
}

TEST(Transport, ModelHashMismatchIsRefusedBySides) {
  const auto devs = loopbackDevices(2);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 5, "ffff"));
    return errorOf([&] { t.connectAll(); });
  });
  TcpTransport t(opts(devs, 0, 5, "abc123"));
  const std::string err = errorOf([&] { t.connectAll(); });
  EXPECT_EQ(err, "device 1 (d1): model hash mismatch: this device runs abc123, it runs ffff");
  ChildResult r = join(c, 10);
  EXPECT_EQ(r.message, "device 0 (d0): model hash mismatch: this device runs ffff, it runs abc123");
}

// A fake device 1 that handshakes correctly and then writes `frame` raw.
static Child rawPeer(const std::vector<DeviceInfo> &devs, std::string frame) {
  return spawn([devs, frame]() -> std::string {
    int fd = connectWithRetry(devs[0].host, devs[0].port, 5, "device 0");
    wire::Hello h;
    h.sender = 1;
    h.receiver = 0;
    h.hash = "abc123";
    const std::string hello = wire::encodeHello(h);
    writeAll(fd, hello.data(), hello.size(), 5);
    char reply[wire::kHelloFixed + 6];
    readFull(fd, reply, sizeof reply, 5, false);
    writeAll(fd, frame.data(), frame.size(), 5);
    std::this_thread::sleep_for(std::chrono::seconds(3)); // keep the socket open
    return "";
  });
}
static std::string frameBytes(wire::Header h, const FloatBuffer &payload) {
  uint8_t hdr[wire::kHeaderSize];
  wire::encodeHeader(h, hdr);
  return std::string(reinterpret_cast<char *>(hdr), sizeof hdr) +
         std::string(reinterpret_cast<const char *>(payload.data()), payload.size() * 4);
}

using FrameCorruption = std::function<void(wire::Header &)>;
// A fake device 1 sends one frame for tag 3 (16 bytes), corrupted by `corrupt`;
// device 0 must refuse it at once with `what` in the message. `receives`: device
// 0's receive table, if any.
static void expectFrameRefused(const char *what, const FrameCorruption &corrupt,
                               const std::vector<RecvSpec> *receives = nullptr) {
  const FloatBuffer payload = {1, 2, 3, 4};
  const auto devs = loopbackDevices(2);
  wire::Header h;
  h.tag = 3;
  h.length = 16;
  h.crc = crc32c(payload.data(), 16);
  corrupt(h);
  Child c = rawPeer(devs, frameBytes(h, payload));
  TransportOptions o = opts(devs, 0, 2);
  o.haveReceiveTable = receives != nullptr;
  if (receives)
    o.receives = *receives;
  TcpTransport t(o);
  t.connectAll();
  const auto t0 = std::chrono::steady_clock::now();
  const std::string err = errorOf([&] { t.recv(1, 3, 4); });
  EXPECT_CONTAINS(err, "bad data from device 1 (d1) while waiting for tag 3: ");
  EXPECT_CONTAINS(err, what);
  EXPECT_LT(secondsSince(t0), 1.5);
  EXPECT_FALSE(failsWithPeerLost([&] { t.recv(1, 3, 4); }));
  ::kill(c.pid, SIGKILL);
  join(c, 5);
}

TEST(Transport, CorruptedFramesAreDetected) {
  FloatBuffer payload = {1, 2, 3, 4};
  expectFrameRefused("frame checksum mismatch for tag 3", [](wire::Header &h) { h.crc ^= 1; });
  expectFrameRefused("bad frame magic", [](wire::Header &h) { h.magic = 0xdeadbeef; });
  expectFrameRefused("frame sequence number 5, expected 0", [](wire::Header &h) { h.seq = 5; });
  expectFrameRefused("exceeds the limit", [](wire::Header &h) { h.length = uint64_t(1) << 40; });
  expectFrameRefused("unknown payload encoding 9 for tag 3",
                     [](wire::Header &h) { h.encoding = 9; });
  // A well-formed frame from the same fake peer is accepted (the fake is faithful).
  const auto devs = loopbackDevices(2);
  wire::Header h;
  h.tag = 3;
  h.length = 16;
  h.crc = crc32c(payload.data(), 16);
  Child c = rawPeer(devs, frameBytes(h, payload));
  TcpTransport t(opts(devs, 0, 2));
  t.connectAll();
  EXPECT_EQ(t.recv(1, 3, 4), payload);
  EXPECT_CONTAINS(errorOf([&] { t.recv(1, 3, 4); }), "timed out");
  ::kill(c.pid, SIGKILL);
  join(c, 5);
}

// With the program's receive table, a header is checked before its payload is read:
// a wrong length, encoding or tag is refused without allocating or waiting for it.
TEST(Transport, FramesAreCheckedAgainstTheReceiveTable) {
  const std::vector<RecvSpec> table = {RecvSpec{1, 0, 3, 16}};
  // 512 MiB announced (under the protocol's limit), 16 bytes sent: the device must
  // not allocate it or wait for it.
  expectFrameRefused("frame for tag 3 carries 536870912 bytes, the program expects 16",
                     [](wire::Header &h) { h.length = uint64_t(1) << 29; }, &table);
  expectFrameRefused("frame for tag 3 carries 12 bytes, the program expects 16",
                     [](wire::Header &h) { h.length = 12; }, &table);
  expectFrameRefused("frame for tag 3 is encoded as f16, the program expects f32",
                     [](wire::Header &h) { h.encoding = 1; }, &table);
  expectFrameRefused("frame for tag 4, which the program never receives from this peer",
                     [](wire::Header &h) { h.tag = 4; }, &table);
}

// A peer killed after its last send (before its goodbye): everything arrived, but
// the peer did not finish its run, so finish() reports it.
TEST(Transport, PeerLostAfterItsLastSendFailsFinish) {
  const auto devs = loopbackDevices(2);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 2));
    t.connectAll();
    const FloatBuffer v = {1, 2};
    t.send(0, 3, v.data(), v.size());
    t.flush();
    ::kill(::getpid(), SIGKILL);
    return "";
  });
  TcpTransport t(opts(devs, 0, 2));
  t.connectAll();
  EXPECT_EQ(t.recv(1, 3, 2), (FloatBuffer{1, 2}));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(errorOf([&] { t.finish(); }),
            "lost connection to device 1 (d1) after its last transfer (no goodbye)");
  EXPECT_LT(secondsSince(t0), 2.5);
  EXPECT_TRUE(failsWithPeerLost([&] { t.finish(); }));
  join(c, 5);
}

TEST(Transport, PeerKilledWhileWaiting) {
  const auto devs = loopbackDevices(2);
  Child c = peerThatDies(devs);
  TcpTransport t(opts(devs, 0, 2));
  t.connectAll();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(errorOf([&] { t.recv(1, 3, 10); }),
            "lost connection to device 1 (d1) while waiting for tag 3");
  EXPECT_LT(secondsSince(t0), 2.0);
  EXPECT_TRUE(failsWithPeerLost([&] { t.recv(1, 3, 10); }));
  join(c, 5);
}

TEST(Transport, RecvTimesOut) {
  const auto devs = loopbackDevices(2);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 1));
    t.connectAll();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    return "";
  });
  TcpTransport t(opts(devs, 0, 1));
  t.connectAll();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(errorOf([&] { t.recv(1, 3, 10); }),
            "timed out after 1 s waiting for tag 3 from device 1 (d1)");
  EXPECT_GE(secondsSince(t0), 0.9);
  EXPECT_LT(secondsSince(t0), 2.0);
  EXPECT_FALSE(failsWithPeerLost([&] { t.recv(1, 3, 10); }));
  ::kill(c.pid, SIGKILL);
  join(c, 5);
}

TEST(Transport, ConnectAndAcceptTimeOutWhenPeerNeverStarts) {
  const auto devs = loopbackDevices(2);
  {
    TcpTransport t(opts(devs, 1, 1));
    const auto t0 = std::chrono::steady_clock::now();
    const std::string err = errorOf([&] { t.connectAll(); });
    EXPECT_CONTAINS(err, "timed out after 1 s connecting to device 0 (d0) at 127.0.0.1:" +
                             std::to_string(devs[0].port) + " (last error: Connection refused)");
    EXPECT_LT(secondsSince(t0), 2.0);
  }
  {
    TcpTransport t(opts(devs, 0, 1));
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(errorOf([&] { t.connectAll(); }),
              "timed out after 1 s waiting for device 1 (d1) to connect to 127.0.0.1:" +
                  std::to_string(devs[0].port));
    EXPECT_LT(secondsSince(t0), 2.0);
  }
}

TEST(Transport, CleanGoodbyeIsNotALoss) {
  const auto devs = loopbackDevices(2);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 2));
    t.connectAll();
    float v = 1;
    t.send(0, 1, &v, 1);
    t.finish();
    return "";
  });
  TcpTransport t(opts(devs, 0, 2));
  t.connectAll();
  EXPECT_EQ(t.recv(1, 1, 1), FloatBuffer{1});
  EXPECT_EQ(errorOf([&] { t.recv(1, 2, 1); }), "device 1 (d1) finished without sending tag 2");
  EXPECT_EQ(errorOf([&] { t.recv(1, 1, 5); }), "device 1 (d1) finished without sending tag 1");
  t.finish();
  EXPECT_EQ(join(c, 5).exitCode, 0);
}

TEST(Transport, WrongSizeAndBadPeerAreErrors) {
  const auto devs = loopbackDevices(2);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 2));
    t.connectAll();
    float v[3] = {1, 2, 3};
    t.send(0, 4, v, 3);
    t.finish();
    return "";
  });
  TcpTransport t(opts(devs, 0, 2));
  t.connectAll();
  EXPECT_EQ(errorOf([&] { t.recv(1, 4, 2); }),
            "tag 4 from device 1 (d1) has 12 bytes, expected 8");
  EXPECT_EQ(errorOf([&] { t.recv(0, 4, 2); }), "recv: device 0 is this device");
  EXPECT_EQ(errorOf([&] { t.recv(5, 4, 2); }), "recv: no device 5 in a cluster of 2");
  t.finish();
  join(c, 5);
}

// send_as/recv_as between two real processes through the ABI: one tensor as f16 and
// one as int8 (and one as f32, which is plain send/recv), received within the codecs'
// bounds; the byte counters count exactly the encoded payloads; a receiver expecting
// another shape or wire type gets a message naming the tag and the peer.
static FloatBuffer smooth(size_t n, float seed) {
  FloatBuffer v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = seed * std::sin(0.37f * float(i) + seed) * float(1 + i % 7);
  return v;
}

TEST(Transport, CompressedSendAsRecvAs) {
  const auto devs = loopbackDevices(2);
  const Shape act{1, 4, 6, 5}; // 120 values, 4 channels
  const size_t n = 120;
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 5));
    t.connectAll();
    Ctx ctx;
    ctx.transport = &t;
    TensorData a;
    a.shape = act;
    a.own = smooth(n, 3.0f);
    TensorData b = a;
    b.own = smooth(n, 40.0f);
    for (size_t i = 0; i < 30; ++i) // channel 0 of b all zeros
      b.own[i] = 0;
    const Tensor ta = ctx.add(a), tb = ctx.add(b);
    send_as(&ctx, ta, 0, 1, WireType::F16);
    send_as(&ctx, tb, 0, 2, WireType::Int8);
    send_as(&ctx, ta, 0, 3, WireType::F32);
    send_as(&ctx, ta, 0, 4, WireType::F16);  // received as [1,4,6,6]
    send_as(&ctx, ta, 0, 5, WireType::Int8); // received as f16
    if (ctx.failed)
      return "child: " + ctx.error;
    const Tensor back = recv_as(&ctx, 0, 6, {5}, WireType::Int8);
    if (ctx.failed)
      return "child: " + ctx.error;
    const float *v = ctx.tensors[back.id].data();
    const float want[5] = {1, -2, 0, 0.5f, 100};
    for (int i = 0; i < 5; ++i) // rank 1: one channel per element, q = +-127 or 0
      if (std::fabs(v[i] - want[i]) > std::fabs(want[i]) * 1e-6f)
        return "child: int8 rank-1 value " + std::to_string(i) + " is " +
               std::to_string(v[i]);
    t.finish();
    const uint64_t wantBytes = n * 2 + (n + 4 * 4) + n * 4 + n * 2 + (n + 16);
    return t.bytesSent(0) == wantBytes ? ""
                                  : "child: sent " + std::to_string(t.bytesSent(0)) +
                                        " bytes, expected " + std::to_string(wantBytes);
  });
  TcpTransport t(opts(devs, 0, 5));
  t.connectAll();
  Ctx ctx;
  ctx.transport = &t;
  const Tensor ra = recv_as(&ctx, 1, 1, {1, 4, 6, 5}, WireType::F16);
  const Tensor rb = recv_as(&ctx, 1, 2, {1, 4, 6, 5}, WireType::Int8);
  const Tensor rc = recv_as(&ctx, 1, 3, {1, 4, 6, 5}, WireType::F32);
  ASSERT_FALSE(ctx.failed) << ctx.error;
  const FloatBuffer a = smooth(n, 3.0f);
  FloatBuffer b = smooth(n, 40.0f);
  std::fill(b.begin(), b.begin() + 30, 0.0f);
  const TensorData &ga = ctx.tensors[ra.id], &gb = ctx.tensors[rb.id], &gc = ctx.tensors[rc.id];
  EXPECT_EQ(ga.shape, act);
  EXPECT_EQ(gb.shape, act);
  EXPECT_EQ(gc.own, a); // f32: exact
  for (size_t i = 0; i < n; ++i) // f16: nearest half, 2^-11 relative
    EXPECT_LE(std::fabs(ga.data()[i] - a[i]), std::fabs(a[i]) * std::ldexp(1.0f, -11)) << i;
  for (size_t ch = 0; ch < 4; ++ch) { // int8: half a step of the channel's scale
    float amax = 0;
    for (size_t k = 0; k < 30; ++k)
      amax = std::max(amax, std::fabs(b[ch * 30 + k]));
    const float scale = amax == 0 ? 1.0f : amax / 127.0f;
    for (size_t k = 0; k < 30; ++k) {
      const size_t i = ch * 30 + k;
      EXPECT_LE(std::fabs(gb.data()[i] - b[i]), scale * (0.5f + 2e-5f)) << i;
      if (ch == 0)
        EXPECT_EQ(gb.data()[i], 0.0f);
    }
  }
  // Mismatches name the tag, the peer and what was expected.
  recv_as(&ctx, 1, 4, {1, 4, 6, 6}, WireType::F16);
  EXPECT_EQ(ctx.error, "recv_as (call #4): tag 4 from device 1 (d1) has 240 bytes, "
                       "expected 288 for f16 [1,4,6,6]");
  ctx.failed = false;
  ctx.error.clear();
  recv_as(&ctx, 1, 5, {1, 4, 6, 5}, WireType::F16);
  EXPECT_EQ(ctx.error,
            "recv_as (call #5): tag 5 from device 1 (d1) was sent as int8, expected f16");
  ctx.failed = false;
  ctx.error.clear();
  TensorData v;
  v.shape = {5};
  v.own = {1, -2, 0, 0.5f, 100};
  send_as(&ctx, ctx.add(v), 1, 6, WireType::Int8);
  EXPECT_FALSE(ctx.failed) << ctx.error;
  EXPECT_EQ(t.bytesSent(1), 5u + 4 * 5);
  t.finish();
  ChildResult r = join(c, 10);
  EXPECT_EQ(r.exitCode, 0) << r.message;
}

// ThreadSanitizer slows copies and checksums by an order of magnitude: there the
// timing checks below are skipped and the payloads are smaller.
#if defined(__SANITIZE_THREAD__)
static constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
static constexpr bool kSanitized = true;
#else
static constexpr bool kSanitized = false;
#endif
#else
static constexpr bool kSanitized = false;
#endif
static const size_t kBig = kSanitized ? size_t(2) << 20 : size_t(16) << 20; // floats

// Sends are asynchronous: a 64 MB send returns long before the peer (asleep for 1 s)
// reads it, and the data still arrives intact and in order.
TEST(Transport, LargeSendReturnsBeforePeerReads) {
  const auto devs = loopbackDevices(2);
  const size_t n = kBig; // 64 MB: far more than the socket buffers hold
  // The peer reads only after we tell it, through a pipe, that our send
  // returned: a send that waited for the peer would time out instead. No
  // clock is involved.
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(opts(devs, 1, 5));
    t.connectAll();
    char byte;
    pollfd p{go[0], POLLIN, 0};
    if (::poll(&p, 1, 20000) != 1 || ::read(go[0], &byte, 1) != 1)
      return "child: the sender's send never returned";
    if (t.recv(0, 1, n) != pattern(n, 3.0f))
      return "child: wrong data for tag 1";
    if (t.recv(0, 2, 1) != FloatBuffer{7})
      return "child: wrong data for tag 2";
    t.finish();
    return "";
  });
  TcpTransport t(opts(devs, 0, 5));
  t.connectAll();
  const FloatBuffer big = pattern(n, 3.0f);
  t.send(1, 1, big.data(), n);
  float small = 7;
  t.send(1, 2, &small, 1);
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  EXPECT_EQ(t.bytesSent(1), n * 4 + 4);
  t.flush();
  t.finish();
  ChildResult r = join(c, 30);
  EXPECT_EQ(r.exitCode, 0) << r.message;
  ::close(go[0]);
  ::close(go[1]);
}

// A peer killed while our send queue still holds data: the background writer fails and
// the next transfer call (and flush) reports it, naming the peer, within the timeout.
TEST(Transport, PeerKilledWhileSendQueued) {
  const auto devs = loopbackDevices(2);
  Child c = peerThatStops(devs);
  TcpTransport t(opts(devs, 0, 2));
  t.connectAll();
  const size_t n = kBig; // 64 MB: far more than the socket buffers hold
  const FloatBuffer big = pattern(n, 1.0f);
  const auto t0 = std::chrono::steady_clock::now();
  t.send(1, 3, big.data(), n);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(c.pid, SIGKILL);
  const std::string err = errorOf([&] { t.flush(); });
  EXPECT_CONTAINS(err, "lost connection to device 1 (d1) while sending tag 3");
  // Never a hang: well within a few timeouts (2 s each), even on a busy CI.
  EXPECT_LT(secondsSince(t0), 15.0);
  // Sticky: every later transfer call reports it too.
  EXPECT_EQ(errorOf([&] { t.checkSends(); }), err);
  EXPECT_TRUE(failsWithPeerLost([&] { t.checkSends(); }));
  EXPECT_EQ(errorOf([&] { t.send(1, 4, big.data(), 1); }), err);
  EXPECT_EQ(errorOf([&] { t.recv(1, 4, 1); }), err);
  // finish never hangs, and reports the lost peer once more.
  EXPECT_EQ(errorOf([&] { t.finish(); }), err);
  join(c, 5);
}

// The same through the ABI: the error surfaces from the next transfer call.
TEST(Transport, BackgroundSendFailureFailsNextAbiCall) {
  const auto devs = loopbackDevices(2);
  Child c = peerThatStops(devs);
  TcpTransport t(opts(devs, 0, 2));
  t.connectAll();
  const size_t n = kBig;
  const FloatBuffer big = pattern(n, 1.0f);
  t.send(1, 3, big.data(), n);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(c.pid, SIGKILL);
  // Wait until the background writer has seen the loss (bounded by the timeout).
  const auto t0 = std::chrono::steady_clock::now();
  while (errorOf([&] { t.checkSends(); }) == "no error" && secondsSince(t0) < 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Ctx ctx;
  ctx.transport = &t;
  ctx.beginInference();
  float v = 1;
  const Tensor x = ctx.add(TensorData::view({1}, &v));
  send(&ctx, x, 1, 5);
  EXPECT_TRUE(ctx.failed);
  EXPECT_CONTAINS(ctx.error, "send (call #1): lost connection to device 1 (d1) while sending tag 3");
  EXPECT_TRUE(ctx.peerLost);
  EXPECT_CONTAINS(errorOf([&] { t.finish(); }), "lost connection to device 1 (d1)");
  join(c, 5);
}
