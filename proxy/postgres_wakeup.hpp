// The PostgreSQL wake-up for the change feed (change_wakeup.hpp): a connection of its own that
// LISTENs on holdgate_changes, which every writing transaction NOTIFYs at commit
// (storage/postgres_rows.hpp insert_audit). Its socket is watched on the event loop, connecting
// included (PQconnectStart/PQconnectPoll), so a database that is slow or gone never stalls a
// session. A lost connection is made again with a backoff, and each (re)connection hints once:
// what was notified while it was away is read from the trail, not from notifications.
#pragma once

#include <memory>
#include <string>

#include "change_wakeup.hpp"
#include "runtime/event_log.hpp"

namespace holdgate::proxy {

std::unique_ptr<ChangeWakeup> listen_postgres(asio::io_context& io, std::string dsn, EventLog& log);

}  // namespace holdgate::proxy
