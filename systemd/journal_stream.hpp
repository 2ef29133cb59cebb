// Whether stderr is connected to systemd's journal. systemd sets $JOURNAL_STREAM to the
// "DEVICE:INODE" of the stream it hands a service; comparing it with stderr itself (as
// systemd.exec(5) advises) keeps a child whose stderr was redirected elsewhere from
// believing it talks to the journal because it inherited the variable.
#pragma once

#include <string_view>

namespace holdgate::systemd {

// True when `journal_stream` (the variable's value) names the file open on `fd`.
bool fd_is_journal_stream(int fd, std::string_view journal_stream);

// fd_is_journal_stream(2, $JOURNAL_STREAM); false when the variable is unset.
bool stderr_is_journal();

}  // namespace holdgate::systemd
