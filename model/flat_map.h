#pragma once
// An open-addressing hash map for trivially copyable keys and small trivially copyable values,
// e.g. session id -> slab index. Linear probing over a power-of-two table, at most 80% full,
// doubled when that would be exceeded; erase shifts the rest of the probe run back, so there
// are no tombstones and lookups never slow down with churn.
//
// Each slot holds its key, its value and an "occupied" byte. The byte rather than a reserved
// empty key because keys reach find() from the network (a parsed id can be all-zero bits), so
// no key value can be forbidden without a guard on every call; and for Id128 -> uint32_t it
// lands in what would be padding anyway, so a slot stays 24 bytes.
//
// Keys are unique, except in a map used only through the duplicate-key calls (insert_duplicate,
// find_if, erase_entry): there a key may be a fragment of the real key, e.g. a hash prefix, the
// full key being kept in the element the value points at and checked by find_if's predicate.
//
// Tables of kMappedTableBytes and more come from mmap and go back with munmap: when a table
// grows, its old copy is returned to the kernel at once. From malloc it stayed resident in the
// allocator's free lists (with mimalloc: ~90 bytes a session at 100 000 sessions, the grown
// tables' old copies), and a fresh mapping costs no zeroing of pages the table never touches.
//
// Pointers returned by find() and insert() stay valid until the next insert, erase or reserve.
// Not copyable; a moved-from map is empty and usable.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>

namespace ringside {

// Hasher: a default-constructible callable, uint64_t(const K&); the map uses its low bits, so
// they must be well mixed. Keys are compared with ==.
template <class K, class V, class Hasher>
class FlatMap {
  static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);

 public:
  FlatMap() = default;
  FlatMap(const FlatMap&) = delete;
  FlatMap& operator=(const FlatMap&) = delete;
  FlatMap(FlatMap&& o) noexcept
      : slots_(std::exchange(o.slots_, nullptr)),
        capacity_(std::exchange(o.capacity_, 0)),
        size_(std::exchange(o.size_, 0)) {}
  FlatMap& operator=(FlatMap&& o) noexcept {
    if (this != &o) {
      release(slots_, capacity_);
      slots_ = std::exchange(o.slots_, nullptr);
      capacity_ = std::exchange(o.capacity_, 0);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~FlatMap() { release(slots_, capacity_); }

  V* find(const K& key) { return const_cast<V*>(std::as_const(*this).find(key)); }
  const V* find(const K& key) const {
    if (size_ == 0) return nullptr;
    for (size_t i = home(key);; i = next(i)) {
      const Slot& s = slots_[i];
      if (!s.occupied) return nullptr;
      if (s.key == key) return &s.value;
    }
  }

  // Starts loading the slot a lookup of `key` probes first, so that its cache miss overlaps
  // other work (another table's miss, say) before the lookup itself.
  void prefetch(const K& key) const {
    if (capacity_ != 0) __builtin_prefetch(&slots_[home(key)]);
  }

  // Does not overwrite: if the key is present, returns its value and false.
  std::pair<V*, bool> insert(const K& key, const V& value) {
    if (capacity_ == 0) rehash(kMinCapacity);
    size_t i = home(key);
    for (; slots_[i].occupied; i = next(i)) {
      if (slots_[i].key == key) return {&slots_[i].value, false};
    }
    if (exceeds_max_load(size_ + 1, capacity_)) {
      rehash(capacity_ * 2);
      i = first_free_from(home(key));
    }
    slots_[i] = Slot{key, value, true};
    ++size_;
    return {&slots_[i].value, true};
  }

  bool erase(const K& key) {
    if (size_ == 0) return false;
    size_t hole = home(key);
    for (;; hole = next(hole)) {
      if (!slots_[hole].occupied) return false;
      if (slots_[hole].key == key) break;
    }
    erase_slot(hole);
    return true;
  }

  // --- Duplicate keys (see the top of the file) ---
  // Adds the entry even if the key is present.
  void insert_duplicate(const K& key, const V& value) {
    if (capacity_ == 0) rehash(kMinCapacity);
    if (exceeds_max_load(size_ + 1, capacity_)) rehash(capacity_ * 2);
    slots_[first_free_from(home(key))] = Slot{key, value, true};
    ++size_;
  }
  // The value of the first entry with this key for which pred(const V&) is true, or null.
  template <class Pred>
  V* find_if(const K& key, Pred&& pred) {
    if (size_ == 0) return nullptr;
    for (size_t i = home(key);; i = next(i)) {
      Slot& s = slots_[i];
      if (!s.occupied) return nullptr;
      if (s.key == key && pred(std::as_const(s.value))) return &s.value;
    }
  }
  // Erases one entry with this key and value; false if there is none.
  bool erase_entry(const K& key, const V& value) {
    if (size_ == 0) return false;
    for (size_t i = home(key);; i = next(i)) {
      if (!slots_[i].occupied) return false;
      if (slots_[i].key == key && slots_[i].value == value) {
        erase_slot(i);
        return true;
      }
    }
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }

  // Makes room for n entries without further growth.
  void reserve(size_t n) {
    size_t cap = kMinCapacity;
    while (exceeds_max_load(n, cap)) cap *= 2;
    if (cap > capacity_) rehash(cap);
  }

  // f(const K&, const V&) for every entry, in no particular order. f must not modify the map.
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < capacity_; ++i) {
      if (slots_[i].occupied) f(slots_[i].key, slots_[i].value);
    }
  }

