use super::*;
use crate::domain::incident::Category;
use crate::domain::measures::Measure;
use crate::domain::measures::{ContactMethod, ContactMode, ContactWindow};
use crate::domain::roles::Role;
use crate::domain::UserId;
use chrono::NaiveDate;
use chrono::{NaiveTime, Weekday};

#[test]
fn i9_core_only_an_open_warning_closes_as_no_further_action() {
    for from in WarningStatus::ALL {
        let closes = matches!(from, WarningStatus::Sent | WarningStatus::Escalated);
        match close_warning(from) {
            Ok(to) => {
                assert!(closes, "{from} closed");
                assert_eq!(to, WarningStatus::NoFurtherAction);
            }
            Err(refused) => {
                assert!(!closes, "{from} refused");
                assert!(
                    refused.to_string().contains("nothing to close"),
                    "{refused}"
                );
            }
        }
    }
}

/// Issue 9 (core shape): the store reads every stored spelling back into the enum.
#[test]
fn i9_core_every_request_warning_and_restriction_status_round_trips_through_its_spelling() {
    for status in RequestStatus::ALL {
        assert_eq!(status.as_str().parse::<RequestStatus>(), Ok(status));
        assert_eq!(status.to_string(), status.as_str());
    }
    for status in WarningStatus::ALL {
        assert_eq!(status.as_str().parse::<WarningStatus>(), Ok(status));
    }
    for status in RestrictionStatus::ALL {
        assert_eq!(status.as_str().parse::<RestrictionStatus>(), Ok(status));
    }
    assert_eq!(
        "Pending".parse::<RequestStatus>(),
        Err(crate::domain::UnknownValue::new(
            "request status",
            "Pending"
        ))
    );
    assert!("open".parse::<WarningStatus>().is_err());
    assert!("in_force".parse::<RestrictionStatus>().is_err());
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

/// Tuesday 14 October 2025.
fn today() -> NaiveDate {
    date(2025, 10, 14)
}

fn email_only() -> Measure {
    Measure::SingleContactMethod {
        method: ContactMethod::Email,
    }
}

fn draft() -> RequestDraft {
    RequestDraft {
        incident_ids: vec![7, 3, 7],
        measures: vec![email_only()],
        justification: "  Over 50 calls a day for three weeks.  ".into(),
        proportionality: "Email keeps access to the service open.".into(),
        internal_review_exhausted: Some(true),
        ends_on: None,
        first_review_on: None,
        grounds: Grounds::Warning(basis()),
        no_warning_reason: None,
        incidents: vec![
            facts(3, date(2025, 9, 20), Category::UnreasonablyPersistent),
            facts(7, date(2025, 10, 1), Category::UnreasonablyPersistent),
        ],
    }
}

/// A warning sent on 15 Sep 2025 with the chance to adapt until 13 Oct.
fn basis() -> WarningBasis {
    WarningBasis {
        reference: "WRN-000001".into(),
        sent_on: date(2025, 9, 15),
        adapt_until: date(2025, 10, 13),
    }
}

fn facts(id: i64, occurred_on: NaiveDate, category: Category) -> IncidentFacts {
    IncidentFacts {
        id,
        reference: format!("INC-{id:06}"),
        occurred_on,
        aggressive: category == Category::AggressiveAbusive,
        violence: false,
    }
}

fn fields(errors: &[RequestFieldError]) -> Vec<RequestField> {
    errors.iter().map(|e| e.field).collect()
}

fn warning() -> WarningDraft {
    WarningDraft {
        incident_ids: vec![4],
        behaviour: " Shouting at staff on the phone. ".into(),
        adapt_until: Some(default_adapt_until(today())),
    }
}

// §6 checklist, R-RES-4

#[test]
fn r_res_4_the_six_criteria_are_in_policy_order_with_schema_spellings() {
    let stored: Vec<&str> = Criterion::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        stored,
        [
            "matter_addressed",
            "decision_right",
            "communication_adequate",
            "misunderstandings_dispelled",
            "access_requirements_considered",
            "gateway_or_legal_advice"
        ]
    );
    for criterion in Criterion::ALL {
        assert_eq!(criterion.as_str().parse(), Ok(criterion));
        assert!(!criterion.label().contains('\n'));
        assert!(!criterion.short_label().contains('\n'));
        // Slack refuses an option text over 75 characters (SLACK-LIMITS.md).
        assert!(criterion.short_label().chars().count() <= 75, "{criterion}");
    }
    assert_eq!(
        Criterion::MatterAddressed.label(),
        "The matter is being, or has been, considered and addressed properly"
    );
    assert!("vibes".parse::<Criterion>().is_err());
}

