#include "common/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace smallset {
namespace {

std::atomic<bool> g_interrupted{false};

void HandleSignal(int signal_number) {
  if (g_interrupted.exchange(true)) {
    // Second signal: the user wants out now.
    _exit(128 + signal_number);
  }
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = HandleSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool InterruptRequested() { return g_interrupted.load(std::memory_order_relaxed); }

void RequestInterrupt() { g_interrupted.store(true); }

}  // namespace smallset
