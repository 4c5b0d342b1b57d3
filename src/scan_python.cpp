// scan_python.cpp: the python scanner, on CPython's embedding API (Python 3 C API, "Embedding
// Python in Another Application" and "Python Initialization Configuration", PEP 587).
#include "scan_python.h"

// Python.h must come before the standard headers (Python docs, "Include Files").
#include <Python.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

namespace tcpflow {
namespace {

constexpr std::string_view kResultElement = "tcpflow:result";

struct PyDecRef {
  void operator()(PyObject* object) const { Py_XDECREF(object); }
};
// An owned (new) reference.
using PyRef = std::unique_ptr<PyObject, PyDecRef>;

// The UTF-8 text of a str object; nullopt with a Python error set when it cannot be encoded
// (lone surrogates).
std::optional<std::string> Utf8(PyObject* text) {
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(text, &size);
  if (utf8 == nullptr) return std::nullopt;
  return std::string(utf8, static_cast<std::size_t>(size));
}

// str(object) as UTF-8; nullopt with a Python error set when str() raised.
std::optional<std::string> StrOf(PyObject* object) {
  PyRef text(PyObject_Str(object));
  if (!text) return std::nullopt;
  return Utf8(text.get());
}

// Takes the pending Python exception (clearing it) and describes it as "Type: message", or
// just "Type" when the message is empty.
std::string TakeError() {
#if PY_VERSION_HEX >= 0x030C0000
  PyRef value(PyErr_GetRaisedException());
#else
  PyObject* raw_type = nullptr;
  PyObject* raw_value = nullptr;
  PyObject* raw_traceback = nullptr;
  PyErr_Fetch(&raw_type, &raw_value, &raw_traceback);
  PyErr_NormalizeException(&raw_type, &raw_value, &raw_traceback);
  PyRef type(raw_type);
  PyRef traceback(raw_traceback);
  PyRef value(raw_value);
#endif
  if (!value) return "unknown Python error";
  std::string description = "exception";
  PyRef name(PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(value.get())), "__name__"));
  if (name && PyUnicode_Check(name.get())) {
    if (auto text = Utf8(name.get())) description = *text;
  }
  PyErr_Clear();
  std::optional<std::string> message = StrOf(value.get());
  PyErr_Clear();  // an exception whose str() raises is described by its type alone
  if (message && !message->empty()) description += ": " + *message;
  return description;
}

// The text a result object stands for: the str itself, or str(result) for other objects;
// nullopt with a Python error set when that fails.
std::optional<std::string> ResultText(PyObject* result) {
  if (PyUnicode_Check(result)) return Utf8(result);
  return StrOf(result);
}

}  // namespace

// The interpreter and the objects the scanner holds in it. Exists only while the interpreter
// runs: the destructor drops the references and finalises it.
struct PythonScanner::Interpreter {
  Interpreter() = default;
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;
  ~Interpreter() {
    function.reset();
    module.reset();
    Py_FinalizeEx();
  }

  PyRef module;
  PyRef function;
};

bool MakePythonScanConfig(const Config& config, PythonScanConfig* out, std::string* error) {
  const PythonSettings& settings = config.scanners.python;
  if (settings.module.empty()) {
    *error = "python scanner: give the plugin module with -S py_module=NAME";
    return false;
  }
  if (settings.function.empty()) {
    *error = "python scanner: give the function to call with -S py_function=NAME";
    return false;
  }
  *out = settings;
  return true;
}

std::unique_ptr<Scanner> MakePythonScanner(const ScannerContext& context, std::string* error) {
  // -a and -e all include python only when a plugin is configured: it has nothing to run
  // otherwise. Named with -e python / -E python, a missing plugin is an error.
  if (!context.enabled || (!context.named && context.config.scanners.python.module.empty())) {
    return nullptr;
  }
  PythonScanConfig python;
  if (!MakePythonScanConfig(context.config, &python, error)) return nullptr;
  return PythonScanner::Create(python, context.anomalies, error);
}

