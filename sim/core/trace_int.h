/* trace_int: the canonical encoding shared by the trace writer and reader. */
#ifndef FL_TRACE_INT_H
#define FL_TRACE_INT_H

#include <stdint.h>

#define FL_TRACE_MAGIC "FLTRACE3"
#define FL_TRACE_MAGIC_V2 "FLTRACE2" /* still read: the same records, no STATUS */
#define FL_TRACE_MAGIC_LEN 8
#define FL_FNV_OFFSET 0xcbf29ce484222325ull
#define FL_FNV_PRIME 0x100000001b3ull

static inline uint64_t fl__trace_zigzag(int64_t v) {
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t fl__trace_unzigzag(uint64_t v) {
  return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline uint64_t fl__trace_fnv(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= FL_FNV_PRIME;
  }
  return h;
}

#endif
