use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 10, 28, 10, 0, 0).unwrap()
}

fn report(category: Category, kinds: &[BehaviourKind]) -> IncidentReport {
    IncidentReport {
        category,
        kinds: kinds.to_vec(),
        channel: Channel::Phone,
        occurred_at: now() - Duration::hours(1),
        description: "Shouted and swore at the caseworker".into(),
        impact_staff_minutes: Some(30),
        impact_contacts: Some(1),
        impact_note: String::new(),
        threat_of_violence: None,
    }
}

fn messages(result: Result<ValidIncident, Vec<IncidentFieldError>>) -> Vec<String> {
    result.unwrap_err().into_iter().map(|e| e.message).collect()
}

#[test]
fn r_rec_2_each_category_offers_exactly_its_section_3_examples_and_other() {
    use BehaviourKind::*;
    assert_eq!(
        Category::AggressiveAbusive.kinds(),
        vec![
            Threats,
            PhysicalViolence,
            VerbalAbuse,
            DerogatoryRemarks,
            Rudeness,
            Other
        ]
    );
    assert_eq!(
        Category::UnreasonableDemands.kinds(),
        vec![
            UnreasonableTimescales,
            InsistingOnParticularStaff,
            SeekingStaffReplaced,
            ScattergunContact,
            PursuingWithNumerousStaff,
            Other
        ]
    );
    assert_eq!(
        Category::UnreasonablyPersistent.kinds(),
        vec![
            RefusingToAcceptDecision,
            RepeatedRequestsToReverseDecision,
            RefusingExplanations,
            Other
        ]
    );
    assert_eq!(Other.category(), None);
}

#[test]
fn r_rec_2_categories_are_labelled_with_the_section_3_headings() {
    assert_eq!(
        Category::AggressiveAbusive.label(),
        "Aggressive or abusive behaviour"
    );
    assert_eq!(
        Category::UnreasonableDemands.label(),
        "Unreasonable behaviour (demands)"
    );
    assert_eq!(
        Category::UnreasonablyPersistent.label(),
        "Unreasonably persistent"
    );
}

#[test]
fn r_rec_2_stored_spellings_match_the_schema_and_round_trip() {
    let kinds: Vec<&str> = BehaviourKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "threats",
            "physical_violence",
            "verbal_abuse",
            "derogatory_remarks",
            "rudeness",
            "unreasonable_timescales",
            "insisting_on_particular_staff",
            "seeking_staff_replaced",
            "scattergun_contact",
            "pursuing_with_numerous_staff",
            "refusing_to_accept_decision",
            "repeated_requests_to_reverse_decision",
            "refusing_explanations",
            "other"
        ]
    );
    for kind in BehaviourKind::ALL {
        assert_eq!(kind.as_str().parse(), Ok(kind));
    }
    for category in Category::ALL {
        assert_eq!(category.as_str().parse(), Ok(category));
    }
    for channel in Channel::ALL {
        assert_eq!(channel.as_str().parse(), Ok(channel));
    }
    for outcome in CallOutcome::ALL {
        assert_eq!(outcome.as_str().parse(), Ok(outcome));
    }
    for reason in CallEndReason::ALL {
        assert_eq!(reason.as_str().parse(), Ok(reason));
    }
    assert_eq!(Channel::SocialMedia.as_str(), "social_media");
    assert_eq!(CallOutcome::OnHold.as_str(), "on_hold");
    assert_eq!(
        "shouting".parse::<BehaviourKind>(),
        Err(UnknownValue::new("behaviour kind", "shouting"))
    );
}

#[test]
fn r_rec_2_the_form_reminds_staff_that_anger_alone_is_not_unacceptable() {
    assert!(ANGER_ALONE_NOTE.starts_with("Anger or frustration alone is not unacceptable"));
    assert!(!ANGER_ALONE_NOTE.contains('\n'));
}

#[test]
fn r_rpt_1_a_complete_report_is_accepted_with_text_trimmed_and_kinds_in_order() {
    let mut submitted = report(
        Category::AggressiveAbusive,
        &[
            BehaviourKind::Rudeness,
            BehaviourKind::VerbalAbuse,
            BehaviourKind::Rudeness,
        ],
    );
    submitted.description = "  Shouted at the caseworker \n".into();
    submitted.impact_note = " 50+ calls a day ".into();
    let valid = submitted.validate(now()).expect("valid report");
    assert_eq!(
        valid.kinds(),
        [BehaviourKind::VerbalAbuse, BehaviourKind::Rudeness]
    );
    assert_eq!(valid.description(), "Shouted at the caseworker");
    assert_eq!(valid.impact_note(), "50+ calls a day");
    assert_eq!(valid.impact_staff_minutes(), Some(30));
    assert!(!valid.police_report_required());
}

#[test]
fn r_rpt_1_a_kind_from_another_heading_is_refused_with_a_way_out() {
    let result = report(
        Category::UnreasonableDemands,
        &[BehaviourKind::Threats, BehaviourKind::ScattergunContact],
    )
    .validate(now());
    assert_eq!(
        messages(result),
        ["“Threats” is not an example of unreasonable behaviour (demands); choose the matching category or “Other”"]
    );
    assert!(
        report(Category::UnreasonablyPersistent, &[BehaviourKind::Other])
            .validate(now())
            .is_ok()
    );
}

#[test]
fn r_rpt_1_every_problem_is_reported_at_once() {
    let mut submitted = report(Category::AggressiveAbusive, &[]);
    submitted.occurred_at = now() + Duration::minutes(6);
    submitted.description = "   ".into();
    let errors = submitted.validate(now()).unwrap_err();
    let fields: Vec<IncidentField> = errors.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            IncidentField::Kinds,
            IncidentField::OccurredAt,
            IncidentField::Description
        ]
    );
    let text: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        text,
        [
            "Choose at least one kind of behaviour",
            "This is in the future: when did it happen?",
            "Describe what happened"
        ]
    );
}

