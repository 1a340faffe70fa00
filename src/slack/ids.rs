//! Every `callback_id` and `action_id` the bot gives Slack, in one place. The wire
//! strings never change: messages and modals already in people's Slack carry them, and a
//! renamed id would leave their buttons dead.

/// The modals the bot opens, by the `callback_id` their submission carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Callback {
    /// `/contact report`: a new incident (R-RPT-1).
    Report,
    /// `/contact call-ended`: a call ended or held (R-RPT-2).
    CallEnded,
    /// `/contact breach`: a breach of a restriction in force.
    Breach,
    /// Recording the police report an incident requires (§4).
    PoliceReport,
    /// `/contact foi`: an FOI or subject access request (R-DP-4).
    Foi,
    /// `/contact access`: a person's access requirements.
    Access,
    /// `/contact warn`: a written warning (§5).
    Warn,
    /// `/contact restrict`: a restriction request (§6).
    Restrict,
    /// Rejecting a restriction request, with reasons.
    Reject,
    /// Recording how and when a letter was sent; metadata carries the letter id.
    LetterSent,
    /// `/contact dispute`: a dispute about a restriction (§7).
    Dispute,
    /// Resolving a dispute; metadata carries the dispute id.
    Resolve,
    /// A review of a restriction (§8); metadata carries the restriction id.
    Review,
    /// Withdrawing a restriction request, with the reason; metadata carries its id.
    Withdraw,
    /// Rejecting a review's proposal to continue a restriction, with the reason; metadata
    /// carries the proposal's id (issue 9, finding 10).
    RejectContinuation,
    /// `/contact correct`: a correction note on an incident, ended call, warning or
    /// breach (R-REC-1); metadata carries the person id.
    CorrectionNote,
}

impl Callback {
    pub const ALL: &'static [Callback] = &[
        Callback::Report,
        Callback::CallEnded,
        Callback::Breach,
        Callback::PoliceReport,
        Callback::Foi,
        Callback::Access,
        Callback::Warn,
        Callback::Restrict,
        Callback::Reject,
        Callback::LetterSent,
        Callback::Dispute,
        Callback::Resolve,
        Callback::Review,
        Callback::Withdraw,
        Callback::RejectContinuation,
        Callback::CorrectionNote,
    ];

    /// The wire string Slack carries.
    pub const fn as_str(self) -> &'static str {
        match self {
            Callback::Report => "report",
            Callback::CallEnded => "call_ended",
            Callback::Breach => "breach",
            Callback::PoliceReport => "police_report",
            Callback::Foi => "foi",
            Callback::Access => "access",
            Callback::Warn => "warn",
            Callback::Restrict => "restrict",
            Callback::Reject => "reject",
            Callback::LetterSent => "letter_sent",
            Callback::Dispute => "dispute",
            Callback::Resolve => "resolve",
            Callback::Review => "review",
            Callback::Withdraw => "withdraw",
            Callback::RejectContinuation => "reject_continuation",
            Callback::CorrectionNote => "correction_note",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|id| id.as_str() == raw)
    }
}

