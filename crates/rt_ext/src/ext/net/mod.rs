//! `rt_net`: TCP and Unix sockets for `node:net` and `Bun.listen`/
//! `Bun.connect` (ops only; their scripts are the modules that use them).

pub mod ops;

deno_core::extension!(
  rt_net,
  deps = [rt_web],
  ops = [
    ops::op_net_listen,
    ops::op_net_accept,
    ops::op_net_connect,
    ops::op_net_read,
    ops::op_net_write,
    ops::op_net_try_write,
    ops::op_net_writable,
    ops::op_net_shutdown,
    ops::op_net_set_nodelay,
    ops::op_net_set_keepalive,
    ops::op_net_close,
    ops::op_net_lookup,
  ],
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::NET);
  },
);
