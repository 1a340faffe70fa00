//! Lays blocks out on A4 pages: type sizes and spacing by format, words measured with the
//! font they are drawn in (shaped by rustybuzz, as krilla draws them), lines wrapped at
//! spaces, a word longer than the line broken where it must be, and pages broken with no
//! heading left alone at the foot of a page. Left aligned, never justified.

use std::sync::LazyLock;

use super::html::{Block, BlockKind, Inline, Marker};

/// DejaVu Sans (regular and bold), bundled with its licence in `assets/fonts`: it covers
/// Welsh (ŵ, ŷ, â …) and the rest of Latin, Greek and Cyrillic.
pub static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

static REGULAR_FACE: LazyLock<Option<rustybuzz::Face<'static>>> =
    LazyLock::new(|| rustybuzz::Face::from_slice(REGULAR, 0));
static BOLD_FACE: LazyLock<Option<rustybuzz::Face<'static>>> =
    LazyLock::new(|| rustybuzz::Face::from_slice(BOLD, 0));

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
/// 20 mm.
pub const MARGIN: f32 = 56.69;
/// Room kept at the foot of each page for its page number.
pub const FOOTER: f32 = 28.0;

/// Type sizes (points) and spacing (multiples of the size) of one format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub body: f32,
    pub h1: f32,
    pub h2: f32,
    /// Line height as a multiple of the type size.
    pub line: f32,
    /// Space after a paragraph or list item, in multiples of the body size.
    pub gap: f32,
    /// Space before a section heading, in multiples of its size.
    pub before_heading: f32,
    /// Indent of each list level, in multiples of the body size.
    pub indent: f32,
}

impl Style {
    /// Standard print: 12 pt.
    pub const STANDARD: Style = Style {
        body: 12.0,
        h1: 16.0,
        h2: 13.0,
        line: 1.45,
        gap: 0.6,
        before_heading: 1.0,
        indent: 1.5,
    };
    /// Large print, after clear print guidance: 18 pt body (never under 16), headings
    /// larger still, sans serif, left aligned, generous line and paragraph spacing.
    pub const LARGE_PRINT: Style = Style {
        body: 18.0,
        h1: 24.0,
        h2: 21.0,
        line: 1.6,
        gap: 0.9,
        before_heading: 1.2,
        indent: 1.5,
    };
    /// Easy read: 16 pt, lots of space.
    pub const EASY_READ: Style = Style {
        body: 16.0,
        h1: 22.0,
        h2: 20.0,
        line: 1.6,
        gap: 0.8,
        before_heading: 1.4,
        indent: 1.5,
    };

    fn size(&self, kind: BlockKind) -> f32 {
        match kind {
            BlockKind::Heading(1) => self.h1,
            BlockKind::Heading(_) => self.h2,
            _ => self.body,
        }
    }
}

/// A run of text on a line in one weight, at `x` from the left edge of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub x: f32,
    pub text: String,
    pub bold: bool,
}

/// One line, placed: its baseline from the top of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub baseline: f32,
    pub size: f32,
    pub segments: Vec<Segment>,
    /// A list item's bullet or number, on its first line.
    pub marker: Option<Segment>,
    /// Which block (index into the blocks laid out) the line belongs to.
    pub block: usize,
}

/// The width of `text` at `size` points.
pub fn width(text: &str, bold: bool, size: f32) -> f32 {
    let face = if bold { &*BOLD_FACE } else { &*REGULAR_FACE };
    let Some(face) = face.as_ref() else {
        return 0.0;
    };
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    let shaped = rustybuzz::shape(face, &[], buffer);
    let units: i64 = shaped
        .glyph_positions()
        .iter()
        .map(|p| i64::from(p.x_advance))
        .sum();
    units as f32 * size / f32::from(face.units_per_em() as u16)
}

/// A word: the pieces of text between spaces, each in its weight.
type Word = Vec<(String, bool)>;