impl std::fmt::Display for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The buttons and interactive elements the bot puts in messages and modals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Value: the incident id.
    RecordPoliceReport,
    /// Value: the person id.
    CheckPerson,
    /// Value: `person`, `person:offset` or `incident:<id>`.
    HistoryPerson,
    /// A case file's "Newer" page button; value: `person:offset`.
    HistoryNewer,
    /// A case file's "Older" page button; value: `person:offset`.
    HistoryOlder,
    /// `/contact open`'s "Previous" page button; value: the offset.
    OpenItemsPrevious,
    /// `/contact open`'s "Next" page button; value: the offset.
    OpenItemsNext,
    /// Value: the person id.
    BreachPerson,
    /// Value: the person id.
    FoiPerson,
    /// Value: the person id, if any.
    ReportInstead,
    /// Value: the person id.
    AccessPerson,
    /// Value: the person id.
    WarnPerson,
    /// Value: the person id.
    RestrictPerson,
    /// Value: the request id.
    ApproveRequest,
    /// Value: the request id.
    RejectRequest,
    /// Value: the request id.
    WithdrawRequest,
    /// Value: the letter id.
    MarkLetterSent,
    /// Value: the person id.
    DisputePerson,
    /// Value: the person id.
    ReviewPerson,
    /// Value: the person id (`/contact export`, several matches).
    ExportPerson,
    /// Value: the dispute id.
    ResolveDispute,
    /// Value: the restriction id.
    StartReview,
    /// Value: the restriction id to vary.
    RequestVariation,
    /// The §6 checklist on an approval message; its block id is `criteria:<request id>`.
    Criteria,
    /// The external select that searches people (answered at `/slack/options`); in the
    /// report form, choosing shows or hides the new person's fields.
    Person,
    /// The restrict form's measures checkboxes; ticking shows a measure's fields.
    Measures,
    /// The report form's kinds of behaviour; choosing threats shows the question whether
    /// it was a threat of physical violence.
    Kinds,
    /// "No further action: behaviour adapted" on an adapt-period reminder; value: the
    /// warning id.
    CloseWarning,
    /// The approval message's "apply at once for staff safety" tick, in the block
    /// `takes_effect:<request id>` (issue 9, finding 15).
    AtOnce,
    /// The approval message's optional later start date, in the same block.
    StartsNotBefore,
    /// Authorise a review's proposal to continue a restriction (§6 at review); value: the
    /// proposal's id. Ticks come from the `continuation_criteria:<id>` checklist.
    AuthoriseContinuation,
    /// Reject a review's proposal to continue; value: the proposal's id.
    RejectContinuation,
    /// The §6 checklist on a continuation's authorisation message; its block id is
    /// `continuation_criteria:<proposal id>`.
    ContinuationCriteria,
    /// `/contact correct`'s choice among several matching people; value: the person id.
    CorrectPerson,
    /// Confirm a scheduled retention dry run from its DM to an admin (R-DP-2); value: the
    /// dry run's id.
    ConfirmRetention,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::RecordPoliceReport,
        Action::CheckPerson,
        Action::HistoryPerson,
        Action::HistoryNewer,
        Action::HistoryOlder,
        Action::OpenItemsPrevious,
        Action::OpenItemsNext,
        Action::BreachPerson,
        Action::FoiPerson,
        Action::ReportInstead,
        Action::AccessPerson,
        Action::WarnPerson,
        Action::RestrictPerson,
        Action::ApproveRequest,
        Action::RejectRequest,
        Action::WithdrawRequest,
        Action::MarkLetterSent,
        Action::DisputePerson,
        Action::ReviewPerson,
        Action::ExportPerson,
        Action::ResolveDispute,
        Action::StartReview,
        Action::RequestVariation,
        Action::Criteria,
        Action::Person,
        Action::Measures,
        Action::Kinds,
        Action::CloseWarning,
        Action::AtOnce,
        Action::StartsNotBefore,
        Action::AuthoriseContinuation,
        Action::RejectContinuation,
        Action::ContinuationCriteria,
        Action::CorrectPerson,
        Action::ConfirmRetention,
    ];

    /// The wire string Slack carries.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::RecordPoliceReport => "record_police_report",
            Action::CheckPerson => "check_person",
            Action::HistoryPerson => "history_person",
            Action::HistoryNewer => "history_newer",
            Action::HistoryOlder => "history_older",
            Action::OpenItemsPrevious => "open_items_previous",
            Action::OpenItemsNext => "open_items_next",
            Action::BreachPerson => "breach_person",
            Action::FoiPerson => "foi_person",
            Action::ReportInstead => "report_instead",
            Action::AccessPerson => "access_person",
            Action::WarnPerson => "warn_person",
            Action::RestrictPerson => "restrict_person",
            Action::ApproveRequest => "approve_request",
            Action::RejectRequest => "reject_request",
            Action::WithdrawRequest => "withdraw_request",
            Action::MarkLetterSent => "mark_letter_sent",
            Action::DisputePerson => "dispute_person",
            Action::ReviewPerson => "review_person",
            Action::ExportPerson => "export_person",
            Action::ResolveDispute => "resolve_dispute",
            Action::StartReview => "start_review",
            Action::RequestVariation => "request_variation",
            Action::Criteria => "criteria",
            Action::Person => "person",
            Action::Measures => "measures",
            Action::Kinds => "kinds",
            Action::CloseWarning => "close_warning",
            Action::AtOnce => "at_once",
            Action::StartsNotBefore => "starts_not_before",
            Action::AuthoriseContinuation => "authorise_continuation",
            Action::RejectContinuation => "reject_continuation",
            Action::ContinuationCriteria => "continuation_criteria",
            Action::CorrectPerson => "correct_person",
            Action::ConfirmRetention => "confirm_retention",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|id| id.as_str() == raw)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Person field block ids shared by the person picker and its "new person" fields.
