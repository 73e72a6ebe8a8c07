/*
 * Cutting CSV records natively (src/sources/csv/cutter.ts is its only caller): the same rules as
 * `Cutter.next` there, byte for byte, but many records a call, so the JavaScript side takes
 * records and their field spans rather than walking every byte.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include "addon.h"

enum { QUOTE = 34, LF = 10, CR = 13 };
/* Why a call stopped: as cutter.ts's Cut, plus Full (the output arrays are full; call again). */
enum { C_RECORD = 0, C_MORE = 1, C_UNTERMINATED = 2, C_STOP = 3, C_FULL = 4 };
/* Per record in `recs`: start, end, startLine, n, first field, next p, next line, tests it may pass. */
#define REC 8

/*
 * cut(buf, state: Float64Array(9), recs: Int32Array, fields: Int32Array). state in: [0] p, [1] len,
 * [2] eof, [3] stop, [4] sep, [5] line; out: [3] why it stopped, [4] records written, [5] p and
 * [6] line after them, and for Unterminated [7] its start and [8] its line. fields: start, end,
 * quoted per field.
 */
static napi_value cut(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  void *bufp, *statep, *recsp, *fieldsp;
  size_t buf_len, state_bytes, recs_bytes, fields_bytes;
  if (argc < 4 || !typed_array(env, argv[0], &bufp, &buf_len) || !typed_array(env, argv[1], &statep, &state_bytes) || state_bytes < 9 * 8 ||
      !typed_array(env, argv[2], &recsp, &recs_bytes) || !typed_array(env, argv[3], &fieldsp, &fields_bytes)) {
    napi_throw_type_error(env, NULL, "cut(buf, state: Float64Array(9), recs: Int32Array, fields: Int32Array)");
    return NULL;
  }
  /* The scan's tests (line-scan.c), when given: each record's mask of the tests it may pass. */
  void *program = NULL;
  if (argc >= 5) {
    napi_valuetype t;
    if (napi_typeof(env, argv[4], &t) == napi_ok && t == napi_external) napi_get_value_external(env, argv[4], &program);
  }
  const uint8_t *b = bufp;
  double *st = statep;
  int32_t *recs = recsp, *fields = fieldsp;
  int64_t p = (int64_t)st[0], len = (int64_t)st[1], line = (int64_t)st[5];
  int64_t stop = st[3] > 9e15 ? INT64_MAX : (int64_t)st[3]; /* Infinity: no block end */
  int eof = st[2] != 0;
  uint8_t sep = (uint8_t)st[4];
  if (len > (int64_t)buf_len) len = (int64_t)buf_len;
  int64_t max_recs = (int64_t)(recs_bytes / 4 / REC), max_fields = (int64_t)(fields_bytes / 4 / 3);
  int64_t nrec = 0, nfield = 0;
  int status;
  for (;;) {
    if (nrec == max_recs) { status = C_FULL; break; }
    int64_t i = p;
    /* Empty lines outside quotes. */
    for (;;) {
      if (i >= len) { p = i; status = C_MORE; goto done; }
      uint8_t x = b[i];
      if (x != LF && x != CR) break;
      if (x == CR && i + 1 >= len && !eof) { p = i; status = C_MORE; goto done; }
      i += x == CR && i + 1 < len && b[i + 1] == LF ? 2 : 1;
      line++;
    }
    p = i;
    if (i >= stop) { status = C_STOP; break; }
    int64_t from = i, end, n = 0, breaks = 0, first = nfield;
    for (;;) {
      if (first + n == max_fields) {
        /* No room for this record's fields: it is cut by the next call (or by JavaScript). */
        status = C_FULL;
        goto done;
      }
      int64_t field_start = i;
      uint8_t x = b[i];
      int quoted;
      if (x == QUOTE) {
        /* "" inside quotes is a quote; after the quotes close, the field runs on to the separator,
           and a quote opens quoting again only if it is still empty. */
        int in_quotes = 1, empty = 1;
        i++;
        for (;;) {
          if (i >= len) {
            if (!eof) { status = C_MORE; goto done; }
            break;
          }
          x = b[i];
          if (in_quotes) {
            if (x == QUOTE) {
              if (i + 1 >= len && !eof) { status = C_MORE; goto done; }
              if (i + 1 < len && b[i + 1] == QUOTE) { empty = 0; i += 2; continue; }
              in_quotes = 0;
              i++;
              continue;
            }
            if (x == LF || x == CR) {
              if (x == CR && i + 1 >= len && !eof) { status = C_MORE; goto done; }
              i += x == CR && i + 1 < len && b[i + 1] == LF ? 2 : 1;
              breaks++;
              empty = 0;
              continue;
            }
            empty = 0;
            i++;
            continue;
          }
          if (x == sep || x == LF || x == CR) break;
          if (x == QUOTE && empty) in_quotes = 1;
          else empty = 0;
          i++;
        }
        if (in_quotes) {
          /* Open at the end of the file. */
          st[7] = (double)from;
          st[8] = (double)line;
          line += breaks;
          p = len;
          status = C_UNTERMINATED;
          goto done;
        }
        quoted = 1;
      } else {
        while (i < len) {
          x = b[i];
          if (x > CR ? x == sep : (x == LF || x == CR || x == sep)) break;
          i++;
        }
        if (i >= len && !eof) { status = C_MORE; goto done; }
        quoted = 0;
      }
      int32_t *f = fields + 3 * (first + n);
      f[0] = (int32_t)field_start; f[1] = (int32_t)i; f[2] = quoted;
      n++;
      if (i >= len) { end = i; break; }
      if (b[i] == sep) {
        i++;
        if (i >= len && !eof) { status = C_MORE; goto done; }
        if (i >= len) {
          /* "a," at the very end: an empty last field. */
          if (first + n == max_fields) { status = C_FULL; goto done; }
          f = fields + 3 * (first + n);
          f[0] = f[1] = (int32_t)i; f[2] = 0;
          n++;
          end = i;
          break;
        }
        continue;
      }
      if (b[i] == CR && i + 1 >= len && !eof) { status = C_MORE; goto done; }
      end = i;
      i += b[i] == CR && i + 1 < len && b[i + 1] == LF ? 2 : 1;
      breaks++;
      break;
    }
    int32_t *r = recs + REC * nrec;
    r[0] = (int32_t)from; r[1] = (int32_t)end; r[2] = (int32_t)line; r[3] = (int32_t)n; r[4] = (int32_t)first;
    line += breaks;
    p = i;
    r[5] = (int32_t)p; r[6] = (int32_t)line;
    r[7] = program ? csv_record_mask(program, b, len, from, end, fields + 3 * first, (int32_t)n) : -1;
    nrec++;
    nfield = first + n;
  }
done:
  st[3] = status;
  st[4] = (double)nrec;
  st[5] = (double)p;
  st[6] = (double)line;
  return NULL;
}

int register_csv_cut(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "csvCut", NAPI_AUTO_LENGTH, cut, NULL, &fn) != napi_ok) return 0;
  return napi_set_named_property(env, exports, "csvCut", fn) == napi_ok;
}
