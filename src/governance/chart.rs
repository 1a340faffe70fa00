//! The report's chart for a governance board (PNG): incidents by behaviour category per
//! month, and restrictions by measure, with title, period, scope, axis labels and legend.
//!
//! Drawn with `plotters` into an in-memory RGB buffer and encoded with `png`. Text uses the
//! DejaVu Sans font compiled into the binary (`assets/fonts`, see its licence there), so no
//! system font is read at run time. A bar adds up the cells of the functions in scope; a
//! suppressed cell adds nothing to its height and is named in its label ("fewer than 5"),
//! so the chart says no more than the CSV beside it.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::report::{Cell, Report, Table, FEWER_THAN_FIVE, SUPPRESSION_RULE, WITHHELD};
use crate::domain::incident::Category;
use crate::domain::measures::MeasureKind;

const WIDTH: u32 = 1400;
const HEIGHT: u32 = 1050;
const FONT: &str = "sans-serif";
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

const CATEGORY_COLOURS: [RGBColor; 3] = [
    RGBColor(0, 94, 165),
    RGBColor(230, 127, 0),
    RGBColor(0, 138, 110),
];
const MEASURE_COLOUR: RGBColor = RGBColor(80, 80, 160);

#[derive(Debug, thiserror::Error)]
#[error("the chart could not be drawn: {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError("the embedded font could not be read".to_owned()))
    }
}

/// A bar: the sum of the shown cells, and how many cells were suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bar {
    pub shown: i64,
    pub suppressed: usize,
    /// Cells of 5 or more withheld beside a suppressed one.
    pub withheld: usize,
}

impl Bar {
    fn add(&mut self, cell: Cell) {
        match cell {
            Cell::Count(n) => self.shown += n,
            Cell::FewerThanFive => self.suppressed += 1,
            Cell::Withheld => self.withheld += 1,
        }
    }

    /// "12", "fewer than 5", "12 + fewer than 5", "fewer than 5 (x2)", "12 + withheld".
    pub fn label(self) -> String {
        let mut parts = Vec::new();
        if self.shown > 0 || (self.suppressed == 0 && self.withheld == 0) {
            parts.push(self.shown.to_string());
        }
        for (count, name) in [
            (self.suppressed, FEWER_THAN_FIVE),
            (self.withheld, WITHHELD),
        ] {
            match count {
                0 => {}
                1 => parts.push(name.to_owned()),
                k => parts.push(format!("{name} (x{k})")),
            }
        }
        parts.join(" + ")
    }
}

/// Bars for `codes` in `table` (and `month`), summed over the functions in scope.
fn bar(table: Option<&Table>, month: Option<&str>, code: &str) -> Bar {
    let mut bar = Bar::default();
    for row in table.into_iter().flat_map(|t| t.rows.iter()) {
        if row.month.as_deref() == month && row.codes.first().map(String::as_str) == Some(code) {
            bar.add(row.count);
        }
    }
    bar
}

/// The chart as PNG bytes.
pub fn png(report: &Report) -> Result<Vec<u8>, ChartError> {
    register_font()?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (header, rest) = root.split_vertically(105);
        let (upper, rest) = rest.split_vertically(500);
        let (lower, footer) = rest.split_vertically(370);
        draw_header(&header, report)?;
        draw_incidents(&upper, report)?;
        draw_measures(&lower, report)?;
        draw_footer(&footer)?;
        root.present().map_err(err)?;
    }
    encode(&pixels)
}

fn text_style(size: u32, pos: Pos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font())
        .pos(pos)
        .color(&BLACK)
}

fn draw_header(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    report: &Report,
) -> Result<(), ChartError> {
    let left = Pos::new(HPos::Left, VPos::Top);
    area.draw_text(
        &format!("{}: fairness and consistency report", report.organisation),
        &text_style(30, left),
        (30, 18),
    )
    .map_err(err)?;
    let period = format!(
        "Period: {} to {}    Functions: {}",
        report.period_start.format("%-d %b %Y"),
        report.period_end.format("%-d %b %Y"),
        report.scope.label()
    );
    area.draw_text(&period, &text_style(18, left), (30, 62))
        .map_err(err)?;
    Ok(())
}

fn draw_footer(area: &DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), ChartError> {
    let left = Pos::new(HPos::Left, VPos::Top);
    area.draw_text(
        SUPPRESSION_RULE
            .split(". ")
            .next()
            .unwrap_or(SUPPRESSION_RULE),
        &text_style(15, left),
        (30, 20),
    )
    .map_err(err)?;
    area.draw_text(
        "No totals are given over suppressed counts. Source: the contact policy register.",
        &text_style(15, left),
        (30, 42),
    )
    .map_err(err)?;
    Ok(())
}

fn axis_max(values: impl Iterator<Item = i64>) -> f64 {
    let max = values.max().unwrap_or(0).max(4) as f64;
    // Room above the tallest bar for its label.
    max * 1.3
}

