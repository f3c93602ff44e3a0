//! `rt_node`: Node's built-in modules (`node:fs`, `node:path`, ...), one
//! lazily loaded ES module each, by the names in the surface table; and
//! `require`, whose resolution and loading are the module loader's.

pub mod fs;
pub mod require;

deno_core::extension!(
  rt_node,
  deps = [rt_web, rt_net],
  ops = [
    crate::ext::surface::op_rt_builtin_modules,
    fs::op_node_fs_read_sync,
    fs::op_node_fs_read,
    fs::op_node_fs_write_sync,
    fs::op_node_fs_write,
    fs::op_node_fs_stat_sync,
    fs::op_node_fs_stat,
    fs::op_node_fs_readdir_sync,
    fs::op_node_fs_readdir,
    fs::op_node_fs_mkdir_sync,
    fs::op_node_fs_mkdir,
    fs::op_node_fs_rm_sync,
    fs::op_node_fs_rm,
    fs::op_node_fs_exists_sync,
    fs::op_node_os_info,
    require::op_rt_require_resolve,
    require::op_rt_require_load,
  ],
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::NODE);
  },
);
