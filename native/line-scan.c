/*
 * Native line pre-test for JSON lines (src/sources/json/native-scan.ts is its only caller).
 *
 * Given a block of JSON lines and the scan's field tests (encoded by native-scan.ts), it cuts the
 * block into lines and returns the lines some test may pass, so the JavaScript scanner runs its
 * own exact tests (lines.ts) only on those. The answers here are weaker than lines.ts's, never
 * stronger: a line is dropped only when each test certainly fails on it, judged on plain ASCII
 * values; anything else (escapes, non-ASCII bytes, nested objects, odd numbers) passes and is
 * left to lines.ts. Why native: in JavaScript each line costs several calls into Node's buffer
 * searches and a JIT warm-up per thread; here a block is one call, with SIMD searches (AVX2 where
 * the processor has it, else SSE2).
 *
 * Plain C over Node-API (node_api.h, ABI-stable across Node versions): no dependency beyond the
 * headers node-gyp already uses.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"

enum { OP_AND = 1, OP_OR, OP_PASS, OP_IN, OP_CONTAINS, OP_INT_IN, OP_AFTER, OP_FILLED, OP_BLANK, OP_NEEDS };
enum { K_UNKNOWN = 0, K_STRING = 1, K_NUMBER = 2, K_NULL = 3, K_OTHER = 4 };
/* String shapes: plain ASCII, non-ASCII bytes, escapes (not decoded here), not yet looked at. */
enum { S_ASCII = 0, S_HIGH = 1, S_ESCAPED = 2, S_UNSEEN = 3 };

typedef struct {
  const uint8_t *needle;
  int32_t len;
  uint32_t x, y;     /* the bytes find_at tests first */
} Bytes;

/* A column's key, and where it sits in lines: learnt from the first KEY_SAMPLE lines that have it. */
typedef struct {
  const uint8_t *needle;
  uint32_t len;
  uint32_t x, y;     /* the bytes find_at tests first */
  uint32_t found;
  double depth;      /* the sum of its places, as fractions of the line */
  int backwards;     /* it sits late in lines: searched from the line's end */
} Key;

#define KEY_SAMPLE 64

typedef struct {
  int32_t *code;      /* the encoded tests (see native-scan.ts) */
  uint8_t *pool;      /* the strings the code points into */
  uint32_t ncols;
  Key *keys;          /* per column: `"Name":` */
  uint32_t nneedles;
  Bytes *needles;     /* raw texts of `needs` tests (length -1: a `\\u` escape) */
  uint32_t ntests;
  int32_t *roots;     /* per test: its node's offset in code, or -1 (passes every line) */
  /* Per line, per column: what was found. */
  uint32_t *seen_on;
  int8_t *kinds;
  int8_t *shapes;
  int32_t *starts, *ends;
  uint32_t line_no;
  /* The current line [ls, le) of buf; `cursor`: the end of the last value read; `clean`: [ls, clean) holds no `{` but the line's own. */
  const uint8_t *buf;
  int64_t buf_len;
  int64_t ls, le, cursor, clean;
  int tuned;
  /* CSV (csvFields): per column its field number (-1: not in the header), and the record's fields (start, end, quoted). */
  int32_t *col_field;
  const int32_t *rec_fields;
  int32_t rec_n;
  uint8_t *scratch;   /* a value lower-cased */
  size_t scratch_len;
} Program;

/* ------------------------------------------------------------------------------------------ */
/* Searches */

static inline int64_t find_byte(const uint8_t *b, int64_t from, int64_t to, uint8_t x) {
  if (from >= to) return -1;
  const uint8_t *p = memchr(b + from, x, (size_t)(to - from));
  return p ? (int64_t)(p - b) : -1;
}

/*
 * The first `needle` (m bytes) in b[from, to), or -1. SIMD tests two of its bytes, at offsets `x`
 * and `y` (its rarest in the data: see tune), at 16 or 32 places at once; the places where both
 * match are compared whole. The last one: the same from the end.
 */
