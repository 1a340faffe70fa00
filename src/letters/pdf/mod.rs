//! Letters as PDF (R-LET-4), written in-process by krilla: no browser, no external binary.
//!
//! The rendered letter HTML ([`html`]) is laid out on A4 ([`layout`]) in DejaVu Sans,
//! embedded (subset) so the letter prints the same everywhere and Welsh letters (ŵ, ŷ)
//! have their own glyphs; every font carries a ToUnicode map, so the text can be searched,
//! copied and read back. The PDF is tagged (headings, paragraphs, lists, in reading order,
//! in the letter's language) so screen readers read it as a letter, and page numbers are
//! marked as pagination artefacts.

pub mod html;
pub mod layout;

use std::num::NonZeroU16;

use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::tagging::{
    ArtifactType, ContentTag, Identifier, ListNumbering, SpanTag, Tag, TagGroup, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};

use html::{Block, BlockKind, Inline, Marker};
use layout::{Line, Style};

/// Why a PDF could not be written. With the bundled fonts this does not happen; the error
/// names what failed rather than panicking.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the bundled font could not be read")]
    Font,
    #[error("the page size is not valid")]
    Page,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// What a PDF is about: its title and language (for readers and screen readers) and the
/// label of each page's number (e.g. the letter's reference).
#[derive(Debug, Clone, Copy)]
pub struct PdfInfo<'a> {
    pub title: &'a str,
    /// `en`, `cy`.
    pub language: &'a str,
    /// Printed before each page number, e.g. `WRN-00001`; may be empty.
    pub footer: &'a str,
    /// "Page", "Tudalen".
    pub page_word: &'a str,
    /// "of", "o".
    pub of_word: &'a str,
}

/// The letter's HTML as a PDF in `style`.
pub fn html_to_pdf(html: &str, style: &Style, info: &PdfInfo<'_>) -> Result<Vec<u8>, PdfError> {
    write(&html::blocks(html), style, info)
}

/// Plain text as a PDF: paragraphs separated by blank lines, line breaks within them kept.
/// The first paragraph is the title; a short one-line paragraph starting with a section
/// number ("3 Defining unacceptable behaviour") is a heading.
pub fn text_to_pdf(text: &str, style: &Style, info: &PdfInfo<'_>) -> Result<Vec<u8>, PdfError> {
    let text = text.replace("\r\n", "\n");
    let mut blocks = Vec::new();
    for (i, paragraph) in text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let mut inlines = Vec::new();
        for (j, line) in paragraph.lines().enumerate() {
            if j > 0 {
                inlines.push(Inline::Break);
            }
            inlines.push(Inline::Text {
                text: line.trim().to_owned(),
                bold: false,
            });
        }
        let kind = if i == 0 {
            BlockKind::Heading(1)
        } else if is_section_heading(paragraph) {
            BlockKind::Heading(2)
        } else {
            BlockKind::Paragraph
        };
        blocks.push(Block { kind, inlines });
    }
    write(&blocks, style, info)
}

fn is_section_heading(paragraph: &str) -> bool {
    let mut words = paragraph.split_whitespace();
    let numbered = words
        .next()
        .is_some_and(|w| w.trim_end_matches('.').chars().all(|c| c.is_ascii_digit()));
    numbered
        && !paragraph.contains('\n')
        && paragraph.chars().count() <= 70
        && !paragraph.ends_with(['.', ':', ';', ','])
}

