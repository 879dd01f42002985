// mubi: errors are values. Every function that can fail returns a Status.
#pragma once

namespace mubi {

enum class Status : unsigned char {
  ok = 0,
  truncated,            // fewer bytes than the header or its total_bytes announce
  bad_magic,            // not a mubi blob
  unsupported_version,  // a format version this build does not read
  unknown_dtype,        // dtype code not defined by the format
  bad_header,           // inconsistent sizes / offsets / reserved bytes in the header
  size_mismatch,        // more bytes than total_bytes
  bad_checksum,         // CRC-32 differs: the bytes were damaged
  wrong_dtype,          // a valid blob of another numeric type than the model's
  wrong_architecture,   // a valid blob of another architecture (signature differs)
  bad_layer_table,      // layer table does not hash to the signature / differs from the model
  bad_tensor_table,     // tensor descriptors differ from what the model expects
  misaligned,           // bind(): payload not on a 16-byte boundary
  non_finite_weight,    // NaN or infinity among the float weights
  invalid_parameter,    // a weight outside its domain (std <= 0, running_var < 0)
  not_ready,            // inference before a successful load() or bind()
  // front end (format version 2)
  non_finite_coefficient,  // NaN or infinity among a front end's filter coefficients
  unstable_filter,         // a second-order section not normalized (a0 = 1) or with a pole on or outside |z| = 1
  channel_out_of_range,    // a Select stage names a channel the bank before it does not have
  // runtime dispatch
  isa_unavailable,  // select_isa(): this CPU lacks the instruction set, or the build has no kernels for it
};

constexpr const char* to_string(Status s) noexcept {
  switch (s) {
    case Status::ok: return "ok";
    case Status::truncated: return "truncated";
    case Status::bad_magic: return "bad_magic";
    case Status::unsupported_version: return "unsupported_version";
    case Status::unknown_dtype: return "unknown_dtype";
    case Status::bad_header: return "bad_header";
    case Status::size_mismatch: return "size_mismatch";
    case Status::bad_checksum: return "bad_checksum";
    case Status::wrong_dtype: return "wrong_dtype";
    case Status::wrong_architecture: return "wrong_architecture";
    case Status::bad_layer_table: return "bad_layer_table";
    case Status::bad_tensor_table: return "bad_tensor_table";
    case Status::misaligned: return "misaligned";
    case Status::non_finite_weight: return "non_finite_weight";
    case Status::invalid_parameter: return "invalid_parameter";
    case Status::not_ready: return "not_ready";
    case Status::non_finite_coefficient: return "non_finite_coefficient";
    case Status::unstable_filter: return "unstable_filter";
    case Status::channel_out_of_range: return "channel_out_of_range";
    case Status::isa_unavailable: return "isa_unavailable";
  }
  return "unknown_status";
}

}  // namespace mubi
