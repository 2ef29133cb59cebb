// A recording's file written in whole blocks with O_DIRECT (recording/block_file.hpp): the file
// holds exactly the bytes appended, in order, whatever the pieces' sizes, and holds all of them
// after every pass that writes its tail; a pass that does not holds back only the last partial
// block, which the next such pass, or closing, writes. The Recording's tail timing is in
// recording_files_test.cpp.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "recording/block_file.hpp"
#include "temp_dir.hpp"

namespace rec = holdgate::recording;

namespace {

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

int new_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  return fd;
}

}  // namespace

TEST_CASE("a block file holds every byte appended, in order, after each pass", "[recording][block]") {
  TempDir dir;
  auto path = dir.file("r.stream");
  // Three blocks of staging, so passes larger than it write whole blocks in the middle of a pass.
  rec::StagingBuffer staging(3 * rec::block_size);
  rec::BlockFile file(new_file(path), "r.stream");
  std::mt19937 random(7);
  std::string expected;
  // Pieces of every awkward size: 1 byte, a block less one, exactly a block, more than staging.
  const std::size_t sizes[] = {1, 13, rec::block_size - 1, rec::block_size, rec::block_size + 1,
                               3 * rec::block_size, 3 * rec::block_size + 5, 10 * rec::block_size + 7};
  for (int pass = 0; pass < 40; ++pass) {
    file.begin(staging);
    int pieces = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < pieces; ++i) {
      std::string piece(sizes[random() % std::size(sizes)], '\0');
      for (auto& c : piece) c = static_cast<char>(random());
      REQUIRE(file.append(piece));
      expected += piece;
    }
    REQUIRE(file.end());
    // What a reader (or what is left after a kill -9) sees now: everything so far.
    REQUIRE(file_contents(path) == expected);
  }
  REQUIRE(file.sync_and_close());
  CHECK(file_contents(path) == expected);
}

TEST_CASE("a pass without its tail writes whole blocks only; closing writes the tail", "[recording][block]") {
  TempDir dir;
  auto path = dir.file("t.cast");
  rec::StagingBuffer staging(3 * rec::block_size);
  rec::BlockFile file(new_file(path), "t.cast");
  std::string expected(rec::block_size + 10, 'a');
  file.begin(staging);
  REQUIRE(file.append(expected));
  REQUIRE(file.end(false));
  CHECK(file.tail_unwritten());
  CHECK(file_contents(path) == expected.substr(0, rec::block_size));  // the whole block only
  // More bytes in the same partial block, still held back; then a pass with its tail.
  file.begin(staging);
  REQUIRE(file.append("bcd"));
  expected += "bcd";
  REQUIRE(file.end(false));
  CHECK(file_contents(path).size() == rec::block_size);
  file.begin(staging);
  REQUIRE(file.end(true));
  CHECK_FALSE(file.tail_unwritten());
  CHECK(file_contents(path) == expected);
  // A pass that adds nothing leaves a written tail written.
  file.begin(staging);
  REQUIRE(file.end(false));
  CHECK_FALSE(file.tail_unwritten());
  // Held back at the end: closing writes it.
  file.begin(staging);
  REQUIRE(file.append("tail"));
  expected += "tail";
  REQUIRE(file.end(false));
  CHECK(file.tail_unwritten());
  REQUIRE(file.sync_and_close());
  CHECK(file_contents(path) == expected);
}

TEST_CASE("a block file on a filesystem that takes O_DIRECT writes whole blocks directly", "[recording][block]") {
  TempDir dir;
  rec::BlockFile file(new_file(dir.file("r.cast")), "r.cast");
  // /tmp here is ext4 or tmpfs, both take O_DIRECT on Linux 6.6 and later.
  CHECK(file.direct());
  rec::StagingBuffer staging;
  file.begin(staging);
  REQUIRE(file.append(std::string(5 * rec::block_size + 100, 'x')));
  REQUIRE(file.end());
  CHECK(file.direct());  // no write was refused on the way
  REQUIRE(file.sync_and_close());
  CHECK(file_contents(dir.file("r.cast")) == std::string(5 * rec::block_size + 100, 'x'));
}

TEST_CASE("a block file that cannot write says so in one sentence and takes no more", "[recording][block]") {
  int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  rec::BlockFile file(fd, "r.stream");
  rec::StagingBuffer staging(rec::block_size);
  file.begin(staging);
  bool ok = file.append(std::string(3 * rec::block_size, 'x'));  // fills staging: a write
  ok = ok && file.end();
  CHECK_FALSE(ok);
  CHECK(file.error() == "cannot write r.stream: No space left on device");
  file.begin(staging);
  CHECK_FALSE(file.append("more"));
  CHECK_FALSE(file.end());
  CHECK_FALSE(file.sync_and_close());
}
