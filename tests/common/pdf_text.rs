//! Reads a PDF back for tests (R-LET-4): its text as a reader would copy it (through each
//! font's ToUnicode map, with lopdf), the type sizes its text is set in (the operands of
//! `Tf` in the content streams), its page count and its title. Used by the letter unit
//! tests and by the fake Slack, which reads every PDF uploaded to it.

#![allow(dead_code)]

/// What a PDF says.
#[derive(Debug, Clone)]
pub struct PdfText {
    /// Every page's text, in order, each line (each piece of text drawn) on its own line.
    pub text: String,
    /// The size of every piece of text set, in points, in order.
    pub sizes: Vec<f32>,
    pub pages: usize,
}

impl PdfText {
    /// The text with line breaks and runs of spaces as single spaces, so a check for a
    /// phrase does not depend on where a line happened to wrap.
    pub fn flat(&self) -> String {
        self.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Reads `bytes`, which must be a PDF.
pub fn read_pdf(bytes: &[u8]) -> Result<PdfText, String> {
    if !bytes.starts_with(b"%PDF-") {
        return Err("not a PDF: it does not start with %PDF-".to_owned());
    }
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    let pages = doc.get_pages();
    let numbers: Vec<u32> = pages.keys().copied().collect();
    let text = doc
        .extract_text(&numbers)
        .map_err(|e| format!("no text: {e}"))?;
    let mut sizes = Vec::new();
    for id in pages.values() {
        let content = doc
            .get_and_decode_page_content(*id)
            .map_err(|e| format!("unreadable content: {e}"))?;
        for op in content.operations {
            if op.operator == "Tf" {
                if let Some(size) = op.operands.get(1).and_then(|o| o.as_float().ok()) {
                    sizes.push(size);
                }
            }
        }
    }
    Ok(PdfText {
        text,
        sizes,
        pages: pages.len(),
    })
}
