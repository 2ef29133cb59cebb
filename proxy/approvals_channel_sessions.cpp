// The approvals channel's session screens: `session play` / `export` streaming a recording, and
// `session watch` following a live one (issue 13, section 2).
#include <algorithm>

#include "approvals/json.hpp"
#include "approvals/session_commands.hpp"
#include "approvals_conversation.hpp"
#include "policy/sanitize.hpp"

namespace holdgate::proxy {

void ApprovalsChannels::start_replay(Conversation& c, const approvals::SessionReplay& replay) {
  const bool play = replay.kind == approvals::SessionReplay::Kind::play;
  if (play && !c.pty) {
    c.write("holdgate: session play needs a terminal (ssh -t); to save the recording instead: " +
                context_.invocation + " session export " + policy::sanitize(replay.session) +
                " > session.cast\n",
            true);
    c.finish(approvals::exit_refused);
    return;
  }
  // A .stream file holds the target's bytes as they were, escape sequences included: written to
  // a reviewer's terminal they would drive it (asciicast is JSON text, safe either way).
  if (!play && c.pty && replay.file.extension() == ".stream") {
    c.write("holdgate: the recording of session " + policy::sanitize(replay.session) +
                " is the target's raw bytes, which would drive your terminal; write it to a "
                "file: " + context_.invocation + " session export " +
                policy::sanitize(replay.session) + " --stream stdout > session.out\n",
            true);
    c.finish(approvals::exit_refused);
    return;
  }
  auto opened = recording::RecordingFile::open(replay.file);
  if (auto* error = std::get_if<std::string>(&opened)) {
    c.write("holdgate: session " + policy::sanitize(replay.session) + " cannot be replayed: " +
                policy::sanitize(*error) + "\n",
            true);
    end_replay(c, approvals::exit_refused);
    return;
  }
  c.file.emplace(std::move(std::get<recording::RecordingFile>(opened)));
  c.replay = replay;
  c.mode = Conversation::Mode::replaying;
  if (replay.stream != 0) c.stream_filter.emplace(replay.stream);
  if (play) {
    c.player.emplace(replay.speed);
    std::string speed = replay.speed == 1 ? "" : " at " + approvals::JsonWriter().value(replay.speed).str() + "x";
    c.write("[holdgate: replaying session " + policy::sanitize(replay.session) + speed +
            "; q stops]\n");
  }
}

bool ApprovalsChannels::step_replay(Conversation& c) {
  // Whatever went out before must be in the client's window first: that is the back-pressure.
  if (!c.output_sent()) return false;
  const bool play = c.player.has_value();
  bool progress = false;
  if (!play || c.player->wants_bytes()) {
    std::string bytes = c.file->read(recording_read_size);
    progress = true;
    if (!c.file->error().empty()) {
      c.write("\nholdgate: session " + policy::sanitize(c.replay->session) + " cannot be replayed: " +
                  policy::sanitize(c.file->error()) + "\n",
              true);
      end_replay(c, approvals::exit_refused);
      return true;
    }
    if (!play) {
      if (c.stream_filter) bytes = c.stream_filter->pass(bytes);
      if (!bytes.empty()) {
        c.write_raw(bytes);  // byte for byte: no "\r\n" even on a terminal
        return true;
      }
    } else {
      c.player->feed(bytes);
      if (c.file->at_end()) c.player->end_of_file();
    }
  }
  if (play) {
    const bool had_size = c.player->size().has_value();
    std::string out = c.player->due_output(SteadyClock::now());
    if (!had_size && c.player->size() &&
        (c.player->size()->width > static_cast<unsigned>(c.cols) ||
         c.player->size()->height > static_cast<unsigned>(c.rows))) {
      c.write("[holdgate: recorded at " + std::to_string(c.player->size()->width) + "x" +
              std::to_string(c.player->size()->height) + ", your terminal is " +
              std::to_string(c.cols) + "x" + std::to_string(c.rows) +
              "; enlarge it for a faithful replay]\n");
    }
    if (!out.empty()) {
      c.write_raw(out);
      progress = true;
    }
    if (!c.player->finished()) return progress;
    if (!c.player->error().empty()) {
      c.write("\x1b[0m\nholdgate: session " + policy::sanitize(c.replay->session) + ": " +
                  policy::sanitize(c.player->error()) + "\n",
              true);
      end_replay(c, approvals::exit_refused);
      return true;
    }
    // The player may finish before the file's last read says so: read to the end for the hash.
    if (!c.file->at_end()) return progress;
  } else if (!c.file->at_end()) {
    return progress;
  }
  // All of it is read: does it hash to what session.ended said?
  const std::string actual = c.file->sha256();
  if (auto broken = c.stream_filter ? c.stream_filter->end_of_file() : std::nullopt;
      broken && actual == c.replay->sha256) {
    c.write("holdgate: session " + policy::sanitize(c.replay->session) + " cannot be exported: " +
                *broken + "\n", true);
    end_replay(c, approvals::exit_refused);
    return true;
  }
  if (play) c.write("\x1b[0m\n[holdgate: end of session " + policy::sanitize(c.replay->session) + "]\n");
  if (actual != c.replay->sha256) {
    std::string sentence = approvals::tampered_sentence(*c.replay, actual);
    c.write(sentence, true);
    sentence.pop_back();  // its "\n"
    end_replay(c, approvals::exit_refused, sentence.substr(std::string_view("holdgate: ").size()));
  } else {
    end_replay(c, approvals::exit_ok);
  }
  return true;
}

void ApprovalsChannels::end_replay(Conversation& c, int status, std::string note) {
  c.replay.reset();
  c.file.reset();
  c.player.reset();
  c.stream_filter.reset();
  if (!c.menu) {
    c.finish(status);
    return;
  }
  // Played from the menu: back to its sessions screen (what was said stays until the redraw).
  c.mode = Conversation::Mode::menu;
  if (!note.empty()) c.menu->show_message(std::move(note));
  c.redraw_wanted = true;
}

awaitable<void> ApprovalsChannels::start_watching(Conversation& c, const std::string& id) {
  auto session = live_ ? live_->find(id) : nullptr;
  if (!session) {
    co_await stop_watching(c, approvals::exit_refused, "session " + id + " has just ended");
    co_return;
  }
  auto watcher = std::make_shared<LiveWatcher>(caller_.user->name, max_watcher_backlog, waiter_.notifier());
  session->join(watcher);
  c.watching = std::make_unique<Conversation::Watching>(session, std::move(watcher));
  c.mode = Conversation::Mode::watch_session;
  auto row = session->row();
  approvals::JsonWriter details;
  details.begin_object().key("session").value(row.id).key("person").value(row.owner.person).end_object();
  storage_.record({std::chrono::system_clock::now(), "session.watched", caller_.user->name, caller_.source,
                    row.login + "@" + row.target, details.str()});
}

awaitable<bool> ApprovalsChannels::step_watching(Conversation& c) {
  LiveWatcher& watcher = *c.watching->watcher;
  // Typing is never passed on: q or Ctrl-C leaves, the rest is dropped. (As with `request
  // watch`, stdin closing is no reason to stop; closing the channel is.)
  auto input = c.read_input();
  if (input && input->find_first_of("qQ\x03") != std::string::npos) {
    c.write_raw(watcher.take());
    co_await stop_watching(c, approvals::exit_ok, "stopped watching");
    co_return true;
  }
  if (watcher.dropped()) {
    co_await stop_watching(c, approvals::exit_refused, "you were dropped from watching: your connection could not keep up");
    co_return true;
  }
  if (watcher.ended()) {
    c.write_raw(watcher.take());
    co_await stop_watching(c, approvals::exit_ok, "the session ended");
    co_return true;
  }
  // Only what the channel can take now moves on; the rest stays in the bounded backlog.
  if (!c.output_sent()) co_return false;
  std::string data = watcher.take();
  if (data.empty()) co_return false;
  c.write_raw(data);
  co_return true;
}

awaitable<void> ApprovalsChannels::stop_watching(Conversation& c, int status, const std::string& sentence) {
  c.watching.reset();
  if (!c.menu) {
    c.write("\nholdgate: " + sentence + "\n", true);
    c.finish(status);
    co_return;
  }
  // Watched from the menu: back to its sessions screen, listed afresh (the session may be over),
  // with what happened in the footer. The watched terminal's colours are not the menu's.
  c.write_raw("\x1b[0m");
  c.mode = Conversation::Mode::menu;
  co_await refresh_menu(c);
  co_await show_sessions(c);
  std::string note = sentence;
  note[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(note[0])));
  c.menu->show_message(note + ".");
  c.redraw_wanted = true;
}

}  // namespace holdgate::proxy
