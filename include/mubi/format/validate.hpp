// mubi: validation steps 9-15 of docs/format.md, the checks that need the model type, in one
// place: load() and bind() both call validate() after parse_header() (steps 1-8).
#pragma once

#include <cstdint>
#include <type_traits>

#include "../config.hpp"
#include "../status.hpp"
#include "blob.hpp"

namespace mubi::format {

enum class Use : unsigned char { load, bind };

namespace detail {
template <class T>
struct TypeTag {
  using type = T;
};
}  // namespace detail

// Which architecture a valid blob has: the model's own, or the one it folds from (load()).
enum class Match : unsigned char { none, model, source };

// Checks the blob `v` against model type A, or against Source (the trained architecture a
// Folded model folds on load; void if none, and never for bind()): dtype (9), signature
// (10), layer and tensor tables (11-12), payload alignment for bind (13), coefficients and
// values (13a-15). On success `matched` says which architecture the blob has.
template <class A, class Source = void>
Status validate(const BlobView& v, Use use, Match& matched) noexcept {
  matched = Match::none;
  if (v.dtype != static_cast<std::uint8_t>(A::dtype)) return Status::wrong_dtype;
  const auto check = [&](auto tag) {
    using E = typename decltype(tag)::type;
    if (const Status s = E::check_tables(v); s != Status::ok) return s;
    if (use == Use::bind && reinterpret_cast<std::uintptr_t>(v.payload()) % kAlign != 0) return Status::misaligned;
    return E::check_values(v.payload());
  };
  Status s = Status::wrong_architecture;
  if (v.signature == A::signature) {
    s = check(detail::TypeTag<A>{});
    matched = Match::model;
  } else if constexpr (!std::is_void_v<Source>) {
    if (use == Use::load && v.signature == Source::signature) {
      s = check(detail::TypeTag<Source>{});
      matched = Match::source;
    }
  }
  if (s != Status::ok) matched = Match::none;
  return s;
}

}  // namespace mubi::format
