use super::*;
use chrono::TimeZone;
use chrono::{DateTime, NaiveTime, Weekday};
use chrono_tz::Europe::London;
use chrono_tz::Tz;
use serde_json::json;

fn at(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
}

fn window(weekday: Weekday, from: (u32, u32), to: (u32, u32)) -> ContactWindow {
    ContactWindow {
        weekday,
        start: at(from.0, from.1),
        end: at(to.0, to.1),
    }
}

fn tuesday_mornings(max_minutes: Option<u32>) -> Measure {
    Measure::TimeLimitedContact {
        mode: ContactMode::Phone,
        windows: vec![window(Weekday::Tue, (9, 0), (12, 0))],
        max_minutes,
    }
}

/// How the tests' surface names staff: Sam Jones is U012AB3CD.
fn by_name(staff: &UserId) -> String {
    match staff.as_str() {
        "U012AB3CD" => "Sam Jones".to_owned(),
        other => format!("someone else ({other})"),
    }
}

fn email_only() -> Measure {
    Measure::SingleContactMethod {
        method: ContactMethod::Email,
    }
}

/// Local wall-clock time in London.
fn london(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
    London.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn every_kind() -> Vec<Measure> {
    vec![
        Measure::TimeLimitedContact {
            mode: ContactMode::Visit,
            windows: vec![
                window(Weekday::Tue, (9, 0), (12, 0)),
                window(Weekday::Thu, (14, 30), (16, 0)),
            ],
            max_minutes: Some(30),
        },
        tuesday_mornings(None),
        email_only(),
        Measure::SinglePointOfContact {
            staff: UserId::from_slack("U012AB3CD"),
        },
        Measure::CallsRecorded,
        Measure::ReadAndFile,
        Measure::RefuseReopen {
            case_reference: "CASE-123".into(),
        },
        Measure::BlockContact {
            identifiers: vec!["+447700900123".into(), "sam@example.org".into()],
        },
        Measure::Other {
            description: "Meetings only with a second member of staff present.".into(),
        },
    ]
}

#[test]
fn i9_f5_the_single_point_of_contact_is_stored_as_the_staff_members_user_id() {
    let sam = Measure::SinglePointOfContact {
        staff: UserId::from_slack("U012AB3CD"),
    };
    // The id only: no name, and no Slack markup, is stored.
    assert_eq!(sam.params(), json!({ "slack_user_id": "U012AB3CD" }));
    assert_eq!(sam.staff(), Some(&UserId::from_slack("U012AB3CD")));
    assert_eq!(email_only().staff(), None);
}

#[test]
fn i9_f5_rows_stored_with_slack_markup_read_back_as_the_user_id() {
    let sam = Ok(Measure::SinglePointOfContact {
        staff: UserId::from_slack("U012AB3CD"),
    });
    let kind = "single_point_of_contact";
    // As the restrict form stored it before: the id, and the mention as the "name".
    let before = json!({ "slack_user_id": "U012AB3CD", "name": "<@U012AB3CD>" });
    assert_eq!(Measure::from_parts(kind, &before), sam);
    // Markup where the id belongs, with or without a label, or only in the name.
    for stored in [
        json!({ "slack_user_id": "<@U012AB3CD>" }),
        json!({ "slack_user_id": "<@U012AB3CD|sam>", "name": "Sam" }),
        json!({ "name": "<@U012AB3CD>" }),
        json!({ "slack_user_id": "", "name": "<@U012AB3CD>" }),
    ] {
        assert_eq!(Measure::from_parts(kind, &stored), sam, "{stored}");
    }
    // A name that is not a mention does not make up an id.
    for stored in [json!({ "name": "Sam Jones" }), json!({})] {
        assert!(
            matches!(
                Measure::from_parts(kind, &stored),
                Err(MeasureError::BadParams { .. })
            ),
            "{stored}"
        );
    }
}

#[test]
fn i9_f5_surfaces_name_the_staff_member_and_escape_what_staff_typed() {
    let shout = |text: &str| text.to_uppercase();
    let typed = Measure::Other {
        description: "<b>two staff</b>".into(),
    }
    .with_typed_text(&shout);
    assert_eq!(
        typed,
        Measure::Other {
            description: "<B>TWO STAFF</B>".into()
        }
    );
    let sam = Measure::SinglePointOfContact {
        staff: UserId::from_slack("U012AB3CD"),
    };
    assert_eq!(sam.with_typed_text(&shout), sam);
    let mention = |staff: &UserId| format!("<@{staff}>");
    assert_eq!(
        sam.summary(&mention),
        "Single point of contact: <@U012AB3CD>"
    );
    assert_eq!(
        instructions(&[sam], london(2025, 10, 16, 10, 0), &mention),
        ["Only <@U012AB3CD> deals with them; pass any contact to <@U012AB3CD>."]
    );
}

#[test]
fn r_res_3_every_measure_round_trips_through_its_stored_kind_and_params() {
    for measure in every_kind() {
        let stored = measure.params();
        assert_eq!(
            Measure::from_parts(measure.kind_str(), &stored),
            Ok(measure.clone()),
            "{stored}"
        );
        assert_eq!(measure.validate(), Ok(()), "{measure:?}");
    }
}

#[test]
fn r_res_3_kinds_use_the_schema_spellings() {
    let kinds: Vec<&str> = MeasureKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "time_limited_contact",
            "single_contact_method",
            "single_point_of_contact",
            "calls_recorded",
            "read_and_file",
            "refuse_reopen",
            "block_contact",
            "other"
        ]
    );
    for kind in MeasureKind::ALL {
        assert_eq!(kind.as_str().parse(), Ok(kind));
    }
    assert_eq!(
        Measure::from_parts("curfew", &json!({})),
        Err(MeasureError::UnknownKind("curfew".into()))
    );
}

