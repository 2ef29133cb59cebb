#include "recording/stream_format.hpp"

#include <algorithm>
#include <cmath>

#include "approvals/json.hpp"

namespace holdgate::recording {
namespace {

// A header line longer than this is not a stream recording's (titles are a command line).
constexpr std::size_t max_header_line = 64 * 1024;

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
  if (!header.title.empty()) json.key("title").value(header.title);
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
    auto newline = pending_.find('\n');
    if (newline == std::string::npos) {
      if (pending_.size() > max_header_line) error_ = "it is not a holdgate stream recording";
      return frames;
    }
    if (pending_.compare(0, 1, "{") != 0 ||
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