pub mod person_fields {
    pub const PERSON: &str = "person";
    pub const NEW_PHONE: &str = "new_phone";
    pub const NEW_EMAIL: &str = "new_email";
    pub const NEW_CASE_REF: &str = "new_case_ref";
    pub const DIFFERENT_PERSON: &str = "different_person";
    pub const FORMAT: &str = "access_format";
    pub const LANGUAGE: &str = "access_language";
    pub const NEEDS: &str = "access_needs";
    /// The access form's postal address to add (R-REC-1), several lines.
    pub const NEW_POSTAL_ADDRESS: &str = "new_postal_address";
    /// The access form's name of the person, to correct it (R-REC-1).
    pub const NAME: &str = "person_name";
    /// The access form's identifiers to remove (R-REC-1); option values are their ids.
    pub const REMOVE_IDENTIFIERS: &str = "remove_identifiers";
}

/// The correction note form's fields (R-REC-1): the record the note is on (option values
/// as `domain::correction::RecordRef::encode` writes them) and the note.
pub mod correction_fields {
    pub const RECORD: &str = "corrected_record";
    pub const NOTE: &str = "correction_note";
}

/// The report form's question, shown when threats are among the kinds, whether it was a
/// threat of physical violence (R-RPT-3, §4); its block and action id.
pub const THREAT_OF_VIOLENCE: &str = "threat_of_violence";

/// The block id of the function picker on forms where the user may belong to several.
pub const FUNCTION: &str = "function";

/// The approval message's block with how the restriction takes effect:
/// `takes_effect:<request id>` (issue 9, finding 15).
pub fn takes_effect_block(request_id: i64) -> String {
    format!("takes_effect:{request_id}")
}

/// The value of the "apply at once for staff safety" tick.
pub const AT_ONCE_FOR_STAFF_SAFETY: &str = "staff_safety";

/// The approval checklist's block id: `criteria:<request id>`.
pub fn criteria_block(request_id: i64) -> String {
    format!("{}:{request_id}", Action::Criteria.as_str())
}

/// The continuation checklist's block id: `continuation_criteria:<proposal id>`.
pub fn continuation_criteria_block(continuation_id: i64) -> String {
    format!(
        "{}:{continuation_id}",
        Action::ContinuationCriteria.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_parses_back_and_wire_strings_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Callback::ALL {
            assert_eq!(Callback::parse(c.as_str()), Some(*c));
            assert!(seen.insert(("callback", c.as_str())));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
            assert!(seen.insert(("action", a.as_str())));
        }
        assert_eq!(Callback::parse("nope"), None);
        assert_eq!(criteria_block(7), "criteria:7");
        assert_eq!(continuation_criteria_block(7), "continuation_criteria:7");
    }
}
