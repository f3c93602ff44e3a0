//! The `rt` binary.

fn main() {
  let code = rt::cli::main_with_args(std::env::args_os().collect());
  std::process::exit(code);
}