#[test]
fn head_of_function_cannot_approve_without_all_six_criteria() {
    let five = CriteriaTicks::from_values(Criterion::ALL[..5].iter().map(|c| c.as_str()));
    assert!(!five.all_ticked());
    assert_eq!(five.missing(), [Criterion::GatewayOrLegalAdvice]);
    let refused = check_approval(&five).unwrap_err();
    assert_eq!(
        refused,
        MissingCriteria(vec![Criterion::GatewayOrLegalAdvice])
    );
    assert_eq!(
        refused.to_string(),
        "All six criteria of §6 must be ticked before approving. Not yet ticked: \
         A gateway organisation (e.g. Citizens Advice) was considered, or legal advice urged."
    );
    assert_eq!(
        check_approval(&CriteriaTicks::default()),
        Err(MissingCriteria(Criterion::ALL.to_vec()))
    );
}

#[test]
fn head_of_function_can_approve_with_all_six_criteria_ticked() {
    let all = CriteriaTicks::from_values(Criterion::ALL.map(Criterion::as_str));
    assert!(all.all_ticked());
    assert!(all.missing().is_empty());
    assert_eq!(
        check_approval(&all).map(|c| c.criteria()),
        Ok(Criterion::ALL)
    );
    assert_eq!(all.ticked().collect::<Vec<_>>(), Criterion::ALL);
}

#[test]
fn r_res_4_unknown_checkbox_values_never_count_as_ticks() {
    let ticks = CriteriaTicks::from_values(["decision_right", "everything", "", "DECISION_RIGHT"]);
    assert!(ticks.is_ticked(Criterion::DecisionRight));
    assert!(!ticks.is_ticked(Criterion::MatterAddressed));
    assert_eq!(ticks.missing().len(), 5);
    let owned = vec!["matter_addressed".to_owned()];
    assert!(CriteriaTicks::from_values(&owned).is_ticked(Criterion::MatterAddressed));
}

#[test]
fn r_res_4_a_rejection_needs_a_reason() {
    assert_eq!(
        rejection_reason("  Not yet warned in writing. \n"),
        Ok("Not yet warned in writing.".into())
    );
    assert_eq!(rejection_reason(" \n\t"), Err(EmptyReason));
    assert_eq!(
        rejection_reason(&"x".repeat(2000)).map(|r| r.len()),
        Ok(2000)
    );
    assert_eq!(rejection_reason(&"x".repeat(2001)), Err(EmptyReason));
}

// State machine, R-RES-5

#[test]
fn a_pending_request_can_be_approved_rejected_or_withdrawn() {
    use RequestEvent::*;
    use RequestStatus::*;
    assert_eq!(transition(Pending, Approve), Ok(Approved));
    assert_eq!(transition(Pending, Reject), Ok(Rejected));
    assert_eq!(transition(Pending, Withdraw), Ok(Withdrawn));
}

#[test]
fn decided_request_cannot_be_decided_again() {
    use RequestEvent::*;
    use RequestStatus::*;
    for from in [Approved, Rejected, Withdrawn] {
        for event in [Approve, Reject, Withdraw] {
            assert_eq!(
                transition(from, event),
                Err(IllegalTransition { from, event })
            );
        }
    }
    assert_eq!(
        transition(Approved, Reject).unwrap_err().to_string(),
        "This request was already approved."
    );
    assert_eq!(
        transition(Rejected, Approve).unwrap_err().to_string(),
        "This request was already rejected."
    );
    assert_eq!(
        transition(Withdrawn, Approve).unwrap_err().to_string(),
        "This request was already withdrawn."
    );
}

#[test]
fn request_and_warning_statuses_use_the_schema_spellings() {
    let stored: Vec<&str> = RequestStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(stored, ["pending", "approved", "rejected", "withdrawn"]);
    for status in RequestStatus::ALL {
        assert_eq!(status.as_str().parse(), Ok(status));
    }
    let stored: Vec<&str> = WarningStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        stored,
        [
            "drafted",
            "sent",
            "no_further_action",
            "escalated",
            "withdrawn"
        ]
    );
    for status in WarningStatus::ALL {
        assert_eq!(status.as_str().parse(), Ok(status));
    }
    let stored: Vec<&str> = NoWarningReason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        stored,
        [
            "violence_used_or_threatened",
            "harassment_or_aggression",
            "staff_safety"
        ]
    );
    for reason in NoWarningReason::ALL {
        assert_eq!(reason.as_str().parse(), Ok(reason));
        assert!(reason.label().contains('§'));
    }
    assert!("Pending".parse::<RequestStatus>().is_err());
    assert!("closed".parse::<WarningStatus>().is_err());
    assert!("bad_day".parse::<NoWarningReason>().is_err());
}

