#include "transport/mpi.h"

#include "tensor.h"
#include "transport/socket.h"
#include "transport/wire_codec.h"

#include <mpi.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <thread>

namespace sepnn {
namespace rt {
namespace {

// Every message is this header followed by the payload.
struct Header {
  uint32_t wire;
  uint32_t reserved;
};

constexpr int kHashChars = 128; // a hash is 64 hex digits

std::string mpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, (size_t)length);
}

void check(int code, const std::string &what) {
  if (code != MPI_SUCCESS)
    fail(what, ": ", mpiError(code));
}

} // namespace

struct MpiTransport::State {
  struct Pending {
    MPI_Request request;
    std::vector<uint8_t> buffer; // alive until the send completes
  };
  std::deque<Pending> pending;
  std::vector<uint64_t> sent;
  int tagLimit = 32767; // MPI guarantees at least this much
  bool finalized = false;
};

MpiTransport::MpiTransport(TransportOptions opts)
    : opts_(std::move(opts)), state_(std::make_unique<State>()) {
  // Every rank reads the same cluster file, so all of them stop here.
  if (!opts_.key.empty())
    fail("key_file: cluster keys authenticate TCP connections; an MPI job is "
         "authenticated by its launcher (mpirun over ssh): run with --transport tcp");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided),
          "MPI_Init_thread");
  }
  // Errors come back as codes (and become messages naming the peer) instead
  // of aborting the job from inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int size = 0, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int n = (int)opts_.devices.size();
  if (size != n)
    fail("the MPI job has ", size, " rank(s) but the cluster has ", n,
         " devices (launch one executable per device)");
  if (rank != opts_.rank)
    fail("this is device ", opts_.rank, " but MPI gave it rank ", rank,
         " (list the executables in device order)");
  state_->sent.assign((size_t)n, 0);
  void *ub = nullptr;
  int found = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &found);
  if (found && ub)
    state_->tagLimit = *static_cast<int *>(ub);

  // The handshake: every rank must run the same model.
  char mine[kHashChars] = {};
  std::strncpy(mine, opts_.modelHash.c_str(), kHashChars - 1);
  std::vector<char> all((size_t)n * kHashChars);
  check(MPI_Allgather(mine, kHashChars, MPI_CHAR, all.data(), kHashChars,
                      MPI_CHAR, MPI_COMM_WORLD),
        "handshake");
  for (int p = 0; p < n; ++p)
    if (std::strncmp(mine, &all[(size_t)p * kHashChars], kHashChars) != 0)
      fail(who(p), " runs another model (hash ",
           std::string(&all[(size_t)p * kHashChars]), ", this device has ",
           mine, ")");
}

MpiTransport::~MpiTransport() {
  // Without finish() (an error): leave MPI initialized and the sends pending;
  // the process exits non-zero and mpirun stops the job.
}

std::string MpiTransport::who(int peer) const { return peerName(opts_.devices, peer); }

void MpiTransport::sendPayload(int peer, int64_t tag, WireType wire,
                               const void *data, size_t bytes) {
  if (peer < 0 || peer >= (int)opts_.devices.size() || peer == opts_.rank)
    fail("send: no peer device ", peer);
  if (tag < 0 || tag > state_->tagLimit)
    fail("send to ", who(peer), ": tag ", tag, " exceeds MPI's limit ",
         state_->tagLimit);
  if (bytes + sizeof(Header) > (size_t)INT32_MAX)
    fail("send to ", who(peer), ": ", bytes, " bytes exceed one MPI message");
  checkSends();
  State::Pending p;
  p.buffer.resize(sizeof(Header) + bytes);
  Header h{(uint32_t)wire, 0};
  std::memcpy(p.buffer.data(), &h, sizeof h);
  if (bytes)
    std::memcpy(p.buffer.data() + sizeof h, data, bytes);
  check(MPI_Isend(p.buffer.data(), (int)p.buffer.size(), MPI_BYTE, peer,
                  (int)tag, MPI_COMM_WORLD, &p.request),
        "send to " + who(peer));
  state_->pending.push_back(std::move(p));
  state_->sent[(size_t)peer] += bytes;
}

