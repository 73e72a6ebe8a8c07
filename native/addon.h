/* What the addon's parts share (line-scan.c registers the module; line-record.c and csv-cut.c add to it). */
#ifndef EXFILWATCH_ADDON_H
#define EXFILWATCH_ADDON_H
#include <node_api.h>
#include <stddef.h>

/* A typed array's data and its size in bytes; 0 when `v` is not one. */
int typed_array(napi_env env, napi_value v, void **data, size_t *bytes);

/* Adds columns() and extract() (line-record.c) to the module's exports; 0 on failure. */
int register_line_record(napi_env env, napi_value exports);

/* The tests a CSV record may pass (line-scan.c, for a program given csvFields): bit i, test i. */
int csv_record_mask(void *program, const uint8_t *b, int64_t buf_len, int64_t from, int64_t end, const int32_t *fields, int32_t n);

/* Adds csvCut() (csv-cut.c); 0 on failure. */
int register_csv_cut(napi_env env, napi_value exports);

#endif
