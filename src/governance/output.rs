//! The report as CSV (one header, one row per cell) and as JSON.

use super::report::Report;

/// The CSV header; every row has exactly these columns. `month` is empty outside the
/// monthly table; `codes` are the stored codes joined with `/`, `breakdown` their labels
/// joined with ` / `; `count` is a number or "fewer than 5".
pub const CSV_HEADER: [&str; 9] = [
    "organisation",
    "period_start",
    "period_end",
    "section",
    "month",
    "function",
    "codes",
    "breakdown",
    "count",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("the report could not be written as CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("the report could not be written as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the report could not be written: {0}")]
    Io(#[from] std::io::Error),
}

pub fn render(report: &Report, format: Format) -> Result<String, OutputError> {
    match format {
        Format::Csv => csv(report),
        Format::Json => json(report),
    }
}

pub fn csv(report: &Report) -> Result<String, OutputError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER)?;
    let start = report.period_start.to_string();
    let end = report.period_end.to_string();
    for table in &report.tables {
        for row in &table.rows {
            writer.write_record([
                report.organisation.as_str(),
                &start,
                &end,
                table.section,
                row.month.as_deref().unwrap_or(""),
                &row.function,
                &row.codes.join("/"),
                &row.labels.join(" / "),
                &row.count.text(),
            ])?;
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| OutputError::Io(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub fn json(report: &Report) -> Result<String, OutputError> {
    Ok(serde_json::to_string_pretty(report)?)
}