void MpiTransport::send(int peer, int64_t tag, const float *data, size_t count) {
  sendPayload(peer, tag, WireType::F32, data, count * sizeof(float));
}

Payload MpiTransport::recvPayload(int peer, int64_t tag, WireType wire,
                                  size_t bytes, const std::string &what) {
  if (peer < 0 || peer >= (int)opts_.devices.size() || peer == opts_.rank)
    fail("recv: no peer device ", peer);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::microseconds((int64_t)(opts_.timeoutS * 1e6));
  MPI_Status status;
  for (auto pause = std::chrono::microseconds(20);;) {
    int flag = 0;
    check(MPI_Iprobe(peer, (int)tag, MPI_COMM_WORLD, &flag, &status),
          "waiting for tag " + std::to_string(tag) + " from " + who(peer));
    if (flag)
      break;
    checkSends(); // progresses our own sends meanwhile
    if (std::chrono::steady_clock::now() > deadline)
      fail("timed out after ", secondsStr(opts_.timeoutS), " waiting for tag ",
           tag, " from ", who(peer));
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
  int length = 0;
  MPI_Get_count(&status, MPI_BYTE, &length);
  if ((size_t)length != sizeof(Header) + bytes)
    fail("tag ", tag, " from ", who(peer), ": expected ", what, " (", bytes,
         " bytes), got ", length - (int)sizeof(Header), " bytes");
  std::vector<uint8_t> message((size_t)length);
  check(MPI_Recv(message.data(), length, MPI_BYTE, peer, (int)tag,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "tag " + std::to_string(tag) + " from " + who(peer));
  Header h;
  std::memcpy(&h, message.data(), sizeof h);
  if (h.wire != (uint32_t)wire)
    fail("tag ", tag, " from ", who(peer), ": expected ", codec::wireName(wire),
         " data, got wire type ", h.wire);
  Payload out;
  out.wire = wire;
  out.bytes = bytes;
  out.words.assign((bytes + 3) / 4, 0.0f);
  if (bytes)
    std::memcpy(out.words.data(), message.data() + sizeof h, bytes);
  return out;
}

FloatBuffer MpiTransport::recv(int peer, int64_t tag, size_t count) {
  Payload p = recvPayload(peer, tag, WireType::F32, count * sizeof(float),
                          "f32 x " + std::to_string(count));
  p.words.resize(count);
  return std::move(p.words);
}

uint64_t MpiTransport::bytesSent(int peer) const {
  return peer >= 0 && peer < (int)state_->sent.size() ? state_->sent[(size_t)peer]
                                                      : 0;
}

void MpiTransport::checkSends() {
  // Retire completed sends (in order: MPI completes them independently, but
  // the front is the oldest and the buffers are released from there).
  auto &pending = state_->pending;
  while (!pending.empty()) {
    int done = 0;
    MPI_Status status;
    check(MPI_Test(&pending.front().request, &done, &status), "send");
    if (!done)
      break;
    pending.pop_front();
  }
}

void MpiTransport::flush() {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::microseconds((int64_t)(opts_.timeoutS * 1e6));
  for (;;) {
    checkSends();
    if (state_->pending.empty())
      return;
    if (std::chrono::steady_clock::now() > deadline)
      fail("timed out after ", secondsStr(opts_.timeoutS), " with ",
           state_->pending.size(), " send(s) not taken by their receivers");
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void MpiTransport::finish() {
  if (state_->finalized)
    return;
  try {
    flush();
  } catch (...) {
    return; // the error was reported by the caller's own flush
  }
  MPI_Finalize();
  state_->finalized = true;
}

} // namespace rt
} // namespace sepnn
