//! rt's integration tests: one test binary (as ripgrep keeps them), each
//! module a concern, all running the built `rt` on fixtures in
//! `tests/fixtures/` against real sockets and peers.

#![allow(clippy::unwrap_used, reason = "a panic fails the test")]

mod common;

mod browser_chat;
mod bun_utils;
mod cluster;
mod eventsource;
mod examples;
mod fetch;
mod fetch_classes;
mod fetch_tls;
mod net;
mod npm_packages;
mod redis_npm;
mod rt_test;
mod run_errors;
mod run_globals;
mod run_modules;
mod serve_compression;
mod serve_cookies;
mod serve_errors;
mod serve_files;
mod serve_h2;
mod serve_h2_frames;
mod serve_http;
mod serve_routes;
mod serve_server;
mod serve_tls;
mod serve_trailers;
mod typescript_cjs;
mod websocket_client;
mod websocket_server;
mod workers;
