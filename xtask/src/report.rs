//! The Measuring chapter's tables and plots, drawn from echo-bench's results
//! (`listings/echo-bench/results/results.json`) in each edition's language.
//!
//! `cargo xtask bench` writes them after measuring, `cargo xtask bench --redraw` from the
//! committed results, and a test checks that the committed files are what the results
//! give, so the chapter never shows numbers that the results file does not hold.

use crate::Edition;
use anyhow::{Context, Result};
use plotters::prelude::*;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The servers in the order the tables and legends list them, with their colour.
const SERVERS: [(&str, RGBColor); 5] = [
    ("echo-server", RGBColor(120, 120, 120)),
    ("echo-server-threaded", RGBColor(31, 119, 180)),
    ("echo-server-pool", RGBColor(230, 120, 20)),
    ("echo-server-async", RGBColor(44, 160, 44)),
    ("plain-tokio", RGBColor(148, 103, 189)),
];

const CONNECTIONS: [u64; 4] = [1, 10, 100, 1000];

/// Every word the tables and plots show, in one language.
struct Words {
    connections: &'static str,
    round_trips: &'static str,
    latency: &'static str,
    size: fn(u64) -> String,
    server: &'static str,
    machine: fn(&Value) -> String,
    throughput_title: &'static str,
    ratio_title: &'static str,
    threaded_vs_async: &'static str,
    async_vs_plain: &'static str,
    latency_title: &'static str,
    served_title: &'static str,
    usage_title: &'static str,
    usage_row: [&'static str; 4],
    check: fn(&Value) -> String,
    spread: fn(f64, &str, u64, &str) -> String,
}

const EN: Words = Words {
    connections: "connections",
    round_trips: "round trips per second (thousands)",
    latency: "latency (µs)",
    size: |size| match size {
        4096 => "4 KiB messages".into(),
        _ => format!("{size}-byte messages"),
    },
    server: "server",
    machine: |results| {
        let m = &results["machine"];
        format!(
            "Measured on {} cores ({}), {}, {}: each run {} s after {} s of warm-up; \
             runs per number: {}, the mean shown.",
            m["cores"],
            text(&m["cpu"]),
            text(&m["os"]),
            text(&m["rustc"]),
            results["seconds"],
            results["warmup_seconds"],
            runs(results)
        )
    },
    throughput_title: "Round trips per second",
    ratio_title: "Threaded ÷ async and async ÷ plain tokio (round trips per second)",
    threaded_vs_async: "threaded ÷ async",
    async_vs_plain: "async ÷ plain tokio",
    latency_title: "Latency p50 / p99 (µs) of the round trips that were served",
    served_title: "Connections served / connections that got nothing",
    usage_title: "The server at 1000 connections, 64-byte messages",
    usage_row: [
        "CPU (s per s)",
        "context switches per round trip",
        "threads",
        "memory (MiB)",
    ],
    check: |check| {
        format!(
            "Is echo-bench the limit? Against {} at {} connections, one echo-bench \
             process got {} round trips per second through, two processes with half \
             the connections each {} together.",
            text(&check["server"]),
            check["connections"],
            thousands(number(&check["one_process_round_trips_per_sec"])),
            thousands(number(&check["two_processes_round_trips_per_sec"])),
        )
    },
    spread: |spread, server, connections, size| {
        format!(
            "The runs of one server, size and number of connections differed by at most \
             {:.0} % in round trips per second ({server}, {connections} connections, \
             {size}).",
            spread * 100.0
        )
    },
};

const KO: Words = Words {
    connections: "연결 수",
    round_trips: "초당 왕복 횟수 (천 회)",
    latency: "지연 시간 (µs)",
    size: |size| match size {
        4096 => "4KiB 메시지".into(),
        _ => format!("{size}바이트 메시지"),
    },
    server: "서버",
    machine: |results| {
        let m = &results["machine"];
        format!(
            "측정 환경: 코어 {}개({}), {}, {}. {}초 예열한 뒤 {}초씩 재고, \
             수치마다 {}번 잰 값의 평균을 적었습니다.",
            m["cores"],
            text(&m["cpu"]),
            text(&m["os"]),
            text(&m["rustc"]),
            results["warmup_seconds"],
            results["seconds"],
            runs(results)
        )
    },
    throughput_title: "초당 왕복 횟수",
    ratio_title: "스레드 서버 ÷ async 서버, async 서버 ÷ 기본 tokio 루프 (초당 왕복 횟수)",
    threaded_vs_async: "스레드 ÷ async",
    async_vs_plain: "async ÷ 기본 tokio",
    latency_title: "응답받은 왕복의 지연 시간 p50 / p99 (µs)",
    served_title: "응답받은 연결 / 아무것도 받지 못한 연결",
    usage_title: "연결 1000개, 64바이트 메시지일 때 서버가 쓴 자원",
    usage_row: [
        "CPU (초당 초)",
        "왕복 한 번당 문맥 교환",
        "스레드 수",
        "메모리 (MiB)",
    ],
    check: |check| {
        format!(
            "echo-bench가 병목은 아닐까요? 연결 {}개로 {}에 부하를 걸었을 때 \
             echo-bench 프로세스 하나는 초당 {}번 왕복했고, 연결을 반씩 나눈 \
             프로세스 두 개는 합쳐서 초당 {}번 왕복했습니다.",
            check["connections"],
            text(&check["server"]),
            thousands(number(&check["one_process_round_trips_per_sec"])),
            thousands(number(&check["two_processes_round_trips_per_sec"])),
        )
    },
    spread: |spread, server, connections, size| {
        format!(
            "같은 서버, 같은 크기, 같은 연결 수를 여러 번 잰 값은 초당 왕복 횟수가 많아야 \
             {:.0}% 달랐습니다({server}, 연결 {connections}개, {size}).",
            spread * 100.0
        )
    },
};

fn words(edition: &Edition) -> &'static Words {
    match edition.lang {
        "ko" => &KO,
        _ => &EN,
    }
}

