/*
 * Native record cutting for JSON lines (src/sources/json/native-record.ts is its only caller):
 * checks that a line is one well-formed JSON object and finds where the values of the columns a
 * scan reads sit, so that only those values are made into JavaScript values, not the whole line.
 *
 * It answers only for the plain case: a line that is one object of members whose names have no
 * escapes, none of them a name that makes the line a wrapper of other records (records, Results,
 * properties, TimeGenerated). (Bytes that are not UTF-8 need no care: they decode to U+FFFD alike
 * in the line and in a value cut from it, as an ASCII quote or bracket ends any sequence.) For anything else, or anything it cannot say is
 * valid JSON, it says "not plain" and the caller parses the line with JSON.parse as before, which
 * gives the same records, or the same error. It accepts only what JSON.parse accepts (RFC 8259).
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"

/* Value kinds written for each column. */
enum { V_ABSENT = 0, V_ASCII, V_UTF8, V_ESCAPED, V_INTEGER, V_NUMBER, V_TRUE, V_FALSE, V_NULL, V_NESTED };

typedef struct {
  uint32_t n;
  uint8_t *pool;
  uint32_t *offsets, *lengths;
  /* Columns by name length (names up to 255 bytes; longer ones are never matched, so such a line is not plain). */
  int32_t *by_length[256];
  uint32_t count_by_length[256];
  int has_long_name;
} Columns;

static void free_columns(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  Columns *c = data;
  for (int i = 0; i < 256; i++) free(c->by_length[i]);
  free(c->pool); free(c->offsets); free(c->lengths);
  free(c);
}

static inline int ws(uint8_t x) {
  return x == ' ' || x == '\t' || x == '\n' || x == '\r';
}

static inline int digit(uint8_t x) {
  return x >= '0' && x <= '9';
}

static inline int hex(uint8_t x) {
  return digit(x) || ((x | 32) >= 'a' && (x | 32) <= 'f');
}

