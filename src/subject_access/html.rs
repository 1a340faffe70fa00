//! `<ref>.html`: the readable export. One self-contained page (no scripts, no links out,
//! its style inline) that prints: a heading per kind of record, times in the configured
//! zone, statuses in plain words, members of staff by name and role, letters as their
//! text. Every value is HTML-escaped.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::{names_staff, reference, section_heading, ColumnKind, Export, Section};

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;font-size:11pt;line-height:1.4;margin:2em;color:#111}\
h1{font-size:18pt}h2{font-size:14pt;margin-top:2em;border-bottom:1px solid #999;page-break-after:avoid}\
table{border-collapse:collapse;margin:0.8em 0;width:100%;page-break-inside:avoid}\
caption{text-align:left;font-weight:bold;padding:0.2em 0}\
th,td{border:1px solid #bbb;padding:0.25em 0.5em;text-align:left;vertical-align:top}\
th{width:28%;background:#f2f2f2;font-weight:normal}td{white-space:pre-wrap;word-break:break-word}\
pre{white-space:pre-wrap;margin:0;font-family:inherit}.none{color:#555;font-style:italic}.note{background:#f7f7e8;padding:0.5em}";

pub(super) fn render(export: &Export<'_>) -> String {
    let file = export.file;
    let reference = reference(file.person_id);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Subject access export {reference}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Subject access export: {reference}</h1>\n"
    );
    let _ = writeln!(
        out,
        "<p>Everything the contact register held about this person when the export was made, on {}, by {}. Times are shown in {} time.</p>",
        escape(&local_time(export, export.made_at)),
        escape(&export.names.name_of(export.made_by)),
        escape(export.zone.name())
    );
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(export.names.note()));
    if file.erased() {
        out.push_str("<p class=\"note\">This person's personal data has been erased from the register. What remains is shown: the records' dates, categories and outcomes, and the erasure itself.</p>\n");
    }
    out.push_str("<h2>The person</h2>\n");
    for row in &file.person.rows {
        record_table(&mut out, export, &file.person, row, None);
    }
    staff_table(&mut out, export);
    for section in &file.sections {
        let _ = writeln!(
            out,
            "<h2>{} ({})</h2>",
            escape(section_heading(section.key)),
            section.rows.len()
        );
        if section.rows.is_empty() {
            out.push_str("<p class=\"none\">Nothing of this kind is held.</p>\n");
        }
        for (n, row) in section.rows.iter().enumerate() {
            record_table(&mut out, export, section, row, Some(caption(row, n)));
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// "INC-00001", "Record 3" …: what a record is called in its table's caption.
fn caption(row: &Map<String, Value>, n: usize) -> String {
    match (row.get("reference"), row.get("id")) {
        (Some(Value::String(r)), _) => r.clone(),
        (_, Some(Value::Number(id))) => format!("Record {id}"),
        _ => format!("Entry {}", n + 1),
    }
}

fn record_table(
    out: &mut String,
    export: &Export<'_>,
    section: &Section,
    row: &Map<String, Value>,
    caption: Option<String>,
) {
    out.push_str("<table>\n");
    if let Some(caption) = caption {
        let _ = writeln!(out, "<caption>{}</caption>", escape(&caption));
    }
    for (column, kind) in &section.columns {
        let value = row.get(*column).unwrap_or(&Value::Null);
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(&label(column)),
            cell(export, section.key, column, *kind, value)
        );
    }
    out.push_str("</table>\n");
}

fn staff_table(out: &mut String, export: &Export<'_>) {
    out.push_str("<h2>Members of staff named in this export</h2>\n");
    if export.file.staff.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>Slack user id</th><th>Name</th><th>Roles now</th></tr>\n");
    for (user, roles) in &export.file.staff {
        let roles = if roles.is_empty() {
            "none now".to_owned()
        } else {
            roles.join(", ")
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(user),
            escape(&export.names.name_of(user)),
            escape(&roles)
        );
    }
    out.push_str("</table>\n");
}

/// One value as HTML (escaped).
fn cell(
    export: &Export<'_>,
    section: &str,
    column: &str,
    kind: ColumnKind,
    value: &Value,
) -> String {
    if value.is_null() {
        return "<span class=\"none\">—</span>".to_owned();
    }
    let text = match (kind, value) {
        (ColumnKind::Bool, Value::Bool(b)) => (if *b { "yes" } else { "no" }).to_owned(),
        (ColumnKind::Time, Value::String(at)) => DateTime::parse_from_rfc3339(at)
            .map(|at| local_time(export, at.with_timezone(&Utc)))
            .unwrap_or_else(|_| at.clone()),
        (ColumnKind::Date, Value::String(day)) => NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map(|d| d.format("%a %-d %b %Y").to_string())
            .unwrap_or_else(|_| day.clone()),
        (ColumnKind::Json, value) => {
            let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
            return format!("<pre>{}</pre>", escape(&pretty));
        }
        (ColumnKind::Int, Value::Number(id)) if column == "function_id" => {
            match id.as_i64().and_then(|id| export.file.functions.get(&id)) {
                Some(name) => format!("{name} (function {id})"),
                None => id.to_string(),
            }
        }
        (ColumnKind::Text, Value::String(user)) if names_staff(column) => {
            let name = export.names.name_of(user);
            if name == *user {
                user.clone()
            } else {
                format!("{name} ({user})")
            }
        }
        (ColumnKind::Text, Value::String(body)) if section == "letters" && column == "body" => {
            return format!("<pre>{}</pre>", escape(&letter_text(body)));
        }
        (ColumnKind::Text, Value::String(code)) if is_code_column(column) => {
            plain_code(column, code)
        }
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    };
    escape(&text)
}

/// Columns that hold one of a fixed set of values (a status, a kind): shown in plain words.
fn is_code_column(column: &str) -> bool {
    matches!(
        column,
        "status"
            | "outcome"
            | "kind"
            | "category"
            | "channel"
            | "reason"
            | "ground"
            | "sent_method"
            | "no_warning_reason"
            | "criterion"
            | "record_type"
            | "subject_type"
            | "message_status"
            | "action"
            | "language"
            | "format"
            | "preferred_format"
    )
}

/// A stored code in plain words: `no_further_action` → "no further action", `cy` → "Welsh".
/// Free text (anything but lower-case letters and underscores) is left as it is.
fn plain_code(column: &str, code: &str) -> String {
    if column == "language" {
        return match code {
            "en" => "English".to_owned(),
            "cy" => "Welsh".to_owned(),
            other => other.to_owned(),
        };
    }
    if code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        code.replace('_', " ")
    } else {
        code.to_owned()
    }
}

/// A column name as a label: `police_report_required` → "Police report required".
fn label(column: &str) -> String {
    let words = column.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

fn local_time(export: &Export<'_>, at: DateTime<Utc>) -> String {
    at.with_timezone(&export.zone)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// A letter's HTML as the text it reads: styles and tags dropped, paragraphs and line
/// breaks kept, the common entities decoded (the result is escaped again when shown).
fn letter_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('>') else {
            text.push_str(after);
            rest = "";
            break;
        };
        let tag = after[1..close].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[close + 1..];
        if (name == "style" || name == "script" || name == "title") && !tag.starts_with('/') {
            // Skip the element's content up to its closing tag.
            let end = format!("</{name}");
            match rest.to_ascii_lowercase().find(&end) {
                Some(at) => {
                    let skipped = &rest[at..];
                    rest = skipped.find('>').map_or("", |gt| &skipped[gt + 1..]);
                }
                None => rest = "",
            }
            continue;
        }
        if matches!(
            name.as_str(),
            "p" | "br" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "ul" | "ol" | "table"
        ) {
            text.push('\n');
        }
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    // Collapse the blank lines the markup leaves, keeping paragraph breaks.
    let mut lines: Vec<&str> = Vec::new();
    for line in decoded.lines().map(str::trim) {
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    lines.join("\n").trim().to_owned()
}

/// Escapes text for HTML element content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_dp_1_every_value_is_escaped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn r_dp_1_a_letter_reads_as_its_text() {
        let html = "<html><head><style>p{color:red}</style><title>T</title></head><body><p>Dear Ms &lt;Jones&gt;,</p><p>We write&nbsp;about R&amp;D.<br>Line two</p></body></html>";
        assert_eq!(
            letter_text(html),
            "Dear Ms <Jones>,\n\nWe write about R&D.\nLine two"
        );
    }

    #[test]
    fn r_dp_1_codes_read_as_plain_words() {
        assert_eq!(
            plain_code("status", "no_further_action"),
            "no further action"
        );
        assert_eq!(plain_code("language", "cy"), "Welsh");
        assert_eq!(
            plain_code("reason", "Solicitor's letter"),
            "Solicitor's letter"
        );
        assert_eq!(label("police_report_required"), "Police report required");
    }
}
