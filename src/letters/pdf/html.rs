//! The rendered letter HTML read as the blocks a PDF page lays out (R-LET-4).
//!
//! The templates stay HTML, so the stored letter and the subject access export keep their
//! readable document; this reads a small, defined subset of it for the PDF:
//!
//! * `<h1>` … `<h6>`: headings (`h1` the letter's title, the rest section headings);
//! * `<p>`, `<div>`, `<header>`, `<section>`, `<footer>` and other block elements:
//!   paragraphs;
//! * `<ul>`, `<ol>` and `<li>`: bulleted and numbered lists, nested;
//! * `<b>`, `<strong>`: bold; `<br>`: a line break.
//!
//! Any other tag is read for its text. `<head>`, `<style>`, `<script>` and `<title>` are
//! not printed. Whitespace collapses as it does in a browser. The tokenizer is html5gum
//! (WHATWG tokenization, character references decoded), so an edited template's HTML is
//! read as a browser would read it.

use html5gum::{DefaultEmitter, Token, Tokenizer};

/// What a block is, which decides its type size and spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `<h1>` (1) … `<h6>` (6).
    Heading(u8),
    Paragraph,
    /// A list item at `depth` (1 for a top-level list), with its marker.
    ListItem {
        depth: u8,
        marker: Marker,
    },
}

/// What a list item's first line starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// An item of a `<ul>`.
    Bullet,
    /// An item of an `<ol>`, numbered from 1.
    Number(u32),
    /// The item's text after a nested list: no marker of its own.
    Continued,
}

/// A piece of a block's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text {
        text: String,
        bold: bool,
    },
    /// `<br>`.
    Break,
}

/// One block of the letter, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub inlines: Vec<Inline>,
}

impl Block {
    /// The block's text, line breaks as `\n`.
    #[cfg(test)]
    pub fn text(&self) -> String {
        self.inlines
            .iter()
            .map(|i| match i {
                Inline::Text { text, .. } => text.as_str(),
                Inline::Break => "\n",
            })
            .collect()
    }
}

/// Elements that start and end a block.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "header",
    "footer",
    "section",
    "article",
    "main",
    "aside",
    "address",
    "blockquote",
    "body",
    "html",
    "table",
    "tr",
    "td",
    "th",
    "dl",
    "dt",
    "dd",
    "hr",
    "pre",
];

/// Elements whose content is never printed.
const HIDDEN_TAGS: &[&str] = &["head", "style", "script", "title", "template"];

/// Reads `html` into blocks. Empty blocks are dropped.
pub fn blocks(html: &str) -> Vec<Block> {
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut reader = Reader::default();
    for token in Tokenizer::new_with_emitter(html, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                reader.start(&name, tag.self_closing);
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                reader.end(&name);
            }
            Token::String(text) => reader.text(&String::from_utf8_lossy(&text)),
            Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
        }
    }
    reader.flush();
    reader.blocks
}

/// The state of the read: the block being gathered and where in the document we are.
#[derive(Default)]
struct Reader {
    blocks: Vec<Block>,
    kind: Option<BlockKind>,
    inlines: Vec<Inline>,
    /// `<b>`/`<strong>` open.
    bold: u32,
    /// Inside `<head>`, `<style>` … .
    hidden: u32,
    /// The open lists, innermost last: the next number of each (`None` for a `<ul>`).
    lists: Vec<Option<u32>>,
    /// The kind of block to return to when a heading or list item closes.
    after: Vec<BlockKind>,
}

impl Reader {
    fn start(&mut self, name: &str, self_closing: bool) {
        if HIDDEN_TAGS.contains(&name) {
            if !self_closing {
                self.hidden += 1;
            }
            return;
        }
        match name {
            "br" => self.inlines.push(Inline::Break),
            "b" | "strong" => self.bold += 1,
            "ul" => {
                self.flush();
                self.lists.push(None);
            }
            "ol" => {
                self.flush();
                self.lists.push(Some(1));
            }
            "li" => {
                self.flush();
                let depth = u8::try_from(self.lists.len().max(1)).unwrap_or(u8::MAX);
                let marker = match self.lists.last_mut() {
                    Some(Some(next)) => {
                        let n = *next;
                        *next += 1;
                        Marker::Number(n)
                    }
                    _ => Marker::Bullet,
                };
                self.after.push(self.kind.unwrap_or(BlockKind::Paragraph));
                self.kind = Some(BlockKind::ListItem { depth, marker });
            }
            _ => {
                if let Some(level) = heading_level(name) {
                    self.flush();
                    self.after.push(self.kind.unwrap_or(BlockKind::Paragraph));
                    self.kind = Some(BlockKind::Heading(level));
                } else if BLOCK_TAGS.contains(&name) {
                    self.flush();
                }
            }
        }
    }

    fn end(&mut self, name: &str) {
        if HIDDEN_TAGS.contains(&name) {
            self.hidden = self.hidden.saturating_sub(1);
            return;
        }
        match name {
            "b" | "strong" => self.bold = self.bold.saturating_sub(1),
            "br" => self.inlines.push(Inline::Break),
            "ul" | "ol" => {
                self.flush();
                self.lists.pop();
            }
            "li" => {
                self.flush();
                self.kind = self.after.pop().filter(|k| *k != BlockKind::Paragraph);
            }
            _ => {
                if heading_level(name).is_some() {
                    self.flush();
                    self.kind = self.after.pop().filter(|k| *k != BlockKind::Paragraph);
                } else if BLOCK_TAGS.contains(&name) {
                    self.flush();
                }
            }
        }
    }