#[test]
fn only_the_head_of_function_or_a_deputy_may_decide() {
    let (manager, head) = (user("U0MANAGER"), user("U0HEAD"));
    assert_eq!(
        may_decide(&head, &manager, 7, &[Role::Head]).map(|d| d.function_id()),
        Ok(7)
    );
    assert!(may_decide(&head, &manager, 7, &[Role::Member, Role::Deputy]).is_ok());
    for roles in [&[][..], &[Role::Manager], &[Role::Member, Role::Manager]] {
        let refused = may_decide(&head, &manager, 7, roles).unwrap_err();
        assert_eq!(refused, DecisionRefused::NotHeadOrDeputy);
        assert_eq!(
            refused.to_string(),
            "Only the head of this function or a deputy named by an admin can decide this request."
        );
    }
}

#[test]
fn requester_cannot_decide_own_request_even_as_head() {
    let head = user("U0HEAD");
    for roles in [&[Role::Head][..], &[Role::Deputy], &[Role::Manager], &[]] {
        let refused = may_decide(&head, &head, 7, roles).unwrap_err();
        assert_eq!(refused, DecisionRefused::IsRequester);
        assert_eq!(
            refused.to_string(),
            "You made this request, so another head or deputy must decide it."
        );
    }
}

// Review dates, §8, R-REV-1

#[test]
fn reviews_fall_due_twelve_calendar_months_on() {
    assert_eq!(default_first_review(today()), date(2026, 10, 14));
    assert_eq!(latest_review(today()), date(2026, 10, 14));
    assert_eq!(next_review_after(date(2026, 10, 14)), date(2027, 10, 14));
    assert_eq!(next_review_after(date(2025, 12, 31)), date(2026, 12, 31));
}

#[test]
fn a_leap_day_review_falls_due_on_28_february() {
    assert_eq!(default_first_review(date(2024, 2, 29)), date(2025, 2, 28));
    assert_eq!(latest_review(date(2024, 2, 29)), date(2025, 2, 28));
    assert_eq!(next_review_after(date(2028, 2, 29)), date(2029, 2, 28));
    assert_eq!(next_review_after(date(2027, 3, 1)), date(2028, 3, 1));
}

// Requests, R-RES-1, R-RES-2

#[test]
fn r_res_2_a_complete_request_is_accepted_with_the_default_first_review() {
    let valid = draft().validate(today()).unwrap();
    assert_eq!(valid.incident_ids(), [3, 7]);
    assert_eq!(valid.measures(), [email_only()]);
    assert_eq!(
        valid.justification(),
        "Over 50 calls a day for three weeks."
    );
    assert_eq!(
        valid.proportionality(),
        "Email keeps access to the service open."
    );
    assert!(valid.internal_review_exhausted());
    assert_eq!(valid.ends_on(), None);
    assert_eq!(valid.first_review_on(), date(2026, 10, 14));
    assert!(valid.has_warning());
    assert_eq!(valid.no_warning_reason(), None);
}

#[test]
fn r_res_2_internal_review_not_exhausted_is_an_answer_the_head_weighs() {
    let request = RequestDraft {
        internal_review_exhausted: Some(false),
        ends_on: Some(date(2026, 4, 14)),
        first_review_on: Some(date(2026, 1, 14)),
        ..draft()
    };
    let valid = request.validate(today()).unwrap();
    assert!(!valid.internal_review_exhausted());
    assert_eq!(valid.ends_on(), Some(date(2026, 4, 14)));
    assert_eq!(valid.first_review_on(), date(2026, 1, 14));
}

#[test]
fn r_res_2_an_empty_request_gets_every_error_at_once() {
    let empty = RequestDraft {
        incident_ids: vec![],
        measures: vec![],
        justification: " ".into(),
        proportionality: String::new(),
        internal_review_exhausted: None,
        ends_on: Some(today()),
        first_review_on: Some(today()),
        grounds: Grounds::Unwarned,
        no_warning_reason: None,
        incidents: vec![],
    };
    let errors = empty.validate(today()).unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            RequestField::Incidents,
            RequestField::Measures,
            RequestField::Justification,
            RequestField::Proportionality,
            RequestField::InternalReview,
            RequestField::EndsOn,
            RequestField::FirstReviewOn,
            RequestField::NoWarningReason,
        ]
    );
    assert_eq!(
        errors[0].message,
        "Choose at least one incident the request relies on"
    );
    assert_eq!(errors[1].message, "Choose at least one measure");
    assert_eq!(errors[5].message, "The end date must be after today");
    assert_eq!(errors[6].message, "The first review must be after today");
}

