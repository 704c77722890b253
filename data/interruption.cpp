#include "data/interruption.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>

namespace sgds::interruption {

namespace {

// Fixed storage the handler can read without allocating: a slot holds a path while its state is
// kActive. A writer claims a free slot, fills it, then publishes it.
constexpr int kSlots = 64;
constexpr std::size_t kPathBytes = 4096;
constexpr int kFree = 0, kFilling = 1, kActive = 2;
std::atomic<int> slot_state[kSlots];
char slot_path[kSlots][kPathBytes];

// Two message buffers; `message_index` says which one is whole (the other may be being written).
constexpr std::size_t kMessageBytes = 2048;
char message_buffer[2][kMessageBytes];
std::atomic<int> message_index{-1};
std::atomic<bool> handling{false};

void say(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t wrote = ::write(STDERR_FILENO, text, left);
    if (wrote <= 0) return;
    text += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
}

void on_signal(int signal_number) {
  if (handling.exchange(true)) return;  // a second signal while the first is handled: let it finish
  for (int i = 0; i < kSlots; ++i)
    if (slot_state[i].load() == kActive) ::unlink(slot_path[i]);
  const char* name = signal_number == SIGINT ? "SIGINT" : signal_number == SIGTERM ? "SIGTERM" : "SIGHUP";
  say("\nsgdsmooth: interrupted by ");
  say(name);
  say(": ");
  const int index = message_index.load();
  say(index >= 0 ? message_buffer[index] : "nothing was written");
  say("\n");
  ::_exit(128 + signal_number);
}

}  // namespace

void install_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&action.sa_mask, s);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &action, nullptr);
}

void restore_default_handlers() {
  for (int s : {SIGINT, SIGTERM, SIGHUP}) std::signal(s, SIG_DFL);
}

TemporaryFile::TemporaryFile(const std::string& path) {
  if (path.size() >= kPathBytes) return;  // not removable on a signal; left for the next run's cleanup
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (slot_state[i].compare_exchange_strong(expected, kFilling)) {
      std::memcpy(slot_path[i], path.c_str(), path.size() + 1);
      slot_state[i].store(kActive);
      slot_ = i;
      return;
    }
  }
}

void TemporaryFile::release() {
  if (slot_ >= 0) slot_state[slot_].store(kFree);
  slot_ = -1;
}

void set_kept_message(const std::string& message) {
  if (message.empty()) {
    message_index.store(-1);
    return;
  }
  const int index = message_index.load() == 0 ? 1 : 0;  // the buffer the handler is not pointed at
  const std::size_t size = std::min(message.size(), kMessageBytes - 1);
  std::memcpy(message_buffer[index], message.data(), size);
  message_buffer[index][size] = '\0';
  message_index.store(index);
}

}  // namespace sgds::interruption
