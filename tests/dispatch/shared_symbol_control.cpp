// A control for check_isa_objects.cmake: an object as a careless per-ISA unit would be, with
// a plain inline function (a weak symbol shared with every other unit that uses it) next to
// functions typed by the backend. The check must refuse it.
#include "dispatch_models.hpp"

inline float mubi_untyped_helper(const float* x, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i) s += x[i] * x[i];
  return s;
}

#include <mubi/backend/x86/avx2.hpp>
#define MUBI_DISPATCH_BACKEND ::mubi::backend::Avx2
#define MUBI_DISPATCH_MODELS ::mubi::dispatch::Models<dispatch_test::F<mubi::configs::UciHar<>>>
#include <mubi/dispatch/register.hpp>

float (*volatile mubi_keep_helper)(const float*, int) = &mubi_untyped_helper;
