//! Every letter rendered from the real `templates/` directory, in every format and
//! language (R-LET-1 … R-LET-4).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::*;
use crate::domain::measures::{ContactMethod, ContactMode, ContactWindow, Measure};
use crate::domain::UserId;

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")
}

fn letters() -> Letters {
    Letters::load(templates_dir()).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn tuesday_mornings() -> Measure {
    Measure::TimeLimitedContact {
        mode: ContactMode::Phone,
        windows: vec![ContactWindow {
            weekday: Weekday::Tue,
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        }],
        max_minutes: Some(10),
    }
}

/// Sam Jones's Slack user id; the letters name Sam from [`staff_names`].
const SAM: &str = "U012AB3CD";

fn staff_names() -> StaffNames {
    StaffNames::from([(UserId::from_slack(SAM), "Sam Jones".to_owned())])
}

fn letter_measure(measure: &Measure) -> LetterMeasure {
    LetterMeasure::new(measure, &staff_names())
}

fn measures() -> Vec<LetterMeasure> {
    [
        tuesday_mornings(),
        Measure::SingleContactMethod {
            method: ContactMethod::Email,
        },
        Measure::SinglePointOfContact {
            staff: UserId::from_slack(SAM),
        },
        Measure::RefuseReopen {
            case_reference: "CASE-123".into(),
        },
    ]
    .iter()
    .map(letter_measure)
    .collect()
}

fn outcome_for(kind: LetterKind) -> Option<String> {
    match kind {
        LetterKind::DisputeOutcome => Some("still_applies".into()),
        LetterKind::ReviewOutcome => Some("continue".into()),
        LetterKind::Warning | LetterKind::RestrictionNotice => None,
    }
}

fn context(kind: LetterKind) -> LetterContext {
    LetterContext {
        organisation: "the Independent Office for Police Conduct".into(),
        recipient_name: "Alex O'Brien".into(),
        reference: "WRN-00001".into(),
        letter_date: date(2026, 11, 3),
        function_name: "Casework".into(),
        behaviour: "Shouted at staff <script>alert(1)</script> & swore.".into(),
        incident_dates: vec![date(2026, 10, 12), date(2026, 10, 19)],
        adapt_until: Some(date(2026, 12, 1)),
        measures: measures(),
        reasons: "More than 50 calls a day took staff away from other service users.".into(),
        starts_on: Some(date(2026, 11, 10)),
        starts_once_sent: false,
        ends_on: None,
        next_review_on: Some(date(2027, 11, 10)),
        outcome: outcome_for(kind),
        contact_name: "Jo Bloggs".into(),
        signatory_name: None,
        signatory_role: None,
        contact_details: "Complaints team\ncomplaints@example.org".into(),
        complaint_reference: None,
        recipient_address: Vec::new(),
        corrections: Vec::new(),
    }
}

fn render(kind: LetterKind, format: LetterFormat, language: Language) -> RenderedLetter {
    letters()
        .render(kind, format, language, &context(kind))
        .unwrap()
}

#[test]
fn r_let_4_every_letter_renders_in_every_format_and_language() {
    let letters = letters();
    for kind in LetterKind::ALL {
        for format in LetterFormat::ALL {
            for language in Language::ALL {
                let letter = letters
                    .render(kind, format, language, &context(kind))
                    .unwrap();
                let body = &letter.body;
                let what = format!("{kind} {format} {language}");
                assert!(body.contains("Alex O&#x27;Brien"), "{what}: name");
                assert!(body.contains("WRN-00001"), "{what}: reference");
                assert!(
                    body.contains(&format!("<html lang=\"{language}\">")),
                    "{what}: lang"
                );
                let letter_date = match language {
                    Language::En => "3 November 2026",
                    Language::Cy => "3 Tachwedd 2026",
                };
                assert!(body.contains(letter_date), "{what}: date");
                assert!(body.contains("complaints@example.org"), "{what}: contact");
                assert!(!letter.title.is_empty(), "{what}: title");
                assert!(
                    body.contains(&format!("<title>{}</title>", letter.title)),
                    "{what}: title in the page"
                );
                assert_eq!(
                    letter.filename,
                    format!("{kind}-WRN-00001-{language}-{format}.pdf")
                );
                assert_eq!(letter.template, template_name(kind, format, language));
            }
        }
    }
}

#[test]
fn r_let_4_filename_and_template_name_the_letter() {
    let letter = render(LetterKind::Warning, LetterFormat::LargePrint, Language::En);
    assert_eq!(letter.filename, "warning-WRN-00001-en-large_print.pdf");
    assert_eq!(letter.template, "en/warning.html");
    assert_eq!(letter.title, "Your behaviour towards our staff");
    let easy = render(
        LetterKind::ReviewOutcome,
        LetterFormat::EasyRead,
        Language::Cy,
    );
    assert_eq!(easy.template, "cy/easy_read/review_outcome.html");
}

#[test]
fn r_let_1_warning_describes_the_behaviour_the_policy_and_the_chance_to_adapt() {
    let en = render(LetterKind::Warning, LetterFormat::Standard, Language::En).body;
    assert!(en.contains("unacceptable"));
    assert!(en.contains("12 October 2026"));
    assert!(en.contains("19 October 2026"));
    assert!(en.contains("We enclose a copy of our policy"));
    assert!(en.contains("before 1 December 2026"));
    assert!(en.contains("manage how you contact us"));
    let cy = render(LetterKind::Warning, LetterFormat::Standard, Language::Cy).body;
    assert!(cy.contains("12 Hydref 2026"));
    assert!(cy.contains("cyn 1 Rhagfyr 2026"));
    assert!(cy.contains("annerbyniol"));
    assert!(cy.contains("copi o'n polisi"));
}

#[test]
fn r_let_2_notice_words_the_measures_in_the_letters_language() {
    let en = render(
        LetterKind::RestrictionNotice,
        LetterFormat::Standard,
        Language::En,
    )
    .body;
    assert!(en.contains("Tuesday 09:00–12:00"), "{en}");
    assert!(en.contains("limited to 10 minutes"));
    assert!(en.contains("You may contact us by email only."));
    assert!(en.contains("Your single point of contact will be Sam Jones."));
    assert!(en.contains("reopen case CASE-123"));
    assert!(!en.contains("U012AB3CD"), "a Slack id is not for letters");
    let cy = render(
        LetterKind::RestrictionNotice,
        LetterFormat::Standard,
        Language::Cy,
    )
    .body;
    assert!(cy.contains("Dydd Mawrth 09:00–12:00"), "{cy}");
    assert!(cy.contains("wedi'i chyfyngu i 10 munud"));
    assert!(cy.contains("Cewch gysylltu â ni drwy e-bost yn unig."));
    assert!(cy.contains("Eich unig bwynt cyswllt fydd Sam Jones."));
    assert!(!cy.contains("Tuesday"));
    let easy = render(
        LetterKind::RestrictionNotice,
        LetterFormat::EasyRead,
        Language::Cy,
    )
    .body;
    assert!(easy.contains("Dydd Mawrth o 09:00 tan 12:00"));
}

#[test]
fn i9_f5_letters_name_the_point_of_contact_by_their_real_name_never_by_slack_id() {
    for kind in LetterKind::ALL {
        for format in LetterFormat::ALL {
            for language in Language::ALL {
                let body = render(kind, format, language).body;
                let what = format!("{kind} {format} {language}");
                if kind != LetterKind::Warning {
                    assert!(body.contains("Sam Jones"), "{what}: {body}");
                }
                assert!(!body.contains(SAM), "{what}: a Slack id is not for letters");
                assert!(!body.contains("&lt;@"), "{what}: nor is Slack markup");
            }
        }
    }
}

#[test]
fn i9_f5_a_letter_whose_point_of_contact_has_no_name_is_not_drafted() {
    let someone_else = Measure::SinglePointOfContact {
        staff: UserId::from_slack("U0NOBODY"),
    };
    for kind in [
        LetterKind::RestrictionNotice,
        LetterKind::DisputeOutcome,
        LetterKind::ReviewOutcome,
    ] {
        let mut ctx = context(kind);
        ctx.measures.push(letter_measure(&someone_else));
        let refused = letters().render(kind, LetterFormat::Standard, Language::En, &ctx);
        assert!(
            matches!(
                refused,
                Err(LetterError::MissingDetail {
                    detail: "the name of the single point of contact",
                    ..
                })
            ),
            "{kind}: {refused:?}"
        );
    }
}

#[test]
fn i9_f6_the_notice_quotes_the_justification_once() {
    let justification = "Forty calls a day for three weeks kept staff from other callers.";
    for format in LetterFormat::ALL {
        for language in Language::ALL {
            let mut ctx = context(LetterKind::RestrictionNotice);
            // What the approval used to fill in: the justification as the reasons and
            // again as the behaviour.
            ctx.reasons = justification.into();
            ctx.behaviour = justification.into();
            let body = letters()
                .render(LetterKind::RestrictionNotice, format, language, &ctx)
                .unwrap()
                .body;
            assert_eq!(
                body.matches(justification).count(),
                1,
                "{format} {language}: {body}"
            );
        }
    }
}

#[test]
fn i9_f15_a_notice_waiting_to_be_sent_says_it_applies_from_the_day_it_is_sent() {
    let mut waiting = context(LetterKind::RestrictionNotice);
    waiting.starts_once_sent = true;
    waiting.starts_on = Some(waiting.letter_date);
    let body = |format, language, ctx: &LetterContext| {
        letters()
            .render(LetterKind::RestrictionNotice, format, language, ctx)
            .unwrap()
            .body
    };
    let en = body(LetterFormat::Standard, Language::En, &waiting);
    assert!(
        en.contains("apply from the day this letter is sent to you, until we review them"),
        "{en}"
    );
    assert!(!en.contains("but not before"), "{en}");
    let easy = body(LetterFormat::EasyRead, Language::En, &waiting);
    assert!(easy.contains("These rules start on the day we send you this letter."));
    let cy = body(LetterFormat::Standard, Language::Cy, &waiting);
    assert!(
        cy.contains("o'r diwrnod yr anfonir y llythyr hwn atoch"),
        "{cy}"
    );
    let cy_easy = body(LetterFormat::EasyRead, Language::Cy, &waiting);
    assert!(cy_easy.contains("y diwrnod rydyn ni'n anfon y llythyr hwn atoch chi"));
    // A later start the head set is named.
    waiting.starts_on = Some(date(2026, 11, 10));
    waiting.ends_on = Some(date(2027, 5, 10));
    let en = body(LetterFormat::Standard, Language::En, &waiting);
    assert!(
        en.contains("apply from the day this letter is sent to you, but not before 10 November 2026, until 10 May 2027."),
        "{en}"
    );
    let cy = body(LetterFormat::Standard, Language::Cy, &waiting);
    assert!(
        cy.contains("ond nid cyn 10 Tachwedd 2026, tan 10 Mai 2027."),
        "{cy}"
    );
}

#[test]
fn r_let_2_notice_says_how_long_when_reviewed_and_how_to_dispute() {
    let en = render(
        LetterKind::RestrictionNotice,
        LetterFormat::Standard,
        Language::En,
    )
    .body;
    assert!(en.contains("apply from 10 November 2026 until we review them"));
    assert!(en.contains("review these arrangements by 10 November 2027"));
    assert!(en.contains("at least once a year"));
    assert!(en.contains("internal complaints procedure"));
    assert!(en.contains("Complaints team<br>\ncomplaints@example.org"));
    assert!(en.contains("More than 50 calls a day"));
    let cy = render(
        LetterKind::RestrictionNotice,
        LetterFormat::Standard,
        Language::Cy,
    )
    .body;
    assert!(cy.contains("gweithdrefn gwyno fewnol"));
    assert!(cy.contains("erbyn 10 Tachwedd 2027"));
    let mut ending = context(LetterKind::RestrictionNotice);
    ending.ends_on = Some(date(2027, 5, 10));
    let en = letters()
        .render(
            LetterKind::RestrictionNotice,
            LetterFormat::Standard,
            Language::En,
            &ending,
        )
        .unwrap()
        .body;
    assert!(en.contains("apply from 10 November 2026 until 10 May 2027."));
    let easy = letters()
        .render(
            LetterKind::RestrictionNotice,
            LetterFormat::EasyRead,
            Language::Cy,
            &ending,
        )
        .unwrap()
        .body;
    assert!(easy.contains("Maen nhw'n dod i ben ar 10 Mai 2027."));
    assert!(easy.contains("Beth os nad ydych chi'n cytuno?"));
}

#[test]
fn r_let_3_dispute_outcome_says_whether_the_arrangements_still_apply() {
    let letters = letters();
    let mut ctx = context(LetterKind::DisputeOutcome);
    let mut bodies = Vec::new();
    for outcome in ["still_applies", "varied", "lifted"] {
        ctx.outcome = Some(outcome.into());
        let body = letters
            .render(
                LetterKind::DisputeOutcome,
                LetterFormat::Standard,
                Language::En,
                &ctx,
            )
            .unwrap()
            .body;
        assert!(
            body.contains("More than 50 calls a day"),
            "{outcome}: reasons"
        );
        bodies.push(body);
    }
    assert!(bodies[0].contains("the restricted contact arrangements still apply"));
    assert!(bodies[1].contains("we have changed the arrangements"));
    assert!(bodies[1].contains("Tuesday 09:00–12:00"));
    assert!(bodies[2].contains("we have lifted the restrictions"));
    assert!(!bodies[2].contains("Tuesday 09:00–12:00"));
}

#[test]
fn r_let_3_review_outcome_continues_varies_or_lifts() {
    let letters = letters();
    let mut ctx = context(LetterKind::ReviewOutcome);
    let mut render = |outcome: &str, language| {
        ctx.outcome = Some(outcome.into());
        letters
            .render(
                LetterKind::ReviewOutcome,
                LetterFormat::Standard,
                language,
                &ctx,
            )
            .unwrap()
            .body
    };
    let cont = render("continue", Language::En);
    assert!(cont.contains("the arrangements will continue"));
    assert!(cont.contains("review them again by 10 November 2027"));
    assert!(render("vary", Language::En).contains("We have decided to change the arrangements"));
    assert!(render("lift", Language::En).contains("lift the restrictions"));
    assert!(render("continue", Language::Cy).contains("y bydd y trefniadau'n parhau"));
    assert!(render("lift", Language::Cy).contains("codi'r cyfyngiadau"));
}

#[test]
fn r_let_3_outcome_letters_need_a_known_outcome() {
    let letters = letters();
    let mut ctx = context(LetterKind::DisputeOutcome);
    ctx.outcome = None;
    let error = letters
        .render(
            LetterKind::DisputeOutcome,
            LetterFormat::Standard,
            Language::En,
            &ctx,
        )
        .unwrap_err();
    assert!(
        matches!(error, LetterError::MissingDetail { .. }),
        "{error}"
    );
    ctx.outcome = Some("continue".into());
    let error = letters
        .render(
            LetterKind::DisputeOutcome,
            LetterFormat::Standard,
            Language::En,
            &ctx,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "\"continue\" is not an outcome of a dispute_outcome letter \
         (expected one of still_applies, varied, lifted)"
    );
    let mut notice = context(LetterKind::RestrictionNotice);
    notice.measures.clear();
    assert!(letters
        .render(
            LetterKind::RestrictionNotice,
            LetterFormat::Standard,
            Language::En,
            &notice,
        )
        .is_err());
}

#[test]
fn r_let_4_large_print_css_only_in_large_print() {
    for kind in LetterKind::ALL {
        for language in Language::ALL {
            let large = render(kind, LetterFormat::LargePrint, language).body;
            assert!(large.contains("/* Large print"));
            assert!(large.contains("font-size: 18pt"));
            assert!(large.contains("sans-serif"));
            for format in [LetterFormat::Standard, LetterFormat::EasyRead] {
                let other = render(kind, format, language).body;
                assert!(!other.contains("/* Large print"), "{kind} {format}");
                assert!(!other.contains("font-size: 18pt"), "{kind} {format}");
            }
        }
    }
}

#[test]
fn r_let_4_standard_and_large_print_share_words_easy_read_has_its_own() {
    for kind in LetterKind::ALL {
        for language in Language::ALL {
            let standard = render(kind, LetterFormat::Standard, language);
            let large = render(kind, LetterFormat::LargePrint, language);
            let easy = render(kind, LetterFormat::EasyRead, language);
            assert_eq!(
                words(&standard.body),
                words(&large.body),
                "{kind} {language}"
            );
            assert_ne!(
                words(&standard.body),
                words(&easy.body),
                "{kind} {language}"
            );
            assert_ne!(standard.title, easy.title);
        }
    }
    let easy = render(LetterKind::Warning, LetterFormat::EasyRead, Language::En).body;
    assert!(easy.contains("<h2>What can you do?</h2>"));
    assert!(easy.contains("You have until 1 December 2026 to change how you behave."));
    let easy = render(
        LetterKind::RestrictionNotice,
        LetterFormat::EasyRead,
        Language::En,
    )
    .body;
    assert!(easy.contains("<h2>What happens now?</h2>"));
    assert!(easy.contains("Tuesday from 09:00 to 12:00"));
}

/// The letter's text without the page's CSS, which is what differs between standard and
/// large print.
fn words(body: &str) -> String {
    let after_style = body.split("</style>").nth(1).unwrap_or(body);
    after_style
        .replace("large_print", "standard")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn r_let_4_welsh_letters_are_in_welsh() {
    for kind in LetterKind::ALL {
        for format in LetterFormat::ALL {
            let body = render(kind, format, Language::Cy).body;
            assert!(body.contains("Annwyl Alex"), "{kind} {format}");
            assert!(body.contains("Tachwedd"), "{kind} {format}");
            assert!(!body.contains("Dear "), "{kind} {format}");
            assert!(!body.contains("November"), "{kind} {format}");
            assert!(!body.contains("We will"), "{kind} {format}");
        }
    }
}

#[test]
fn every_welsh_template_asks_for_review_by_a_welsh_speaker() {
    let mut pending = vec![templates_dir().join("cy")];
    let mut seen = 0;
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let text = fs::read_to_string(&path).unwrap();
                assert!(
                    text.starts_with(
                        "{# Welsh text: to be reviewed by a Welsh speaker before use. #}"
                    ),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 8);
}

#[test]
fn what_staff_type_is_html_escaped() {
    for language in Language::ALL {
        for format in LetterFormat::ALL {
            let mut ctx = context(LetterKind::RestrictionNotice);
            ctx.recipient_name = "<b>Alex</b>".into();
            ctx.reasons = "<img src=x onerror=alert(1)>".into();
            ctx.measures.push(letter_measure(&Measure::Other {
                description: "<script>bad()</script>".into(),
            }));
            let body = letters()
                .render(LetterKind::RestrictionNotice, format, language, &ctx)
                .unwrap()
                .body;
            assert!(!body.contains("<script>"), "{format} {language}");
            assert!(!body.contains("<b>Alex"), "{format} {language}");
            assert!(!body.contains("<img"), "{format} {language}");
            assert!(body.contains("&lt;script&gt;"), "{format} {language}");
            assert!(body.contains("&lt;b&gt;Alex"), "{format} {language}");
        }
    }
    let warning = render(LetterKind::Warning, LetterFormat::Standard, Language::En).body;
    assert!(warning.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; swore."));
    assert!(!warning.contains("<script>"));
}

/// Issue 11 (item 7): the binary carries every template of the repository's `templates/`,
/// byte for byte, and loads them without any directory.
#[test]
fn r_ops_4_the_default_templates_are_compiled_in() {
    for name in required_templates() {
        let on_disk = fs::read_to_string(templates_dir().join(&name)).unwrap();
        assert_eq!(embedded_template(&name), Some(on_disk.as_str()), "{name}");
    }
    let letters = Letters::embedded().unwrap();
    assert_eq!(letters.dir(), None);
    let from_disk = Letters::load(templates_dir()).unwrap();
    let ctx = sample_context(None);
    for language in Language::ALL {
        for format in LetterFormat::ALL {
            let kind = LetterKind::Warning;
            assert_eq!(
                letters.render(kind, format, language, &ctx).unwrap().body,
                from_disk.render(kind, format, language, &ctx).unwrap().body
            );
        }
    }
}

#[test]
fn load_names_every_missing_template() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&templates_dir(), dir.path());
    fs::remove_file(dir.path().join("cy/easy_read/warning.html")).unwrap();
    fs::remove_file(dir.path().join("layout.html")).unwrap();
    let error = Letters::load(dir.path()).unwrap_err();
    match &error {
        LetterError::MissingTemplates { missing, .. } => {
            assert_eq!(missing, &["layout.html", "cy/easy_read/warning.html"]);
        }
        other => panic!("unexpected error: {other}"),
    }
    let message = error.to_string();
    assert!(message.contains("is missing layout.html, cy/easy_read/warning.html"));
}

#[test]
fn load_fails_clearly_for_a_missing_directory() {
    let error = Letters::load("/nonexistent/letter-templates").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the letter template directory /nonexistent/letter-templates does not exist or is not a directory"
    );
}

