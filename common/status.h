// Status: the result of an operation that can fail, returned across module boundaries
// in place of exceptions. A Status is either OK or carries a code and a message written
// for the user ("cannot open manifest data.db: permission denied").
#pragma once

#include <string>
#include <utility>

namespace smallset {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // a bad option or input value; the message says which and how to fix it
    kNotFound,
    kIoError,
    kCorruption,       // a file or record is malformed
    kUnsupported,
    kBusy,             // the manifest stayed locked past every retry
    kInterrupted,      // SIGINT or SIGTERM arrived
    kFailed,           // anything else
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) { return Status(Code::kInvalidArgument, std::move(message)); }
  static Status NotFound(std::string message) { return Status(Code::kNotFound, std::move(message)); }
  static Status IoError(std::string message) { return Status(Code::kIoError, std::move(message)); }
  static Status Corruption(std::string message) { return Status(Code::kCorruption, std::move(message)); }
  static Status Unsupported(std::string message) { return Status(Code::kUnsupported, std::move(message)); }
  static Status Busy(std::string message) { return Status(Code::kBusy, std::move(message)); }
  static Status Interrupted(std::string message) { return Status(Code::kInterrupted, std::move(message)); }
  static Status Failed(std::string message) { return Status(Code::kFailed, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns "OK" or the message.
  std::string ToString() const { return ok() ? "OK" : message_; }

  // Returns a copy whose message starts with `context` ("reading x.jpg: " + message).
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace smallset

// Returns from the calling function when `expr` yields a non-OK Status.
#define SMALLSET_RETURN_IF_ERROR(expr)              \
  do {                                              \
    ::smallset::Status smallset_status_ = (expr);   \
    if (!smallset_status_.ok()) return smallset_status_; \
  } while (0)