#define FIND_FIRST(NAME, ATTR, VEC, SET1, LOAD, CMPEQ, AND, MOVEMASK, WIDTH)                                  \
  ATTR static int64_t NAME(const uint8_t *b, int64_t from, int64_t to, const uint8_t *needle, uint32_t m,     \
                           uint32_t x, uint32_t y) {                                                           \
    int64_t last_start = to - m;                                                                               \
    int64_t i = from;                                                                                          \
    const VEC bx = SET1((char)needle[x]);                                                                      \
    const VEC by = SET1((char)needle[y]);                                                                      \
    for (; i + (WIDTH - 1) <= last_start; i += WIDTH) {                                                        \
      VEC a = LOAD((const VEC *)(b + i + x));                                                                  \
      VEC z = LOAD((const VEC *)(b + i + y));                                                                  \
      uint32_t mask = (uint32_t)MOVEMASK(AND(CMPEQ(a, bx), CMPEQ(z, by)));                                     \
      while (mask) {                                                                                           \
        int bit = __builtin_ctz(mask);                                                                         \
        if (memcmp(b + i + bit, needle, m) == 0) return i + bit;                                               \
        mask &= mask - 1;                                                                                      \
      }                                                                                                        \
    }                                                                                                          \
    for (; i <= last_start; i++)                                                                               \
      if (b[i + x] == needle[x] && b[i + y] == needle[y] && memcmp(b + i, needle, m) == 0) return i;           \
    return -1;                                                                                                 \
  }

#define FIND_LAST(NAME, ATTR, VEC, SET1, LOAD, CMPEQ, AND, MOVEMASK, WIDTH)                                   \
  ATTR static int64_t NAME(const uint8_t *b, int64_t from, int64_t to, const uint8_t *needle, uint32_t m,     \
                           uint32_t x, uint32_t y) {                                                           \
    int64_t i = to - m; /* the last start */                                                                   \
    const VEC bx = SET1((char)needle[x]);                                                                      \
    const VEC by = SET1((char)needle[y]);                                                                      \
    for (; i - (WIDTH - 1) >= from; i -= WIDTH) {                                                              \
      int64_t base = i - (WIDTH - 1);                                                                          \
      VEC a = LOAD((const VEC *)(b + base + x));                                                               \
      VEC z = LOAD((const VEC *)(b + base + y));                                                               \
      uint32_t mask = (uint32_t)MOVEMASK(AND(CMPEQ(a, bx), CMPEQ(z, by)));                                     \
      while (mask) {                                                                                           \
        int bit = 31 - __builtin_clz(mask);                                                                    \
        if (memcmp(b + base + bit, needle, m) == 0) return base + bit;                                         \
        mask &= ~(1u << bit);                                                                                  \
      }                                                                                                        \
    }                                                                                                          \
    for (; i >= from; i--)                                                                                     \
      if (b[i + x] == needle[x] && b[i + y] == needle[y] && memcmp(b + i, needle, m) == 0) return i;           \
    return -1;                                                                                                 \
  }

typedef int64_t (*Finder)(const uint8_t *, int64_t, int64_t, const uint8_t *, uint32_t, uint32_t, uint32_t);

#if defined(__x86_64__)
#include <immintrin.h>
FIND_FIRST(first_sse2, , __m128i, _mm_set1_epi8, _mm_loadu_si128, _mm_cmpeq_epi8, _mm_and_si128, _mm_movemask_epi8, 16)
FIND_LAST(last_sse2, , __m128i, _mm_set1_epi8, _mm_loadu_si128, _mm_cmpeq_epi8, _mm_and_si128, _mm_movemask_epi8, 16)
FIND_FIRST(first_avx2, __attribute__((target("avx2"))), __m256i, _mm256_set1_epi8, _mm256_loadu_si256, _mm256_cmpeq_epi8,
           _mm256_and_si256, _mm256_movemask_epi8, 32)
FIND_LAST(last_avx2, __attribute__((target("avx2"))), __m256i, _mm256_set1_epi8, _mm256_loadu_si256, _mm256_cmpeq_epi8,
          _mm256_and_si256, _mm256_movemask_epi8, 32)
#else
/* Elsewhere, one place at a time (the compiler may vectorise it). */
static int64_t first_plain(const uint8_t *b, int64_t from, int64_t to, const uint8_t *needle, uint32_t m, uint32_t x, uint32_t y) {
  for (int64_t i = from; i <= to - (int64_t)m; i++)
    if (b[i + x] == needle[x] && b[i + y] == needle[y] && memcmp(b + i, needle, m) == 0) return i;
  return -1;
}
static int64_t last_plain(const uint8_t *b, int64_t from, int64_t to, const uint8_t *needle, uint32_t m, uint32_t x, uint32_t y) {
  for (int64_t i = to - (int64_t)m; i >= from; i--)
    if (b[i + x] == needle[x] && b[i + y] == needle[y] && memcmp(b + i, needle, m) == 0) return i;
  return -1;
}
#endif

