//! Hand-written inline SVG line charts for the load report: a value axis from zero with
//! rounded ticks, a time axis in seconds, one polyline per series (broken where a bucket
//! has no value), and a legend. Pure markup: no script, no font or image to fetch, every
//! label escaped.

use std::fmt::Write as _;

use crate::report::escape_html;

/// Series colours (colour-blind-friendly Okabe–Ito, then greys); reused in turn.
const COLOURS: &[&str] = &[
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
    "#777777", "#AAAAAA",
];

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 34.0;
/// Legend entries per row.
const LEGEND_COLUMNS: usize = 3;
/// Longest legend label drawn in full.
const LEGEND_CHARS: usize = 36;

/// A legend label cut to fit its column.
fn short(label: &str) -> String {
    if label.chars().count() <= LEGEND_CHARS {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(LEGEND_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// Legend label.
    pub label: &'a str,
    /// One value per x position; `None` breaks the line.
    pub values: Vec<Option<f64>>,
}

/// A round step for about `ticks` ticks up to `max`.
fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// A tick label without needless decimals.
fn tick_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A line chart of `lines` over `x_s` (seconds), titled for screen readers, with the
/// value axis labelled `y_label`.
pub fn line_chart(title: &str, y_label: &str, x_s: &[f64], lines: &[Line<'_>]) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x_max = x_s.iter().copied().fold(0.0, f64::max).max(1.0);
    let y_data = lines
        .iter()
        .flat_map(|l| l.values.iter().flatten())
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y_step = nice_step(if y_data > 0.0 { y_data } else { 1.0 }, 4.0);
    let y_max = (y_data / y_step).ceil().max(1.0) * y_step;
    let x_step = nice_step(x_max, 6.0);
    let px = |x: f64| LEFT + x / x_max * plot_w;
    let py = |y: f64| TOP + plot_h - y / y_max * plot_h;
    let legend_rows = lines.len().div_ceil(LEGEND_COLUMNS) as f64;
    let total_h = HEIGHT + 12.0 + 18.0 * legend_rows;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {total_h}" width="{WIDTH}" height="{total_h}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape_html(title)
    );
    // Grid and value axis.
    let mut y = 0.0;
    while y <= y_max + y_step / 2.0 {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{x2:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" font-size="11">{l}</text>"##,
            x2 = LEFT + plot_w,
            yy = py(y),
            tx = LEFT - 4.0,
            ty = py(y) + 4.0,
            l = tick_label(y)
        );
        y += y_step;
    }
    let mut x = 0.0;
    while x <= x_max + x_step / 100.0 {
        let _ = write!(
            svg,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{y1:.1}" y2="{y2:.1}" stroke="#999"/><text x="{xx:.1}" y="{ty:.1}" text-anchor="middle" font-size="11">{l}</text>"##,
            xx = px(x),
            y1 = TOP + plot_h,
            y2 = TOP + plot_h + 4.0,
            ty = TOP + plot_h + 16.0,
            l = tick_label(x)
        );
        x += x_step;
    }
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{b:.1}" stroke="#333"/><line x1="{LEFT}" x2="{r:.1}" y1="{b:.1}" y2="{b:.1}" stroke="#333"/><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle" font-size="11">seconds since the start</text><text x="12" y="{my:.1}" transform="rotate(-90 12 {my:.1})" text-anchor="middle" font-size="11">{yl}</text>"##,
        b = TOP + plot_h,
        r = LEFT + plot_w,
        cx = LEFT + plot_w / 2.0,
        ly = TOP + plot_h + 30.0,
        my = TOP + plot_h / 2.0,
        yl = escape_html(y_label)
    );
    for (i, line) in lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut run: Vec<String> = Vec::new();
        let flush = |run: &mut Vec<String>, svg: &mut String| {
            match run.len() {
                0 => {}
                1 => {
                    let (cx, cy) = run[0].split_once(',').unwrap_or(("0", "0"));
                    let _ = write!(
                        svg,
                        r#"<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>"#
                    );
                }
                _ => {
                    let _ = write!(
                        svg,
                        r#"<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{}"/>"#,
                        run.join(" ")
                    );
                }
            }
            run.clear();
        };
        for (x, v) in x_s.iter().zip(&line.values) {
            match v {
                Some(v) if v.is_finite() => run.push(format!("{:.1},{:.1}", px(*x), py(*v))),
                _ => flush(&mut run, &mut svg),
            }
        }
        flush(&mut run, &mut svg);
        let lx = LEFT + (i % LEGEND_COLUMNS) as f64 * (plot_w / LEGEND_COLUMNS as f64);
        let ly = HEIGHT + 14.0 + 18.0 * (i / LEGEND_COLUMNS) as f64;
        let _ = write!(
            svg,
            r#"<rect x="{lx:.1}" y="{ry:.1}" width="14" height="4" fill="{colour}"/><text x="{tx:.1}" y="{ly:.1}" font-size="11">{l}</text>"#,
            ry = ly - 6.0,
            tx = lx + 18.0,
            l = escape_html(&short(line.label))
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_escaped_markup_with_broken_lines() {
        let svg = line_chart(
            "p99 <over> time",
            "ms",
            &[0.0, 1.0, 2.0, 3.0],
            &[
                Line {
                    label: "<script>",
                    values: vec![Some(1.0), Some(2.0), None, Some(4.0)],
                },
                Line {
                    label: "flat",
                    values: vec![Some(0.0); 4],
                },
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("p99 &lt;over&gt; time"));
        // Two points before the gap, one after it.
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 1);
        assert_eq!(nice_step(7.3, 4.0), 2.0);
        assert_eq!(tick_label(2.0), "2");
        assert_eq!(tick_label(0.25), "0.25");
    }
}
