#ifndef CLVBENCH_SQLITE_SHIM_H
#define CLVBENCH_SQLITE_SHIM_H
#include <sqlite3.h>
#endif
