# virtuoso.sh — a private Virtuoso for tests and benchmarks (sourced).
#
#   vt_start DIR     start virtuoso-t with its database, ini and ODBC files
#                    in DIR, listening on 127.0.0.1 only, on free ports;
#                    sets VT_SQL_PORT, VT_HTTP_PORT, VT_PID, VT_DSN,
#                    VT_STORE (a --store spec), VT_CRUD (Graph Store URL),
#                    VT_PASSWORD_FILE, and exports ODBCSYSINI / ODBCINI
#   vt_stop          stops it by its PID (waits for it to go)
#   vt_isql SQL      runs SQL as dba, prints the output
#   vt_available     true when virtuoso-t and Redland's virtuoso storage exist
#
# The database is new, so dba's password is "dba"; nothing listens beyond
# 127.0.0.1.  [SPARQL] ResultSetMaxRows is raised: its default, 10,000,
# silently truncates results.

VT_DRIVER=${VT_DRIVER:-/usr/lib/x86_64-linux-gnu/odbc/virtodbcu_r.so}
VT_REDLAND=${VT_REDLAND:-/usr/lib/x86_64-linux-gnu/redland/librdf_storage_virtuoso.so}

vt_available() {
  command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null &&
    [ -e "$VT_DRIVER" ] && [ -e "$VT_REDLAND" ]
}

vt_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

vt_start() {
  VT_DIR=$1
  mkdir -p "$VT_DIR"
  VT_SQL_PORT=$(vt_free_port)
  VT_HTTP_PORT=$(vt_free_port)
  while [ "$VT_HTTP_PORT" = "$VT_SQL_PORT" ]; do VT_HTTP_PORT=$(vt_free_port); done
  cat >"$VT_DIR/virtuoso.ini" <<INI
[Database]
DatabaseFile    = $VT_DIR/virtuoso.db
ErrorLogFile    = $VT_DIR/virtuoso.log
LockFile        = $VT_DIR/virtuoso.lck
TransactionFile = $VT_DIR/virtuoso.trx
xa_persistent_file = $VT_DIR/virtuoso.pxa
ErrorLogLevel   = 7
FileExtend      = 200
MaxCheckpointRemap = 2000
Striping        = 0
TempStorage     = TempDatabase

[TempDatabase]
DatabaseFile    = $VT_DIR/virtuoso-temp.db
TransactionFile = $VT_DIR/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping        = 0

[Parameters]
ServerPort      = 127.0.0.1:$VT_SQL_PORT
LiteMode        = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT        = 0
CaseMode        = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls    = 0
SchedulerInterval = 10
DirsAllowed     = ., $VT_DIR
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU       = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps   = 64
MaxQueryMem     = 1G
VectorSize      = 1000
MaxVectorSize   = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = ${VT_BUFFERS:-20000}
MaxDirtyBuffers = ${VT_DIRTY_BUFFERS:-15000}

[HTTPServer]
ServerPort      = 127.0.0.1:$VT_HTTP_PORT
ServerRoot      = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
DavRoot         = DAV
EnabledDavVSP   = 0
HTTPProxyEnabled = 0
TempASPXDir     = 0
ServerThreads   = 10
MaxKeepAlives   = 10
KeepAliveTimeout = 10
HTTPThreadSize  = 280000
HttpPrintWarningsInOutput = 0
Charset         = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 100000000
MaxQueryCostEstimationTime = 4000
MaxQueryExecutionTime = 600
MaxSortedTopRows = 100000000
DeferInferenceRulesInit = 0
INI
  cat >"$VT_DIR/odbcinst.ini" <<INI
[Virtuoso]
Driver = $VT_DRIVER
INI
  cat >"$VT_DIR/odbc.ini" <<INI
[kouan-test]
Driver  = $VT_DRIVER
Address = 127.0.0.1:$VT_SQL_PORT
INI
  printf 'dba\n' >"$VT_DIR/dba.password"
  chmod 600 "$VT_DIR/dba.password"
  export ODBCSYSINI=$VT_DIR ODBCINI=$VT_DIR/odbc.ini
  VT_DSN=kouan-test
  VT_PASSWORD_FILE=$VT_DIR/dba.password
  VT_STORE="virtuoso:dsn=$VT_DSN;user=dba;password-file=$VT_PASSWORD_FILE"
  VT_CRUD="http://127.0.0.1:$VT_HTTP_PORT/sparql-graph-crud-auth"
  (cd "$VT_DIR" && timeout 120 virtuoso-t +configfile "$VT_DIR/virtuoso.ini" +wait \
       >"$VT_DIR/start.out" 2>&1) || { cat "$VT_DIR/start.out" >&2; tail -20 "$VT_DIR/virtuoso.log" >&2; return 1; }
  VT_PID=$(sed -n 's/^VIRT_PID=//p' "$VT_DIR/virtuoso.lck" 2>/dev/null)
  [ -n "$VT_PID" ] || { echo "virtuoso.sh: no PID in $VT_DIR/virtuoso.lck" >&2; return 1; }
  # the HTTP listener comes up a moment after +wait returns
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$VT_HTTP_PORT/sparql" && return 0
    sleep 0.1
  done
  echo "virtuoso.sh: HTTP port $VT_HTTP_PORT does not answer" >&2
  return 1
}

vt_isql() {
  isql-vt "127.0.0.1:$VT_SQL_PORT" dba dba exec="$1" 2>&1
}

vt_stop() {
  [ -n "${VT_PID:-}" ] || return 0
  kill "$VT_PID" 2>/dev/null || { VT_PID=; return 0; }
  for _ in $(seq 1 100); do
    kill -0 "$VT_PID" 2>/dev/null || { VT_PID=; return 0; }
    sleep 0.1
  done
  kill -9 "$VT_PID" 2>/dev/null
  VT_PID=
}