#[test]
fn r_res_3_time_limited_params_are_stored_as_days_and_times() {
    assert_eq!(
        tuesday_mornings(Some(10)).params(),
        json!({
            "mode": "phone",
            "slots": [{"day": "tue", "from": "09:00", "to": "12:00"}],
            "max_minutes": 10
        })
    );
    assert_eq!(
        tuesday_mornings(None).params(),
        json!({"mode": "phone", "slots": [{"day": "tue", "from": "09:00", "to": "12:00"}]})
    );
}

#[test]
fn r_res_3_malformed_params_are_refused_without_repeating_personal_values() {
    let error =
        Measure::from_parts("block_contact", &json!({"identifiers": "07700 900123"})).unwrap_err();
    assert_eq!(
        error,
        MeasureError::BadParams {
            kind: "block_contact",
            reason: "\"identifiers\" is missing or not a list".into()
        }
    );
    assert!(!error.to_string().contains("07700"));
    assert!(Measure::from_parts("time_limited_contact", &json!([])).is_err());
    assert!(Measure::from_parts(
        "time_limited_contact",
        &json!({"mode": "phone", "slots": [{"day": "someday", "from": "09:00", "to": "12:00"}]})
    )
    .is_err());
    assert!(
        Measure::from_parts("time_limited_contact", &json!({"mode": "fax", "slots": []})).is_err()
    );
    assert!(Measure::from_parts(
        "time_limited_contact",
        &json!({"mode": "phone", "slots": [], "max_minutes": -1})
    )
    .is_err());
    assert!(Measure::from_parts("single_contact_method", &json!({"method": "pigeon"})).is_err());
}

#[test]
fn r_res_3_measures_must_make_sense_before_they_are_requested() {
    let no_windows = Measure::TimeLimitedContact {
        mode: ContactMode::Phone,
        windows: vec![],
        max_minutes: None,
    };
    assert_eq!(no_windows.validate(), Err(MeasureError::NoWindows));
    let backwards = window(Weekday::Tue, (12, 0), (9, 0));
    let measure = Measure::TimeLimitedContact {
        mode: ContactMode::Phone,
        windows: vec![backwards],
        max_minutes: None,
    };
    assert_eq!(
        measure.validate(),
        Err(MeasureError::WindowEndsBeforeStart(backwards))
    );
    assert_eq!(
        measure.validate().unwrap_err().to_string(),
        "Each time window must end after it starts (Tuesday 12:00–09:00)"
    );
    assert_eq!(
        tuesday_mornings(Some(0)).validate(),
        Err(MeasureError::ZeroMinutes)
    );
    let nobody = Measure::SinglePointOfContact {
        staff: UserId::from_slack("sam"),
    };
    assert_eq!(nobody.validate(), Err(MeasureError::InvalidStaffUserId));
    let no_case = Measure::RefuseReopen {
        case_reference: "".into(),
    };
    assert_eq!(no_case.validate(), Err(MeasureError::EmptyCaseReference));
    for identifiers in [vec![], vec!["  ".to_owned()]] {
        assert_eq!(
            Measure::BlockContact { identifiers }.validate(),
            Err(MeasureError::NoIdentifiers)
        );
    }
    let blank = Measure::Other {
        description: "\n".into(),
    };
    assert_eq!(blank.validate(), Err(MeasureError::EmptyDescription));
}