fn draw_incidents(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    report: &Report,
) -> Result<(), ChartError> {
    let table = report.table("incidents_by_month");
    let months: Vec<String> = {
        let mut months: Vec<String> = table
            .into_iter()
            .flat_map(|t| t.rows.iter().filter_map(|r| r.month.clone()))
            .collect();
        months.dedup();
        months
    };
    let bars: Vec<Vec<Bar>> = months
        .iter()
        .map(|m| {
            Category::ALL
                .iter()
                .map(|c| bar(table, Some(m), c.as_str()))
                .collect()
        })
        .collect();
    let y_max = axis_max(bars.iter().flatten().map(|b| b.shown));
    let n = months.len().max(1) as f64;
    let mut chart = ChartBuilder::on(area)
        .caption("Incidents by behaviour category, per month", (FONT, 22))
        .margin_bottom(18)
        .margin_left(20)
        .margin_right(30)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..n, 0f64..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("Incidents")
        .x_desc("Month")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()
        .map_err(err)?;
    let below = text_style(14, Pos::new(HPos::Center, VPos::Top));
    for (i, month) in months.iter().enumerate() {
        let label = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map(|d| d.format("%b %Y").to_string())
            .unwrap_or_else(|_| month.clone());
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((i as f64 + 0.5, 0.0)) + Text::new(label, (0, 8), below.clone()),
            ))
            .map_err(err)?;
    }
    let width = 0.8 / Category::ALL.len() as f64;
    let value_style = TextStyle::from((FONT, 13).into_font().transform(FontTransform::Rotate270))
        .pos(Pos::new(HPos::Left, VPos::Center))
        .color(&BLACK);
    for (c, category) in Category::ALL.iter().enumerate() {
        let colour = CATEGORY_COLOURS[c % CATEGORY_COLOURS.len()];
        let x0 = |i: usize| i as f64 + 0.1 + c as f64 * width;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                Rectangle::new(
                    [(x0(i), 0.0), (x0(i) + width * 0.92, b[c].shown as f64)],
                    colour.filled(),
                )
            }))
            .map_err(err)?
            .label(category.label())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                EmptyElement::at((x0(i) + width * 0.46, b[c].shown as f64))
                    + Text::new(b[c].label(), (0, -5), value_style.clone())
            }))
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 15))
        .draw()
        .map_err(err)?;
    Ok(())
}

fn draw_measures(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    report: &Report,
) -> Result<(), ChartError> {
    let table = report.table("restriction_measures");
    let bars: Vec<(MeasureKind, Bar)> = MeasureKind::ALL
        .iter()
        .map(|m| (*m, bar(table, None, m.as_str())))
        .collect();
    let x_max = axis_max(bars.iter().map(|(_, b)| b.shown));
    let n = bars.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Restrictions approved in the period, by measure",
            (FONT, 22),
        )
        .margin_top(8)
        .margin_left(20)
        .margin_right(30)
        .x_label_area_size(50)
        .y_label_area_size(390)
        .build_cartesian_2d(0f64..x_max, 0f64..n)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc("Measures imposed (a restriction may impose several)")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()
        .map_err(err)?;
    let left_of_axis = text_style(15, Pos::new(HPos::Right, VPos::Center));
    let after_bar = text_style(14, Pos::new(HPos::Left, VPos::Center));
    let y = |i: usize| n - 1.0 - i as f64;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, b))| {
            Rectangle::new(
                [(0.0, y(i) + 0.18), (b.shown as f64, y(i) + 0.82)],
                MEASURE_COLOUR.filled(),
            )
        }))
        .map_err(err)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (measure, b))| {
            EmptyElement::at((0.0, y(i) + 0.5))
                + Text::new(measure.label().to_owned(), (-10, 0), left_of_axis.clone())
                + Text::new(
                    b.label(),
                    (6 + pixels_for(b.shown, x_max), 0),
                    after_bar.clone(),
                )
        }))
        .map_err(err)?;
    Ok(())
}

/// Roughly how many pixels a bar of `value` is long, to put its label after it.
fn pixels_for(value: i64, x_max: f64) -> i32 {
    let plot_width = f64::from(WIDTH) - 390.0 - 50.0;
    ((value as f64 / x_max) * plot_width) as i32
}

fn encode(pixels: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(pixels).map_err(err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_dp_5_bar_labels_never_show_a_suppressed_value() {
        let bar = |shown, suppressed| {
            Bar {
                shown,
                suppressed,
                withheld: 0,
            }
            .label()
        };
        assert_eq!(bar(12, 0), "12");
        assert_eq!(bar(0, 0), "0");
        assert_eq!(bar(0, 1), "fewer than 5");
        assert_eq!(bar(12, 1), "12 + fewer than 5");
        assert_eq!(bar(0, 2), "fewer than 5 (x2)");
        let withheld = Bar {
            shown: 12,
            suppressed: 1,
            withheld: 1,
        };
        assert_eq!(withheld.label(), "12 + fewer than 5 + withheld");
    }
}
