/*
 * A loadable SQLite extension for test/perf/statement-preparation.test.ts: stmt_status() returns,
 * for every statement open on the connection, how many times SQLite re-prepared it and ran it
 * (sqlite3_stmt_status, SQLITE_STMTSTATUS_REPREPARE and _RUN), one statement per record:
 * "<reprepares> <runs> <sql>" followed by the record separator 0x1e. better-sqlite3 does not expose
 * sqlite3_stmt_status, and a re-preparation inside SQLite (a bound value that may change the plan)
 * is invisible from JavaScript otherwise.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

static void stmtStatus(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_str *out = sqlite3_str_new(db);
  for (sqlite3_stmt *stmt = sqlite3_next_stmt(db, 0); stmt; stmt = sqlite3_next_stmt(db, stmt)) {
    int reprepares = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
    int runs = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_RUN, 0);
    const char *text = sqlite3_sql(stmt);
    sqlite3_str_appendf(out, "%d %d %s\x1e", reprepares, runs, text ? text : "");
  }
  int length = sqlite3_str_length(out);
  char *text = sqlite3_str_finish(out);
  sqlite3_result_text(ctx, text ? text : "", text ? length : 0, sqlite3_free);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  (void)error;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_function(db, "stmt_status", 0, SQLITE_UTF8, 0, stmtStatus, 0, 0);
}