#[test]
fn r_rpt_5_staff_are_told_calls_only_in_the_window_and_otherwise_to_email() {
    let measures = [tuesday_mornings(None), email_only()];
    assert_eq!(
        instructions(&measures, london(2025, 10, 14, 10, 15), &by_name),
        [
            "Do not take calls except Tuesday 09:00–12:00.",
            "It is Tuesday 10:15: a call may be taken now, until 12:00.",
            "Ask them to write by email.",
        ]
    );
    assert_eq!(
        instructions(&measures, london(2025, 10, 16, 10, 15), &by_name),
        [
            "Do not take calls except Tuesday 09:00–12:00.",
            "Calls are not allowed now; the next window is Tuesday 09:00–12:00.",
            "Ask them to write by email.",
        ]
    );
}

#[test]
fn r_rpt_5_window_boundaries_start_inclusive_end_exclusive() {
    let measures = [tuesday_mornings(None)];
    assert_eq!(
        instructions(&measures, london(2025, 10, 14, 9, 0), &by_name)[1],
        "It is Tuesday 09:00: a call may be taken now, until 12:00."
    );
    assert_eq!(
        instructions(&measures, london(2025, 10, 14, 11, 59), &by_name)[1],
        "It is Tuesday 11:59: a call may be taken now, until 12:00."
    );
    assert_eq!(
        instructions(&measures, london(2025, 10, 14, 12, 0), &by_name)[1],
        "Calls are not allowed now; the next window is Tuesday 09:00–12:00."
    );
    assert_eq!(
        instructions(&measures, london(2025, 10, 14, 8, 59), &by_name)[1],
        "Calls are not allowed now; the next window is today 09:00–12:00."
    );
}

#[test]
fn r_rpt_5_windows_follow_london_wall_clock_across_the_clocks_changing() {
    let measures = [tuesday_mornings(None)];
    // Tuesday 21 October 2025, 09:30 BST (08:30 UTC): before the clocks go back.
    let before = utc_in_london(2025, 10, 21, 8, 30);
    // Tuesday 28 October 2025, 09:30 GMT (09:30 UTC): after they went back on the 26th.
    let after = utc_in_london(2025, 10, 28, 9, 30);
    for now in [before, after] {
        assert_eq!(
            instructions(&measures, now, &by_name)[1],
            "It is Tuesday 09:30: a call may be taken now, until 12:00."
        );
    }
    // 08:30 UTC on the 28th is 08:30 in London: not yet open.
    assert_eq!(
        instructions(&measures, utc_in_london(2025, 10, 28, 8, 30), &by_name)[1],
        "Calls are not allowed now; the next window is today 09:00–12:00."
    );
}

fn utc_in_london(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Tz> {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&London)
}

#[test]
fn r_rpt_5_the_next_window_is_the_soonest_in_the_week() {
    let measures = [Measure::TimeLimitedContact {
        mode: ContactMode::Visit,
        windows: vec![
            window(Weekday::Thu, (14, 0), (16, 0)),
            window(Weekday::Mon, (9, 0), (10, 0)),
            window(Weekday::Tue, (9, 0), (12, 0)),
        ],
        max_minutes: Some(30),
    }];
    // Wednesday 15 October 2025.
    assert_eq!(
        instructions(&measures, london(2025, 10, 15, 13, 0), &by_name),
        [
            "Do not see them in person except Monday 09:00–10:00, Tuesday 09:00–12:00 and Thursday 14:00–16:00, and end each visit after 30 minutes.",
            "Visits are not allowed now; the next window is Thursday 14:00–16:00.",
        ]
    );
    // Friday: the next window wraps round to Monday.
    assert_eq!(
        instructions(&measures, london(2025, 10, 17, 9, 30), &by_name)[1],
        "Visits are not allowed now; the next window is Monday 09:00–10:00."
    );
    assert_eq!(
        instructions(&measures, london(2025, 10, 16, 15, 0), &by_name)[1],
        "It is Thursday 15:00: a visit may take place now, until 16:00."
    );
}

#[test]
fn r_rpt_5_each_measure_says_what_to_do() {
    let now = london(2025, 10, 16, 10, 0);
    let measures = every_kind();
    assert_eq!(
        instructions(&measures[3..], now, &by_name),
        [
            "Only Sam Jones deals with them; pass any contact to Sam Jones.",
            "Calls must be recorded or monitored; tell the caller.",
            "Read and file their correspondence; reply only to new information or a new complaint.",
            "Do not reopen case CASE-123 or its decision.",
            "Their listed numbers/addresses are blocked.",
            "Meetings only with a second member of staff present.",
        ]
    );
    assert_eq!(
        instructions(&[email_only()], now, &by_name),
        ["Contact is by email only; ask them to write by email."]
    );
    assert!(instructions(&[], now, &by_name).is_empty());
    let no_windows = Measure::TimeLimitedContact {
        mode: ContactMode::Phone,
        windows: vec![],
        max_minutes: None,
    };
    assert_eq!(
        instructions(&[no_windows], now, &by_name),
        ["Do not take calls."]
    );
}