#[test]
fn load_finds_a_broken_template_edit() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&templates_dir(), dir.path());
    let broken = dir.path().join("en/review_outcome.html");
    let text = fs::read_to_string(&broken).unwrap();
    fs::write(
        &broken,
        text.replace("{{ reasons|paragraphs }}", "{{ reasonz }}"),
    )
    .unwrap();
    let error = Letters::load(dir.path()).unwrap_err();
    match &error {
        LetterError::Template { template, .. } => {
            assert_eq!(template, "en/review_outcome.html")
        }
        other => panic!("unexpected error: {other}"),
    }
    fs::write(&broken, text.replace("{% endblock %}", "")).unwrap();
    assert!(matches!(
        Letters::load(dir.path()),
        Err(LetterError::Template { .. })
    ));
}

#[test]
fn an_edited_template_is_used_without_rebuilding_or_reloading() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&templates_dir(), dir.path());
    let letters = Letters::load(dir.path()).unwrap();
    let path = dir.path().join("en/warning.html");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace("<h2>Our policy</h2>", "<h2>Our policy, as edited</h2>"),
    )
    .unwrap();
    let body = letters
        .render(
            LetterKind::Warning,
            LetterFormat::Standard,
            Language::En,
            &context(LetterKind::Warning),
        )
        .unwrap()
        .body;
    assert!(body.contains("Our policy, as edited"));
}

