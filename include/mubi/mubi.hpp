// mubi: the μBi-ConvLSTM HAR network as a header-only, compile-time-sized C++17 library.
// This umbrella header includes the layers, the front end, the model types and the blob
// reader, and the build's default backend (backend/default.hpp): xsimd when its header is on
// the include path, Scalar otherwise; never Eigen. No heap, no exceptions, no RTTI needed.
#pragma once

#include "config.hpp"
#include "status.hpp"
#include "core/descriptor.hpp"
#include "core/shape.hpp"
#include "backend/default.hpp"
#include "eval/confusion.hpp"
#include "format/blob.hpp"
#include "frontend/frontend.hpp"
#include "layers/aggregate.hpp"
#include "layers/batchnorm.hpp"
#include "layers/bilstm.hpp"
#include "layers/conv1d.hpp"
#include "layers/dense.hpp"
#include "layers/lstm.hpp"
#include "layers/maxpool1d.hpp"
#include "layers/normalize.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"
#include "model/configs.hpp"
#include "model/fold.hpp"
#include "model/model.hpp"
#include "model/quantized.hpp"
#include "model/sequential.hpp"
#include "model/with_frontend.hpp"
#include "runtime/batch.hpp"
#include "runtime/frontend_stream.hpp"
#include "runtime/stream.hpp"
