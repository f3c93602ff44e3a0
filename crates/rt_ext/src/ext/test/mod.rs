//! `rt_test`: `bun:test` (runner, `expect`, mocks) as `rt test` runs it,
//! and the stand-ins for Bun's test `harness`, `bun:jsc` and
//! `bun:internal-for-testing`.

pub mod runner;

deno_core::extension!(
  rt_test,
  deps = [rt_bun],
  ops = [
    runner::op_test_config,
    runner::op_test_report,
    runner::op_test_certificate,
  ],
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::TEST);
  },
);
