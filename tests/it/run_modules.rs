//! `rt run` loads ES modules: relative, absolute, probed, dynamic, JSON, TLA.

use crate::common::*;

#[test]
fn es_modules_load_and_evaluate_in_order() {
  let absolute = fixture("modules/lib/absolute.js");
  let out = run_fixture("modules/main.js", &[absolute.to_str().unwrap()]);
  let missing = fixture("modules/main.js");
  assert_stdout(
    &out,
    &format!(
      "5\nhello, rt\nfixture 3\ntrue false\ntrue true\nsame instance true\n\
       absolute 42\ntop-level await\n\
       missing: Cannot find module './missing.js' from '{}'\n\
       json without attribute: true\nbare: true\n\
       text: \"plain <text>\\n\" true\n",
      missing.display()
    ),
  );
}

#[test]
fn script_arguments_follow_the_script_in_argv() {
  let dir =
    std::env::temp_dir().join(format!("rt-argv-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  std::fs::write(
    dir.join("argv.js"),
    "console.log(JSON.stringify(process.argv.slice(1)), Bun.argv.length);",
  )
  .unwrap();
  let out = run_in(&dir, &["run", "argv.js", "--flag", "x"]);
  let main = dir.join("argv.js");
  assert_stdout(
    &out,
    &format!("[\"{}\",\"--flag\",\"x\"] 4\n", main.display()),
  );
  // `rt <file>` is the shorthand for `rt run <file>`.
  let short = run_in(&dir, &["argv.js", "y"]);
  assert_stdout(&short, &format!("[\"{}\",\"y\"] 3\n", main.display()));
  std::fs::remove_dir_all(&dir).unwrap();
}