/// The files this module draws for one edition: (path from the repository root, text).
pub fn files(results: &Value, edition: &Edition) -> Result<Vec<(PathBuf, String)>> {
    let w = words(edition);
    let dir = Path::new("src").join(edition.lang);
    Ok(vec![
        (dir.join("bench/summary.md"), summary(results, edition)?),
        (
            dir.join("img/bench-throughput.svg"),
            throughput_plot(results, w)?,
        ),
        (dir.join("img/bench-latency.svg"), latency_plot(results, w)?),
    ])
}

/// Writes every edition's tables and plots.
pub fn write(root: &Path, results: &Value) -> Result<()> {
    for edition in &crate::EDITIONS {
        for (path, text) in files(results, edition)? {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().context("a file in a folder")?)?;
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// The results as Markdown tables, in the edition's language.
pub fn summary(results: &Value, edition: &Edition) -> Result<String> {
    let w = words(edition);
    let data = Data::new(results);
    let mut out = format!("{}\n", (w.machine)(results));
    let table_head = |out: &mut String, first: &str| {
        let connections = CONNECTIONS.map(|c| c.to_string()).join(" | ");
        let _ = writeln!(
            out,
            "\n| {first} | {connections} |\n|---|---:|---:|---:|---:|"
        );
    };
    let cells = |f: &dyn Fn(u64) -> Option<String>| {
        CONNECTIONS
            .map(|c| f(c).unwrap_or_else(|| "–".into()))
            .join(" | ")
    };

    for &size in &data.sizes {
        let _ = writeln!(out, "\n**{}, {}**", w.throughput_title, (w.size)(size));
        table_head(&mut out, w.server);
        for (server, _) in data.servers() {
            let row = cells(&|c| data.mean(server, size, c, rate).map(thousands));
            let _ = writeln!(out, "| {server} | {row} |");
        }
    }

    let _ = writeln!(out, "\n**{}**", w.ratio_title);
    table_head(&mut out, "");
    for &size in &data.sizes {
        for (name, a, b) in [
            (
                w.threaded_vs_async,
                "echo-server-threaded",
                "echo-server-async",
            ),
            (w.async_vs_plain, "echo-server-async", "plain-tokio"),
        ] {
            let ratio = |c| Some(data.mean(a, size, c, rate)? / data.mean(b, size, c, rate)?);
            let row = cells(&|c| ratio(c).map(|r| format!("{r:.2}")));
            let _ = writeln!(out, "| {name}, {} | {row} |", (w.size)(size));
        }
    }

    let size = data.sizes[0];
    let _ = writeln!(out, "\n**{}, {}**", w.latency_title, (w.size)(size));
    table_head(&mut out, w.server);
    for (server, _) in data.servers() {
        let row = cells(&|c| {
            let p50 = data.mean(server, size, c, |r| number(&r["latency_us"]["p50"]))?;
            let p99 = data.mean(server, size, c, |r| number(&r["latency_us"]["p99"]))?;
            Some(format!("{} / {}", thousands(p50), thousands(p99)))
        });
        let _ = writeln!(out, "| {server} | {row} |");
    }

    let _ = writeln!(out, "\n**{}, {}**", w.served_title, (w.size)(size));
    table_head(&mut out, w.server);
    for (server, _) in data.servers() {
        let row = cells(&|c| {
            let served = data.mean(server, size, c, |r| number(&r["connections_served"]))?;
            let nothing = data.mean(server, size, c, |r| number(&r["connections_got_nothing"]))?;
            Some(format!("{} / {}", thousands(served), thousands(nothing)))
        });
        let _ = writeln!(out, "| {server} | {row} |");
    }

    if data.connections.contains(&1000) {
        let _ = writeln!(out, "\n**{}**\n", w.usage_title);
        let servers: Vec<&str> = data
            .servers()
            .map(|(s, _)| s)
            .filter(|s| data.mean(s, size, 1000, rate).is_some())
            .collect();
        let _ = writeln!(out, "| | {} |", servers.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(servers.len()));
        let usage: [fn(&Value) -> f64; 4] = [
            // CPU and context switches are counted over the whole run, warm-up included.
            |r| number(&r["server"]["cpu_seconds"]) / number(&r["usage_seconds"]),
            |r| {
                let per_second =
                    number(&r["server"]["context_switches"]) / number(&r["usage_seconds"]);
                per_second / rate(r)
            },
            |r| number(&r["server"]["threads"]),
            |r| number(&r["server"]["memory_kib"]) / 1024.0,
        ];
        for (label, f) in w.usage_row.iter().zip(usage) {
            let row: Vec<String> = servers
                .iter()
                .map(|s| {
                    let value = data.mean(s, size, 1000, f).unwrap_or(f64::NAN);
                    if value < 10.0 {
                        format!("{value:.2}")
                    } else {
                        thousands(value)
                    }
                })
                .collect();
            let _ = writeln!(out, "| {label} | {} |", row.join(" | "));
        }
    }

    if let Some((spread, server, size, connections)) = data.largest_spread() {
        let _ = writeln!(
            out,
            "\n{}",
            (w.spread)(spread, server, connections, &(w.size)(size))
        );
    }

    if !results["bottleneck_check"].is_null() {
        let _ = writeln!(out, "\n{}", (w.check)(&results["bottleneck_check"]));
    }
    Ok(out)
}

/// Round trips per second against connections, one panel per message size.
fn throughput_plot(results: &Value, w: &Words) -> Result<String> {
    let data = Data::new(results);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((1, data.sizes.len()));
        for (i, (panel, &size)) in panels.iter().zip(&data.sizes).enumerate() {
            let top = data
                .servers()
                .flat_map(|(s, _)| CONNECTIONS.map(|c| data.mean(s, size, c, rate)))
                .flatten()
                .fold(0.0, f64::max);
            let mut chart = ChartBuilder::on(panel)
                .caption((w.size)(size), ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d((0.8f64..1250.0).log_scale(), 0.0..top / 1000.0 * 1.15)?;
            chart
                .configure_mesh()
                .x_desc(w.connections)
                .y_desc(w.round_trips)
                .x_label_formatter(&|x| format!("{x}"))
                .y_label_formatter(&|y| format!("{y:.0}"))
                .label_style(("sans-serif", 13))
                .draw()?;
            for (server, color) in data.servers() {
                let points: Vec<(f64, f64)> = CONNECTIONS
                    .iter()
                    .filter_map(|&c| Some((c as f64, data.mean(server, size, c, rate)? / 1000.0)))
                    .collect();
                draw_line(&mut chart, server, color, points)?;
            }
            if i == 0 {
                legend(&mut chart, SeriesLabelPosition::LowerRight)?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// Latency percentiles against connections, 64-byte messages: p50 and p99 side by side.
fn latency_plot(results: &Value, w: &Words) -> Result<String> {
    let data = Data::new(results);
    let size = data.sizes[0];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((1, 2));
        let percentiles = ["p50", "p99"];
        let of = |server: &str, c, key: &str| {
            data.mean(server, size, c, |r| number(&r["latency_us"][key]))
        };
        let top = data
            .servers()
            .flat_map(|(s, _)| CONNECTIONS.map(|c| of(s, c, "p99")))
            .flatten()
            .fold(1.0, f64::max);
        for (i, (panel, key)) in panels.iter().zip(percentiles).enumerate() {
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{key}, {}", (w.size)(size)), ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d(
                    (0.8f64..1250.0).log_scale(),
                    (10.0f64..top * 2.0).log_scale(),
                )?;
            chart
                .configure_mesh()
                .x_desc(w.connections)
                .y_desc(w.latency)
                .x_label_formatter(&|x| format!("{x}"))
                .y_label_formatter(&|y| thousands(*y))
                .label_style(("sans-serif", 13))
                .draw()?;
            for (server, color) in data.servers() {
                let points: Vec<(f64, f64)> = CONNECTIONS
                    .iter()
                    .filter_map(|&c| Some((c as f64, of(server, c, key)?)))
                    .collect();
                draw_line(&mut chart, server, color, points)?;
            }
            if i == 0 {
                legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

type Chart<'a, 'b, Y> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<plotters::coord::combinators::LogCoord<f64>, Y>>;

fn draw_line<Y>(
    chart: &mut Chart<'_, '_, Y>,
    server: &'static str,
    color: RGBColor,
    points: Vec<(f64, f64)>,
) -> Result<()>
where
    Y: Ranged<ValueType = f64>,
{
    let style = color.stroke_width(2);
    chart
        .draw_series(LineSeries::new(points.clone(), style))?
        .label(server)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    chart.draw_series(
        points
            .into_iter()
            .map(|p| Circle::new(p, 3, color.filled())),
    )?;
    Ok(())
}

fn legend<'a, 'b: 'a, Y>(chart: &mut Chart<'a, 'b, Y>, position: SeriesLabelPosition) -> Result<()>
where
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font(("sans-serif", 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// The results, looked up by server, message size and connections.
struct Data<'a> {
    rows: Vec<&'a Value>,
    sizes: Vec<u64>,
    connections: Vec<u64>,
}

impl<'a> Data<'a> {
    fn new(results: &'a Value) -> Data<'a> {
        let rows: Vec<&Value> = results["rows"].as_array().into_iter().flatten().collect();
        let mut sizes: Vec<u64> = rows
            .iter()
            .filter_map(|r| r["report"]["size"].as_u64())
            .collect();
        sizes.sort();
        sizes.dedup();
        let mut connections: Vec<u64> = rows
            .iter()
            .filter_map(|r| r["report"]["connections"].as_u64())
            .collect();
        connections.sort();
        connections.dedup();
        Data {
            rows,
            sizes,
            connections,
        }
    }

    /// The servers that have results, in the book's order.
    fn servers(&self) -> impl Iterator<Item = (&'static str, RGBColor)> + '_ {
        SERVERS
            .into_iter()
            .filter(|(s, _)| self.rows.iter().any(|r| r["server"] == *s))
    }

    /// The largest difference between runs of the same measurement, relative to their
    /// mean: (difference, server, size, connections).
    fn largest_spread(&self) -> Option<(f64, &'static str, u64, u64)> {
        let mut largest: Option<(f64, &'static str, u64, u64)> = None;
        for (server, _) in self.servers() {
            for &size in &self.sizes {
                for &connections in &self.connections {
                    let rates: Vec<f64> = self
                        .rows
                        .iter()
                        .filter(|r| {
                            r["server"] == server
                                && r["report"]["size"] == size
                                && r["report"]["connections"] == connections
                        })
                        .map(|r| rate(&r["report"]))
                        .collect();
                    if rates.len() < 2 {
                        continue;
                    }
                    let (min, max) = rates
                        .iter()
                        .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
                    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
                    let spread = (max - min) / mean;
                    if largest.is_none_or(|(s, ..)| spread > s) {
                        largest = Some((spread, server, size, connections));
                    }
                }
            }
        }
        largest
    }

    /// The mean of `f` over the runs of one server, size and connection count.
    fn mean(
        &self,
        server: &str,
        size: u64,
        connections: u64,
        f: impl Fn(&Value) -> f64,
    ) -> Option<f64> {
        let values: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| {
                r["server"] == server
                    && r["report"]["size"] == size
                    && r["report"]["connections"] == connections
            })
            .map(|r| f(&r["report"]))
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }
}

fn rate(report: &Value) -> f64 {
    number(&report["round_trips_per_sec"])
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("?")
}

fn runs(results: &Value) -> u64 {
    let rows = results["rows"].as_array();
    rows.into_iter()
        .flatten()
        .filter_map(|r| r["run"].as_u64())
        .max()
        .unwrap_or(0)
}

/// 113235.4 as "113,235".
fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let digits = format!("{:.0}", value.round());
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
