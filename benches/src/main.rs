//! `xindang-bench [--quick] [--out DIR] [--sizes N,N…] [--roster-rows N] [--bundle-students N]
//! [--runs N] [--reuse DIR] [--only GROUP,…] --plaintext-bin PATH`:
//! the benchmark suite (run it through `cargo xtask bench`, which builds it in release).
//! `xindang-bench child …` is the measuring child the suite starts itself.

use std::path::PathBuf;
use std::process::ExitCode;

use xindang_bench::Options;

const USAGE: &str = "usage: xindang-bench [--quick] [--out DIR] [--sizes N,N...] [--roster-rows N] [--bundle-students N] [--runs N] [--reuse DIR] [--only sessions,cold,roster,bundles] --plaintext-bin PATH";

fn number(v: Option<&String>, what: &str) -> Result<usize, String> {
    v.and_then(|s| s.replace('_', "").parse().ok())
        .filter(|&n: &usize| n > 0)
        .ok_or_else(|| format!("{what} needs a positive number"))
}

fn options(args: &[String]) -> Result<Options, String> {
    let quick = args.iter().any(|a| a == "--quick");
    let mut opts = Options::standard(quick, PathBuf::from("target/bench"));
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => {}
            "--out" => opts.out = PathBuf::from(it.next().ok_or("--out needs a folder")?),
            "--sizes" => {
                opts.sizes = it
                    .next()
                    .ok_or("--sizes needs a list")?
                    .split(',')
                    .map(|s| number(Some(&s.to_string()), "--sizes"))
                    .collect::<Result<_, _>>()?
            }
            "--roster-rows" => opts.roster_rows = number(it.next(), "--roster-rows")?,
            "--bundle-students" => opts.bundle_students = number(it.next(), "--bundle-students")?,
            "--only" => {
                opts.only = it
                    .next()
                    .ok_or("--only needs a list")?
                    .split(',')
                    .map(str::to_string)
                    .collect();
                if let Some(g) = opts
                    .only
                    .iter()
                    .find(|g| !xindang_bench::GROUPS.contains(&g.as_str()))
                {
                    return Err(format!("--only: unknown group {g}\n{USAGE}"));
                }
            }
            "--runs" => {
                let n = number(it.next(), "--runs")?;
                opts.fast_runs = n;
                opts.unlock_runs = n.min(opts.unlock_runs);
                opts.cold_runs = n.min(opts.cold_runs);
                opts.export_runs = n.min(opts.export_runs);
            }
            "--plaintext-bin" => {
                opts.plaintext_bin = Some(PathBuf::from(
                    it.next().ok_or("--plaintext-bin needs a path")?,
                ))
            }
            "--reuse" => {
                opts.reuse = Some(PathBuf::from(it.next().ok_or("--reuse needs a folder")?))
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("child") {
        xindang_bench::run_child(&args[1..])
    } else if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        Ok(())
    } else {
        options(&args).and_then(|o| xindang_bench::run(&o).map(|_| ()))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xindang-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