#[test]
fn preferred_formats_map_to_letter_formats() {
    assert_eq!(
        LetterFormat::from(PreferredFormat::LargePrint),
        LetterFormat::LargePrint
    );
    assert_eq!(
        LetterFormat::from(PreferredFormat::EasyRead),
        LetterFormat::EasyRead
    );
    for other in [
        PreferredFormat::Standard,
        PreferredFormat::Braille,
        PreferredFormat::Audio,
    ] {
        assert_eq!(LetterFormat::from(other), LetterFormat::Standard);
    }
}

#[test]
fn measures_keep_their_parameters_for_the_letter() {
    let measure = letter_measure(&Measure::TimeLimitedContact {
        mode: ContactMode::Visit,
        windows: vec![
            ContactWindow {
                weekday: Weekday::Thu,
                start: NaiveTime::from_hms_opt(14, 30, 0).unwrap(),
                end: NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
            },
            ContactWindow {
                weekday: Weekday::Mon,
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            },
        ],
        max_minutes: Some(30),
    });
    assert_eq!(measure.kind, "time_limited_contact");
    assert_eq!(measure.mode.as_deref(), Some("visit"));
    assert_eq!(
        measure.windows,
        [
            LetterWindow {
                day: 0,
                start: "09:00".into(),
                end: "10:00".into()
            },
            LetterWindow {
                day: 3,
                start: "14:30".into(),
                end: "16:00".into()
            },
        ]
    );
    assert_eq!(measure.max_minutes, Some(30));
    let blocked = letter_measure(&Measure::BlockContact {
        identifiers: vec!["+447700900123".into()],
    });
    assert_eq!(blocked.identifiers, ["+447700900123"]);
    assert_eq!(blocked.kind, "block_contact");
}