#[test]
fn r_res_2_each_measure_must_make_sense() {
    let backwards = ContactWindow {
        weekday: Weekday::Tue,
        start: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
    };
    let request = RequestDraft {
        measures: vec![
            email_only(),
            Measure::TimeLimitedContact {
                mode: ContactMode::Phone,
                windows: vec![backwards],
                max_minutes: None,
            },
            Measure::RefuseReopen {
                case_reference: " ".into(),
            },
        ],
        ..draft()
    };
    let errors = request.validate(today()).unwrap_err();
    assert_eq!(fields(&errors), [RequestField::Measures]);
    assert_eq!(
        errors[0].message,
        "Time-limited calls or visits: Each time window must end after it starts (Tuesday 12:00–09:00). \
         Refuse to reopen a closed case or decision: Give the reference of the case that will not be reopened"
    );
}

#[test]
fn r_res_2_justification_and_proportionality_are_bounded() {
    let request = RequestDraft {
        justification: "x".repeat(4001),
        proportionality: "y".repeat(4000),
        ..draft()
    };
    let errors = request.validate(today()).unwrap_err();
    assert_eq!(fields(&errors), [RequestField::Justification]);
    assert_eq!(errors[0].message, "Keep this to 4,000 characters or fewer");
}

#[test]
fn first_review_is_never_more_than_twelve_months_ahead() {
    let on_the_limit = RequestDraft {
        first_review_on: Some(date(2026, 10, 14)),
        ..draft()
    };
    assert_eq!(
        on_the_limit.validate(today()).unwrap().first_review_on(),
        date(2026, 10, 14)
    );
    let a_day_late = RequestDraft {
        first_review_on: Some(date(2026, 10, 15)),
        ..draft()
    };
    let errors = a_day_late.validate(today()).unwrap_err();
    assert_eq!(fields(&errors), [RequestField::FirstReviewOn]);
    assert_eq!(
        errors[0].message,
        "§8: a restriction is reviewed at least annually: choose a date on or before 14 Oct 2026"
    );
}

#[test]
fn first_review_from_a_leap_day_is_at_most_28_february() {
    let leap_day = date(2024, 2, 29);
    assert_eq!(
        draft().validate(leap_day).unwrap().first_review_on(),
        date(2025, 2, 28)
    );
    let first_of_march = RequestDraft {
        first_review_on: Some(date(2025, 3, 1)),
        ..draft()
    };
    let errors = first_of_march.validate(leap_day).unwrap_err();
    assert!(errors[0].message.ends_with("on or before 28 Feb 2025"));
}

#[test]
fn i9_f1_a_request_after_a_warning_relies_on_behaviour_since_it_was_sent() {
    let only_before = RequestDraft {
        incident_ids: vec![1],
        incidents: vec![
            facts(1, date(2025, 9, 1), Category::UnreasonablyPersistent),
            facts(2, date(2025, 10, 2), Category::UnreasonablyPersistent),
        ],
        ..draft()
    };
    let errors = only_before.clone().validate(today()).unwrap_err();
    assert_eq!(fields(&errors), [RequestField::Incidents]);
    assert!(
        errors[0].message.contains("INC-000002 (2 Oct 2025)"),
        "{}",
        errors[0].message
    );
    // Nothing since the warning: say so.
    let nothing_since = RequestDraft {
        incidents: vec![facts(1, date(2025, 9, 1), Category::UnreasonablyPersistent)],
        ..only_before.clone()
    };
    let errors = nothing_since.validate(today()).unwrap_err();
    assert!(
        errors[0].message.contains(
            "no incident has been reported since warning WRN-000001 was sent on 15 Sep 2025"
        ),
        "{}",
        errors[0].message
    );
    // An incident on the day the letter went does not show the behaviour continued.
    let same_day = RequestDraft {
        incident_ids: vec![1],
        incidents: vec![facts(
            1,
            date(2025, 9, 15),
            Category::UnreasonablyPersistent,
        )],
        ..draft()
    };
    assert!(same_day.validate(today()).is_err());
    let with_later = RequestDraft {
        incident_ids: vec![1, 2],
        ..only_before
    };
    assert!(with_later.validate(today()).is_ok());
    // A variation stands on the restriction it varies.
    let variation = RequestDraft {
        incident_ids: vec![1],
        grounds: Grounds::Variation,
        incidents: vec![facts(1, date(2025, 9, 1), Category::UnreasonablyPersistent)],
        ..draft()
    };
    assert!(variation.validate(today()).is_ok());
}

#[test]
fn i9_f1_no_decision_before_the_end_of_the_chance_to_adapt() {
    let warning = basis();
    let refused = decision_may_be_taken(Some(&warning), None, date(2025, 10, 12)).unwrap_err();
    assert!(refused.contains("until 13 Oct 2025"), "{refused}");
    assert!(
        refused.contains("Decide on or after 13 Oct 2025"),
        "{refused}"
    );
    assert_eq!(
        decision_may_be_taken(Some(&warning), None, date(2025, 10, 13)),
        Ok(())
    );
    assert_eq!(
        decision_may_be_taken(None, Some(NoWarningReason::StaffSafety), date(2025, 9, 16)),
        Ok(())
    );
    assert_eq!(
        decision_may_be_taken(
            Some(&warning),
            Some(NoWarningReason::ViolenceUsedOrThreatened),
            date(2025, 9, 16)
        ),
        Ok(())
    );
}