/* Chosen once for this processor (module init). */
static Finder find_first_impl, find_last_impl;

static void choose_finders(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2");
  find_first_impl = avx2 ? first_avx2 : first_sse2;
  find_last_impl = avx2 ? last_avx2 : last_sse2;
#else
  find_first_impl = first_plain;
  find_last_impl = last_plain;
#endif
}

static inline int64_t find_at(const uint8_t *b, int64_t from, int64_t to, const uint8_t *needle, uint32_t m, uint32_t x, uint32_t y) {
  if (m == 0) return from <= to ? from : -1;
  if (to - from < (int64_t)m) return -1;
  return find_first_impl(b, from, to, needle, m, x, y);
}

static inline int64_t find_last_at(const uint8_t *b, int64_t from, int64_t to, const uint8_t *needle, uint32_t m, uint32_t x, uint32_t y) {
  if (m == 0) return to >= from ? to : -1;
  if (to - from < (int64_t)m) return -1;
  return find_last_impl(b, from, to, needle, m, x, y);
}

static int64_t find_bytes(const uint8_t *b, int64_t from, int64_t to, const uint8_t *needle, uint32_t m) {
  return find_at(b, from, to, needle, m, 0, m ? m - 1 : 0);
}

static inline int is_hex(uint8_t x) {
  return (x >= '0' && x <= '9') || ((x | 32) >= 'a' && (x | 32) <= 'f');
}

/* The first `\u` before four hex digits in b[from, to), or -1 (how lines.ts reads the needle `\u`). */
static int64_t find_unicode_escape(const uint8_t *b, int64_t from, int64_t to, int64_t buf_len) {
  static const uint8_t bu[2] = {'\\', 'u'};
  for (int64_t q = find_bytes(b, from, to, bu, 2); q >= 0; q = find_bytes(b, q + 1, to, bu, 2)) {
    if (q + 5 < buf_len && is_hex(b[q + 2]) && is_hex(b[q + 3]) && is_hex(b[q + 4]) && is_hex(b[q + 5])) return q;
  }
  return -1;
}

static int has_high_byte(const uint8_t *b, int64_t s, int64_t e) {
  int64_t i = s;
#if defined(__x86_64__)
  for (; i + 16 <= e; i += 16) {
    if (_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(b + i)))) return 1;
  }
#endif
  for (; i < e; i++) if (b[i] >= 128) return 1;
  return 0;
}

static inline uint8_t lower(uint8_t x) {
  return x >= 'A' && x <= 'Z' ? x | 32 : x;
}

/* ------------------------------------------------------------------------------------------ */
/* Fields of the current line (lines.ts LineFields.locate, the forward search only) */

/* Whether an object may open between the line's first `{` and `at` (a key there may be nested). */
static int nested_before(Program *p, int64_t at) {
  const uint8_t *b = p->buf;
  while (p->clean < at) {
    int64_t brace = find_byte(b, p->clean, at, '{');
    if (brace < 0) { p->clean = at; return 0; }
    int64_t q = brace - 1;
    while (b[q] == ' ' || b[q] == '\t' || b[q] == '\r' || b[q] == '\n') q--;
    uint8_t before = b[q];
    if (before == ':' || before == ',' || before == '[') return 1;
    p->clean = brace + 1;
  }
  return 0;
}