#[test]
fn the_reference_is_made_safe_for_a_file_name() {
    let mut ctx = context(LetterKind::Warning);
    ctx.reference = "../WRN 1/x".into();
    let letter = letters()
        .render(
            LetterKind::Warning,
            LetterFormat::Standard,
            Language::En,
            &ctx,
        )
        .unwrap();
    assert_eq!(letter.filename, "warning----WRN-1-x-en-standard.pdf");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Issue 9 (core shape): the outcomes a letter accepts are the domain's, spelled as
/// the store spells them.
#[test]
fn i9_core_letter_outcomes_are_the_domains_outcomes() {
    use crate::domain::dispute::DisputeOutcome;
    use crate::domain::review::ReviewOutcome;
    let dispute: Vec<&str> = DisputeOutcome::ALL.iter().map(|o| o.as_str()).collect();
    let review: Vec<&str> = ReviewOutcome::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(LetterKind::DisputeOutcome.outcomes(), dispute.as_slice());
    assert_eq!(LetterKind::ReviewOutcome.outcomes(), review.as_slice());
}

/// R-REC-1: records are never rewritten, so a letter that cites a corrected record
/// repeats the correction note, in every kind, format and language, escaped like all
/// staff text; a letter with no corrections says nothing about them.
#[test]
fn r_rec_1_every_letter_repeats_the_corrections_to_the_records_it_cites() {
    let letters = letters();
    let headings = [
        (
            Language::En,
            LetterFormat::Standard,
            "Corrections to our records",
        ),
        (
            Language::En,
            LetterFormat::LargePrint,
            "Corrections to our records",
        ),
        (
            Language::En,
            LetterFormat::EasyRead,
            "Have we changed our records?",
        ),
        (
            Language::Cy,
            LetterFormat::Standard,
            "Cywiriadau i'n cofnodion",
        ),
        (
            Language::Cy,
            LetterFormat::LargePrint,
            "Cywiriadau i'n cofnodion",
        ),
        (
            Language::Cy,
            LetterFormat::EasyRead,
            "Ydyn ni wedi newid ein cofnodion?",
        ),
    ];
    for kind in LetterKind::ALL {
        for (language, format, heading) in headings {
            let plain = letters
                .render(kind, format, language, &context(kind))
                .unwrap();
            assert!(
                !plain.body.contains("class=\"corrections\""),
                "{kind} {format} {language}"
            );
            let mut ctx = context(kind);
            ctx.corrections = vec![
                LetterCorrection {
                    record_kind: "incident".into(),
                    record_date: date(2026, 10, 12),
                    note: "It was the Tuesday <b>not</b> the Monday.".into(),
                },
                LetterCorrection {
                    record_kind: "warning".into(),
                    record_date: date(2026, 10, 20),
                    note: "The warning named the wrong office.".into(),
                },
            ];
            let body = letters.render(kind, format, language, &ctx).unwrap().body;
            let what = format!("{kind} {format} {language}");
            assert!(body.contains(heading), "{what}: {body}");
            assert!(
                body.contains("It was the Tuesday &lt;b&gt;not&lt;&#x2f;b&gt; the Monday."),
                "{what}: {body}"
            );
            assert!(
                body.contains("The warning named the wrong office."),
                "{what}"
            );
            let day = if language == Language::Cy {
                "12 Hydref 2026"
            } else {
                "12 October 2026"
            };
            assert!(body.contains(day), "{what}: {body}");
        }
    }
}

/// R-REC-1: a letter can be posted: the person's postal address, line by line, under
/// their name at the top.
#[test]
fn r_rec_1_the_letterhead_prints_the_postal_address() {
    let mut ctx = context(LetterKind::Warning);
    ctx.recipient_address = vec!["10 High Street".into(), "Cardiff".into(), "CF10 1AA".into()];
    for language in Language::ALL {
        let body = letters()
            .render(LetterKind::Warning, LetterFormat::Standard, language, &ctx)
            .unwrap()
            .body;
        assert!(
            body.contains("10 High Street<br>Cardiff<br>CF10 1AA"),
            "{language}: {body}"
        );
    }
    let without = render(LetterKind::Warning, LetterFormat::Standard, Language::En).body;
    assert!(!without.contains("class=\"address\""));
}