#[test]
fn r_res_3_managers_see_one_line_per_measure() {
    let lines: Vec<String> = every_kind().iter().map(|m| m.summary(&by_name)).collect();
    assert_eq!(
        lines,
        [
            "Visits only Tuesday 09:00–12:00 and Thursday 14:30–16:00, at most 30 minutes",
            "Calls only Tuesday 09:00–12:00",
            "Contact by email only",
            "Single point of contact: Sam Jones",
            "Calls recorded or monitored",
            "Read and file correspondence; reply only to new information or a new complaint",
            "Refuse to reopen case CASE-123 or its decision",
            "Block contact from +447700900123 and sam@example.org",
            "Other: Meetings only with a second member of staff present.",
        ]
    );
    assert_eq!(
        tuesday_mornings(Some(10)).summary(&by_name),
        "Calls only Tuesday 09:00–12:00, at most 10 minutes"
    );
}

#[test]
fn r_res_2_managers_type_windows_as_days_and_times() {
    assert_eq!(
        parse_windows("Tue 09:00-12:00"),
        Ok(vec![window(Weekday::Tue, (9, 0), (12, 0))])
    );
    assert_eq!(
        parse_windows("Tuesday 9:00–12:00, Thu 14:00-16:30"),
        Ok(vec![
            window(Weekday::Tue, (9, 0), (12, 0)),
            window(Weekday::Thu, (14, 0), (16, 30)),
        ])
    );
    assert_eq!(
        parse_windows("tue 9-12"),
        Ok(vec![window(Weekday::Tue, (9, 0), (12, 0))])
    );
    assert_eq!(
        parse_windows("MON 9 - 10;\nFridays 2pm–4.30pm\n\nweds: 9am to 12pm,  su 08:15-8:45 ,"),
        Ok(vec![
            window(Weekday::Mon, (9, 0), (10, 0)),
            window(Weekday::Fri, (14, 0), (16, 30)),
            window(Weekday::Wed, (9, 0), (12, 0)),
            window(Weekday::Sun, (8, 15), (8, 45)),
        ])
    );
    assert_eq!(
        parse_windows("Thurs 12am-12:30am; sat. 11am-12pm"),
        Ok(vec![
            window(Weekday::Thu, (0, 0), (0, 30)),
            window(Weekday::Sat, (11, 0), (12, 0)),
        ])
    );
}

#[test]
fn r_res_2_typed_windows_read_back_as_they_are_shown() {
    let windows = vec![
        window(Weekday::Mon, (9, 0), (10, 0)),
        window(Weekday::Thu, (14, 30), (16, 0)),
    ];
    let shown: Vec<String> = windows.iter().map(ToString::to_string).collect();
    assert_eq!(parse_windows(&shown.join(", ")), Ok(windows));
}

#[test]
fn r_res_2_typed_windows_must_name_a_day_and_end_after_they_start() {
    assert!(matches!(
        parse_windows("Someday 9-12"),
        Err(MeasureError::BadParams { .. })
    ));
    assert!(matches!(
        parse_windows("t 9-12"),
        Err(MeasureError::BadParams { .. })
    ));
    assert!(matches!(
        parse_windows("9-12"),
        Err(MeasureError::BadParams { .. })
    ));
    assert_eq!(
        parse_windows("Tue 12-9"),
        Err(MeasureError::WindowEndsBeforeStart(window(
            Weekday::Tue,
            (12, 0),
            (9, 0)
        )))
    );
    assert_eq!(
        parse_windows("Tue 9:00-12:00, Wed 10-10"),
        Err(MeasureError::WindowEndsBeforeStart(window(
            Weekday::Wed,
            (10, 0),
            (10, 0)
        )))
    );
    for unreadable in [
        "Tue",
        "Tue 9",
        "Tue 9-",
        "Tue 25-26",
        "Tue 9:5-12",
        "Tue 13pm-14pm",
        "Tue 0900-1200",
        "Tue 9-12-14",
        "Tue +9-12",
    ] {
        assert!(
            matches!(
                parse_windows(unreadable),
                Err(MeasureError::BadParams { .. })
            ),
            "{unreadable}"
        );
    }
    assert_eq!(parse_windows(""), Err(MeasureError::NoWindows));
    assert_eq!(parse_windows(" ,\n; "), Err(MeasureError::NoWindows));
}