std::unique_ptr<PythonScanner> PythonScanner::Create(const PythonScanConfig& config,
                                                     AnomalyCounters& anomalies,
                                                     std::string* error) {
  if (Py_IsInitialized()) {
    *error =
        "python scanner: a Python interpreter is already running (only one python scanner may "
        "exist at a time)";
    return nullptr;
  }

  // UTF-8 mode, and leave the process locale alone (-c's isprint() depends on it).
  PyPreConfig preconfig;
  PyPreConfig_InitPythonConfig(&preconfig);
  preconfig.configure_locale = 0;
  preconfig.utf8_mode = 1;
  PyStatus status = Py_PreInitialize(&preconfig);
  if (PyStatus_Exception(status)) {
    *error = std::string("python scanner: cannot start Python: ") +
             (status.err_msg != nullptr ? status.err_msg : "unknown error");
    return nullptr;
  }

  PyConfig py_config;
  PyConfig_InitPythonConfig(&py_config);
  py_config.install_signal_handlers = 0;  // SIGINT/SIGPIPE stay with tcpflow
  py_config.parse_argv = 0;
  py_config.configure_c_stdio = 0;  // keep C stdio buffering as it is (PYTHONUNBUFFERED)
  py_config.write_bytecode = 0;     // no __pycache__ in the plugin directory
  status = Py_InitializeFromConfig(&py_config);
  PyConfig_Clear(&py_config);
  if (PyStatus_Exception(status)) {
    *error = std::string("python scanner: cannot start Python: ") +
             (status.err_msg != nullptr ? status.err_msg : "unknown error");
    return nullptr;
  }
  auto interpreter = std::make_unique<Interpreter>();  // from here on, finalised on return

  const std::string from = config.path.empty() ? std::string() : " from '" + config.path + "'";
  if (!config.path.empty()) {
    std::error_code ec;
    const std::filesystem::path directory =
        std::filesystem::absolute(config.path, ec).lexically_normal();
    if (ec) {
      *error = "python scanner: bad py_path '" + config.path + "': " + ec.message();
      return nullptr;
    }
    PyObject* sys_path = PySys_GetObject("path");  // borrowed
    PyRef entry(PyUnicode_DecodeFSDefault(directory.c_str()));
    if (sys_path == nullptr || !PyList_Check(sys_path) || !entry ||
        PyList_Insert(sys_path, 0, entry.get()) != 0) {
      *error = "python scanner: cannot add '" + config.path + "' to sys.path: " +
               (PyErr_Occurred() != nullptr ? TakeError() : "sys.path is not a list");
      return nullptr;
    }
  }

  interpreter->module.reset(PyImport_ImportModule(config.module.c_str()));
  if (!interpreter->module) {
    *error =
        "python scanner: cannot import module '" + config.module + "'" + from + ": " + TakeError();
    return nullptr;
  }
  interpreter->function.reset(
      PyObject_GetAttrString(interpreter->module.get(), config.function.c_str()));
  if (!interpreter->function) {
    *error = "python scanner: module '" + config.module + "' has no function '" + config.function +
             "': " + TakeError();
    return nullptr;
  }
  if (PyCallable_Check(interpreter->function.get()) == 0) {
    *error = "python scanner: '" + config.module + "." + config.function +
             "' is not callable (it is of type '" + Py_TYPE(interpreter->function.get())->tp_name +
             "')";
    return nullptr;
  }
  return std::unique_ptr<PythonScanner>(
      new PythonScanner(config, anomalies, std::move(interpreter)));
}

PythonScanner::PythonScanner(const PythonScanConfig& config, AnomalyCounters& anomalies,
                             std::unique_ptr<Interpreter> interpreter)
    : config_(config), anomalies_(anomalies), interpreter_(std::move(interpreter)) {}

PythonScanner::~PythonScanner() = default;

void PythonScanner::CountCap(Flow& flow, FlowBytes& flow_bytes) {
  if (flow_bytes.capped) return;
  flow_bytes.capped = true;
  CountAnomaly(anomalies_, flow, Anomaly::kPythonInputCapped);
}

std::size_t PythonScanner::Reserve(Flow& flow, FlowBytes& flow_bytes, std::size_t wanted) {
  std::vector<std::uint8_t>& bytes = flow_bytes.bytes;
  if (flow_bytes.total_capped) wanted = std::min(wanted, bytes.size());  // stays a prefix
  const std::size_t old_capacity = bytes.capacity();
  if (wanted <= old_capacity) return wanted;
  // The most this flow may hold: what it has plus what the budget has left.
  const std::uint64_t room = old_capacity + (config_.max_total_bytes - held_bytes_);
  // Geometric growth keeps appends amortised O(1); near the budget, only what is needed.
  std::uint64_t capacity = std::max<std::uint64_t>(
      wanted, std::min<std::uint64_t>(2 * std::uint64_t{old_capacity}, config_.max_bytes));
  if (capacity > room) capacity = std::min<std::uint64_t>(wanted, room);
  if (capacity < wanted) {
    wanted = static_cast<std::size_t>(capacity);
    if (!flow_bytes.total_capped) {
      flow_bytes.total_capped = true;
      CountAnomaly(anomalies_, flow, Anomaly::kPythonTotalCapped);
    }
  }
  bytes.reserve(static_cast<std::size_t>(capacity));
  held_bytes_ += bytes.capacity() - old_capacity;
  return wanted;
}

