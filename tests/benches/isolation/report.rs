//! The table: per case, B alone and B beside A, with accept and delivery latency (p50,
//! p99 over the messages of all runs together, in ms), the p99 ratio to the baseline
//! (target ≤ 1.25),
//! B's temporary failures (target 0), errors, undelivered messages, and the case's
//! own number; then what each run of A's load saw.

use super::tenant_b::{Sample, quantile_ms};
use super::{Case, Hostile, Run};

/// One phase's figures over the runs. The quantiles pool the runs' messages: with 3 runs
/// of 1000, p99 is the 30th slowest of 3000, so one disk stall in one run (a burst of
/// slow messages) moves it less than it moves that run's own p99.
struct Phase {
    accept: [Option<f64>; 2],
    delivery: [Option<f64>; 2],
    temp_failures: usize,
    errors: usize,
    undelivered: usize,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

impl Phase {
    fn of<'a>(samples: impl Iterator<Item = &'a Sample> + Clone) -> Phase {
        let over = |pick: fn(&Sample) -> &Vec<std::time::Duration>, q: f64| {
            let pooled: Vec<_> = samples.clone().flat_map(|s| pick(s).iter().copied()).collect();
            quantile_ms(&pooled, q)
        };
        Phase {
            accept: [over(|s| &s.accept, 0.5), over(|s| &s.accept, 0.99)],
            delivery: [over(|s| &s.delivery, 0.5), over(|s| &s.delivery, 0.99)],
            temp_failures: samples.clone().map(Sample::temp_failures).sum(),
            errors: samples.clone().map(|s| s.errors).sum(),
            undelivered: samples.map(|s| s.undelivered).sum(),
        }
    }
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}"))
}

fn ratio(v: Option<f64>, base: Option<f64>) -> String {
    match (v, base) {
        (Some(v), Some(b)) if b > 0.0 => format!("{:.2}", v / b),
        _ => String::new(),
    }
}

fn row(label: &str, phase: &str, p: &Phase, base: Option<&Phase>, own: &str) {
    let r = |pick: fn(&Phase) -> Option<f64>| base.map_or(String::new(), |b| ratio(pick(p), pick(b)));
    println!(
        "{label:<34}{phase:<7}{:>9}{:>9}{:>8}{:>9}{:>9}{:>8}{:>5}{:>5}{:>5}  {own}",
        ms(p.accept[0]),
        ms(p.accept[1]),
        r(|p| p.accept[1]),
        ms(p.delivery[0]),
        ms(p.delivery[1]),
        r(|p| p.delivery[1]),
        p.temp_failures,
        p.errors,
        p.undelivered,
    );
}

/// The case's own number, as the table shows it.
fn own(case: &Case, runs: &[Run]) -> String {
    let figure = median(runs.iter().filter_map(|r| r.figure).collect());
    match (case.hostile, figure) {
        (Hostile::LargeBurst(_), Some(mb)) => format!("peak RSS {mb:.0} MB (target < 300)"),
        (Hostile::BusyCore, _) => {
            let total: f64 = runs.iter().filter_map(|r| r.figure).sum();
            format!("451 replies to B: {total:.0} (target 0)")
        }
        _ => String::new(),
    }
}

/// Prints the table, then each run's notes.
pub fn print_table(cases: &[(Case, Vec<Run>)]) {
    println!();
    println!(
        "{:<34}{:<7}{:>9}{:>9}{:>8}{:>9}{:>9}{:>8}{:>5}{:>5}{:>5}",
        "case", "B", "acc p50", "acc p99", "×p99", "dlv p50", "dlv p99", "×p99", "4xx", "err", "undl"
    );
    for (case, runs) in cases {
        let label = format!("{:<3}{}", case.id, case.name);
        if runs.is_empty() {
            println!("{label:<34}did not run");
            continue;
        }
        let alone = Phase::of(runs.iter().map(|r| &r.alone));
        let beside = Phase::of(runs.iter().map(|r| &r.beside));
        row(&label, "alone", &alone, None, "");
        row("", "beside", &beside, Some(&alone), &own(case, runs));
    }
    println!("\n(ms; quantiles over all runs' messages; ×p99 = p99 beside A / p99 alone, target ≤ 1.25; 4xx target 0)");
    for (case, runs) in cases {
        for (n, run) in runs.iter().enumerate() {
            let refusals: Vec<String> = run.beside.refusals.iter().map(|(c, k)| format!("{c}×{k}")).collect();
            let p99 = |s: &Sample| ms(quantile_ms(&s.accept, 0.99));
            println!(
                "{} run {}: {}; B's accept p99 alone {} beside {}; B's refusals beside A: [{}]",
                case.id,
                n + 1,
                run.note,
                p99(&run.alone),
                p99(&run.beside),
                refusals.join(" ")
            );
        }
    }
}
