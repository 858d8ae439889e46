#include "transport/tcp.h"

#include "transport/auth.h"
#include "transport/socket.h"
#include "transport/crc32c.h"
#include "transport/wire.h"
#include "transport/wire_codec.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <sys/socket.h>
#include <thread>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "f32 payloads are raw little-endian f32: port the (de)serialization first"
#endif

namespace sepnn {
namespace rt {

struct TcpTransport::Peer {
  enum State { Open, Bye, Lost, Failed };
  // A frame waiting in the send queue: the payload is our own copy; the checksum and
  // header are computed by the writer thread.
  struct OutFrame {
    uint16_t kind = wire::kData;
    int64_t tag = 0;
    uint64_t seq = 0;
    uint32_t encoding = 0;
    size_t bytes = 0;
    std::unique_ptr<uint8_t[]> data;
  };
  int rank = -1;
  int fd = -1;
  std::thread reader, writer;
  std::atomic<uint64_t> bytesSent{0};
  uint64_t recvSeq = 0; // reader thread only
  bool checkTags = false;          // the program's receive table is known
  wire::ExpectedFrames expected;   // what the program receives from this peer
  // Guarded by TcpTransport::mu_.
  State state = Open;
  std::string error;
  std::map<int64_t, std::deque<Payload>> mail;
  // Send side, guarded by TcpTransport::mu_.
  uint64_t sendSeq = 0;
  std::deque<OutFrame> outq;
  size_t queued = 0;     // payload bytes queued or being written
  bool writing = false;  // the writer holds a frame popped from outq
  bool wstop = false;    // the writer exits at once (queued frames are dropped)
  bool sendFailed = false;
  bool sendLost = false;  // the send failed because the connection was gone
  std::string sendError; // names the peer
  std::condition_variable wcv; // wakes the writer
};

namespace {

// A connection this (keyed) device turns away without failing: a stranger, a peer
// with the wrong key or none. Logged; the device goes on waiting for its real peer.
struct Refused : Error {
  using Error::Error;
};

wire::Hello helloFor(const TransportOptions &opts, int peer) {
  wire::Hello h;
  h.sender = opts.rank;
  h.receiver = peer;
  h.hash = opts.modelHash;
  if (!opts.key.empty()) {
    h.flags |= wire::kHelloHasKey;
    h.nonce = auth::randomBytes(wire::kNonceSize);
  }
  return h;
}

// Reads and checks the other side's hello; `*bytes` gets it as it was on the wire
// (the key proofs cover both hellos). `w` names the other side in errors.
wire::Hello readHello(int fd, double timeoutS, const std::string &w, std::string *bytes,
                      bool fixedDeadline = false) {
  uint8_t fixed[wire::kHelloFixed];
  bool got;
  try {
    got = readFull(fd, fixed, sizeof fixed, timeoutS, true, nullptr, fixedDeadline);
  } catch (const ConnectionLost &) {
    throw;
  } catch (const Error &) {
    fail(w, ": no handshake within ", secondsStr(timeoutS), " (is it a sepnn device?)");
  }
  if (!got)
    failPeerLost(w, ": closed the connection during the handshake (see its error message)");
  uint32_t hashLen;
  wire::Hello h = wire::decodeHelloFixed(fixed, &hashLen);
  if (h.magic != wire::kHelloMagic)
    fail(w, ": not a sepnn device (bad handshake magic)");
  if (h.version != wire::kVersion)
    fail(w, ": protocol version ", h.version, ", this runtime speaks ", wire::kVersion);
  if (hashLen > wire::kMaxHashLen)
    fail(w, ": handshake model hash of ", hashLen, " bytes is too long");
  h.hash.resize(hashLen);
  readFull(fd, &h.hash[0], hashLen, timeoutS, false, nullptr, fixedDeadline);
  *bytes = std::string(reinterpret_cast<char *>(fixed), sizeof fixed) + h.hash;
  return h;
}

std::string readProof(int fd, double timeoutS, bool fixedDeadline = false) {
  std::string proof(auth::kProofSize, '\0');
  if (!readFull(fd, &proof[0], proof.size(), timeoutS, true, nullptr, fixedDeadline))
    return "";
  return proof;
}

} // namespace

TcpTransport::TcpTransport(TransportOptions opts) : opts_(std::move(opts)) {
  peers_.resize(opts_.devices.size());
}

TcpTransport::~TcpTransport() { stopReaders(); }

std::string TcpTransport::who(int peer) const { return peerName(opts_.devices, peer); }

int TcpTransport::socketFor(int peer) const { return peerFor(peer, "socket").fd; }

TcpTransport::Peer &TcpTransport::peerFor(int peer, const char *what) const {
  if (peer < 0 || peer >= (int)peers_.size())
    fail(what, ": no device ", peer, " in a cluster of ", peers_.size());
  if (peer == opts_.rank)
    fail(what, ": device ", peer, " is this device");
  if (!peers_[peer])
    fail(what, ": not connected to ", who(peer));
  return *peers_[peer];
}

void TcpTransport::connectAll() {
  const int n = (int)opts_.devices.size(), rank = opts_.rank;
  if (rank < 0 || rank >= n)
    fail("rank ", rank, " is not in a cluster of ", n, " devices");
  if (n == 1)
    return;
  // Listen before connecting so that higher ranks queue in the backlog meanwhile.
  int lfd = -1;
  if (rank < n - 1) {
    const DeviceInfo &me = opts_.devices[rank];
    lfd = listenOn(me.host, me.port);
  }
  try {
    // Connect down, then accept from above: connections only go from higher to lower
    // rank, so rank 0 only accepts and every connect eventually finds its acceptor.
    for (int p = 0; p < rank; ++p) {
      const DeviceInfo &d = opts_.devices[p];
      int fd = connectWithRetry(d.host, d.port, opts_.timeoutS, who(p));
      peers_[p] = std::make_unique<Peer>();
      peers_[p]->rank = p;
      peers_[p]->fd = fd;
      handshakeAsConnector(p, fd);
    }
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::microseconds((int64_t)(opts_.timeoutS * 1e6));
    std::set<int> missing;
    for (int p = rank + 1; p < n; ++p)
      missing.insert(p);
    while (!missing.empty()) {
      const double left = std::chrono::duration<double>(
                              deadline - std::chrono::steady_clock::now()).count();
      std::string addr;
      int fd = left > 0 ? acceptWithTimeout(lfd, left, &addr) : -1;
      if (fd < 0) {
        std::string names;
        for (int p : missing)
          names += (names.empty() ? "" : ", ") + who(p);
        fail("timed out after ", secondsStr(opts_.timeoutS), " waiting for ", names,
             " to connect to ", opts_.devices[rank].host, ":", opts_.devices[rank].port);
      }
      int p;
      try {
        p = handshakeAsAcceptor(fd, addr, left);
      } catch (const Refused &e) {
        closeFd(fd);
        std::fprintf(stderr, "warning: %s: refused %s\n", who(rank).c_str(), e.what());
        continue;
      } catch (...) {
        closeFd(fd);
        throw;
      }
      if (!missing.count(p)) {
        closeFd(fd);
        fail("a second connection claims to be ", who(p), " (from ", addr, ")");
      }
      missing.erase(p);
    }
  } catch (...) {
    closeFd(lfd);
    throw;
  }
  closeFd(lfd);
  for (auto &peer : peers_)
    if (peer) {
      peer->checkTags = opts_.haveReceiveTable;
      for (const RecvSpec &r : opts_.receives)
        if (r.peer == peer->rank)
          peer->expected[r.tag] = {(uint32_t)r.wire, (uint64_t)r.bytes};
      peer->reader = std::thread([this, &p = *peer] { readerLoop(p); });
      peer->writer = std::thread([this, &p = *peer] { writerLoop(p); });
    }
}

void TcpTransport::handshakeAsConnector(int peer, int fd) {
  const wire::Hello mine = helloFor(opts_, peer);
  const std::string myBytes = wire::encodeHello(mine);
  const std::string w = who(peer);
  const bool keyed = !opts_.key.empty();
  try {
    writeAll(fd, myBytes.data(), myBytes.size(), opts_.timeoutS);
    std::string theirBytes;
    const wire::Hello theirs = readHello(fd, opts_.timeoutS, w, &theirBytes);
    if (theirs.sender != peer || theirs.receiver != opts_.rank)
      fail(w, ": answered as device ", theirs.sender, " expecting device ", theirs.receiver,
           " (do all devices use the same cluster file?)");
    const bool theyKeyed = theirs.flags & wire::kHelloHasKey;
    if (keyed && !theyKeyed)
      fail(w, ": holds no cluster key, and this device's cluster file requires one: refused");
    if (!keyed && theyKeyed)
      fail(w, ": requires a cluster key, and this device has none (\"key_file\" in the "
              "cluster file)");
    if (keyed) {
      const std::string transcript = myBytes + theirBytes;
      const std::string mine = auth::proof(opts_.key, "connector", transcript);
      writeAll(fd, mine.data(), mine.size(), opts_.timeoutS);
      const std::string theirProof = readProof(fd, opts_.timeoutS);
      if (theirProof.empty())
        fail(w, ": refused this device's cluster key (the keys differ)");
      if (!auth::sameProof(theirProof, auth::proof(opts_.key, "acceptor", transcript)))
        fail(w, ": failed to prove that it holds the cluster key: refused");
    }
    if (theirs.hash != opts_.modelHash)
      fail(w, ": model hash mismatch: this device runs ", opts_.modelHash, ", it runs ",
           theirs.hash);
  } catch (const ConnectionLost &e) {
    failPeerLost(w, ": lost connection during the handshake: ", e.what());
  }
}

int TcpTransport::handshakeAsAcceptor(int fd, const std::string &addr,
                                      double leftS) {
  const bool keyed = !opts_.key.empty();
  std::string from = "connection from " + addr;
  const int n = (int)opts_.devices.size();
  // A real peer sends its hello and proof at once; a connection that does not is
  // given at most kPreAuthS (and never beyond the accept deadline), however it
  // drips its bytes, so that a stranger can only delay the real peer's handshake.
  const auto preAuthEnd =
      std::chrono::steady_clock::now() +
      std::chrono::microseconds((int64_t)(std::min({leftS, opts_.timeoutS, kPreAuthS}) * 1e6));
  auto preAuthLeft = [&] {
    return std::max(0.001, std::chrono::duration<double>(
                               preAuthEnd - std::chrono::steady_clock::now()).count());
  };
  std::string theirBytes;
  wire::Hello theirs;
  try {
    theirs = readHello(fd, preAuthLeft(), from, &theirBytes, /*fixedDeadline=*/true);
    if (theirs.receiver != opts_.rank || theirs.sender <= opts_.rank || theirs.sender >= n)
      fail(from, ": claims to be device ", theirs.sender, " connecting to device ",
           theirs.receiver, ", but this is device ", opts_.rank, " of ", n,
           " (do all devices use the same cluster file?)");
  } catch (const Error &e) {
    // A keyed device does not let an unauthenticated connection stop it.
    if (keyed)
      throw Refused(e.what());
    throw;
  }
  const int p = theirs.sender;
  from += " claiming to be " + who(p);
  // Answer even on a mismatch so that the peer can report it too.
  const wire::Hello mine = helloFor(opts_, p);
  const std::string myBytes = wire::encodeHello(mine);
  try {
    writeAll(fd, myBytes.data(), myBytes.size(), opts_.timeoutS);
  } catch (const Error &e) {
    if (keyed)
      throw Refused(from + ": handshake: " + e.what());
    fail(who(p), ": handshake: ", e.what());
  }
  const bool theyKeyed = theirs.flags & wire::kHelloHasKey;
  if (keyed && !theyKeyed)
    throw Refused(from + ": it holds no cluster key");
  if (!keyed && theyKeyed)
    throw Refused(from + ": it offers a cluster key proof, but this device has no key "
                         "(\"key_file\" in the cluster file)");
  if (keyed) {
    const std::string transcript = theirBytes + myBytes;
    std::string theirProof;
    try {
      theirProof = readProof(fd, preAuthLeft(), /*fixedDeadline=*/true);
    } catch (const Error &e) {
      throw Refused(from + ": no cluster key proof: " + e.what());
    }
    if (theirProof.empty())
      throw Refused(from + ": closed before proving the cluster key");
    if (!auth::sameProof(theirProof, auth::proof(opts_.key, "connector", transcript)))
      throw Refused(from + ": wrong cluster key");
    const std::string proof = auth::proof(opts_.key, "acceptor", transcript);
    try {
      writeAll(fd, proof.data(), proof.size(), opts_.timeoutS);
    } catch (const Error &e) {
      fail(who(p), ": handshake: ", e.what());
    }
  }
  if (theirs.hash != opts_.modelHash)
    fail(who(p), ": model hash mismatch: this device runs ", opts_.modelHash, ", it runs ",
         theirs.hash);
  if (peers_[p])
    return p; // duplicate: reported by the caller
  peers_[p] = std::make_unique<Peer>();
  peers_[p]->rank = p;
  peers_[p]->fd = fd;
  return p;
}

void TcpTransport::readerLoop(Peer &p) {
  try {
    for (;;) {
      uint8_t hdr[wire::kHeaderSize];
      // Idle time between frames is unbounded (the peer may compute for long); a
      // frame, once started, must arrive within the timeout.
      bool got;
      for (;;) {
        if (stop_)
          return;
        try {
          got = readFull(p.fd, hdr, 1, 0.2, true, &stop_);
          break;
        } catch (const ConnectionLost &) {
          throw;
        } catch (const Error &) {
          if (stop_)
            return;
          continue; // 0.2 s without a byte: just idle
        }
      }
      if (got)
        readFull(p.fd, hdr + 1, sizeof hdr - 1, opts_.timeoutS, false, &stop_);
      if (!got) { // EOF between frames: clean only after a goodbye
        std::lock_guard<std::mutex> lk(mu_);
        if (p.state == Peer::Open)
          p.state = Peer::Lost;
        cv_.notify_all();
        return;
      }
      const wire::Header h = wire::decodeHeader(hdr);
      const std::string bad =
          wire::checkHeader(h, p.recvSeq, p.checkTags ? &p.expected : nullptr);
      if (!bad.empty())
        fail(bad);
      // recv checks the length again: a program without a receive table relies on it.
      Payload payload;
      payload.wire = (WireType)h.encoding;
      payload.bytes = (size_t)h.length;
      payload.words.assign((payload.bytes + 3) / 4, 0.0f);
      readFull(p.fd, payload.words.data(), h.length, opts_.timeoutS, false, &stop_);
      const uint32_t crc = crc32c(payload.data(), h.length);
      if (crc != h.crc)
        fail("frame checksum mismatch for tag ", h.tag, " (sequence ", h.seq, ")");
      ++p.recvSeq;
      std::lock_guard<std::mutex> lk(mu_);
      if (h.kind == wire::kBye)
        p.state = Peer::Bye;
      else
        p.mail[h.tag].push_back(std::move(payload));
      cv_.notify_all();
    }
  } catch (const ConnectionLost &e) {
    std::lock_guard<std::mutex> lk(mu_);
    if (p.state == Peer::Open)
      p.state = Peer::Lost;
    cv_.notify_all();
  } catch (const std::exception &e) {
    std::lock_guard<std::mutex> lk(mu_);
    if (!stop_ && p.state != Peer::Failed) {
      p.state = Peer::Failed;
      p.error = e.what();
    }
    cv_.notify_all();
  }
}

void TcpTransport::writerLoop(Peer &p) {
  for (;;) {
    Peer::OutFrame f;
    {
      std::unique_lock<std::mutex> lk(mu_);
      p.wcv.wait(lk, [&] { return p.wstop || !p.outq.empty(); });
      if (p.wstop)
        return;
      f = std::move(p.outq.front());
      p.outq.pop_front();
      p.writing = true;
    }
    try {
      wire::Header h;
      h.kind = f.kind;
      h.tag = f.tag;
      h.seq = f.seq;
      h.length = f.bytes;
      h.crc = crc32c(f.data.get(), f.bytes);
      h.encoding = f.encoding;
      uint8_t hdr[wire::kHeaderSize];
      wire::encodeHeader(h, hdr);
      writeAll(p.fd, hdr, sizeof hdr, opts_.timeoutS);
      writeAll(p.fd, f.data.get(), f.bytes, opts_.timeoutS);
    } catch (const std::exception &e) {
      const bool lost = dynamic_cast<const ConnectionLost *>(&e) != nullptr;
      const std::string what =
          f.kind == wire::kBye ? std::string("the goodbye") : cat("tag ", f.tag);
      std::lock_guard<std::mutex> lk(mu_);
      if (!p.sendFailed && !p.wstop) {
        p.sendFailed = true;
        p.sendLost = lost;
        p.sendError = lost ? cat("lost connection to ", who(p.rank), " while sending ", what,
                                 ": ", e.what())
                           : cat("sending ", what, " to ", who(p.rank), ": ", e.what());
      }
      p.outq.clear();
      p.queued = 0;
      p.writing = false;
      cv_.notify_all();
      return;
    }
    std::lock_guard<std::mutex> lk(mu_);
    p.queued -= f.bytes;
    p.writing = false;
    cv_.notify_all();
  }
}

void TcpTransport::throwSendError(const Peer &p) {
  if (p.sendLost)
    throw PeerLost(p.sendError);
  throw Error(p.sendError);
}

void TcpTransport::throwIfSendFailed() {
  for (auto &p : peers_)
    if (p && p->sendFailed)
      throwSendError(*p);
}

void TcpTransport::enqueue(Peer &p, uint16_t kind, int64_t tag, uint32_t encoding,
                           const void *data, size_t bytes) {
  {
    std::unique_lock<std::mutex> lk(mu_);
    throwIfSendFailed();
    // Bound the memory: wait while the queue is full. No deadline of our own: the
    // writer fails by itself after the timeout without progress, which wakes us.
    cv_.wait(lk, [&] {
      return p.sendFailed || p.queued == 0 || p.queued + bytes <= kMaxQueuedBytes;
    });
    throwIfSendFailed();
  }
  Peer::OutFrame f;
  f.kind = kind;
  f.tag = tag;
  f.encoding = encoding;
  f.bytes = bytes;
  f.data.reset(new uint8_t[bytes ? bytes : 1]);
  if (bytes)
    std::memcpy(f.data.get(), data, bytes);
  std::lock_guard<std::mutex> lk(mu_);
  throwIfSendFailed();
  f.seq = p.sendSeq++;
  p.queued += bytes;
  p.outq.push_back(std::move(f));
  p.wcv.notify_one();
}

void TcpTransport::send(int peer, int64_t tag, const float *data, size_t count) {
  sendPayload(peer, tag, WireType::F32, data, count * sizeof(float));
}

void TcpTransport::sendPayload(int peer, int64_t tag, WireType wire, const void *data,
                               size_t bytes) {
  Peer &p = peerFor(peer, "send");
  if (bytes > wire::kMaxPayload)
    fail("send of tag ", tag, " to ", who(peer), ": ", bytes,
         " bytes exceed the frame limit of ", wire::kMaxPayload);
  enqueue(p, wire::kData, tag, (uint32_t)wire, data, bytes);
  p.bytesSent += bytes;
}

void TcpTransport::checkSends() {
  std::lock_guard<std::mutex> lk(mu_);
  throwIfSendFailed();
}

void TcpTransport::flush() {
  std::unique_lock<std::mutex> lk(mu_);
  for (auto &pp : peers_) {
    if (!pp)
      continue;
    Peer &p = *pp;
    // Bounded: the writer fails by itself after the timeout without progress.
    cv_.wait(lk, [&] { return p.sendFailed || (p.outq.empty() && !p.writing); });
  }
  throwIfSendFailed();
}

FloatBuffer TcpTransport::recv(int peer, int64_t tag, size_t count) {
  return recvPayload(peer, tag, WireType::F32, count * sizeof(float), "").words;
}

Payload TcpTransport::recvPayload(int peer, int64_t tag, WireType wire, size_t bytes,
                                  const std::string &what) {
  Peer &p = peerFor(peer, "recv");
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::microseconds((int64_t)(opts_.timeoutS * 1e6));
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    // A background send that failed is reported by the next transfer call.
    throwIfSendFailed();
    // Data that arrived before a failure is still delivered.
    auto it = p.mail.find(tag);
    if (it != p.mail.end() && !it->second.empty()) {
      Payload v = std::move(it->second.front());
      it->second.pop_front();
      if (v.wire != wire)
        fail("tag ", tag, " from ", who(peer), " was sent as ", codec::wireName(v.wire),
             ", expected ", codec::wireName(wire));
      if (v.bytes != bytes)
        fail("tag ", tag, " from ", who(peer), " has ", v.bytes, " bytes, expected ", bytes,
             what.empty() ? "" : " for ", what);
      return v;
    }
    switch (p.state) {
    case Peer::Failed:
      fail("bad data from ", who(peer), " while waiting for tag ", tag, ": ", p.error);
    case Peer::Lost:
      failPeerLost("lost connection to ", who(peer), " while waiting for tag ", tag);
    case Peer::Bye:
      fail(who(peer), " finished without sending tag ", tag);
    case Peer::Open:
      break;
    }
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      auto again = p.mail.find(tag);
      if ((again == p.mail.end() || again->second.empty()) && p.state == Peer::Open)
        fail("timed out after ", secondsStr(opts_.timeoutS), " waiting for tag ", tag,
             " from ", who(peer));
    }
  }
}