  // Heap bytes held by the table.
  size_t memory_bytes() const { return capacity_ * sizeof(Slot); }

 private:
  struct Slot {
    K key;
    V value;
    bool occupied;
  };
  static_assert(alignof(Slot) <= alignof(std::max_align_t));

  static constexpr size_t kMinCapacity = 16;
  static constexpr size_t kMappedTableBytes = size_t{1} << 20;

  // Max load 0.8: past it linear probing's miss cost climbs steeply.
  static bool exceeds_max_load(size_t count, size_t cap) { return count * 5 > cap * 4; }

  size_t mask() const { return capacity_ - 1; }
  size_t home(const K& key) const { return static_cast<size_t>(Hasher{}(key)) & mask(); }
  size_t next(size_t i) const { return (i + 1) & mask(); }

  size_t first_free_from(size_t i) const {
    while (slots_[i].occupied) i = next(i);
    return i;
  }

  // Backward shift: pull later entries of the run into the hole unless that would put one
  // before its home slot (its home lies cyclically in (hole, j]).
  void erase_slot(size_t hole) {
    for (size_t j = next(hole); slots_[j].occupied; j = next(j)) {
      size_t from_home = (j - home(slots_[j].key)) & mask();
      if (from_home >= ((j - hole) & mask())) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].occupied = false;
    --size_;
  }

  // Zeroed: zeroed slots are free slots.
  static Slot* allocate(size_t capacity) {
    const size_t bytes = capacity * sizeof(Slot);
    if (bytes < kMappedTableBytes) {
      void* p = std::calloc(capacity, sizeof(Slot));
      if (!p) throw std::bad_alloc();
      return static_cast<Slot*>(p);
    }
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Lookups land anywhere in a big table, so with 4 KiB pages nearly each one also misses the
    // TLB (a two-level page walk in a VM). Transparent huge pages are often madvise-only.
    madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<Slot*>(p);
  }
  static void release(Slot* slots, size_t capacity) {
    if (!slots) return;
    const size_t bytes = capacity * sizeof(Slot);
    if (bytes < kMappedTableBytes) {
      std::free(slots);
    } else {
      munmap(slots, bytes);
    }
  }

  void rehash(size_t new_capacity) {
    Slot* old = std::exchange(slots_, allocate(new_capacity));
    size_t old_capacity = std::exchange(capacity_, new_capacity);
    for (size_t i = 0; i < old_capacity; ++i) {
      if (old[i].occupied) slots_[first_free_from(home(old[i].key))] = old[i];
    }
    release(old, old_capacity);
  }

  Slot* slots_ = nullptr;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

}  // namespace ringside
