// raft/payload.h — an entry's bytes: immutable, shared by reference count.
//
// A log entry's data is written once (when it is proposed) and then only copied: into
// the leader's log, into every MsgApp that carries it, into each follower's log and data
// dir, into the committed entries a Ready hands out. With std::string every one of those
// copies was an allocation and a memcpy; a Payload copy is a counter increment.
//
// Must never: be shared between threads. The count is not atomic on purpose: a
// simulation run is single-threaded and everything holding a Payload belongs to one run
// (runs in parallel have their own). Must never be mutated after construction (there is
// no API for it): every holder sees the same bytes forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <utility>

namespace raft {

class Payload {
 public:
  Payload() noexcept = default;
  Payload(std::string_view s) : b_(make(s)) {}  // NOLINT: implicit, like std::string
  Payload(const std::string& s) : Payload(std::string_view(s)) {}  // NOLINT
  Payload(const char* s) : Payload(std::string_view(s)) {}  // NOLINT
  // `n` bytes written in place by `write(char* bytes)` before anyone else can see them
  // (an encoder that would otherwise build a std::string only to copy it).
  template <class Write>
  static Payload build(std::size_t n, Write&& write) {
    Payload p;
    if (n == 0) return p;
    p.b_ = alloc(n);
    write(p.b_->bytes());
    return p;
  }

  Payload(const Payload& o) noexcept : b_(o.b_) {
    if (b_ != nullptr) ++b_->refs;
  }
  Payload(Payload&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  Payload& operator=(const Payload& o) noexcept {
    if (o.b_ != nullptr) ++o.b_->refs;
    release();
    b_ = o.b_;
    return *this;
  }
  Payload& operator=(Payload&& o) noexcept {
    if (this != &o) {
      release();
      b_ = std::exchange(o.b_, nullptr);
    }
    return *this;
  }
  ~Payload() { release(); }

  std::string_view view() const noexcept {
    return b_ == nullptr ? std::string_view() : std::string_view(b_->bytes(), b_->size);
  }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: implicit
  std::string str() const { return std::string(view()); }
  const char* data() const noexcept { return b_ == nullptr ? "" : b_->bytes(); }
  std::size_t size() const noexcept { return b_ == nullptr ? 0 : b_->size; }
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept {
    release();
    b_ = nullptr;
  }
  // Four words stored beside the bytes for a host's parse of them (null for the empty
  // payload); zero until a host writes them. Raft never reads or writes them. Every
  // member of a simulated cluster decodes the same entry: the first to parse it can
  // leave the field offsets here for the others. A host may keep only what is a pure
  // function of the bytes (they never change), so the memo cannot change an outcome.
  std::uint32_t* memo() const noexcept { return b_ == nullptr ? nullptr : b_->memo; }
  // Four 64-bit words of the same memo (numbers a host parsed or hashed out of the bytes),
  // zero until a host writes them; same rules.
  std::uint64_t* memo64() const noexcept { return b_ == nullptr ? nullptr : b_->memo64; }
  // How many holders share these bytes (tests and diagnostics).
  std::uint32_t use_count() const noexcept { return b_ == nullptr ? 0 : b_->refs; }

  friend bool operator==(const Payload& a, const Payload& b) noexcept {
    return a.b_ == b.b_ || a.view() == b.view();
  }
  friend bool operator==(const Payload& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const Payload& a, const std::string& b) noexcept { return a.view() == b; }
  friend bool operator==(const Payload& a, const char* b) noexcept { return a.view() == b; }

 private:
  struct Block {
    std::size_t size;
    std::uint32_t refs;
    std::uint32_t memo[4];
    std::uint64_t memo64[4];
    char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }
    const char* bytes() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  };
  static Block* alloc(std::size_t n) {
    void* mem = ::operator new(sizeof(Block) + n);
    return ::new (mem) Block{n, 1, {0, 0, 0, 0}, {0, 0, 0, 0}};
  }
  static Block* make(std::string_view s) {
    if (s.empty()) return nullptr;  // every empty payload is the null one
    Block* b = alloc(s.size());
    std::memcpy(b->bytes(), s.data(), s.size());
    return b;
  }
  void release() noexcept {
    if (b_ != nullptr && --b_->refs == 0) {
      b_->~Block();
      ::operator delete(static_cast<void*>(b_));
    }
  }

  Block* b_ = nullptr;
};

}  // namespace raft
