// mubi's Python extension (pybind11): mubi.Model loads a blob whose architecture this module
// was built with (examples/cli/registry.hpp: the same list as the `mubi` tool), float or
// int8, with or without a front end, and classifies NumPy windows with the C++ library on
// every core (infer_batch), the GIL released. Errors raise: a refused blob raises
// mubi.LoadError carrying the status name, wrong shapes or dtypes raise ValueError/TypeError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <mubi/host/std_threads.hpp>
#include <mubi/mubi.hpp>

#include "registry.hpp"

namespace py = pybind11;

namespace {

// What Model needs of a loaded model, whatever its type.
struct Loaded {
  virtual ~Loaded() = default;
  virtual std::size_t window() const = 0;
  virtual std::size_t channels() const = 0;
  virtual std::size_t classes() const = 0;
  virtual mubi::Status predict(const float* in, std::size_t n, float* out, std::size_t workers) const = 0;
  virtual py::dict info() const = 0;
};

template <class D>
struct LoadedAs final : Loaded {
  using M = mubi::Model<D>;
  std::unique_ptr<M> model = std::make_unique<M>();

  std::size_t window() const override { return D::In::len; }
  std::size_t channels() const override { return D::In::ch; }
  std::size_t classes() const override { return D::output_size; }
  mubi::Status predict(const float* in, std::size_t n, float* out, std::size_t workers) const override {
    std::vector<typename M::Arena> arenas(workers);  // per call: predict() may run in several threads
    return mubi::infer_batch(*model, in, n, out, arenas.data(), workers, mubi::host::StdThreads{});
  }
  py::dict info() const override {
    py::dict d;
    d["dtype"] = D::dtype == mubi::DType::i8 ? "int8" : "float32";
    d["window"] = D::In::len;
    d["channels"] = D::In::ch;
    d["classes"] = D::output_size;
    d["parameters"] = D::params;
    d["macs"] = D::macs;
    d["weight_bytes"] = D::weight_bytes;
    d["arena_bytes"] = D::arena_bytes;
    d["blob_bytes"] = D::blob_bytes;
    d["backend"] = M::backend::name;
    using FE = mubi::detail::FrontEndOf<D>;
    if constexpr (!std::is_void_v<FE>) {
      d["raw_channels"] = FE::raw_channels;
      d["frontend_lag"] = FE::lag;
    }
    return d;
  }
};

// Every model type the registry compiles, as the tool dispatches them.
template <class Fn>
bool dispatch(const mubi::format::BlobView& v, Fn&& fn) {
  const bool int8 = v.dtype == static_cast<std::uint8_t>(mubi::DType::i8);
  if (v.version == mubi::format::kVersionFrontEnd)
    return cli::dispatch_raw(v.signature, [&](auto tag) {
      using R = typename decltype(tag)::type;
      if (int8)
        fn(cli::Tag<mubi::WithFrontEnd<typename R::frontend, mubi::Int8<typename R::network>>>{});
      else
        fn(cli::Tag<mubi::WithFrontEnd<typename R::frontend, mubi::Folded<typename R::network>>>{});
    });
  return cli::dispatch(v.signature, [&](auto tag) {
    using A = typename decltype(tag)::type;
    if (int8)
      fn(cli::Tag<mubi::Int8<A>>{});
    else
      fn(cli::Tag<mubi::Folded<A>>{});
  });
}

struct LoadError : std::exception {};

class Model {
 public:
  explicit Model(const std::string& path) : path_(path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw py::value_error("mubi: cannot read " + path);
    const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    mubi::format::BlobView v;
    mubi::Status s = mubi::format::parse_header(bytes.data(), bytes.size(), v);
    if (s == mubi::Status::ok) {
      const bool found = dispatch(v, [&](auto tag) {
        auto loaded = std::make_unique<LoadedAs<typename decltype(tag)::type>>();
        s = loaded->model->load(bytes.data(), bytes.size());
        if (s == mubi::Status::ok) impl_ = std::move(loaded);
      });
      if (!found) {
        char sig[32];
        std::snprintf(sig, sizeof sig, "0x%016" PRIx64, v.signature);
        raise_load_error(path + ": no model type for its architecture (signature " + sig +
                             ") is compiled into this module",
                         "wrong_architecture");
      }
    }
    if (s != mubi::Status::ok) raise_load_error(path + ": " + mubi::to_string(s), mubi::to_string(s));
  }

  // x: (N, T, C) float32 windows (C-contiguous) -> (N, classes) float32 logits.
  py::array_t<float> predict(const py::array& x, std::size_t workers) const {
    if (!py::isinstance<py::array_t<float>>(x) || x.dtype().kind() != 'f' || x.itemsize() != 4)
      throw py::type_error("mubi.Model.predict: x must be a float32 array");
    const std::size_t T = impl_->window(), C = impl_->channels(), K = impl_->classes();
    if (x.ndim() != 3 || static_cast<std::size_t>(x.shape(1)) != T || static_cast<std::size_t>(x.shape(2)) != C)
      throw py::value_error("mubi.Model.predict: x must have the shape (N, " + std::to_string(T) + ", " +
                            std::to_string(C) + ")");
    const auto in = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(x);
    const std::size_t n = static_cast<std::size_t>(x.shape(0));
    py::array_t<float> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(K)});
    const float* src = in.data();
    float* dst = out.mutable_data();
    const std::size_t w = workers ? workers : mubi::host::hardware_workers();
    mubi::Status s;
    {
      py::gil_scoped_release release;
      s = impl_->predict(src, n, dst, n < w ? (n ? n : 1) : w);
    }
    if (s != mubi::Status::ok) throw std::runtime_error(std::string("mubi.Model.predict: ") + mubi::to_string(s));
    return out;
  }

  py::dict info() const {
    py::dict d = impl_->info();
    d["path"] = path_;
    return d;
  }
  std::size_t window() const { return impl_->window(); }
  std::size_t channels() const { return impl_->channels(); }
  std::size_t classes() const { return impl_->classes(); }

 private:
  [[noreturn]] static void raise_load_error(const std::string& message, const char* status) {
    py::object error = py::module_::import("mubi").attr("LoadError")(message, status);
    PyErr_SetObject(error.get_type().ptr(), error.ptr());
    throw py::error_already_set();
  }

  std::string path_;
  std::unique_ptr<Loaded> impl_;
};

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "mubi's C++ inference (header-only library) for NumPy windows";
  py::class_<Model>(m, "Model")
      .def(py::init<const std::string&>(), py::arg("path"),
           "Loads a blob (float or int8, with or without a front end); raises mubi.LoadError.")
      .def("predict", &Model::predict, py::arg("x"), py::arg("workers") = 0,
           "(N, T, C) float32 windows -> (N, classes) float32 logits, on every core (workers=0).")
      .def("info", &Model::info, "Sizes, counts and types of the loaded model.")
      .def_property_readonly("window", &Model::window)
      .def_property_readonly("channels", &Model::channels)
      .def_property_readonly("classes", &Model::classes);
  m.def("status_names", [] {
    py::list names;
    for (int i = 0; i <= static_cast<int>(mubi::Status::isa_unavailable); ++i)
      names.append(mubi::to_string(static_cast<mubi::Status>(i)));
    return names;
  });
}