#[test]
fn r_rpt_1_a_time_a_few_minutes_ahead_is_allowed_for_clock_drift() {
    let mut submitted = report(Category::AggressiveAbusive, &[BehaviourKind::Rudeness]);
    submitted.occurred_at = now() + Duration::minutes(5);
    assert!(submitted.validate(now()).is_ok());
}

#[test]
fn r_rpt_1_descriptions_and_impact_are_bounded() {
    let mut submitted = report(Category::AggressiveAbusive, &[BehaviourKind::Rudeness]);
    submitted.description = "x".repeat(3000);
    assert!(submitted.clone().validate(now()).is_ok());
    submitted.description = "x".repeat(3001);
    submitted.impact_contacts = Some(7_700_900);
    submitted.impact_staff_minutes = Some(100_001);
    submitted.impact_note = "y".repeat(1001);
    let errors = submitted.validate(now()).unwrap_err();
    let by_field = messages_by_field(&errors);
    assert_eq!(
        by_field[&IncidentField::Description],
        "Keep the description to 3,000 characters or fewer (it is 3,001)"
    );
    assert_eq!(
        by_field.keys().copied().collect::<Vec<_>>(),
        [
            IncidentField::Description,
            IncidentField::ImpactStaffMinutes,
            IncidentField::ImpactContacts,
            IncidentField::ImpactNote
        ]
    );
}

fn threat(answer: Option<bool>) -> IncidentReport {
    let mut submitted = report(
        Category::AggressiveAbusive,
        &[BehaviourKind::Rudeness, BehaviourKind::Threats],
    );
    submitted.threat_of_violence = answer;
    submitted
}

#[test]
fn r_rpt_3_physical_violence_used_or_threatened_requires_a_police_report() {
    for answer in [None, Some(false), Some(true)] {
        let mut submitted = report(
            Category::AggressiveAbusive,
            &[BehaviourKind::Rudeness, BehaviourKind::PhysicalViolence],
        );
        submitted.threat_of_violence = answer;
        let valid = submitted.validate(now()).expect("valid report");
        assert!(valid.police_report_required(), "{answer:?}");
        assert_eq!(valid.threat_of_violence(), None, "no threat was chosen");
    }
    for kind in [
        BehaviourKind::VerbalAbuse,
        BehaviourKind::DerogatoryRemarks,
        BehaviourKind::Rudeness,
        BehaviourKind::Other,
    ] {
        let valid = report(Category::AggressiveAbusive, &[kind])
            .validate(now())
            .expect("valid report");
        assert!(!valid.police_report_required(), "{kind}");
    }
}

#[test]
fn i9_f4_a_threat_of_physical_violence_is_always_reported_to_the_police() {
    let valid = threat(Some(true)).validate(now()).expect("valid report");
    assert!(valid.police_report_required());
    assert_eq!(valid.threat_of_violence(), Some(true));
    assert!(violence_used_or_threatened(
        &[BehaviourKind::Threats],
        Some(true)
    ));
}

#[test]
fn i9_f4_a_threat_not_of_violence_does_not_require_a_police_report() {
    let valid = threat(Some(false)).validate(now()).expect("valid report");
    assert!(!valid.police_report_required());
    assert_eq!(valid.threat_of_violence(), Some(false));
    assert!(!violence_used_or_threatened(
        &[BehaviourKind::Threats],
        Some(false)
    ));
    assert!(!violence_used_or_threatened(
        &[BehaviourKind::Threats],
        None
    ));
}

#[test]
fn i9_f4_a_threat_must_say_whether_it_was_of_physical_violence() {
    let errors = threat(None).validate(now()).unwrap_err();
    assert_eq!(
        messages_by_field(&errors)[&IncidentField::ThreatOfViolence],
        "Say whether it was a threat of physical violence"
    );
    assert_eq!(
        IncidentField::ThreatOfViolence.as_str(),
        "threat_of_violence"
    );
}

#[test]
fn i9_f4_the_threat_answer_is_kept_only_with_threats() {
    let mut submitted = report(Category::AggressiveAbusive, &[BehaviourKind::Rudeness]);
    submitted.threat_of_violence = Some(true);
    let valid = submitted.validate(now()).expect("valid report");
    assert_eq!(valid.threat_of_violence(), None);
    assert!(
        !valid.police_report_required(),
        "an answer without a threat does not make rudeness violent"
    );
}

#[test]
fn i9_f4_violence_used_or_threatened_cannot_be_closed_as_not_reported() {
    assert_eq!(may_close_as_not_reported(true), Err(MustBeReported));
    assert_eq!(may_close_as_not_reported(false), Ok(()));
    assert!(MustBeReported
        .to_string()
        .contains("always reported to the police (§4)"));
}

#[test]
fn messages_for_one_field_are_joined() {
    let errors = report(
        Category::UnreasonablyPersistent,
        &[BehaviourKind::Threats, BehaviourKind::Rudeness],
    )
    .validate(now())
    .unwrap_err();
    assert_eq!(
        messages_by_field(&errors)[&IncidentField::Kinds],
        "“Threats” is not an example of unreasonably persistent behaviour; choose the matching category or “Other”. \
         “Rudeness” is not an example of unreasonably persistent behaviour; choose the matching category or “Other”"
    );
}

#[test]
fn thousands_are_separated_with_commas() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(3000), "3,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
}
