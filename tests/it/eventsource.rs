//! EventSource (an rt extension: Bun has none) against an SSE endpoint
//! served by rt in the same script.

use crate::common::*;

#[test]
fn eventsource_dispatches_by_name_reconnects_with_last_event_id_and_fails_cleanly()
 {
  let out = run_fixture("sse/client.js", &[]);
  assert_stdout(
    &out,
    "state 0 true
open 1
message \"one\" 1 true
custom \"two\\nlines\"
message \"cr\" 1 true
message \"crlf\" 1 true
message \"no space\" 1 true
error 0
open 1
message \"again last-event-id=1\" 1 true
closed 2
/plain error 2
/empty error 2
SyntaxError
connections 2
",
  );
}