/// The block's words, line by line (a `<br>` starts a new line).
fn hard_lines(inlines: &[Inline]) -> Vec<Vec<Word>> {
    let mut lines = vec![Vec::new()];
    let mut word: Word = Vec::new();
    let end_word = |word: &mut Word, line: &mut Vec<Word>| {
        if !word.is_empty() {
            line.push(std::mem::take(word));
        }
    };
    for inline in inlines {
        match inline {
            Inline::Break => {
                if let Some(line) = lines.last_mut() {
                    end_word(&mut word, line);
                }
                lines.push(Vec::new());
            }
            Inline::Text { text, bold } => {
                for (i, part) in text.split(' ').enumerate() {
                    if i > 0 {
                        if let Some(line) = lines.last_mut() {
                            end_word(&mut word, line);
                        }
                    }
                    if !part.is_empty() {
                        word.push((part.to_owned(), *bold));
                    }
                }
            }
        }
    }
    if let Some(line) = lines.last_mut() {
        end_word(&mut word, line);
    }
    lines
}

fn word_width(word: &Word, size: f32) -> f32 {
    word.iter().map(|(t, b)| width(t, *b, size)).sum()
}

/// Breaks a word too wide for the line into pieces that fit, character by character.
fn split_word(word: &Word, size: f32, max: f32) -> Vec<Word> {
    let mut pieces = Vec::new();
    let mut current: Word = Vec::new();
    let mut current_width = 0.0;
    for (text, bold) in word {
        for c in text.chars() {
            let w = width(c.encode_utf8(&mut [0; 4]), *bold, size);
            if current_width + w > max && !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
                current_width = 0.0;
            }
            match current.last_mut() {
                Some((t, b)) if b == bold => t.push(c),
                _ => current.push((c.to_string(), *bold)),
            }
            current_width += w;
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// Wraps words into lines no wider than `max`: each line a list of words.
pub fn wrap(words: &[Word], size: f32, max: f32) -> Vec<Vec<Word>> {
    let space = width(" ", false, size);
    let mut lines: Vec<Vec<Word>> = Vec::new();
    let mut line: Vec<Word> = Vec::new();
    let mut line_width = 0.0;
    for word in words {
        let w = word_width(word, size);
        let pieces = if w > max {
            split_word(word, size, max)
        } else {
            vec![word.clone()]
        };
        for piece in pieces {
            let w = word_width(&piece, size);
            let needed = if line.is_empty() { w } else { space + w };
            if !line.is_empty() && line_width + needed > max {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
                line.push(piece);
                line_width += w;
            } else {
                line.push(piece);
                line_width += needed;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// One line's words as segments (one per change of weight) from `x`. The spaces between
/// words are kept in the text, so the PDF's text reads with its word breaks.
fn segments(words: &[Word], size: f32, x: f32) -> Vec<Segment> {
    let space = width(" ", false, size);
    let mut out: Vec<Segment> = Vec::new();
    let mut cursor = x;
    for (i, word) in words.iter().enumerate() {
        for (j, (text, bold)) in word.iter().enumerate() {
            if i > 0 && j == 0 {
                if let Some(last) = out.last_mut() {
                    last.text.push(' ');
                }
                cursor += space;
            }
            match out.last_mut() {
                Some(last) if last.bold == *bold => last.text.push_str(text),
                _ => out.push(Segment {
                    x: cursor,
                    text: text.clone(),
                    bold: *bold,
                }),
            }
            cursor += width(text, *bold, size);
        }
    }
    out
}

/// Lays `blocks` out on pages of A4: the lines of each page, top to bottom.
pub fn paginate(blocks: &[Block], style: &Style) -> Vec<Vec<Line>> {
    let top = MARGIN;
    let bottom = PAGE_HEIGHT - MARGIN - FOOTER;
    let text_width = PAGE_WIDTH - 2.0 * MARGIN;
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    let mut y = top;
    for (index, block) in blocks.iter().enumerate() {
        let size = style.size(block.kind);
        let bold = matches!(block.kind, BlockKind::Heading(_));
        let (indent, marker) = match block.kind {
            BlockKind::ListItem { depth, marker } => {
                (f32::from(depth) * style.indent * style.body, marker)
            }
            _ => (0.0, Marker::Continued),
        };
        let max = text_width - indent;
        let mut lines: Vec<Vec<Word>> = Vec::new();
        for hard in hard_lines(&block.inlines) {
            let words: Vec<Word> = if bold {
                hard.into_iter()
                    .map(|w| w.into_iter().map(|(t, _)| (t, true)).collect())
                    .collect()
            } else {
                hard
            };
            lines.extend(wrap(&words, size, max));
        }
        let line_height = size * style.line;
        let is_heading = matches!(block.kind, BlockKind::Heading(_));
        if is_heading && y > top {
            y += style.before_heading * size;
        }
        // A heading keeps its first line and two of what follows on its page.
        let keep = if is_heading {
            line_height * lines.len() as f32 + 2.0 * style.body * style.line
        } else {
            line_height
        };
        if y + keep > bottom && y > top {
            pages.push(Vec::new());
            y = top;
        }
        for (i, words) in lines.iter().enumerate() {
            if y + line_height > bottom && y > top {
                pages.push(Vec::new());
                y = top;
            }
            let baseline = y + size * (style.line - 1.0) / 2.0 + size * 0.8;
            let label = match marker {
                Marker::Bullet if i == 0 => Some("•".to_owned()),
                Marker::Number(n) if i == 0 => Some(format!("{n}.")),
                _ => None,
            };
            let marker = label.map(|text| Segment {
                x: MARGIN + indent - style.indent * style.body * 0.7,
                text,
                bold: false,
            });
            if let Some(page) = pages.last_mut() {
                page.push(Line {
                    baseline,
                    size,
                    segments: segments(words, size, MARGIN + indent),
                    marker,
                    block: index,
                });
            }
            y += line_height;
        }
        y += match block.kind {
            BlockKind::Heading(_) => 0.3 * size,
            _ => style.gap * style.body,
        };
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Word> {
        text.split(' ')
            .map(|w| vec![(w.to_owned(), false)])
            .collect()
    }

    fn joined(lines: &[Vec<Word>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                l.iter()
                    .map(|w| w.iter().map(|(t, _)| t.as_str()).collect::<String>())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn r_let_4_lines_wrap_at_spaces_within_the_width() {
        let text = "We are writing about your recent contact with us and what may happen next if it carries on";
        let lines = wrap(&words(text), 12.0, 200.0);
        assert!(lines.len() > 1, "{:?}", joined(&lines));
        assert_eq!(joined(&lines).join(" "), text, "no word lost or split");
        for line in joined(&lines) {
            assert!(width(&line, false, 12.0) <= 200.0, "{line} too wide");
        }
    }

    #[test]
    fn r_let_4_a_word_longer_than_the_line_is_broken_to_fit() {
        let long = "a".repeat(200);
        let lines = wrap(&words(&format!("x {long} y")), 12.0, 100.0);
        let text = joined(&lines);
        assert_eq!(text.concat().replace(' ', ""), format!("x{long}y"));
        for line in &text {
            assert!(width(line, false, 12.0) <= 100.0, "{line} too wide");
        }
    }

    #[test]
    fn r_let_4_welsh_letters_have_glyphs_of_their_own() {
        // A letter without a glyph would be drawn as the same empty box: widths differ
        // from the box's and are not zero.
        for c in ["ŵ", "ŷ", "â", "ê", "î", "ô", "û", "ẁ", "ỳ", "ï"] {
            assert!(width(c, false, 12.0) > 0.0, "{c}");
            assert!(width(c, true, 12.0) > 0.0, "{c}");
        }
    }

    #[test]
    fn r_let_4_a_long_letter_runs_onto_more_pages_and_no_line_leaves_the_page() {
        let para = Block {
            kind: BlockKind::Paragraph,
            inlines: vec![Inline::Text {
                text: "word ".repeat(80),
                bold: false,
            }],
        };
        let blocks: Vec<Block> = std::iter::repeat_n(para, 20).collect();
        let pages = paginate(&blocks, &Style::LARGE_PRINT);
        assert!(pages.len() > 2);
        for line in pages.iter().flatten() {
            assert!(line.baseline < PAGE_HEIGHT - MARGIN - FOOTER + line.size);
            assert!(line.baseline > MARGIN);
            assert_eq!(line.size, 18.0);
        }
    }
}
