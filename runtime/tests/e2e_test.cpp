// The device executables' main() end to end: two processes, files in, files out,
// report, and the one-line error format.
#include "io/file.h"
#include "io/json.h"
#include "io/tensor_pb.h"
#include "kernels/kernels.h"
#include "sepnn_rt/exit_status.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace sepnn::rt;
using namespace sepnn::rt::test;

namespace {

struct E2eFiles {
  std::string dir, cluster, weights, input;
  std::vector<float> blob; // weights.bin contents
  std::vector<float> x;
};

E2eFiles makeSetup(int inputW = 4) {
  E2eFiles s;
  s.dir = tempDir();
  const auto devs = loopbackDevices(2);
  std::string j = "{\"devices\": [";
  for (int i = 0; i < 2; ++i)
    j += std::string(i ? ", " : "") + "{\"name\": \"" + devs[i].name +
         "\", \"host\": \"127.0.0.1\", \"port\": " + std::to_string(devs[i].port) +
         ", \"gflops\": 1, \"mem_mb\": 64}";
  j += "], \"links\": {\"default\": {\"mbps\": 100, \"latency_ms\": 0.5}}, \"transport\": \"tcp\"}";
  s.cluster = s.dir + "/cluster.json";
  writeFile(s.cluster, j);
  s.blob.resize(72 + 4 + 4);
  for (size_t i = 0; i < s.blob.size(); ++i)
    s.blob[i] = float((int(i) * 7) % 11 - 5) * 0.1f;
  s.weights = s.dir + "/weights.bin";
  writeFile(s.weights, std::string(reinterpret_cast<char *>(s.blob.data()), s.blob.size() * 4));
  s.x.resize(2 * 4 * inputW);
  for (size_t i = 0; i < s.x.size(); ++i)
    s.x[i] = float(i % 5) - 2;
  s.input = s.dir + "/in.pb";
  writeTensorFile(s.input, {1, 2, 4, inputW}, s.x.data(), "x");
  return s;
}

TensorData view(Shape s, const float *p) { return TensorData::view(std::move(s), p); }

} // namespace

TEST(E2E, TwoDevicesProduceTheReferenceOutput) {
  E2eFiles s = makeSetup();
  Child d1 = spawnExec({SEPNN_RT_TEST_DEVICE1, "--cluster", s.cluster, "--weights", s.weights,
                        "--repeat", "3", "--report", s.dir + "/r1.json", "--timeout", "10"});
  Child d0 = spawnExec({SEPNN_RT_TEST_DEVICE0, "--cluster=" + s.cluster, "--weights",
                        s.weights, "--input", s.input, "--output", s.dir + "/out.pb",
                        "--repeat", "3", "--report", s.dir + "/r0.json", "--timeout", "10"});
  ChildResult r0 = join(d0, 30), r1 = join(d1, 30);
  ASSERT_EQ(r0.exitCode, 0) << r0.message;
  ASSERT_EQ(r1.exitCode, 0) << r1.message;

  // The same computation with the reference kernels (the devices run the fast ones,
  // which sum in another order: equal within float rounding, not bit for bit).
  TensorData x = view({1, 2, 4, 4}, s.x.data());
  TensorData w = view({4, 2, 3, 3}, s.blob.data()), b = view({4}, s.blob.data() + 72);
  TensorData w2 = view({2, 2, 1, 1}, s.blob.data() + 76);
  TensorData y = kernels::relu(kernels::conv(x, w, &b, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1));
  TensorData a = kernels::slice(y, 1, 0, 2);
  TensorData c = kernels::conv(a, w2, nullptr, {}, {}, {}, 1);
  TensorData want = kernels::concat({&a, &c}, 1);

  PbTensor out = readTensorFile(s.dir + "/out.pb");
  EXPECT_EQ(out.dims, (Shape{1, 4, 4, 4}));
  ASSERT_EQ(out.data.size(), (size_t)want.numel());
  for (size_t i = 0; i < out.data.size(); ++i)
    EXPECT_NEAR(out.data[i], want.data()[i], 1e-5f * std::max(1.0f, std::abs(want.data()[i])))
        << i;

  Json rep0 = parseJsonFile(s.dir + "/r0.json"), rep1 = parseJsonFile(s.dir + "/r1.json");
  EXPECT_EQ(rep0.find("rank")->integer, 0);
  EXPECT_EQ(rep1.find("rank")->integer, 1);
  EXPECT_EQ(rep0.find("repeat")->integer, 3);
  EXPECT_EQ(rep0.find("latencies_ms")->items.size(), 3u);
  EXPECT_GE(rep0.find("latency_ms")->number, 0);
  // 2*4*4 floats each way per inference, exactly numel*4.
  ASSERT_EQ(rep0.find("links")->fields.size(), 1u);
  EXPECT_EQ(rep0.find("links")->find("0->1")->integer, 128);
  EXPECT_EQ(rep1.find("links")->find("1->0")->integer, 128);
}

