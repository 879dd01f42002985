// Cortex-M4F startup for the example firmware: vector table, reset handler (FPU on, .data
// copied from flash, .bss zeroed, constructors, main, semihosting exit with main's code)
// and fault handlers that report and exit non-zero instead of hanging.
#include <cstdint>

#include "semihost.hpp"

extern "C" {
extern std::uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__, __stack_top__;
extern void (*__init_array_start)(), (*__init_array_end)();
int main();

[[noreturn]] void Reset_Handler() {
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED88) |= 0xFu << 20;  // CP10, CP11: full FPU access
  asm volatile("dsb\n isb" ::: "memory");
  const std::uint32_t* from = &__data_load__;
  for (std::uint32_t* to = &__data_start__; to < &__data_end__;) *to++ = *from++;
  for (std::uint32_t* to = &__bss_start__; to < &__bss_end__;) *to++ = 0;
  for (void (**f)() = &__init_array_start; f < &__init_array_end; ++f) (*f)();
  semihost::exit(main());
}

[[noreturn]] void Fault_Handler() {
  semihost::write("FATAL: fault\n");
  semihost::exit(3);
}

using Handler = void (*)();
__attribute__((section(".isr_vector"), used)) const Handler vector_table[16] = {
    reinterpret_cast<Handler>(&__stack_top__),
    Reset_Handler,
    Fault_Handler,  // NMI
    Fault_Handler,  // HardFault
    Fault_Handler,  // MemManage
    Fault_Handler,  // BusFault
    Fault_Handler,  // UsageFault
    nullptr, nullptr, nullptr, nullptr,
    Fault_Handler,  // SVC
    Fault_Handler,  // DebugMon
    nullptr,
    Fault_Handler,  // PendSV
    Fault_Handler,  // SysTick (never enabled with interrupts)
};
}
