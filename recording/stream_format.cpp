#include "recording/stream_format.hpp"

#include <algorithm>
#include <cmath>

#include "approvals/json.hpp"

namespace holdgate::recording {
namespace {

// A header line longer than this is not a stream recording's (titles are a command line).
constexpr std::size_t max_header_line = 64 * 1024;
// The title is cut to this many bytes before it is quoted, so that even escaped six-fold
// (\u001b for each byte) the header line stays under max_header_line: an exec command can be
// as long as an SSH packet, and a header the decoder refuses is a recording nobody can export.
constexpr std::size_t max_title_bytes = 8 * 1024;

// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence.
std::string_view cut_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return text.substr(0, end);
}

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::uint64_t get_le(std::string_view in, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= std::uint64_t(static_cast<unsigned char>(in[i])) << (8 * i);
  return value;
}

std::string frame_head(char what, double seconds, std::size_t size, std::size_t reserve) {
  std::string out;
  out.reserve(stream_frame_header_size + reserve);
  out += what;
  put_le(out, static_cast<std::uint64_t>(std::llround(std::max(seconds, 0.0) * 1e6)), 8);
  put_le(out, size, 4);
  return out;
}

std::string frame(char what, double seconds, std::string_view bytes) {
  return frame_head(what, seconds, bytes.size(), bytes.size()).append(bytes);
}

char stream_letter(Stream stream) {
  return stream == Stream::input ? 'i' : stream == Stream::error_output ? 'e' : 'o';
}

}  // namespace

std::string stream_header(const CastHeader& header) {
  approvals::JsonWriter json;
  json.begin_object()
      .key("format").value("holdgate-stream")
      .key("version").value(1)
      .key("timestamp").value(header.timestamp);
  if (!header.title.empty()) json.key("title").value(cut_utf8(header.title, max_title_bytes));
  json.end_object();
  return json.str() + "\n";
}

std::string StreamEncoder::data(double seconds, Stream stream, std::string_view bytes) {
  if (bytes.empty()) return {};
  return frame(stream_letter(stream), seconds, bytes);
}

std::string StreamEncoder::frame_header(double seconds, Stream stream, std::size_t size) {
  return frame_head(stream_letter(stream), seconds, size, 0);
}

std::string StreamEncoder::marker(double seconds, std::string_view label) {
  return frame('m', seconds, label);
}

std::vector<StreamFrame> StreamDecoder::feed(std::string_view bytes) {
  std::vector<StreamFrame> frames;
  if (error_) return frames;
  pending_.append(bytes);
  std::size_t at = 0;
  if (!header_done_) {
    // Only the bytes not searched yet: a header read a byte at a time must not cost its square.
    auto newline = pending_.find('\n', header_scanned_);
    if (newline == std::string::npos) {
      header_scanned_ = pending_.size();
      if (pending_.size() > max_header_line) error_ = "it is not a holdgate stream recording";
      return frames;
    }
    // The same limit whether the line came in one read or in many: the verdict on a file must
    // not depend on the sizes of the reads.
    if (newline > max_header_line || pending_.compare(0, 1, "{") != 0 ||
        pending_.substr(0, newline).find("\"holdgate-stream\"") == std::string::npos) {
      error_ = "it is not a holdgate stream recording";
      return frames;
    }
    header_done_ = true;
    at = newline + 1;
  }
  while (pending_.size() - at >= stream_frame_header_size) {
    std::string_view head(pending_.data() + at, stream_frame_header_size);
    std::uint64_t length = get_le(head.substr(9), 4);
    if (pending_.size() - at - stream_frame_header_size < length) break;
    frames.push_back({head[0], get_le(head.substr(1), 8),
                      pending_.substr(at + stream_frame_header_size, length)});
    at += stream_frame_header_size + length;
  }
  pending_.erase(0, at);
  return frames;
}

std::optional<std::string> StreamDecoder::end_of_file() const {
  if (error_) return error_;
  if (!header_done_) return "it is not a holdgate stream recording";
  if (!pending_.empty()) return "it ends in the middle of a frame";
  return std::nullopt;
}

std::string StreamFilter::pass(std::string_view bytes) {
  std::string out;
  for (auto& frame : decoder_.feed(bytes)) {
    if (frame.what == what_) out += frame.data;
  }
  return out;
}

}  // namespace holdgate::recording
