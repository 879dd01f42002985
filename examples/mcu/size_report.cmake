# Prints the size report of a firmware after linking: flash = text + data (code, read-only
# data including the model blob, initial values of .data), RAM = data + bss (static
# buffers, the reserved stack); the firmware itself prints the measured stack high-water.
execute_process(COMMAND "${SIZE}" --format=berkeley "${ELF}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "size failed on ${ELF}")
endif()
string(REGEX MATCH "\n *([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)" row "${out}")
set(text ${CMAKE_MATCH_1})
set(data ${CMAKE_MATCH_2})
set(bss ${CMAKE_MATCH_3})
math(EXPR flash "${text} + ${data}")
math(EXPR ram "${data} + ${bss}")
get_filename_component(name "${ELF}" NAME)
message("size report ${name}: flash ${flash} B (text ${text} + data ${data}), RAM ${ram} B (data ${data} + bss ${bss}, stack reservation included)")
