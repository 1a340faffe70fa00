//! `<ref>.json`: the machine-readable export (shape documented in README.md, "Subject
//! access export"). Every section key is always present, an empty list when nothing of
//! that kind is held, so a reader can tell "none" from "not exported".

use chrono::SecondsFormat;
use serde_json::{json, Map, Value};

use super::{reference, Export, FORMAT, VERSION};

pub(super) fn render(export: &Export<'_>) -> String {
    let file = export.file;
    let mut records = Map::new();
    for section in &file.sections {
        records.insert(
            section.key.to_owned(),
            Value::Array(section.rows.iter().cloned().map(Value::Object).collect()),
        );
    }
    let staff: Vec<Value> = file
        .staff
        .iter()
        .map(|(user, roles)| {
            json!({
                "slack_user_id": user,
                "name": export.names.name_of(user),
                "roles": roles,
            })
        })
        .collect();
    let functions: Vec<Value> = file
        .functions
        .iter()
        .map(|(id, name)| json!({ "id": id, "name": name }))
        .collect();
    let document = json!({
        "format": FORMAT,
        "version": VERSION,
        "reference": reference(file.person_id),
        "generated_at": export.made_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "generated_by": export.made_by,
        "time_zone": export.zone.name(),
        "staff_names": export.names.source(),
        "notes": [export.names.note()],
        "erased": file.erased(),
        "person": file.person.rows.first().cloned().map_or(Value::Null, Value::Object),
        "functions": functions,
        "staff": staff,
        "records": records,
    });
    // Serialising a Value cannot fail; the fallback keeps the signature total.
    serde_json::to_string_pretty(&document).unwrap_or_else(|_| document.to_string())
}