#[test]
fn i9_f2_a_no_warning_reason_must_be_borne_out_by_an_incident_relied_on() {
    let persistent = facts(1, date(2025, 10, 1), Category::UnreasonablyPersistent);
    let abusive = facts(2, date(2025, 10, 2), Category::AggressiveAbusive);
    let violent = IncidentFacts {
        violence: true,
        ..facts(3, date(2025, 10, 3), Category::AggressiveAbusive)
    };
    let unwarned =
        |ids: Vec<i64>, reason: NoWarningReason, incidents: Vec<IncidentFacts>| RequestDraft {
            incident_ids: ids,
            grounds: Grounds::Unwarned,
            no_warning_reason: Some(reason),
            incidents,
            ..draft()
        };
    // Violence needs violence: abuse alone does not bear it out, and the violent
    // incident not chosen is named.
    let errors = unwarned(
        vec![1, 2],
        NoWarningReason::ViolenceUsedOrThreatened,
        vec![persistent.clone(), abusive.clone(), violent.clone()],
    )
    .validate(today())
    .unwrap_err();
    assert_eq!(fields(&errors), [RequestField::NoWarningReason]);
    assert!(
        errors[0]
            .message
            .contains("INC-000003 (3 Oct 2025) would support it"),
        "{}",
        errors[0].message
    );
    assert!(unwarned(
        vec![3],
        NoWarningReason::ViolenceUsedOrThreatened,
        vec![violent.clone()]
    )
    .validate(today())
    .is_ok());
    // Harassment and staff safety need aggressive or abusive behaviour.
    for reason in [
        NoWarningReason::HarassmentOrAggression,
        NoWarningReason::StaffSafety,
    ] {
        let errors = unwarned(vec![1], reason, vec![persistent.clone()])
            .validate(today())
            .unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("none of this person's incidents does"),
            "{}",
            errors[0].message
        );
        assert!(unwarned(
            vec![1, 2],
            reason,
            vec![persistent.clone(), abusive.clone()]
        )
        .validate(today())
        .is_ok());
    }
}

#[test]
fn i9_f11_after_the_heads_rejection_only_the_head_decides() {
    assert_eq!(head_reserved(&[Role::Deputy], None), Ok(()));
    assert_eq!(head_reserved(&[Role::Head], Some("REQ-1")), Ok(()));
    let refused = head_reserved(&[Role::Deputy, Role::Manager], Some("REQ-1")).unwrap_err();
    assert_eq!(refused, DecisionRefused::HeadRejectedBefore("REQ-1".into()));
    assert!(refused.to_string().contains("cannot overturn"));
}

#[test]
fn i9_f11_only_the_requester_or_the_head_may_withdraw_and_with_a_reason() {
    let requester = UserId::from_slack("U0MGR");
    let other = UserId::from_slack("U0OTHER");
    assert!(may_withdraw(&requester, &requester, 7, &[Role::Manager]).is_ok());
    assert_eq!(
        may_withdraw(&other, &requester, 7, &[Role::Head]).map(|w| w.user().cloned()),
        Ok(Some(other.clone()))
    );
    for roles in [vec![Role::Deputy], vec![Role::Manager], vec![]] {
        assert_eq!(
            may_withdraw(&other, &requester, 7, &roles),
            Err(WithdrawRefused::NeitherRequesterNorHead)
        );
    }
    assert_eq!(withdraw_reason("  "), Err(EmptyWithdrawReason));
    assert_eq!(
        withdraw_reason(" Sent in error "),
        Ok("Sent in error".into())
    );
}

#[test]
fn i9_f8_a_variation_cannot_bring_back_a_restriction_that_is_over() {
    let today = date(2025, 10, 14);
    assert_eq!(
        variation_refused("RES-1", RestrictionStatus::Active, None, today),
        None
    );
    assert_eq!(
        variation_refused("RES-1", RestrictionStatus::Active, Some(today), today),
        None
    );
    let ended = variation_refused(
        "RES-1",
        RestrictionStatus::Active,
        Some(date(2025, 10, 13)),
        today,
    )
    .unwrap();
    assert!(ended.contains("ended on 13 Oct 2025"), "{ended}");
    let lifted = variation_refused("RES-1", RestrictionStatus::Lifted, None, today).unwrap();
    assert!(lifted.contains("was lifted"), "{lifted}");
    assert!(variation_refused(
        "RES-1",
        RestrictionStatus::Ended,
        Some(date(2025, 9, 1)),
        today
    )
    .is_some());
    assert!(variation_refused("RES-1", RestrictionStatus::Superseded, None, today).is_some());
}

