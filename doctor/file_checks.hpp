// Looking at files the way serve will use them, without creating or changing any: a private
// key that exists must be private and loadable; one that does not must be creatable.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace holdgate::doctor {

// Why `path` could not be created by this user (its nearest existing ancestor is not a
// directory, or not writable), or nullopt.
std::optional<std::string> creation_problem(const std::filesystem::path& path);

// Why the existing directory `dir` cannot be written by this user, or nullopt.
std::optional<std::string> write_problem(const std::filesystem::path& dir);

// The mode problem of an existing private key (policy/file_modes.hpp), or nullopt.
std::optional<std::string> private_mode_problem(const std::filesystem::path& path);

// Whether `path` exists (without following a dangling link into "no").
bool path_exists(const std::filesystem::path& path);

}  // namespace holdgate::doctor
