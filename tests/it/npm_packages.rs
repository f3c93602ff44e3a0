//! Real packages from the npm registry, installed at test time into a
//! temporary directory: a TypeScript Hono app (middleware, JSX through
//! `hono/jsx`, an enum, zod validation) served by `rt serve`, and a script
//! using itty-router, nanoid, uuid (through its `exports` map) and the
//! CommonJS packages cookie, ms and dotenv.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::common::http;
use crate::common::*;

/// Pinned major versions of what Bun users install.
const PACKAGES: &[&str] = &[
  "hono@4",
  "zod@3",
  "itty-router@5",
  "nanoid@5",
  "uuid@11",
  "cookie@1",
  "ms@2",
  "dotenv@16",
];

/// One `npm install` for every test in this file.
fn project() -> &'static PathBuf {
  static DIR: OnceLock<PathBuf> = OnceLock::new();
  DIR.get_or_init(|| {
    let dir = npm_project("npm-packages", PACKAGES);
    for (name, text) in FILES {
      std::fs::write(dir.join(name), text).expect("write fixture");
    }
    dir
  })
}

const FILES: &[(&str, &str)] = &[
  (
    "tsconfig.json",
    r#"{
  // Bun's `bun init` writes comments like this one.
  "compilerOptions": {
    "jsx": "react-jsx",
    "jsxImportSource": "hono/jsx",
  },
}"#,
  ),
  ("app.tsx", include_str!("../fixtures/npm/app.tsx")),
  ("script.ts", include_str!("../fixtures/npm/script.ts")),
  ("plain.ts", include_str!("../fixtures/npm/plain.ts")),
  (".env", "GREETING=from dotenv\n"),
];

#[test]
fn a_typescript_hono_app_is_served_unchanged() {
  let app = project().join("app.tsx");
  let served =
    Served::spawn(&["serve", "--port", "0", app.to_str().unwrap()], &[]);

  let res = http::get(served.port, "/");
  assert_eq!(res.status, 200);
  assert_eq!(res.text(), "hello hono");
  // Middleware ran around the handler.
  assert_eq!(res.header("x-middleware"), Some("yes"));
  assert_eq!(res.header("access-control-allow-origin"), Some("*"));

  let res = http::get(served.port, "/page");
  assert_eq!(res.status, 200);
  assert_eq!(
    res.text(),
    "<html><body><h1 class=\"title\">jsx works</h1><p>2 items</p></body></html>"
  );
  assert!(res.header("content-type").unwrap().starts_with("text/html"));

  let res = http::get(served.port, "/status");
  assert_eq!(res.text(), "{\"status\":\"active\",\"level\":2}");

  let res = http::send(
    served.port,
    "POST",
    "/users",
    &[("content-type", "application/json")],
    b"{\"name\":\"ada\"}",
  );
  assert_eq!(res.status, 201);
  assert_eq!(res.text(), "{\"created\":\"ada\"}");
  let res = http::send(
    served.port,
    "POST",
    "/users",
    &[("content-type", "application/json")],
    b"{\"name\":\"a\"}",
  );
  assert_eq!(res.status, 400);
  assert_eq!(res.text(), "{\"error\":[\"name\"]}");

  // A throw in a .tsx handler: Hono's 500, and rt's log names the line.
  let res = http::get(served.port, "/throw");
  assert_eq!(res.status, 500);
  let out = served.stop();
  // app.tsx is transformed (JSX): the line comes through its source map.
  let line = format!("{}:30:", app.display());
  assert!(
    out.stdout.contains(&line) || out.stderr.contains(&line),
    "no stack line naming {line}: {out:?}"
  );
}

/// Regression: the Hono instance's own `routes` array made `rt serve`
/// throw "routes must be an object"; Bun ignores an array.
#[test]
fn bun_create_hono_default_export_is_served() {
  let app = project().join("plain.ts");
  let served =
    Served::spawn(&["serve", "--port", "0", app.to_str().unwrap()], &[]);
  let res = http::get(served.port, "/");
  assert_eq!((res.status, res.text().as_str()), (200, "Hello Hono!"));
  let res = http::get(served.port, "/missing");
  assert_eq!(res.status, 404);
}

#[test]
fn packages_esm_cjs_and_exports_maps_load() {
  let dir = project();
  let out = run_in(dir, &["run", "script.ts"]);
  assert_stdout(
    &out,
    "router 200 {\"id\":\"42\"}\nnanoid 21 true\nuuid true true\n\
     cookie {\"a\":\"1\",\"b\":\"two words\"} session=x; HttpOnly\n\
     ms 7200000 2h\ndotenv from dotenv from dotenv\nrequire ms 1000\n",
  );
}