#[test]
fn i9_f3_a_warning_stands_once_sent_for_twelve_months_until_closed() {
    let today = date(2025, 10, 14);
    let sent = Some(date(2025, 1, 10));
    assert!(warning_stands(WarningStatus::Sent, sent, today));
    assert!(warning_stands(WarningStatus::Escalated, sent, today));
    assert!(!warning_stands(WarningStatus::Drafted, None, today));
    assert!(!warning_stands(WarningStatus::Sent, None, today));
    assert!(!warning_stands(WarningStatus::NoFurtherAction, sent, today));
    assert!(!warning_stands(WarningStatus::Withdrawn, sent, today));
    assert!(warning_stands(
        WarningStatus::Sent,
        Some(date(2024, 10, 14)),
        today
    ));
    assert!(!warning_stands(
        WarningStatus::Sent,
        Some(date(2024, 10, 13)),
        today
    ));
}

#[test]
fn i9_f1_a_letter_is_sent_on_or_after_the_day_it_was_drafted() {
    let today = date(2025, 10, 28);
    let drafted = Some(date(2025, 10, 20));
    assert_eq!(letter_sent_on(date(2025, 10, 20), drafted, today), Ok(()));
    assert_eq!(letter_sent_on(today, drafted, today), Ok(()));
    let early = letter_sent_on(date(2025, 10, 19), drafted, today).unwrap_err();
    assert!(
        early.contains("drafted on 20 Oct 2025, so it cannot have been sent before then"),
        "{early}"
    );
    assert_eq!(
        letter_sent_on(date(2025, 10, 29), drafted, today),
        Err("This is in the future.".to_owned())
    );
    assert_eq!(letter_sent_on(date(2025, 1, 1), None, today), Ok(()));
}

#[test]
fn i9_f14_a_first_review_today_or_earlier_cannot_be_approved() {
    let today = date(2025, 10, 28);
    assert_eq!(
        first_review_passed("REQ-1", date(2025, 10, 29), today),
        None
    );
    let due = first_review_passed("REQ-1", today, today).expect("today");
    assert!(due.contains("28 Oct 2025, which is today"), "{due}");
    let past = first_review_passed("REQ-1", date(2025, 10, 1), today).expect("past");
    assert!(past.contains("which has passed"), "{past}");
    assert!(
        past.ends_with("Reject it with that reason; the manager can ask again with new dates."),
        "{past}"
    );
}

#[test]
fn i9_f3_a_request_is_carried_only_by_a_warning_that_still_stands() {
    let today = date(2025, 10, 28);
    let sent = Some(date(2025, 9, 1));
    for status in [WarningStatus::Sent, WarningStatus::Escalated] {
        assert_eq!(
            relied_on_warning_stands("WRN-1", status, sent, None, today),
            Ok(())
        );
    }
    let closed =
        relied_on_warning_stands("WRN-1", WarningStatus::NoFurtherAction, sent, None, today)
            .unwrap_err();
    assert!(closed.contains("closed as no further action"), "{closed}");
    assert!(closed.contains("warn again"), "{closed}");
    let withdrawn =
        relied_on_warning_stands("WRN-1", WarningStatus::Withdrawn, sent, None, today).unwrap_err();
    assert!(withdrawn.contains("was withdrawn"), "{withdrawn}");
    let old = Some(date(2024, 10, 1));
    let stale =
        relied_on_warning_stands("WRN-1", WarningStatus::Escalated, old, None, today).unwrap_err();
    assert!(stale.contains("more than 12 months ago"), "{stale}");
    // A no-warning reason carries the request on its own.
    assert_eq!(
        relied_on_warning_stands(
            "WRN-1",
            WarningStatus::NoFurtherAction,
            sent,
            Some(NoWarningReason::StaffSafety),
            today
        ),
        Ok(())
    );
}

#[test]
fn request_without_warning_needs_a_violence_or_harassment_reason() {
    let unwarned = RequestDraft {
        grounds: Grounds::Unwarned,
        incidents: vec![IncidentFacts {
            violence: true,
            ..facts(3, date(2025, 9, 20), Category::AggressiveAbusive)
        }],
        ..draft()
    };
    let errors = unwarned.clone().validate(today()).unwrap_err();
    assert_eq!(fields(&errors), [RequestField::NoWarningReason]);
    assert_eq!(
        errors[0].message,
        "No warning is on file: the policy requires a written warning first (§6), unless there was violence or harassment (§4). Give the reason, or warn them first with /contact warn."
    );
    for reason in NoWarningReason::ALL {
        let with_reason = RequestDraft {
            no_warning_reason: Some(reason),
            ..unwarned.clone()
        };
        let valid = with_reason.validate(today()).unwrap();
        assert!(!valid.has_warning());
        assert_eq!(valid.no_warning_reason(), Some(reason));
    }
}