    fn text(&mut self, text: &str) {
        if self.hidden > 0 || text.is_empty() {
            return;
        }
        let bold = self.bold > 0;
        match self.inlines.last_mut() {
            Some(Inline::Text {
                text: last,
                bold: b,
            }) if *b == bold => last.push_str(text),
            _ => self.inlines.push(Inline::Text {
                text: text.to_owned(),
                bold,
            }),
        }
    }

    /// Ends the block being gathered. A list item's text after a nested list continues
    /// as another block of the same item (without a second marker).
    fn flush(&mut self) {
        let inlines = collapse(std::mem::take(&mut self.inlines));
        let kind = self.kind.unwrap_or(BlockKind::Paragraph);
        if let BlockKind::ListItem { depth, .. } = kind {
            // The rest of the item's text, if any, has no marker of its own.
            self.kind = Some(BlockKind::ListItem {
                depth,
                marker: Marker::Continued,
            });
        }
        if inlines.is_empty() {
            if let Some(BlockKind::ListItem { .. }) = self.kind {
                // Nothing printed yet: keep the item's marker for its first text.
                self.kind = Some(kind);
            }
            return;
        }
        self.blocks.push(Block { kind, inlines });
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

/// Collapses whitespace as HTML does: any run of white space is one space, none at the
/// start or end of the block or either side of a line break.
fn collapse(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    // Whether the last character kept is a space (or the block or a line starts).
    let mut at_space = true;
    for inline in inlines {
        match inline {
            Inline::Break => {
                trim_end(&mut out);
                out.push(Inline::Break);
                at_space = true;
            }
            Inline::Text { text, bold } => {
                let mut kept = String::with_capacity(text.len());
                for c in text.chars() {
                    if c.is_whitespace() && c != '\u{a0}' {
                        if !at_space {
                            kept.push(' ');
                            at_space = true;
                        }
                    } else {
                        kept.push(c);
                        at_space = false;
                    }
                }
                if !kept.is_empty() {
                    out.push(Inline::Text { text: kept, bold });
                }
            }
        }
    }
    trim_end(&mut out);
    // A break as the first or last thing adds nothing.
    while matches!(out.first(), Some(Inline::Break)) {
        out.remove(0);
    }
    while matches!(out.last(), Some(Inline::Break)) {
        out.pop();
        trim_end(&mut out);
    }
    out
}

/// Drops trailing spaces (and pieces left empty) before a break or the block's end.
fn trim_end(out: &mut Vec<Inline>) {
    while let Some(Inline::Text { text, .. }) = out.last_mut() {
        let trimmed = text.trim_end_matches(' ').len();
        text.truncate(trimmed);
        if text.is_empty() {
            out.pop();
        } else {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_text(html: &str) -> Vec<(BlockKind, String)> {
        blocks(html).iter().map(|b| (b.kind, b.text())).collect()
    }

    #[test]
    fn r_let_4_headings_paragraphs_and_breaks_are_read_and_the_head_is_not() {
        let html = "<!DOCTYPE html><html><head><title>T</title><style>p { x: 1 }</style></head>\
            <body><h1>Title</h1>\n<p>One  two\n three<br>four &amp; ŵ</p><p> </p><h2>Next</h2></body></html>";
        assert_eq!(
            kinds_and_text(html),
            vec![
                (BlockKind::Heading(1), "Title".to_owned()),
                (BlockKind::Paragraph, "One two three\nfour & ŵ".to_owned()),
                (BlockKind::Heading(2), "Next".to_owned()),
            ]
        );
    }

    #[test]
    fn r_let_4_nested_lists_keep_their_depth_and_numbers() {
        let html = "<ul><li>A:<ul><li>Monday</li></ul> after</li><li>B</li></ul><ol><li>x</li><li>y</li></ol>";
        assert_eq!(
            kinds_and_text(html),
            vec![
                (
                    BlockKind::ListItem {
                        depth: 1,
                        marker: Marker::Bullet
                    },
                    "A:".to_owned()
                ),
                (
                    BlockKind::ListItem {
                        depth: 2,
                        marker: Marker::Bullet
                    },
                    "Monday".to_owned()
                ),
                (
                    BlockKind::ListItem {
                        depth: 1,
                        marker: Marker::Continued
                    },
                    "after".to_owned()
                ),
                (
                    BlockKind::ListItem {
                        depth: 1,
                        marker: Marker::Bullet
                    },
                    "B".to_owned()
                ),
                (
                    BlockKind::ListItem {
                        depth: 1,
                        marker: Marker::Number(1)
                    },
                    "x".to_owned()
                ),
                (
                    BlockKind::ListItem {
                        depth: 1,
                        marker: Marker::Number(2)
                    },
                    "y".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn r_let_4_bold_is_kept_as_its_own_piece() {
        let b = blocks("<p>Dear <strong>Ms Jones</strong>, hello</p>");
        assert_eq!(
            b[0].inlines,
            vec![
                Inline::Text {
                    text: "Dear ".to_owned(),
                    bold: false
                },
                Inline::Text {
                    text: "Ms Jones".to_owned(),
                    bold: true
                },
                Inline::Text {
                    text: ", hello".to_owned(),
                    bold: false
                },
            ]
        );
    }
}
