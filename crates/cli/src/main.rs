//! `mxgw`: the command-line client of the MXAccess Gateway.
//!
//! Exit codes: 0 success; 1 runtime error (network, gateway, MXAccess);
//! 2 usage error (bad flags, bad `--value`, inconsistent TLS options).
//! Errors go to stderr as `mxgw: error: ...`, or with `--json` to stdout as
//! `{"error": "...", "type": "<kind>"}`. Secrets given on the command line or
//! through `--*-env` variables are scrubbed from every message.

#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]

mod args;
mod bench;
mod commands;
mod items;
mod json;
mod rfc3339;
mod values;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;
use crate::commands::{CliError, Printer};
use crate::json::Json;

fn main() -> ExitCode {
    let raw: Vec<OsString> = std::env::args_os().collect();
    let secrets = secrets_in(&raw);
    let cli = match Cli::try_parse_from(&raw) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, raw.iter().any(|a| a == "--json"), &secrets),
    };
    let printer = Printer {
        json: cli.command.json(),
    };
    // One command per process: a current-thread runtime is all it needs.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(&anyhow::Error::from(e), printer.json, &secrets),
    };
    match runtime.block_on(commands::run(cli.command, &printer)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, printer.json, &secrets),
    }
}

/// Prints a clap error (or help / version) and picks the exit code.
fn usage_error(e: clap::Error, json: bool, secrets: &[String]) -> ExitCode {
    if e.exit_code() == 0 {
        // --help and --version are not errors.
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = scrub(&e.render().to_string(), secrets);
    let text = text.trim_end();
    let body = text.strip_prefix("error: ").unwrap_or(text);
    if json {
        // One line: clap's message without its usage and hint paragraphs.
        let message = body
            .lines()
            .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        print_json_error(&message, "usage");
    } else {
        eprintln!("mxgw: error: {body}");
    }
    ExitCode::from(2)
}

/// Prints a runtime error and picks the exit code.
fn report(e: &anyhow::Error, json: bool, secrets: &[String]) -> ExitCode {
    // A closed stdout (e.g. `| head`) ends the output; that is not a failure.
    if e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    let kind = kind_of(e);
    let message = scrub(&format!("{e:#}"), secrets);
    if json {
        print_json_error(&message, kind);
    } else {
        eprintln!("mxgw: error: {message}");
    }
    match kind {
        "usage" | "config" | "invalid-value" => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn print_json_error(message: &str, kind: &str) {
    println!(
        "{}",
        Json::obj([("error", Json::from(message)), ("type", Json::from(kind))]).render()
    );
}

/// The error class: from the client's error or ours, else `runtime`.
fn kind_of(e: &anyhow::Error) -> &'static str {
    for cause in e.chain() {
        if let Some(c) = cause.downcast_ref::<mxgateway_client::Error>() {
            return c.kind();
        }
        if let Some(c) = cause.downcast_ref::<CliError>() {
            return c.kind;
        }
    }
    "runtime"
}

/// The secrets this invocation carries: `--api-key` and `--password` values,
/// and the values of the variables `--api-key-env` / `--password-env` name.
/// Taken from the raw arguments so even a rejected command line is scrubbed.
fn secrets_in(raw: &[OsString]) -> Vec<String> {
    let args: Vec<String> = raw
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut secrets = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        for flag in ["--api-key", "--password", "--api-key-env", "--password-env"] {
            let value = if arg == flag {
                args.get(i + 1).cloned()
            } else {
                arg.strip_prefix(&format!("{flag}=")).map(str::to_string)
            };
            let Some(value) = value else { continue };
            if flag.ends_with("-env") {
                if let Ok(v) = std::env::var(&value) {
                    secrets.push(v);
                }
            } else {
                secrets.push(value);
            }
        }
    }
    let mut all = Vec::new();
    for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
        // The secret part of `mxgw_<id>_<secret>` alone is just as sensitive.
        if let Some((_, tail)) = secret.rsplit_once('_') {
            if tail.len() >= 8 {
                all.push(tail.to_string());
            }
        }
        all.push(secret);
    }
    // Longest first, so a key is replaced whole before its tail is.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all
}

fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        out = out.replace(s.as_str(), "<redacted>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_from_flags_in_both_spellings() {
        let raw: Vec<OsString> = [
            "mxgw",
            "register",
            "--api-key",
            "mxgw_id_abcdefghijkl",
            "--password=hunter2hunter2",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let secrets = secrets_in(&raw);
        let text = scrub(
            "key mxgw_id_abcdefghijkl tail abcdefghijkl pw hunter2hunter2",
            &secrets,
        );
        assert_eq!(text, "key <redacted> tail <redacted> pw <redacted>");
    }
}