// Warnings, R-RES-1

#[test]
fn r_res_1_a_warning_gives_four_weeks_to_adapt_by_default() {
    assert_eq!(default_adapt_until(today()), date(2025, 11, 11));
    let valid = warning().validate(today()).unwrap();
    assert_eq!(valid.incident_ids(), [4]);
    assert_eq!(valid.behaviour(), "Shouting at staff on the phone.");
    assert_eq!(valid.adapt_until(), date(2025, 11, 11));
}

#[test]
fn r_res_1_a_warning_says_what_was_unacceptable_and_relies_on_incidents() {
    let empty = WarningDraft {
        incident_ids: vec![],
        behaviour: "\n".into(),
        adapt_until: None,
    };
    let errors = empty.validate(today()).unwrap_err();
    let fields: Vec<WarningField> = errors.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            WarningField::Incidents,
            WarningField::Behaviour,
            WarningField::AdaptUntil
        ]
    );
    let too_long = WarningDraft {
        behaviour: "x".repeat(2001),
        ..warning()
    };
    assert_eq!(
        too_long.validate(today()).unwrap_err()[0].message,
        "Keep this to 2,000 characters or fewer"
    );
}

#[test]
fn r_res_1_the_chance_to_adapt_ends_after_today_and_within_six_months() {
    let at = |d: NaiveDate| WarningDraft {
        adapt_until: Some(d),
        ..warning()
    };
    assert!(at(date(2025, 10, 15)).validate(today()).is_ok());
    assert!(at(date(2026, 4, 14)).validate(today()).is_ok());
    let errors = at(today()).validate(today()).unwrap_err();
    assert_eq!(
        errors[0].message,
        "The chance to adapt must end after today"
    );
    let errors = at(date(2026, 4, 15)).validate(today()).unwrap_err();
    assert_eq!(errors[0].field, WarningField::AdaptUntil);
    assert_eq!(
        errors[0].message,
        "Give at most six months to adapt: choose a date on or before 14 Apr 2026"
    );
}

#[test]
fn i9_f13_a_restriction_has_ended_the_day_after_its_end_date_whatever_the_sweep() {
    let today = date(2025, 10, 28);
    let active = RestrictionStatus::Active;
    // Ended yesterday, still stored as active: ended, not in force.
    let yesterday = Some(date(2025, 10, 27));
    assert_eq!(active.on(yesterday, today), RestrictionStatus::Ended);
    assert!(!restriction_current(active, yesterday, today));
    assert!(!restriction_in_force(
        active,
        false,
        date(2025, 1, 1),
        yesterday,
        today
    ));
    // It applies through its end date, and without one until lifted.
    for ends_on in [Some(today), Some(date(2025, 10, 29)), None] {
        assert_eq!(
            active.on(ends_on, today),
            RestrictionStatus::Active,
            "{ends_on:?}"
        );
        assert!(restriction_current(active, ends_on, today), "{ends_on:?}");
        assert!(
            restriction_in_force(active, false, today, ends_on, today),
            "{ends_on:?}"
        );
    }
    // Not started yet: it stands, but is not in force.
    assert!(!restriction_in_force(
        active,
        false,
        date(2025, 10, 29),
        None,
        today
    ));
    // Lifted, ended and superseded restrictions stay as they are.
    for status in [
        RestrictionStatus::Lifted,
        RestrictionStatus::Ended,
        RestrictionStatus::Superseded,
    ] {
        assert_eq!(status.on(yesterday, today), status);
        assert_eq!(status.on(None, today), status);
        assert!(!restriction_current(status, None, today));
    }
}

#[test]
fn i9_f13_restriction_statuses_round_trip_their_stored_spelling() {
    let stored: Vec<&str> = RestrictionStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(stored, ["active", "lifted", "ended", "superseded"]);
    for status in RestrictionStatus::ALL {
        assert_eq!(status.as_str().parse(), Ok(status));
    }
    assert!("paused".parse::<RestrictionStatus>().is_err());
}