static int locate(Program *p, uint32_t c) {
  const uint8_t *b = p->buf;
  const int64_t ls = p->ls, le = p->le;
  Key *key = &p->keys[c];
  int64_t q = -1;
  if (key->backwards) {
    /* (A record names each column once: the last place is the first. lines.ts does the same.) */
    q = find_last_at(b, ls, le, key->needle, key->len, key->x, key->y);
  } else {
    /* Keys come in the same order in every line of an export: look after the last value read. */
    if (p->cursor > ls + 1) q = find_at(b, p->cursor, le, key->needle, key->len, key->x, key->y);
    if (q < 0) q = find_at(b, ls, le, key->needle, key->len, key->x, key->y);
    if (q >= 0 && key->found < KEY_SAMPLE) {
      key->depth += (double)(q - ls) / (double)(le - ls);
      if (++key->found == KEY_SAMPLE) key->backwards = key->depth > 0.55 * KEY_SAMPLE;
    }
  }
  if (q < 0) return K_UNKNOWN;
  if (q != ls + 1) {
    if (b[q - 1] == '\\') return K_UNKNOWN;
    if (nested_before(p, q)) return K_UNKNOWN;
  }
  int64_t v = q + key->len;
  while (v < le && (b[v] == ' ' || b[v] == '\t' || b[v] == '\r')) v++;
  if (v >= le) return K_OTHER;
  uint8_t ch = b[v];
  if (ch == '"') {
    int64_t j = v + 1;
    while (j < le && b[j] != '"' && b[j] != '\\') j++;
    if (j >= le) return K_UNKNOWN; /* unterminated: the parse will say */
    int64_t close = j;
    if (b[j] == '\\') {
      /* The real end: the first quote after an even run of backslashes. */
      close = find_byte(b, j, le, '"');
      for (;;) {
        if (close < 0) return K_UNKNOWN;
        int64_t k = close - 1;
        while (b[k] == '\\') k--;
        if ((close - 1 - k) % 2 == 0) break;
        close = find_byte(b, close + 1, le, '"');
      }
      p->shapes[c] = S_ESCAPED;
    } else {
      p->shapes[c] = S_UNSEEN;
    }
    p->starts[c] = (int32_t)(v + 1);
    p->ends[c] = (int32_t)close;
    if (close >= p->cursor) p->cursor = close + 1;
    return K_STRING;
  }
  if (ch == '-' || (ch >= '0' && ch <= '9')) {
    int64_t j = v + 1;
    while (j < le && b[j] >= '0' && b[j] <= '9') j++;
    if (j < le && (b[j] == '.' || b[j] == 'e' || b[j] == 'E')) return K_OTHER;
    p->starts[c] = (int32_t)v;
    p->ends[c] = (int32_t)j;
    if (j > p->cursor) p->cursor = j;
    return K_NUMBER;
  }
  if (ch == 'n' && v + 3 < le && b[v + 1] == 'u' && b[v + 2] == 'l' && b[v + 3] == 'l') return K_NULL;
  return K_OTHER;
}

/*
 * A CSV field, as cutter.ts's `Cutter.kind` sees it (decoded, for a quoted one): empty is null,
 * digits (after a minus) an integer's text, anything else a string. A quoted field is judged when
 * it is one quoted run (its quotes within doubled): its text is then the bytes between the quotes,
 * as they are when they hold no doubled quote nor line break, else taken as escaped (what the
 * decoding changes is a quote or a line break: tests on text without them still see through it).
 * Any other quoted field is not judged here (unknown: it passes).
 */
static int csv_locate(Program *p, uint32_t c) {
  int32_t k = p->col_field[c];
  if (k < 0 || k >= p->rec_n) return K_UNKNOWN;
  const int32_t *f = p->rec_fields + 3 * k;
  const uint8_t *b = p->buf;
  int32_t s = f[0], e = f[1];
  int special = 0;
  if (f[2]) {
    if (e - s < 2 || b[e - 1] != '"') return K_UNKNOWN;
    for (int32_t i = s + 1; i < e - 1; i++) {
      if (b[i] == '"') {
        if (i + 1 < e - 1 && b[i + 1] == '"') { special = 1; i++; continue; }
        return K_UNKNOWN;
      }
      if (b[i] == '\r' || b[i] == '\n') special = 1;
    }
    s++;
    e--;
  }
  if (s == e) return K_NULL;
  p->starts[c] = s;
  p->ends[c] = e;
  if (special) {
    p->shapes[c] = S_ESCAPED;
    return K_STRING;
  }
  int32_t i = s;
  if (b[i] == '-') i++;
  int digits = i < e;
  for (; i < e && digits; i++) digits = b[i] >= '0' && b[i] <= '9';
  if (digits) return K_NUMBER;
  p->shapes[c] = S_UNSEEN;
  return K_STRING;
}

static inline int kind_of(Program *p, uint32_t c) {
  if (p->seen_on[c] == p->line_no) return p->kinds[c];
  p->seen_on[c] = p->line_no;
  return p->kinds[c] = (int8_t)(p->col_field ? csv_locate(p, c) : locate(p, c));
}

