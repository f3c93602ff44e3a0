//! `rt_http`: the Fetch standard's classes (Headers, FormData, bodies,
//! Request, Response) as a thin shim over ops, with the requests servers
//! received (`incoming`), `Bun.file` and `Bun.write`, `fetch` on the pooled
//! client in [`crate::client`], and EventSource.

pub mod fetch;
pub mod file;
pub mod incoming;

deno_core::extension!(
  rt_http,
  deps = [rt_web, rt_node],
  ops = [
    fetch::op_fetch_start,
    fetch::op_fetch_get,
    fetch::op_fetch_set_defaults,
    fetch::op_fetch_read_text,
    fetch::op_fetch_text_now,
    fetch::op_fetch_send,
    fetch::op_fetch_upload,
    fetch::op_fetch_upload_end,
    fetch::op_fetch_identity_next,
    fetch::op_fetch_identity_reply,
    fetch::op_fetch_read,
    fetch::op_fetch_read_all,
    fetch::op_fetch_abort,
    file::op_bun_file_type,
    file::op_bun_write,
    file::op_bun_write_sync,
    file::op_bun_file_delete,
    incoming::op_request_method,
    incoming::op_request_url,
    incoming::op_request_headers,
    incoming::op_request_has_body,
    incoming::op_request_body_chunk,
    incoming::op_request_body_all,
    incoming::op_request_client_gone,
  ],
  state = |state| {
    state.put(fetch::FetchState::default());
    state.put(incoming::IncomingRequests::default());
  },
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::HTTP);
  },
);
