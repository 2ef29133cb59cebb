#include "recording_tap.hpp"

#include "approvals/json.hpp"
#include "recording/file_name.hpp"

namespace holdgate::proxy {
namespace {

const char* kind_name(RecordingTap::Kind kind) {
  switch (kind) {
    case RecordingTap::Kind::shell: return "shell";
    case RecordingTap::Kind::exec: return "exec";
    case RecordingTap::Kind::subsystem: return "subsystem";
  }
  return "shell";
}

void audit(const RecordingScope& scope, const std::string& kind, const std::string& details) {
  scope.storage->record({std::chrono::system_clock::now(), kind, scope.person, scope.source,
                   scope.login + "@" + scope.target, details});
}

// Who may see the session, for those who read the trail later: "roles" and (when a grant
// allowed it) "request".
void owner_json(approvals::JsonWriter& json, const RecordingScope& scope) {
  json.key("roles").begin_array();
  for (const auto& role : scope.roles) json.value(role);
  json.end_array();
  if (!scope.request_id.empty()) json.key("request").value(scope.request_id);
}

}  // namespace

RecordingTap::RecordingTap(const RecordingScope* scope, std::string channel_id)
    : scope_(scope), channel_id_(std::move(channel_id)) {}

RecordingTap::~RecordingTap() { end(); }

void RecordingTap::pty(std::string term, unsigned columns, unsigned rows) {
  has_pty_ = true;
  term_ = std::move(term);
  columns_ = columns;
  rows_ = rows;
}

std::optional<std::string> RecordingTap::start(Kind kind, std::string_view command) {
  if (kind_ || scope_ == nullptr) return refusal_;
  kind_ = kind;
  command_ = std::string(command);
  started_ = std::chrono::steady_clock::now();
  const RecordingScope& scope = *scope_;
  if (kind != Kind::shell) {
    approvals::JsonWriter json;
    json.begin_object().key("session").value(channel_id_).key(kind_name(kind)).value(command_);
    owner_json(json, scope);
    json.end_object();
    audit(scope, "session.exec", json.str());
  }
  using config::RecordingMode;
  bool wanted = scope.mode == RecordingMode::all || (scope.mode == RecordingMode::pty && has_pty_);
  if (!wanted || scope.writer == nullptr) {
    go_live({});
    return std::nullopt;
  }
  auto started = std::chrono::system_clock::now();
  recording::CastHeader header{columns_, rows_, std::chrono::system_clock::to_time_t(started), term_,
                               scope.person + " " + scope.login + "@" + scope.target +
                                   (command_.empty() ? "" : ": " + command_)};
  // A terminal's screen is asciicast (asciinema plays it); a channel without one carries bytes
  // (sftp, scp, pipes), kept as they were in a .stream file.
  const auto format = has_pty_ ? recording::Format::asciicast : recording::Format::stream;
  auto name = recording::recording_file_name(started, scope.person, scope.login, scope.target,
                                             channel_id_, recording::format_extension(format));
  recording::Recording::Limits limits;
  limits.max_bytes = scope.settings->max_bytes;
  // Writing failed later (disk full): the session goes on, unless it must be recorded. Told on
  // the loop, where the log and the audit trail live.
  auto on_failure = [executor = scope.executor, log = scope.log, storage = scope.storage,
                     wake = scope.wake, person = scope.person, source = scope.source,
                     subject = scope.login + "@" + scope.target,
                     id = channel_id_](const std::string& why) {
    asio::post(executor, [=] {
      log->write("recording-failed", {{"session", id}, {"reason", why}});
      storage->record({std::chrono::system_clock::now(), "recording.failed", person, source, subject, why});
      if (wake) wake();
    });
  };
  auto opened = scope.writer->open(scope.settings->dir, name, format, header, started_, limits, std::move(on_failure));
  if (auto* error = std::get_if<std::string>(&opened)) {
    scope.log->write("recording-failed", {{"session", channel_id_}, {"reason", *error}});
    audit(scope, "recording.failed", *error);
    if (scope.required) {
      refusal_ = "holdgate: this session must be recorded and the recording cannot be made; "
                 "ask an administrator";
    }
    return refusal_;
  }
  recording_ = std::get<std::shared_ptr<recording::Recording>>(opened);
  record_input_ = scope.settings->input;
  go_live(name);
  return std::nullopt;
}

void RecordingTap::go_live(std::string recording_path) {
  const RecordingScope& scope = *scope_;
  if (scope.live == nullptr) return;
  approvals::SessionRow row;
  row.id = channel_id_;
  row.owner = {scope.person, scope.roles, scope.request_id};
  row.login = scope.login;
  row.target = scope.target;
  row.source = scope.source;
  row.started = std::chrono::system_clock::now();
  row.kind = kind_name(*kind_);
  row.command = command_;
  row.live = true;
  row.pty = has_pty_;
  row.recording = std::move(recording_path);
  live_ = scope.live->add(std::move(row), scope.wake);
}

void RecordingTap::resize(unsigned columns, unsigned rows) {
  columns_ = columns;
  rows_ = rows;
  if (recording_) recording_->resize(columns, rows, recording::SteadyClock::now());
}

void RecordingTap::marker(std::string_view text) {
  if (recording_) recording_->marker(text, recording::SteadyClock::now());
}

std::optional<std::string> RecordingTap::failure_sentence() const {
  if (recording_ && scope_->required && recording_->failed()) {
    return "holdgate: this session must be recorded and the recording can no longer be written";
  }
  return std::nullopt;
}

void RecordingTap::end() {
  if (ended_ || !kind_ || scope_ == nullptr) return;
  ended_ = true;
  const RecordingScope& scope = *scope_;
  if (live_) {
    live_->end();
    scope.live->remove(channel_id_, live_.get());
    live_.reset();
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  approvals::JsonWriter json;
  json.begin_object().key("session").value(channel_id_).key("kind").value(kind_name(*kind_));
  if (*kind_ != Kind::shell) json.key("command").value(command_);
  owner_json(json, scope);
  if (exit_status_) json.key("exit_status").value(*exit_status_);
  if (exit_signal_) json.key("exit_signal").value(*exit_signal_);
  json.key("bytes_in").value(static_cast<unsigned long long>(bytes_in_))
      .key("bytes_out").value(static_cast<unsigned long long>(bytes_out_))
      .key("duration").value(static_cast<double>(static_cast<long long>(seconds * 1000)) / 1000);
  if (!recording_) {
    audit(scope, "session.ended", json.end_object().str());
    return;
  }
  // The hash is known once the writer has closed the file; the event waits for it.
  ++*scope.unfinished;
  auto prefix = std::make_shared<std::string>(json.str());
  recording_->finish([executor = scope.executor, log = scope.log, storage = scope.storage,
                      unfinished = scope.unfinished, person = scope.person, source = scope.source,
                      subject = scope.login + "@" + scope.target, id = channel_id_,
                      prefix](const recording::RecordingResult& result) {
    asio::post(executor, [=] {
      --*unfinished;
      std::string text = *prefix;
      approvals::JsonWriter more;
      more.begin_object().key("recording").value(result.path).key("sha256").value(result.sha256)
          .key("recording_bytes").value(static_cast<unsigned long long>(result.bytes_written));
      if (result.dropped_bytes > 0) more.key("dropped_bytes").value(static_cast<unsigned long long>(result.dropped_bytes));
      if (result.capped) more.key("capped").value(true);
      if (!result.error.empty()) more.key("recording_error").value(result.error);
      more.end_object();
      // The first object is still open: the second's members continue it.
      text += "," + more.str().substr(1);
      if (result.capped) {
        log->write("recording-capped", {{"session", id}, {"recording", result.path}});
        storage->record({std::chrono::system_clock::now(), "recording.capped", person, source, subject, result.path});
      }
      storage->record({std::chrono::system_clock::now(), "session.ended", person, source, subject, text});
    });
  });
  recording_.reset();
}

}  // namespace holdgate::proxy