void PythonScanner::OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval&) {
  FlowBytes* found = slot_.Find(flow);
  FlowBytes& flow_bytes =
      found != nullptr ? *found : slot_.Put(flow, std::make_unique<FlowBytes>());
  if (offset + data.size() > config_.max_bytes) CountCap(flow, flow_bytes);
  if (offset >= config_.max_bytes) return;
  const auto at = static_cast<std::size_t>(offset);
  std::size_t end = at + static_cast<std::size_t>(
                             std::min<std::uint64_t>(data.size(), config_.max_bytes - offset));
  if (flow_bytes.bytes.size() < end) {
    end = Reserve(flow, flow_bytes, end);
    if (flow_bytes.bytes.size() < end)
      flow_bytes.bytes.resize(end);  // a hole (OnGap) before: zeros
  }
  if (end <= at) return;
  std::copy_n(data.begin(), end - at, flow_bytes.bytes.begin() + static_cast<std::ptrdiff_t>(at));
}

void PythonScanner::OnStoredShift(Flow& flow, std::uint64_t n, std::uint64_t max_end) {
  FlowBytes* const found = slot_.Find(flow);
  if (found == nullptr || n == 0) return;
  FlowBytes& flow_bytes = *found;
  const std::uint64_t old_size = flow_bytes.bytes.size();
  const std::uint64_t old_capacity = flow_bytes.bytes.capacity();
  std::uint64_t new_size = std::min(old_size + n, max_end);
  if (new_size > config_.max_bytes) {
    CountCap(flow, flow_bytes);
    new_size = config_.max_bytes;
  }
  if (flow_bytes.total_capped) new_size = std::min(new_size, old_size);
  // The shifted copy replaces this flow's buffer: it may use that and what the budget has left.
  const std::uint64_t room = old_capacity + (config_.max_total_bytes - held_bytes_);
  if (new_size > room) {
    new_size = room;
    if (!flow_bytes.total_capped) {
      flow_bytes.total_capped = true;
      CountAnomaly(anomalies_, flow, Anomaly::kPythonTotalCapped);
    }
  }
  // The inserted front is a hole (zeros) until its bytes arrive.
  std::vector<std::uint8_t> shifted(static_cast<std::size_t>(new_size), 0);
  if (n < new_size) {
    std::copy_n(flow_bytes.bytes.begin(), static_cast<std::size_t>(new_size - n),
                shifted.begin() + static_cast<std::ptrdiff_t>(n));
  }
  held_bytes_ = held_bytes_ - old_capacity + shifted.capacity();
  flow_bytes.bytes = std::move(shifted);
}

ReportExtra PythonScanner::ResultElement() const {
  return ReportExtra{std::string(kResultElement),
                     {{"scanner", "python"},
                      {"path", config_.path},
                      {"module", config_.module},
                      {"function", config_.function}},
                     {},
                     {}};
}

void PythonScanner::OnFlowClose(Flow& flow, const StoredFile&) {
  const std::unique_ptr<FlowBytes> state = slot_.Release(flow);
  if (!state) return;
  const std::vector<std::uint8_t> bytes = std::move(state->bytes);
  held_bytes_ -= bytes.capacity();  // back to the budget
  if (bytes.empty()) return;

  ++calls_;
  PyRef argument(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(bytes.data()),
                                           static_cast<Py_ssize_t>(bytes.size())));
  PyRef result;
  if (argument) result.reset(PyObject_CallOneArg(interpreter_->function.get(), argument.get()));
  argument.reset();
  std::optional<std::string> text;
  if (result && result.get() != Py_None) text = ResultText(result.get());
  if (!result || (result.get() != Py_None && !text)) {
    ++errors_;
    CountAnomaly(anomalies_, flow, Anomaly::kPythonError);
    ReportExtra extra = ResultElement();
    extra.attributes.emplace_back("error", TakeError());
    flow.extras.push_back(std::move(extra));
    return;
  }
  if (!text) return;  // None: nothing to report
  ReportExtra extra = ResultElement();
  extra.text = std::move(*text);
  flow.extras.push_back(std::move(extra));
}

}  // namespace tcpflow
