// JSON reader and CLUSTER.json validation: values, positions in errors, field errors.
#include "io/cluster.h"
#include "io/json.h"
#include "tensor.h"

#include <gtest/gtest.h>

using namespace sepnn::rt;

static std::string errorOf(const std::string &text, const std::string &file = "x.json") {
  try {
    parseJson(text, file);
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}
static std::string clusterError(const std::string &text) {
  try {
    parseCluster(text, "cluster.json");
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

TEST(Json, Values) {
  Json v = parseJson(R"({"a": [1, -2.5e1, true, false, null], "s": "q\"\\\/\n\u00e9\ud83d\ude00",
                        "o": {}, "e": [], "big": 12345678901234})",
                     "v.json");
  ASSERT_EQ(v.kind, Json::Object);
  const Json *a = v.find("a");
  ASSERT_TRUE(a && a->kind == Json::Array && a->items.size() == 5);
  EXPECT_TRUE(a->items[0].isInteger);
  EXPECT_EQ(a->items[0].integer, 1);
  EXPECT_FALSE(a->items[1].isInteger);
  EXPECT_EQ(a->items[1].number, -25);
  EXPECT_TRUE(a->items[2].boolean);
  EXPECT_EQ(a->items[4].kind, Json::Null);
  EXPECT_EQ(v.find("s")->str, "q\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(v.find("big")->integer, 12345678901234);
  EXPECT_EQ(jsonQuote("a\"b\\\n\x01"), "\"a\\\"b\\\\\\n\\u0001\"");
}

TEST(Json, ErrorsGiveFileLineColumn) {
  EXPECT_EQ(errorOf("{\n  \"a\": 1,\n  \"b\" 2\n}"), "x.json:3:7: expected ':' after object key, found '2'");
  EXPECT_EQ(errorOf("[1, 2"), "x.json:1:6: expected ',' or ']' in array, found end of file");
  EXPECT_EQ(errorOf("{\"a\": tru}"), "x.json:1:7: unexpected character 't'");
  EXPECT_EQ(errorOf("\"abc"), "x.json:1:5: unterminated string");
  EXPECT_EQ(errorOf("{} x"), "x.json:1:4: unexpected content after the JSON value");
  EXPECT_EQ(errorOf("[01]"), "x.json:1:3: expected ',' or ']' in array, found '1'");
  EXPECT_EQ(errorOf("\"\\x\""), "x.json:1:2: invalid escape '\\x'");
  EXPECT_EQ(errorOf(""), "x.json:1:1: expected a value, found end of file");
  EXPECT_EQ(errorOf(std::string(1000, '[')), "x.json:1:258: nesting too deep");
}

static const char *kGood = R"({
  "devices": [
    {"name": "pi0", "host": "127.0.0.1", "port": 47000, "gflops": 8.0, "mem_mb": 1024},
    {"name": "pi1", "host": "10.0.0.2", "port": 47001, "gflops": 4, "mem_mb": 512}
  ],
  "links": {"default": {"mbps": 100, "latency_ms": 0.5}},
  "transport": "tcp"
})";

TEST(Cluster, Parses) {
  Cluster c = parseCluster(kGood, "cluster.json");
  ASSERT_EQ(c.devices.size(), 2u);
  EXPECT_EQ(c.devices[1].name, "pi1");
  EXPECT_EQ(c.devices[1].host, "10.0.0.2");
  EXPECT_EQ(c.devices[1].port, 47001);
  EXPECT_EQ(c.devices[0].gflops, 8.0);
  EXPECT_EQ(c.transport, "tcp");
}

TEST(Cluster, FieldErrorsNameFileAndField) {
  auto with = [](const std::string &from, const std::string &to) {
    std::string s = kGood;
    s.replace(s.find(from), from.size(), to);
    return clusterError(s);
  };
  EXPECT_EQ(with("\"port\": 47001", "\"port\": \"47001\""),
            "cluster.json: devices[1].port: expected an integer");
  EXPECT_EQ(with("\"port\": 47001", "\"port\": 47001.5"),
            "cluster.json: devices[1].port: expected an integer");
  EXPECT_EQ(with("\"port\": 47000", "\"port\": 70000"),
            "cluster.json: devices[0].port: must be in 1..65535, got 70000");
  // 47001.0 is an integer to the compiler's reader too: both accept it.
  std::string integral = kGood;
  integral.replace(integral.find("47001"), 5, "47001.0");
  EXPECT_EQ(parseCluster(integral, "cluster.json").devices[1].port, 47001);
  EXPECT_EQ(with("\"host\": \"10.0.0.2\", ", ""), "cluster.json: devices[1].host: missing");
  EXPECT_EQ(with("\"name\": \"pi0\"", "\"name\": 3"),
            "cluster.json: devices[0].name: expected a string, found a number");
  EXPECT_EQ(with("\"gflops\": 4", "\"gflops\": \"fast\""),
            "cluster.json: devices[1].gflops: expected a number, found a string");
  EXPECT_EQ(with("\"tcp\"", "\"udp\""),
            "cluster.json: transport: \"udp\" is not a transport (expected \"tcp\" or \"mpi\")");
  EXPECT_EQ(clusterError("{\"devices\": {}}"),
            "cluster.json: devices: expected an array, found an object");
  EXPECT_EQ(clusterError("{}"), "cluster.json: devices: missing");
  EXPECT_EQ(clusterError("{\"devices\": [1]}"),
            "cluster.json: devices[0]: expected an object, found a number");
  EXPECT_EQ(clusterError("{\"devices\": [}"), "cluster.json:1:14: unexpected character '}'");
}