TEST(E2E, ErrorsAreOneLineAndNameTheDevice) {
  {
    // Wrong input shape: device 0 fails (status 1), device 1 sees the loss (status 3).
    E2eFiles s = makeSetup(5);
    Child d1 = spawnExec({SEPNN_RT_TEST_DEVICE1, "--cluster", s.cluster, "--weights",
                          s.weights, "--timeout", "5"});
    Child d0 = spawnExec({SEPNN_RT_TEST_DEVICE0, "--cluster", s.cluster, "--weights",
                          s.weights, "--input", s.input, "--output", s.dir + "/o.pb",
                          "--timeout", "5"});
    ChildResult r0 = join(d0, 20), r1 = join(d1, 20);
    EXPECT_EQ(r0.exitCode, 1);
    EXPECT_EQ(r0.message, "error: device 0 (d0): input (call #1): input 0 (" + s.input +
                              ") has shape [1,2,4,5], the program expects [1,2,4,4]\n");
    EXPECT_EQ(r1.exitCode, kExitPeerLost); // a consequence of device 0's failure
    EXPECT_EQ(r1.message, "error: device 1 (d1): recv (call #1): lost connection to device 0 "
                          "(d0) while waiting for tag 0\n");
  }
  {
    // Peer never starts: bounded by --timeout.
    E2eFiles s = makeSetup();
    ChildResult r = join(spawnExec({SEPNN_RT_TEST_DEVICE1, "--cluster", s.cluster,
                                    "--weights", s.weights, "--timeout", "1"}),
                         10);
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.message.rfind("error: device 1 (d1): timed out after 1 s connecting to device "
                              "0 (d0) at 127.0.0.1:",
                              0),
              0u)
        << r.message;
  }
  {
    // Bad cluster file and bad flags: the device has no name yet.
    E2eFiles s = makeSetup();
    writeFile(s.cluster, "{\"devices\": [{\"name\": \"a\", \"host\": \"h\", \"port\": \"x\"}]}");
    ChildResult r = join(spawnExec({SEPNN_RT_TEST_DEVICE0, "--cluster", s.cluster}), 10);
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.message, "error: device 0: " + s.cluster + ": devices[0].port: expected an integer\n");
    r = join(spawnExec({SEPNN_RT_TEST_DEVICE0, "--bogus"}), 10);
    EXPECT_EQ(r.message, "error: device 0: unknown argument '--bogus' (see --help)\n");
    r = join(spawnExec({SEPNN_RT_TEST_DEVICE0, "--cluster", s.cluster, "--repeat", "0"}), 10);
    EXPECT_EQ(r.message, "error: device 0: --repeat: expected a positive integer, got '0'\n");
  }
  {
    // No --output for a program that writes one; missing weights file.
    E2eFiles s = makeSetup();
    Child d1 = spawnExec({SEPNN_RT_TEST_DEVICE1, "--cluster", s.cluster, "--weights",
                          s.weights, "--timeout", "5"});
    ChildResult r0 = join(spawnExec({SEPNN_RT_TEST_DEVICE0, "--cluster", s.cluster,
                                     "--weights", s.weights, "--input", s.input,
                                     "--timeout", "5"}),
                          20);
    join(d1, 20);
    EXPECT_EQ(r0.message, "error: device 0 (d0): output (call #10): the program writes output "
                          "0 but only 0 --output file(s) were given\n");
    ChildResult r = join(spawnExec({SEPNN_RT_TEST_DEVICE0, "--cluster", s.cluster,
                                    "--weights", s.dir + "/nope.bin"}),
                         10);
    EXPECT_EQ(r.message, "error: device 0 (d0): " + s.dir + "/nope.bin: cannot open: No such file or directory\n");
  }
}
