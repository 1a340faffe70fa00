//! The letters as the PDFs a manager prints (R-LET-4): every kind, format and language
//! rendered from the real templates and read back with lopdf, as a reader copies its text.

use super::*;

#[path = "../../tests/common/pdf_text.rs"]
mod pdf_text;

use pdf_text::{read_pdf, PdfText};

/// The sample every template is checked with at load, with a Welsh name and address so
/// the glyphs of ŵ, ŷ and â are in every letter.
fn welsh_sample(kind: LetterKind) -> LetterContext {
    let outcome = kind.outcomes().first().copied();
    LetterContext {
        recipient_name: "Siôn Ŵyn Bryŷr".to_owned(),
        recipient_address: vec![
            "2 Heol y Frân".to_owned(),
            "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch".to_owned(),
            "LL61 5UJ".to_owned(),
        ],
        signatory_name: Some("Gwenllïan Jones".to_owned()),
        signatory_role: Some("head_of_function".to_owned()),
        reference: "RES-00042".to_owned(),
        function_name: "Casework".to_owned(),
        ..sample_context(outcome)
    }
}

fn pdf_of(kind: LetterKind, format: LetterFormat, language: Language) -> PdfText {
    let letters = Letters::embedded().unwrap();
    let letter = letters
        .render(kind, format, language, &welsh_sample(kind))
        .unwrap();
    read_pdf(&letter.pdf).unwrap_or_else(|e| panic!("{kind} {format} {language}: {e}"))
}

/// The headings a letter's PDF must show: its title (the `<h1>`), and for the standard
/// and large print text the first section heading.
fn expected_headings(kind: LetterKind, format: LetterFormat, language: Language) -> Vec<String> {
    let letters = Letters::embedded().unwrap();
    let letter = letters
        .render(kind, format, language, &welsh_sample(kind))
        .unwrap();
    pdf::html::blocks(&letter.body)
        .into_iter()
        .filter(|b| matches!(b.kind, pdf::html::BlockKind::Heading(_)))
        .map(|b| b.text())
        .collect()
}

#[test]
fn r_let_4_every_letter_is_a_pdf_with_its_text_in_every_format_and_language() {
    for kind in LetterKind::ALL {
        for format in LetterFormat::ALL {
            for language in Language::ALL {
                let what = format!("{kind} {format} {language}");
                let pdf = pdf_of(kind, format, language);
                let text = pdf.flat();
                let headings = expected_headings(kind, format, language);
                assert!(headings.len() >= 2, "{what}: headings {headings:?}");
                for heading in &headings {
                    assert!(
                        text.contains(heading.as_str()),
                        "{what}: heading {heading:?} in {text}"
                    );
                }
                assert!(
                    text.contains("Siôn Ŵyn Bryŷr"),
                    "{what}: name (Welsh letters) in {text}"
                );
                assert!(text.contains("2 Heol y Frân"), "{what}: address in {text}");
                assert!(text.contains("LL61 5UJ"), "{what}: postcode in {text}");
                // The long place name is wider than the line at large print: broken to fit,
                // every letter of it kept.
                assert!(
                    text.replace(' ', "")
                        .contains("Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"),
                    "{what}: long word in {text}"
                );
                assert!(
                    text.contains("Gwenllïan Jones"),
                    "{what}: signatory in {text}"
                );
                let role = match language {
                    Language::En => "Head of Casework",
                    Language::Cy => "Pennaeth Casework",
                };
                assert!(text.contains(role), "{what}: signatory's role in {text}");
                assert!(text.contains("RES-00042"), "{what}: reference in {text}");
                let page = match language {
                    Language::En => "Page 1 of",
                    Language::Cy => "Tudalen 1 o",
                };
                assert!(text.contains(page), "{what}: page number in {text}");
                assert!(
                    !text.contains('<') && !text.contains("&amp;"),
                    "{what}: no markup in {text}"
                );
            }
        }
    }
}

#[test]
fn r_let_4_large_print_is_set_at_16pt_or_more_and_standard_smaller() {
    for kind in LetterKind::ALL {
        for language in Language::ALL {
            // Every piece of text, page numbers included, at 16 pt or more; the body 18 pt.
            let large = pdf_of(kind, LetterFormat::LargePrint, language);
            assert!(
                large.sizes.contains(&18.0),
                "{kind} {language}: {:?}",
                large.sizes
            );
            let smallest = large.sizes.iter().copied().fold(f32::MAX, f32::min);
            assert!(smallest >= 16.0, "{kind} {language}: {smallest}pt");
            let easy = pdf_of(kind, LetterFormat::EasyRead, language);
            let smallest = easy.sizes.iter().copied().fold(f32::MAX, f32::min);
            assert!(
                smallest >= 16.0,
                "{kind} {language} easy read: {smallest}pt"
            );
            let standard = pdf_of(kind, LetterFormat::Standard, language);
            assert!(
                standard.sizes.contains(&12.0),
                "{kind} {language}: {:?}",
                standard.sizes
            );
            assert!(large.pages >= standard.pages);
        }
    }
}

