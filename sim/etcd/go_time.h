// go_time.h — Go's time.ParseDuration, for the error texts etcd prints.
//
//   go_duration_error("5m")  -> nullopt                       (valid)
//   go_duration_error("x")   -> "time: invalid duration \"x\""
//   go_duration_error("5y")  -> "time: unknown unit \"y\" in duration \"5y\""
//
// Follows Go's src/time/format.go ParseDuration (the grammar
// [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, the special case "0", units ns us µs μs ms s m h, and
// the overflow check past 2^63-1 ns), returning only whether it parses and Go's error
// text. Must never: read past the string; accept what Go refuses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace raftlab::etcd {

std::optional<std::string> go_duration_error(std::string_view s);

}  // namespace raftlab::etcd
