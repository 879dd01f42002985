// What consumer_dispatch registers with mubi_dispatch().
#pragma once

#include <mubi/mubi.hpp>
#include <mubi/dispatch/dispatch.hpp>

namespace consumer {
using Net = mubi::Folded<mubi::configs::UciHar<>>;
using Models = mubi::dispatch::Models<Net, mubi::Int8<mubi::configs::UciHar<>>>;
}  // namespace consumer