#[test]
fn r_let_4_easy_read_keeps_its_own_words_in_the_pdf() {
    let easy = pdf_of(LetterKind::Warning, LetterFormat::EasyRead, Language::En).flat();
    let standard = pdf_of(LetterKind::Warning, LetterFormat::Standard, Language::En).flat();
    assert!(easy.contains("What could happen next?"), "{easy}");
    assert!(!standard.contains("What could happen next?"));
    assert!(standard.contains("What may happen"));
}

#[test]
fn r_let_4_without_a_signatory_the_function_signs() {
    let letters = Letters::embedded().unwrap();
    let ctx = LetterContext {
        signatory_name: None,
        signatory_role: None,
        contact_name: "The Casework team".to_owned(),
        ..welsh_sample(LetterKind::Warning)
    };
    let letter = letters
        .render(
            LetterKind::Warning,
            LetterFormat::Standard,
            Language::En,
            &ctx,
        )
        .unwrap();
    let text = read_pdf(&letter.pdf).unwrap().flat();
    assert!(
        text.contains("Yours sincerely, The Casework team"),
        "{text}"
    );
    assert!(!text.contains("Gwenllïan"), "{text}");
}

#[test]
fn r_let_4_no_address_on_record_prints_no_address_block() {
    let letters = Letters::embedded().unwrap();
    let ctx = LetterContext {
        recipient_address: Vec::new(),
        ..welsh_sample(LetterKind::Warning)
    };
    let letter = letters
        .render(
            LetterKind::Warning,
            LetterFormat::Standard,
            Language::En,
            &ctx,
        )
        .unwrap();
    let text = read_pdf(&letter.pdf).unwrap().flat();
    assert!(!text.contains("Heol y Frân"), "{text}");
    // The name is still in the greeting.
    assert!(text.contains("Dear Siôn Ŵyn Bryŷr,"), "{text}");
}

#[test]
fn r_let_4_a_long_letter_runs_onto_numbered_pages() {
    let letters = Letters::embedded().unwrap();
    let ctx = LetterContext {
        behaviour: "Shouted at staff on the telephone and in person. ".repeat(150),
        ..welsh_sample(LetterKind::Warning)
    };
    let letter = letters
        .render(
            LetterKind::Warning,
            LetterFormat::LargePrint,
            Language::En,
            &ctx,
        )
        .unwrap();
    let pdf = read_pdf(&letter.pdf).unwrap();
    assert!(pdf.pages >= 3, "{} pages", pdf.pages);
    let text = pdf.flat();
    let last = format!("Page {} of {}", pdf.pages, pdf.pages);
    assert!(text.contains(&last), "{text}");
    assert_eq!(text.matches("Shouted at staff").count(), 150);
}

#[test]
fn r_let_4_the_bundled_policy_is_a_pdf_with_the_policy_text() {
    let policy = policy::PolicyDocument::load(None).unwrap();
    assert_eq!(policy.filename, "managing-service-user-contact-policy.pdf");
    let text = read_pdf(&policy.pdf).unwrap().flat();
    assert!(text.contains("Managing service user contact policy"));
    assert!(text.contains("7 Disputing a decision to restrict contact"));
    assert!(
        text.contains("a copy of the policy will be provided to give further explanation"),
        "{text}"
    );
}

#[test]
fn r_let_4_a_policy_document_may_be_a_pdf_or_text_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("our-policy.pdf");
    let own = Letters::embedded()
        .unwrap()
        .render(
            LetterKind::Warning,
            LetterFormat::Standard,
            Language::En,
            &sample_context(None),
        )
        .unwrap()
        .pdf;
    std::fs::write(&pdf, &own).unwrap();
    let loaded = policy::PolicyDocument::load(Some(&pdf)).unwrap();
    assert_eq!(loaded.pdf, own, "a PDF is sent as it is");

    let text = dir.path().join("policy.txt");
    std::fs::write(
        &text,
        "Our contact policy\n\n1 Why\n\nWe write to you first.\n",
    )
    .unwrap();
    let loaded = policy::PolicyDocument::load(Some(&text)).unwrap();
    assert_eq!(loaded.title, "Our contact policy");
    assert!(read_pdf(&loaded.pdf)
        .unwrap()
        .flat()
        .contains("We write to you first."));

    let fake = dir.path().join("fake.pdf");
    std::fs::write(&fake, "not a pdf").unwrap();
    let err = policy::PolicyDocument::load(Some(&fake))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("POLICY_DOCUMENT") && err.contains("not a PDF"),
        "{err}"
    );
    let missing = dir.path().join("missing.txt");
    let err = policy::PolicyDocument::load(Some(&missing))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.txt"), "{err}");
}
