// Pre-shared cluster keys (auth.h): devices that hold the key connect; a stranger,
// a device with another key and a device without one are refused, and a keyed
// acceptor logs the refusal and goes on waiting for its real peer.
#include "io/cluster.h"
#include "io/file.h"
#include "tensor.h"
#include "test_util.h"
#include "transport/auth.h"
#include "transport/socket.h"
#include "transport/tcp.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>
#include <unistd.h>

using namespace sepnn::rt;
using namespace sepnn::rt::test;

#define EXPECT_CONTAINS(hay, needle)                                                     \
  EXPECT_NE(std::string(hay).find(needle), std::string::npos) << "in: " << (hay)

static TransportOptions keyed(const std::vector<DeviceInfo> &devs, int rank,
                              const std::string &key, double timeoutS = 5) {
  TransportOptions o;
  o.rank = rank;
  o.devices = devs;
  o.modelHash = "abc123";
  o.timeoutS = timeoutS;
  o.key = key;
  return o;
}
static const std::string kKey = "0123456789abcdef0123456789abcdef";

TEST(ClusterKey, DevicesWithTheKeyConnectAndTransfer) {
  if (!auth::available())
    GTEST_FAIL() << "the runtime was built without OpenSSL";
  const auto devs = loopbackDevices(2);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(keyed(devs, 1, kKey));
    return errorOf([&] {
      t.connectAll();
      const std::vector<float> v = {1, 2, 3};
      t.send(0, 7, v.data(), v.size());
      t.finish();
    });
  });
  TcpTransport t(keyed(devs, 0, kKey));
  t.connectAll();
  EXPECT_EQ(t.recv(1, 7, 3), (FloatBuffer{1, 2, 3}));
  t.finish();
  EXPECT_EQ(join(c, 10).message, "no error");
}

// Waits (bounded) until `path` exists: orders the fake devices below without a
// thread in the parent (forking a multi-threaded process breaks ThreadSanitizer).
static void waitForFile(const std::string &path) {
  for (int i = 0; i < 1000 && ::access(path.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TEST(ClusterKey, StrangersAreRefusedAndLoggedThenTheRealPeerIsAccepted) {
  const auto devs = loopbackDevices(2);
  const std::string dir = tempDir();
  // One after the other: a device without a key, one with another key, then the
  // real device 1; each starts when the one before has finished.
  auto attempt = [&](const std::string &key, const std::string &after,
                     const std::string &done) {
    return spawn([=]() -> std::string {
      if (!after.empty())
        waitForFile(dir + "/" + after);
      TcpTransport t(keyed(devs, 1, key));
      const std::string err = errorOf([&] { t.connectAll(); });
      writeFile(dir + "/" + done, err);
      return err;
    });
  };
  Child keyless = attempt("", "", "a");
  Child wrongKey = attempt("another key, 16 bytes or more", "a", "b");
  Child real = spawn([&]() -> std::string {
    waitForFile(dir + "/b");
    TcpTransport t(keyed(devs, 1, kKey));
    return errorOf([&] {
      t.connectAll();
      const std::vector<float> v = {4, 5};
      t.send(0, 1, v.data(), v.size());
      t.finish();
    });
  });
  testing::internal::CaptureStderr();
  TcpTransport t(keyed(devs, 0, kKey, 10));
  const std::string err = errorOf([&] { t.connectAll(); });
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "no error");
  EXPECT_EQ(t.recv(1, 1, 2), (FloatBuffer{4, 5}));
  t.finish();
  EXPECT_EQ(join(real, 10).message, "no error");

  EXPECT_EQ(join(keyless, 10).message,
            "device 0 (d0): requires a cluster key, and this device has none "
            "(\"key_file\" in the cluster file)");
  EXPECT_EQ(join(wrongKey, 10).message,
            "device 0 (d0): refused this device's cluster key (the keys differ)");
  EXPECT_CONTAINS(log, "warning: device 0 (d0): refused connection from 127.0.0.1:");
  EXPECT_CONTAINS(log, "claiming to be device 1 (d1): it holds no cluster key\n");
  EXPECT_CONTAINS(log, "claiming to be device 1 (d1): wrong cluster key\n");
}

// A stranger that connects and stays silent holds a keyed device for at most
// kPreAuthS, then is refused; the real peer, queued behind it, is accepted.
TEST(ClusterKey, SilentStrangerOnlyDelaysTheRealPeer) {
  const auto devs = loopbackDevices(2);
  Child stranger = spawn([&]() -> std::string {
    int fd = connectWithRetry(devs[0].host, devs[0].port, 5, "device 0");
    std::this_thread::sleep_for(std::chrono::seconds(12));
    closeFd(fd);
    return "";
  });
  Child real = spawn([&]() -> std::string {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    TcpTransport t(keyed(devs, 1, kKey, 10));
    return errorOf([&] {
      t.connectAll();
      t.finish();
    });
  });
  testing::internal::CaptureStderr();
  TcpTransport t(keyed(devs, 0, kKey, 10));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(errorOf([&] { t.connectAll(); }), "no error");
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string log = testing::internal::GetCapturedStderr();
  t.finish();
  EXPECT_EQ(join(real, 10).message, "no error");
  EXPECT_CONTAINS(log, "refused connection from 127.0.0.1:");
  EXPECT_CONTAINS(log, "no handshake within");
  EXPECT_LT(took, TcpTransport::kPreAuthS + 2);
  ::kill(stranger.pid, SIGKILL);
  join(stranger, 5);
}

TEST(ClusterKey, KeyedDeviceRefusesAPeerWithoutKey) {
  const auto devs = loopbackDevices(2);
  Child c = spawn([&]() -> std::string {
    TcpTransport t(keyed(devs, 1, kKey));
    return errorOf([&] { t.connectAll(); });
  });
  testing::internal::CaptureStderr();
  TcpTransport t(keyed(devs, 0, "", 2));
  const std::string err = errorOf([&] { t.connectAll(); });
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(join(c, 10).message, "device 0 (d0): holds no cluster key, and this device's "
                                 "cluster file requires one: refused");
  EXPECT_CONTAINS(log, "it offers a cluster key proof, but this device has no key");
  EXPECT_CONTAINS(err, "timed out after 2 s waiting for device 1 (d1) to connect");
}

TEST(ClusterKey, KeyFileIsResolvedAndChecked) {
  const std::string dir = tempDir();
  writeFile(dir + "/cluster.json",
            R"({"devices": [{"name": "a", "host": "127.0.0.1", "port": 1}],
                "key_file": "keys/k"})");
  const Cluster cl = loadCluster(dir + "/cluster.json");
  EXPECT_EQ(cl.keyFile, dir + "/keys/k");
  EXPECT_CONTAINS(errorOf([&] { loadClusterKey(cl, dir + "/cluster.json"); }),
                  dir + "/cluster.json: key_file: " + dir + "/keys/k: cannot open");
  ::mkdir((dir + "/keys").c_str(), 0700);
  writeFile(dir + "/keys/k", "short");
  EXPECT_CONTAINS(errorOf([&] { loadClusterKey(cl, dir + "/cluster.json"); }),
                  "key_file: " + dir + "/keys/k holds 5 bytes, a cluster key needs at least 16");
  writeFile(dir + "/keys/k", kKey);
  EXPECT_EQ(loadClusterKey(cl, dir + "/cluster.json"), kKey);
  EXPECT_CONTAINS(errorOf([&] {
                    parseCluster(R"({"devices": [{"name": "a", "host": "h", "port": 1}],
                                     "key_file": 3})",
                                 "c.json");
                  }),
                  "c.json: key_file: expected a string, found a number");
}
