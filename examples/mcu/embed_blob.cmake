# Writes a C++ source holding a binary file as a 16-byte aligned const array (for flash):
#   cmake -DIN=model.mubi -DOUT=blob.cpp -DNAME=mubi_model_blob -P embed_blob.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR bytes "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}.tmp"
"// Generated from ${IN} by examples/mcu/embed_blob.cmake. Do not edit.\n"
"#include <cstddef>\n"
"alignas(16) extern const unsigned char ${NAME}[${bytes}] = {\n${body}};\n"
"extern const std::size_t ${NAME}_size = ${bytes};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
