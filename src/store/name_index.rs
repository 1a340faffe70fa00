//! Choosing what to ask SQLite's trigram name index (migration 0018) for a name search.
//!
//! A search for text anywhere in a name must find exactly what `name_folded LIKE '%text%'`
//! finds. Every row holding the text holds each of its trigrams, so any of them narrows
//! the candidates without losing one, and the LIKE on those few candidates decides. How
//! many rows a trigram narrows to differs a thousandfold: in a register where every name
//! ends "… Example", "exa" is in every row, while "333" is in a handful; matching every
//! trigram of the text (an FTS5 phrase) walks each trigram's whole list. So the search
//! asks for the two trigrams of the text that the fewest names hold, by a count of names
//! per trigram read from the index now and then ([`REFRESH_AFTER`]) in the background.
//! The counts only choose; a stale count can make a search slower, never wrong.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long a count of names per trigram is used before it is read again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(300);

/// How many trigrams of the text the index is asked for.
const TRIGRAMS_ASKED: usize = 2;

/// How many names hold each trigram.
type Counts = Arc<HashMap<String, i64>>;

/// The count of names holding each trigram, as last read, and when.
#[derive(Debug, Default)]
pub struct TrigramCounts {
    read: RwLock<Option<(Instant, Counts)>>,
    reading: AtomicBool,
}

impl TrigramCounts {
    /// Whether the counts should be read (again): never read, or read too long ago. At
    /// most one caller at a time is told yes, until it calls [`Self::store`] or
    /// [`Self::failed`].
    pub fn claim_refresh(&self) -> bool {
        let stale = self
            .read
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() >= REFRESH_AFTER);
        stale
            && self
                .reading
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    pub fn store(&self, counts: HashMap<String, i64>) {
        *self.read.write().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), Arc::new(counts)));
        self.reading.store(false, Ordering::Release);
    }

    pub fn failed(&self) {
        self.reading.store(false, Ordering::Release);
    }

    /// The FTS5 query for the rarest trigrams of `text` (already lower-cased, at least 3
    /// characters), or, before any count was read, the phrase of the whole text.
    pub fn query_for(&self, text: &str) -> String {
        let counts = self
            .read
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(_, counts)| Arc::clone(counts));
        match counts {
            Some(counts) => {
                let mut trigrams = trigrams(text);
                // A trigram no name held when counted is the rarest of all.
                trigrams.sort_by_key(|t| counts.get(t).copied().unwrap_or(0));
                trigrams.truncate(TRIGRAMS_ASKED);
                trigrams
                    .iter()
                    .map(|t| quoted(t))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            }
            None => quoted(text),
        }
    }
}

/// Every distinct sequence of three characters in `text`, in order: the trigram
/// tokenizer's tokens (with `case_sensitive 1`, nothing is folded).
pub fn trigrams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    for window in chars.windows(3) {
        let trigram: String = window.iter().collect();
        if !out.contains(&trigram) {
            out.push(trigram);
        }
    }
    out
}

/// An FTS5 string: in double quotes, a quote inside doubled; nothing else is special.
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigrams_are_the_distinct_three_character_windows() {
        assert_eq!(trigrams("abab"), ["aba", "bab"]);
        assert_eq!(trigrams("siân"), ["siâ", "iân"]);
        assert!(trigrams("ab").is_empty());
    }

    #[test]
    fn the_rarest_two_trigrams_are_asked_for_once_counted() {
        let counts = TrigramCounts::default();
        assert_eq!(
            counts.query_for("ab\"cd"),
            "\"ab\"\"cd\"",
            "the phrase before any count"
        );
        assert!(counts.claim_refresh());
        assert!(!counts.claim_refresh(), "one refresh at a time");
        counts.store(HashMap::from([
            ("per".to_owned(), 100),
            ("ers".to_owned(), 100),
            ("rso".to_owned(), 7),
            ("son".to_owned(), 3),
        ]));
        assert!(!counts.claim_refresh(), "fresh counts are used");
        assert_eq!(counts.query_for("person"), "\"son\" AND \"rso\"");
        // A trigram no name holds is asked for first: it settles the search at once.
        assert_eq!(counts.query_for("perx"), "\"erx\" AND \"per\"");
    }
}