uint64_t TcpTransport::bytesSent(int peer) const {
  if (peer < 0 || peer >= (int)peers_.size() || !peers_[peer])
    return 0;
  return peers_[peer]->bytesSent;
}

void TcpTransport::finish() {
  // The goodbye goes through the queue, after every frame queued before it; wait
  // (each write is bounded by the timeout without progress) until each queue is written.
  {
    std::unique_lock<std::mutex> lk(mu_);
    for (auto &pp : peers_) {
      if (!pp || pp->sendFailed || !pp->writer.joinable())
        continue;
      Peer::OutFrame f;
      f.kind = wire::kBye;
      f.seq = pp->sendSeq++;
      pp->outq.push_back(std::move(f));
      pp->wcv.notify_one();
    }
    for (auto &pp : peers_) {
      if (!pp || !pp->writer.joinable())
        continue;
      Peer &p = *pp;
      // Bounded: the writer fails by itself after the timeout without progress.
      cv_.wait(lk, [&] { return p.sendFailed || (p.outq.empty() && !p.writing); });
    }
  }
  for (auto &p : peers_)
    if (p)
      ::shutdown(p->fd, SHUT_WR);
  // Wait for every peer's goodbye (or loss) so that our close never resets a
  // connection the peer is still reading from; bounded by the timeout.
  {
    std::unique_lock<std::mutex> lk(mu_);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::microseconds((int64_t)(opts_.timeoutS * 1e6));
    cv_.wait_until(lk, deadline, [&] {
      for (auto &p : peers_)
        if (p && p->state == Peer::Open)
          return false;
      return true;
    });
  }
  stopReaders();
  // Our work is complete, but a peer that vanished without its goodbye did not
  // finish its own: the cluster's run failed, and this device says so.
  std::lock_guard<std::mutex> lk(mu_);
  for (auto &p : peers_) {
    if (!p)
      continue;
    if (p->sendFailed)
      throwSendError(*p);
    // A peer still Open may simply still be computing (a pipeline stage behind
    // us): our goodbye is sent, it finishes on its own.
    if (p->state == Peer::Lost)
      failPeerLost("lost connection to ", who(p->rank), " after its last transfer (no goodbye)");
    if (p->state == Peer::Failed)
      fail("bad data from ", who(p->rank), " after its last transfer: ", p->error);
  }
}

void TcpTransport::stopReaders() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto &p : peers_)
      if (p) {
        p->wstop = true;
        p->wcv.notify_all();
      }
  }
  for (auto &p : peers_) {
    if (!p)
      continue;
    // Wakes a writer blocked on a full socket (its write fails at once); the peer
    // sees an end of stream, without a goodbye unless finish() sent one.
    if (p->fd >= 0)
      ::shutdown(p->fd, SHUT_WR);
    if (p->writer.joinable())
      p->writer.join();
    if (p->reader.joinable())
      p->reader.join();
    closeFd(p->fd);
  }
}

} // namespace rt
} // namespace sepnn