#[test]
fn i9_f15_an_approved_restriction_is_in_force_only_once_the_person_was_told() {
    let today = date(2025, 10, 28);
    let active = RestrictionStatus::Active;
    // Approved today, notice not yet sent: not in force, whatever its start date.
    let waiting = restriction_standing(active, true, today, None, today);
    assert_eq!(waiting, Standing::AwaitingNotice);
    assert!(waiting.not_yet_in_force());
    assert_eq!(
        waiting.waiting_for().as_deref(),
        Some("waiting for the notice letter to be sent")
    );
    assert!(!restriction_in_force(
        active,
        true,
        date(2025, 1, 1),
        None,
        today
    ));
    // Told, starting later: not in force until then.
    let later = restriction_standing(active, false, date(2025, 11, 3), None, today);
    assert_eq!(later, Standing::Starts(date(2025, 11, 3)));
    assert!(later.not_yet_in_force());
    // Told and started: in force.
    assert_eq!(
        restriction_standing(active, false, today, None, today),
        Standing::InForce
    );
    assert!(restriction_in_force(active, false, today, None, today));
    // Over is over, told or not.
    let yesterday = Some(date(2025, 10, 27));
    assert_eq!(
        restriction_standing(active, true, date(2025, 10, 1), yesterday, today),
        Standing::Over(RestrictionStatus::Ended)
    );
    assert_eq!(
        restriction_standing(RestrictionStatus::Lifted, true, today, None, today),
        Standing::Over(RestrictionStatus::Lifted)
    );
    assert!(!Standing::InForce.not_yet_in_force());
}

#[test]
fn i9_f15_a_restriction_waits_for_its_notice_unless_staff_safety_needs_it_at_once() {
    let today = date(2025, 10, 28);
    // By default it waits for the notice letter, from today at the earliest.
    assert_eq!(
        takes_effect(false, None, false, None, today),
        Ok(TakesEffect {
            starts_on: today,
            awaits_notice: true,
            at_once_for_staff_safety: false
        })
    );
    // A later start the head sets: still waits for the notice.
    let later = date(2025, 11, 10);
    assert_eq!(
        takes_effect(false, Some(later), false, None, today),
        Ok(TakesEffect {
            starts_on: later,
            awaits_notice: true,
            at_once_for_staff_safety: false
        })
    );
    // At once for staff safety (§4, §6): in force today.
    assert_eq!(
        takes_effect(true, None, false, None, today),
        Ok(TakesEffect {
            starts_on: today,
            awaits_notice: false,
            at_once_for_staff_safety: true
        })
    );
    // A variation waits for its letter too (the old one stays in force meanwhile),
    // unless the head records it must apply at once for staff safety.
    let varied = takes_effect(false, None, true, None, today).expect("variation");
    assert!(varied.awaits_notice);
    assert!(!varied.at_once_for_staff_safety);
    let at_once = takes_effect(true, None, true, None, today).expect("variation");
    assert!(!at_once.awaits_notice);
    assert!(at_once.at_once_for_staff_safety);
    // What cannot be: both at once and later; a start in the past or after the end;
    // a variation starting later than the restriction it replaces ends.
    assert!(takes_effect(true, Some(later), false, None, today).is_err());
    assert!(takes_effect(false, Some(date(2025, 10, 27)), false, None, today).is_err());
    assert!(takes_effect(false, Some(later), false, Some(date(2025, 11, 1)), today).is_err());
    assert!(takes_effect(false, Some(later), true, None, today).is_err());
    assert!(takes_effect(true, Some(today), false, None, today).is_ok());
}

#[test]
fn i9_f15_only_a_restriction_in_force_can_be_varied() {
    let today = date(2025, 10, 28);
    let active = RestrictionStatus::Active;
    assert_eq!(
        may_be_varied("RES-1", active, false, today, None, today),
        Ok(())
    );
    let waiting = may_be_varied("RES-1", active, true, today, None, today).unwrap_err();
    assert!(waiting.contains("waits for its notice letter"), "{waiting}");
    let later = may_be_varied("RES-1", active, false, date(2025, 11, 3), None, today).unwrap_err();
    assert!(later.contains("starts on 3 Nov 2025"), "{later}");
    let lifted = RestrictionStatus::Lifted;
    let over = may_be_varied("RES-1", lifted, false, today, None, today).unwrap_err();
    assert!(over.contains("no longer in force (lifted)"), "{over}");
}

#[test]
fn i9_f15_it_starts_the_day_the_notice_is_sent_or_the_later_start_set() {
    let approved = date(2025, 10, 28);
    // Sent three days after approval: starts then.
    assert_eq!(
        start_on_notice(date(2025, 10, 31), approved, None),
        Some(date(2025, 10, 31))
    );
    // Sent before the later start the head set: starts on that day.
    assert_eq!(
        start_on_notice(date(2025, 10, 29), date(2025, 11, 10), None),
        Some(date(2025, 11, 10))
    );
    // Through its end date it may still start; after it, it never takes effect.
    assert_eq!(
        start_on_notice(date(2025, 11, 30), approved, Some(date(2025, 11, 30))),
        Some(date(2025, 11, 30))
    );
    assert_eq!(
        start_on_notice(date(2025, 12, 1), approved, Some(date(2025, 11, 30))),
        None
    );
}