/* A plain string value (no escapes) whose bytes are all ASCII. */
static int plain_ascii(Program *p, uint32_t c) {
  int8_t s = p->shapes[c];
  if (s == S_UNSEEN) s = p->shapes[c] = has_high_byte(p->buf, p->starts[c], p->ends[c]) ? S_HIGH : S_ASCII;
  return s == S_ASCII;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests: 1 may pass, 0 certainly fails (the semantics of field-filter.ts, case by case) */

static const uint8_t *lowered(Program *p, uint32_t c) {
  size_t n = (size_t)(p->ends[c] - p->starts[c]);
  if (n > p->scratch_len) {
    size_t size = n < 4096 ? 4096 : n * 2;
    uint8_t *s = realloc(p->scratch, size);
    if (!s) return NULL;
    p->scratch = s;
    p->scratch_len = size;
  }
  const uint8_t *v = p->buf + p->starts[c];
  for (size_t i = 0; i < n; i++) p->scratch[i] = lower(v[i]);
  return p->scratch;
}

static int iso_shape(const uint8_t *b) {
  for (int i = 0; i < 28; i++) {
    uint8_t x = b[i];
    switch (i) {
      case 4: case 7: if (x != '-') return 0; break;
      case 10: if (x != 'T') return 0; break;
      case 13: case 16: if (x != ':') return 0; break;
      case 19: if (x != '.') return 0; break;
      case 27: if (x != 'Z') return 0; break;
      default: if (x < '0' || x > '9') return 0;
    }
  }
  return 1;
}

/* Whether needle i lies within the current line. */
static int needle_in_line(Program *p, uint32_t i) {
  const Bytes *x = &p->needles[i];
  if (x->len < 0) return find_unicode_escape(p->buf, p->ls, p->le, p->buf_len) >= 0;
  return find_at(p->buf, p->ls, p->le, x->needle, (uint32_t)x->len, x->x, x->y) >= 0;
}

static int eval(Program *p, int32_t at) {
  const int32_t *w = p->code + at;
  switch (w[0]) {
    case OP_AND: case OP_OR: {
      int32_t n = w[2];
      int32_t child = at + 3;
      for (int32_t i = 0; i < n; i++) {
        int r = eval(p, child);
        if (w[0] == OP_AND && !r) return 0;
        if (w[0] == OP_OR && r) return 1;
        child += p->code[child + 1];
      }
      return w[0] == OP_AND;
    }
    case OP_IN: {
      /*
       * [op, size, col, fold, hasEmpty, safe, n, (offset, length) * n]: values lower case when
       * folding. `safe` as for contains: then escaped text (an escape but `\u` makes a quote,
       * backslash, slash or control character, which lower-casing keeps) equals no value.
       */
      uint32_t c = (uint32_t)w[2];
      int k = kind_of(p, c);
      if (k == K_NULL) return w[4];
      if (k != K_STRING) return 1;
      if (p->shapes[c] == S_ESCAPED) return !w[5] || find_unicode_escape(p->buf, p->starts[c], p->ends[c], p->buf_len) >= 0;
      const uint8_t *v = p->buf + p->starts[c];
      int32_t len = p->ends[c] - p->starts[c];
      for (int32_t i = 0; i < w[6]; i++) {
        const uint8_t *x = p->pool + w[7 + 2 * i];
        if (w[8 + 2 * i] != len) continue;
        int32_t j = 0;
        if (w[3]) { while (j < len && lower(v[j]) == x[j]) j++; } else { while (j < len && v[j] == x[j]) j++; }
        if (j == len) return 1;
      }
      return !plain_ascii(p, c);
    }
    case OP_CONTAINS: {
      /*
       * [op, size, col, all, safe, n, (offset, length) * n]: lower-case values, found in the
       * lower-cased text. `safe`: no value holds a character an escape makes (quote, backslash,
       * slash, controls), so a value found in the decoded text stands as it is in the raw text,
       * unless written as a `\u` escape: without those, a value not in the raw text is not in
       * the decoded one either.
       */
      uint32_t c = (uint32_t)w[2];
      int all = w[3];
      int32_t n = w[5];
      int k = kind_of(p, c);
      if (k == K_NULL) {
        for (int32_t i = 0; i < n; i++) {
          int empty = w[7 + 2 * i] == 0;
          if (all && !empty) return 0;
          if (!all && empty) return 1;
        }
        return all;
      }
      if (k != K_STRING) return 1;
      int escaped = p->shapes[c] == S_ESCAPED;
      if (escaped) {
        if (!w[4] || has_high_byte(p->buf, p->starts[c], p->ends[c]) ||
            find_unicode_escape(p->buf, p->starts[c], p->ends[c], p->buf_len) >= 0) return 1;
      } else if (!plain_ascii(p, c)) return 1;
      const uint8_t *v = lowered(p, c);
      if (!v) return 1;
      int64_t len = p->ends[c] - p->starts[c];
      for (int32_t i = 0; i < n; i++) {
        int found = find_bytes(v, 0, len, p->pool + w[6 + 2 * i], (uint32_t)w[7 + 2 * i]) >= 0;
        if (all && !found) return 0;
        if (!all && found) return 1;
      }
      /* (A value found in escaped raw text may still be missing from the decoded text: passing says only "may".) */
      return all;
    }
    case OP_INT_IN: {
      /* [op, size, col, n, (offset, length) * n]: canonical integer texts. */
      uint32_t c = (uint32_t)w[2];
      int k = kind_of(p, c);
      if (k == K_NULL) return 0;
      if (k != K_NUMBER) return 1;
      const uint8_t *v = p->buf + p->starts[c];
      int32_t len = p->ends[c] - p->starts[c];
      int neg = v[0] == '-';
      int32_t digits = len - neg;
      if (digits < 1 || (v[neg] == '0' && (digits > 1 || neg))) return 1; /* not canonical: lines.ts decides */
      for (int32_t i = 0; i < w[3]; i++) {
        if (w[5 + 2 * i] == len && memcmp(v, p->pool + w[4 + 2 * i], (size_t)len) == 0) return 1;
      }
      return 0;
    }
    case OP_AFTER: {
      /* [op, size, col, strict, offset of the 28-byte bound] */
      uint32_t c = (uint32_t)w[2];
      int k = kind_of(p, c);
      if (k == K_NULL) return 0;
      if (k != K_STRING || p->shapes[c] == S_ESCAPED) return 1;
      if (p->ends[c] - p->starts[c] != 28) return 1;
      const uint8_t *v = p->buf + p->starts[c];
      int r = memcmp(v, p->pool + w[4], 28);
      if (r == 0) return !w[3];
      return r > 0 || !iso_shape(v);
    }
    case OP_FILLED: {
      uint32_t c = (uint32_t)w[2];
      int k = kind_of(p, c);
      if (k == K_NULL) return 0;
      if (k != K_STRING) return 1;
      return p->ends[c] != p->starts[c];
    }
    case OP_BLANK: {
      uint32_t c = (uint32_t)w[2];
      int k = kind_of(p, c);
      if (k == K_UNKNOWN || k == K_NULL) return 1;
      /* (Escaped text is never blank: every escape stands for a character.) */
      if (k == K_STRING) return p->ends[c] == p->starts[c];
      return 0;
    }
    case OP_NEEDS: {
      /*
       * [op, size, n, needle * n, test]. The test first: it reads a field or two, where each
       * needle, mostly absent, would be searched for along the whole line.
       */
      int32_t n = w[2];
      if (!eval(p, at + 3 + n)) return 0;
      if (p->col_field) return 1; /* CSV has no raw text to search: the test alone (as cutter.ts) */
      for (int32_t i = 0; i < n; i++) {
        if (needle_in_line(p, (uint32_t)w[3 + i])) return 1;
      }
      return 0;
    }
    default:
      return 1;
  }
}

/*
 * Picks the two bytes each key and needle is first tested on: its rarest in a sample of the data
 * (`"` and `:` stand at every key; a letter of a name much less often).
 */
static void pick(const uint32_t *counts, const uint8_t *needle, uint32_t m, uint32_t *x, uint32_t *y) {
  *x = *y = 0;
  if (m < 2) return;
  uint32_t bx = 0;
  for (uint32_t i = 1; i < m; i++) if (counts[needle[i]] < counts[needle[bx]]) bx = i;
  uint32_t by = bx == 0 ? 1 : 0;
  for (uint32_t i = 0; i < m; i++) {
    if (i == bx) continue;
    int better = counts[needle[i]] < counts[needle[by]];
    /* A second byte unlike the first tells more. */
    if (needle[by] == needle[bx] && needle[i] != needle[bx]) better = 1;
    else if (needle[i] == needle[bx] && needle[by] != needle[bx]) better = 0;
    if (better) by = i;
  }
  *x = bx;
  *y = by;
}

static void tune(Program *p, const uint8_t *b, int64_t n) {
  uint32_t counts[256] = {0};
  int64_t stop = n < (1 << 17) ? n : (1 << 17);
  for (int64_t i = 0; i < stop; i++) counts[b[i]]++;
  for (uint32_t i = 0; i < p->ncols; i++) pick(counts, p->keys[i].needle, p->keys[i].len, &p->keys[i].x, &p->keys[i].y);
  for (uint32_t i = 0; i < p->nneedles; i++) {
    Bytes *x = &p->needles[i];
    if (x->len > 0) pick(counts, x->needle, (uint32_t)x->len, &x->x, &x->y);
  }
  p->tuned = 1;
}

/* The line (or CSV record) [from, end) of buf is the current one: nothing found on another applies. */
static void start_line(Program *p, int64_t from, int64_t end) {
  p->ls = from; p->le = end; p->cursor = from; p->clean = from + 1;
  if (++p->line_no == 0) {
    memset(p->seen_on, 0xff, sizeof(uint32_t) * (p->ncols ? p->ncols : 1));
    p->line_no = 1;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Node-API */

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "native line scan: " #call); return NULL; } } while (0)

static void free_program(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  Program *p = data;
  free(p->code); free(p->pool); free(p->keys); free(p->roots); free(p->needles); free(p->col_field);
  free(p->seen_on); free(p->kinds); free(p->shapes); free(p->starts); free(p->ends);
  free(p->scratch);
  free(p);
}

int typed_array(napi_env env, napi_value v, void **data, size_t *bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok) return 0;
  size_t unit = type == napi_int32_array || type == napi_uint32_array ? 4 : type == napi_float64_array ? 8 : 1;
  *bytes = length * unit;
  return 1;
}

/*
 * compile(code: Int32Array, pool: Uint8Array) -> program. code: [ncols, (keyOffset, keyLength) * ncols,
 * nneedles, (offset, length) * nneedles, ntests, root * ntests, nodes...], roots as offsets into code.
 */
static napi_value compile(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *code, *pool;
  size_t code_bytes, pool_bytes;
  if (argc < 2 || !typed_array(env, argv[0], &code, &code_bytes) || !typed_array(env, argv[1], &pool, &pool_bytes)) {
    napi_throw_type_error(env, NULL, "compile(code: Int32Array, pool: Uint8Array)");
    return NULL;
  }
  Program *p = calloc(1, sizeof(Program));
  p->code = malloc(code_bytes ? code_bytes : 4);
  memcpy(p->code, code, code_bytes);
  p->pool = malloc(pool_bytes ? pool_bytes : 1);
  memcpy(p->pool, pool, pool_bytes);
  const int32_t *w = p->code;
  p->ncols = (uint32_t)w[0];
  uint32_t n = p->ncols ? p->ncols : 1;
  p->keys = calloc(n, sizeof(Key));
  for (uint32_t i = 0; i < p->ncols; i++) {
    Key *k = &p->keys[i];
    k->needle = p->pool + w[1 + 2 * i];
    k->len = (uint32_t)w[2 + 2 * i];
    /* Until tuned: the first and last letters of the name. */
    k->x = k->len >= 4 ? 1 : 0;
    k->y = k->len >= 4 ? k->len - 3 : k->len - 1;
  }
  uint32_t t = 1 + 2 * p->ncols;
  p->nneedles = (uint32_t)w[t];
  p->needles = calloc(p->nneedles ? p->nneedles : 1, sizeof(Bytes));
  for (uint32_t i = 0; i < p->nneedles; i++) {
    p->needles[i].needle = p->pool + w[t + 1 + 2 * i];
    p->needles[i].len = w[t + 2 + 2 * i];
    p->needles[i].y = p->needles[i].len > 0 ? (uint32_t)p->needles[i].len - 1 : 0;
  }
  t += 1 + 2 * p->nneedles;
  p->ntests = (uint32_t)w[t];
  p->roots = calloc(p->ntests ? p->ntests : 1, sizeof(int32_t));
  for (uint32_t i = 0; i < p->ntests; i++) p->roots[i] = w[t + 1 + i];
  p->seen_on = calloc(n, sizeof(uint32_t));
  p->kinds = calloc(n, 1);
  p->shapes = calloc(n, 1);
  p->starts = calloc(n, sizeof(int32_t));
  p->ends = calloc(n, sizeof(int32_t));
  p->line_no = 0;
  napi_value out;
  CHECK(napi_create_external(env, p, free_program, NULL, &out));
  return out;
}

/*
 * scan(program, buf, state: Float64Array, out: Int32Array): cuts lines from state[0] while they
 * start before state[1]; state[2]: 1 when the bytes end the input (the last line needs no
 * newline); state[3]: the longest line kept; state[4]: lines counted so far (numbers lines).
 * Writes to out (line start, end, number) per line some test may pass (end -1: a line longer than
 * the longest kept), until out is full. Sets state[0] to where the next line starts, state[4],
 * state[5] to the entries written, and state[6]: 0 done, 1 a line runs past the bytes, 2 out full.
 */
static napi_value scan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Program *p;
  void *bufp, *statep, *outp;
  size_t buf_len, state_bytes, out_bytes;
  if (argc < 4 || napi_get_value_external(env, argv[0], (void **)&p) != napi_ok || !typed_array(env, argv[1], &bufp, &buf_len) ||
      !typed_array(env, argv[2], &statep, &state_bytes) || state_bytes < 7 * 8 || !typed_array(env, argv[3], &outp, &out_bytes)) {
    napi_throw_type_error(env, NULL, "scan(program, buf: Uint8Array, state: Float64Array(7), out: Int32Array)");
    return NULL;
  }
  const uint8_t *b = bufp;
  double *state = statep;
  int32_t *out = outp;
  int64_t cap = (int64_t)(out_bytes / 4 / 3);
  int64_t pos = (int64_t)state[0], limit = (int64_t)state[1];
  int last = state[2] != 0;
  int64_t max_line = (int64_t)state[3];
  int64_t count = (int64_t)state[4];
  int64_t n = (int64_t)buf_len;
  int64_t written = 0;
  int reason = 0;
  p->buf = b;
  p->buf_len = n;
  if (!p->tuned && n > 0) tune(p, b, n);
  while (pos < limit) {
    if (written == cap) { reason = 2; break; }
    int64_t nl = find_byte(b, pos, n, '\n');
    if (nl < 0) {
      if (!last) { reason = 1; break; }
      nl = n;
    }
    if (nl - pos > max_line) {
      out[3 * written] = (int32_t)pos; out[3 * written + 1] = -1; out[3 * written + 2] = (int32_t)count; written++;
    } else if (nl > pos) {
      int keep = 1;
      if (b[pos] == '{') {
        start_line(p, pos, nl);
        keep = 0;
        for (uint32_t i = 0; i < p->ntests && !keep; i++) keep = p->roots[i] < 0 || eval(p, p->roots[i]);
      }
      if (keep) { out[3 * written] = (int32_t)pos; out[3 * written + 1] = (int32_t)nl; out[3 * written + 2] = (int32_t)count; written++; }
    }
    count++;
    pos = nl + 1;
  }
  state[0] = (double)pos;
  state[4] = (double)count;
  state[5] = (double)written;
  state[6] = reason;
  return NULL;
}

int csv_record_mask(void *program, const uint8_t *b, int64_t buf_len, int64_t from, int64_t end, const int32_t *fields, int32_t n) {
  Program *p = program;
  p->buf = b;
  p->buf_len = buf_len;
  p->rec_fields = fields;
  p->rec_n = n;
  start_line(p, from, end);
  int mask = 0;
  for (uint32_t i = 0; i < p->ntests && i < 31; i++) if (p->roots[i] < 0 || eval(p, p->roots[i])) mask |= 1 << i;
  if (p->ntests > 31) mask = -1;
  return mask;
}

/* csvFields(program, fields: Int32Array): the program's columns are CSV fields, by these numbers (-1: none). */
static napi_value csv_fields(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Program *p;
  void *data;
  size_t bytes;
  if (argc < 2 || napi_get_value_external(env, argv[0], (void **)&p) != napi_ok || !typed_array(env, argv[1], &data, &bytes) || bytes < 4 * (size_t)p->ncols) {
    napi_throw_type_error(env, NULL, "csvFields(program, fields: Int32Array)");
    return NULL;
  }
  free(p->col_field);
  p->col_field = malloc(4 * (p->ncols ? p->ncols : 1));
  memcpy(p->col_field, data, 4 * (size_t)p->ncols);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  choose_finders();
  if (napi_create_function(env, "compile", NAPI_AUTO_LENGTH, compile, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "compile", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "scan", NAPI_AUTO_LENGTH, scan, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "scan", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "csvFields", NAPI_AUTO_LENGTH, csv_fields, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "csvFields", fn) != napi_ok) return NULL;
  if (!register_line_record(env, exports) || !register_csv_cut(env, exports)) return NULL;
  return exports;
}
