// The SQLite Store over an open, migrated connection (open_sqlite_store in sqlite_open.cpp
// prepares one).
#pragma once

#include <memory>
#include <string>

#include "storage/sqlite_handles.hpp"
#include "storage/store.hpp"

namespace holdgate::storage::sqlite {

std::unique_ptr<Store> make_store(Database db, std::string path, std::string origin);

}  // namespace holdgate::storage::sqlite
