{
  "targets": [
    {
      "target_name": "line_scan",
      "sources": ["native/line-scan.c", "native/line-record.c", "native/csv-cut.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"]
    }
  ]
}
