// Minimal Arm semihosting for the example firmware under QEMU: console output, reading a
// host file (the sensor stream stands in for an IMU driver) and the exit code. No printf:
// newlib-nano's printf allocates, and nothing in this firmware may.
#pragma once

#include <cstddef>
#include <cstdint>

namespace semihost {

inline int call(int op, const void* arg) {
  register int r0 asm("r0") = op;
  register const void* r1 asm("r1") = arg;
  asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

// Opens a host file (a string literal: its length is known, so no strlen is linked); mode 0
// "r", 1 "rb", 4 "w". Returns -1 on failure.
template <std::size_t N>
inline int open(const char (&path)[N], int mode) {
  const std::uintptr_t block[3] = {reinterpret_cast<std::uintptr_t>(path), static_cast<std::uintptr_t>(mode), N - 1};
  return call(0x01, block);
}

// Reads exactly n bytes; false at end of file or on error.
inline bool read(int fd, void* to, std::size_t n) {
  const std::uintptr_t block[3] = {static_cast<std::uintptr_t>(fd), reinterpret_cast<std::uintptr_t>(to), n};
  return call(0x06, block) == 0;  // SYS_READ returns the number of bytes NOT read
}

// A NUL-terminated string to the debug console (SYS_WRITE0: no length, no file to open).
inline void write(const char* s) { call(0x04, s); }

inline void write(std::uint32_t v) {
  char buf[11];
  char* p = buf + sizeof buf;
  *--p = '\0';
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  write(p);
}

[[noreturn]] inline void exit(int code) {
  const std::uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, static_cast<std::uint32_t>(code)};
  call(0x20 /* SYS_EXIT_EXTENDED */, block);
  for (;;) {
  }
}

}  // namespace semihost