fn write(blocks: &[Block], style: &Style, info: &PdfInfo<'_>) -> Result<Vec<u8>, PdfError> {
    let regular = Font::new(layout::REGULAR.into(), 0).ok_or(PdfError::Font)?;
    let bold = Font::new(layout::BOLD.into(), 0).ok_or(PdfError::Font)?;
    let pages = layout::paginate(blocks, style);
    let mut document = Document::new_with(SerializeSettings::default());
    // The identifiers of each block's lines, and of each list item's marker.
    let mut lines_of: Vec<Vec<Identifier>> = vec![Vec::new(); blocks.len()];
    let mut markers: Vec<Option<Identifier>> = vec![None; blocks.len()];
    let total = pages.len();
    for (number, lines) in pages.iter().enumerate() {
        let settings =
            PageSettings::from_wh(layout::PAGE_WIDTH, layout::PAGE_HEIGHT).ok_or(PdfError::Page)?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for line in lines {
            let draw = |surface: &mut krilla::surface::Surface<'_>, seg: &layout::Segment| {
                let font = if seg.bold {
                    bold.clone()
                } else {
                    regular.clone()
                };
                surface.draw_text(
                    Point::from_xy(seg.x, line.baseline),
                    font,
                    line.size,
                    &seg.text,
                    false,
                    TextDirection::Auto,
                );
            };
            if let Some(marker) = &line.marker {
                let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
                draw(&mut surface, marker);
                surface.end_tagged();
                markers[line.block] = Some(id);
            }
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
            for seg in &line.segments {
                draw(&mut surface, seg);
            }
            surface.end_tagged();
            lines_of[line.block].push(id);
        }
        page_number(&mut surface, &regular, style, info, number + 1, total);
        surface.finish();
        page.finish();
    }
    document.set_tag_tree(tag_tree(blocks, lines_of, markers, info.language));
    document.set_metadata(
        Metadata::new()
            .title(info.title.to_owned())
            .language(info.language.to_owned()),
    );
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// "WRN-00001 · Page 1 of 2" at the foot of the page, marked as pagination.
fn page_number(
    surface: &mut krilla::surface::Surface<'_>,
    font: &Font,
    style: &Style,
    info: &PdfInfo<'_>,
    number: usize,
    total: usize,
) {
    // Large print and easy read: even the page number is at the body size (16 pt or more).
    let size = if style.body >= 16.0 { style.body } else { 10.0 };
    let mut text = format!("{} {number} {} {total}", info.page_word, info.of_word);
    if !info.footer.is_empty() {
        text = format!("{} · {text}", info.footer);
    }
    let y = layout::PAGE_HEIGHT - layout::MARGIN;
    surface.start_tagged(ContentTag::Artifact(ArtifactType::Footer));
    surface.draw_text(
        Point::from_xy(layout::MARGIN, y),
        font.clone(),
        size,
        &text,
        false,
        TextDirection::Auto,
    );
    surface.end_tagged();
}

/// The document's structure in reading order: a heading, paragraph or list (its items,
/// each a label and a body) per block.
fn tag_tree(
    blocks: &[Block],
    lines_of: Vec<Vec<Identifier>>,
    markers: Vec<Option<Identifier>>,
    language: &str,
) -> TagTree {
    let mut tree = TagTree::new().with_lang(Some(language.to_owned()));
    let mut list: Option<TagGroup> = None;
    for ((block, ids), marker) in blocks.iter().zip(lines_of).zip(markers) {
        let body = |tag: TagGroup| {
            let mut tag = tag;
            for id in &ids {
                tag.push(*id);
            }
            tag
        };
        match block.kind {
            BlockKind::ListItem { marker: kind, .. } => {
                let mut item = TagGroup::new(Tag::LI);
                if let Some(id) = marker {
                    let mut label = TagGroup::new(Tag::Lbl);
                    label.push(id);
                    item.push(label);
                }
                item.push(body(TagGroup::new(Tag::LBody)));
                let numbering = match kind {
                    Marker::Number(_) => ListNumbering::Decimal,
                    _ => ListNumbering::Disc,
                };
                list.get_or_insert_with(|| TagGroup::new(Tag::L(numbering)))
                    .push(item);
            }
            BlockKind::Heading(level) => {
                if let Some(l) = list.take() {
                    tree.push(l);
                }
                let level = NonZeroU16::new(u16::from(level)).unwrap_or(NonZeroU16::MIN);
                tree.push(body(TagGroup::new(Tag::Hn(level, None))));
            }
            BlockKind::Paragraph => {
                if let Some(l) = list.take() {
                    tree.push(l);
                }
                tree.push(body(TagGroup::new(Tag::P)));
            }
        }
    }
    if let Some(l) = list.take() {
        tree.push(l);
    }
    tree
}

impl Line {
    /// The line's text as drawn, marker first.
    #[cfg(test)]
    pub fn text(&self) -> String {
        self.marker
            .iter()
            .chain(&self.segments)
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}
