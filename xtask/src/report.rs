//! The Measuring chapter's tables and plots, drawn from echo-bench's results
//! (`listings/echo-bench/results/results.json`) in each edition's language. Each number
//! is the median of the runs, shown with the lowest and the highest run: in the tables
//! in parentheses, in the plots as a bar.
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
const SERVERS: [(&str, RGBColor); 6] = [
    ("echo-server", RGBColor(120, 120, 120)),
    ("echo-server-threaded", RGBColor(31, 119, 180)),
    ("echo-server-pool", RGBColor(230, 120, 20)),
    ("echo-server-async", RGBColor(44, 160, 44)),
    ("echo-server-mio", RGBColor(214, 39, 40)),
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
    latency_title: fn(&str) -> String,
    served_title: &'static str,
    usage_title: &'static str,
    usage_row: [&'static str; 4],
    check: fn(&Value) -> String,
    spread: fn(f64, &str, u64, &str) -> String,
    /// The open loop: the title of its tables, from its connections and message size.
    open_loop_title: fn(u64, &str) -> String,
    /// The plot's caption, from the percentile and the connections.
    open_loop_caption: fn(&str, u64) -> String,
    rate_asked: &'static str,
    open_loop_done: &'static str,
    open_loop_latency: fn(&str) -> String,
    /// What the rates asked for are shares of, and how long each run lasted.
    open_loop_rates: fn(&Value) -> String,
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
             runs per number: {}, the median shown, with the lowest and the highest \
             run in parentheses where they differ.",
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
    latency_title: |p| format!("Latency {p} (µs) of the round trips that were served"),
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
    open_loop_title: |connections, size| format!("Open loop, {connections} connections, {size}"),
    open_loop_caption: |p, connections| format!("{p}, open loop, {connections} connections"),
    rate_asked: "round trips per second asked for (thousands)",
    open_loop_done: "round trips per second done, at each rate asked for",
    open_loop_latency: |p| format!("latency {p} (µs), from when each request was due"),
    open_loop_rates: |open| {
        let slowest = &open["slowest_closed_loop"];
        format!(
            "The rates asked for are {} of the fewest round trips per second one of these \
             servers did with the same load in the closed loop ({}, {}): no server is \
             asked for more than it carried there. Each run {} s after {} s of warm-up.",
            percents(&open["shares"], " %"),
            text(&slowest["server"]),
            thousands(number(&slowest["round_trips_per_sec"])),
            open["seconds"],
            open["warmup_seconds"],
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
             수치마다 {}번 잰 값의 중앙값을 적었습니다. 잰 값이 서로 다르면 그중 가장 \
             작은 값과 가장 큰 값을 괄호 안에 적었습니다.",
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
    latency_title: |p| format!("응답받은 왕복의 지연 시간 {p} (µs)"),
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
    open_loop_title: |connections, size| format!("개방 루프, 연결 {connections}개, {size}"),
    open_loop_caption: |p, connections| format!("{p}, 개방 루프, 연결 {connections}개"),
    rate_asked: "요청한 초당 왕복 횟수 (천 회)",
    open_loop_done: "요청한 초당 왕복 횟수별로 실제로 처리한 초당 왕복 횟수",
    open_loop_latency: |p| format!("요청마다 보내기로 한 시각부터 잰 지연 시간 {p} (µs)"),
    open_loop_rates: |open| {
        let slowest = &open["slowest_closed_loop"];
        format!(
            "요청한 초당 왕복 횟수는 폐쇄 루프에서 같은 부하로 이 서버들 가운데 가장 적게 \
             왕복한 {}의 초당 {}번의 {}입니다. 어느 서버에도 그때 해낸 것보다 많이 \
             요청하지 않습니다. {}초 예열한 뒤 {}초씩 쟀습니다.",
            text(&slowest["server"]),
            thousands(number(&slowest["round_trips_per_sec"])),
            percents(&open["shares"], "%"),
            open["warmup_seconds"],
            open["seconds"],
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
/// The open loop's table and plot only if the results have an open loop.
pub fn files(results: &Value, edition: &Edition) -> Result<Vec<(PathBuf, String)>> {
    let w = words(edition);
    let dir = Path::new("src").join(edition.lang);
    let mut files = vec![
        (dir.join("bench/summary.md"), summary(results, edition)?),
        (
            dir.join("img/bench-throughput.svg"),
            throughput_plot(results, w)?,
        ),
        (dir.join("img/bench-latency.svg"), latency_plot(results, w)?),
    ];
    if let Some(open_loop) = open_loop_summary(results, edition)? {
        files.push((dir.join("bench/open-loop.md"), open_loop));
        files.push((
            dir.join("img/bench-open-loop.svg"),
            open_loop_plot(results, w)?,
        ));
    }
    Ok(files)
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

/// The closed loop's results as Markdown tables, in the edition's language.
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
            let row = cells(&|c| Some(data.stats(server, size, c, rate)?.show(thousands)));
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
            let ratio = |c| Some(data.median(a, size, c, rate)? / data.median(b, size, c, rate)?);
            let row = cells(&|c| ratio(c).map(|r| format!("{r:.2}")));
            let _ = writeln!(out, "| {name}, {} | {row} |", (w.size)(size));
        }
    }

    let size = data.sizes[0];
    for key in ["p50", "p99"] {
        let _ = writeln!(out, "\n**{}, {}**", (w.latency_title)(key), (w.size)(size));
        table_head(&mut out, w.server);
        for (server, _) in data.servers() {
            let row = cells(&|c| {
                let latency = data.stats(server, size, c, |r| number(&r["latency_us"][key]))?;
                Some(latency.show(thousands))
            });
            let _ = writeln!(out, "| {server} | {row} |");
        }
    }

    let _ = writeln!(out, "\n**{}, {}**", w.served_title, (w.size)(size));
    table_head(&mut out, w.server);
    for (server, _) in data.servers() {
        let row = cells(&|c| {
            let served = data.stats(server, size, c, |r| number(&r["connections_served"]))?;
            let nothing = data.stats(server, size, c, |r| number(&r["connections_got_nothing"]))?;
            Some(format!(
                "{} / {}",
                served.show(thousands),
                nothing.show(thousands)
            ))
        });
        let _ = writeln!(out, "| {server} | {row} |");
    }

    if data.connections.contains(&1000) {
        let _ = writeln!(out, "\n**{}**\n", w.usage_title);
        let servers: Vec<&str> = data
            .servers()
            .map(|(s, _)| s)
            .filter(|s| data.median(s, size, 1000, rate).is_some())
            .collect();
        let _ = writeln!(out, "| | {} |", servers.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(servers.len()));
        // Each with how its numbers are written.
        let usage: [(Field, Format); 4] = [
            // CPU and context switches are counted over the whole run, warm-up included.
            (
                |r| number(&r["server"]["cpu_seconds"]) / number(&r["usage_seconds"]),
                small_or_thousands,
            ),
            (
                |r| {
                    let per_second =
                        number(&r["server"]["context_switches"]) / number(&r["usage_seconds"]);
                    per_second / rate(r)
                },
                small_or_thousands,
            ),
            (|r| number(&r["server"]["threads"]), thousands),
            (
                |r| number(&r["server"]["memory_kib"]) / 1024.0,
                small_or_thousands,
            ),
        ];
        for (label, (f, format)) in w.usage_row.iter().zip(usage) {
            let row: Vec<String> = servers
                .iter()
                .map(|s| {
                    let stats = data.stats(s, size, 1000, f);
                    stats.map_or_else(|| "–".into(), |stats| stats.show(format))
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

/// The open loop's results as Markdown tables, in the edition's language: the round
/// trips per second done and the latency, at each rate asked for. `None` if the results
/// have no open loop (those measured before it was added).
pub fn open_loop_summary(results: &Value, edition: &Edition) -> Result<Option<String>> {
    let w = words(edition);
    let Some(open) = OpenLoop::new(results) else {
        return Ok(None);
    };
    let title = (w.open_loop_title)(open.connections, &(w.size)(open.size));
    let mut out = format!("{}\n", (w.open_loop_rates)(&results["open_loop"]));
    let tables: [(String, Field); 3] = [
        (w.open_loop_done.to_string(), rate),
        ((w.open_loop_latency)("p50"), |r| {
            number(&r["latency_us"]["p50"])
        }),
        ((w.open_loop_latency)("p99"), |r| {
            number(&r["latency_us"]["p99"])
        }),
    ];
    for (what, f) in tables {
        let _ = writeln!(out, "\n**{title}: {what}**\n");
        let rates: Vec<String> = open.rates.iter().map(|&r| thousands(r as f64)).collect();
        let _ = writeln!(out, "| {} | {} |", w.server, rates.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(rates.len()));
        for (server, _) in open.servers() {
            let row: Vec<String> = open
                .rates
                .iter()
                .map(|&r| {
                    open.stats(server, r, f)
                        .map_or("–".into(), |s| s.show(thousands))
                })
                .collect();
            let _ = writeln!(out, "| {server} | {} |", row.join(" | "));
        }
    }
    Ok(Some(out))
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
                .flat_map(|(s, _)| CONNECTIONS.map(|c| data.stats(s, size, c, rate)))
                .flatten()
                .fold(0.0, |top, stats| stats.max.max(top));
            let mut chart = ChartBuilder::on(panel)
                .caption((w.size)(size), ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(56)
                // The first panel holds the legend: room above the lines for it.
                .build_cartesian_2d(
                    (0.8f64..1250.0).log_scale(),
                    0.0..top / 1000.0 * if i == 0 { 1.6 } else { 1.15 },
                )?;
            chart
                .configure_mesh()
                .x_desc(w.connections)
                .y_desc(w.round_trips)
                .x_label_formatter(&|x| format!("{x}"))
                .y_label_formatter(&|y| format!("{y:.0}"))
                .label_style(("sans-serif", 13))
                .draw()?;
            for (server, color) in data.servers() {
                let points: Vec<(f64, Stats)> = CONNECTIONS
                    .iter()
                    .filter_map(|&c| {
                        let stats = data.stats(server, size, c, |r| rate(r) / 1000.0)?;
                        Some((c as f64, stats))
                    })
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
            data.stats(server, size, c, |r| number(&r["latency_us"][key]))
        };
        let top = data
            .servers()
            .flat_map(|(s, _)| CONNECTIONS.map(|c| of(s, c, "p99")))
            .flatten()
            .fold(1.0, |top, stats| stats.max.max(top));
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
                let points: Vec<(f64, Stats)> = CONNECTIONS
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

/// The open loop: latency p50 and p99 against the rate asked for, one line per server.
fn open_loop_plot(results: &Value, w: &Words) -> Result<String> {
    let open = OpenLoop::new(results).context("the results have no open loop")?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let panels = root.split_evenly((1, 2));
        let of = |server: &str, rate, key: &str| {
            open.stats(server, rate, |r| number(&r["latency_us"][key]))
        };
        let top = open
            .servers()
            .flat_map(|(s, _)| open.rates.iter().map(move |&r| of(s, r, "p99")))
            .flatten()
            .fold(1.0, |top, stats| stats.max.max(top));
        let highest = open.rates.iter().max().copied().unwrap_or(1) as f64 / 1000.0;
        for (i, (panel, key)) in panels.iter().zip(["p50", "p99"]).enumerate() {
            let mut chart = ChartBuilder::on(panel)
                .caption(
                    (w.open_loop_caption)(key, open.connections),
                    ("sans-serif", 18),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d(0.0..highest * 1.1, (10.0f64..top * 2.0).log_scale())?;
            chart
                .configure_mesh()
                .x_desc(w.rate_asked)
                .y_desc(w.latency)
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| thousands(*y))
                .label_style(("sans-serif", 13))
                .draw()?;
            for (server, color) in open.servers() {
                let points: Vec<(f64, Stats)> = open
                    .rates
                    .iter()
                    .filter_map(|&r| Some((r as f64 / 1000.0, of(server, r, key)?)))
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

type Chart<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

/// A line through the medians, a dot at each, and a bar from the lowest to the highest
/// run where they differ.
fn draw_line<X, Y>(
    chart: &mut Chart<'_, '_, X, Y>,
    server: &'static str,
    color: RGBColor,
    points: Vec<(f64, Stats)>,
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = color.stroke_width(2);
    let medians: Vec<(f64, f64)> = points.iter().map(|&(x, s)| (x, s.median)).collect();
    chart
        .draw_series(LineSeries::new(medians.clone(), style))?
        .label(server)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    chart.draw_series(
        medians
            .into_iter()
            .map(|p| Circle::new(p, 3, color.filled())),
    )?;
    let ranges: Vec<(f64, Stats)> = points.into_iter().filter(|(_, s)| s.max > s.min).collect();
    let thin = color.stroke_width(1);
    chart.draw_series(
        ranges
            .iter()
            .map(|&(x, s)| PathElement::new(vec![(x, s.min), (x, s.max)], thin)),
    )?;
    // Short caps at both ends of each bar, 8 pixels wide whatever the scale.
    chart.draw_series(ranges.iter().flat_map(|&(x, s)| {
        [s.min, s.max]
            .map(|y| EmptyElement::at((x, y)) + PathElement::new(vec![(-4, 0), (4, 0)], thin))
    }))?;
    Ok(())
}

fn legend<'a, 'b: 'a, X, Y>(
    chart: &mut Chart<'a, 'b, X, Y>,
    position: SeriesLabelPosition,
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
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

/// One number over the runs of a measurement: the median, and the range of the runs.
#[derive(Clone, Copy)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

impl Stats {
    /// `None` if there is no value (a number missing from the results is no value).
    fn of(values: impl IntoIterator<Item = f64>) -> Option<Stats> {
        let mut values: Vec<f64> = values.into_iter().filter(|v| !v.is_nan()).collect();
        values.sort_by(f64::total_cmp);
        let (&min, &max) = (values.first()?, values.last()?);
        let half = values.len() / 2;
        let median = if values.len() % 2 == 1 {
            values[half]
        } else {
            (values[half - 1] + values[half]) / 2.0
        };
        Some(Stats { median, min, max })
    }

    /// "99,920 (97,011–102,830)", or "99,920" if every run gave that.
    fn show(&self, format: Format) -> String {
        let (median, min, max) = (format(self.median), format(self.min), format(self.max));
        if min == max {
            median
        } else {
            format!("{median} ({min}–{max})")
        }
    }
}

/// The median of `values`, ignoring missing ones (NaN); `None` if there are none.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    Stats::of(values).map(|stats| stats.median)
}

/// The closed loop's results, looked up by server, message size and connections.
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
        with_results(&self.rows)
    }

    /// The largest difference between runs of the same measurement, relative to their
    /// median: (difference, server, size, connections).
    fn largest_spread(&self) -> Option<(f64, &'static str, u64, u64)> {
        let mut largest: Option<(f64, &'static str, u64, u64)> = None;
        for (server, _) in self.servers() {
            for &size in &self.sizes {
                for &connections in &self.connections {
                    let Some(stats) = self.stats(server, size, connections, rate) else {
                        continue;
                    };
                    let spread = (stats.max - stats.min) / stats.median;
                    if spread > 0.0 && largest.is_none_or(|(s, ..)| spread > s) {
                        largest = Some((spread, server, size, connections));
                    }
                }
            }
        }
        largest
    }

    /// `f` over the runs of one server, size and connection count.
    fn stats(
        &self,
        server: &str,
        size: u64,
        connections: u64,
        f: impl Fn(&Value) -> f64,
    ) -> Option<Stats> {
        Stats::of(
            self.rows
                .iter()
                .filter(|r| {
                    r["server"] == server
                        && r["report"]["size"] == size
                        && r["report"]["connections"] == connections
                })
                .map(|r| f(&r["report"])),
        )
    }

    fn median(
        &self,
        server: &str,
        size: u64,
        connections: u64,
        f: impl Fn(&Value) -> f64,
    ) -> Option<f64> {
        Some(self.stats(server, size, connections, f)?.median)
    }
}

/// The open loop's results, looked up by server and rate asked for.
struct OpenLoop<'a> {
    rows: Vec<&'a Value>,
    rates: Vec<u64>,
    connections: u64,
    size: u64,
}

impl<'a> OpenLoop<'a> {
    /// `None` if the results have no open loop.
    fn new(results: &'a Value) -> Option<OpenLoop<'a>> {
        let open = &results["open_loop"];
        let rows: Vec<&Value> = open["rows"].as_array()?.iter().collect();
        let mut rates: Vec<u64> = rows
            .iter()
            .filter_map(|r| r["report"]["rate"].as_u64())
            .collect();
        rates.sort();
        rates.dedup();
        (!rates.is_empty()).then_some(OpenLoop {
            rows,
            rates,
            connections: open["connections"].as_u64()?,
            size: open["size"].as_u64()?,
        })
    }

    fn servers(&self) -> impl Iterator<Item = (&'static str, RGBColor)> + '_ {
        with_results(&self.rows)
    }

    /// `f` over the runs of one server at one rate.
    fn stats(&self, server: &str, rate: u64, f: impl Fn(&Value) -> f64) -> Option<Stats> {
        Stats::of(
            self.rows
                .iter()
                .filter(|r| r["server"] == server && r["report"]["rate"] == rate)
                .map(|r| f(&r["report"])),
        )
    }
}

/// The servers that have a row in `rows`, in the book's order.
fn with_results<'a>(rows: &'a [&'a Value]) -> impl Iterator<Item = (&'static str, RGBColor)> + 'a {
    SERVERS
        .into_iter()
        .filter(|(s, _)| rows.iter().any(|r| r["server"] == *s))
}

/// A number read from a report.
type Field = fn(&Value) -> f64;

/// How a number is written.
type Format = fn(f64) -> String;

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

/// [0.25, 0.5] as "25 %, 50 %" (with `sign` " %").
fn percents(shares: &Value, sign: &str) -> String {
    let percents: Vec<String> = shares
        .as_array()
        .into_iter()
        .flatten()
        .map(|share| format!("{:.0}{sign}", number(share) * 100.0))
        .collect();
    percents.join(", ")
}

/// 0.8512 as "0.85", 1002 as "1,002".
fn small_or_thousands(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2}")
    } else {
        thousands(value)
    }
}
