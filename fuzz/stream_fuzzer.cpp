// The .stream recording decoder (recording/stream_format.hpp): `session export --stream` and
// replay read these files, which a full disk or a crash can leave cut anywhere. Fed in pieces
// of any size it gives the same frames and the same verdict as fed all at once.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "recording/stream_format.hpp"

namespace {

using holdgate::fuzz::as_text;
namespace rec = holdgate::recording;

bool same_frames(const std::vector<rec::StreamFrame>& a, const std::vector<rec::StreamFrame>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].what != b[i].what || a[i].microseconds != b[i].microseconds || a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte is the size of the reads (0: one byte at a time is 1).
  const std::size_t piece = std::max<std::size_t>(data[0], 1);
  const std::string_view file = as_text(data + 1, size - 1);

  rec::StreamDecoder whole;
  const auto at_once = whole.feed(file);

  rec::StreamDecoder pieces;
  rec::StreamFilter out('o');
  std::vector<rec::StreamFrame> in_pieces;
  std::string filtered;
  for (std::size_t at = 0; at < file.size(); at += piece) {
    auto frames = pieces.feed(file.substr(at, piece));
    in_pieces.insert(in_pieces.end(), frames.begin(), frames.end());
    filtered += out.pass(file.substr(at, piece));
  }
  FUZZ_CHECK(same_frames(at_once, in_pieces));
  FUZZ_CHECK(whole.end_of_file() == pieces.end_of_file());
  FUZZ_CHECK(out.end_of_file() == whole.end_of_file());

  std::string expected;
  std::size_t bytes = 0;
  for (const auto& frame : at_once) {
    if (frame.what == 'o') expected += frame.data;
    bytes += rec::stream_frame_header_size + frame.data.size();
  }
  FUZZ_CHECK(filtered == expected);
  FUZZ_CHECK(bytes <= file.size());
  return 0;
}