/* A string from its opening quote at b[i]: the index after its closing quote, or -1. Sets *escaped, and *high (when given) if it holds a non-ASCII byte. */
static int64_t string_end(const uint8_t *b, int64_t i, int64_t e, int *escaped, int *high) {
  *escaped = 0;
  for (i++; i < e; i++) {
    uint8_t x = b[i];
    if (x == '"') return i + 1;
    if (x < 0x20) return -1;
    if (x >= 0x80 && high) *high = 1;
    if (x == '\\') {
      *escaped = 1;
      if (++i >= e) return -1;
      x = b[i];
      if (x == 'u') {
        if (i + 4 >= e || !hex(b[i + 1]) || !hex(b[i + 2]) || !hex(b[i + 3]) || !hex(b[i + 4])) return -1;
        i += 4;
      } else if (!(x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' || x == 'r' || x == 't')) {
        return -1;
      }
    }
  }
  return -1;
}

/* A number at b[i]: the index after it, or -1; *integer when it has no fraction or exponent. */
static int64_t number_end(const uint8_t *b, int64_t i, int64_t e, int *integer) {
  *integer = 1;
  if (i < e && b[i] == '-') i++;
  if (i >= e || !digit(b[i])) return -1;
  if (b[i] == '0') i++;
  else while (i < e && digit(b[i])) i++;
  if (i < e && b[i] == '.') {
    *integer = 0;
    i++;
    if (i >= e || !digit(b[i])) return -1;
    while (i < e && digit(b[i])) i++;
  }
  if (i < e && (b[i] == 'e' || b[i] == 'E')) {
    *integer = 0;
    i++;
    if (i < e && (b[i] == '+' || b[i] == '-')) i++;
    if (i >= e || !digit(b[i])) return -1;
    while (i < e && digit(b[i])) i++;
  }
  return i;
}

static int64_t literal_end(const uint8_t *b, int64_t i, int64_t e, const char *word) {
  size_t n = strlen(word);
  if (i + (int64_t)n > e || memcmp(b + i, word, n) != 0) return -1;
  return i + (int64_t)n;
}

#define MAX_DEPTH 512

/* Any JSON value at b[i] (after white space): the index after it, or -1. Nesting kept on a small stack. */
static int64_t value_end(const uint8_t *b, int64_t i, int64_t e) {
  char stack[MAX_DEPTH];
  int depth = 0;
  int escaped, integer;
  for (;;) {
    while (i < e && ws(b[i])) i++;
    if (i >= e) return -1;
    uint8_t x = b[i];
    /* One value. */
    if (x == '"') i = string_end(b, i, e, &escaped, NULL);
    else if (x == '-' || digit(x)) i = number_end(b, i, e, &integer);
    else if (x == 't') i = literal_end(b, i, e, "true");
    else if (x == 'f') i = literal_end(b, i, e, "false");
    else if (x == 'n') i = literal_end(b, i, e, "null");
    else if (x == '{' || x == '[') {
      if (depth == MAX_DEPTH) return -1;
      stack[depth++] = (char)x;
      i++;
      while (i < e && ws(b[i])) i++;
      if (i < e && b[i] == (x == '{' ? '}' : ']')) { depth--; i++; goto after; }
      if (x == '{') goto member;
      continue;
    } else return -1;
    if (i < 0) return -1;
  after:
    /* After a value: the end, a comma, or a closing bracket. */
    for (;;) {
      if (depth == 0) return i;
      while (i < e && ws(b[i])) i++;
      if (i >= e) return -1;
      char open = stack[depth - 1];
      if (b[i] == ',') {
        i++;
        if (open == '{') goto member;
        break;
      }
      if (b[i] == (open == '{' ? '}' : ']')) { depth--; i++; continue; }
      return -1;
    }
    continue;
  member:
    /* A member name and its colon; the value follows. */
    while (i < e && ws(b[i])) i++;
    if (i >= e || b[i] != '"') return -1;
    i = string_end(b, i, e, &escaped, NULL);
    if (i < 0) return -1;
    while (i < e && ws(b[i])) i++;
    if (i >= e || b[i] != ':') return -1;
    i++;
  }
}

static const char *const WRAPPERS[] = {"records", "Results", "properties", "TimeGenerated", "__proto__"};

/*
 * extract(columns, buf, start, end, out: Int32Array(3 * columns)) -> boolean. True: the line
 * [start, end) is one plain JSON object (see above), and out holds per column its value's kind
 * (absent: 0), start and end (a string's without its quotes but when escaped).
 */
static napi_value extract(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  Columns *c;
  void *bufp, *outp;
  size_t buf_len, out_bytes;
  int64_t start, end;
  if (argc < 5 || napi_get_value_external(env, argv[0], (void **)&c) != napi_ok || !typed_array(env, argv[1], &bufp, &buf_len) ||
      napi_get_value_int64(env, argv[2], &start) != napi_ok || napi_get_value_int64(env, argv[3], &end) != napi_ok ||
      !typed_array(env, argv[4], &outp, &out_bytes) || out_bytes < 12 * (size_t)c->n || start < 0 || end > (int64_t)buf_len || start > end) {
    napi_throw_type_error(env, NULL, "extract(columns, buf, start, end, out: Int32Array)");
    return NULL;
  }
  const uint8_t *b = bufp;
  int32_t *out = outp;
  int ok = 0;
  memset(out, 0, 12 * (size_t)c->n);
  int64_t i = start, e = end;
  int escaped, integer;
  while (i < e && ws(b[i])) i++;
  while (e > i && ws(b[e - 1])) e--;
  if (c->has_long_name || i >= e || b[i] != '{') goto done;
  i++;
  while (i < e && ws(b[i])) i++;
  if (i < e && b[i] == '}') { ok = i + 1 == e; goto done; }
  for (;;) {
    /* A member: its name (no escapes), a colon, its value. */
    if (i >= e || b[i] != '"') goto done;
    int64_t name = i + 1;
    i = string_end(b, i, e, &escaped, NULL);
    if (i < 0 || escaped) goto done;
    int64_t name_len = i - 1 - name;
    while (i < e && ws(b[i])) i++;
    if (i >= e || b[i] != ':') goto done;
    i++;
    while (i < e && ws(b[i])) i++;
    if (i >= e) goto done;
    int64_t vs = i;
    int kind;
    uint8_t x = b[i];
    if (x == '"') {
      int high = 0;
      i = string_end(b, i, e, &escaped, &high);
      kind = escaped ? V_ESCAPED : high ? V_UTF8 : V_ASCII;
    } else if (x == '-' || digit(x)) {
      i = number_end(b, i, e, &integer);
      kind = integer ? V_INTEGER : V_NUMBER;
    } else if (x == 't') { i = literal_end(b, i, e, "true"); kind = V_TRUE; }
    else if (x == 'f') { i = literal_end(b, i, e, "false"); kind = V_FALSE; }
    else if (x == 'n') { i = literal_end(b, i, e, "null"); kind = V_NULL; }
    else if (x == '{' || x == '[') { i = value_end(b, i, e); kind = V_NESTED; }
    else goto done;
    if (i < 0) goto done;
    if (name_len <= 255) {
      /* A wrapper's name: the line holds other records, or a prototype name (JSON.parse's own rules). */
      for (size_t w = 0; w < sizeof(WRAPPERS) / sizeof(WRAPPERS[0]); w++) {
        if ((size_t)name_len == strlen(WRAPPERS[w]) && memcmp(b + name, WRAPPERS[w], (size_t)name_len) == 0) goto done;
      }
      int32_t *cands = c->by_length[name_len];
      for (uint32_t k = 0; k < c->count_by_length[name_len]; k++) {
        int32_t col = cands[k];
        if (memcmp(b + name, c->pool + c->offsets[col], (size_t)name_len) == 0) {
          /* The last member of a name wins, as in JSON.parse. */
          out[3 * col] = kind;
          out[3 * col + 1] = (int32_t)(kind == V_ASCII || kind == V_UTF8 ? vs + 1 : vs);
          out[3 * col + 2] = (int32_t)(kind == V_ASCII || kind == V_UTF8 ? i - 1 : i);
          break;
        }
      }
    }
    while (i < e && ws(b[i])) i++;
    if (i >= e) goto done;
    if (b[i] == '}') { ok = i + 1 == e; break; }
    if (b[i] != ',') goto done;
    i++;
    while (i < e && ws(b[i])) i++;
  }
done:
  napi_get_boolean(env, ok, &result);
  return result;
}

/* columns(code: Int32Array [n, (offset, length) * n], pool: Uint8Array) -> the columns to extract. */
static napi_value columns(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  void *code, *pool;
  size_t code_bytes, pool_bytes;
  if (argc < 2 || !typed_array(env, argv[0], &code, &code_bytes) || !typed_array(env, argv[1], &pool, &pool_bytes) || code_bytes < 4) {
    napi_throw_type_error(env, NULL, "columns(code: Int32Array, pool: Uint8Array)");
    return NULL;
  }
  const int32_t *w = code;
  Columns *c = calloc(1, sizeof(Columns));
  c->n = (uint32_t)w[0];
  c->pool = malloc(pool_bytes ? pool_bytes : 1);
  memcpy(c->pool, pool, pool_bytes);
  c->offsets = calloc(c->n ? c->n : 1, sizeof(uint32_t));
  c->lengths = calloc(c->n ? c->n : 1, sizeof(uint32_t));
  for (uint32_t k = 0; k < c->n; k++) {
    c->offsets[k] = (uint32_t)w[1 + 2 * k];
    c->lengths[k] = (uint32_t)w[2 + 2 * k];
    if (c->lengths[k] > 255) c->has_long_name = 1;
    else c->count_by_length[c->lengths[k]]++;
  }
  for (int len = 0; len < 256; len++) if (c->count_by_length[len]) c->by_length[len] = calloc(c->count_by_length[len], sizeof(int32_t));
  uint32_t filled[256] = {0};
  for (uint32_t k = 0; k < c->n; k++) {
    uint32_t len = c->lengths[k];
    if (len <= 255) c->by_length[len][filled[len]++] = (int32_t)k;
  }
  napi_value out;
  if (napi_create_external(env, c, free_columns, NULL, &out) != napi_ok) return NULL;
  return out;
}

int register_line_record(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "columns", NAPI_AUTO_LENGTH, columns, NULL, &fn) != napi_ok) return 0;
  if (napi_set_named_property(env, exports, "columns", fn) != napi_ok) return 0;
  if (napi_create_function(env, "extract", NAPI_AUTO_LENGTH, extract, NULL, &fn) != napi_ok) return 0;
  if (napi_set_named_property(env, exports, "extract", fn) != napi_ok) return 0;
  return 1;
}
